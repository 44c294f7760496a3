"""還付加算金 — the refund interest on overpaid local taxes (SPEC §4.6).

Statutes:

- 地方税法17条の4①: when a 過誤納金 is refunded (17条) or appropriated
  (17条の2), 還付加算金 is added for the days from the day after the date each
  cause fixes to the 支出決定日 (the day the refund payment is decided) or the
  充当日 (the 充当適状日 if that is earlier), at 7.3% a year; 附則3条の2④
  substitutes the calendar-year 還付加算金 rate (:mod:`core.rules.rates`). The
  date each cause fixes (:func:`kasankin_start` returns the day after it):

  - ①一 減額更正, 決定, 賦課決定 and their 取消 (causes ``gengaku``,
    ``torikeshi``): the payment date — or the 納期限 when paid before it.
  - ①二 更正の請求に基づく更正 (``seikyu``): the earlier of the day 3 months have
    elapsed counted from the day after the request and the day 1 month has
    elapsed counted from the day after the correction.
  - ①四 誤納, 二重納付 and other overpayments (``gono``, ``double``, ``kano``):
    the day 1 month has elapsed counted from the day after the payment.

  (①三 — a 住民税 reduced after the 所得税 was corrected — is not modelled.)
- 17条の4②: when the taxpayer was notified of the overpayment and did not claim
  the refund within 30 days counted from the notice's issue date, the days
  from the day after that 30th day to the claim date accrue nothing.
- 20条の4の2②⑤ (as for 延滞金): the base is the refund truncated to 1,000 円
  (under 2,000 円 → none); the result is truncated to 100 円 (under 1,000 円 →
  none).
- 民法143条 via 地方税法20条の5: how "X months have elapsed" is counted
  (:func:`months_elapsed`).

Computation: the accrual days start..end (inclusive) are split at every
1 January (the rate table is by calendar year) and around the excluded days;
each segment is ``base × rate% × days / 365`` (365 even in a leap year)
truncated to the yen; the segments are summed, then truncated as above.

Documented choices:

- The 30 days of 17条の4② are counted with the issue date as day 1 (SPEC
  §4.6), so the 30th day is ``notified + 29`` and the excluded days run from
  ``notified + 30`` through ``claimed``.
- ``decided`` is the end date whatever it is: the 支出決定日, or the 充当日 / the
  earlier 充当適状日 — the caller picks. An end before the start gives 0.
- Only the days that accrue consult the rate table: a year without a row
  raises :class:`~core.rules.rates.MissingRate` exactly when its rate is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from core.dates import require_date
from core.errors import ValidationError
from core.money import truncate_to
from core.rules.entaikin import (
    BASE_FLOOR,
    BASE_UNIT,
    DAYS_IN_YEAR,
    TOTAL_FLOOR,
    TOTAL_UNIT,
    Segment,
    months_elapsed,
    segment_yen,
)
from core.rules.rates import DEFAULT_RATE_TABLE, RateTable

__all__ = [
    "BASE_FLOOR",
    "BASE_UNIT",
    "CLAIM_DAYS",
    "DAYS_IN_YEAR",
    "TOTAL_FLOOR",
    "TOTAL_UNIT",
    "KasankinCause",
    "KasankinResult",
    "Segment",
    "compute_kasankin",
    "excluded_span",
    "kasankin_start",
    "months_elapsed",
    "parse_cause",
]

#: 17条の4②: the days (issue date = day 1) within which a claim excludes nothing.
CLAIM_DAYS = 30

_ONE_DAY = timedelta(days=1)
_FIRST = date(1900, 1, 1)
_LAST = date(9998, 12, 31)


class KasankinCause(StrEnum):
    """Why the money is refundable; it decides the start date (17条の4①)."""

    GENGAKU = "gengaku"      # 減額更正・決定・賦課決定 (①一)
    TORIKESHI = "torikeshi"  # 賦課決定の取消 (①一)
    SEIKYU = "seikyu"        # 更正の請求に基づく更正 (①二)
    GONO = "gono"            # 誤納 (①四)
    DOUBLE = "double"        # 二重納付 (①四)
    KANO = "kano"            # 納め過ぎ (①四)

    @property
    def label(self) -> str:
        """The Japanese name, e.g. ``減額更正``."""
        return _LABELS[self]

    @property
    def rule(self) -> str:
        """The 17条の4① item deciding the start: ``"1"``, ``"2"`` or ``"4"``."""
        return {KasankinCause.GENGAKU: "1", KasankinCause.TORIKESHI: "1", KasankinCause.SEIKYU: "2"}.get(self, "4")


_LABELS = {
    KasankinCause.GENGAKU: "減額更正",
    KasankinCause.TORIKESHI: "賦課決定の取消",
    KasankinCause.SEIKYU: "更正の請求",
    KasankinCause.GONO: "誤納",
    KasankinCause.DOUBLE: "二重納付",
    KasankinCause.KANO: "過納",
}


@dataclass(frozen=True, slots=True)
class KasankinResult:
    """``total`` is the 還付加算金 (100 円 truncation, 1,000 円 floor applied);
    ``raw_total`` the sum of the segment amounts before those. ``start`` and
    ``end`` are the first and last accrual days (``end < start``: none);
    ``excluded`` the 17条の4② days inside start..end, or None."""

    total: int
    start: date
    end: date
    segments: tuple[Segment, ...]
    raw_total: int
    excluded: tuple[date, date] | None = None


def parse_cause(value: object) -> KasankinCause:
    """A :class:`KasankinCause` from itself or its name (``"gengaku"`` …, case-insensitive)."""
    if isinstance(value, KasankinCause):
        return value
    if isinstance(value, str):
        try:
            return KasankinCause(value.strip().lower())
        except ValueError:
            pass
    names = "、".join(c.value for c in KasankinCause)
    raise ValidationError(f"還付の原因が正しくありません（{names} のいずれか）: {value!r}", field="cause")


def _date(value: object, label: str, field: str) -> date:
    return require_date(value, label, field, first=_FIRST, last=_LAST)


def _optional(value: object, label: str, field: str) -> date | None:
    return None if value is None else _date(value, label, field)


def kasankin_start(cause: str | KasankinCause, paid: date, due: date | None = None,
                   request: date | None = None, correction: date | None = None) -> date:
    """The first day 還付加算金 accrues for *cause* (17条の4①).

    ``gengaku`` / ``torikeshi``: the day after ``max(paid, due)`` (*due*
    optional). ``seikyu``: the day after the earlier of
    ``months_elapsed(request, 3)`` and ``months_elapsed(correction, 1)``; both
    are required. ``gono`` / ``double`` / ``kano``: the day after
    ``months_elapsed(paid, 1)``. A date the cause does not use is refused.
    """
    cause = parse_cause(cause)
    paid = _date(paid, "納付日", "paid")
    due = _optional(due, "納期限", "due")
    request = _optional(request, "更正の請求日", "request")
    correction = _optional(correction, "更正日", "correction")
    if cause.rule != "1" and due is not None:
        raise ValidationError(f"納期限は減額更正・賦課決定の取消のときだけ指定できます（原因: {cause.label}）",
                              field="due")
    if cause.rule != "2":
        for value, label, field in ((request, "更正の請求日", "request"), (correction, "更正日", "correction")):
            if value is not None:
                raise ValidationError(f"{label}は更正の請求のときだけ指定できます（原因: {cause.label}）",
                                      field=field)
    if cause.rule == "1":
        return max(paid, due or paid) + _ONE_DAY
    if cause.rule == "4":
        return months_elapsed(paid, 1) + _ONE_DAY
    if request is None or correction is None:
        missing = "更正の請求日" if request is None else "更正日"
        raise ValidationError(f"更正の請求による還付には{missing}が必要です",
                              field="request" if request is None else "correction")
    if correction < request:
        raise ValidationError(
            f"更正日（{correction.isoformat()}）が更正の請求日（{request.isoformat()}）より前です", field="correction"
        )
    return min(months_elapsed(request, 3), months_elapsed(correction, 1)) + _ONE_DAY


def excluded_span(notified: date, claimed: date) -> tuple[date, date] | None:
    """17条の4②: the days that do not accrue, or None when the claim came in time.

    The 30 days are counted with the issue date as day 1: the 30th day is
    ``notified + 29``; a claim after it excludes ``notified + 30`` .. ``claimed``.
    """
    last_in_time = notified + timedelta(days=CLAIM_DAYS - 1)
    if claimed <= last_in_time:
        return None
    return last_in_time + _ONE_DAY, claimed


def _validate_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationError("還付金額は整数（円）で指定してください", field="amount")
    if amount < 0:
        raise ValidationError("還付金額は0円以上で指定してください", field="amount")
    return amount


def _validate_notice(notified: object, claimed: object) -> tuple[date, date] | None:
    notified = _optional(notified, "通知日", "notified")
    claimed = _optional(claimed, "還付請求日", "claimed")
    if (notified is None) != (claimed is None):
        raise ValidationError("通知日と還付請求日は両方とも指定してください", field="claimed" if claimed is None
                              else "notified")
    if notified is None or claimed is None:
        return None
    if claimed < notified:
        raise ValidationError(
            f"還付請求日（{claimed.isoformat()}）が通知日（{notified.isoformat()}）より前です", field="claimed"
        )
    return excluded_span(notified, claimed)


def compute_kasankin(
    *,
    amount: int,
    cause: str | KasankinCause,
    paid: date,
    decided: date,
    due: date | None = None,
    request: date | None = None,
    correction: date | None = None,
    notified: date | None = None,
    claimed: date | None = None,
    rates: RateTable = DEFAULT_RATE_TABLE,
) -> KasankinResult:
    """The 還付加算金 on a refund (or appropriation) of *amount* 円.

    *cause*, *paid*, *due*, *request*, *correction*: see :func:`kasankin_start`.
    *decided*: the 支出決定日, or the 充当日 (充当適状日 if earlier) — the last
    accrual day. *notified* / *claimed*: the overpayment notice's issue date and
    the refund claim date, both or neither (17条の4②).

    Bad input raises :class:`~core.errors.ValidationError`; a needed year missing
    from *rates* raises :class:`~core.rules.rates.MissingRate`.
    """
    amount = _validate_amount(amount)
    start = kasankin_start(cause, paid, due=due, request=request, correction=correction)
    end = _date(decided, "支出決定日（充当日）", "decided")
    span = _validate_notice(notified, claimed)
    if span is not None:
        first, last = max(span[0], start), min(span[1], end)
        span = (first, last) if first <= last else None
    base = truncate_to(amount, BASE_UNIT)  # 20条の4の2②
    if end < start or base < BASE_FLOOR:
        return KasankinResult(total=0, start=start, end=end, segments=(), raw_total=0, excluded=span)

    stretches = [(start, end)]
    if span is not None:
        stretches = [(a, b) for a, b in ((start, span[0] - _ONE_DAY), (span[1] + _ONE_DAY, end)) if a <= b]
    segments: list[Segment] = []
    for first, last in stretches:
        while first <= last:  # split at every 1 January
            stop = min(last, date(first.year, 12, 31))
            rate: Decimal = rates.for_year(first.year).refund_interest
            days = (stop - first).days + 1
            segments.append(Segment(first, stop, days, base, rate, segment_yen(base, rate, days)))
            first = stop + _ONE_DAY

    raw_total = sum(s.amount for s in segments)
    total = truncate_to(raw_total, TOTAL_UNIT)  # 20条の4の2⑤
    if total < TOTAL_FLOOR:
        total = 0
    return KasankinResult(total=total, start=start, end=end, segments=tuple(segments), raw_total=raw_total,
                          excluded=span)
