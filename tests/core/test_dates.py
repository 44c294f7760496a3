"""Tests for core.dates (SPEC §4.1)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import (
    ERAS,
    DateParseError,
    era_of,
    format_iso,
    format_wareki,
    parse_date,
    wareki_year,
)

JUNE_27 = date(2025, 6, 27)
all_supported_dates = st.dates(min_value=date(1912, 7, 30), max_value=date(2100, 12, 31))


class TestParseDate:
    @pytest.mark.parametrize(
        "text",
        [
            "2025-06-27",
            "2025-6-27",
            "2025/6/27",
            "2025/06/27",
            "2025.6.27",
            "2025年6月27日",
            "20250627",
            "R7.6.27",
            "R07.06.27",
            "r7.6.27",
            "R7/6/27",
            "令和7年6月27日",
            "令和07年06月27日",
            "令和7年6月27",
            "２０２５－０６－２７",
            "２０２５０６２７",
            "Ｒ７．６．２７",
            "ｒ７．６．２７",
            "令和７年６月２７日",
            "㋿7年6月27日",
            " 2025-06-27 ",
            "令和 7年 6月 27日",
        ],
    )
    def test_every_accepted_form_gives_the_same_day(self, text: str) -> None:
        assert parse_date(text) == JUNE_27

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("令和元年5月1日", date(2019, 5, 1)),
            ("令和1年5月1日", date(2019, 5, 1)),
            ("R元.5.1", date(2019, 5, 1)),
            ("平成元年1月8日", date(1989, 1, 8)),
            ("昭和元年12月25日", date(1926, 12, 25)),
            ("大正元年7月30日", date(1912, 7, 30)),
        ],
    )
    def test_gannen_is_year_one(self, text: str, expected: date) -> None:
        assert parse_date(text) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("H31.4.30", date(2019, 4, 30)),
            ("平成31年4月30日", date(2019, 4, 30)),
            ("h31.4.30", date(2019, 4, 30)),
            ("㍻31年4月30日", date(2019, 4, 30)),
            ("R1.5.1", date(2019, 5, 1)),
            ("S64.1.7", date(1989, 1, 7)),
            ("昭和64年1月7日", date(1989, 1, 7)),
            ("H1.1.8", date(1989, 1, 8)),
            ("S1.12.25", date(1926, 12, 25)),
            ("T15.12.24", date(1926, 12, 24)),
            ("大正15年12月24日", date(1926, 12, 24)),
            ("T1.7.30", date(1912, 7, 30)),
            ("S45.3.15", date(1970, 3, 15)),
        ],
    )
    def test_era_boundaries_are_accepted_inside_the_era(self, text: str, expected: date) -> None:
        assert parse_date(text) == expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("H31.5.1", "平成の範囲外の日付です"),
            ("平成31年5月1日", "平成の範囲外の日付です"),
            ("R1.4.30", "令和の範囲外の日付です"),
            ("S64.1.8", "昭和の範囲外の日付です"),
            ("H1.1.7", "平成の範囲外の日付です"),
            ("S1.12.24", "昭和の範囲外の日付です"),
            ("T1.7.29", "大正の範囲外の日付です"),
            ("T15.12.25", "大正の範囲外の日付です"),
        ],
    )
    def test_wareki_outside_its_era_is_rejected(self, text: str, message: str) -> None:
        with pytest.raises(DateParseError, match=message):
            parse_date(text)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "abc",
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-06-31",
            "20251301",
            "2025062",
            "202506270",
            "R7.2.29",
            "R0.6.27",
            "R7.6",
            "X7.6.27",
            "令和7年6月",
            "25-06-27",
            "2025-06-27T00:00",
            "R7.6.27.1",
        ],
    )
    def test_invalid_text_raises_a_date_parse_error(self, text: str) -> None:
        with pytest.raises(DateParseError):
            parse_date(text)

    def test_a_date_parse_error_is_a_value_error_with_a_japanese_message(self) -> None:
        with pytest.raises(ValueError, match="日付として解釈できません"):
            parse_date("garbage")

    @pytest.mark.parametrize("text", ["1985-02-30", "S60.2.30", "H31.5.1", "19850230x"])
    def test_the_message_never_repeats_the_input_which_may_be_a_birth_date(self, text: str) -> None:
        with pytest.raises(DateParseError) as info:
            parse_date(text)
        message = str(info.value)
        assert text not in message
        assert "30" not in message and "1985" not in message

    def test_a_nonexistent_day_is_named_as_such(self) -> None:
        with pytest.raises(DateParseError, match="存在しない日付です"):
            parse_date("2025-02-29")

    def test_empty_input_says_nothing_was_entered(self) -> None:
        with pytest.raises(DateParseError, match="日付が入力されていません"):
            parse_date("")

    def test_leap_day_in_a_leap_year_is_accepted(self) -> None:
        assert parse_date("R6.2.29") == date(2024, 2, 29)


class TestFormatWareki:
    @pytest.mark.parametrize(
        ("day", "long", "short"),
        [
            (date(2025, 6, 27), "令和7年6月27日", "R7.6.27"),
            (date(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
            (date(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
            (date(1989, 1, 8), "平成元年1月8日", "H1.1.8"),
            (date(1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
            (date(1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
            (date(1926, 12, 24), "大正15年12月24日", "T15.12.24"),
            (date(1912, 7, 30), "大正元年7月30日", "T1.7.30"),
            (date(2100, 12, 31), "令和82年12月31日", "R82.12.31"),
        ],
    )
    def test_dates_are_shown_in_the_era_of_the_day(self, day: date, long: str, short: str) -> None:
        assert format_wareki(day) == long
        assert format_wareki(day, short=True) == short

    def test_dates_before_taisho_cannot_be_shown(self) -> None:
        with pytest.raises(ValueError):
            format_wareki(date(1912, 7, 29))

    @given(all_supported_dates)
    def test_long_form_round_trips_through_parse_date(self, day: date) -> None:
        assert parse_date(format_wareki(day)) == day

    @given(all_supported_dates)
    def test_short_form_round_trips_through_parse_date(self, day: date) -> None:
        assert parse_date(format_wareki(day, short=True)) == day


class TestWarekiYear:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2025, 6, 27), ("令和", 7)),
            (date(2019, 5, 1), ("令和", 1)),
            (date(2019, 4, 30), ("平成", 31)),
            (date(1989, 1, 7), ("昭和", 64)),
            (date(1926, 12, 24), ("大正", 15)),
        ],
    )
    def test_gives_era_name_and_year(self, day: date, expected: tuple[str, int]) -> None:
        assert wareki_year(day) == expected

    @given(all_supported_dates)
    def test_exactly_one_era_contains_each_day(self, day: date) -> None:
        assert sum(era.contains(day) for era in ERAS) == 1
        assert era_of(day).contains(day)


class TestFormatIso:
    def test_gives_zero_padded_iso_text(self) -> None:
        assert format_iso(date(2025, 6, 7)) == "2025-06-07"

    @given(st.dates())
    def test_round_trips_through_parse_date(self, day: date) -> None:
        assert parse_date(format_iso(day)) == day
