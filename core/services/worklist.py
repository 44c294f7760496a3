"""The menu's worklist: what waits for this user today, counted per area the user may open.

Each count is shown only with the permission of its area. Delinquency counts are
cheap SQL counts (cases due today for this officer, plans marked 不履行 by the daily
check, proposals of others awaiting a supervisor); the full worklist with
prescriptions near is :func:`core.services.case_view.officer_worklist` (the menu counts the
officer's cases with a 時効 near too: a ledger computation over their unpaid periods).
"""

from __future__ import annotations

from dataclasses import dataclass

from datetime import date

from core.ports import UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.registry import service

__all__ = ["WorkItem", "worklist"]


@dataclass(frozen=True, slots=True)
class WorkItem:
    id: str
    label: str
    count: int


def _prescription_near(uow: UnitOfWork, officer: str, today: date) -> int:
    """The officer's cases with a period whose 時効 completes within the warning months."""
    from core.services.account import period_lines

    rows, _more = uow.cases.summaries(officer=officer, limit=100_000)  # type: ignore[attr-defined]
    taxpayers = {r["case"].taxpayer_id for r in rows}
    periods = uow.ledger.unpaid_periods(sorted(taxpayers)) if taxpayers else []  # type: ignore[attr-defined]
    owner = {a.id: a.taxpayer_id for a in periods}
    return len({owner[line.assessment_id] for line in period_lines(uow, periods, today) if line.prescription_near})


@service(Permission.REPORT_VIEW)
def worklist(uow: UnitOfWork, actor: Actor, *, today: date | None = None) -> list[WorkItem]:
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
        if actor.can(Permission.CASE_VIEW) and today is not None:
            cases = uow.cases  # type: ignore[attr-defined]
            items.append(WorkItem("cases_due", "対応予定日が来た案件", cases.count_due(officer=actor.user_id, on=today)))
            items.append(WorkItem("broken_plans", "分納の不履行",
                                  uow.dispositions.count_defaulted_plans(officer=actor.user_id)))  # type: ignore[attr-defined]
            items.append(WorkItem("prescription", "時効完成が近い案件", _prescription_near(uow, actor.user_id, today)))
        if actor.can(Permission.DISPOSITION_APPROVE):
            items.append(WorkItem("dispositions", "決裁待ち（差押・執行停止・不納欠損）",
                                  uow.dispositions.count_proposals(not_by=actor.user_id)))  # type: ignore[attr-defined]
    return items
