"""argon2id password hashing (argon2-cffi), RFC 9106 low-memory profile by default."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

__all__ = ["Argon2Hasher", "FAST_TEST_PARAMETERS"]

#: Cheap parameters for the test suite only (never used by the application).
FAST_TEST_PARAMETERS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class Argon2Hasher:
    """Implements :class:`core.ports.PasswordHasher`."""

    def __init__(self, *, time_cost: int | None = None, memory_cost: int | None = None,
                 parallelism: int | None = None) -> None:
        p = RFC_9106_LOW_MEMORY
        self._hasher = _Argon2(
            time_cost=time_cost or p.time_cost,
            memory_cost=memory_cost or p.memory_cost,
            parallelism=parallelism or p.parallelism,
            hash_len=p.hash_len,
            salt_len=p.salt_len,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
