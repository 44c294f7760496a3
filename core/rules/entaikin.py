"""延滞金 — the late-payment charge on local taxes (SPEC §4.3).

Statutes:

- 地方税法326条① (and its parallels for the other taxes, e.g. 369条): 延滞金 accrues on the unpaid
  本税 from the day after the 納期限 to the payment date inclusive, at 7.3% a
  year up to the day one month has elapsed after the 納期限 and 14.6%
  afterwards; 附則3条の2 substitutes calendar-year special rates
  (:mod:`core.rules.rates`).
- 326条②: after a partial payment of the 本税 the 延滞金 for the following days
  is computed on the remaining 本税 — the base drops *from the day after* the
  payment.
- 20条の4の2②: the base (the 本税 the charge is computed on) is truncated to
  1,000 円; a base under 2,000 円 accrues nothing.
- 20条の4の2⑤: the 延滞金 is truncated to 100 円; under 1,000 円 it is 0.
- 15条の9①: days inside a 執行停止 accrue nothing (and, by the caller's
  decision, any other 免除 period: 徴収猶予/換価の猶予 reductions, 延滞金減免).
- 民法143条 via 地方税法20条の5: how "one month has elapsed" is counted
  (:func:`one_month_elapsed`).

Computation (SPEC §4.3): the accrual days are split into segments at the
1-month boundary, at every 1 January (the rate table is by calendar year —
even when two years happen to share a rate) and at every change of the unpaid
本税; each segment is ``base × rate% × days / 365`` (365 even in a leap year)
truncated to the yen; the segments are summed, then truncated as above.

Documented choices:

- A payment that leaves the truncated base unchanged (e.g. 123,456 → 123,056,
  base 123,000 both) is no change of base: no new segment starts. (Joining
  keeps such a payment from raising the 延滞金 through the truncation of a
  split segment.) The exact charge never rises with a payment; the sum of
  truncated segments can, by less than a yen per segment, where a payment moves
  a change of base (tests/core/test_entaikin.py has the worked case).
- Stretches that accrue nothing — base under 2,000 円 (including a fully paid
  本税) or days inside an exemption — are not listed as segments. A listed
  segment may still have amount 0 when it is very short.
- The rate table is consulted only for the days that accrue: a year without a
  row raises :class:`~core.rules.rates.MissingRate` exactly when its rate is
  needed, never yielding a silent zero.
- 充当 stops accrual on the 充当適状日 for the appropriated amount: the caller
  passes that as a payment on that date.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from core.dates import require_date
from core.errors import ValidationError
from core.money import truncate_to
from core.rules.rates import DEFAULT_RATE_TABLE, RateTable

__all__ = [
    "BASE_FLOOR",
    "BASE_UNIT",
    "DAYS_IN_YEAR",
    "TOTAL_FLOOR",
    "TOTAL_UNIT",
    "EntaikinResult",
    "Segment",
    "compute_entaikin",
    "entaikin_unpaid_throughout",
    "one_month_elapsed",
    "months_elapsed",
    "segment_yen",
]

#: 20条の4の2②: the base is truncated to 1,000 円 …
BASE_UNIT = 1_000
#: … and a base under 2,000 円 accrues nothing.
BASE_FLOOR = 2_000
#: 20条の4の2⑤: the 延滞金 is truncated to 100 円 …
TOTAL_UNIT = 100
#: … and under 1,000 円 it is not collected.
TOTAL_FLOOR = 1_000
#: 326条①: rates are per year of 365 days, leap years included.
DAYS_IN_YEAR = 365

_ONE_DAY = timedelta(days=1)
_FIRST = date(1900, 1, 1)
_LAST = date(9998, 12, 31)


@dataclass(frozen=True, slots=True)
class Segment:
    """Days ``start``..``end`` (inclusive) at one base and one rate.

    ``amount`` = ``base`` × ``rate``% × ``days`` / 365, truncated to the yen.
    """

    start: date
    end: date
    days: int
    base: int
    rate: Decimal
    amount: int


@dataclass(frozen=True, slots=True)
class EntaikinResult:
    """``total`` is the 延滞金 (100 円 truncation, 1,000 円 floor applied);
    ``raw_total`` the sum of the segment amounts before those."""

    total: int
    segments: tuple[Segment, ...]
    raw_total: int


def one_month_elapsed(due: date) -> date:
    """The last day at the lower rate: the day "one month has elapsed" after *due*.

    民法140条 (初日不算入): the month is counted from the day after the 納期限,
    which is also the first accrual day. 民法143条②: a period not counted from
    the beginning of a month ends on the day before the day of the next month
    that corresponds to the starting day; if that month has no such day, it ends
    on that month's last day. Counted from the 1st of a month, it simply ends on
    that month's last day (143条①), which the same formula gives.

    - due 2025-06-30 → start 07-01 → day before 08-01 → **2025-07-31**
    - due 2025-06-27 → start 06-28 → day before 07-28 → **2025-07-27**
    - due 2025-01-30 → start 01-31 → 02-31 does not exist → **2025-02-28**
    - due 2024-01-30 → start 01-31 → 02-31 does not exist → **2024-02-29**
    - due 2025-01-28 → start 01-29 → 02-29 does not exist in 2025 → **2025-02-28**
    - due 2024-01-28 → start 01-29 → day before 2024-02-29 → **2024-02-28**
    - due 2025-03-30 → start 03-31 → 04-31 does not exist → **2025-04-30**
    - due 2025-12-15 → start 12-16 → day before 2026-01-16 → **2026-01-15**
    """
    return months_elapsed(due, 1)


def months_elapsed(day: date, months: int) -> date:
    """The day *months* months have elapsed, counted from the day after *day*.

    民法140条 (初日不算入) — or the statute's own "翌日から起算して" — makes the
    day after *day* the first day. 民法143条②: the period ends on the day before
    the day of the last month that corresponds to the first day; if that month
    has no such day, on its last day. ``months=1`` is :func:`one_month_elapsed`;
    the 還付加算金 rule (17条の4) counts 1 and 3 months.

    - 2025-04-10, 3 → first 04-11 → day before 07-11 → **2025-07-10**
    - 2025-01-31, 1 → first 02-01 → day before 03-01 → **2025-02-28**
    - 2025-01-30, 1 → first 01-31 → 02-31 does not exist → **2025-02-28**
    - 2025-11-29, 3 → first 11-30 → 2026-02-30 does not exist → **2026-02-28**
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValidationError("月数は1以上の整数で指定してください", field="months")
    first = day + _ONE_DAY
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    if first.day > last_day:
        return date(year, month, last_day)
    return date(year, month, first.day) - _ONE_DAY


@lru_cache(maxsize=256)
def _ratio(rate: Decimal) -> tuple[int, int]:
    return rate.as_integer_ratio()


def segment_yen(base: int, rate: Decimal, days: int) -> int:
    """``base × rate% × days / 365`` truncated to the yen — exactly, in integers (the rate
    as a fraction), which is what a Decimal ROUND_DOWN of the exact value gives."""
    numerator, denominator = _ratio(rate)
    value = base * numerator * days
    scale = denominator * 100 * DAYS_IN_YEAR
    return value // scale if value >= 0 else -((-value) // scale)


def _require_date(value: object, label: str, field: str) -> date:
    return require_date(value, label, field, first=_FIRST, last=_LAST)


def _require_yen(value: object, label: str, field: str, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{label}は整数（円）で指定してください", field=field)
    if value < (1 if positive else 0):
        raise ValidationError(f"{label}は{'1円以上' if positive else '0円以上'}で指定してください", field=field)
    return value


def _validate(
    amount: object, due: object, until: object,
    payments: Sequence[tuple[date, int]], exemptions: Sequence[tuple[date, date]],
) -> tuple[int, date, date, dict[date, int], list[tuple[date, date]]]:
    amount = _require_yen(amount, "本税額", "amount")
    due = _require_date(due, "納期限", "due")
    until = _require_date(until, "納付日", "until")
    if until < due:
        raise ValidationError(
            f"納付日（{until.isoformat()}）が納期限（{due.isoformat()}）より前です", field="until"
        )
    paid: dict[date, int] = {}
    for item in payments:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValidationError("一部納付は（日付, 金額）の組で指定してください", field="payments")
        day = _require_date(item[0], "一部納付の日付", "payments")
        yen = _require_yen(item[1], "一部納付の金額", "payments", positive=True)
        if not due < day <= until:
            raise ValidationError(
                f"一部納付の日付（{day.isoformat()}）は納期限の翌日から納付日までの間でなければなりません",
                field="payments",
            )
        paid[day] = paid.get(day, 0) + yen
    if sum(paid.values()) > amount:
        raise ValidationError(
            f"一部納付の合計（{sum(paid.values()):,}円）が本税額（{amount:,}円）を超えています", field="payments"
        )
    spans: list[tuple[date, date]] = []
    for item in exemptions:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValidationError("免除期間は（開始日, 終了日）の組で指定してください", field="exemptions")
        first = _require_date(item[0], "免除期間の開始日", "exemptions")
        last = _require_date(item[1], "免除期間の終了日", "exemptions")
        if last < first:
            raise ValidationError(
                f"免除期間の終了日（{last.isoformat()}）が開始日（{first.isoformat()}）より前です",
                field="exemptions",
            )
        spans.append((first, last))
    return amount, due, until, paid, spans


def compute_entaikin(
    *,
    amount: int,
    due: date,
    until: date,
    payments: Sequence[tuple[date, int]] = (),
    exemptions: Sequence[tuple[date, date]] = (),
    rates: RateTable = DEFAULT_RATE_TABLE,
) -> EntaikinResult:
    """The 延滞金 on *amount* 円 of 本税 unpaid at *due*, finally paid on *until*.

    *amount*: the 本税 unpaid at the 納期限 (yen, ≥ 0). *until*: the date the
    本税 is (or is assumed to be) fully paid; accrual runs through it
    inclusive (326条①). *payments*: partial payments of the 本税 as
    ``(date, yen)``, each within (due, until], in total no more than *amount*;
    each lowers the base from the next day (326条②). *exemptions*: inclusive
    ``(first, last)`` date ranges that accrue nothing (15条の9① 執行停止, 減免
    decisions); they may reach outside (due, until].

    Paid on the due date → 0 with no segments. Bad input raises
    :class:`~core.errors.ValidationError`; a needed year missing from *rates*
    raises :class:`~core.rules.rates.MissingRate`.
    """
    amount, due, until, paid, spans = _validate(amount, due, until, payments, exemptions)
    if until == due or amount < BASE_FLOOR:
        return EntaikinResult(total=0, segments=(), raw_total=0)
    if not paid and not spans:  # one base throughout: the same for every amount of that base
        return _unpaid_throughout(truncate_to(amount, BASE_UNIT), due, until, rates)
    return _compute(amount, due, until, paid, spans, rates)


def entaikin_unpaid_throughout(amount: int, due: date, until: date, rates: RateTable = DEFAULT_RATE_TABLE) -> int:
    """``compute_entaikin(amount=amount, due=due, until=until, rates=rates).total`` for 本税
    unpaid throughout (no partial payment, no exemption) — the batch form: no segments
    kept, the result remembered by truncated base and dates."""
    if until <= due or amount < BASE_FLOOR:
        return 0
    return _unpaid_throughout(truncate_to(amount, BASE_UNIT), due, until, rates).total


@lru_cache(maxsize=65_536)
def _unpaid_throughout(base: int, due: date, until: date, rates: RateTable) -> EntaikinResult:
    """No partial payment, no exemption: depends only on the truncated base (20条の4の2②),
    the dates and the rates — remembered, as a batch meets the same few thousand often."""
    return _compute(base, due, until, {}, [], rates)


def _compute(amount: int, due: date, until: date, paid: dict[date, int], spans: list[tuple[date, date]],
             rates: RateTable) -> EntaikinResult:
    first, stop = due + _ONE_DAY, until + _ONE_DAY  # accrual days are first .. stop - 1
    tier_end = one_month_elapsed(due)
    spans = [(max(a, first), min(b, until)) for a, b in spans if a <= until and b >= first]

    cuts = {first, stop, tier_end + _ONE_DAY}
    cuts.update(date(year, 1, 1) for year in range(first.year + 1, until.year + 1))
    cuts.update(day + _ONE_DAY for day in paid)  # 326条②: from the day after
    for a, b in spans:
        cuts.update((a, b + _ONE_DAY))
    points = sorted(c for c in cuts if first <= c <= stop)

    # Pieces between cut points; a payment that leaves the truncated base where it
    # was is no base change (326条②), so such pieces are joined again.
    pieces: list[tuple[date, date, int, Decimal, bool]] = []
    for start, next_start in pairwise(points):
        if any(a <= start <= b for a, b in spans):  # 15条の9①
            continue
        unpaid = amount - sum(yen for day, yen in paid.items() if day < start)
        base = truncate_to(unpaid, BASE_UNIT)  # 20条の4の2②
        if base < BASE_FLOOR:
            continue
        year_rates = rates.for_year(start.year)
        lower = start <= tier_end
        rate = year_rates.within_month if lower else year_rates.after_month
        end = next_start - _ONE_DAY
        if pieces:
            p_start, p_end, p_base, p_rate, p_lower = pieces[-1]
            if (p_end + _ONE_DAY == start and p_base == base and p_rate == rate and p_lower == lower
                    and p_start.year == start.year):
                pieces[-1] = (p_start, end, base, rate, lower)
                continue
        pieces.append((start, end, base, rate, lower))
    segments = [
        Segment(start, end, (end - start).days + 1, base, rate, segment_yen(base, rate, (end - start).days + 1))
        for start, end, base, rate, _lower in pieces
    ]

    raw_total = sum(s.amount for s in segments)
    total = truncate_to(raw_total, TOTAL_UNIT)  # 20条の4の2⑤
    if total < TOTAL_FLOOR:
        total = 0
    return EntaikinResult(total=total, segments=tuple(segments), raw_total=raw_total)
