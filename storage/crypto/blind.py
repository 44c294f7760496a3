"""Blind indexes: truncated HMAC-SHA256 of normalised values (SPEC §5.1).

Each index has its own sub-key derived from the index DEK and a bit length
chosen by CipherSweet's rule (2 ≤ R / 2^bits < √R) for 10万–100万 taxpayers;
``docs/blind-indexes.md`` gives the numbers. A lookup returns a bucket of
candidates that the repository decrypts and compares.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["INDEX_BITS", "BlindIndexer"]

#: Bits kept per index. Changing one requires a re-index of every row.
INDEX_BITS: dict[str, int] = {
    "my_number": 15,
    "kana_name": 14,
    "kana_surname": 11,
    "kana_surname_birth": 15,
    "birth_date": 12,
    "phone": 14,
}


class BlindIndexer:
    def __init__(self, index_key: bytes) -> None:
        self._keys = {
            name: hmac.new(index_key, f"nozei-blind-index|{name}".encode(), hashlib.sha256).digest()
            for name in INDEX_BITS
        }
        self._derived = hmac.new(index_key, b"nozei-derived-keys", hashlib.sha256).digest()

    def derived_key(self, purpose: str) -> bytes:
        """A key of its own for another keyed hash of this installation (e.g. the ids of
        purged records); independent of the blind-index keys and of every other purpose."""
        return hmac.new(self._derived, f"nozei-derived|{purpose}".encode(), hashlib.sha256).digest()

    def compute(self, index: str, normalized: str) -> int:
        """The bucket number of ``normalized`` in ``index`` (0 ≤ n < 2^bits)."""
        digest = hmac.new(self._keys[index], normalized.encode("utf-8"), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") >> (32 - INDEX_BITS[index])

    def __repr__(self) -> str:
        return "BlindIndexer(<keys hidden>)"
