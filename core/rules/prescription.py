"""消滅時効 — when the right to collect a period lapses (SPEC §4.8).

Statutes:

- 地方税法18条①: the right to collect (地方税の徴収権) lapses when not exercised
  for 5 years counted from the day after the 法定納期限. 18条②: no 援用 is
  needed and the benefit cannot be waived — once complete it is complete, and
  nothing afterwards (a payment, a pledge, a seizure) revives it; such a
  payment is an overpayment (誤納). 18条③: otherwise the 民法 applies.
- 18条の2①: a 督促 suspends completion from its issue and renews the period
  (更新) once "the day 10 days have elapsed counted from the day the 督促状 was
  issued" has passed; 交付要求 suspends completion while in force and renews
  when it ends. 民法148条 (via 18条③): a 差押 (滞納処分) likewise suspends
  (完成猶予) while in force and renews when it ends. 民法152条①: 承認 by the
  taxpayer (a partial payment, a 分納誓約書) renews from that moment.
- 18条の2 (cf. 国税通則法73条④): while a 徴収猶予 / 換価の猶予 is in force
  the time does not run.

Day counting (民法138条–143条 via 18条③), worked out:

- **Plain period.** 18条① counts from the day after the 法定納期限 (起算日).
  A period of years ends at the end of the day before the day of the last year
  that corresponds to the 起算日; if that year has no such day (29 February),
  at the end of that month (民法143条②). :func:`period_end` computes it. The
  claim is alive through the whole 時効完成日 (payment still acceptable on it)
  and extinguished from the next day:

  - 法定納期限 2021-05-31 → 起算日 2021-06-01 → day before 2026-06-01 →
    **2026-05-31**; prescribed from 2026-06-01.
  - 法定納期限 2024-02-28 → 起算日 2024-02-29 → 2029 has no 29 February →
    **2029-02-28** (143条② ただし書).
  - 法定納期限 2024-02-29 → 起算日 2024-03-01 → day before 2029-03-01 → **2029-02-28**.
  - 法定納期限 2023-02-28 → 起算日 2023-03-01 → day before 2028-03-01 →
    **2028-02-29** (a day later than "the same date five years on").

- **督促 (18条の2①).** "発した日から起算して" counts the issue date as day 1;
  "十日を経過した日" is the day after the tenth day (経過する日 would be the
  tenth), i.e. issue + 10 days. The period up to and including that day must
  pass; the new period then begins at 0:00 of the next day, which is counted
  (民法140条ただし書). 発付日 2021-07-01 → 十日を経過する日 07-10 → 十日を経過
  した日 07-11 → 起算日 2021-07-12 → **2026-07-11**. Completion is suspended
  from the issue date, so a 督促 issued on the last day still renews. Only one
  督促 per period counts (a later one is a 催告: 民法150条); passing two is an error.
  The 督促 takes effect on delivery; pass the 発付日 of the one that took effect
  (e.g. after a 返戻, the re-sent or 公示送達 one).
- **承認 (民法152条①).** It happens during a day, so that day is not counted
  (民法140条): 分納誓約 2023-03-15 → 起算日 03-16 → **2028-03-15**.
- **差押・交付要求.** No completion while in force (an open-ended one → ``None``);
  it ends during a day, so the period restarts the next day: in force
  2022-01-10..2024-06-30 → 起算日 2024-07-01 → **2029-06-30**. (A seizure
  cancelled as unlawful or withdrawn only suspends for 6 months, 民法148条①
  ただし書: not modelled — do not pass it as a :class:`Seizure`.)
- **徴収猶予・換価の猶予 — simplification.** The statute says only that time
  does not run. We add to the completion date every deferral day (both ends
  inclusive) from the 起算日 on, of each deferral that begins on or before the
  completion date as extended so far (one straddling it counts whole); a
  deferral in force on the 起算日 moves the 起算日 to the day after it ends,
  the 5 years then being counted by the calendar. 法定納期限 2021-05-31, 猶予 2022-04-01..09-30
  (183 days) → 2026-05-31 + 183 days = **2026-11-30**.
- An event counts only if it takes effect (督促: issue, 承認: the day, 差押: its
  start, 猶予: its start) on or before the completion date in force at that
  moment (18条②). 20条の5② (holiday → next day) applies to 期限, not to the
  prescription period: no holiday shift. Not modelled: 18条の2 for 偽りその他
  不正の行為 (申告 taxes), 催告 (民法150条).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from core.dates import require_date
from core.errors import ValidationError

__all__ = [
    "DUNNING_DAYS",
    "PRESCRIPTION_YEARS",
    "Acknowledgement",
    "Deferral",
    "Dunning",
    "Event",
    "Seizure",
    "dunning_restart",
    "is_prescribed",
    "period_end",
    "prescription_date",
    "warn",
]

#: 18条①: five years.
PRESCRIPTION_YEARS = 5
#: 18条の2①: "督促状を発した日から起算して十日を経過した日".
DUNNING_DAYS = 10

_ONE_DAY = timedelta(days=1)
_FIRST = date(1900, 1, 1)
_LAST = date(9000, 12, 31)


def _require_date(value: object, label: str, field: str) -> date:
    return require_date(value, label, field, first=_FIRST, last=_LAST)


@dataclass(frozen=True, slots=True)
class Dunning:
    """督促状 issued on ``issued`` (18条の2①: renewal after the 10-day period)."""

    issued: date

    def __post_init__(self) -> None:
        _require_date(self.issued, "督促状の発付日", "issued")


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """承認 on ``on``: a partial payment, a 分納誓約書 (民法152条①)."""

    on: date

    def __post_init__(self) -> None:
        _require_date(self.on, "承認の日", "on")


@dataclass(frozen=True, slots=True)
class Seizure:
    """差押・参加差押・交付要求 in force from ``start`` to ``end`` (None: still in force)."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        _require_date(self.start, "差押・交付要求の開始日", "start")
        if self.end is not None:
            _require_date(self.end, "差押・交付要求の終了日", "end")
            if self.end < self.start:
                raise ValidationError("差押・交付要求の終了日が開始日より前です", field="end")


@dataclass(frozen=True, slots=True)
class Deferral:
    """徴収猶予・換価の猶予 in force ``start``..``end`` inclusive: time does not run."""

    start: date
    end: date

    def __post_init__(self) -> None:
        _require_date(self.start, "猶予の開始日", "start")
        _require_date(self.end, "猶予の終了日", "end")
        if self.end < self.start:
            raise ValidationError("猶予の終了日が開始日より前です", field="end")


Event = Dunning | Acknowledgement | Seizure | Deferral


def period_end(first_day: date, years: int = PRESCRIPTION_YEARS) -> date:
    """The last day of a period of *years* years whose first (counted) day is *first_day*.

    民法143条②: the day before the corresponding day of the last year; if that
    year has no such day (29 February), the last day of that month.
    ``period_end(2021-06-01)`` → 2026-05-31; ``period_end(2024-02-29)`` → 2029-02-28.
    """
    year = first_day.year + years
    if first_day.month == 2 and first_day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return first_day.replace(year=year) - _ONE_DAY


def dunning_restart(issued: date) -> date:
    """The 起算日 of the period renewed by a 督促状 issued on *issued* (18条の2①).

    Issue date = day 1; 十日を経過した日 = issued + 10; restart the day after:
    2021-07-01 → 2021-07-12.
    """
    return issued + timedelta(days=DUNNING_DAYS + 1)


def _merge(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Sorted, disjoint, non-adjacent inclusive spans covering the same days."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + _ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _completion(first_day: date, paused: list[tuple[date, date]]) -> date:
    """The completion date of a period starting *first_day*, with deferral days added."""
    for start, end in paused:  # a deferral in force on the 起算日 moves it
        if start <= first_day <= end:
            first_day = end + _ONE_DAY
    last = period_end(first_day)
    for start, end in paused:
        if end < first_day:
            continue
        if start > last:
            break
        last += timedelta(days=(end - start).days + 1)
    return last


def _events(events: object) -> Sequence[Event]:
    if isinstance(events, (str, bytes)) or not isinstance(events, Sequence):
        raise ValidationError("時効の事由は並びで指定してください", field="events")
    for event in events:
        if not isinstance(event, (Dunning, Acknowledgement, Seizure, Deferral)):
            raise ValidationError("時効の事由の種類が不明です（督促・承認・差押・猶予）", field="events")
    return events


def prescription_date(
    statutory_due: date, events: Sequence[Event] = (), *, as_of: date | None = None
) -> date | None:
    """The 時効完成日: the last day on which the right to collect still exists.

    *statutory_due* is the 法定納期限. *events* in any order. With *as_of*,
    only what has happened by then counts: events taking effect later are
    ignored and a 差押 ending later is treated as still in force; a deferral
    that has begun counts with its whole decided term. Returns ``None`` while
    a 差押・交付要求 that took effect before completion is in force with no end
    (18条の2①, 民法148条①: completion is suspended).
    """
    statutory_due = _require_date(statutory_due, "法定納期限", "statutory_due")
    events = _events(events)
    if as_of is not None:
        as_of = _require_date(as_of, "基準日", "as_of")
    dunnings = [e for e in events if isinstance(e, Dunning)]
    if len(dunnings) > 1:
        raise ValidationError(
            "督促は1期別につき1回です（再度の督促は催告であり時効を更新しません：民法150条）", field="events"
        )
    for dunning in dunnings:
        if dunning.issued <= statutory_due:
            raise ValidationError("督促状の発付日は法定納期限より後でなければなりません", field="issued")

    def happened(day: date) -> bool:
        return as_of is None or day <= as_of

    paused = _merge([(e.start, e.end) for e in events if isinstance(e, Deferral) and happened(e.start)])
    # (effective day, 起算日 of the renewed period or None while in force)
    renewals: list[tuple[date, date | None]] = []
    for event in events:
        if isinstance(event, Dunning) and happened(event.issued):
            renewals.append((event.issued, dunning_restart(event.issued)))
        elif isinstance(event, Acknowledgement) and happened(event.on):
            renewals.append((event.on, event.on + _ONE_DAY))
        elif isinstance(event, Seizure) and happened(event.start):
            ended = event.end if event.end is not None and happened(event.end) else None
            renewals.append((event.start, None if ended is None else ended + _ONE_DAY))

    first_day = statutory_due + _ONE_DAY  # 18条①: 翌日から起算
    for effective, restart in sorted(renewals, key=lambda r: r[0]):
        if effective > _completion(first_day, paused):
            break  # 18条②: already complete; nothing later revives it
        if restart is None:
            return None  # 完成猶予 while the 差押・交付要求 is in force
        # The claim cannot complete before the renewal (suspension until then).
        first_day = max(first_day, restart)
    return _completion(first_day, paused)


def is_prescribed(statutory_due: date, events: Sequence[Event], on: date) -> bool:
    """True if the right to collect has lapsed by *on* (the day after the 時効完成日 or later).

    After that no payment can be accepted for the period (SPEC §4.8, 18条②).
    """
    on = _require_date(on, "判定日", "on")
    completion = prescription_date(statutory_due, events, as_of=on)
    return completion is not None and on > completion


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warn(statutory_due: date, events: Sequence[Event], today: date, months: int = 6) -> bool:
    """True if the claim is still alive *today* and completes within *months* months.

    Warns when ``today ≤ 時効完成日 ≤ today + months`` (same day of the month,
    or its last day if shorter). A prescribed claim is not warned of: it is a
    不納欠損 candidate (:func:`is_prescribed`). *months* is a setting (SPEC §4.8).
    """
    today = _require_date(today, "基準日", "today")
    if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 120:
        raise ValidationError("警告の月数は0〜120の整数で指定してください", field="months")
    completion = prescription_date(statutory_due, events, as_of=today)
    return completion is not None and today <= completion <= _add_months(today, months)
