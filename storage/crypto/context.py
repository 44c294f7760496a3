"""What repositories need to read and write personal fields: a cipher and an indexer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from storage.crypto.blind import BlindIndexer
from storage.crypto.fields import FieldCipher
from storage.crypto.keyring import KeyRing

__all__ = ["Crypto"]


@dataclass(frozen=True, slots=True)
class Crypto:
    cipher: FieldCipher
    indexer: BlindIndexer

    @classmethod
    def from_ring(cls, ring: KeyRing, refresh: Callable[[], KeyRing] | None = None) -> Crypto:
        """*refresh* reloads the ring from the database when a value carries a newer key version."""
        return cls(cipher=FieldCipher(ring, refresh), indexer=BlindIndexer(ring.index_key))

    def __repr__(self) -> str:
        return f"Crypto(field_version={self.cipher.version})"
