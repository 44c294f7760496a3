"""The export rule (SPEC §5.3): a file that leaves the application needs
``export.files`` and a terminal registered as able to export. A refusal is
audited in its own transaction; the export itself is audited by the caller
with the file name, record count and SHA-256."""

from __future__ import annotations

from core.errors import PermissionDenied
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.registry import record_denial

__all__ = ["ExportRefused", "check_export"]


class ExportRefused(PermissionDenied):
    """The terminal may not write files out (or the user lacks export.files)."""


def check_export(uow: UnitOfWork, actor: Actor, what: str) -> None:
    """Raise unless *actor* may export from its terminal; call *outside* a unit of work."""
    if not actor.can(Permission.EXPORT_FILES):
        record_denial(uow, actor, str(Permission.EXPORT_FILES), what)
        raise ExportRefused(str(Permission.EXPORT_FILES))
    with uow:
        terminal = uow.identity.terminal(actor.terminal_id or "")
        allowed = terminal is not None and terminal.can_export and not terminal.disabled
        if not allowed:
            uow.audit.record(actor, AuditEvent(action="export.refused", outcome="denied",
                                               details={"what": what, "reason": "terminal"}))
            uow.commit()
    if not allowed:
        err = ExportRefused("export.terminal")
        err.args = ("この端末からはファイルを出力できません（出力可能な端末として登録されていません）",)
        raise err
