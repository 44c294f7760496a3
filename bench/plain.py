"""The benchmark-only switch that turns field encryption off.

nozei itself has no such switch: every personal field is AES-256-GCM (SPEC
§5.1). To measure what that costs, the benchmarks build and read a second
dataset through this module, which replaces — in its own process only — the
field cipher with one that stores the UTF-8 text behind the same header,
unencrypted. Blind indexes stay (the same HMAC buckets and candidate
comparisons), so the ratio measured is the cost of AES-GCM sealing and opening
alone. Never point it at a real database.

    python -m bench.plain demo --data-dir … --taxpayers …   # any ``nozei`` command
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from storage.crypto import context
from storage.crypto.blind import BlindIndexer
from storage.crypto.fields import _HEADER, FieldCipher
from storage.crypto.keyring import KeyRing

__all__ = ["PlainFieldCipher", "switch_encryption_off"]

_PLAIN_FORMAT = 0


class PlainFieldCipher(FieldCipher):
    """``format 0 ‖ version ‖ UTF-8 text``: the same shape of value, no encryption."""

    def encrypt(self, value: str, *, table: str, column: str, record_id: object) -> bytes:
        return _HEADER.pack(_PLAIN_FORMAT, self.version) + value.encode("utf-8")

    def decrypt(self, blob: bytes, *, table: str, column: str, record_id: object) -> str:
        return bytes(blob)[_HEADER.size:].decode("utf-8")


def _plain_from_ring(cls: type[context.Crypto], ring: KeyRing,
                     refresh: Callable[[], KeyRing] | None = None) -> context.Crypto:
    return cls(cipher=PlainFieldCipher(ring, refresh), indexer=BlindIndexer(ring.index_key))


def switch_encryption_off() -> None:
    """From now on, in this process, every store opened or created keeps fields in plain text."""
    context.Crypto.from_ring = classmethod(_plain_from_ring)  # type: ignore[method-assign, assignment]


if __name__ == "__main__":
    switch_encryption_off()
    from tui.cli import main

    sys.argv[0] = "nozei"
    raise SystemExit(main())
