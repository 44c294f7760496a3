"""消滅時効 (SPEC §4.8): worked cases with their article, then properties.

Articles: 地方税法18条① (5 years from the day after the 法定納期限), 18条②
(no 援用, no waiver: complete is complete), 18条③ (民法 applies), 18条の2①
(督促, 交付要求), 18条の2 / cf. 国税通則法73条④ (猶予: time does not run),
民法140条 (初日不算入), 143条 (periods of years), 148条 (差押), 152条 (承認).
The 時効完成日 is the last day the claim is alive; prescribed from the next day.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.rules.prescription import (
    Acknowledgement,
    Deferral,
    Dunning,
    Event,
    Seizure,
    dunning_restart,
    is_prescribed,
    period_end,
    prescription_date,
    warn,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


DUE = d("2021-05-31")  # 法定納期限 of the running example; plain completion 2026-05-31


def pd(events: list[Event] = [], due: date = DUE, as_of: str | None = None) -> date | None:  # noqa: B006
    return prescription_date(due, events, as_of=None if as_of is None else d(as_of))


class TestPeriodEnd:
    """民法143条: a period of years ends the day before the corresponding day."""

    @pytest.mark.parametrize(
        ("first_day", "last_day"),
        [
            ("2021-06-01", "2026-05-31"),
            ("2020-01-01", "2024-12-31"),  # 143条①: from the start of a year → end of the 5th year
            ("2024-02-29", "2029-02-28"),  # 143条② ただし書: no 2029-02-29 → end of February
            ("2024-03-01", "2029-02-28"),
            ("2023-03-01", "2028-02-29"),  # the leap day is inside the last year
            ("2028-02-29", "2033-02-28"),
            ("2020-02-29", "2025-02-28"),
        ],
    )
    def test_examples(self, first_day: str, last_day: str) -> None:
        assert period_end(d(first_day)) == d(last_day)


class TestPlainFiveYears:
    """18条①: 5 years counted from the day after the 法定納期限 (起算日)."""

    @pytest.mark.parametrize(
        ("statutory_due", "completion"),
        [
            ("2021-05-31", "2026-05-31"),  # 起算日 06-01 → day before 2026-06-01
            ("2019-12-31", "2024-12-31"),  # 起算日 01-01 (143条①)
            ("2024-02-28", "2029-02-28"),  # 起算日 2024-02-29 → 2029 has none → Feb end (143条②)
            ("2024-02-29", "2029-02-28"),  # 起算日 2024-03-01 → day before 2029-03-01
            ("2023-02-28", "2028-02-29"),  # 起算日 2023-03-01 → day before 2028-03-01 (leap)
            ("2025-04-30", "2030-04-30"),  # 固定資産税 1期 (4月末)
            ("2020-03-31", "2025-03-31"),
        ],
    )
    def test_18_1_completion_dates(self, statutory_due: str, completion: str) -> None:
        assert pd(due=d(statutory_due)) == d(completion)

    def test_18_1_alive_on_the_completion_day_prescribed_the_next(self) -> None:
        assert not is_prescribed(DUE, [], d("2026-05-31"))
        assert is_prescribed(DUE, [], d("2026-06-01"))
        assert not is_prescribed(DUE, [], d("2021-06-01"))

    def test_18_1_no_holiday_shift(self) -> None:
        # 2025-05-31 is a Saturday: 20条の5② (期限) does not move a prescription period.
        assert pd(due=d("2020-05-31")) == d("2025-05-31")


class TestDunning:
    """18条の2①: 督促 — renewal after "十日を経過した日" counted from the issue date."""

    def test_18_2_restart_counting(self) -> None:
        # issue 07-01 = day 1; 十日を経過する日 07-10; 十日を経過した日 07-11; restart 07-12.
        assert dunning_restart(d("2021-07-01")) == d("2021-07-12")
        assert pd([Dunning(d("2021-07-01"))]) == d("2026-07-11")

    def test_18_2_restart_across_month_end(self) -> None:
        assert dunning_restart(d("2021-06-25")) == d("2021-07-06")
        assert pd([Dunning(d("2021-06-25"))]) == d("2026-07-05")

    def test_18_2_ten_days_across_a_leap_day(self) -> None:
        # issue 2024-02-19 → 十日を経過した日 02-29 → restart 03-01 → day before 2029-03-01.
        assert dunning_restart(d("2024-02-19")) == d("2024-03-01")
        assert pd([Dunning(d("2024-02-19"))], due=d("2024-01-31")) == d("2029-02-28")

    def test_18_2_dunning_on_the_last_day_still_renews(self) -> None:
        # Completion is suspended from the issue until the 10 days have passed.
        assert pd([Dunning(d("2026-05-31"))]) == d("2031-06-10")

    def test_18_2_dunning_after_completion_does_not_revive(self) -> None:  # 18条②
        assert pd([Dunning(d("2026-06-01"))]) == d("2026-05-31")

    def test_18_2_second_dunning_is_refused(self) -> None:  # a later one is a 催告 (民法150条)
        with pytest.raises(ValidationError, match="1回"):
            pd([Dunning(d("2021-07-01")), Dunning(d("2025-07-01"))])

    def test_18_2_dunning_must_follow_the_statutory_due_date(self) -> None:
        with pytest.raises(ValidationError, match="法定納期限より後"):
            pd([Dunning(DUE)])


class TestAcknowledgement:
    """民法152条① (via 18条③): 承認 renews; the day itself is not counted (民法140条)."""

    def test_152_acknowledgement_alone(self) -> None:
        assert pd([Acknowledgement(d("2023-03-15"))]) == d("2028-03-15")

    def test_152_acknowledgement_after_dunning(self) -> None:
        events: list[Event] = [Dunning(d("2021-07-01")), Acknowledgement(d("2024-03-15"))]
        assert pd(events) == d("2029-03-15")

    def test_152_acknowledgement_inside_the_dunning_window_changes_nothing(self) -> None:
        # 分納 on 07-05 would restart 07-06, but the 督促 restarts later (07-12).
        events: list[Event] = [Acknowledgement(d("2021-07-05")), Dunning(d("2021-07-01"))]
        assert pd(events) == d("2026-07-11")

    def test_152_the_last_of_several_partial_payments_counts(self) -> None:
        events: list[Event] = [Acknowledgement(d(x)) for x in ("2022-01-10", "2024-08-20", "2023-05-01")]
        assert pd(events) == d("2029-08-20")

    def test_152_on_the_completion_day_renews(self) -> None:
        assert pd([Acknowledgement(d("2026-05-31"))]) == d("2031-05-31")

    def test_18_2_payment_after_completion_does_not_revive(self) -> None:
        # 18条②: no 援用 needed and the benefit cannot be waived.
        assert pd([Acknowledgement(d("2026-06-01"))]) == d("2026-05-31")
        assert is_prescribed(DUE, [Acknowledgement(d("2026-06-01"))], d("2026-06-01"))
        assert is_prescribed(DUE, [Acknowledgement(d("2026-06-01"))], d("2030-01-01"))

    def test_152_chain_of_renewals_each_within_the_running_period(self) -> None:
        events: list[Event] = [Acknowledgement(d("2026-05-01")), Acknowledgement(d("2031-04-30"))]
        assert pd(events) == d("2036-04-30")

    def test_152_a_late_event_after_a_gap_does_not_revive(self) -> None:
        events: list[Event] = [Acknowledgement(d("2022-01-10")), Acknowledgement(d("2027-01-11"))]
        assert pd(events) == d("2027-01-10")


class TestSeizure:
    """民法148条 (差押) and 18条の2① (交付要求): suspended while in force, renewed at the end."""

    def test_148_seizure_renews_from_the_day_after_it_ends(self) -> None:
        assert pd([Seizure(d("2022-01-10"), d("2024-06-30"))]) == d("2029-06-30")

    def test_148_open_seizure_suspends_indefinitely(self) -> None:
        events: list[Event] = [Seizure(d("2022-01-10"))]
        assert pd(events) is None
        assert not is_prescribed(DUE, events, d("2045-01-01"))
        assert not warn(DUE, events, d("2026-05-01"))

    def test_148_seizure_in_force_past_the_original_completion(self) -> None:
        assert pd([Seizure(d("2025-01-01"), d("2027-03-31"))]) == d("2032-03-31")

    def test_148_seizure_after_completion_has_no_effect(self) -> None:
        events: list[Event] = [Seizure(d("2026-06-01"))]
        assert pd(events) == d("2026-05-31")
        assert is_prescribed(DUE, events, d("2026-06-01"))

    def test_148_as_of_a_seizure_still_in_force(self) -> None:
        events: list[Event] = [Seizure(d("2022-01-10"), d("2024-06-30"))]
        assert pd(events, as_of="2023-01-01") is None
        assert pd(events, as_of="2024-06-29") is None
        assert pd(events, as_of="2024-06-30") == d("2029-06-30")  # released that day
        assert pd(events, as_of="2024-07-01") == d("2029-06-30")
        assert pd(events, as_of="2022-01-09") == d("2026-05-31")  # not yet made

    def test_148_acknowledgement_during_seizure_is_absorbed(self) -> None:
        events: list[Event] = [Seizure(d("2022-01-10"), d("2024-06-30")), Acknowledgement(d("2023-02-01"))]
        assert pd(events) == d("2029-06-30")

    def test_148_acknowledgement_after_seizure(self) -> None:
        events: list[Event] = [Seizure(d("2022-01-10"), d("2022-03-31")), Acknowledgement(d("2025-10-01"))]
        assert pd(events) == d("2030-10-01")

    def test_seizure_end_before_start_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="終了日が開始日より前"):
            Seizure(d("2022-01-10"), d("2022-01-09"))


class TestDeferral:
    """18条の2 (cf. 国税通則法73条④): time does not run while 徴収猶予/換価の猶予 is in force."""

    def test_deferral_days_are_added(self) -> None:
        # 2022-04-01..09-30 = 183 days; 2026-05-31 + 183 days.
        assert pd([Deferral(d("2022-04-01"), d("2022-09-30"))]) == d("2026-11-30")

    def test_deferral_straddling_the_completion_date(self) -> None:
        # 2026-05-01..08-31 = 123 days, begun before completion.
        assert pd([Deferral(d("2026-05-01"), d("2026-08-31"))]) == d("2026-10-01")

    def test_deferral_covering_the_starting_day_moves_it(self) -> None:
        # 起算日 2021-06-01 inside 05-01..08-31 → time starts 09-01 → 2026-08-31.
        assert pd([Deferral(d("2021-05-01"), d("2021-08-31"))]) == d("2026-08-31")

    def test_overlapping_deferrals_count_each_day_once(self) -> None:
        events: list[Event] = [Deferral(d("2022-04-01"), d("2022-06-30")), Deferral(d("2022-06-01"), d("2022-09-30"))]
        assert pd(events) == d("2026-11-30")

    def test_two_separate_deferrals_add_up(self) -> None:
        events: list[Event] = [Deferral(d("2022-01-01"), d("2022-01-10")), Deferral(d("2023-01-01"), d("2023-01-05"))]
        assert pd(events) == d("2026-06-15")

    def test_deferral_after_completion_has_no_effect(self) -> None:
        assert pd([Deferral(d("2026-06-01"), d("2026-12-31"))]) == d("2026-05-31")

    def test_deferral_before_a_renewal_no_longer_counts(self) -> None:
        events: list[Event] = [Deferral(d("2022-04-01"), d("2022-09-30")), Acknowledgement(d("2023-03-15"))]
        assert pd(events) == d("2028-03-15")

    def test_acknowledgement_during_deferral_restarts_after_it(self) -> None:
        # 承認 2022-05-10 → 起算日 05-11 is inside the 猶予 → time runs from 10-01.
        events: list[Event] = [Deferral(d("2022-04-01"), d("2022-09-30")), Acknowledgement(d("2022-05-10"))]
        assert pd(events) == d("2027-09-30")

    def test_as_of_ignores_a_deferral_not_yet_begun(self) -> None:
        events: list[Event] = [Deferral(d("2022-04-01"), d("2022-09-30"))]
        assert pd(events, as_of="2022-03-31") == d("2026-05-31")
        assert pd(events, as_of="2022-04-01") == d("2026-11-30")  # the decided term counts in full

    def test_deferral_end_before_start_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="猶予の終了日"):
            Deferral(d("2022-04-01"), d("2022-03-31"))


class TestWarn:
    """SPEC §4.8: the worklist warns 6 months (a setting) ahead of the 時効完成日."""

    @pytest.mark.parametrize(
        ("today", "expected"),
        [
            ("2025-11-30", False),  # + 6 months = 2026-05-30 < 2026-05-31
            ("2025-12-01", True),  # + 6 months = 2026-06-01
            ("2026-05-31", True),  # the last day: still alive, still warned
            ("2026-06-01", False),  # prescribed: a 不納欠損 candidate, not a warning
            ("2021-06-01", False),
        ],
    )
    def test_six_months(self, today: str, expected: bool) -> None:
        assert warn(DUE, [], d(today)) is expected

    def test_months_setting(self) -> None:
        assert warn(DUE, [], d("2026-05-31"), months=0)
        assert not warn(DUE, [], d("2026-05-30"), months=0)
        assert warn(DUE, [], d("2025-08-31"), months=9)  # 2026-05-31 (month-end clamp)
        assert warn(DUE, [], d("2025-05-31"), months=12)

    def test_renewal_clears_the_warning(self) -> None:
        assert not warn(DUE, [Acknowledgement(d("2026-01-15"))], d("2026-02-01"))
        assert warn(DUE, [Acknowledgement(d("2026-01-15"))], d("2026-01-14"))  # not yet made

    @pytest.mark.parametrize("months", [-1, 121, True, 6.0])
    def test_bad_months(self, months: object) -> None:
        with pytest.raises(ValidationError, match="月数"):
            warn(DUE, [], d("2026-01-01"), months=months)  # type: ignore[arg-type]


class TestValidation:
    def test_datetime_is_not_a_date(self) -> None:
        with pytest.raises(ValidationError, match="法定納期限"):
            prescription_date(datetime(2021, 5, 31), [])
        with pytest.raises(ValidationError, match="承認の日"):
            Acknowledgement(datetime(2021, 5, 31))  # type: ignore[arg-type]

    def test_unknown_event(self) -> None:
        with pytest.raises(ValidationError, match="種類が不明"):
            prescription_date(DUE, [d("2022-01-01")])  # type: ignore[list-item]
        with pytest.raises(ValidationError, match="並び"):
            prescription_date(DUE, "events")  # type: ignore[arg-type]

    def test_out_of_range(self) -> None:
        with pytest.raises(ValidationError, match="範囲"):
            prescription_date(date(1800, 1, 1), [])


# ---------------------------------------------------------------- properties

def plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


offsets = st.integers(min_value=1, max_value=4_000)
statutory_dues = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@st.composite
def event_for(draw: st.DrawFn, due: date, closed: bool = True, dunning: bool = True) -> Event:
    start = due + timedelta(days=draw(offsets))
    kinds = ["ack", "seizure", "deferral"] + (["dunning"] if dunning else [])
    kind = draw(st.sampled_from(kinds))
    length = timedelta(days=draw(st.integers(0, 900)))
    if kind == "dunning":
        return Dunning(start)
    if kind == "ack":
        return Acknowledgement(start)
    if kind == "seizure":
        return Seizure(start, start + length if closed or draw(st.booleans()) else None)
    return Deferral(start, start + length)


@st.composite
def cases(draw: st.DrawFn, closed: bool = True) -> tuple[date, list[Event]]:
    due = draw(statutory_dues)
    events = draw(st.lists(event_for(due, closed), max_size=6))
    dunnings = [e for e in events if isinstance(e, Dunning)]
    return due, [e for e in events if not isinstance(e, Dunning)] + dunnings[:1]


def later_or_none(new: date | None, old: date | None) -> bool:
    return new is None or (old is not None and new >= old)


@settings(max_examples=400)
@given(cases(closed=False), st.data())
def test_a_further_event_never_makes_the_date_earlier(case: tuple[date, list[Event]], data: st.DataObject) -> None:
    due, events = case
    has_dunning = any(isinstance(e, Dunning) for e in events)
    extra = data.draw(event_for(due, closed=False, dunning=not has_dunning))
    assert later_or_none(prescription_date(due, [*events, extra]), prescription_date(due, events))


@settings(max_examples=400)
@given(cases(closed=False))
def test_completion_is_never_before_five_years(case: tuple[date, list[Event]]) -> None:
    due, events = case
    completion = prescription_date(due, events)
    assert completion is None or completion >= plus_years(due, 5) > due + timedelta(days=1820)
    assert completion is None or completion >= period_end(due + timedelta(days=1))


@settings(max_examples=300)
@given(cases(closed=False), st.randoms(use_true_random=False))
def test_order_of_events_does_not_matter(case: tuple[date, list[Event]], rnd: random.Random) -> None:
    due, events = case
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert prescription_date(due, shuffled) == prescription_date(due, events)


@settings(max_examples=300)
@given(cases(), st.data())
def test_events_after_completion_change_nothing(case: tuple[date, list[Event]], data: st.DataObject) -> None:
    due, events = case
    completion = prescription_date(due, events)
    assert completion is not None
    late = completion + timedelta(days=data.draw(st.integers(1, 3_000)))
    extra = data.draw(st.sampled_from([Acknowledgement(late), Seizure(late), Deferral(late, late + timedelta(days=30))]))
    assert prescription_date(due, [*events, extra]) == completion
    assert is_prescribed(due, [*events, extra], completion + timedelta(days=1))


@settings(max_examples=300)
@given(cases(), st.integers(0, 5_000))
def test_is_prescribed_matches_the_date_once_everything_has_happened(
    case: tuple[date, list[Event]], extra_days: int
) -> None:
    due, events = case
    completion = prescription_date(due, events)
    assert completion is not None
    last_event = max([due] + [max(vars_of(e)) for e in events])
    on = max(last_event, due) + timedelta(days=extra_days)
    assert is_prescribed(due, events, on) == (on > completion)
    assume(not is_prescribed(due, events, on))
    assert not is_prescribed(due, events, completion)


def vars_of(event: Event) -> list[date]:
    return [getattr(event, name) for name in event.__slots__ if getattr(event, name) is not None]


@settings(max_examples=300)
@given(cases(closed=False), st.dates(date(2000, 1, 1), date(2060, 12, 31)), st.integers(0, 24))
def test_a_warned_claim_is_alive(case: tuple[date, list[Event]], today: date, months: int) -> None:
    due, events = case
    if warn(due, events, today, months):
        assert not is_prescribed(due, events, today)
