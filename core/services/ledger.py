"""Reading the ledger: policies in force, period balances and 時効完成日.

Internal helpers for the collection services (they run inside the caller's
unit of work and check no permission themselves).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta
from typing import Any

from core.domain.assessment import Assessment, AssessmentStatus
from core.domain.ledger import DeferralTerm, DunningRecord
from core.domain.payment import Component
from core.errors import ValidationError
from core.rules.allocation import DEFAULT_POLICY, AllocationPolicy, Due
from core.rules.balance import Entry, PeriodBalance, period_balance
from core.rules.entaikin import entaikin_unpaid_throughout
from core.rules.prescription import Acknowledgement, Deferral, Dunning, Event, Seizure, prescription_date
from core.rules.suspension import exempt_span, extinguished_from
from core.rules.rates import RateTable
from core.services.rates import load_rate_table

__all__ = [
    "ALLOCATION_POLICY_KEY",
    "DUNNING_POLICY_KEY",
    "SUSPENSE_LIMIT_KEY",
    "CollectionPolicy",
    "PeriodView",
    "load_policy",
    "prescription_events",
    "period_views",
    "ViewContext",
    "load_view_context",
    "views_from",
    "unpaid_figures",
    "prescription_date_cached",
    "due_of",
]

ALLOCATION_POLICY_KEY = "allocation_policy"
DUNNING_POLICY_KEY = "dunning_policy"
SUSPENSE_LIMIT_KEY = "suspense_excess_limit"


@dataclass(frozen=True, slots=True)
class CollectionPolicy:
    """Municipal settings the collection rules read (all stored as settings)."""

    allocation: AllocationPolicy
    rates: RateTable
    suspense_excess_limit: int = 100_000  # excess above this → 未消込 (金額相違), not 過納
    dunning_fee: int = 0  # 督促手数料 per 督促状 (ordinance; 0 = none)
    designated_days: int = 10  # 指定期限 = issue date + this
    dunning_after_days: int = 20  # 329条①: issue within 20 days after the 納期限
    prescription_warn_months: int = 6


def _int_setting(raw: Any, key: str, label: str, *, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise ValidationError(f"設定「{key}」（{label}）は{low}〜{high}の整数です", field=key)
    return raw


def load_policy(uow: Any) -> CollectionPolicy:
    """The policies in force, from settings (defaults where a setting is absent)."""
    raw_alloc = uow.settings.get(ALLOCATION_POLICY_KEY)
    allocation = AllocationPolicy.from_dict(raw_alloc) if raw_alloc else DEFAULT_POLICY
    dunning = uow.settings.get(DUNNING_POLICY_KEY) or {}
    if not isinstance(dunning, dict):
        raise ValidationError(f"設定「{DUNNING_POLICY_KEY}」が辞書形式ではありません", field=DUNNING_POLICY_KEY)
    limit = uow.settings.get(SUSPENSE_LIMIT_KEY, 100_000)
    return CollectionPolicy(
        allocation=allocation,
        rates=load_rate_table(uow),
        suspense_excess_limit=_int_setting(limit, SUSPENSE_LIMIT_KEY, "未消込とする超過額", low=0, high=10**11),
        dunning_fee=_int_setting(dunning.get("fee", 0), "fee", "督促手数料", low=0, high=10_000),
        designated_days=_int_setting(dunning.get("designated_days", 10), "designated_days", "指定期限の日数",
                                     low=1, high=60),
        dunning_after_days=_int_setting(dunning.get("after_days", 20), "after_days", "督促までの日数",
                                        low=1, high=20),
        prescription_warn_months=_int_setting(dunning.get("warn_months", 6), "warn_months", "時効警告の月数",
                                              low=0, high=120),
    )


def prescription_events(assessment: Assessment, entries: Sequence[Entry], dunning: DunningRecord | None,
                        deferrals: Sequence[DeferralTerm]) -> list[Event]:
    """督促 (renewal), payments while 本税 was unpaid (承認), 猶予 terms (time does not run)."""
    events: list[Event] = []
    if dunning is not None and dunning.issued_on > assessment.statutory_due_date:
        events.append(Dunning(dunning.issued_on))
    running = 0
    for day in sorted({e.on for e in entries}):
        if running >= assessment.assessed_amount:
            break
        net = sum(e.amount for e in entries if e.on == day and e.by_taxpayer)
        if net > 0 and day > assessment.statutory_due_date:
            events.append(Acknowledgement(day))  # 一部納付は債務の承認（民法152条）
        running += sum(e.amount for e in entries if e.on == day and e.component is Component.HONZEI)
    events += [Deferral(t.start_on, t.end_on) for t in deferrals]
    return events


@lru_cache(maxsize=65_536)
def prescription_date_cached(statutory_due: date, events: tuple[Event, ...], as_of: date) -> date | None:
    """:func:`~core.rules.prescription.prescription_date`, remembered: most periods share their
    法定納期限 and events (none, or the 督促 of one batch date) with thousands of others."""
    return prescription_date(statutory_due, events, as_of=as_of)


@dataclass(frozen=True, slots=True)
class PeriodView:
    """A period with its balance, 督促, projected 時効完成日 and any extinction."""

    assessment: Assessment
    balance: PeriodBalance
    dunning: DunningRecord | None
    prescription_on: date | None  # None: suspended by a 差押 in force, or nothing owed
    deferred: bool
    suspended: bool = False  # 執行停止 in force on as_of
    extinguished_on: date | None = None  # 15条の7④⑤: first day the obligation no longer exists
    written_off: int = 0  # 不納欠損 approved (all components)
    extinction_kind: str | None = None  # suspension_3y | immediate, when extinguished_on is set
    events: tuple[Event, ...] = ()  # the prescription events the 時効完成日 was computed from

    @property
    def prescribed(self) -> bool:
        return (self.prescription_on is not None and self.balance.total_due > 0
                and self.balance.as_of > self.prescription_on)

    @property
    def extinct(self) -> bool:
        """Nothing can be collected any more: 時効完成 (18条) or 15条の7④⑤."""
        return self.prescribed or (self.extinguished_on is not None and self.balance.as_of >= self.extinguished_on)

    @property
    def extinction(self) -> str | None:
        """Why it is extinct: prescription | suspension_3y | immediate (the earliest cause)."""
        causes: list[tuple[date, str]] = []
        if self.prescribed and self.prescription_on is not None:
            causes.append((self.prescription_on + timedelta(days=1), "prescription"))
        if self.extinguished_on is not None and self.balance.as_of >= self.extinguished_on:
            causes.append((self.extinguished_on, self.extinction_kind or "suspension_3y"))
        return min(causes)[1] if causes else None

    @property
    def extinct_since(self) -> date | None:
        days = []
        if self.prescribed and self.prescription_on is not None:
            days.append(self.prescription_on + timedelta(days=1))
        if self.extinguished_on is not None and self.balance.as_of >= self.extinguished_on:
            days.append(self.extinguished_on)
        return min(days) if days else None


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the 滞納整理 records add to each period (by assessment id)."""

    exempt: dict[int, list[tuple[date, date]]]
    events: dict[int, list[Event]]
    stopped: dict[int, list[tuple[date, date]]]  # the days a 執行停止 is in force
    extinguished: dict[int, tuple[date, str]]
    written_off: dict[int, int]


def _delinquency_facts(uow: Any, ids: Sequence[int]) -> _Facts:
    exempt: dict[int, list[tuple[date, date]]] = {}
    events: dict[int, list[Event]] = {}
    stopped: dict[int, list[tuple[date, date]]] = {}
    extinguished: dict[int, tuple[date, str]] = {}
    repo = uow.dispositions
    for s in repo.suspensions(assessment_ids=ids, states=("in_force", "cancelled", "extinguished")):
        assert s.decided_on is not None
        span = exempt_span(s.decided_on, s.cancelled_on)
        gone = extinguished_from(s.decided_on, immediate=s.immediate, cancelled_on=s.cancelled_on)
        for aid in s.assessment_ids:
            if span is not None:
                exempt.setdefault(aid, []).append(span)
                stopped.setdefault(aid, []).append(span)
            if gone is not None and (aid not in extinguished or gone < extinguished[aid][0]):
                extinguished[aid] = (gone, "immediate" if s.immediate else "suspension_3y")
    for d in repo.dispositions(assessment_ids=ids, states=("in_force", "collected", "realised", "released")):
        for aid in d.assessment_ids:  # 差押・交付要求: completion suspended, renewed at the end
            events.setdefault(aid, []).append(Seizure(d.start_on, d.ended_on))
    for plan in repo.plans(assessment_ids=ids):
        for aid in plan.assessment_ids:  # 分納誓約書 = 承認 (民法152条①)
            events.setdefault(aid, []).append(Acknowledgement(plan.pledged_on))
    written = {aid: sum(parts.values()) for aid, parts in repo.written_off(ids).items()}
    return _Facts(exempt, events, stopped, extinguished, written)


@dataclass(frozen=True, slots=True)
class ViewContext:
    """Everything :func:`views_from` reads, loaded for a set of periods in one go.

    ``entries`` may be extended in memory (a batch posting appends the entries of
    the payments it has planned, so the next payment sees them)."""

    entries: dict[int, list[Entry]]
    dunnings: dict[int, DunningRecord]
    deferrals: dict[int, list[DeferralTerm]]
    facts: _Facts


def load_view_context(uow: Any, ids: Sequence[int]) -> ViewContext:
    """One set of queries for the views of the periods *ids*."""
    return ViewContext(uow.ledger.entries(ids), uow.ledger.dunnings(ids), uow.ledger.deferrals(ids),
                       _delinquency_facts(uow, ids))


def views_from(ctx: ViewContext, periods: Sequence[Assessment], as_of: date, policy: CollectionPolicy, *,
               count_later: bool = False, as_of_by_id: Mapping[int, date] | None = None) -> list[PeriodView]:
    """The views of *periods* from a loaded context (no queries)."""
    facts = ctx.facts
    views: list[PeriodView] = []
    for a in periods:
        assert a.id is not None
        day = as_of_by_id.get(a.id, as_of) if as_of_by_id else as_of
        mine = ctx.entries.get(a.id, [])
        terms = ctx.deferrals.get(a.id, [])
        dunning = ctx.dunnings.get(a.id)
        assessed = a.assessed_amount if a.status is AssessmentStatus.ACTIVE else 0
        exempt = facts.exempt.get(a.id, []) + [(t.start_on, t.end_on) for t in terms if t.reduction == "full"]
        half = [(t.start_on, t.end_on) for t in terms if t.reduction == "half"]
        balance = period_balance(assessed=assessed, due=a.due_date, fee=a.dunning_fee, entries=mine,
                                 as_of=day, rates=policy.rates, count_later=count_later,
                                 exemptions=exempt, half_exemptions=half)
        owed = balance.total_due > 0
        events = prescription_events(a, mine, dunning, terms) + facts.events.get(a.id, [])
        completion = prescription_date_cached(a.statutory_due_date, tuple(events), day) if owed else None
        gone = facts.extinguished.get(a.id)
        stopped = facts.stopped.get(a.id)
        views.append(PeriodView(a, balance, dunning, completion, any(t.covers(day) for t in terms) if terms else False,
                                suspended=any(s <= day <= e for s, e in stopped) if stopped else False,
                                extinguished_on=gone[0] if gone else None,
                                written_off=facts.written_off.get(a.id, 0),
                                extinction_kind=gone[1] if gone else None, events=tuple(events)))
    return views


@lru_cache(maxsize=65_536)
def _completion(statutory_due: date, dunned_on: date | None, as_of: date) -> date | None:
    events: tuple[Event, ...] = (Dunning(dunned_on),) if dunned_on is not None else ()
    return prescription_date_cached(statutory_due, events, as_of)


def unpaid_figures(ctx: ViewContext, periods: Sequence[Assessment], as_of: date,
                   policy: CollectionPolicy) -> Iterator[tuple[Assessment, int, int, bool]]:
    """(period, 本税 due, 延滞金 due, extinct) on *as_of*: the figures of :func:`views_from`,
    taken the short way for the common period — active, nothing paid, no 猶予, no 執行停止,
    差押 or 分納誓約 — whose 延滞金 then depends on its amount and dates alone (326条①) and
    whose 時効 on its 法定納期限 and 督促 alone (18条, 18条の2)."""
    facts = ctx.facts
    special = facts.exempt.keys() | facts.events.keys() | facts.extinguished.keys() | ctx.deferrals.keys()
    rates = policy.rates
    for a in periods:
        assert a.id is not None
        if a.status is not AssessmentStatus.ACTIVE or ctx.entries.get(a.id) or a.id in special:
            v = views_from(ctx, [a], as_of, policy)[0]
            yield a, v.balance.honzei_due, v.balance.entaikin_due, v.extinct
            continue
        assessed = a.assessed_amount
        charge = entaikin_unpaid_throughout(assessed, a.due_date, as_of, rates) if assessed > 0 else 0
        extinct = False
        if assessed + charge + a.dunning_fee > 0:
            dunning = ctx.dunnings.get(a.id)
            dunned_on = dunning.issued_on if dunning is not None and dunning.issued_on > a.statutory_due_date else None
            completion = _completion(a.statutory_due_date, dunned_on, as_of)
            extinct = completion is not None and as_of > completion
        yield a, assessed, charge, extinct


def period_views(uow: Any, periods: Sequence[Assessment], as_of: date, policy: CollectionPolicy, *,
                 count_later: bool = False, as_of_by_id: Mapping[int, date] | None = None) -> list[PeriodView]:
    """Each period's view on *as_of* — or on its own date in *as_of_by_id* (assessment id →
    date), so that views on many dates still cost one set of queries."""
    ctx = load_view_context(uow, [a.id for a in periods if a.id is not None])
    return views_from(ctx, periods, as_of, policy, count_later=count_later, as_of_by_id=as_of_by_id)


def due_of(view: PeriodView) -> Due:
    a = view.assessment
    assert a.id is not None
    outstanding = view.balance.outstanding if not view.extinct else {c: 0 for c in Component}
    return Due(a.id, a.statutory_due_date, a.due_date, outstanding)
