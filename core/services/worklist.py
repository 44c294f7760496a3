"""The menu's worklist: what waits for this user today, counted per area the user may open.

Delinquency counts (cases due, broken plans, prescriptions near) join when the
delinquency work lands; each count is shown only with the permission of its area.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.ports import UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.registry import service

__all__ = ["WorkItem", "worklist"]


@dataclass(frozen=True, slots=True)
class WorkItem:
    id: str
    label: str
    count: int


@service(Permission.REPORT_VIEW)
def worklist(uow: UnitOfWork, actor: Actor) -> list[WorkItem]:
    """Counts only (no personal data, nothing opened): not audited as a view."""
    items: list[WorkItem] = []
    with uow:
        if actor.can(Permission.REFUND_APPROVE):
            mine = uow.refunds.counts(not_drafted_by=actor.user_id)  # type: ignore[attr-defined]
            items.append(WorkItem("approvals", "還付の決裁待ち", mine.get("refunds_drafted", 0)))
        if actor.can(Permission.SUSPENSE_RESOLVE):
            items.append(WorkItem("suspense", "未消込", uow.ledger.count_open_suspense()))  # type: ignore[attr-defined]
        if actor.can(Permission.REFUND_DRAFT) or actor.can(Permission.REFUND_PAY):
            counts = uow.refunds.counts()  # type: ignore[attr-defined]
            if actor.can(Permission.REFUND_DRAFT):
                items.append(WorkItem("overpayments", "充当・還付待ちの過誤納", counts["overpayments_open"]))
            if actor.can(Permission.REFUND_PAY):
                items.append(WorkItem("to_pay", "支出待ちの還付（決裁済）", counts.get("refunds_approved", 0)))
    return items
