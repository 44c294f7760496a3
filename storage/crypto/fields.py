"""AES-256-GCM field encryption bound to table, column and record id.

Format: ``format(1) ‖ key version(4, big-endian) ‖ nonce(12) ‖ ciphertext ‖ tag(16)``.
The associated data is ``nozei|table|column|record id``, so a ciphertext copied
to another row or column fails to decrypt.
"""

from __future__ import annotations

import secrets
import struct
import threading
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import NozeiError
from storage.crypto.keyring import KeyRing

__all__ = ["FieldCipher", "DecryptionError", "FORMAT_V1", "ciphertext_version"]

FORMAT_V1 = 1
_HEADER = struct.Struct(">BI")
_NONCE = 12


class DecryptionError(NozeiError):
    """A ciphertext does not decrypt where it is (moved, altered or wrong key)."""


def _ad(table: str, column: str, record_id: object) -> bytes:
    return f"nozei|{table}|{column}|{record_id}".encode()


def ciphertext_version(blob: bytes) -> int:
    """The data-key version a ciphertext was written with."""
    fmt, version = _HEADER.unpack_from(blob)
    if fmt != FORMAT_V1:
        raise DecryptionError("暗号文の形式が不明です")
    return int(version)


class FieldCipher:
    """Encrypts new values with the newest field key; decrypts any known version."""

    #: A version still unknown after a reload is not looked up again for this long.
    RELOAD_AFTER = 5.0

    def __init__(self, ring: KeyRing, refresh: Callable[[], KeyRing] | None = None) -> None:
        self._aead = {v: AESGCM(k) for v, k in ring.field_keys.items()}
        self.version = ring.current_field_version
        self._refresh = refresh
        self._lock = threading.Lock()
        self._missing: dict[int, float] = {}

    def _newer(self, version: int) -> AESGCM | None:
        """A version another process created after this one loaded its keys (key rotation
        while sessions work): reload the ring; this process then writes with it too.
        Screens run services in threads, so the swap happens under a lock, and the
        version used to encrypt is read once per value (see :meth:`encrypt`)."""
        if self._refresh is None:
            return None
        with self._lock:
            if version in self._aead:
                return self._aead[version]
            if time.monotonic() - self._missing.get(version, -self.RELOAD_AFTER) < self.RELOAD_AFTER:
                return None
            ring = self._refresh()
            aead = dict(self._aead)
            for v, key in ring.field_keys.items():
                aead.setdefault(v, AESGCM(key))
            self._aead = aead
            self.version = max(self.version, ring.current_field_version)
            if version not in aead:
                self._missing[version] = time.monotonic()
            return aead.get(version)

    def encrypt(self, value: str, *, table: str, column: str, record_id: object) -> bytes:
        version = self.version  # once: the header must name the key that sealed the value
        nonce = secrets.token_bytes(_NONCE)
        body = self._aead[version].encrypt(nonce, value.encode("utf-8"), _ad(table, column, record_id))
        return _HEADER.pack(FORMAT_V1, version) + nonce + body

    def decrypt(self, blob: bytes, *, table: str, column: str, record_id: object) -> str:
        blob = bytes(blob)
        version = ciphertext_version(blob)
        aead = self._aead.get(version) or self._newer(version)
        if aead is None:
            raise DecryptionError(f"データ鍵のバージョン {version} がありません（{table}.{column}）")
        start = _HEADER.size
        try:
            plain = aead.decrypt(
                blob[start:start + _NONCE], blob[start + _NONCE:], _ad(table, column, record_id)
            )
        except InvalidTag as exc:
            raise DecryptionError(
                f"暗号文を復号できません（{table}.{column} id={record_id}）: "
                "別の行・列から移された値か、改ざんされています"
            ) from exc
        return plain.decode("utf-8")

    def encrypt_opt(self, value: str | None, *, table: str, column: str, record_id: object) -> bytes | None:
        if value is None:
            return None
        return self.encrypt(value, table=table, column=column, record_id=record_id)

    def decrypt_opt(self, blob: bytes | None, *, table: str, column: str, record_id: object) -> str | None:
        if blob is None:
            return None
        return self.decrypt(blob, table=table, column=column, record_id=record_id)
