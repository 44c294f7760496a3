"""Backups (SPEC §5.1): creating and restoring one needs ``admin.keys``.

Only administrators may copy or replace the whole store (seed 002: バックアップ処理の
実行権限を持つ者を限定する). The work is done by storage through the
:class:`BackupAdministration` port; these services are the permission gate (and
the registry entry) in front of it. Both are audited by storage: the creation
after the file is complete, the restore in the transaction that replaces the rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from core.ports import UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.registry import service

__all__ = ["BackupAdministration", "create_backup", "check_backup_file", "restore_backup"]


class BackupAdministration(Protocol):
    def create(self, actor: Actor, path: Path) -> Any: ...

    def check(self, actor: Actor, path: Path) -> Any: ...

    def restore(self, actor: Actor, path: Path) -> Any: ...


@service(Permission.ADMIN_KEYS)
def create_backup(uow: UnitOfWork, actor: Actor, backups: BackupAdministration, path: Path) -> Any:
    """Write an encrypted, integrity-checked backup of every table to *path* (never overwrites)."""
    return backups.create(actor, Path(path))


@service(Permission.ADMIN_KEYS)
def check_backup_file(uow: UnitOfWork, actor: Actor, backups: BackupAdministration, path: Path) -> Any:
    """Authenticate every block of the backup and check it against this schema; changes nothing."""
    return backups.check(actor, Path(path))


@service(Permission.ADMIN_KEYS)
def restore_backup(uow: UnitOfWork, actor: Actor, backups: BackupAdministration, path: Path) -> Any:
    """Verify the whole backup, then replace every row with it in one transaction."""
    return backups.restore(actor, Path(path))
