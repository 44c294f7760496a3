"""分納誓約 (SPEC: 分納誓約): worked cases with the rule each exercises, then properties.

Rules: the 端数 goes to the first instalment; dates keep the first date's day
of the month, clamped to the month end; a payment fills the earliest
unfulfilled instalment and overflows (前納 counts); an instalment not
fulfilled by ``due_on + grace_days`` makes the plan 不履行 from the next day,
and paying later does not cure it.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.rules.installments import (
    Instalment,
    PlanProgress,
    custom_schedule,
    equal_schedule,
    plan_progress,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def dates(schedule: list[Instalment]) -> list[str]:
    return [i.due_on.isoformat() for i in schedule]


# The running plan: 30,000 円 in 3 monthly instalments of 10,000 (04-30, 05-30, 06-30), grace 10 days.
PLAN = equal_schedule(30_000, 3, d("2026-04-30"))
GRACE = 10


def progress(payments: list[tuple[str, int]], as_of: str, grace: int = GRACE,
             schedule: list[Instalment] = PLAN) -> PlanProgress:
    return plan_progress(schedule, [(d(day), amount) for day, amount in payments], as_of=d(as_of), grace_days=grace)


def fulfilled(p: PlanProgress) -> list[str | None]:
    return [None if s.fulfilled_on is None else s.fulfilled_on.isoformat() for s in p.statuses]


class TestInstalment:
    def test_a_valid_instalment_is_a_plain_value(self) -> None:
        assert Instalment(1, d("2026-04-30"), 10_000) == Instalment(1, d("2026-04-30"), 10_000)

    @pytest.mark.parametrize(
        ("seq", "due_on", "amount", "message"),
        [
            (0, date(2026, 4, 30), 1, "分納の回"),
            (True, date(2026, 4, 30), 1, "分納の回"),
            (1, datetime(2026, 4, 30), 1, "納付予定日は日付"),
            (1, date(2026, 4, 30), 0, "納付予定額"),  # an instalment of 0 円 is meaningless
            (1, date(2026, 4, 30), 1.5, "納付予定額"),
        ],
    )
    def test_bad_fields_are_refused(self, seq: object, due_on: object, amount: object, message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            Instalment(seq, due_on, amount)  # type: ignore[arg-type]


class TestEqualSchedule:
    def test_the_remainder_goes_to_the_first_instalment(self) -> None:  # 端数 → 1回目
        assert [i.amount for i in equal_schedule(100_000, 3, d("2026-04-30"))] == [33_334, 33_333, 33_333]
        assert [i.amount for i in equal_schedule(10, 4, d("2026-04-30"))] == [4, 2, 2, 2]

    def test_an_even_total_gives_equal_instalments_numbered_from_one(self) -> None:
        schedule = equal_schedule(90_000, 3, d("2026-04-15"))
        assert [(i.seq, i.amount) for i in schedule] == [(1, 30_000), (2, 30_000), (3, 30_000)]
        assert dates(schedule) == ["2026-04-15", "2026-05-15", "2026-06-15"]

    def test_a_month_end_start_is_clamped_but_counted_from_the_first_date(self) -> None:
        # 01-31 → 02-28 (clamped) → 03-31 (not 03-28: computed from 01-31, not from 02-28)
        schedule = equal_schedule(50_000, 5, d("2026-01-31"))
        assert dates(schedule) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]

    def test_february_of_a_leap_year_ends_on_the_29th(self) -> None:
        assert dates(equal_schedule(3_000, 3, d("2028-01-31"))) == ["2028-01-31", "2028-02-29", "2028-03-31"]
        assert dates(equal_schedule(4_000, 4, d("2027-11-30"))) == [
            "2027-11-30", "2027-12-30", "2028-01-30", "2028-02-29"]

    def test_instalments_every_three_months_cross_the_year(self) -> None:  # interval_months
        schedule = equal_schedule(4_000, 4, d("2026-05-31"), interval_months=3)
        assert dates(schedule) == ["2026-05-31", "2026-08-31", "2026-11-30", "2027-02-28"]

    def test_a_single_instalment_is_the_whole_total(self) -> None:
        assert equal_schedule(12_345, 1, d("2026-04-30")) == [Instalment(1, d("2026-04-30"), 12_345)]

    def test_one_yen_each_when_count_equals_total(self) -> None:
        assert [i.amount for i in equal_schedule(5, 5, d("2026-04-30"))] == [1] * 5

    def test_one_hundred_and_twenty_instalments_are_allowed(self) -> None:
        schedule = equal_schedule(1_000_000, 120, d("2026-04-30"))
        assert len(schedule) == 120 and schedule[-1].due_on == d("2036-03-30")

    @pytest.mark.parametrize(
        ("total", "count", "first_on", "interval", "message", "field"),
        [
            (3, 4, date(2026, 4, 30), 1, "分納回数（4回）が分納総額（3円）を超えています", "count"),  # 0 円の回
            (0, 1, date(2026, 4, 30), 1, "分納総額（円）は1以上の整数", "total"),
            (True, 1, date(2026, 4, 30), 1, "分納総額", "total"),
            (100, 0, date(2026, 4, 30), 1, "分納回数は1〜120の整数", "count"),
            (1_000, 121, date(2026, 4, 30), 1, "分納回数は1〜120の整数", "count"),
            (100, 2, datetime(2026, 4, 30), 1, "初回納付予定日は日付", "first_on"),
            (100, 2, date(2026, 4, 30), 0, "納付間隔（月数）は1〜12の整数", "interval_months"),
            (100, 2, date(2026, 4, 30), 13, "納付間隔", "interval_months"),
        ],
    )
    def test_bad_input_is_refused_in_japanese(
        self, total: object, count: object, first_on: object, interval: object, message: str, field: str
    ) -> None:
        with pytest.raises(ValidationError, match=message) as info:
            equal_schedule(total, count, first_on, interval_months=interval)  # type: ignore[arg-type]
        assert info.value.field == field


class TestCustomSchedule:
    ROWS = ((d("2026-04-30"), 5_000), (d("2026-06-15"), 20_000), (d("2026-07-01"), 5_000))

    def test_rows_become_numbered_instalments_as_agreed(self) -> None:
        assert custom_schedule(self.ROWS, total=30_000) == [
            Instalment(1, d("2026-04-30"), 5_000),
            Instalment(2, d("2026-06-15"), 20_000),
            Instalment(3, d("2026-07-01"), 5_000),
        ]
        assert custom_schedule(self.ROWS) == custom_schedule(self.ROWS, total=30_000)

    @pytest.mark.parametrize(
        ("rows", "total", "message", "field"),
        [
            (ROWS, 31_000, "納付予定額の合計（30000円）が分納総額（31000円）と一致しません", "total"),
            (ROWS, 0, "分納総額", "total"),
            ([(date(2026, 5, 1), 1), (date(2026, 5, 1), 1)], None, "日付の早い順", "rows"),  # same day twice
            ([(date(2026, 6, 1), 1), (date(2026, 5, 1), 1)], None, "日付の早い順", "rows"),  # going backwards
            ([(date(2026, 5, 1), 0)], None, "納付予定の金額（円）は1以上", "rows"),
            ([(date(2026, 5, 1), -100)], None, "納付予定の金額", "rows"),
            ([(datetime(2026, 5, 1), 100)], None, "納付予定の日付は日付", "rows"),
            ([(date(2026, 5, 1), 100, "x")], None, "（日付, 金額）", "rows"),
            ([], None, "1回もありません", "rows"),
            ("2026-05-01", None, "（日付, 金額）の並び", "rows"),
            ([(date(2026, 1, 1) + timedelta(days=k), 1) for k in range(121)], None, "120回以内", "rows"),
        ],
    )
    def test_bad_rows_are_refused_in_japanese(self, rows: object, total: object, message: str, field: str) -> None:
        with pytest.raises(ValidationError, match=message) as info:
            custom_schedule(rows, total=total)  # type: ignore[arg-type]
        assert info.value.field == field


class TestPlanProgress:
    def test_before_anything_is_due_the_plan_is_active(self) -> None:
        p = progress([], "2026-04-01")
        assert p.status == "active" and p.next_due is p.statuses[0]
        assert (p.scheduled, p.credited, p.excess) == (30_000, 0, 0)
        assert p.defaulted_on is None and p.completed_on is None

    def test_paying_each_instalment_on_its_date_completes_the_plan(self) -> None:
        p = progress([("2026-04-30", 10_000), ("2026-05-30", 10_000), ("2026-06-30", 10_000)], "2026-12-31")
        assert fulfilled(p) == ["2026-04-30", "2026-05-30", "2026-06-30"]
        assert p.status == "completed" and p.completed_on == d("2026-06-30")
        assert p.next_due is None and p.defaulted_on is None and p.excess == 0

    def test_a_prepayment_counts_toward_the_next_instalment(self) -> None:  # 前納; the module's worked case
        p = progress([("2026-04-30", 10_000), ("2026-05-20", 15_000)], "2026-07-10")
        assert [s.paid for s in p.statuses] == [10_000, 10_000, 5_000]
        assert fulfilled(p) == ["2026-04-30", "2026-05-20", None]  # 2nd (05-30) fulfilled early on 05-20
        assert p.status == "active" and p.next_due is not None and p.next_due.unpaid == 5_000
        late = progress([("2026-04-30", 10_000), ("2026-05-20", 15_000)], "2026-07-11")
        assert late.defaulted_on == d("2026-07-11") and late.status == "defaulted"  # 06-30 + 10 + 1
        cured = progress([("2026-04-30", 10_000), ("2026-05-20", 15_000), ("2026-07-15", 5_000)], "2026-07-31")
        assert cured.status == "completed" and cured.completed_on == d("2026-07-15")

    def test_partial_payments_accumulate_until_the_instalment_is_fulfilled(self) -> None:
        p = progress([("2026-04-10", 3_000), ("2026-04-20", 4_000)], "2026-04-25")
        assert p.statuses[0].paid == 7_000 and p.statuses[0].fulfilled_on is None
        p = progress([("2026-04-10", 3_000), ("2026-04-20", 4_000), ("2026-04-30", 3_000)], "2026-04-30")
        assert p.statuses[0].paid == 10_000 and p.statuses[0].fulfilled_on == d("2026-04-30")

    def test_an_instalment_is_not_missed_until_the_grace_has_passed(self) -> None:
        # 1st due 04-30, grace 10 → last day 05-10; 不履行 from 05-11.
        assert progress([("2026-04-30", 6_000)], "2026-05-10").status == "active"
        p = progress([("2026-04-30", 6_000)], "2026-05-11")
        assert p.statuses[0].missed and p.defaulted_on == d("2026-05-11") and p.status == "defaulted"

    def test_paying_on_the_last_day_of_grace_is_in_time(self) -> None:
        p = progress([("2026-05-10", 10_000)], "2026-05-31")
        assert not p.statuses[0].missed and p.status == "active"

    def test_a_payment_after_the_grace_does_not_cure_the_default(self) -> None:
        p = progress([("2026-05-11", 10_000)], "2026-05-20")
        assert p.statuses[0].fulfilled_on == d("2026-05-11") and p.statuses[0].missed
        assert p.status == "defaulted" and p.defaulted_on == d("2026-05-11")
        assert p.next_due is p.statuses[1]

    def test_completion_wins_over_an_earlier_default(self) -> None:
        p = progress([("2026-05-15", 10_000), ("2026-05-30", 10_000), ("2026-06-30", 10_000)], "2026-07-31")
        assert p.status == "completed" and p.completed_on == d("2026-06-30")
        assert p.defaulted_on == d("2026-05-11") and [s.missed for s in p.statuses] == [True, False, False]

    def test_defaulted_on_comes_from_the_first_missed_instalment(self) -> None:
        p = progress([("2026-04-30", 10_000)], "2026-08-01")
        assert [s.missed for s in p.statuses] == [False, True, True]
        assert p.defaulted_on == d("2026-06-10")  # 05-30 + 10 + 1, not the 3rd's 07-11
        assert progress([("2026-04-30", 10_000)], "2026-06-09").status == "active"

    def test_with_no_grace_the_day_after_the_date_is_a_default(self) -> None:
        assert progress([], "2026-04-30", grace=0).status == "active"
        assert progress([], "2026-05-01", grace=0).defaulted_on == d("2026-05-01")

    def test_money_beyond_the_schedule_is_excess(self) -> None:
        p = progress([("2026-04-01", 40_000)], "2026-04-01")
        assert (p.credited, p.excess) == (30_000, 10_000)
        assert fulfilled(p) == ["2026-04-01"] * 3 and p.completed_on == d("2026-04-01")
        p = progress([("2026-04-30", 30_000), ("2026-05-30", 500)], "2026-06-01")
        assert (p.credited, p.excess) == (30_000, 500)  # paid after completion: all excess

    def test_payments_after_as_of_are_ignored(self) -> None:
        payments = [("2026-04-30", 10_000), ("2026-05-30", 10_000)]
        p = progress(payments, "2026-05-29")
        assert p.credited == 10_000 and p.next_due is p.statuses[1]
        assert progress(payments, "2026-05-30").credited == 20_000  # a payment on as_of counts

    def test_same_day_payments_give_the_same_result_in_any_order(self) -> None:
        a = progress([("2026-04-30", 7_000), ("2026-04-30", 3_000), ("2026-04-20", 500)], "2026-05-31")
        b = progress([("2026-04-20", 500), ("2026-04-30", 3_000), ("2026-04-30", 7_000)], "2026-05-31")
        assert a == b and a.statuses[1].paid == 500

    def test_the_longest_grace_is_accepted(self) -> None:
        assert progress([], "2027-04-30", grace=365).status == "active"
        assert progress([], "2027-05-01", grace=365).defaulted_on == d("2027-05-01")

    @pytest.mark.parametrize(
        ("payments", "grace", "as_of", "message", "field"),
        [
            ([(date(2026, 5, 1), 0)], 10, date(2026, 5, 1), "入金の金額（円）は1以上", "payments"),
            ([(date(2026, 5, 1), -1)], 10, date(2026, 5, 1), "入金の金額", "payments"),
            ([(date(2026, 5, 1), True)], 10, date(2026, 5, 1), "入金の金額", "payments"),
            ([(datetime(2026, 5, 1), 1)], 10, date(2026, 5, 1), "入金の日付は日付", "payments"),
            ([(date(2026, 5, 1),)], 10, date(2026, 5, 1), "入金は（日付, 金額）", "payments"),
            ("payments", 10, date(2026, 5, 1), "入金は（日付, 金額）の並び", "payments"),
            ([], -1, date(2026, 5, 1), "不履行と判定するまでの日数は0〜365の整数", "grace_days"),
            ([], 366, date(2026, 5, 1), "0〜365", "grace_days"),
            ([], 1.0, date(2026, 5, 1), "0〜365", "grace_days"),
            ([], 10, datetime(2026, 5, 1), "基準日は日付", "as_of"),
        ],
    )
    def test_bad_payments_and_settings_are_refused(
        self, payments: object, grace: object, as_of: object, message: str, field: str
    ) -> None:
        with pytest.raises(ValidationError, match=message) as info:
            plan_progress(PLAN, payments, as_of=as_of, grace_days=grace)  # type: ignore[arg-type]
        assert info.value.field == field

    @pytest.mark.parametrize(
        ("schedule", "message"),
        [
            ([], "1回以上"),
            ("plan", "1回以上"),
            ([(date(2026, 4, 30), 10_000)], "Instalment"),
            ([Instalment(2, date(2026, 4, 30), 1)], "連番"),
            ([Instalment(1, date(2026, 5, 30), 1), Instalment(2, date(2026, 4, 30), 1)], "日付の早い順"),
        ],
    )
    def test_a_malformed_schedule_is_refused(self, schedule: object, message: str) -> None:
        with pytest.raises(ValidationError, match=message) as info:
            plan_progress(schedule, [], as_of=date(2026, 5, 1), grace_days=0)  # type: ignore[arg-type]
        assert info.value.field == "schedule"


# ---------------------------------------------------------------- properties

START = date(2026, 1, 1)
PROPS = settings(max_examples=200, deadline=None)


@st.composite
def schedules(draw: st.DrawFn) -> list[Instalment]:
    gaps = draw(st.lists(st.integers(1, 60), min_size=1, max_size=12))
    amounts = draw(st.lists(st.integers(1, 50_000), min_size=len(gaps), max_size=len(gaps)))
    day, rows = START, []
    for gap, amount in zip(gaps, amounts, strict=True):
        day += timedelta(days=gap)
        rows.append((day, amount))
    return custom_schedule(rows)


days = st.integers(-30, 800).map(lambda n: START + timedelta(days=n))
payment_lists = st.lists(st.tuples(days, st.integers(1, 60_000)), max_size=15)
graces = st.integers(0, 30)


@PROPS
@given(schedules(), payment_lists, days, graces)
def test_money_is_neither_over_nor_under_counted(
    schedule: list[Instalment], payments: list[tuple[date, int]], as_of: date, grace: int
) -> None:
    p = plan_progress(schedule, payments, as_of=as_of, grace_days=grace)
    received = sum(amount for day, amount in payments if day <= as_of)
    assert p.scheduled == sum(i.amount for i in schedule)
    assert p.credited == min(received, p.scheduled) == sum(s.paid for s in p.statuses)  # (1)
    assert p.excess == received - p.credited
    for s in p.statuses:  # (2)
        assert 0 <= s.paid <= s.instalment.amount
        assert (s.fulfilled_on is not None) == (s.paid == s.instalment.amount)
        assert s.fulfilled_on is None or s.fulfilled_on <= as_of
    done = [s.fulfilled_on is not None for s in p.statuses]  # (4) a fulfilled prefix …
    assert done == sorted(done, reverse=True)
    assert all(s.paid == 0 for s in p.statuses[done.count(True) + 1:])  # … then at most one partial
    assert (p.status == "completed") == all(done)


@PROPS
@given(schedules(), payment_lists, days, graces, st.data())
def test_the_order_of_the_payments_list_does_not_matter(
    schedule: list[Instalment], payments: list[tuple[date, int]], as_of: date, grace: int, data: st.DataObject
) -> None:  # (3)
    shuffled = data.draw(st.permutations(payments))
    assert plan_progress(schedule, shuffled, as_of=as_of, grace_days=grace) == plan_progress(
        schedule, payments, as_of=as_of, grace_days=grace)


@PROPS
@given(schedules(), payment_lists, st.tuples(days, st.integers(1, 60_000)), days, graces)
def test_another_payment_never_takes_anything_away(
    schedule: list[Instalment], payments: list[tuple[date, int]], extra: tuple[date, int], as_of: date, grace: int
) -> None:  # (5)
    before = plan_progress(schedule, payments, as_of=as_of, grace_days=grace)
    after = plan_progress(schedule, [*payments, extra], as_of=as_of, grace_days=grace)
    for old, new in zip(before.statuses, after.statuses, strict=True):
        assert new.paid >= old.paid
        assert old.missed or not new.missed  # paying more never creates a default
    assert after.credited + after.excess >= before.credited + before.excess


@PROPS
@given(schedules(), payment_lists, days, graces)
def test_missed_and_defaulted_on_agree_with_cumulative_sums(
    schedule: list[Instalment], payments: list[tuple[date, int]], as_of: date, grace: int
) -> None:
    # Independent oracle: the k-th instalment is on time iff the money received by its last
    # day of grace covers the first k instalments.
    p = plan_progress(schedule, payments, as_of=as_of, grace_days=grace)
    owed = 0
    expected_default = None
    for s in p.statuses:
        owed += s.instalment.amount
        last = s.instalment.due_on + timedelta(days=grace)
        by_then = sum(amount for day, amount in payments if day <= min(last, as_of))
        missed = as_of > last and by_then < owed
        assert s.missed == missed
        if missed and expected_default is None:
            expected_default = last + timedelta(days=1)
    assert p.defaulted_on == expected_default


@PROPS
@given(st.integers(1, 10_000_000), st.integers(1, 120), st.dates(date(2000, 1, 1), date(2100, 12, 31)),
       st.integers(1, 12))
def test_equal_schedule_adds_up_in_order(total: int, count: int, first_on: date, interval: int) -> None:  # (6)
    if count > total:
        with pytest.raises(ValidationError):
            equal_schedule(total, count, first_on, interval_months=interval)
        return
    schedule = equal_schedule(total, count, first_on, interval_months=interval)
    assert len(schedule) == count and sum(i.amount for i in schedule) == total
    assert [i.seq for i in schedule] == list(range(1, count + 1))
    assert schedule[0].due_on == first_on
    assert all(a.due_on < b.due_on for a, b in pairwise(schedule))
    assert all(schedule[0].amount >= i.amount == schedule[-1].amount for i in schedule[1:])
    assert schedule[0].amount - schedule[-1].amount < count  # the 端数 (total % count) is below count
    for i in schedule:  # same day of the month, or the month's last day when it is shorter
        assert i.due_on.day == min(first_on.day, calendar.monthrange(i.due_on.year, i.due_on.month)[1])
