"""Writing a file that leaves the application: owner-only permissions, never over an existing file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from core.errors import ValidationError

__all__ = ["write_private", "sha256_of"]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_private(path: Path, data: bytes) -> str:
    """Write *data* to *path* (mode 0600, atomically, refusing to replace a file); return its SHA-256."""
    path = Path(path)
    if path.exists():
        raise ValidationError(f"出力先のファイルが既にあります: {path.name}", field="out")
    if not path.parent.is_dir():
        raise ValidationError(f"出力先のフォルダがありません: {path.parent}", field="out")
    tmp = path.with_name(f".{path.name}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, path)  # fails if *path* appeared meanwhile: never replaces
    finally:
        tmp.unlink(missing_ok=True)
    return sha256_of(data)
