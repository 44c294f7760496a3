"""Hostile input typed by a clerk: every input parser returns a value or raises its typed error.

Dates, amounts, kana, My Number and corporate numbers, codes (宛名番号, 通知書番号,
期別, 税目, 年度, 収納経路, 架電日時) and the search form are fed anything at all
(random text, full-width forms, control and format characters, SQL, markup,
thousands of digits) and well-formed values in every accepted notation. The
property for random text: the parser returns, or raises a ``ValueError`` of the
expected class (the core's :class:`ValidationError` family; argparse's
``ArgumentTypeError`` for command-line dates) — never ``TypeError``,
``IndexError``, an ``int()`` overflow or a regex error. For valid values: they
are accepted and round-trip (format → parse gives the same value).

Each example run is counted per parser (:mod:`tests.reliability.fuzzcount`).
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.dates import DateParseError, format_wareki, parse_date
from core.errors import ValidationError
from core.identifiers import (
    IdentifierError,
    make_corporate_number,
    make_my_number,
    mask_my_number,
    normalize_corporate_number,
    normalize_my_number,
)
from core.security.permissions import Actor, Permission
from core.services.taxpayer_search import SearchForm, search_taxpayers
from core.text.kana import (
    is_bank_kana,
    is_kana_name,
    kana_search_key,
    split_kana_name,
    to_bank_halfwidth_kana,
)
from storage.files import fields
from storage.files.assessments_csv import parse_fiscal_year, parse_tax_code
from storage.files.callcenter import parse_called_at
from storage.files.fields import FieldError
from storage.files.payments_csv import parse_channel
from tests.factories import person
from tests.fakes import FakeUnitOfWork
from tests.reliability.fuzzcount import ran
from tests.reliability.scale import fuzz_examples
from tui.commands.args import date_arg
from tui.commands.calc import parse_payment
from tui.commands.calc import parse_yen as calc_parse_yen
from tui.screens.case_forms import _pick, _yen
from tui.screens.counter import parse_yen as counter_parse_yen

FUZZ = settings(max_examples=fuzz_examples(), deadline=None, suppress_health_check=list(HealthCheck))

HOSTILE: tuple[str, ...] = (
    "", " ", "\u3000", "\x00", "\x1b[31m", "\x1b]0;t\x07", "\u202e", "\u200f", "\ufeff", "'; DROP TABLE taxpayers; --",
    "[bold red]x[/]", "9" * 5000, "1" * 4301, "０" * 300, "-1", "+1", "1e9", "NaN", "²", "١٢٣", "一二三", "Ⅻ", "½",
    "12,34", ",123", "1,,234", "１２，３４５円", "12345円", "¥12,345", "R", "令和", "元", "R元.5.1", "H31.4.31",
    "S0.1.1", "T15.12.25", "R99.12.31", "2025-13-01", "2025/2/29", "2024年2月29日", "20250230", "r7.6.27",
    "ｒ７．６．２７", "令和７年６月２７日", "9999-99-99", "0000-00-00", "R7.6.27.1", "ﾔﾏﾀﾞ", "ヤマダ\x00タロウ",
)
DIGITS_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
ANY_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet="0123456789０１２３４５６７８９,，.-/年月日元令和平成昭和大正RHSTrhst円 ", max_size=16),
    st.integers(-(10**30), 10**30).map(str),
    st.characters().map(lambda c: c * 3),
)
DAYS = st.dates(min_value=date(1912, 7, 30), max_value=date(2200, 12, 31))


def refuses_only_with(error: type[Exception] | tuple[type[Exception], ...], parse: Callable[[str], object],
                      text: str) -> object | None:
    """``parse(text)``; its typed *error* → None; any other exception fails the test."""
    try:
        return parse(text)
    except error as exc:
        assert str(exc).strip(), "a refusal without a message"
        return None


class TestDates:
    @FUZZ
    @given(ANY_TEXT)
    def test_any_text_is_a_date_or_a_date_parse_error(self, text: str) -> None:
        ran("date (core.dates.parse_date)")
        value = refuses_only_with(DateParseError, parse_date, text)
        assert value is None or isinstance(value, date)

    @FUZZ
    @given(DAYS, st.sampled_from(("iso", "slash", "kanji", "compact", "wareki", "short", "full-width")))
    def test_every_notation_of_a_day_parses_back_to_that_day(self, day: date, notation: str) -> None:
        ran("date (core.dates.parse_date)")
        text = {
            "iso": day.isoformat(), "slash": f"{day.year}/{day.month}/{day.day}",
            "kanji": f"{day.year}年{day.month}月{day.day}日", "compact": day.strftime("%Y%m%d"),
            "wareki": format_wareki(day), "short": format_wareki(day, short=True),
            "full-width": format_wareki(day, short=True).translate(DIGITS_FULL),
        }[notation]
        if notation in ("wareki", "short", "full-width") and day.year - 1988 > 99 and day >= date(2019, 5, 1):
            assert refuses_only_with(DateParseError, parse_date, text) in (None, day)  # 令和100年: 3 digits
            return
        assert parse_date(text) == day

    @FUZZ
    @given(ANY_TEXT)
    def test_a_command_line_date_is_a_date_or_an_argparse_type_error(self, text: str) -> None:
        ran("date (tui.commands.args.date_arg)")
        refuses_only_with(argparse.ArgumentTypeError, date_arg, text)

    @FUZZ
    @given(ANY_TEXT)
    def test_a_file_date_cell_is_a_date_in_range_or_a_field_error(self, text: str) -> None:
        ran("date (storage.files.fields.date_field)")
        value = refuses_only_with(FieldError, fields.optional_date, text)
        assert value is None or fields.FIRST_DATE <= value <= fields.LAST_DATE  # type: ignore[operator]


class TestAmounts:
    @FUZZ
    @given(ANY_TEXT, st.sampled_from((0, 1)))
    def test_any_file_amount_is_yen_in_range_or_a_field_error(self, text: str, minimum: int) -> None:
        ran("amount (storage.files.fields.amount)")
        value = refuses_only_with(FieldError, lambda t: fields.amount(t, minimum=minimum), text)
        assert value is None or minimum <= value < fields.MAX_AMOUNT  # type: ignore[operator]

    @FUZZ
    @given(st.integers(0, fields.MAX_AMOUNT - 1), st.sampled_from(("plain", "commas", "full-width", "padded")))
    def test_every_notation_of_an_amount_parses_back_to_it(self, yen: int, notation: str) -> None:
        ran("amount (storage.files.fields.amount)")
        text = {"plain": str(yen), "commas": f"{yen:,}", "full-width": f"{yen:,}".translate(DIGITS_FULL),
                "padded": f"  {yen:,} "}[notation]
        assert fields.amount(text, minimum=0) == yen

    @FUZZ
    @given(ANY_TEXT)
    def test_the_counter_amount_is_yen_or_none(self, text: str) -> None:
        ran("amount (tui counter parse_yen)")
        value = counter_parse_yen(text)  # the screen shows 「金額は数字で」 for None: no exception at all
        assert value is None or (isinstance(value, int) and 0 <= value < fields.MAX_AMOUNT)

    @FUZZ
    @given(st.integers(0, fields.MAX_AMOUNT - 1))
    def test_the_counter_reads_what_a_clerk_types_with_commas_or_full_width(self, yen: int) -> None:
        ran("amount (tui counter parse_yen)")
        assert counter_parse_yen(f"{yen:,}") == yen == counter_parse_yen(f"{yen:,}".translate(DIGITS_FULL))

    @pytest.mark.parametrize("field", ["yen", "pick"])
    @FUZZ
    @given(text=ANY_TEXT)
    def test_a_case_form_amount_or_choice_is_a_value_or_a_japanese_value_error(self, text: str, field: str) -> None:
        ran(f"case form {'amount (_yen)' if field == 'yen' else 'choice (_pick)'} (tui)")
        try:
            value = _yen(text, "見積額", optional=True) if field == "yen" else _pick(text, ("a", "b", "c"), "種類")
        except ValueError as exc:
            assert "見積額" in str(exc) or "種類" in str(exc), "an English or value-echoing message"
            return
        assert value is None or isinstance(value, int | str)

    @FUZZ
    @given(ANY_TEXT)
    def test_a_calculator_amount_is_yen_or_a_validation_error(self, text: str) -> None:
        ran("amount (nozei calc --amount)")
        refuses_only_with(ValidationError, lambda t: calc_parse_yen(t, option="--amount"), text)

    @FUZZ
    @given(ANY_TEXT, ANY_TEXT)
    def test_a_calculator_payment_is_a_day_and_yen_or_a_validation_error(self, day: str, yen: str) -> None:
        ran("date:amount (nozei calc --payment)")
        refuses_only_with(ValidationError, parse_payment, f"{day}:{yen}")


KANA_LETTERS = "アイウエオカキクケコガギグゲゴサシスセソタチツテトナニヌネノハヒフヘホバパマミムメモヤユヨラリルレロワヲンヴァィゥェォッャュョ"
HIRAGANA = "あいうえおかきくけこがぎぐげごさしすせそたちつてとなにぬねのはひふへほばぱまみむめもやゆよらりるれろわをんぁぃぅぇぉっゃゅょ"
KANA_NAMES = st.builds(lambda a, b, sep: f"{a}{sep}{b}", st.text(alphabet=KANA_LETTERS + HIRAGANA, min_size=1, max_size=8),
                       st.text(alphabet=KANA_LETTERS + HIRAGANA, min_size=1, max_size=8), st.sampled_from((" ", "\u3000", "", "・")))


class TestKana:
    @FUZZ
    @given(ANY_TEXT)
    def test_kana_functions_never_raise_on_any_text(self, text: str) -> None:
        ran("kana (core.text.kana)")
        assert isinstance(is_kana_name(text), bool)
        key = kana_search_key(text)
        assert kana_search_key(key) == key
        surname, given_name = split_kana_name(text)
        assert surname in text and given_name in text
        halfwidth = refuses_only_with(ValueError, lambda t: to_bank_halfwidth_kana(t, strict=True), text)
        assert halfwidth is None or is_bank_kana(halfwidth)  # type: ignore[arg-type]

    @FUZZ
    @given(KANA_NAMES)
    def test_a_kana_name_is_accepted_and_keeps_its_key_through_the_bank_round_trip(self, name: str) -> None:
        ran("kana (core.text.kana)")
        assert is_kana_name(name)
        halfwidth = to_bank_halfwidth_kana(name, strict=True)
        assert is_bank_kana(halfwidth)
        assert kana_search_key(halfwidth) == kana_search_key(to_bank_halfwidth_kana(kana_search_key(name)))


ELEVEN = st.integers(0, 10**11 - 1).map(lambda n: f"{n:011d}")
TWELVE = st.integers(0, 10**12 - 1).map(lambda n: f"{n:012d}")
NOTATIONS = st.sampled_from(("plain", "hyphens", "spaces", "full-width", "ideographic"))


def written(number: str, notation: str) -> str:
    groups = [number[i:i + 4] for i in range(0, len(number), 4)]
    return {"plain": number, "hyphens": "-".join(groups), "spaces": " ".join(groups),
            "full-width": number.translate(DIGITS_FULL), "ideographic": "\u3000".join(groups).translate(DIGITS_FULL)
            }[notation]


class TestMyNumber:
    @FUZZ
    @given(ANY_TEXT)
    def test_any_text_is_a_my_number_or_an_identifier_error_that_does_not_repeat_it(self, text: str) -> None:
        ran("My Number (core.identifiers)")
        try:
            value = normalize_my_number(text)
        except IdentifierError as exc:
            assert len(text.strip()) < 4 or text not in str(exc)
            return
        assert len(value) == 12 and value.isascii() and value.isdigit()
        assert mask_my_number(value) == f"****-****-{value[-4:]}"

    @FUZZ
    @given(ELEVEN, NOTATIONS)
    def test_a_valid_number_in_any_notation_normalises_to_its_twelve_digits(self, first11: str, notation: str) -> None:
        ran("My Number (core.identifiers)")
        number = make_my_number(first11)
        assert normalize_my_number(written(number, notation)) == number

    @FUZZ
    @given(ELEVEN, st.integers(1, 9))
    def test_a_wrong_check_digit_is_always_refused(self, first11: str, shift: int) -> None:
        ran("My Number (core.identifiers)")
        number = make_my_number(first11)
        wrong = number[:11] + str((int(number[11]) + shift) % 10)
        assert refuses_only_with(IdentifierError, normalize_my_number, wrong) is None

    @FUZZ
    @given(st.one_of(ANY_TEXT, TWELVE.map(lambda n: "1" + n)), NOTATIONS)
    def test_a_corporate_number_is_thirteen_digits_or_an_identifier_error(self, text: str, notation: str) -> None:
        ran("corporate number (core.identifiers)")
        value = refuses_only_with(IdentifierError, normalize_corporate_number, written(text, notation)
                                  if text.isascii() and text.isdigit() else text)
        assert value is None or len(value) == 13  # type: ignore[arg-type]

    @FUZZ
    @given(TWELVE, NOTATIONS)
    def test_a_valid_corporate_number_in_any_notation_normalises_to_its_digits(self, base12: str, notation: str) -> None:
        ran("corporate number (core.identifiers)")
        number = make_corporate_number(base12)
        assert normalize_corporate_number(written(number, notation)) == number


#: 宛名番号, 通知書番号, 金融機関コード, 期別, 税目, 年度, 収納経路, 架電日時 and free text (氏名, 住所…).
CODE_PARSERS: dict[str, Callable[[str], object]] = {
    "atena_no": lambda t: fields.ascii_code(t, 20, "宛名番号", required=True),
    "notice_no": lambda t: fields.notice_no(t, required=True),
    "bank_code": lambda t: fields.digit_code(t, 4, "金融機関コード"),
    "period": lambda t: fields.period(t, required=True),
    "tax_code": parse_tax_code,
    "fiscal_year": parse_fiscal_year,
    "channel": parse_channel,
    "called_at": parse_called_at,
    "text_field": lambda t: fields.text_field(t, 100, "氏名", required=True),
}


class TestCodes:
    @pytest.mark.parametrize("parser", sorted(CODE_PARSERS))
    @FUZZ
    @given(text=ANY_TEXT)
    def test_any_text_is_a_code_or_a_field_error(self, parser: str, text: str) -> None:
        ran(f"code: {parser}")
        value = refuses_only_with(FieldError, CODE_PARSERS[parser], text)
        if parser in ("atena_no", "notice_no") and value is not None:
            assert value.isascii() and value.isalnum()  # type: ignore[union-attr]
        if parser == "text_field" and value is not None:
            assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in value)  # type: ignore[union-attr]

    @FUZZ
    @given(st.integers(1950, 2200), st.sampled_from(("western", "wareki", "full-width", "nendo")))
    def test_a_fiscal_year_in_any_notation_parses_back_to_it(self, year: int, notation: str) -> None:
        ran("code: fiscal_year")
        era, era_year = ("令和", year - 2018) if year >= 2019 else ("平成", year - 1988) if year >= 1989 else ("昭和", year - 1925)
        if notation == "western":
            text = str(year)
        elif era_year > 99:
            text = f"{year}年度"
        else:
            text = {"wareki": f"{era}{era_year}", "full-width": f"{era}{era_year}".translate(DIGITS_FULL),
                    "nendo": f"{era}{'元' if era_year == 1 else era_year}年度"}[notation]
        assert parse_fiscal_year(text) == year


SEARCH_FIELDS = ("atena_no", "notice_no", "my_number", "kana_name", "kana_surname", "birth_date", "phone")
SEARCHER = Actor("fuzz-searcher", frozenset({Permission.TAXPAYER_SEARCH, Permission.MYNUMBER_SEARCH}))


class TestTheTaxpayerSearchForm:
    @FUZZ
    @given(st.dictionaries(st.sampled_from(SEARCH_FIELDS), ANY_TEXT, max_size=3))
    def test_any_form_is_searched_or_refused_with_a_validation_error_and_nothing_typed_is_audited(
            self, typed: dict[str, str]) -> None:
        ran("search form (core.services.taxpayer_search)")
        uow = FakeUnitOfWork()
        uow.taxpayers.add(person(1))
        try:
            search_taxpayers(uow, SEARCHER, SearchForm(**typed))
        except ValidationError:
            assert uow.audit.events == []
            return
        [(_, event)] = uow.audit.events
        # What the event may hold: the kinds of criteria (field names), counts and flags.
        assert set(event.details) <= {"kinds", "count", "has_more", "offset"}
        assert set(event.details.get("kinds", [])) <= set(SEARCH_FIELDS)
        assert all(isinstance(event.details[k], int) for k in ("count", "offset") if k in event.details)
