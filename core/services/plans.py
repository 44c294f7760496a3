"""分納誓約 (SPEC §4.10, §4.8): the pledge, its schedule, fulfilment and 不履行.

- A plan covers periods of one case's taxpayer that are owed and collectable;
  a period is in at most one live plan. The schedule is equal instalments
  (端数 to the first) or custom (:mod:`core.rules.installments`); its total
  defaults to what the periods owe on the pledge date (本税 + 延滞金 so far + 督促手数料).
- The pledge is the taxpayer's 承認 (民法152条①): every covered period's
  時効 restarts from the pledge date (:mod:`core.services.ledger`).
- Fulfilment is derived from the ledger, never typed: the taxpayer's own money
  on the covered periods received on or after the pledge date, netted per day
  (a 取消 takes back what it reversed), counts toward the earliest unfulfilled
  instalment. 充当 and 滞納処分 proceeds are not the taxpayer's instalments.
- An instalment still short ``grace_days`` (the setting when pledged) after
  its date makes the plan 不履行: the batch marks it, records it on the case and
  puts the case on the officer's worklist for the same day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.domain.delinquency import CaseStatus, Plan, RecordKind
from core.errors import ConflictError, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.rules.balance import Entry
from core.rules.installments import Instalment, PlanProgress, custom_schedule, equal_schedule, plan_progress
from core.security.permissions import Actor, Permission
from core.services.cases import append_record, at_noon, case_periods, load_delinquency_policy
from core.services.ledger import load_policy, period_views
from core.services.registry import service

__all__ = ["PlanView", "plan_payments", "plan_views_of", "create_plan", "cancel_plan", "plan_views", "check_plans",
           "PlanCheck"]


@dataclass(frozen=True, slots=True)
class PlanView:
    plan: Plan
    progress: PlanProgress
    #: For a plan still active whose periods owe nothing collectable any more (paid by 差押
    #: proceeds or 充当, or extinguished): "completed" (all paid) or "cancelled" (extinct).
    settled: str | None = None

    @property
    def status(self) -> str:
        """The recorded status, or what the ledger shows now for a plan still active."""
        if self.plan.status in ("cancelled", "completed", "defaulted"):
            return self.plan.status
        if self.progress.status == "completed":
            return "completed"
        return self.settled or self.progress.status


def plan_payments(entries: dict[int, list[Entry]], plan: Plan) -> list[tuple[date, int]]:
    """The taxpayer's own net money per 領収日 on the covered periods since the pledge.
    A day whose net is negative takes back from the latest earlier days first."""
    by_day: dict[date, int] = {}
    for aid in plan.assessment_ids:
        for e in entries.get(aid, []):
            if e.by_taxpayer and e.on >= plan.pledged_on:
                by_day[e.on] = by_day.get(e.on, 0) + e.amount
    days: list[date] = []
    amounts: list[int] = []
    for day in sorted(by_day):
        yen = by_day[day]
        if yen > 0:
            days.append(day)
            amounts.append(yen)
        while yen < 0 and amounts:
            take = min(-yen, amounts[-1])
            amounts[-1] -= take
            yen += take
            if amounts[-1] == 0:
                days.pop()
                amounts.pop()
    return list(zip(days, amounts, strict=True))


def _settled(uow: UnitOfWork, plans: Sequence[Plan], as_of: date) -> dict[int, str]:
    """Active plans whose covered periods owe nothing collectable on *as_of*: an instalment
    missed then is no 不履行 — there is nothing left to pay under the pledge."""
    live = [p for p in plans if p.status == "active"]
    if not live:
        return {}
    wanted = {a for p in live for a in p.assessment_ids}
    periods = [a for a in uow.ledger.periods_of_taxpayers(sorted({p.taxpayer_id for p in live}))  # type: ignore[attr-defined]
               if a.id in wanted]
    views = {v.assessment.id: v for v in period_views(uow, periods, as_of, load_policy(uow))}
    out: dict[int, str] = {}
    for p in live:
        mine = [views[a] for a in p.assessment_ids if a in views]  # a cancelled 調定 owes nothing
        if any(v.balance.total_due > 0 and not v.extinct for v in mine):
            continue
        out[p.id] = "completed" if all(v.balance.total_due == 0 for v in mine) else "cancelled"
    return out


def plan_views_of(uow: UnitOfWork, plans: Sequence[Plan], as_of: date) -> list[PlanView]:
    ids = sorted({a for p in plans for a in p.assessment_ids})
    entries = uow.ledger.entries(ids)  # type: ignore[attr-defined]
    settled = _settled(uow, plans, as_of)
    return [PlanView(p, plan_progress(p.schedule, plan_payments(entries, p), as_of=as_of, grace_days=p.grace_days),
                     settled.get(p.id))
            for p in plans]


def _schedule(*, total: int, count: int | None, first_on: date | None, interval_months: int,
              rows: Sequence[tuple[date, int]] | None) -> list[Instalment]:
    if rows:
        return custom_schedule(rows, total=None)
    if count is None or first_on is None:
        raise ValidationError("回数と初回納付日、または納付予定の一覧を指定してください", field="schedule")
    return equal_schedule(total, count, first_on, interval_months=interval_months)


@service(Permission.PLAN_EDIT)
def create_plan(uow: UnitOfWork, actor: Actor, case_id: int, *, pledged_on: date, assessment_ids: Sequence[int],
                count: int | None = None, first_on: date | None = None, interval_months: int = 1,
                total: int | None = None, rows: Sequence[tuple[date, int]] | None = None) -> int:
    """分納誓約を受ける. Equal: *count* instalments from *first_on*; custom: *rows*."""
    with uow:
        case_ = uow.cases.get(case_id, lock=True)  # type: ignore[attr-defined]
        if case_.status is CaseStatus.CLOSED:
            raise ConflictError("完結した案件には分納誓約を登録できません")
        periods = case_periods(uow, case_, assessment_ids)
        views = period_views(uow, periods, pledged_on, load_policy(uow))
        bad = [v for v in views if v.extinct or v.balance.total_due == 0]
        if bad:
            raise ConflictError(f"納付済みまたは徴収権が消滅した期別が{len(bad)}件含まれています")
        live = uow.dispositions.plans(assessment_ids=[a.id for a in periods], statuses=("active",))  # type: ignore[attr-defined]
        if live:
            raise ConflictError("既に履行中の分納誓約に含まれる期別があります（先に取り消してください）")
        owed = sum(v.balance.total_due for v in views)
        schedule = _schedule(total=total if total is not None else owed, count=count, first_on=first_on,
                             interval_months=interval_months, rows=rows)
        if schedule[0].due_on < pledged_on:
            raise ValidationError("初回の納付予定日が誓約日より前です", field="first_on")
        grace = load_delinquency_policy(uow).plan_grace_days
        plan_id = uow.dispositions.add_plan(  # type: ignore[attr-defined]
            case_id=case_id, taxpayer_id=case_.taxpayer_id, pledged_on=pledged_on, grace_days=grace,
            assessment_ids=[a.id for a in periods], schedule=schedule)
        append_record(uow, actor, case_id, RecordKind.PLAN, at_noon(pledged_on), content=None, source="system",
                      next_action_on=schedule[0].due_on)
        uow.cases.update(uow.cases.get(case_id), status=CaseStatus.PLAN.value)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="plan.create", target_type="case", target_ref=str(case_id),
                                           details={"plan": plan_id, "periods": len(periods),
                                                    "instalments": len(schedule),
                                                    "total": sum(i.amount for i in schedule), "owed": owed}))
        uow.commit()
    return plan_id


@service(Permission.PLAN_EDIT)
def cancel_plan(uow: UnitOfWork, actor: Actor, plan_id: int, *, on: date) -> None:
    with uow:
        plan = uow.dispositions.plan(plan_id, lock=True)  # type: ignore[attr-defined]
        if plan.status not in ("active", "defaulted"):
            raise ConflictError("この分納誓約は既に終了しています")
        uow.dispositions.move_plan(plan, "cancelled", ended_on=on)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="plan.cancel", target_type="case", target_ref=str(plan.case_id),
                                           details={"plan": plan_id}))
        uow.commit()


@service(Permission.CASE_VIEW)
def plan_views(uow: UnitOfWork, actor: Actor, case_id: int, *, as_of: date) -> list[PlanView]:
    with uow:
        views = plan_views_of(uow, uow.dispositions.plans(case_id=case_id), as_of)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="plan.list", target_type="case", target_ref=str(case_id),
                                           details={"rows": len(views)}))
        uow.commit()
    return views


@dataclass(frozen=True, slots=True)
class PlanCheck:
    on: date
    checked: int
    defaulted: tuple[int, ...]
    completed: tuple[int, ...]
    cancelled: tuple[int, ...] = ()  # nothing left to collect: the periods were extinguished


@service(Permission.PLAN_EDIT)
def check_plans(uow: UnitOfWork, actor: Actor, *, on: date) -> PlanCheck:
    """The daily 分納 check: 不履行 and 完了 recorded; a 不履行 goes on the officer's worklist today."""
    with uow:
        views = plan_views_of(uow, uow.dispositions.plans(statuses=("active",)), on)  # type: ignore[attr-defined]
        defaulted: list[int] = []
        completed: list[int] = []
        cancelled: list[int] = []
        for v in views:
            if v.status == "completed":
                uow.dispositions.move_plan(v.plan, "completed", ended_on=v.progress.completed_on or on)  # type: ignore[attr-defined]
                completed.append(v.plan.id)
            elif v.status == "cancelled":
                uow.dispositions.move_plan(v.plan, "cancelled", ended_on=on)  # type: ignore[attr-defined]
                cancelled.append(v.plan.id)
            elif v.status == "defaulted":
                uow.dispositions.move_plan(v.plan, "defaulted", ended_on=v.progress.defaulted_on)  # type: ignore[attr-defined]
                case_ = uow.cases.get(v.plan.case_id, lock=True)  # type: ignore[attr-defined]
                if case_.status is not CaseStatus.CLOSED:
                    uow.cases.add_record(case_.id, RecordKind.PLAN, at_noon(on), content=None,  # type: ignore[attr-defined]
                                         source="system", next_action_on=on)
                    uow.cases.update(case_, status=CaseStatus.CONTACT.value, next_action_on=on)  # type: ignore[attr-defined]
                defaulted.append(v.plan.id)
        uow.audit.record(actor, AuditEvent(action="plan.check", target_type="batch", target_ref=on.isoformat(),
                                           details={"checked": len(views), "defaulted": len(defaulted),
                                                    "completed": len(completed), "cancelled": len(cancelled)}))
        uow.commit()
    return PlanCheck(on, len(views), tuple(defaulted), tuple(completed), tuple(cancelled))
