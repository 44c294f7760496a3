"""還付加算金 (SPEC §4.6): worked cases computed by hand, then properties.

Notation in the comments: ``B × r% × d / 365`` with the result truncated to the
yen (↓). Rates are the SPEC table's 還付加算金 column (2014: 1.9, 2018–2020: 1.6,
2021: 1.0, 2022–2025: 0.9, 2026: 1.3). ``1,000,000 × 0.9%`` is 9,000 a year.
Statutes: 17条の4①一 (減額更正・取消: day after max(paid, due)), ①二 (更正の
請求: earlier of request + 3 months and correction + 1 month, then the next day),
①四 (誤納: day after payment + 1 month), 17条の4② (30-day claim exclusion),
20条の4の2②⑤ (base ↓1,000, < 2,000 → none; total ↓100, < 1,000 → 0),
民法143条 (months), 附則3条の2④ (yearly rates).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.rules.entaikin import one_month_elapsed
from core.rules.kasankin import (
    KasankinCause,
    KasankinResult,
    compute_kasankin,
    excluded_span,
    kasankin_start,
    months_elapsed,
    parse_cause,
)
from core.rules.rates import DEFAULT_RATE_TABLE, MissingRate, RateTable, YearRates

M = 1_000_000


def d(text: str) -> date:
    return date.fromisoformat(text)


def rows(result: KasankinResult) -> list[tuple[str, str, int, int, str, int]]:
    """Segments as (from, to, days, base, rate, amount) for compact comparison."""
    return [(s.start.isoformat(), s.end.isoformat(), s.days, s.base, str(s.rate), s.amount)
            for s in result.segments]


def calc(amount: int, cause: str, paid: str, decided: str, *, due: str | None = None, request: str | None = None,
         correction: str | None = None, notified: str | None = None, claimed: str | None = None,
         rates: RateTable = DEFAULT_RATE_TABLE) -> KasankinResult:
    def opt(text: str | None) -> date | None:
        return None if text is None else d(text)

    return compute_kasankin(amount=amount, cause=cause, paid=d(paid), decided=d(decided), due=opt(due),
                            request=opt(request), correction=opt(correction), notified=opt(notified),
                            claimed=opt(claimed), rates=rates)


class TestMonthsElapsed:
    """民法143条: counted from the day after the given date."""

    @pytest.mark.parametrize(
        ("day", "months", "last_day"),
        [
            ("2025-04-10", 3, "2025-07-10"),  # first 04-11 → day before 07-11
            ("2025-11-29", 3, "2026-02-28"),  # first 11-30 → 2026-02-30 missing → Feb end
            ("2025-11-30", 3, "2026-02-28"),  # first 12-01 (month start) → end of February
            ("2023-11-29", 3, "2024-02-29"),  # first 11-30 → leap-year Feb end
            ("2025-10-31", 3, "2026-01-31"),  # first 11-01 → end of January
            ("2025-01-31", 1, "2025-02-28"),  # first 02-01 → end of February
            ("2025-12-15", 1, "2026-01-15"),  # year wraps
            ("2025-09-30", 12, "2026-09-30"),  # first 10-01 → twelve whole months
        ],
    )
    def test_143_the_day_before_the_corresponding_day_or_the_month_end(self, day: str, months: int,
                                                                        last_day: str) -> None:
        assert months_elapsed(d(day), months) == d(last_day)

    @given(st.dates(min_value=date(1901, 1, 1), max_value=date(9000, 12, 31)))
    def test_143_one_month_is_entaikins_one_month_elapsed(self, day: date) -> None:
        assert months_elapsed(day, 1) == one_month_elapsed(day)

    @pytest.mark.parametrize("months", [0, -1, True])
    def test_months_must_be_a_positive_integer(self, months: int) -> None:
        with pytest.raises(ValidationError, match="月数"):
            months_elapsed(d("2025-01-01"), months)


class TestStartGengakuAndTorikeshi:
    """17条の4①一: the day after the payment, or after the 納期限 if paid before it."""

    def test_17_4_1_1_paid_after_the_due_date_starts_the_day_after_payment(self) -> None:
        assert kasankin_start("gengaku", d("2025-07-15"), due=d("2025-06-30")) == d("2025-07-16")

    def test_17_4_1_1_paid_before_the_due_date_starts_the_day_after_the_due_date(self) -> None:
        assert kasankin_start("gengaku", d("2025-06-20"), due=d("2025-06-30")) == d("2025-07-01")

    def test_17_4_1_1_paid_on_the_due_date_starts_the_next_day(self) -> None:
        assert kasankin_start("gengaku", d("2025-06-30"), due=d("2025-06-30")) == d("2025-07-01")

    def test_17_4_1_1_without_a_due_date_starts_the_day_after_payment(self) -> None:
        assert kasankin_start(KasankinCause.GENGAKU, d("2025-06-20")) == d("2025-06-21")

    def test_17_4_1_1_torikeshi_follows_the_same_rule(self) -> None:
        for paid, due in (("2025-06-20", "2025-06-30"), ("2025-07-15", "2025-06-30")):
            assert kasankin_start("torikeshi", d(paid), due=d(due)) == kasankin_start("gengaku", d(paid), due=d(due))


class TestStartSeikyu:
    """17条の4①二: the day after the earlier of request + 3 months and correction + 1 month."""

    def test_17_4_1_2_the_request_based_date_is_earlier(self) -> None:
        # request 04-10 → 04-11..07-10 → 07-10; correction 06-20 → 06-21..07-20 → 07-20; earlier 07-10 → 07-11
        assert kasankin_start("seikyu", d("2025-03-01"), request=d("2025-04-10"),
                              correction=d("2025-06-20")) == d("2025-07-11")

    def test_17_4_1_2_the_correction_based_date_is_earlier(self) -> None:
        # request 04-10 → 07-10; correction 05-15 → 05-16..06-15 → 06-15; earlier 06-15 → 06-16
        assert kasankin_start("seikyu", d("2025-03-01"), request=d("2025-04-10"),
                              correction=d("2025-05-15")) == d("2025-06-16")

    def test_17_4_1_2_both_branches_on_the_same_day(self) -> None:
        # request 04-10 → 07-10; correction 06-10 → 06-11..07-10 → 07-10; → 07-11
        assert kasankin_start("seikyu", d("2025-03-01"), request=d("2025-04-10"),
                              correction=d("2025-06-10")) == d("2025-07-11")

    def test_17_4_1_2_three_months_ending_at_the_end_of_february(self) -> None:
        # request 2025-11-29 → 11-30..2026-02-30 missing → 02-28; correction 2026-02-10 → 02-11..03-10
        # earlier 02-28 → 03-01
        assert kasankin_start("seikyu", d("2025-10-31"), request=d("2025-11-29"),
                              correction=d("2026-02-10")) == d("2026-03-01")

    def test_17_4_1_2_the_payment_date_does_not_matter(self) -> None:
        a = kasankin_start("seikyu", d("2024-05-31"), request=d("2025-04-10"), correction=d("2025-06-20"))
        assert a == kasankin_start("seikyu", d("2025-04-01"), request=d("2025-04-10"), correction=d("2025-06-20"))


class TestStartGono:
    """17条の4①四: the day after the day 1 month has elapsed from the payment (民法143条)."""

    @pytest.mark.parametrize(
        ("paid", "start"),
        [
            ("2025-05-10", "2025-06-11"),  # 05-11..06-10 → 06-11
            ("2025-01-31", "2025-03-01"),  # 02-01 (month start) .. 02-28 → 03-01
            ("2025-01-30", "2025-03-01"),  # 01-31 .. 02-31 missing → 02-28 → 03-01
            ("2025-01-28", "2025-03-01"),  # 01-29 .. 2025-02-29 missing → 02-28 → 03-01
            ("2025-01-27", "2025-02-28"),  # 01-28 .. day before 02-28 = 02-27 → 02-28
            ("2024-01-28", "2024-02-29"),  # 01-29 .. day before 2024-02-29 = 02-28 → 02-29
            ("2024-01-30", "2024-03-01"),  # 01-31 .. leap Feb end 02-29 → 03-01
            ("2025-03-30", "2025-05-01"),  # 03-31 .. 04-31 missing → 04-30 → 05-01
            ("2025-11-30", "2026-01-01"),  # 12-01 .. 12-31 → next year
            ("2025-12-15", "2026-01-16"),  # 12-16 .. 2026-01-15 → 01-16
        ],
    )
    def test_17_4_1_4_one_month_after_the_payment_with_month_ends(self, paid: str, start: str) -> None:
        assert kasankin_start("gono", d(paid)) == d(start)

    def test_17_4_1_4_double_payment_and_kano_follow_the_gono_rule(self) -> None:
        for cause in ("double", "kano", "GONO", " Double "):
            assert kasankin_start(cause, d("2025-01-30")) == d("2025-03-01")


class TestWorkedAmounts:
    def test_17_4_1_1_gengaku_paid_after_the_due_date(self) -> None:
        # 07-16..12-31 (16 + 153) 169 d: 9,000 × 169/365 = 1,521,000/365 = 4,167.12 ↓ 4,167 → ↓100 4,100
        r = calc(M, "gengaku", "2025-07-15", "2025-12-31", due="2025-06-30")
        assert (r.start, r.end) == (d("2025-07-16"), d("2025-12-31"))
        assert rows(r) == [("2025-07-16", "2025-12-31", 169, M, "0.9", 4167)]
        assert (r.raw_total, r.total) == (4167, 4100)

    def test_17_4_1_1_gengaku_paid_before_the_due_date(self) -> None:
        # 07-01..12-31 184 d: 9,000 × 184/365 = 1,656,000/365 = 4,536.98 ↓ 4,536 → 4,500
        r = calc(M, "gengaku", "2025-06-20", "2025-12-31", due="2025-06-30")
        assert rows(r) == [("2025-07-01", "2025-12-31", 184, M, "0.9", 4536)] and r.total == 4500

    def test_17_4_1_1_torikeshi_gives_the_same_amount(self) -> None:
        assert calc(M, "torikeshi", "2025-06-20", "2025-12-31", due="2025-06-30").total == 4500

    def test_17_4_1_2_seikyu_from_the_request_branch(self) -> None:
        # start 07-11 (request-based); 07-11..09-30 (21 + 31 + 30) 82 d: 738,000/365 = 2,021.91 ↓ 2,021 → 2,000
        r = calc(M, "seikyu", "2025-03-01", "2025-09-30", request="2025-04-10", correction="2025-06-20")
        assert rows(r) == [("2025-07-11", "2025-09-30", 82, M, "0.9", 2021)] and r.total == 2000

    def test_17_4_1_4_double_payment_ending_on_the_decision_date(self) -> None:
        # start 06-11; 支出決定日 08-20: (20 + 31 + 20) 71 d: 639,000/365 = 1,750.68 ↓ 1,750 → 1,700
        r = calc(M, "double", "2025-05-10", "2025-08-20")
        assert rows(r) == [("2025-06-11", "2025-08-20", 71, M, "0.9", 1750)] and r.total == 1700

    def test_17_4_1_end_on_the_appropriation_date(self) -> None:
        # 誤納 appropriated (充当適状日) 07-31: 06-11..07-31 (20 + 31) 51 d: 459,000/365 = 1,257.53 ↓ 1,257 → 1,200
        r = calc(M, "gono", "2025-05-10", "2025-07-31")
        assert rows(r) == [("2025-06-11", "2025-07-31", 51, M, "0.9", 1257)] and r.total == 1200

    def test_17_4_1_decided_on_the_start_day_is_one_day(self) -> None:
        # 9,000 / 365 = 24.65 ↓ 24 → under 1,000 → 0
        r = calc(M, "gono", "2025-05-10", "2025-06-11")
        assert rows(r) == [("2025-06-11", "2025-06-11", 1, M, "0.9", 24)] and r.total == 0

    def test_17_4_1_decided_before_the_start_accrues_nothing(self) -> None:
        # 誤納 refunded within the month: start 06-11 > decided 06-05
        r = calc(M, "gono", "2025-05-10", "2025-06-05")
        assert r == KasankinResult(total=0, start=d("2025-06-11"), end=d("2025-06-05"), segments=(), raw_total=0)

    def test_17_4_1_statutory_7_3_from_a_table_row(self) -> None:
        # 73,000 a year = 200 a day exactly: 07-01..07-31 31 d → 6,200
        table = RateTable([YearRates(2025, Decimal("7.3"), Decimal("14.6"), Decimal("7.3"))])
        r = calc(M, "gengaku", "2025-06-30", "2025-07-31", rates=table)
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, M, "7.3", 6200)] and r.total == 6200

    def test_2014_rate_1_9(self) -> None:
        # 04-01..06-30 91 d: 19,000 × 91/365 = 1,729,000/365 = 4,736.98 ↓ 4,736 → 4,700
        r = calc(M, "gengaku", "2014-03-31", "2014-06-30")
        assert rows(r) == [("2014-04-01", "2014-06-30", 91, M, "1.9", 4736)] and r.total == 4700


class TestCalendarYears:
    """附則3条の2④: each calendar year's rate applies to the days inside that year."""

    def test_2025_0_9_to_2026_1_3(self) -> None:
        # 誤納 09-30 → start 11-01; 11-01..12-31 61 d at 0.9: 549,000/365 = 1,504.10 ↓ 1,504
        # 2026-01-01..03-31 90 d at 1.3: 13,000 × 90/365 = 1,170,000/365 = 3,205.47 ↓ 3,205; 4,709 → 4,700
        r = calc(M, "gono", "2025-09-30", "2026-03-31")
        assert rows(r) == [("2025-11-01", "2025-12-31", 61, M, "0.9", 1504),
                           ("2026-01-01", "2026-03-31", 90, M, "1.3", 3205)]
        assert (r.raw_total, r.total) == (4709, 4700)

    def test_2020_1_6_to_2021_1_0(self) -> None:
        # 10-16..12-31 (16 + 30 + 31) 77 d at 1.6: 16,000 × 77/365 = 1,232,000/365 = 3,375.34 ↓ 3,375
        # 2021-01-01..02-28 59 d at 1.0: 10,000 × 59/365 = 590,000/365 = 1,616.43 ↓ 1,616; 4,991 → 4,900
        r = calc(M, "gengaku", "2020-10-15", "2021-02-28")
        assert rows(r) == [("2020-10-16", "2020-12-31", 77, M, "1.6", 3375),
                           ("2021-01-01", "2021-02-28", 59, M, "1.0", 1616)]
        assert (r.raw_total, r.total) == (4991, 4900)

    def test_1_january_splits_even_when_both_years_have_the_same_rate(self) -> None:
        # 2022 and 2023 both 0.9: 31 d each: 279,000/365 = 764.38 ↓ 764; 1,528 → 1,500
        r = calc(M, "gengaku", "2022-11-30", "2023-01-31")
        assert rows(r) == [("2022-12-01", "2022-12-31", 31, M, "0.9", 764),
                           ("2023-01-01", "2023-01-31", 31, M, "0.9", 764)]
        assert r.total == 1500


class TestLeapYears:
    """17条の4①: the annual rate over 365 days even in a leap year."""

    def test_a_whole_leap_year_is_366_days_over_365(self) -> None:
        # 2024 366 d: 9,000 × 366/365 = 3,294,000/365 = 9,024.65 ↓ 9,024 (> a year's 9,000) → 9,000
        r = calc(M, "gengaku", "2023-12-31", "2024-12-31")
        assert rows(r) == [("2024-01-01", "2024-12-31", 366, M, "0.9", 9024)] and r.total == 9000

    def test_february_29_is_an_accrual_day(self) -> None:
        # 10,000,000 × 0.9% = 90,000; 2024-02 29 d: 2,610,000/365 = 7,150.68 ↓ 7,150 → 7,100
        # 2025-02 28 d: 2,520,000/365 = 6,904.10 ↓ 6,904 → 6,900
        leap, common = calc(10 * M, "gengaku", "2024-01-31", "2024-02-29"), calc(10 * M, "gengaku", "2025-01-31",
                                                                               "2025-02-28")
        assert rows(leap) == [("2024-02-01", "2024-02-29", 29, 10 * M, "0.9", 7150)] and leap.total == 7100
        assert rows(common) == [("2025-02-01", "2025-02-28", 28, 10 * M, "0.9", 6904)] and common.total == 6900


class TestRounding:
    """20条の4の2②⑤: base ↓1,000 (< 2,000 → none); total ↓100 (< 1,000 → 0)."""

    def test_20_4_2_base_123456_is_computed_on_123000(self) -> None:
        # 123,000 × 0.9% = 1,107/yr; 2023 365 d → 1,107; 2024 366 d: 405,162/365 = 1,110.03 ↓ 1,110
        # 2025 → 1,107; 3,324 → 3,300
        r = calc(123_456, "gengaku", "2022-12-31", "2025-12-31")
        assert rows(r) == [("2023-01-01", "2023-12-31", 365, 123_000, "0.9", 1107),
                           ("2024-01-01", "2024-12-31", 366, 123_000, "0.9", 1110),
                           ("2025-01-01", "2025-12-31", 365, 123_000, "0.9", 1107)]
        assert (r.raw_total, r.total) == (3324, 3300)
        assert calc(123_999, "gengaku", "2022-12-31", "2025-12-31") == r

    def test_20_4_2_base_under_2000_accrues_nothing(self) -> None:
        r = calc(1_999, "gengaku", "2014-12-31", "2025-12-31")
        assert r.segments == () and (r.raw_total, r.total) == (0, 0)
        assert calc(0, "gono", "2025-01-01", "2025-12-31").total == 0

    def test_20_4_2_2999_is_a_base_of_2000_which_accrues_a_little(self) -> None:
        # 2,000 × 0.9% = 18/yr; 2023: 18; 2024: 6,588/365 = 18.04 ↓ 18; 2025: 18 → 54 → under 1,000 → 0
        r = calc(2_999, "gengaku", "2022-12-31", "2025-12-31")
        assert [s.amount for s in r.segments] == [18, 18, 18] and {s.base for s in r.segments} == {2_000}
        assert (r.raw_total, r.total) == (54, 0)

    def test_20_4_2_result_under_1000_is_zero(self) -> None:
        # 100,000: 900/yr × 184/365 = 165,600/365 = 453.69 ↓ 453 → 0
        r = calc(100_000, "gengaku", "2025-06-30", "2025-12-31")
        assert rows(r) == [("2025-07-01", "2025-12-31", 184, 100_000, "0.9", 453)] and r.total == 0

    def test_20_4_2_just_over_1000_truncates_to_1000(self) -> None:
        # 07-01..08-10 41 d: 369,000/365 = 1,010.96 ↓ 1,010 → 1,000
        r = calc(M, "gengaku", "2025-06-30", "2025-08-10")
        assert (r.raw_total, r.total) == (1010, 1000)

    def test_20_4_2_total_is_truncated_to_100(self) -> None:
        # 4,167 → 4,100 (67 円 dropped)
        r = calc(M, "gengaku", "2025-07-15", "2025-12-31", due="2025-06-30")
        assert r.raw_total % 100 == 67 and r.total == r.raw_total - 67


class TestExcludedDays:
    """17条の4②: no claim within 30 days of the notice (issue date = day 1) → days excluded."""

    def test_17_4_2_the_thirtieth_day_is_notified_plus_29(self) -> None:
        assert excluded_span(d("2025-08-01"), d("2025-08-30")) is None
        assert excluded_span(d("2025-08-01"), d("2025-08-31")) == (d("2025-08-31"), d("2025-08-31"))

    def test_17_4_2_claimed_within_30_days_excludes_nothing(self) -> None:
        r = calc(M, "gengaku", "2025-07-15", "2025-12-31", due="2025-06-30", notified="2025-08-01",
                 claimed="2025-08-30")
        assert r == calc(M, "gengaku", "2025-07-15", "2025-12-31", due="2025-06-30") and r.excluded is None

    def test_17_4_2_claimed_after_30_days_excludes_the_day_after_the_30th_through_the_claim(self) -> None:
        # notified 08-01 → 30th day 08-30; claimed 09-15 → 08-31..09-15 (16 d) excluded
        # 07-16..08-30 (16 + 30) 46 d: 414,000/365 = 1,134.24 ↓ 1,134
        # 09-16..12-31 (15 + 31 + 30 + 31) 107 d: 963,000/365 = 2,638.35 ↓ 2,638; 3,772 → 3,700 (without: 4,100)
        r = calc(M, "gengaku", "2025-07-15", "2025-12-31", due="2025-06-30", notified="2025-08-01",
                 claimed="2025-09-15")
        assert rows(r) == [("2025-07-16", "2025-08-30", 46, M, "0.9", 1134),
                           ("2025-09-16", "2025-12-31", 107, M, "0.9", 2638)]
        assert r.excluded == (d("2025-08-31"), d("2025-09-15")) and r.total == 3700

    def test_17_4_2_an_excluded_span_before_the_start_changes_nothing(self) -> None:
        # 誤納 05-10 → start 06-11; notified 04-01, claimed 06-05 → excluded 05-01..06-05, before the start
        r = calc(M, "gono", "2025-05-10", "2025-08-20", notified="2025-04-01", claimed="2025-06-05")
        assert r == calc(M, "gono", "2025-05-10", "2025-08-20") and r.excluded is None

    def test_17_4_2_excluded_days_spare_a_year_missing_from_the_table(self) -> None:
        # start 2026-11-01; notified 11-20 → excluded 12-20..2027-01-10 = all 2027 days
        # 11-01..12-19 (30 + 19) 49 d at 1.3: 13,000 × 49/365 = 637,000/365 = 1,745.20 ↓ 1,745 → 1,700
        r = calc(M, "gengaku", "2026-10-31", "2027-01-10", notified="2026-11-20", claimed="2027-01-10")
        assert rows(r) == [("2026-11-01", "2026-12-19", 49, M, "1.3", 1745)] and r.total == 1700
        assert r.excluded == (d("2026-12-20"), d("2027-01-10"))

    def test_17_4_2_excluded_days_covering_the_whole_period_leave_nothing(self) -> None:
        r = calc(M, "gengaku", "2025-07-15", "2025-12-31", notified="2025-06-01", claimed="2026-01-31")
        assert r.segments == () and r.total == 0 and r.excluded == (d("2025-07-16"), d("2025-12-31"))


class TestMissingRate:
    """SPEC §4.3 table: a year with no row is an error, never a silent zero."""

    def test_a_day_in_2027_needs_the_2027_row(self) -> None:
        with pytest.raises(MissingRate) as caught:
            calc(M, "gengaku", "2026-11-30", "2027-01-10")
        assert caught.value.year == 2027

    def test_a_day_in_2013_needs_the_2013_row(self) -> None:
        with pytest.raises(MissingRate, match="2013年"):
            calc(M, "gengaku", "2013-12-01", "2014-01-31")

    def test_nothing_accrues_so_no_rate_is_needed(self) -> None:
        assert calc(1_999, "gengaku", "2026-11-30", "2030-01-10").total == 0
        assert calc(M, "gono", "2027-05-10", "2027-06-01").total == 0  # decided before the start


class TestValidation:
    @pytest.mark.parametrize(
        ("kwargs", "fragment"),
        [
            ({"amount": -1}, "還付金額は0円以上"),
            ({"amount": 1000.0}, "還付金額は整数"),
            ({"amount": True}, "還付金額は整数"),
            ({"cause": "refund"}, "還付の原因が正しくありません"),
            ({"cause": None}, "還付の原因が正しくありません"),
            ({"paid": datetime(2025, 5, 10)}, "納付日は日付"),
            ({"decided": "2025-08-20"}, "支出決定日（充当日）は日付"),
            ({"cause": "seikyu"}, "更正の請求日が必要"),
            ({"cause": "seikyu", "request": date(2025, 4, 10)}, "更正日が必要"),
            ({"cause": "seikyu", "request": date(2025, 4, 10), "correction": date(2025, 4, 9)},
             "更正日（2025-04-09）が更正の請求日（2025-04-10）より前"),
            ({"due": date(2025, 6, 30)}, "納期限は減額更正・賦課決定の取消のときだけ"),
            ({"cause": "gengaku", "request": date(2025, 4, 10)}, "更正の請求日は更正の請求のときだけ"),
            ({"correction": date(2025, 4, 10)}, "更正日は更正の請求のときだけ"),
            ({"notified": date(2025, 6, 1)}, "通知日と還付請求日は両方"),
            ({"claimed": date(2025, 6, 1)}, "通知日と還付請求日は両方"),
            ({"notified": date(2025, 6, 1), "claimed": date(2025, 5, 31)}, "還付請求日（2025-05-31）が通知日"),
            ({"paid": date(1899, 12, 31)}, "範囲"),
        ],
    )
    def test_bad_input_is_refused_in_japanese(self, kwargs: dict[str, object], fragment: str) -> None:
        args: dict[str, object] = {"amount": M, "cause": "gono", "paid": date(2025, 5, 10),
                                   "decided": date(2025, 8, 20)} | kwargs
        with pytest.raises(ValidationError) as caught:
            compute_kasankin(**args)  # type: ignore[arg-type]
        assert fragment in str(caught.value)

    def test_causes_parse_from_their_names(self) -> None:
        assert parse_cause("Seikyu") is KasankinCause.SEIKYU and parse_cause(KasankinCause.KANO) is KasankinCause.KANO
        assert [c.rule for c in KasankinCause] == ["1", "1", "2", "4", "4", "4"]


# ---- properties ---------------------------------------------------------------------------------

LAST = date(2026, 12, 31)  # the last year of the seeded table


@st.composite
def cases(draw: st.DrawFn) -> dict[str, object]:
    cause = draw(st.sampled_from(list(KasankinCause)))
    paid = draw(st.dates(date(2014, 1, 1), date(2026, 6, 30)))
    args: dict[str, object] = {"amount": draw(st.integers(0, 5_000_000)), "cause": cause, "paid": paid}
    if cause.rule == "1" and draw(st.booleans()):
        args["due"] = draw(st.dates(paid - timedelta(days=60), paid + timedelta(days=60)))
    if cause.rule == "2":
        request = draw(st.dates(paid, paid + timedelta(days=120)))
        args |= {"request": request, "correction": draw(st.dates(request, request + timedelta(days=120)))}
    args["decided"] = draw(st.dates(paid, min(LAST, paid + timedelta(days=900))))
    if draw(st.booleans()):
        notified = draw(st.dates(paid - timedelta(days=60), args["decided"]))  # type: ignore[arg-type]
        args |= {"notified": notified, "claimed": draw(st.dates(notified, notified + timedelta(days=200)))}
    return args


def _exact(args: dict[str, object], result: KasankinResult) -> tuple[Fraction, int]:
    """Day-by-day exact (untruncated) 還付加算金 and the number of accruing days."""
    base = args["amount"] - args["amount"] % 1000  # type: ignore[operator]
    if base < 2000:
        return Fraction(0), 0
    span = excluded_span(args["notified"], args["claimed"]) if "notified" in args else None  # type: ignore[arg-type]
    total, days, day = Fraction(0), 0, result.start
    while day <= result.end:
        if span is None or not span[0] <= day <= span[1]:
            total += Fraction(base) * Fraction(DEFAULT_RATE_TABLE.for_year(day.year).refund_interest) / 36500
            days += 1
        day += timedelta(days=1)
    return total, days


class TestProperties:
    @settings(max_examples=200, deadline=None)
    @given(cases())
    def test_20_4_2_never_negative_and_0_or_a_multiple_of_100_of_at_least_1000(self, args: dict[str, Any]) -> None:
        r = compute_kasankin(**args)
        assert r.total >= 0 and r.raw_total >= 0
        assert r.total % 100 == 0 and (r.total == 0 or r.total >= 1000)
        assert r.total == (0 if r.raw_total < 1000 else r.raw_total - r.raw_total % 100)

    @settings(max_examples=200, deadline=None)
    @given(cases())
    def test_segments_match_a_day_by_day_oracle_within_a_yen_per_segment(self, args: dict[str, Any]) -> None:
        r = compute_kasankin(**args)
        exact, days = _exact(args, r)
        assert 0 <= exact - r.raw_total < max(1, len(r.segments))
        assert sum(s.days for s in r.segments) == days
        for s in r.segments:
            assert r.start <= s.start <= s.end <= r.end and s.start.year == s.end.year
            assert s.amount == s.base * s.rate * s.days // 36500
        for a, b in zip(r.segments, r.segments[1:]):
            assert a.end < b.start

    @settings(max_examples=200, deadline=None)
    @given(cases(), st.integers(0, 400))
    def test_17_4_1_a_later_decided_date_never_lowers_it(self, args: dict[str, Any], later: int) -> None:
        before = compute_kasankin(**args)
        after = compute_kasankin(**(args | {"decided": min(LAST, args["decided"] + timedelta(days=later))}))
        assert after.raw_total >= before.raw_total and after.total >= before.total

    @settings(max_examples=200, deadline=None)
    @given(cases(), st.data())
    def test_17_4_2_excluded_days_never_raise_it(self, args: dict[str, Any], data: st.DataObject) -> None:
        plain = {k: v for k, v in args.items() if k not in ("notified", "claimed")}
        notified = data.draw(st.dates(args["paid"] - timedelta(days=60), args["decided"]))
        claimed = data.draw(st.dates(notified, notified + timedelta(days=300)))
        with_notice = compute_kasankin(**plain, notified=notified, claimed=claimed)
        without = compute_kasankin(**plain)
        assert with_notice.raw_total <= without.raw_total and with_notice.total <= without.total
