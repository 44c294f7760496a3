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
from core.security.permissions import Actor, Permission, require_other_checker
from core.services.ledger import load_policy, period_views
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


def _candidates(uow: UnitOfWork, fiscal_year: int, today: date) -> list[Candidate]:
    as_of = min(today, fiscal_year_end(fiscal_year))
    policy = load_policy(uow)
    unpaid = uow.ledger.unpaid_periods()  # type: ignore[attr-defined]
    taxpayers = {a.taxpayer_id for a in unpaid}
    taxpayers |= uow.cases.case_taxpayers()  # type: ignore[attr-defined]
    periods = uow.ledger.periods_of_taxpayers(sorted(taxpayers))  # type: ignore[attr-defined]
    views = [v for v in period_views(uow, periods, as_of, policy) if v.extinct and v.balance.total_due > 0]
    done = uow.dispositions.written_off([v.assessment.id for v in views],  # type: ignore[attr-defined]
                                        states=("proposed", "approved"))
    out: list[Candidate] = []
    for v in views:
        since, reason = v.extinct_since, v.extinction
        assert since is not None and reason is not None and v.assessment.id is not None
        last = period_views(uow, [v.assessment], since - timedelta(days=1), policy)[0].balance
        already = done.get(v.assessment.id, {})
        for component in Component:
            yen = last.outstanding[component] - already.get(component.value, 0)
            if yen > 0:
                a = v.assessment
                out.append(Candidate(WriteoffItem(a.id, component.value, yen, WriteoffReason(reason), since),
                                     a.taxpayer_id, a.fiscal_year, a.tax_code.value, a.period))
    return out


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


def _check_own(uow: UnitOfWork, actor: Actor, run_id: int, name: str) -> None:
    with uow:
        maker = uow.dispositions.writeoff_run(run_id).proposed_by  # type: ignore[attr-defined]
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, maker=maker, name=f"{__name__}.{name}")


@service(Permission.DISPOSITION_APPROVE)
def approve_writeoff(uow: UnitOfWork, actor: Actor, run_id: int, *, today: date) -> WriteoffRun:
    """決裁: every line must still be extinct and owed as proposed."""
    _check_own(uow, actor, run_id, "approve_writeoff")
    with uow:
        run: WriteoffRun = uow.dispositions.writeoff_run(run_id, lock=True)  # type: ignore[attr-defined]
        require_other_checker(actor, Permission.DISPOSITION_APPROVE, maker=run.proposed_by)
        if run.status != "proposed":
            raise ConflictError("この不納欠損は既に決定されています")
        ids = sorted({i.assessment_id for i in run.lines})
        periods = uow.ledger.lock_periods(ids)  # type: ignore[attr-defined]
        views = {v.assessment.id: v for v in period_views(uow, periods, min(today, fiscal_year_end(run.fiscal_year)),
                                                          load_policy(uow))}
        if any(not views[i].extinct for i in ids):
            raise ConflictError("徴収権が消滅していない期別が含まれています（再度起案してください）")
        uow.dispositions.decide_writeoff_run(run, "approved", by=actor.user_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="writeoff.approve", target_type="batch", target_ref=str(run_id),
                                           details={"fiscal_year": run.fiscal_year, "items": run.items,
                                                    "total": run.total, "proposed_by": run.proposed_by}))
        uow.commit()
        return uow.dispositions.writeoff_run(run_id)  # type: ignore[attr-defined, no-any-return]


@service(Permission.DISPOSITION_APPROVE)
def reject_writeoff(uow: UnitOfWork, actor: Actor, run_id: int) -> None:
    _check_own(uow, actor, run_id, "reject_writeoff")
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
        return list(uow.dispositions.writeoff_runs(fiscal_year=fiscal_year))  # type: ignore[attr-defined]
