"""延滞金 (SPEC §4.3): worked cases computed by hand, then properties.

Notation in the comments: ``B × r% × d / 365`` with the result truncated to the
yen (↓). Rates are the SPEC table (2022–2025: 2.4 / 8.7, 2026: 2.8 / 9.1 …).
``1,000,000 × 2.4%`` is 24,000 a year, ``× 8.7%`` 87,000 a year.
Statutes: 326条① (accrual, two tiers), 326条② (partial payment), 20条の4の2②
(base ↓1,000, < 2,000 → none), 20条の4の2⑤ (total ↓100, < 1,000 → 0),
15条の9① (exempt days), 民法143条 (one month), 附則3条の2 (yearly rates).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.rules.entaikin import EntaikinResult, compute_entaikin, one_month_elapsed
from core.rules.rates import DEFAULT_RATE_TABLE, MissingRate, RateTable, YearRates

M = 1_000_000


def d(text: str) -> date:
    return date.fromisoformat(text)


def rows(result: EntaikinResult) -> list[tuple[str, str, int, int, str, int]]:
    """Segments as (from, to, days, base, rate, amount) for compact comparison."""
    return [(s.start.isoformat(), s.end.isoformat(), s.days, s.base, str(s.rate), s.amount)
            for s in result.segments]


def calc(amount: int, due: str, until: str, payments: tuple[tuple[str, int], ...] = (),
         exemptions: tuple[tuple[str, str], ...] = (), rates: RateTable = DEFAULT_RATE_TABLE) -> EntaikinResult:
    return compute_entaikin(amount=amount, due=d(due), until=d(until),
                            payments=[(d(p), y) for p, y in payments],
                            exemptions=[(d(a), d(b)) for a, b in exemptions], rates=rates)


class TestOneMonthElapsed:
    """民法143条 (via 地方税法20条の5): counted from the day after the 納期限."""

    @pytest.mark.parametrize(
        ("due", "last_lower_day"),
        [
            ("2025-06-30", "2025-07-31"),  # start 07-01 (month start, 143条①) → end of July
            ("2025-06-27", "2025-07-27"),  # start 06-28 → day before 07-28
            ("2025-01-30", "2025-02-28"),  # start 01-31 → 02-31 missing → last day of Feb
            ("2024-01-30", "2024-02-29"),  # start 01-31 → 02-31 missing → leap-year Feb end
            ("2025-01-31", "2025-02-28"),  # start 02-01 → day before 03-01
            ("2024-01-31", "2024-02-29"),  # start 02-01 → day before 2024-03-01
            ("2025-01-28", "2025-02-28"),  # start 01-29 → 2025-02-29 missing → 02-28
            ("2024-01-28", "2024-02-28"),  # start 01-29 → day before 2024-02-29
            ("2024-02-28", "2024-03-28"),  # start 02-29 → day before 03-29
            ("2024-02-29", "2024-03-31"),  # start 03-01 → end of March
            ("2025-02-28", "2025-03-31"),  # start 03-01 → end of March
            ("2025-03-30", "2025-04-30"),  # start 03-31 → 04-31 missing → 04-30
            ("2025-03-31", "2025-04-30"),  # start 04-01 → end of April
            ("2025-08-30", "2025-09-30"),  # start 08-31 → 09-31 missing → 09-30
            ("2025-12-15", "2026-01-15"),  # start 12-16 → day before 2026-01-16 (year wraps)
            ("2025-11-30", "2025-12-31"),  # start 12-01 → end of December
            ("2025-12-31", "2026-01-31"),  # start 2026-01-01 → end of January
        ],
    )
    def test_143_the_day_before_the_corresponding_day_or_the_month_end(self, due: str, last_lower_day: str) -> None:
        assert one_month_elapsed(d(due)) == d(last_lower_day)

    @given(st.dates(min_value=date(1901, 1, 1), max_value=date(9000, 12, 31)))
    def test_the_lower_period_is_28_to_31_days_and_ends_in_the_next_month_or_its_own(self, due: date) -> None:
        end = one_month_elapsed(due)
        start = due + timedelta(days=1)
        assert 28 <= (end - start).days + 1 <= 31
        assert (end.year * 12 + end.month) - (start.year * 12 + start.month) in (0, 1)


class TestTiers:
    def test_326_paid_within_the_first_month_lower_rate_only(self) -> None:
        # 1,000,000 due 6/30 paid 7/31: 07-01..07-31 31 d at 2.4
        # 24,000 × 31 / 365 = 744,000 / 365 = 2,038.35 ↓ 2,038 → ↓100 2,000
        r = calc(M, "2025-06-30", "2025-07-31")
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, M, "2.4", 2038)]
        assert (r.raw_total, r.total) == (2038, 2000)

    def test_326_one_day_past_the_first_month_switches_to_the_higher_rate(self) -> None:
        # 31 d at 2.4 → 2,038; 08-01 1 d at 8.7: 87,000 / 365 = 238.35 ↓ 238
        # 2,038 + 238 = 2,276 → 2,200
        r = calc(M, "2025-06-30", "2025-08-01")
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, M, "2.4", 2038),
                           ("2025-08-01", "2025-08-01", 1, M, "8.7", 238)]
        assert (r.raw_total, r.total) == (2276, 2200)

    def test_326_paid_on_the_due_date_accrues_nothing(self) -> None:
        r = calc(M, "2025-06-30", "2025-06-30")
        assert r == EntaikinResult(total=0, segments=(), raw_total=0)

    def test_326_accrual_starts_the_day_after_the_due_date(self) -> None:
        # paid 7/1: 1 d: 24,000 / 365 = 65.75 ↓ 65 → under 1,000 → 0 (20条の4の2⑤)
        r = calc(M, "2025-06-30", "2025-07-01")
        assert rows(r) == [("2025-07-01", "2025-07-01", 1, M, "2.4", 65)] and r.total == 0

    def test_326_statutory_rates_from_a_table_row_of_7_3_and_14_6(self) -> None:
        # a year whose row is the statutory 7.3 / 14.6: 73,000/365 = 200 a day exactly
        # 31 d × 200 = 6,200; 1 d at 146,000/365 = 400 → 6,600 (no truncation needed)
        table = RateTable([YearRates(2025, Decimal("7.3"), Decimal("14.6"), Decimal("7.3"))])
        r = calc(M, "2025-06-30", "2025-08-01", rates=table)
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, M, "7.3", 6200),
                           ("2025-08-01", "2025-08-01", 1, M, "14.6", 400)]
        assert r.total == 6600

    def test_326_2014_rates(self) -> None:
        # due 3/31 → lower 04-01..04-30 30 d at 2.9: 29,000 × 30 / 365 = 870,000/365 = 2,383.56 ↓ 2,383
        # 05-01..06-30 61 d at 9.2: 92,000 × 61 / 365 = 5,612,000/365 = 15,375.34 ↓ 15,375
        # 17,758 → 17,700
        r = calc(M, "2014-03-31", "2014-06-30")
        assert rows(r) == [("2014-04-01", "2014-04-30", 30, M, "2.9", 2383),
                           ("2014-05-01", "2014-06-30", 61, M, "9.2", 15375)]
        assert r.total == 17700


class TestMonthEnds:
    """民法143条 month-end due dates inside the calculation."""

    def test_143_due_jan_31_lower_through_feb_28(self) -> None:
        # start 02-01; lower 02-01..02-28 28 d: 24,000 × 28/365 = 672,000/365 = 1,841.09 ↓ 1,841
        # 03-01..03-31 31 d at 8.7: 87,000 × 31/365 = 2,697,000/365 = 7,389.04 ↓ 7,389
        # 9,230 → 9,200
        r = calc(M, "2025-01-31", "2025-03-31")
        assert rows(r) == [("2025-02-01", "2025-02-28", 28, M, "2.4", 1841),
                           ("2025-03-01", "2025-03-31", 31, M, "8.7", 7389)]
        assert r.total == 9200

    def test_143_due_jan_30_feb_31_missing_so_feb_28(self) -> None:
        # start 01-31; lower 01-31..02-28 29 d: 24,000 × 29/365 = 696,000/365 = 1,906.84 ↓ 1,906
        # 03-01 1 d at 8.7 → 238; 2,144 → 2,100
        r = calc(M, "2025-01-30", "2025-03-01")
        assert rows(r) == [("2025-01-31", "2025-02-28", 29, M, "2.4", 1906),
                           ("2025-03-01", "2025-03-01", 1, M, "8.7", 238)]
        assert r.total == 2100

    def test_143_due_jan_30_in_a_leap_year_lower_through_feb_29(self) -> None:
        # start 2024-01-31; lower 01-31..02-29 30 d: 24,000 × 30/365 = 720,000/365 = 1,972.60 ↓ 1,972
        # 03-01 1 d at 8.7 → 238; 2,210 → 2,200
        r = calc(M, "2024-01-30", "2024-03-01")
        assert rows(r) == [("2024-01-31", "2024-02-29", 30, M, "2.4", 1972),
                           ("2024-03-01", "2024-03-01", 1, M, "8.7", 238)]
        assert r.total == 2200

    def test_143_due_feb_28_non_leap_start_march_1_lower_through_march_31(self) -> None:
        # lower 03-01..03-31 31 d → 2,038; 04-01..04-30 30 d: 87,000 × 30/365 = 2,610,000/365 = 7,150.68 ↓ 7,150
        # 9,188 → 9,100
        r = calc(M, "2025-02-28", "2025-04-30")
        assert rows(r) == [("2025-03-01", "2025-03-31", 31, M, "2.4", 2038),
                           ("2025-04-01", "2025-04-30", 30, M, "8.7", 7150)]
        assert r.total == 9100

    def test_143_due_feb_28_leap_start_feb_29_lower_through_march_28(self) -> None:
        # start 2024-02-29 → day before 03-29; lower 02-29..03-28 29 d → 1,906
        # 03-29..03-31 3 d at 8.7: 87,000 × 3/365 = 261,000/365 = 715.07 ↓ 715; 2,621 → 2,600
        r = calc(M, "2024-02-28", "2024-03-31")
        assert rows(r) == [("2024-02-29", "2024-03-28", 29, M, "2.4", 1906),
                           ("2024-03-29", "2024-03-31", 3, M, "8.7", 715)]
        assert r.total == 2600

    def test_143_due_feb_29_leap_day_start_march_1(self) -> None:
        # same shape as the 2025-02-28 case: 2,038 + 7,150 = 9,188 → 9,100
        r = calc(M, "2024-02-29", "2024-04-30")
        assert rows(r) == [("2024-03-01", "2024-03-31", 31, M, "2.4", 2038),
                           ("2024-04-01", "2024-04-30", 30, M, "8.7", 7150)]
        assert r.total == 9100

    def test_143_due_march_30_april_31_missing_so_april_30(self) -> None:
        # start 03-31; lower 03-31..04-30 31 d → 2,038; 05-01 → 238; 2,276 → 2,200
        r = calc(M, "2025-03-30", "2025-05-01")
        assert rows(r)[0] == ("2025-03-31", "2025-04-30", 31, M, "2.4", 2038)
        assert r.total == 2200

    def test_143_due_march_31_lower_through_april_30(self) -> None:
        # start 04-01; lower 30 d → 1,972; 05-01 → 238; 2,210 → 2,200
        r = calc(M, "2025-03-31", "2025-05-01")
        assert rows(r) == [("2025-04-01", "2025-04-30", 30, M, "2.4", 1972),
                           ("2025-05-01", "2025-05-01", 1, M, "8.7", 238)]
        assert r.total == 2200


class TestCalendarYears:
    """附則3条の2: each calendar year's rate applies to the days inside that year."""

    def test_rate_change_on_1_january_2025_to_2026(self) -> None:
        # due 2025-11-30: lower 12-01..12-31 31 d at 2.4 (2025) → 2,038
        # 2026-01-01..03-10 (31 + 28 + 10) 69 d at 9.1 (2026): 91,000 × 69/365 = 6,279,000/365 = 17,202.74 ↓ 17,202
        # 19,240 → 19,200
        r = calc(M, "2025-11-30", "2026-03-10")
        assert rows(r) == [("2025-12-01", "2025-12-31", 31, M, "2.4", 2038),
                           ("2026-01-01", "2026-03-10", 69, M, "9.1", 17202)]
        assert r.total == 19200

    def test_1_january_inside_the_first_month_uses_the_new_years_lower_rate(self) -> None:
        # due 2025-12-15 → lower 12-16..2026-01-15
        # 12-16..12-31 16 d at 2.4: 24,000 × 16/365 = 384,000/365 = 1,052.05 ↓ 1,052
        # 01-01..01-15 15 d at 2.8: 28,000 × 15/365 = 420,000/365 = 1,150.68 ↓ 1,150
        # 01-16..02-15 31 d at 9.1: 91,000 × 31/365 = 2,821,000/365 = 7,728.76 ↓ 7,728
        # per-segment ↓ gives 9,930 (the exact sum 9,931.49 would give 9,931) → 9,900
        r = calc(M, "2025-12-15", "2026-02-15")
        assert rows(r) == [("2025-12-16", "2025-12-31", 16, M, "2.4", 1052),
                           ("2026-01-01", "2026-01-15", 15, M, "2.8", 1150),
                           ("2026-01-16", "2026-02-15", 31, M, "9.1", 7728)]
        assert (r.raw_total, r.total) == (9930, 9900)

    def test_1_january_splits_even_when_both_years_have_the_same_rate(self) -> None:
        # 2023 and 2024 are both 8.7: still one segment per year
        # 11-01..11-30 30 d at 2.4 → 1,972; 12-01..12-31 31 d at 8.7 → 7,389; 2024-01 31 d → 7,389
        # 16,750 → 16,700
        r = calc(M, "2023-10-31", "2024-01-31")
        assert rows(r) == [("2023-11-01", "2023-11-30", 30, M, "2.4", 1972),
                           ("2023-12-01", "2023-12-31", 31, M, "8.7", 7389),
                           ("2024-01-01", "2024-01-31", 31, M, "8.7", 7389)]
        assert r.total == 16700

    def test_2020_to_2021_both_tiers_change(self) -> None:
        # due 2020-12-20 → lower 12-21..2021-01-20
        # 12-21..12-31 11 d at 2.6: 26,000 × 11/365 = 286,000/365 = 783.56 ↓ 783
        # 2021-01-01..01-20 20 d at 2.5: 25,000 × 20/365 = 500,000/365 = 1,369.86 ↓ 1,369
        # 01-21..03-31 (11 + 28 + 31) 70 d at 8.8: 88,000 × 70/365 = 6,160,000/365 = 16,876.71 ↓ 16,876
        # 19,028 → 19,000
        r = calc(M, "2020-12-20", "2021-03-31")
        assert rows(r) == [("2020-12-21", "2020-12-31", 11, M, "2.6", 783),
                           ("2021-01-01", "2021-01-20", 20, M, "2.5", 1369),
                           ("2021-01-21", "2021-03-31", 70, M, "8.8", 16876)]
        assert r.total == 19000

    def test_the_rate_is_the_year_of_the_days_not_of_the_due_date(self) -> None:
        # due 2013-12-31 (no 2013 row) but every accrual day is in 2014: 31 d at 2.9
        # 29,000 × 31/365 = 899,000/365 = 2,463.01 ↓ 2,463 → 2,400
        r = calc(M, "2013-12-31", "2014-01-31")
        assert rows(r) == [("2014-01-01", "2014-01-31", 31, M, "2.9", 2463)] and r.total == 2400

    def test_long_delinquency_500000_due_2022_05_31_paid_2026_11_20(self) -> None:
        # 500,000 × 2.4% = 12,000/yr; × 8.7% = 43,500/yr; × 9.1% = 45,500/yr
        # 2022-06-01..06-30 30 d at 2.4: 12,000 × 30/365 = 360,000/365 = 986.30 ↓ 986
        # 2022-07-01..12-31 184 d: 43,500 × 184/365 = 8,004,000/365 = 21,928.77 ↓ 21,928
        # 2023 365 d: 43,500 exactly
        # 2024 366 d (leap, still /365): 43,500 × 366/365 = 15,921,000/365 = 43,619.17 ↓ 43,619
        # 2025 365 d: 43,500
        # 2026-01-01..11-20 324 d at 9.1: 45,500 × 324/365 = 14,742,000/365 = 40,389.04 ↓ 40,389
        # 986 + 21,928 + 43,500 + 43,619 + 43,500 + 40,389 = 193,922 → 193,900
        r = calc(500_000, "2022-05-31", "2026-11-20")
        assert rows(r) == [("2022-06-01", "2022-06-30", 30, 500_000, "2.4", 986),
                           ("2022-07-01", "2022-12-31", 184, 500_000, "8.7", 21928),
                           ("2023-01-01", "2023-12-31", 365, 500_000, "8.7", 43500),
                           ("2024-01-01", "2024-12-31", 366, 500_000, "8.7", 43619),
                           ("2025-01-01", "2025-12-31", 365, 500_000, "8.7", 43500),
                           ("2026-01-01", "2026-11-20", 324, 500_000, "9.1", 40389)]
        assert (r.raw_total, r.total) == (193_922, 193_900)


class TestLeapYears:
    """326条①: the annual rate is divided by 365 even in a leap year."""

    def test_a_whole_leap_year_is_366_days_over_365(self) -> None:
        # 2023-12-01..12-31 31 d at 2.4 → 2,038
        # 2024 366 d at 8.7: 87,000 × 366/365 = 31,842,000/365 = 87,238.35 ↓ 87,238 (> one year's 87,000)
        # 89,276 → 89,200
        r = calc(M, "2023-11-30", "2024-12-31")
        assert rows(r)[1] == ("2024-01-01", "2024-12-31", 366, M, "8.7", 87238)
        assert r.total == 89200

    def test_february_29_is_an_accrual_day(self) -> None:
        # 2024-02-01..02-29 29 d: 24,000 × 29/365 = 1,906.84 ↓ 1,906 → 1,900
        # the same dates in 2025 are 28 d: 672,000/365 = 1,841.09 ↓ 1,841 → 1,800
        leap, common = calc(M, "2024-01-31", "2024-02-29"), calc(M, "2025-01-31", "2025-02-28")
        assert rows(leap) == [("2024-02-01", "2024-02-29", 29, M, "2.4", 1906)] and leap.total == 1900
        assert rows(common) == [("2025-02-01", "2025-02-28", 28, M, "2.4", 1841)] and common.total == 1800


class TestBaseTruncation:
    """20条の4の2②: base ↓1,000 円; a base under 2,000 円 accrues nothing."""

    def test_123456_is_computed_on_123000(self) -> None:
        # 123,000 × 2.4% = 2,952/yr; 31 d: 91,512/365 = 250.72 ↓ 250
        # 123,000 × 8.7% = 10,701/yr; 08-01..12-31 153 d: 1,637,253/365 = 4,485.62 ↓ 4,485
        # 4,735 → 4,700
        r = calc(123_456, "2025-06-30", "2025-12-31")
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, 123_000, "2.4", 250),
                           ("2025-08-01", "2025-12-31", 153, 123_000, "8.7", 4485)]
        assert r.total == 4700
        assert calc(123_999, "2025-06-30", "2025-12-31") == r  # same base 123,000

    def test_1999_accrues_nothing_even_over_eight_years(self) -> None:
        r = calc(1_999, "2014-12-31", "2022-12-31")
        assert r == EntaikinResult(total=0, segments=(), raw_total=0)

    def test_2999_is_a_base_of_2000_which_does_accrue(self) -> None:
        # 2,000 × r% per year: 2.8 → 56; 9.1 → 182; 9.0 → 180; 8.9 → 178; 8.8 → 176; 8.7 → 174
        # 2015-01 31 d: 56 × 31/365 = 4.75 ↓ 4;  02-01..12-31 334 d: 182 × 334/365 = 166.54 ↓ 166
        # 2016 366 d: 182 × 366/365 = 182.49 ↓ 182;  2017: 180;  2018: 178;  2019: 178
        # 2020 366 d: 178 × 366/365 = 178.48 ↓ 178;  2021: 176;  2022: 174
        # 4+166+182+180+178+178+178+176+174 = 1,416 → 1,400
        r = calc(2_999, "2014-12-31", "2022-12-31")
        assert [s.amount for s in r.segments] == [4, 166, 182, 180, 178, 178, 178, 176, 174]
        assert {s.base for s in r.segments} == {2_000}
        assert (r.raw_total, r.total) == (1416, 1400)

    def test_amount_zero_accrues_nothing(self) -> None:
        assert calc(0, "2025-06-30", "2026-06-30").total == 0

    def test_12345678_is_computed_on_12345000(self) -> None:
        # 12,345,000 × 2.4% = 296,280/yr; 31 d: 9,184,680/365 = 25,163.51 ↓ 25,163 → 25,100
        r = calc(12_345_678, "2025-06-30", "2025-07-31")
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, 12_345_000, "2.4", 25163)] and r.total == 25100


class TestTotalTruncation:
    """20条の4の2⑤: total ↓100 円; under 1,000 円 → 0; per-segment ↓1 円 first."""

    def test_total_under_1000_is_zero(self) -> None:
        # 100,000: 2,400/yr × 31/365 = 74,400/365 = 203.84 ↓ 203; 8,700/yr × 31/365 = 269,700/365 = 738.90 ↓ 738
        # 941 < 1,000 → 0 (segments still shown)
        r = calc(100_000, "2025-06-30", "2025-08-31")
        assert [s.amount for s in r.segments] == [203, 738]
        assert (r.raw_total, r.total) == (941, 0)

    def test_just_over_1000_is_truncated_to_1000(self) -> None:
        # 08-01..09-03 34 d: 8,700 × 34/365 = 295,800/365 = 810.41 ↓ 810; 203 + 810 = 1,013 → 1,000
        r = calc(100_000, "2025-06-30", "2025-09-03")
        assert (r.raw_total, r.total) == (1013, 1000)

    def test_first_ten_days_657_is_zero(self) -> None:
        # 10 d: 24,000 × 10/365 = 240,000/365 = 657.53 ↓ 657 → 0
        r = calc(M, "2025-06-30", "2025-07-10")
        assert (r.raw_total, r.total) == (657, 0)

    def test_hundreds_are_dropped(self) -> None:
        # 2,038 + 7,150 = 9,188 → 9,100 (88 円 dropped)
        r = calc(M, "2025-02-28", "2025-04-30")
        assert r.raw_total % 100 == 88 and r.total == r.raw_total - 88


class TestPartialPayments:
    """326条②: a partial payment lowers the base from the day after it."""

    def test_a_payment_changes_the_base_the_next_day(self) -> None:
        # 400,000 paid 08-15 → 600,000 from 08-16; 08-15 itself is still at 1,000,000
        # 07 31 d → 2,038; 08-01..08-15 15 d: 87,000 × 15/365 = 1,305,000/365 = 3,575.34 ↓ 3,575
        # 08-16..09-30 (16 + 30) 46 d: 52,200 × 46/365 = 2,401,200/365 = 6,578.63 ↓ 6,578
        # 12,191 → 12,100
        r = calc(M, "2025-06-30", "2025-09-30", payments=(("2025-08-15", 400_000),))
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, M, "2.4", 2038),
                           ("2025-08-01", "2025-08-15", 15, M, "8.7", 3575),
                           ("2025-08-16", "2025-09-30", 46, 600_000, "8.7", 6578)]
        assert r.total == 12100

    def test_two_payments_on_the_same_day_count_together(self) -> None:
        same = calc(M, "2025-06-30", "2025-09-30", payments=(("2025-08-15", 200_000), ("2025-08-15", 200_000)))
        assert same == calc(M, "2025-06-30", "2025-09-30", payments=(("2025-08-15", 400_000),))

    def test_a_payment_inside_the_first_month(self) -> None:
        # 07-01..07-10 10 d 1,000,000 at 2.4 → 657
        # 07-11..07-31 21 d 500,000 at 2.4: 12,000 × 21/365 = 252,000/365 = 690.41 ↓ 690
        # 08-01..08-31 31 d 500,000 at 8.7: 43,500 × 31/365 = 1,348,500/365 = 3,694.52 ↓ 3,694
        # 5,041 → 5,000
        r = calc(M, "2025-06-30", "2025-08-31", payments=(("2025-07-10", 500_000),))
        assert rows(r) == [("2025-07-01", "2025-07-10", 10, M, "2.4", 657),
                           ("2025-07-11", "2025-07-31", 21, 500_000, "2.4", 690),
                           ("2025-08-01", "2025-08-31", 31, 500_000, "8.7", 3694)]
        assert r.total == 5000

    def test_several_payments_and_a_truncated_remainder(self) -> None:
        # due 04-30 → lower 05-01..05-31; payments 05-20 300,000, 07-10 300,000, 09-30 250,500
        # 05-01..05-20 20 d 1,000,000 at 2.4: 480,000/365 = 1,315.07 ↓ 1,315
        # 05-21..05-31 11 d 700,000 at 2.4: 16,800 × 11/365 = 184,800/365 = 506.30 ↓ 506
        # 06-01..07-10 40 d 700,000 at 8.7: 60,900 × 40/365 = 2,436,000/365 = 6,673.97 ↓ 6,673
        # 07-11..09-30 82 d 400,000 at 8.7: 34,800 × 82/365 = 2,853,600/365 = 7,818.08 ↓ 7,818
        # 10-01..12-31 92 d 149,500 → 149,000 at 8.7: 12,963 × 92/365 = 1,192,596/365 = 3,267.39 ↓ 3,267
        # 19,579 → 19,500
        r = calc(M, "2025-04-30", "2025-12-31",
                 payments=(("2025-05-20", 300_000), ("2025-07-10", 300_000), ("2025-09-30", 250_500)))
        assert rows(r) == [("2025-05-01", "2025-05-20", 20, M, "2.4", 1315),
                           ("2025-05-21", "2025-05-31", 11, 700_000, "2.4", 506),
                           ("2025-06-01", "2025-07-10", 40, 700_000, "8.7", 6673),
                           ("2025-07-11", "2025-09-30", 82, 400_000, "8.7", 7818),
                           ("2025-10-01", "2025-12-31", 92, 149_000, "8.7", 3267)]
        assert r.total == 19500

    def test_a_payment_leaving_1999_stops_accrual(self) -> None:
        # 300,000 due 2024-06-30; 298,001 paid 2025-06-30 leaves 1,999 → base 1,000 < 2,000 → nothing after
        # 2024-07 31 d: 7,200 × 31/365 = 223,200/365 = 611.50 ↓ 611
        # 2024-08-01..12-31 153 d: 26,100 × 153/365 = 3,993,300/365 = 10,940.55 ↓ 10,940
        # 2025-01-01..06-30 181 d: 26,100 × 181/365 = 4,724,100/365 = 12,942.74 ↓ 12,942
        # 24,493 → 24,400
        r = calc(300_000, "2024-06-30", "2026-06-30", payments=(("2025-06-30", 298_001),))
        assert rows(r) == [("2024-07-01", "2024-07-31", 31, 300_000, "2.4", 611),
                           ("2024-08-01", "2024-12-31", 153, 300_000, "8.7", 10940),
                           ("2025-01-01", "2025-06-30", 181, 300_000, "8.7", 12942)]
        assert r.total == 24400

    def test_a_payment_leaving_exactly_2000_keeps_accruing(self) -> None:
        # as above + 2025-07-01..12-31 184 d at 2,000 × 8.7% = 174/yr: 32,016/365 = 87.71 ↓ 87
        # + 2026-01-01..06-30 181 d at 182/yr: 32,942/365 = 90.25 ↓ 90 → 24,670 → 24,600
        r = calc(300_000, "2024-06-30", "2026-06-30", payments=(("2025-06-30", 298_000),))
        assert rows(r)[3:] == [("2025-07-01", "2025-12-31", 184, 2_000, "8.7", 87),
                               ("2026-01-01", "2026-06-30", 181, 2_000, "9.1", 90)]
        assert (r.raw_total, r.total) == (24670, 24600)

    def test_the_whole_tax_paid_early_stops_accrual_there(self) -> None:
        # 1,000,000 paid in full on 07-31 (as a partial payment), 延滞金 computed to 12-31: only July, 2,038 → 2,000
        r = calc(M, "2025-06-30", "2025-12-31", payments=(("2025-07-31", M),))
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, M, "2.4", 2038)] and r.total == 2000

    def test_a_payment_on_the_final_date_changes_nothing(self) -> None:
        # the base would drop from 08-02, after the last accrual day: 2,276 → 2,200 as without it
        r = calc(M, "2025-06-30", "2025-08-01", payments=(("2025-08-01", 500_000),))
        assert r == calc(M, "2025-06-30", "2025-08-01")

    def test_a_payment_that_keeps_the_truncated_base_is_no_change_of_base(self) -> None:
        # 326条②: 123,456 − 400 = 123,056 → base still 123,000 — no new segment
        # 08-01..12-31 153 d: 123,000 × 8.7% = 10,701 × 153/365 = 1,637,253/365 = 4,485.62 ↓ 4,485
        # 250 + 4,485 = 4,735 → 4,700 (the same as without the payment)
        r = calc(123_456, "2025-06-30", "2025-12-31", payments=(("2025-08-15", 400),))
        assert rows(r)[1:] == [("2025-08-01", "2025-12-31", 153, 123_000, "8.7", 4485)]
        assert (r.raw_total, r.total) == (4735, 4700)
        assert r == calc(123_456, "2025-06-30", "2025-12-31")


class TestExemptions:
    """15条の9①: days inside a 執行停止 (or another 免除 period) accrue nothing."""

    def test_ten_exempt_days_in_the_middle(self) -> None:
        # exempt 08-11..08-20; 07 → 2,038; 08-01..08-10 10 d: 870,000/365 = 2,383.56 ↓ 2,383
        # 08-21..09-30 (11 + 30) 41 d: 3,567,000/365 = 9,772.60 ↓ 9,772; 14,193 → 14,100
        # (without the exemption: 2,038 + 87,000 × 61/365 = 14,539 → 16,577 → 16,500)
        r = calc(M, "2025-06-30", "2025-09-30", exemptions=(("2025-08-11", "2025-08-20"),))
        assert rows(r) == [("2025-07-01", "2025-07-31", 31, M, "2.4", 2038),
                           ("2025-08-01", "2025-08-10", 10, M, "8.7", 2383),
                           ("2025-08-21", "2025-09-30", 41, M, "8.7", 9772)]
        assert r.total == 14100
        assert calc(M, "2025-06-30", "2025-09-30").total == 16500

    def test_an_exempt_first_month_does_not_move_the_one_month_boundary(self) -> None:
        # exempt 07-01..07-31; 08-01..08-31 still the higher rate: 2,697,000/365 = 7,389.04 ↓ 7,389 → 7,300
        r = calc(M, "2025-06-30", "2025-08-31", exemptions=(("2025-07-01", "2025-07-31"),))
        assert rows(r) == [("2025-08-01", "2025-08-31", 31, M, "8.7", 7389)] and r.total == 7300

    def test_an_exemption_reaching_outside_the_period_covers_all_of_it(self) -> None:
        r = calc(M, "2025-06-30", "2025-09-30", exemptions=(("2025-01-01", "2026-12-31"),))
        assert r == EntaikinResult(total=0, segments=(), raw_total=0)

    def test_an_exemption_across_1_january_and_overlapping_exemptions(self) -> None:
        # due 2025-10-31: lower 11-01..11-30 → 1,972; exempt 12-11..12-31 and (overlapping) 12-20..2026-01-10
        # 12-01..12-10 10 d at 8.7 → 2,383; 2026-01-11..01-31 21 d at 9.1: 91,000 × 21/365 = 1,911,000/365 = 5,235.61 ↓ 5,235
        # 9,590 → 9,500
        r = calc(M, "2025-10-31", "2026-01-31",
                 exemptions=(("2025-12-11", "2025-12-31"), ("2025-12-20", "2026-01-10")))
        assert rows(r) == [("2025-11-01", "2025-11-30", 30, M, "2.4", 1972),
                           ("2025-12-01", "2025-12-10", 10, M, "8.7", 2383),
                           ("2026-01-11", "2026-01-31", 21, M, "9.1", 5235)]
        assert r.total == 9500

    def test_an_exemption_spares_a_year_missing_from_the_table(self) -> None:
        # 2027 has no row, but its days are all exempt: only 2026-12 at 2.8
        # 28,000 × 31/365 = 868,000/365 = 2,378.08 ↓ 2,378 → 2,300
        r = calc(M, "2026-11-30", "2027-01-10", exemptions=(("2027-01-01", "2027-01-10"),))
        assert rows(r) == [("2026-12-01", "2026-12-31", 31, M, "2.8", 2378)] and r.total == 2300


class TestMissingRate:
    """SPEC §4.3: a year with no row is an error, never a silent zero."""

    def test_a_day_in_2027_needs_the_2027_row(self) -> None:
        with pytest.raises(MissingRate) as caught:
            calc(M, "2026-11-30", "2027-01-10")
        assert caught.value.year == 2027 and "2027年" in str(caught.value)

    def test_a_due_date_in_2013_with_days_in_2013(self) -> None:
        with pytest.raises(MissingRate, match="2013年"):
            calc(M, "2013-12-30", "2014-01-31")

    def test_a_table_without_the_year(self) -> None:
        table = RateTable([r for r in DEFAULT_RATE_TABLE.values() if r.year != 2025])
        with pytest.raises(MissingRate, match="2025年"):
            calc(M, "2025-06-30", "2025-07-31", rates=table)

    def test_nothing_accrues_so_no_rate_is_needed(self) -> None:
        assert calc(1_999, "2026-11-30", "2030-01-10").total == 0


class TestValidation:
    @pytest.mark.parametrize(
        ("kwargs", "fragment"),
        [
            ({"amount": -1}, "本税額は0円以上"),
            ({"amount": 1000.0}, "本税額は整数"),
            ({"amount": True}, "本税額は整数"),
            ({"amount": "1000"}, "本税額は整数"),
            ({"due": datetime(2025, 6, 30)}, "納期限は日付"),
            ({"until": "2025-09-30"}, "納付日は日付"),
            ({"until": date(2025, 6, 29)}, "納期限（2025-06-30）より前"),
            ({"payments": [(date(2025, 6, 30), 1)]}, "納期限の翌日から納付日まで"),
            ({"payments": [(date(2025, 10, 1), 1)]}, "納期限の翌日から納付日まで"),
            ({"payments": [(date(2025, 7, 1), 0)]}, "1円以上"),
            ({"payments": [(date(2025, 7, 1), 600_000), (date(2025, 8, 1), 400_001)]}, "一部納付の合計（1,000,001円）"),
            ({"payments": [date(2025, 7, 1)]}, "（日付, 金額）"),
            ({"exemptions": [(date(2025, 8, 2), date(2025, 8, 1))]}, "終了日（2025-08-01）が開始日"),
            ({"exemptions": [(date(2025, 8, 2), None)]}, "免除期間の終了日は日付"),
            ({"due": date(1899, 12, 31)}, "範囲"),
        ],
    )
    def test_bad_input_is_refused_in_japanese(self, kwargs: dict[str, object], fragment: str) -> None:
        args: dict[str, object] = {"amount": M, "due": date(2025, 6, 30), "until": date(2025, 9, 30)} | kwargs
        with pytest.raises(ValidationError) as caught:
            compute_entaikin(**args)  # type: ignore[arg-type]
        assert fragment in str(caught.value)


# ---- properties ---------------------------------------------------------------------------------

LAST = date(2026, 12, 31)  # the last year of the seeded table


def _lower(start: date, day: date) -> bool:
    """Independent 民法143条 oracle: no whole month has elapsed between start and day."""
    months = (day.year - start.year) * 12 + day.month - start.month - (1 if day.day < start.day else 0)
    return months == 0


def _exact(amount: int, due: date, until: date, payments: list[tuple[date, int]],
           exemptions: list[tuple[date, date]]) -> tuple[Fraction, int]:
    """Day-by-day exact (untruncated) 延滞金 and the number of accruing days."""
    total, days, day, start = Fraction(0), 0, due + timedelta(days=1), due + timedelta(days=1)
    while day <= until:
        unpaid = amount - sum(y for p, y in payments if p < day)
        base = unpaid - unpaid % 1000
        if base >= 2000 and not any(a <= day <= b for a, b in exemptions):
            rates = DEFAULT_RATE_TABLE.for_year(day.year)
            rate = rates.within_month if _lower(start, day) else rates.after_month
            total += Fraction(base) * Fraction(rate) / 36500
            days += 1
        day += timedelta(days=1)
    return total, days


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, date, date, list[tuple[date, int]], list[tuple[date, date]]]:
    amount = draw(st.integers(0, 5_000_000))
    due = draw(st.dates(date(2014, 1, 1), date(2026, 6, 30)))
    until = draw(st.dates(due, min(LAST, due + timedelta(days=900))))
    payments: list[tuple[date, int]] = []
    left = amount
    if until > due:
        for _ in range(draw(st.integers(0, 3))):
            if left < 1:
                break
            yen = draw(st.integers(1, left))
            payments.append((draw(st.dates(due + timedelta(days=1), until)), yen))
            left -= yen
    exemptions = []
    for _ in range(draw(st.integers(0, 2))):
        a = draw(st.dates(due - timedelta(days=30), until))
        exemptions.append((a, draw(st.dates(a, a + timedelta(days=120)))))
    return amount, due, until, payments, exemptions


def _run(case: tuple[int, date, date, list[tuple[date, int]], list[tuple[date, date]]]) -> EntaikinResult:
    amount, due, until, payments, exemptions = case
    return compute_entaikin(amount=amount, due=due, until=until, payments=payments, exemptions=exemptions)


class TestProperties:
    def test_a_worked_case_where_a_payment_joins_two_segments_and_truncation_gives_back_a_yen(self) -> None:
        # 6,354 円 due 2026-05-03; paid 1 円 (05-04), 1,353 円 (05-27), 1 円 (06-01). The 06-01
        # payment drops the base from 5,000 to 4,000: 5,000 × 2.8% × 5/365 = 1.91 → 1 円 and
        # 4,000 × 2.8% × 2/365 = 0.61 → 0 円. One more yen on 05-04 puts the base at 4,000 from
        # 05-28: 4,000 × 2.8% × 7/365 = 2.14 → 2 円. The exact charge fell; the truncated sum rose by 1.
        before = calc(6_354, "2026-05-03", "2026-06-03", (("2026-05-04", 1), ("2026-06-01", 1), ("2026-05-27", 1_353)))
        after = calc(6_354, "2026-05-03", "2026-06-03",
                     (("2026-05-04", 2), ("2026-06-01", 1), ("2026-05-27", 1_353)))
        assert (before.raw_total, after.raw_total) == (12, 13)
        assert (before.total, after.total) == (0, 0)

    @settings(max_examples=150, deadline=None)
    @given(cases())
    def test_20_4_2_total_is_zero_or_a_multiple_of_100_of_at_least_1000(self, case) -> None:  # type: ignore[no-untyped-def]
        r = _run(case)
        assert r.total >= 0 and r.total % 100 == 0 and (r.total == 0 or r.total >= 1000)
        assert r.raw_total == sum(s.amount for s in r.segments)
        assert r.total == (0 if r.raw_total < 1000 else r.raw_total - r.raw_total % 100)

    @settings(max_examples=150, deadline=None)
    @given(cases())
    def test_per_segment_truncation_loses_less_than_one_yen_per_segment(self, case) -> None:  # type: ignore[no-untyped-def]
        r = _run(case)
        exact, days = _exact(*case)
        if r.segments:
            assert 0 <= exact - r.raw_total < len(r.segments)
        else:
            assert exact == r.raw_total == 0
        assert sum(s.days for s in r.segments) == days

    @settings(max_examples=150, deadline=None)
    @given(cases())
    def test_segments_are_ordered_disjoint_inside_the_period_and_well_formed(self, case) -> None:  # type: ignore[no-untyped-def]
        amount, due, until, payments, exemptions = case
        r = _run(case)
        tier_end = one_month_elapsed(due)
        for s in r.segments:
            assert due < s.start <= s.end <= until and s.days == (s.end - s.start).days + 1
            assert s.start.year == s.end.year  # split at 1 January
            assert s.end <= tier_end or s.start > tier_end  # split at the one-month boundary
            rates = DEFAULT_RATE_TABLE.for_year(s.start.year)
            assert s.rate == (rates.within_month if s.start <= tier_end else rates.after_month)
            assert s.base % 1000 == 0 and s.base >= 2000
            assert s.amount == s.base * s.rate * s.days // 36500
        for a, b in zip(r.segments, r.segments[1:]):
            assert a.end < b.start
        if amount >= 2000 and not payments and not exemptions and until > due:
            assert r.segments[0].start == due + timedelta(days=1) and r.segments[-1].end == until
            assert all(a.end + timedelta(days=1) == b.start for a, b in zip(r.segments, r.segments[1:]))

    @settings(max_examples=150, deadline=None)
    @given(cases(), st.integers(0, 400))
    def test_326_a_later_payment_date_never_lowers_the_total(self, case, later: int) -> None:  # type: ignore[no-untyped-def]
        amount, due, until, payments, exemptions = case
        later_until = min(LAST, until + timedelta(days=later))
        before = _run(case)
        after = compute_entaikin(amount=amount, due=due, until=later_until, payments=payments, exemptions=exemptions)
        assert after.raw_total >= before.raw_total and after.total >= before.total

    @settings(max_examples=150, deadline=None)
    @given(cases(), st.data())
    def test_326_2_a_partial_payment_never_raises_the_charge(self, case, data) -> None:  # type: ignore[no-untyped-def]
        amount, due, until, payments, exemptions = case
        left = amount - sum(y for _, y in payments)
        if until == due or left < 1:
            return
        extra = (data.draw(st.dates(due + timedelta(days=1), until)), data.draw(st.integers(1, left)))
        with_extra = compute_entaikin(amount=amount, due=due, until=until, payments=[*payments, extra],
                                      exemptions=exemptions)
        without = _run(case)
        # The charge itself never rises: the exact amount is monotone in the base …
        assert _exact(amount, due, until, [*payments, extra], exemptions)[0] <= _exact(*case)[0]
        # … while the per-segment truncation (SPEC §4.3) can give back what a split stretch
        # lost: e.g. 5,000 円 for 5 days + 4,000 円 for 2 days (1 + 0 円) against 4,000 円 for
        # 7 days (2 円). Never more than one yen per segment of the payment-free computation.
        assert with_extra.raw_total < without.raw_total + max(1, len(without.segments))

    @settings(max_examples=100, deadline=None)
    @given(cases(), st.data())
    def test_15_9_an_exemption_never_raises_the_charge(self, case, data) -> None:  # type: ignore[no-untyped-def]
        amount, due, until, payments, exemptions = case
        a = data.draw(st.dates(due, until))
        extra = (a, data.draw(st.dates(a, a + timedelta(days=60))))
        with_extra = compute_entaikin(amount=amount, due=due, until=until, payments=payments,
                                      exemptions=[*exemptions, extra])
        without = _run(case)
        assert _exact(amount, due, until, payments, [*exemptions, extra])[0] <= _exact(*case)[0]
        assert with_extra.raw_total < without.raw_total + max(1, len(without.segments))


class TestSegmentYenInIntegers:
    """segment_yen is ``base × rate% × days / 365`` truncated — checked against Decimal at 60 digits."""

    @staticmethod
    def _decimal(base: int, rate: Decimal, days: int) -> int:
        from decimal import ROUND_DOWN, localcontext

        with localcontext() as ctx:
            ctx.prec = 60
            return int((Decimal(base) * rate * days / 36500).to_integral_value(rounding=ROUND_DOWN))

    @settings(max_examples=400, deadline=None)
    @given(st.integers(0, 10**12), st.decimals(min_value=Decimal("0"), max_value=Decimal("14.6"), places=3),
           st.integers(0, 400))
    def test_it_equals_the_decimal_truncation(self, base: int, rate: Decimal, days: int) -> None:
        from core.rules.entaikin import segment_yen

        assert segment_yen(base, rate, days) == self._decimal(base, rate, days)

    def test_a_worked_case(self) -> None:
        from core.rules.entaikin import segment_yen

        # 1,234,000 × 8.7% × 31 / 365 = 9,118.15… → 9,118
        assert segment_yen(1_234_000, Decimal("8.7"), 31) == 9_118


class TestRememberedPlainCase:
    """Without partial payments or exemptions the result depends on the truncated base alone
    (20条の4の2②), so it is remembered; it must equal the general computation."""

    @settings(max_examples=200, deadline=None)
    @given(st.integers(2_000, 50_000_000), st.dates(date(2022, 1, 1), date(2025, 12, 1)), st.integers(0, 700))
    def test_the_remembered_result_is_the_computed_one(self, amount: int, due: date, days: int) -> None:
        from core.rules.entaikin import _compute

        until = min(due + timedelta(days=days), date(2026, 12, 31))
        assert compute_entaikin(amount=amount, due=due, until=until) == _compute(amount, due, until, {}, [],
                                                                                  DEFAULT_RATE_TABLE)

    def test_equal_rate_tables_are_one_key_and_a_changed_rate_another(self) -> None:
        same = RateTable(list(DEFAULT_RATE_TABLE.values()))
        changed = DEFAULT_RATE_TABLE.with_year(YearRates(2025, Decimal("2.5"), Decimal("8.7"), Decimal("0.9")))
        assert same == DEFAULT_RATE_TABLE and hash(same) == hash(DEFAULT_RATE_TABLE)
        assert changed != DEFAULT_RATE_TABLE
        first = compute_entaikin(amount=M, due=d("2025-01-31"), until=d("2025-02-20"))
        again = compute_entaikin(amount=M, due=d("2025-01-31"), until=d("2025-02-20"), rates=changed)
        assert again.raw_total > first.raw_total  # 2.5% is not served the 2.4% result
