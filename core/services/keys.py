"""Key administration (SPEC §5.1): rotation and re-encryption need ``admin.keys``.

The work itself is done by storage through the :class:`KeyAdministration` port;
these services are the permission gate (and the registry entry) in front of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from core.ports import UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.registry import service

__all__ = ["KeyAdministration", "rotate_data_key", "reencrypt_old_rows"]


class KeyAdministration(Protocol):
    def rotate(self, actor: Actor) -> int: ...

    def reencrypt(self, actor: Actor, *, batch_size: int, on_batch: Callable[[Any], None] | None) -> Any: ...


@service(Permission.ADMIN_KEYS)
def rotate_data_key(uow: UnitOfWork, actor: Actor, keys: KeyAdministration) -> int:
    """A new data-key version for all new writes (audited by storage in the same transaction)."""
    return keys.rotate(actor)


@service(Permission.ADMIN_KEYS)
def reencrypt_old_rows(uow: UnitOfWork, actor: Actor, keys: KeyAdministration, *, batch_size: int = 500,
                       on_batch: Callable[[Any], None] | None = None) -> Any:
    """Re-encrypt rows written with older versions, one committed batch at a time (resumable)."""
    return keys.reencrypt(actor, batch_size=batch_size, on_batch=on_batch)
