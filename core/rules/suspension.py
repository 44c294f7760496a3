"""執行停止 (地方税法15条の7, 15条の8, 15条の9) — when it extinguishes the obligation
and which days its 延滞金 is exempted for.

- 15条の7①: a supervisor may stop enforcement on ground (1) no property to
  seize, (2) seizure would endanger the taxpayer's livelihood, (3) whereabouts
  and property both unknown.
- 15条の7④: the obligation is extinguished when the stop "has continued for
  three years". The decision takes effect during its day, so that day is not
  counted (民法140条): decided 2023-04-10 → 3 years from 2023-04-11 → last day
  2026-04-10 (民法143条②, :func:`core.rules.prescription.period_end`) →
  **extinguished from 2026-04-11**. A cancellation (15条の8) on or before the
  last day prevents it.
- 15条の7⑤: on ground (1), where collection is clearly impossible (a dissolved
  corporation, an heir-less estate), the obligation may be extinguished at once:
  extinguished from the decision day itself.
- 15条の9①: the 延滞金 for the days the stop is in force is exempted: from the
  decision day through the day before its cancellation (a cancellation takes
  effect on its day and the charge runs again from it), or open-ended.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.errors import ValidationError
from core.rules.prescription import period_end

__all__ = ["SUSPENSION_YEARS", "GROUNDS", "extinguished_from", "exempt_span", "OPEN_END"]

#: 15条の7④
SUSPENSION_YEARS = 3
#: 15条の7①各号
GROUNDS: dict[int, str] = {
    1: "滞納処分をすることができる財産がないとき（15条の7①1）",
    2: "滞納処分をすることによってその生活を著しく窮迫させるおそれがあるとき（15条の7①2）",
    3: "所在及び滞納処分をすることができる財産がともに不明であるとき（15条の7①3）",
}
#: An exemption still in force has no end; this stands for "not yet".
OPEN_END = date(9000, 12, 31)

_ONE_DAY = timedelta(days=1)


def extinguished_from(decided_on: date, *, immediate: bool, cancelled_on: date | None = None) -> date | None:
    """The first day the obligation no longer exists, or None (cancelled in time).

    ⑤ (immediate): the decision day. ④: the day after three full years. A
    cancellation on or before the last day of the three years prevents it."""
    if immediate:
        return decided_on if cancelled_on is None else None
    last = period_end(decided_on + _ONE_DAY, SUSPENSION_YEARS)
    if cancelled_on is not None and cancelled_on <= last:
        return None
    return last + _ONE_DAY


def exempt_span(decided_on: date, cancelled_on: date | None) -> tuple[date, date] | None:
    """15条の9①: the inclusive days whose 延滞金 is exempted (None: cancelled the same day)."""
    if cancelled_on is not None and cancelled_on < decided_on:
        raise ValidationError("執行停止の取消日が停止日より前です", field="cancelled_on")
    end = cancelled_on - _ONE_DAY if cancelled_on is not None else OPEN_END
    return (decided_on, end) if end >= decided_on else None
