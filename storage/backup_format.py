"""The encrypted, integrity-checked container of a nozei backup (SPEC §5.1).

Layout::

    NOZEI-BACKUP\\n
    {header JSON}\\n                 version, created_at, kek_id, salt, schema, backend
    frame 0, frame 1, … frame n     each: 4-byte length ‖ AES-256-GCM(ciphertext ‖ tag)

The body is a zlib stream of JSON lines, cut into frames. Frame *i* is sealed
with the nonce *i* under a key derived (HKDF-SHA256, random salt per backup)
from the installation's key-encryption key, and authenticated together with
the header's digest, its index and whether it is the last frame. So a changed
header, a changed/reordered/missing frame, a truncated file or a backup made
with another key file is detected before anything is used. The key file
itself is never written into a backup.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import NozeiError
from storage.crypto.keyfile import kek_id

__all__ = ["BackupError", "BackupHeader", "BackupWriter", "read_header", "read_records", "FORMAT_VERSION"]

MAGIC = b"NOZEI-BACKUP\n"
FORMAT_VERSION = 1
_FRAME_BYTES = 1 << 20
_MAX_FRAME = _FRAME_BYTES + 64 * 1024
_MAX_HEADER = 4096
_LEN = struct.Struct(">I")


class BackupError(NozeiError):
    """The backup cannot be used: damaged, truncated, foreign or of another version."""


@dataclass(frozen=True, slots=True)
class BackupHeader:
    version: int
    created_at: str
    kek_id: str
    salt: str
    schema: str
    backend: str
    municipality: str

    def to_bytes(self) -> bytes:
        body = {"version": self.version, "created_at": self.created_at, "kek_id": self.kek_id,
                "salt": self.salt, "schema": self.schema, "backend": self.backend,
                "municipality": self.municipality}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"


def _key(kek: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"nozei backup v1").derive(kek)
    return AESGCM(derived)


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if final else 0)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


class BackupWriter:
    """Writes records into a new backup file (mode 0600, never over an existing file).

    The file is written under a temporary name and renamed into place only by
    :meth:`close` after everything was written and synced, so a failed or
    killed backup never leaves a file that looks complete.
    """

    def __init__(self, path: Path, kek: bytes, *, created_at: str, schema: str, backend: str,
                 municipality: str) -> None:
        if path.exists():
            raise BackupError(f"ファイルは既に存在します（上書きしません）: {path}")
        salt = os.urandom(16)
        self.header = BackupHeader(FORMAT_VERSION, created_at, kek_id(kek), base64.b64encode(salt).decode(),
                                   schema, backend, municipality)
        self.path = path
        self._tmp = path.with_name(f".{path.name}.partial")
        self._aead = _key(kek, salt)
        header = MAGIC + self.header.to_bytes()
        self._digest = hashlib.sha256(header).digest()
        self._sha = hashlib.sha256()
        try:  # never through a link, never into another backup's temporary file
            fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError as exc:
            raise BackupError(f"同じ名前のバックアップを作成中です（{self._tmp.name} があります）") from exc
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._write(header)
        self._zip = zlib.compressobj(6)
        self._pending = bytearray()
        self._index = 0
        self.size = 0

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self._sha.update(data)

    def _seal(self, data: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index), data, _aad(self._digest, self._index, final))
        self._write(_LEN.pack(len(sealed)) + sealed)
        self._index += 1

    def record(self, value: dict[str, Any]) -> None:
        line = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        self._pending += self._zip.compress(line)
        while len(self._pending) >= _FRAME_BYTES:
            self._seal(bytes(self._pending[:_FRAME_BYTES]), final=False)
            del self._pending[:_FRAME_BYTES]

    def close(self) -> str:
        """Seal the last frame, sync, rename into place; returns the file's SHA-256."""
        self._pending += self._zip.flush()
        while len(self._pending) > _FRAME_BYTES:
            self._seal(bytes(self._pending[:_FRAME_BYTES]), final=False)
            del self._pending[:_FRAME_BYTES]
        self._seal(bytes(self._pending), final=True)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.size = self._file.tell()
        self._file.close()
        if self.path.exists():
            self._tmp.unlink(missing_ok=True)
            raise BackupError(f"ファイルは既に存在します（上書きしません）: {self.path}")
        os.replace(self._tmp, self.path)
        return self._sha.hexdigest()

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)


def read_header(stream: IO[bytes], kek: bytes) -> tuple[BackupHeader, bytes]:
    """The header, checked against this installation's key; returns it with its digest."""
    magic = stream.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupError("nozei のバックアップファイルではありません")
    line = stream.readline(_MAX_HEADER)
    try:
        fields = json.loads(line.decode("ascii"))
        header = BackupHeader(**fields)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BackupError("バックアップの見出しが壊れています") from exc
    if header.version != FORMAT_VERSION:
        raise BackupError(f"このバックアップの形式（版 {header.version}）には対応していません")
    if header.kek_id != kek_id(kek):
        raise BackupError("別の鍵ファイル（別の設置）で作成されたバックアップです。この設置では復元できません")
    return header, hashlib.sha256(magic + line).digest()


def _frames(stream: IO[bytes], aead: AESGCM, digest: bytes) -> Iterator[bytes]:
    index = 0
    while True:
        head = stream.read(_LEN.size)
        if len(head) < _LEN.size:
            raise BackupError(f"バックアップが途中で切れています（ブロック {index}）")
        (length,) = _LEN.unpack(head)
        if length > _MAX_FRAME:
            raise BackupError(f"バックアップが壊れています（ブロック {index} の長さ）")
        sealed = stream.read(length)
        if len(sealed) < length:
            raise BackupError(f"バックアップが途中で切れています（ブロック {index}）")
        final = stream.peek(1)[:1] == b"" if hasattr(stream, "peek") else False
        try:
            yield aead.decrypt(_nonce(index), sealed, _aad(digest, index, final))
        except InvalidTag:
            if final:
                raise BackupError(
                    f"バックアップが壊れているか途中で切れています（ブロック {index}）") from None
            raise BackupError(f"バックアップが壊れています（ブロック {index} の認証に失敗）") from None
        if final:
            return
        index += 1


def read_records(path: Path, kek: bytes) -> Iterator[dict[str, Any] | BackupHeader]:
    """The header, then every record; raises :class:`BackupError` at the first damaged byte."""
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed in finally, the generator may stop early
    except OSError as exc:
        raise BackupError(f"バックアップファイルを開けません: {path}") from exc
    try:
        header, digest = read_header(stream, kek)
        yield header
        aead = _key(kek, base64.b64decode(header.salt))
        unzip = zlib.decompressobj()
        rest = b""
        for frame in _frames(stream, aead, digest):
            try:
                rest += unzip.decompress(frame)
            except zlib.error as exc:
                raise BackupError("バックアップの内容を展開できません") from exc
            *lines, rest = rest.split(b"\n")
            for line in lines:
                yield _parse(line)
        if rest or not unzip.eof:
            raise BackupError("バックアップの内容が途中で終わっています")
    finally:
        stream.close()


def _parse(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise BackupError("バックアップの内容が壊れています") from exc
    if not isinstance(value, dict):
        raise BackupError("バックアップの内容が壊れています")
    return value
