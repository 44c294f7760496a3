"""督促 batch (SPEC §4.2; 地方税法329条①, 331条①, 18条の2).

For a batch date *on*, every active period whose 納期限 fell within the last
``dunning_after_days`` days (329条①: within 20 days after the 納期限), that is
still unpaid on *on* and has no 督促 yet, gets one: issued on *on*, with a
指定期限 ``designated_days`` later and the 督促手数料 of the ordinance (a
setting; 0 = none) assessed on the period. Skipped, and counted by reason:
taxpayers with 督促停止, periods under 徴収猶予・換価の猶予, periods paid in
full, prescribed periods. A period is dunned once (the database enforces it),
so re-running the same date issues nothing twice. Periods past the window
that never got a 督促 are counted as 督促漏れ for the clerk to look at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.domain.assessment import Assessment
from core.domain.ledger import DunningRecord
from core.ports import AuditEvent, UnitOfWork
from core.rules.prescription import DUNNING_DAYS
from core.security.permissions import Actor, Permission
from core.services.ledger import CollectionPolicy, PeriodView, load_policy, period_views
from core.services.registry import service

__all__ = ["DunningRun", "run_dunning", "seizure_possible_on", "SKIP_REASONS"]

_CHUNK = 5_000

SKIP_REASONS: dict[str, str] = {
    "stopped": "督促停止",
    "deferred": "猶予中",
    "paid": "完納",
    "prescribed": "時効完成",
}


@dataclass(frozen=True, slots=True)
class DunningRun:
    on: date
    designated_on: date
    issued: int = 0
    honzei_total: int = 0
    fee_total: int = 0
    public_notice: int = 0  # 公示送達 taxpayers (delivered by public notice)
    skipped: dict[str, int] = field(default_factory=dict)
    missed: int = 0  # 督促漏れ: past the 20-day window without a 督促
    assessment_ids: tuple[int, ...] = ()


def seizure_possible_on(issued_on: date) -> date:
    """331条①: if not paid in full by 「督促状を発した日から起算して十日を経過した日」
    (issue date = day 1, so issued + 10), seizure is possible from the next day —
    the same reading as :func:`core.rules.prescription.dunning_restart`."""
    return issued_on + timedelta(days=DUNNING_DAYS + 1)


def _views(uow: UnitOfWork, periods: list[Assessment], on: date, policy: CollectionPolicy) -> Iterator[PeriodView]:
    """The periods' views, a chunk at a time (a whole 期 of a large city is hundreds of thousands)."""
    for start in range(0, len(periods), _CHUNK):
        yield from period_views(uow, periods[start:start + _CHUNK], on, policy)


@service(Permission.DUNNING_RUN)
def run_dunning(uow: UnitOfWork, actor: Actor, *, on: date) -> DunningRun:
    with uow:
        policy = load_policy(uow)
        first = on - timedelta(days=policy.dunning_after_days)
        candidates = uow.ledger.dunning_candidates(first, on - timedelta(days=1))  # type: ignore[attr-defined]
        flags = {a.id: (stop, public) for a, stop, public in candidates}
        designated = on + timedelta(days=policy.designated_days)
        skipped: Counter[str] = Counter()
        issued: list[int] = []
        records: list[tuple[DunningRecord, int]] = []
        honzei = fee = public_count = 0
        for view in _views(uow, [a for a, _, _ in candidates], on, policy):
            a = view.assessment
            assert a.id is not None
            stop, public = flags[a.id]
            if stop:
                skipped["stopped"] += 1
            elif view.deferred:
                skipped["deferred"] += 1
            elif view.balance.honzei_due == 0:
                skipped["paid"] += 1
            elif view.extinct:
                skipped["prescribed"] += 1
            else:
                records.append((DunningRecord(
                    assessment_id=a.id, issued_on=on, designated_on=designated, fee=policy.dunning_fee,
                    honzei_due=view.balance.honzei_due, delivery="public_notice" if public else "pending",
                    batch_on=on), a.taxpayer_id))
                issued.append(a.id)
                honzei += view.balance.honzei_due
                fee += policy.dunning_fee
                public_count += 1 if public else 0
        uow.ledger.add_dunnings(records)  # type: ignore[attr-defined]
        missed = sum(1 for v in _views(uow, uow.ledger.undunned_before(first), on, policy)  # type: ignore[attr-defined]
                     if v.balance.honzei_due > 0 and not v.extinct)
        run = DunningRun(on=on, designated_on=designated, issued=len(issued), honzei_total=honzei, fee_total=fee,
                         public_notice=public_count, skipped=dict(skipped), missed=missed,
                         assessment_ids=tuple(issued))
        uow.audit.record(actor, AuditEvent(action="dunning.run", details={
            "on": on.isoformat(), "issued": run.issued, "honzei_total": honzei, "fee_total": fee,
            "skipped": run.skipped, "missed": missed}))
        uow.commit()
    return run
