"""The key-encryption key (KEK): 32 random bytes in a file of mode 0600.

The file lives outside the database and outside backups. It is created once
and never overwritten; losing it loses the data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from core.errors import NozeiError

__all__ = ["KeyFileError", "create_kek", "load_kek", "kek_id", "KEK_BYTES"]

KEK_BYTES = 32
_HEADER = "nozei-kek-v1:"


class KeyFileError(NozeiError):
    """The key file is missing, unreadable, malformed or belongs elsewhere."""


def kek_id(kek: bytes) -> str:
    """A public fingerprint of the KEK (HMAC, reveals nothing about the key)."""
    return hmac.new(kek, b"nozei kek fingerprint", hashlib.sha256).hexdigest()[:16]


def create_kek(path: Path) -> bytes:
    """Create a new KEK file with mode 0600. Refuses to overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    kek = secrets.token_bytes(KEK_BYTES)
    data = (_HEADER + base64.b64encode(kek).decode("ascii") + "\n").encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeyFileError(f"鍵ファイルは既に存在します（上書きしません）: {path}") from exc
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return kek


def load_kek(path: Path) -> bytes:
    """Read the KEK, with a clear Japanese error for every way it can be wrong."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise KeyFileError(
            f"鍵ファイルがありません: {path}（鍵ファイルなしではデータを復号できません。"
            "保管している鍵ファイルを戻してください）"
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"鍵ファイルが通常のファイルではありません: {path}")
    if info.st_mode & 0o077:
        raise KeyFileError(
            f"鍵ファイルの権限が広すぎます（{oct(info.st_mode & 0o777)}）: {path}。"
            f"chmod 600 {path} を実行してください"
        )
    try:
        text = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"鍵ファイルを読めません: {path}") from exc
    if not text.startswith(_HEADER):
        raise KeyFileError(f"鍵ファイルの形式が正しくありません: {path}")
    try:
        kek = base64.b64decode(text[len(_HEADER):], validate=True)
    except ValueError as exc:
        raise KeyFileError(f"鍵ファイルの形式が正しくありません: {path}") from exc
    if len(kek) != KEK_BYTES:
        raise KeyFileError(f"鍵ファイルの鍵長が正しくありません: {path}")
    return kek
