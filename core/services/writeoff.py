"""不納欠損 (SPEC §4.9): writing off what can no longer be collected.

Only extinguished obligations are candidates: 時効完成 (18条), 執行停止3年
(15条の7④) and 即時消滅 (15条の7⑤). For a fiscal year the candidates are the
periods extinguished on or before the year's end (31 March) — or today, if
earlier — with something still owed, each component at its amount on the
last day the obligation existed, less anything already written off. The
officer proposes a run (``case.edit``); a supervisor other than the proposer
approves it (``disposition.approve``); the database refuses writing a
component off twice. An approved write-off is recorded per component and
fiscal year; the period stays extinct, so money arriving for it is 誤納.

Scope: the periods looked at are those of taxpayers with 本税 unpaid or with a
滞納案件 (a 延滞金-only remainder of a taxpayer with neither is not listed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.domain.delinquency import WriteoffItem, WriteoffReason, WriteoffRun
from core.domain.payment import Component
from core.errors import ConflictError, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.rules.prescription import PRESCRIPTION_YEARS, period_end
from core.security.permissions import Actor, Permission, require_other_checker
from core.services.ledger import CollectionPolicy, PeriodView, load_policy, period_views
from core.services.registry import refuse_own, service
from core.services.suspensions import mark_extinctions

__all__ = ["Candidate", "writeoff_candidates", "propose_writeoff", "approve_writeoff", "reject_writeoff",
           "list_writeoffs", "fiscal_year_end"]


def fiscal_year_end(fiscal_year: int) -> date:
    if not 2000 <= fiscal_year <= 2100:
        raise ValidationError("年度は2000〜2100の西暦で指定してください", field="fiscal_year")
    return date(fiscal_year + 1, 3, 31)


@dataclass(frozen=True, slots=True)
class Candidate:
    item: WriteoffItem
    taxpayer_id: int
    fiscal_year: int  # the period's own 年度
    tax_code: str
    period: int


def _items(uow: UnitOfWork, views: list[PeriodView], policy: CollectionPolicy,
           done: dict[int, dict[str, int]]) -> list[Candidate]:
    """What *views* (extinct, owing) still owe per component on the last day the obligation
    existed, less *done* — one period_views call for all of them, however many dates."""
    last_day: dict[int, date] = {}
    for v in views:
        assert v.extinct_since is not None and v.assessment.id is not None
        last_day[v.assessment.id] = v.extinct_since - timedelta(days=1)
    before = {b.assessment.id: b.balance for b in period_views(
        uow, [v.assessment for v in views], min(last_day.values()), policy, as_of_by_id=last_day)} if views else {}
    out: list[Candidate] = []
    for v in views:
        since, reason, a = v.extinct_since, v.extinction, v.assessment
        assert since is not None and reason is not None and a.id is not None
        already = done.get(a.id, {})
        for component in Component:
            yen = before[a.id].outstanding[component] - already.get(component.value, 0)
            if yen > 0:
                out.append(Candidate(WriteoffItem(a.id, component.value, yen, WriteoffReason(reason), since),
                                     a.taxpayer_id, a.fiscal_year, a.tax_code.value, a.period))
    return out


def _candidates(uow: UnitOfWork, fiscal_year: int, today: date) -> list[Candidate]:
    as_of = min(today, fiscal_year_end(fiscal_year))
    policy = load_policy(uow)
    taxpayers = uow.ledger.unpaid_taxpayer_ids()  # type: ignore[attr-defined]
    taxpayers |= uow.cases.case_taxpayers()  # type: ignore[attr-defined]
    # Only two kinds of period can be extinct: one whose 法定納期限 is 5 years back
    # (時効 never completes sooner, 18条①) and one under a decided 執行停止.
    cutoff = period_end(as_of + timedelta(days=1), -PRESCRIPTION_YEARS)
    stopped = {aid for s in uow.dispositions.suspensions(states=("in_force", "extinguished"))  # type: ignore[attr-defined]
               for aid in s.assessment_ids}
    periods = [a for a in uow.ledger.periods_statutory_before(cutoff, stopped)  # type: ignore[attr-defined]
               if a.taxpayer_id in taxpayers]
    views = [v for v in period_views(uow, periods, as_of, policy) if v.extinct and v.balance.total_due > 0]
    done = uow.dispositions.written_off([v.assessment.id for v in views],  # type: ignore[attr-defined]
                                        states=("proposed", "approved"))
    return _items(uow, views, policy, done)


@service(Permission.CASE_VIEW)
def writeoff_candidates(uow: UnitOfWork, actor: Actor, *, fiscal_year: int, today: date) -> list[Candidate]:
    with uow:
        found = _candidates(uow, fiscal_year, today)
        uow.audit.record(actor, AuditEvent(action="writeoff.candidates", target_type="batch",
                                           target_ref=str(fiscal_year),
                                           details={"items": len(found), "total": sum(c.item.amount for c in found)}))
        uow.commit()
    return found


@service(Permission.CASE_EDIT)
def propose_writeoff(uow: UnitOfWork, actor: Actor, *, fiscal_year: int, today: date) -> int:
    """起案: a run of every current candidate (15条の7④ extinctions are recorded first)."""
    fiscal_year_end(fiscal_year)  # range check
    current = today.year if today.month >= 4 else today.year - 1
    if fiscal_year > current:
        raise ValidationError(f"{fiscal_year}年度はまだ始まっていません（不納欠損は{current}年度までで起案します）",
                              field="fiscal_year")
    with uow:
        mark_extinctions(uow, min(today, fiscal_year_end(fiscal_year)))
        found = _candidates(uow, fiscal_year, today)
        if not found:
            raise ConflictError("不納欠損の対象がありません")
        run_id = uow.dispositions.add_writeoff_run(fiscal_year, [c.item for c in found], by=actor.user_id)  # type: ignore[attr-defined]
        reasons: dict[str, int] = {}
        for c in found:
            reasons[c.item.reason.value] = reasons.get(c.item.reason.value, 0) + c.item.amount
        uow.audit.record(actor, AuditEvent(action="writeoff.propose", target_type="batch", target_ref=str(run_id),
                                           details={"fiscal_year": fiscal_year, "items": len(found),
                                                    "total": sum(c.item.amount for c in found),
                                                    "by_reason": reasons}))
        uow.commit()
    return int(run_id)


@service(Permission.DISPOSITION_APPROVE)
def approve_writeoff(uow: UnitOfWork, actor: Actor, run_id: int, *, today: date) -> WriteoffRun:
    """決裁: every line must still be extinct and owed as proposed."""
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, name=f"{__name__}.approve_writeoff",
               maker=lambda u: u.dispositions.writeoff_run(run_id).proposed_by)  # type: ignore[attr-defined]
    with uow:
        run: WriteoffRun = uow.dispositions.writeoff_run(run_id, lock=True)  # type: ignore[attr-defined]
        require_other_checker(actor, Permission.DISPOSITION_APPROVE, maker=run.proposed_by)
        if run.status != "proposed":
            raise ConflictError("この不納欠損は既に決定されています")
        ids = sorted({i.assessment_id for i in run.lines})
        periods = uow.ledger.lock_periods(ids)  # type: ignore[attr-defined]
        policy = load_policy(uow)
        views = {v.assessment.id: v for v in period_views(uow, periods, min(today, fiscal_year_end(run.fiscal_year)),
                                                          policy)}
        if any(not views[i].extinct for i in ids):
            raise ConflictError("徴収権が消滅していない期別が含まれています（再度起案してください）")
        # A 取消 or a 更正 since the proposal changes what was owed when the obligation ended:
        # write off exactly that, never more or less (the run's lines are the only live ones).
        owing = [views[i] for i in ids if views[i].balance.total_due > 0]
        expected = {(c.item.assessment_id, c.item.component): c.item
                    for c in _items(uow, owing, policy, {})}
        if any(expected.get((line.assessment_id, line.component)) != line for line in run.lines):
            raise ConflictError("起案後に納付・取消・更正があり、欠損額が変わりました（却下して再度起案してください）")
        uow.dispositions.decide_writeoff_run(run, "approved", by=actor.user_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="writeoff.approve", target_type="batch", target_ref=str(run_id),
                                           details={"fiscal_year": run.fiscal_year, "items": run.items,
                                                    "total": run.total, "proposed_by": run.proposed_by}))
        uow.commit()
        return uow.dispositions.writeoff_run(run_id)  # type: ignore[attr-defined, no-any-return]


@service(Permission.DISPOSITION_APPROVE)
def reject_writeoff(uow: UnitOfWork, actor: Actor, run_id: int) -> None:
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, name=f"{__name__}.reject_writeoff",
               maker=lambda u: u.dispositions.writeoff_run(run_id).proposed_by)  # type: ignore[attr-defined]
    with uow:
        run: WriteoffRun = uow.dispositions.writeoff_run(run_id, lock=True)  # type: ignore[attr-defined]
        require_other_checker(actor, Permission.DISPOSITION_APPROVE, maker=run.proposed_by)
        uow.dispositions.decide_writeoff_run(run, "rejected", by=actor.user_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="writeoff.reject", target_type="batch", target_ref=str(run_id),
                                           details={"fiscal_year": run.fiscal_year}))
        uow.commit()


@service(Permission.CASE_VIEW)
def list_writeoffs(uow: UnitOfWork, actor: Actor, *, fiscal_year: int | None = None) -> list[WriteoffRun]:
    with uow:
        runs = list(uow.dispositions.writeoff_runs(fiscal_year=fiscal_year))  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="writeoff.list", target_type="batch",
                                           target_ref=str(fiscal_year) if fiscal_year else None,
                                           details={"runs": len(runs)}))
        uow.commit()
    return runs
