"""Data keys (DEKs) wrapped by the KEK, with versions, and the key ring that holds them.

Purposes: ``field`` — AES-256-GCM keys for personal fields (rotated: new writes
use the newest version, old rows are re-encrypted by a batch); ``index`` — the
HMAC key of the blind indexes (one version; a change would need a re-index).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, func, insert, select

from storage.crypto.keyfile import KeyFileError, kek_id
from storage.schema import key_versions

__all__ = ["KeyRing", "initialize_keys", "rotate_field_key", "load_keyring", "PURPOSES"]

PURPOSES = ("field", "index")
_NONCE = 12


def _wrap_ad(purpose: str, version: int) -> bytes:
    return f"nozei-dek|{purpose}|{version}".encode("ascii")


def _wrap(kek: bytes, purpose: str, version: int, dek: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(kek).encrypt(nonce, dek, _wrap_ad(purpose, version))


def _unwrap(kek: bytes, purpose: str, version: int, wrapped: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _wrap_ad(purpose, version))
    except InvalidTag as exc:
        raise KeyFileError(
            "鍵ファイルでデータ鍵を復号できません。このデータベースの鍵ファイルではないか、鍵表が改ざんされています"
        ) from exc


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Unwrapped data keys by version. Never logged, never pickled to disk."""

    field_keys: dict[int, bytes]
    index_key: bytes

    @property
    def current_field_version(self) -> int:
        return max(self.field_keys)

    def field_key(self, version: int) -> bytes:
        try:
            return self.field_keys[version]
        except KeyError as exc:
            raise KeyFileError(f"データ鍵のバージョン {version} がありません") from exc

    def __repr__(self) -> str:  # keys must never reach a log or traceback
        return f"KeyRing(field_versions={sorted(self.field_keys)})"


def _insert_key(conn: Connection, kek: bytes, purpose: str, version: int) -> None:
    dek = secrets.token_bytes(32)
    conn.execute(
        insert(key_versions).values(
            purpose=purpose,
            version=version,
            wrapped=_wrap(kek, purpose, version, dek),
            kek_id=kek_id(kek),
            created_at=datetime.now(UTC),
        )
    )


def initialize_keys(conn: Connection, kek: bytes) -> None:
    """Create the first field and index keys of a new database."""
    existing = conn.execute(select(func.count()).select_from(key_versions)).scalar_one()
    if existing:
        raise KeyFileError("データ鍵は既に作成されています")
    for purpose in PURPOSES:
        _insert_key(conn, kek, purpose, 1)


def rotate_field_key(conn: Connection, kek: bytes) -> int:
    """Add a new field-key version (new writes use it); return the version."""
    ring = load_keyring(conn, kek)  # proves the KEK is the right one first
    version = ring.current_field_version + 1
    _insert_key(conn, kek, "field", version)
    return version


def load_keyring(conn: Connection, kek: bytes) -> KeyRing:
    """Unwrap every DEK; a KEK that does not belong to this database is a clear error."""
    rows = conn.execute(
        select(key_versions.c.purpose, key_versions.c.version, key_versions.c.wrapped,
               key_versions.c.kek_id)
    ).all()
    if not rows:
        raise KeyFileError("データ鍵がありません。`nozei init` または `nozei demo` で作成してください")
    fingerprint = kek_id(kek)
    if any(row.kek_id != fingerprint for row in rows):
        raise KeyFileError(
            "鍵ファイルがこのデータベースのものではありません（鍵の指紋が一致しません）"
        )
    field_keys: dict[int, bytes] = {}
    index_key: bytes | None = None
    for row in rows:
        dek = _unwrap(kek, row.purpose, row.version, bytes(row.wrapped))
        if row.purpose == "field":
            field_keys[row.version] = dek
        else:
            index_key = dek
    if not field_keys or index_key is None:
        raise KeyFileError("データ鍵が欠けています")
    return KeyRing(field_keys=field_keys, index_key=index_key)
