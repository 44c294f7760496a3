"""What an officer sees: one case in full, and the worklist of what to do today.

The worklist (SPEC §4.8–§4.10, issue 6) has one section per reason a case
needs the officer: the next action is due, a 分納 is broken, a period's 時効
completes within ``warn_months`` (setting), a 執行停止 reaches its 3 years
within ``suspension_watch_days``, a seizure is in force awaiting 取立・換価, and
for a supervisor the proposals of others waiting for a decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from core.domain.delinquency import (
    Case,
    CaseRecord,
    Disposition,
    Investigation,
    Suspension,
    Tag,
    WriteoffRun,
)
from core.domain.ledger import DeferralTerm
from core.errors import NotFound
from core.ports import AuditEvent, UnitOfWork
from core.rules.suspension import extinguished_from
from core.security.permissions import Actor, Permission
from core.services.account import PeriodLine, period_lines
from core.services.cases import load_delinquency_policy
from core.services.plans import PlanView, plan_views_of
from core.services.registry import service

__all__ = ["CaseDetail", "case_detail", "case_of_taxpayer", "WorkRow", "Worklist", "officer_worklist", "SECTIONS"]


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: Case
    atena_no: str
    name: str
    name_kana: str
    phone: str | None
    address: str | None
    as_of: date
    periods: tuple[PeriodLine, ...]
    tags: tuple[Tag, ...]
    records: tuple[CaseRecord, ...]
    more_records: bool
    plans: tuple[PlanView, ...]
    investigations: tuple[Investigation, ...]
    dispositions: tuple[Disposition, ...]
    suspensions: tuple[Suspension, ...]
    deferrals: tuple[DeferralTerm, ...]

    def __repr__(self) -> str:
        return f"CaseDetail(case={self.case.id})"

    @property
    def owed(self) -> tuple[PeriodLine, ...]:
        """Periods with something still collectable (oldest first)."""
        rows = [p for p in self.periods if p.total_due > 0 and p.extinction is None]
        return tuple(sorted(rows, key=lambda p: (p.statutory_due_date, p.due_date, p.assessment_id)))

    @property
    def total_due(self) -> int:
        return sum(p.total_due for p in self.owed)

    @property
    def delinquent_total(self) -> int:
        """滞納額: what is owed on periods past their 納期限 (not those still to fall due)."""
        return sum(p.total_due for p in self.owed if p.due_date < self.as_of)


@service(Permission.CASE_VIEW)
def case_detail(uow: UnitOfWork, actor: Actor, case_id: int, *, as_of: date) -> CaseDetail:
    """The case screen's data (audited as a view of the taxpayer)."""
    with uow:
        case_ = uow.cases.get(case_id)  # type: ignore[attr-defined]
        t = uow.taxpayers.get(case_.taxpayer_id)
        if t is None:
            raise NotFound("宛名が見つかりません")
        uow.audit.record(actor, AuditEvent(action="case.view", target_type="taxpayer", target_ref=t.atena_no,
                                           details={"case": case_id}))
        lines = period_lines(uow, uow.assessments.for_taxpayer(case_.taxpayer_id), as_of)
        lines.sort(key=lambda p: (p.statutory_due_date, p.due_date, p.assessment_id))
        records, more = uow.cases.records(case_id, limit=50)  # type: ignore[attr-defined]
        repo = uow.dispositions  # type: ignore[attr-defined]
        detail = CaseDetail(
            case_, t.atena_no, t.name, t.name_kana, t.phone, t.address, as_of, tuple(lines),
            tuple(x for x in uow.cases.tags([case_id])[case_id] if x.live(as_of)),  # type: ignore[attr-defined]
            tuple(records), more, tuple(plan_views_of(uow, repo.plans(case_id=case_id), as_of)),
            tuple(repo.investigations(case_id=case_id)), tuple(repo.dispositions(case_id=case_id)),
            tuple(repo.suspensions(case_id=case_id)), tuple(repo.deferrals_of_case(case_id)))
        uow.commit()
    return detail


@service(Permission.CASE_VIEW)
def case_of_taxpayer(uow: UnitOfWork, actor: Actor, taxpayer_id: int) -> int | None:
    """The taxpayer's case that is not 完結 (None if there is none) — from the 照会 screen."""
    with uow:
        found = uow.cases.open_of_taxpayer(taxpayer_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="case.lookup", target_type="case",
                                           target_ref=str(found.id) if found else None,
                                           details={"found": found is not None}))
        uow.commit()
    return found.id if found is not None else None


#: section id → Japanese label, in the order the worklist shows them.
SECTIONS: dict[str, str] = {
    "due": "対応予定日が来た案件",
    "broken_plans": "分納の不履行",
    "prescription": "時効完成が近い期別のある案件",
    "suspension_3y": "執行停止3年が近い案件",
    "seizures": "差押中（取立・換価待ち）",
    "approvals": "決裁待ち（差押・執行停止・不納欠損）",
}


@dataclass(frozen=True, slots=True)
class WorkRow:
    case_id: int
    atena_no: str
    status: str
    priority: int
    next_action_on: date | None
    honzei_due: int
    oldest_due: date | None
    note: str = ""  # a date or an id the section is about (no personal data)


@dataclass(frozen=True, slots=True)
class Worklist:
    officer: str | None
    today: date
    sections: dict[str, tuple[WorkRow, ...]] = field(default_factory=dict)
    writeoff_runs: tuple[WriteoffRun, ...] = ()

    def count(self, section: str) -> int:
        return len(self.sections.get(section, ()))


def _row(s: dict[str, object], note: str = "") -> WorkRow:
    c = s["case"]
    assert isinstance(c, Case)
    return WorkRow(c.id, str(s["atena_no"]), c.status.value, c.priority, c.next_action_on,
                   int(s["honzei_due"]), s["oldest_due"], note)  # type: ignore[arg-type, call-overload]


@service(Permission.CASE_VIEW)
def officer_worklist(uow: UnitOfWork, actor: Actor, *, today: date, officer: str | None = None,
                     everyone: bool = False) -> Worklist:
    """The worklist of *officer* (default: the actor); *everyone* for a supervisor's view of all cases."""
    who = None if everyone else (officer or actor.user_id)
    with uow:
        policy = load_delinquency_policy(uow)
        summaries, _more = uow.cases.summaries(officer=who, limit=100_000, past_due_on=today)  # type: ignore[attr-defined]
        by_id = {s["case"].id: s for s in summaries}
        sections: dict[str, list[WorkRow]] = {k: [] for k in SECTIONS}
        for s in summaries:
            c = s["case"]
            if c.next_action_on is not None and c.next_action_on <= today:
                sections["due"].append(_row(s, c.next_action_on.isoformat()))
        repo = uow.dispositions  # type: ignore[attr-defined]
        case_ids = set(by_id)
        plans = [p for p in repo.plans(statuses=("active", "defaulted")) if p.case_id in case_ids]
        for v in plan_views_of(uow, plans, today):
            if v.status == "defaulted":
                day = v.progress.defaulted_on or v.plan.ended_on
                sections["broken_plans"].append(_row(by_id[v.plan.case_id], day.isoformat() if day else ""))
        taxpayer_cases = {s["case"].taxpayer_id: s["case"].id for s in summaries}
        periods = uow.ledger.unpaid_periods(sorted(taxpayer_cases))  # type: ignore[attr-defined]
        owner = {a.id: a.taxpayer_id for a in periods}
        near: dict[int, date] = {}
        for line in period_lines(uow, periods, today):
            if line.prescription_near and line.prescription_on is not None:
                cid = taxpayer_cases[owner[line.assessment_id]]
                near[cid] = min(near.get(cid, line.prescription_on), line.prescription_on)
        sections["prescription"] = [_row(by_id[c], d.isoformat()) for c, d in sorted(near.items(), key=lambda x: x[1])]
        horizon = today + timedelta(days=policy.suspension_watch_days)
        for s in repo.suspensions(states=("in_force",)):
            gone = extinguished_from(s.decided_on, immediate=False)
            if s.case_id in case_ids and gone is not None and gone <= horizon:
                sections["suspension_3y"].append(_row(by_id[s.case_id], gone.isoformat()))
        for d in repo.dispositions(states=("in_force",)):
            if d.case_id in case_ids and d.kind.value != "demand":
                sections["seizures"].append(_row(by_id[d.case_id], d.start_on.isoformat()))
        runs: tuple[WriteoffRun, ...] = ()
        if actor.can(Permission.DISPOSITION_APPROVE):
            for d in repo.dispositions(states=("proposed",)):
                if d.proposed_by != actor.user_id and d.case_id in case_ids:
                    sections["approvals"].append(_row(by_id[d.case_id], f"差押等#{d.id}"))
            for s in repo.suspensions(states=("proposed",)):
                if s.proposed_by != actor.user_id and s.case_id in case_ids:
                    sections["approvals"].append(_row(by_id[s.case_id], f"執行停止#{s.id}"))
            runs = tuple(r for r in repo.writeoff_runs() if r.status == "proposed" and r.proposed_by != actor.user_id)
        uow.audit.record(actor, AuditEvent(action="case.worklist", target_type="user", target_ref=who,
                                           details={k: len(v) for k, v in sections.items()}))
        uow.commit()
    return Worklist(who, today, {k: tuple(v) for k, v in sections.items()}, runs)

