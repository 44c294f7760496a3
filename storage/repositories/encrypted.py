"""Free-text columns encrypted with the record id as associated data (one place for both directions)."""

from __future__ import annotations

from storage.crypto.context import Crypto

__all__ = ["EncryptedText"]


class EncryptedText:
    """Mixin for repositories whose rows carry ``*_ct`` text columns."""

    _crypto: Crypto

    def _enc(self, value: str | None, table: str, column: str, record_id: int) -> bytes | None:
        return self._crypto.cipher.encrypt_opt(value, table=table, column=column, record_id=record_id)

    def _dec(self, value: bytes | None, table: str, column: str, record_id: int) -> str | None:
        return self._crypto.cipher.decrypt_opt(value, table=table, column=column, record_id=record_id)
