"""執行停止: extinction (15条の7④⑤) and the exempt days (15条の9①); 分納 netting of a 取消."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.payment import Component
from core.errors import ValidationError
from core.rules.balance import Entry
from core.rules.suspension import OPEN_END, exempt_span, extinguished_from
from core.services.plans import plan_payments
from tests.delinquency.helpers import plan_of


class TestExtinguishedFrom:
    def test_three_continuous_years_end_the_day_before_the_anniversary_of_the_next_day(self) -> None:
        # 15条の7④ + 民法140条/143条②: decided 2023-04-10 → counted from 04-11 → last day 2026-04-10.
        assert extinguished_from(date(2023, 4, 10), immediate=False) == date(2026, 4, 11)

    def test_a_decision_on_28_february_of_a_leap_year(self) -> None:
        # Counted from 2024-02-29; 2027 has no 29 February → last day 2027-02-28 (143条② ただし書).
        assert extinguished_from(date(2024, 2, 28), immediate=False) == date(2027, 3, 1)

    def test_immediate_extinction_is_the_decision_day(self) -> None:
        assert extinguished_from(date(2023, 4, 10), immediate=True) == date(2023, 4, 10)

    def test_a_cancellation_within_the_three_years_prevents_it(self) -> None:
        assert extinguished_from(date(2023, 4, 10), immediate=False, cancelled_on=date(2026, 4, 10)) is None

    def test_a_cancellation_after_the_three_years_comes_too_late(self) -> None:
        assert extinguished_from(date(2023, 4, 10), immediate=False, cancelled_on=date(2026, 4, 11)) == date(2026, 4, 11)


class TestExemptSpan:
    def test_in_force_the_exemption_is_open_ended(self) -> None:
        assert exempt_span(date(2023, 4, 10), None) == (date(2023, 4, 10), OPEN_END)

    def test_a_cancellation_ends_it_the_day_before(self) -> None:
        assert exempt_span(date(2023, 4, 10), date(2023, 6, 1)) == (date(2023, 4, 10), date(2023, 5, 31))

    def test_cancelled_the_same_day_exempts_nothing(self) -> None:
        assert exempt_span(date(2023, 4, 10), date(2023, 4, 10)) is None

    def test_a_cancellation_before_the_decision_is_an_error(self) -> None:
        with pytest.raises(ValidationError):
            exempt_span(date(2023, 4, 10), date(2023, 4, 9))


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 3, 31))


class TestPlanPaymentNetting:
    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(days, st.integers(min_value=-50_000, max_value=50_000)), max_size=12))
    def test_the_netted_payments_are_positive_dated_and_never_exceed_the_net_received(
            self, moves: list[tuple[date, int]]) -> None:
        entries = {1: [Entry(Component.HONZEI, yen, on) for on, yen in moves if yen]}
        out = plan_payments(entries, plan_of(date(2024, 1, 1)))
        assert all(yen > 0 for _, yen in out)
        assert [d for d, _ in out] == sorted({d for d, _ in out})
        # Never more than was received, and exactly the net when no day ever goes below zero overall.
        assert sum(y for _, y in out) <= sum(y for _, y in moves if y > 0)
        running, dipped = 0, False
        for on in sorted({d for d, _ in moves}):
            running += sum(y for d, y in moves if d == on)
            dipped |= running < 0
        if not dipped:
            assert sum(y for _, y in out) == sum(y for _, y in moves)

    def test_money_before_the_pledge_and_the_municipalitys_own_money_do_not_count(self) -> None:
        entries = {1: [Entry(Component.HONZEI, 10_000, date(2023, 12, 31)),
                       Entry(Component.HONZEI, 7_000, date(2024, 1, 5), by_taxpayer=False),
                       Entry(Component.ENTAIKIN, 3_000, date(2024, 1, 6))]}
        assert plan_payments(entries, plan_of(date(2024, 1, 1))) == [(date(2024, 1, 6), 3_000)]
