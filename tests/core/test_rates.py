"""The calendar-year rate table (地方税法附則3条の2, SPEC §4.3): data, never a silent zero."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.errors import NozeiError, ValidationError
from core.rules.rates import (
    DEFAULT_RATE_TABLE,
    DEFAULT_RATES,
    STATUTORY_AFTER_MONTH,
    STATUTORY_REFUND_INTEREST,
    STATUTORY_WITHIN_MONTH,
    MissingRate,
    RateTable,
    YearRates,
)

#: SPEC §4.3 table, written out year by year: (lower tier, higher tier, 還付加算金).
SPEC_TABLE = {
    2014: ("2.9", "9.2", "1.9"),
    2015: ("2.8", "9.1", "1.8"),
    2016: ("2.8", "9.1", "1.8"),
    2017: ("2.7", "9.0", "1.7"),
    2018: ("2.6", "8.9", "1.6"),
    2019: ("2.6", "8.9", "1.6"),
    2020: ("2.6", "8.9", "1.6"),
    2021: ("2.5", "8.8", "1.0"),
    2022: ("2.4", "8.7", "0.9"),
    2023: ("2.4", "8.7", "0.9"),
    2024: ("2.4", "8.7", "0.9"),
    2025: ("2.4", "8.7", "0.9"),
    2026: ("2.8", "9.1", "1.3"),
}


class TestStatutoryRates:
    def test_326_and_17_4_fix_the_base_rates(self) -> None:
        # 326条①: 7.3% within a month, 14.6% after; 17条の4①: 還付加算金 7.3%.
        assert (STATUTORY_WITHIN_MONTH, STATUTORY_AFTER_MONTH, STATUTORY_REFUND_INTEREST) == (
            Decimal("7.3"), Decimal("14.6"), Decimal("7.3"))


class TestDefaultTable:
    def test_it_is_seeded_with_every_year_of_the_spec_table(self) -> None:
        assert list(DEFAULT_RATE_TABLE) == list(range(2014, 2027))
        assert len(DEFAULT_RATES) == 13
        for year, (within, after, refund) in SPEC_TABLE.items():
            assert DEFAULT_RATE_TABLE.for_year(year) == YearRates(
                year, Decimal(within), Decimal(after), Decimal(refund))

    @pytest.mark.parametrize("year", [2014, 2021, 2026])
    def test_the_higher_tier_is_the_lower_tier_plus_6_3_points(self, year: int) -> None:
        # 附則3条の2①: lower = 特例基準割合 + 1, higher = 特例基準割合 + 7.3 → difference 6.3.
        rates = DEFAULT_RATE_TABLE.for_year(year)
        assert rates.after_month - rates.within_month == Decimal("6.3")

    def test_rates_are_decimals_in_percent(self) -> None:
        rates = DEFAULT_RATE_TABLE[2025]
        assert rates.within_month == Decimal("2.4") and isinstance(rates.within_month, Decimal)


class TestMissingYear:
    @pytest.mark.parametrize("year", [2013, 2027, 1999])
    def test_a_year_without_a_row_is_an_error_naming_the_year(self, year: int) -> None:
        with pytest.raises(MissingRate) as caught:
            DEFAULT_RATE_TABLE.for_year(year)
        assert caught.value.year == year
        assert f"{year}年" in str(caught.value) and "割合" in str(caught.value)
        assert isinstance(caught.value, NozeiError)

    def test_an_empty_table_has_no_year(self) -> None:
        with pytest.raises(MissingRate):
            RateTable().for_year(2025)


class TestImmutability:
    def test_the_table_cannot_be_changed_in_place(self) -> None:
        with pytest.raises(TypeError):
            DEFAULT_RATE_TABLE[2027] = DEFAULT_RATE_TABLE[2026]  # type: ignore[index]
        with pytest.raises(AttributeError):
            DEFAULT_RATE_TABLE[2026].within_month = Decimal(0)  # type: ignore[misc]

    def test_with_year_returns_a_new_table_adding_or_replacing_a_row(self) -> None:
        row_2027 = YearRates(2027, Decimal("2.9"), Decimal("9.2"), Decimal("1.4"))
        extended = DEFAULT_RATE_TABLE.with_year(row_2027)
        assert extended.for_year(2027) == row_2027 and 2027 not in DEFAULT_RATE_TABLE
        corrected = extended.with_year(YearRates(2027, Decimal("3.0"), Decimal("9.3"), Decimal("1.4")))
        assert corrected.for_year(2027).within_month == Decimal("3.0") and len(corrected) == 14


class TestStorageRows:
    def test_rows_round_trip_through_json_without_losing_precision(self) -> None:
        rows = DEFAULT_RATE_TABLE.to_rows()
        assert rows[0] == {"year": 2014, "within_month": "2.9", "after_month": "9.2", "refund_interest": "1.9"}
        assert RateTable.from_rows(json.loads(json.dumps(rows))) == DEFAULT_RATE_TABLE

    def test_integers_and_decimal_strings_are_accepted(self) -> None:
        table = RateTable.from_rows([{"year": 2030, "within_month": 3, "after_month": "9.30",
                                      "refund_interest": Decimal("1.5")}])
        assert table.for_year(2030).after_month == Decimal("9.3")

    @pytest.mark.parametrize(
        ("row", "fragment"),
        [
            ({"year": 2030, "within_month": "-0.1", "after_month": "9", "refund_interest": "1"}, "負"),
            ({"year": 2030, "within_month": "7.4", "after_month": "9", "refund_interest": "1"}, "上限（7.3%）"),
            ({"year": 2030, "within_month": "2", "after_month": "14.7", "refund_interest": "1"}, "上限（14.6%）"),
            ({"year": 2030, "within_month": "2", "after_month": "9", "refund_interest": "7.4"}, "上限（7.3%）"),
            ({"year": 2030, "within_month": "abc", "after_month": "9", "refund_interest": "1"}, "数値ではありません"),
            ({"year": 2030, "within_month": "NaN", "after_month": "9", "refund_interest": "1"}, "数値ではありません"),
            ({"year": 2030, "within_month": 2.4, "after_month": "9", "refund_interest": "1"}, "文字列か整数"),
            ({"year": "2030", "within_month": "2", "after_month": "9", "refund_interest": "1"}, "年が正しくありません"),
            ({"year": 2030, "within_month": "2", "after_month": "9"}, "refund_interest"),
            ({"year": 2030, "within_month": "2", "after_month": "9", "refund_interest": "1", "x": 1}, "不明な項目"),
        ],
    )
    def test_bad_rows_are_refused_in_japanese(self, row: dict[str, object], fragment: str) -> None:
        with pytest.raises(ValidationError) as caught:
            RateTable.from_rows([row])
        assert fragment in str(caught.value)

    def test_the_statutory_caps_themselves_are_allowed(self) -> None:
        table = RateTable.from_rows([{"year": 2030, "within_month": "7.3", "after_month": "14.6",
                                      "refund_interest": "7.3"}])
        assert table.for_year(2030).after_month == STATUTORY_AFTER_MONTH

    def test_a_year_twice_is_refused(self) -> None:
        row = {"year": 2030, "within_month": "2", "after_month": "9", "refund_interest": "1"}
        with pytest.raises(ValidationError, match="重複"):
            RateTable.from_rows([row, row])
