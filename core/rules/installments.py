"""分納誓約 — instalment plans and whether they are being kept (SPEC: 分納誓約).

A 分納誓約 is the taxpayer's written pledge to pay what is owed for some
periods in instalments on agreed dates. It is an administrative arrangement,
not a statutory 猶予 (徴収猶予・換価の猶予): 延滞金 keeps accruing and the
claim stays enforceable. The pledge itself, like each partial payment, is a
承認 that renews prescription (民法152条①; see :mod:`core.rules.prescription`).
This module only answers the plan's own questions, over ``int`` yen:

- **Schedule.** :func:`equal_schedule` splits a total into *count* equal
  instalments, the 端数 (``total % count``) going to the **first** one so the
  later instalments are round and the remainder is collected early:
  100,000 円 / 3 → 33,334 + 33,333 + 33,333. Dates fall on the day of month of
  the first date every *interval_months* months, clamped to the month end and
  always counted from the first date (never from a previous, clamped one):
  2026-01-31 → 02-28, 03-31, 04-30, …; 2028-01-31 → **2028-02-29**.
  :func:`custom_schedule` takes agreed (date, amount) rows as they are.
- **Crediting.** Payments are applied in date order (same-day payments by
  amount, so the input order never matters). Each fills the **earliest
  instalment not yet fulfilled** and overflows into the next, so money paid
  before an instalment's date counts toward it (前納), and partial payments
  accumulate. Money beyond the whole schedule is ``excess``: reported, credited
  to no instalment; what becomes of it is the caller's decision (e.g. via
  :mod:`core.rules.allocation`). Payments dated after ``as_of`` are ignored.
- **不履行.** An instalment is *missed* when it is not fulfilled by
  ``due_on + grace_days`` — counting only payments received on or before that
  day — and ``as_of`` is later than that day. *grace_days* is a setting (0–365).
  The plan is 不履行 from the day after the first missed instalment's last day
  of grace (``defaulted_on``); paying later does not cure it: the plan stays
  defaulted (the collector decides whether to agree a new one). A plan whose
  every instalment is fulfilled is ``completed``, even after a default.

Worked: 30,000 円 in 3 monthly instalments from 2026-04-30, grace 10 days.
Paid 10,000 on 04-30 and 15,000 on 05-20 → 1st fulfilled 04-30, 2nd fulfilled
05-20 (prepaid; its date is 05-30), 5,000 toward the 3rd (06-30). With nothing
more, on 2026-07-11 the 3rd is missed: ``defaulted_on`` = 06-30 + 10 + 1 =
**2026-07-11**. A 5,000 payment on 07-15 fulfils it (``completed_on`` 07-15).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from core.dates import require_date
from core.errors import ValidationError

__all__ = [
    "MAX_GRACE_DAYS",
    "MAX_INSTALMENTS",
    "Instalment",
    "InstalmentStatus",
    "PlanProgress",
    "custom_schedule",
    "equal_schedule",
    "plan_progress",
]

#: The most instalments a plan may have (10 years of monthly payments).
MAX_INSTALMENTS = 120
#: The longest grace (days after an instalment's date) the setting may give.
MAX_GRACE_DAYS = 365
_MAX_INTERVAL_MONTHS = 12


def _int(value: object, label: str, field: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        span = f"{low}〜{high}の" if high is not None else f"{low}以上の"
        raise ValidationError(f"{label}は{span}整数で指定してください", field=field)
    return value


def _pairs(rows: object, label: str, field: str) -> list[tuple[date, int]]:
    """*rows* as a list of (date, amount ≥ 1 円) pairs."""
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise ValidationError(f"{label}は（日付, 金額）の並びで指定してください", field=field)
    pairs: list[tuple[date, int]] = []
    for row in rows:
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != 2:
            raise ValidationError(f"{label}は（日付, 金額）の並びで指定してください", field=field)
        day = require_date(row[0], f"{label}の日付", field)
        pairs.append((day, _int(row[1], f"{label}の金額（円）", field, 1)))
    return pairs


@dataclass(frozen=True, slots=True)
class Instalment:
    """The *seq*-th (1-based) instalment: ``amount`` 円 due on ``due_on``."""

    seq: int
    due_on: date
    amount: int

    def __post_init__(self) -> None:
        _int(self.seq, "分納の回", "seq", 1)
        require_date(self.due_on, "納付予定日", "due_on")
        _int(self.amount, "納付予定額（円）", "amount", 1)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def equal_schedule(total: int, count: int, first_on: date, *, interval_months: int = 1) -> list[Instalment]:
    """*total* 円 in *count* equal instalments, the 端数 added to the first.

    Dates: *first_on*, then the same day of the month every *interval_months*
    months (1–12), clamped to the month end, each counted from *first_on*.
    *count* may not exceed *total* (an instalment would be 0 円).
    """
    total = _int(total, "分納総額（円）", "total", 1)
    count = _int(count, "分納回数", "count", 1, MAX_INSTALMENTS)
    first_on = require_date(first_on, "初回納付予定日", "first_on")
    interval_months = _int(interval_months, "納付間隔（月数）", "interval_months", 1, _MAX_INTERVAL_MONTHS)
    if count > total:
        raise ValidationError(
            f"分納回数（{count}回）が分納総額（{total}円）を超えています（0円の回ができます）", field="count"
        )
    each, remainder = divmod(total, count)
    return [
        Instalment(k + 1, _add_months(first_on, k * interval_months), each + (remainder if k == 0 else 0))
        for k in range(count)
    ]


def _check_order(days: Sequence[date], field: str) -> None:
    for earlier, later in pairwise(days):
        if later <= earlier:
            raise ValidationError("納付予定日は日付の早い順に、同じ日を重ねずに指定してください", field=field)


def custom_schedule(rows: Sequence[tuple[date, int]], *, total: int | None = None) -> list[Instalment]:
    """Instalments from agreed ``(due_on, amount)`` rows, in strictly increasing date order.

    1–120 rows, each amount ≥ 1 円; with *total*, the amounts must add up to it.
    """
    pairs = _pairs(rows, "納付予定", "rows")
    if not pairs:
        raise ValidationError("納付予定が1回もありません", field="rows")
    if len(pairs) > MAX_INSTALMENTS:
        raise ValidationError(f"納付予定は{MAX_INSTALMENTS}回以内で指定してください", field="rows")
    _check_order([day for day, _ in pairs], "rows")
    if total is not None:
        total = _int(total, "分納総額（円）", "total", 1)
        scheduled = sum(amount for _, amount in pairs)
        if scheduled != total:
            raise ValidationError(
                f"納付予定額の合計（{scheduled}円）が分納総額（{total}円）と一致しません", field="total"
            )
    return [Instalment(k + 1, day, amount) for k, (day, amount) in enumerate(pairs)]


@dataclass(frozen=True, slots=True)
class InstalmentStatus:
    """How far one instalment is paid on the ``as_of`` date.

    ``paid`` is what has been credited to it (0..amount); ``fulfilled_on`` the
    date of the payment that completed it; ``missed`` whether it was not
    fulfilled by its last day of grace, that day having passed.
    """

    instalment: Instalment
    paid: int
    fulfilled_on: date | None
    missed: bool

    @property
    def unpaid(self) -> int:
        """What the instalment still lacks."""
        return self.instalment.amount - self.paid


@dataclass(frozen=True, slots=True)
class PlanProgress:
    """The state of a plan on ``as_of`` (see the module docstring for the rules)."""

    as_of: date
    statuses: tuple[InstalmentStatus, ...]
    scheduled: int
    credited: int
    excess: int
    defaulted_on: date | None
    completed_on: date | None

    @property
    def next_due(self) -> InstalmentStatus | None:
        """The earliest instalment not yet fulfilled (None when all are)."""
        return next((s for s in self.statuses if s.fulfilled_on is None), None)

    @property
    def status(self) -> str:
        """``"completed"`` (every instalment fulfilled), ``"defaulted"`` (不履行) or ``"active"``."""
        if self.completed_on is not None:
            return "completed"
        return "defaulted" if self.defaulted_on is not None else "active"


def _schedule(schedule: object) -> Sequence[Instalment]:
    if isinstance(schedule, (str, bytes)) or not isinstance(schedule, Sequence) or not schedule:
        raise ValidationError("分納計画の納付予定（Instalment）を1回以上指定してください", field="schedule")
    for k, item in enumerate(schedule, start=1):
        if not isinstance(item, Instalment):
            raise ValidationError("分納計画の納付予定（Instalment）を指定してください", field="schedule")
        if item.seq != k:
            raise ValidationError("分納の回は1から順に連番で指定してください", field="schedule")
    _check_order([item.due_on for item in schedule], "schedule")
    return schedule


def plan_progress(
    schedule: Sequence[Instalment], payments: Sequence[tuple[date, int]], *, as_of: date, grace_days: int
) -> PlanProgress:
    """Credit *payments* (``(date, amount)``, any order) to *schedule* and judge the plan on *as_of*.

    Payments after *as_of* are ignored; each fills the earliest unfulfilled
    instalment first. An instalment unpaid *grace_days* days after its date
    makes the plan 不履行 from the following day, whatever is paid later.
    """
    instalments = _schedule(schedule)
    received = _pairs(payments, "入金", "payments")
    as_of = require_date(as_of, "基準日", "as_of")
    grace = timedelta(days=_int(grace_days, "不履行と判定するまでの日数", "grace_days", 0, MAX_GRACE_DAYS))

    paid = [0] * len(instalments)
    fulfilled: list[date | None] = [None] * len(instalments)
    current, excess = 0, 0
    for day, amount in sorted(p for p in received if p[0] <= as_of):
        while amount and current < len(instalments):
            take = min(amount, instalments[current].amount - paid[current])
            paid[current] += take
            amount -= take
            if paid[current] == instalments[current].amount:
                fulfilled[current] = day
                current += 1
        excess += amount

    statuses: list[InstalmentStatus] = []
    defaulted_on: date | None = None
    for k, item in enumerate(instalments):
        last_day = item.due_on + grace
        on = fulfilled[k]
        missed = as_of > last_day and (on is None or on > last_day)
        if missed and defaulted_on is None:
            defaulted_on = last_day + timedelta(days=1)
        statuses.append(InstalmentStatus(item, paid[k], on, missed))

    return PlanProgress(
        as_of=as_of,
        statuses=tuple(statuses),
        scheduled=sum(item.amount for item in instalments),
        credited=sum(paid),
        excess=excess,
        defaulted_on=defaulted_on,
        completed_on=fulfilled[-1],
    )
