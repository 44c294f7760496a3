"""What one period (期別) owes on a date: 本税, 延滞金 and 督促手数料 (SPEC §4.3, §4.4).

The ledger stores only what happened: the assessed amount, the 督促手数料
assessed, and signed entries — money applied to a component on the 領収日 of
the payment that brought it (a reversal or a release is a negative entry on
the same date as the original, so the pair nets to nothing). From those,
:func:`period_balance` derives the balance:

- 本税: assessed − Σ 本税 entries; never below zero (anything paid beyond a
  reduced assessment is released to an overpayment by the caller, 17条).
- 延滞金 (326条): the 本税 unpaid at the 納期限 accrues from the next day; each
  本税 entry after the 納期限 lowers the base from the day after its 領収日
  (326条②). While 本税 is unpaid the charge is "as of" *as_of*; once it is fully
  paid the charge is fixed at the day of the last payment (SPEC §4.3). What
  has been paid to 延滞金 is deducted; an excess paid earlier is not owed back.
- 督促手数料: assessed fee − Σ fee entries.

Exempt days (15条の9① 執行停止, a 猶予 with full exemption, 減免 decisions) are
passed in as date ranges. A 猶予 whose 延滞金 is reduced by half (15条の9①:
"二分の一に相当する金額") passes its term as a half exemption: the charge is the
unreduced one less half of what the term contributed (before the 100 円
truncation of 20条の4の2⑤, which applies to the result).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from core.domain.payment import Component
from core.money import truncate_to
from core.rules.entaikin import TOTAL_FLOOR, TOTAL_UNIT, EntaikinResult, compute_entaikin
from core.rules.rates import DEFAULT_RATE_TABLE, RateTable

__all__ = ["Entry", "PeriodBalance", "period_balance", "honzei_paid_on"]


@dataclass(frozen=True, slots=True)
class Entry:
    """Money applied to one component on ``on`` (the payment's 領収日); may be negative.

    ``by_taxpayer`` is False for money the municipality moved itself (充当, 滞納処分の
    配当): such a payment is not the taxpayer's 承認 for prescription."""

    component: Component
    amount: int
    on: date
    by_taxpayer: bool = True


@dataclass(frozen=True, slots=True)
class PeriodBalance:
    """A period's position on ``as_of``. All amounts in yen, none negative."""

    as_of: date
    assessed: int
    honzei_paid: int
    honzei_due: int
    entaikin: int  # the charge itself (as of ``as_of``, or fixed when 本税 is paid)
    entaikin_paid: int
    entaikin_due: int
    fee: int
    fee_paid: int
    fee_due: int
    fully_paid_on: date | None  # the 領収日 on which 本税 was completed, if it is
    entaikin_fixed: bool

    @property
    def total_due(self) -> int:
        return self.honzei_due + self.entaikin_due + self.fee_due

    @property
    def outstanding(self) -> dict[Component, int]:
        return {Component.HONZEI: self.honzei_due, Component.ENTAIKIN: self.entaikin_due,
                Component.DUNNING_FEE: self.fee_due}

    @property
    def excess_paid(self) -> int:
        """本税 paid beyond the assessment (after a 減額更正) — to be released."""
        return max(0, self.honzei_paid - self.assessed)


def honzei_paid_on(entries: Iterable[Entry]) -> dict[date, int]:
    """Net 本税 per 領収日 (entries that cancel out leave no date behind)."""
    by_day: dict[date, int] = {}
    for e in entries:
        if e.component is Component.HONZEI:
            by_day[e.on] = by_day.get(e.on, 0) + e.amount
    return {day: yen for day, yen in sorted(by_day.items()) if yen != 0}


def _completed_on(assessed: int, paid: dict[date, int]) -> date | None:
    """The 領収日 on which the 本税 paid reached the assessment (None if it has not)."""
    if assessed <= 0:
        return None
    running = 0
    for day, yen in paid.items():
        running += yen
        if running >= assessed:
            return day
    return None


def _entaikin(assessed: int, due: date, as_of: date, paid: dict[date, int], completed: date | None,
              exemptions: Sequence[tuple[date, date]], rates: RateTable,
              half: Sequence[tuple[date, date]] = ()) -> int:
    unpaid_at_due = assessed - sum(y for d, y in paid.items() if d <= due)
    until = completed if completed is not None else as_of
    if unpaid_at_due <= 0 or until <= due:
        return 0
    later: list[tuple[date, int]] = []
    room = unpaid_at_due
    for day, yen in paid.items():
        take = min(yen, room)
        if due < day <= until and take > 0:
            later.append((day, take))
            room -= take
    full = compute_entaikin(amount=unpaid_at_due, due=due, until=until, payments=later,
                            exemptions=exemptions, rates=rates)
    if not half:
        return full.total
    reduced: EntaikinResult = compute_entaikin(amount=unpaid_at_due, due=due, until=until, payments=later,
                                               exemptions=[*exemptions, *half], rates=rates)
    raw = full.raw_total - (full.raw_total - reduced.raw_total) // 2
    total = truncate_to(raw, TOTAL_UNIT)
    return total if total >= TOTAL_FLOOR else 0


def period_balance(
    *,
    assessed: int,
    due: date,
    fee: int,
    entries: Iterable[Entry],
    as_of: date,
    exemptions: Sequence[tuple[date, date]] = (),
    half_exemptions: Sequence[tuple[date, date]] = (),
    rates: RateTable = DEFAULT_RATE_TABLE,
    count_later: bool = False,
) -> PeriodBalance:
    """Derive the period's balance on *as_of* from its entries (see the module doc).

    Entries dated after *as_of* are ignored, so a balance "as of" a past date
    is what the ledger showed then — unless *count_later*: then money already
    posted with a later 領収日 still counts as paid (what a payment arriving
    out of date order may still take), while the 延滞金 is charged as of *as_of*.
    """
    every = list(entries)
    entries = [e for e in every if e.on <= as_of]
    sums = {comp: 0 for comp in Component}
    for e in every if count_later else entries:
        sums[e.component] += e.amount
    honzei_paid = sums[Component.HONZEI]
    paid = honzei_paid_on(entries)
    completed = _completed_on(assessed, paid)
    charge = _entaikin(assessed, due, as_of, paid, completed, exemptions, rates, half_exemptions)
    entaikin_paid = sums[Component.ENTAIKIN]
    fee_paid = sums[Component.DUNNING_FEE]
    return PeriodBalance(
        as_of=as_of, assessed=assessed, honzei_paid=honzei_paid,
        honzei_due=max(0, assessed - honzei_paid), entaikin=charge, entaikin_paid=entaikin_paid,
        entaikin_due=max(0, charge - entaikin_paid), fee=fee, fee_paid=fee_paid,
        fee_due=max(0, fee - fee_paid),
        fully_paid_on=completed,
        entaikin_fixed=honzei_paid >= assessed,
    )
