"""Tests for core.identifiers (SPEC §4.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.identifiers import (
    IdentifierError,
    corporate_number_check_digit,
    is_valid_corporate_number,
    is_valid_my_number,
    make_corporate_number,
    make_my_number,
    mask_my_number,
    my_number_check_digit,
    normalize_corporate_number,
    normalize_my_number,
)

NTA_CORPORATE_NUMBER = "7000012050002"  # 国税庁
SAMPLE_MY_NUMBER = "123456789018"

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)
twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


def _my_number_remainder(first11: str) -> int:
    digits = [int(c) for c in reversed(first11)]
    return sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, 1)) % 11


class TestMyNumberCheckDigit:
    @pytest.mark.parametrize(
        ("first11", "check"),
        [
            # 1·2+0·3+9·4+8·5+7·6+6·7+5·2+4·3+3·4+2·5+1·6 = 212; 212 mod 11 = 3 → 8
            ("12345678901", 8),
            ("00000000000", 0),  # r = 0
            ("00000000006", 0),  # 6·2 = 12, r = 1
            ("00000000001", 9),  # 1·2 = 2 → 11 − 2
            ("10000000000", 5),  # 1·6 = 6 → 11 − 6
            ("00000100000", 4),  # 1·7 = 7 → 11 − 7
            ("00000000010", 8),  # 1·3 = 3 → 11 − 3
            ("99999999999", 6),  # 9·(2+3+4+5+6+7+2+3+4+5+6) = 423, r = 5 → 11 − 5
        ],
    )
    def test_worked_examples_give_the_statutory_check_digit(self, first11: str, check: int) -> None:
        assert my_number_check_digit(first11) == check

    @pytest.mark.parametrize(
        "bad", ["", "1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"]
    )
    def test_input_other_than_eleven_ascii_digits_is_refused(self, bad: str) -> None:
        with pytest.raises(IdentifierError):
            my_number_check_digit(bad)


class TestMyNumberValidation:
    @pytest.mark.parametrize(
        ("text", "normalized"),
        [
            (SAMPLE_MY_NUMBER, SAMPLE_MY_NUMBER),
            ("1234 5678 9018", SAMPLE_MY_NUMBER),
            ("1234-5678-9018", SAMPLE_MY_NUMBER),
            ("１２３４５６７８９０１８", SAMPLE_MY_NUMBER),
            ("１２３４－５６７８－９０１８", SAMPLE_MY_NUMBER),
            ("１２３４　５６７８　９０１８", SAMPLE_MY_NUMBER),
            ("000000000000", "000000000000"),
            ("000000000060", "000000000060"),
        ],
    )
    def test_valid_numbers_are_accepted_in_any_usual_notation(
        self, text: str, normalized: str
    ) -> None:
        assert is_valid_my_number(text)
        assert normalize_my_number(text) == normalized

    @pytest.mark.parametrize(
        "text",
        ["", "12345678901", "1234567890189", "12345678901a", "abcdefghijkl", "12345678901８x"],
    )
    def test_wrong_length_or_letters_are_refused(self, text: str) -> None:
        assert not is_valid_my_number(text)
        with pytest.raises(IdentifierError, match="個人番号は12桁の数字です"):
            normalize_my_number(text)

    @pytest.mark.parametrize(
        "text", ["123456789010", "123456789017", "123456789019", "213456789018"]
    )
    def test_a_wrong_check_digit_is_refused(self, text: str) -> None:
        assert not is_valid_my_number(text)
        with pytest.raises(IdentifierError, match="個人番号の検査用数字が一致しません"):
            normalize_my_number(text)

    def test_identifier_error_is_a_value_error(self) -> None:
        assert issubclass(IdentifierError, ValueError)

    @given(eleven_digits)
    def test_make_my_number_always_yields_a_valid_number(self, first11: str) -> None:
        number = make_my_number(first11)
        assert len(number) == 12 and number.startswith(first11)
        assert is_valid_my_number(number)

    @given(eleven_digits, st.integers(0, 11), st.integers(1, 9))
    def test_a_single_digit_corruption_is_detected_unless_the_remainder_moves_between_0_and_1(
        self, first11: str, position: int, delta: int
    ) -> None:
        number = make_my_number(first11)
        new = str((int(number[position]) + delta) % 10)
        corrupted = number[:position] + new + number[position + 1 :]
        undetectable = position < 11 and {
            _my_number_remainder(number[:11]),
            _my_number_remainder(corrupted[:11]),
        } == {0, 1}
        assert is_valid_my_number(corrupted) == undetectable

    def test_the_check_digit_cannot_tell_remainders_0_and_1_apart(self) -> None:
        # 000000000060 (r = 1) and 900000000060 (r = 0) differ in one digit, both valid.
        assert is_valid_my_number("000000000060")
        assert is_valid_my_number("900000000060")

    @given(twelve_digits)
    def test_exactly_one_check_digit_makes_a_number_valid(self, number: str) -> None:
        assert is_valid_my_number(number) == (my_number_check_digit(number[:11]) == int(number[11]))


class TestMaskMyNumber:
    @pytest.mark.parametrize(
        "text", [SAMPLE_MY_NUMBER, "1234-5678-9018", "１２３４ ５６７８ ９０１８"]
    )
    def test_only_the_last_four_digits_are_shown(self, text: str) -> None:
        assert mask_my_number(text) == "****-****-9018"

    @pytest.mark.parametrize("text", ["", "9018", "12345678901"])
    def test_text_that_is_not_twelve_digits_is_refused(self, text: str) -> None:
        with pytest.raises(IdentifierError):
            mask_my_number(text)


class TestCorporateNumberCheckDigit:
    @pytest.mark.parametrize(
        ("base12", "check"),
        [
            # 2·1+0·2+0·1+0·2+5·1+0·2+2·1+1·2 = 11; 11 mod 9 = 2 → 7 (国税庁)
            ("000012050002", 7),
            ("000000000000", 9),  # 0 mod 9 = 0 → 9
            ("000000000001", 8),  # 1·1
            ("000000000010", 7),  # 1·2
            ("100000000000", 7),  # n = 12, even → 1·2
            ("000000000009", 9),  # 9 mod 9 = 0
            ("999999999999", 9 - (9 * 18) % 9),
            ("123456789012", 9 - (2 + 2 + 0 + 18 + 8 + 14 + 6 + 10 + 4 + 6 + 2 + 2) % 9),
        ],
    )
    def test_worked_examples_give_the_published_check_digit(self, base12: str, check: int) -> None:
        assert corporate_number_check_digit(base12) == check

    @pytest.mark.parametrize("bad", ["", "00001205000", "0000120500021", "00001205000x"])
    def test_input_other_than_twelve_ascii_digits_is_refused(self, bad: str) -> None:
        with pytest.raises(IdentifierError):
            corporate_number_check_digit(bad)


class TestCorporateNumberValidation:
    @pytest.mark.parametrize(
        "text", [NTA_CORPORATE_NUMBER, "7-0000-1205-0002", "７０００ ０１２０ ５０００２"]
    )
    def test_the_national_tax_agency_number_is_valid(self, text: str) -> None:
        assert is_valid_corporate_number(text)
        assert normalize_corporate_number(text) == NTA_CORPORATE_NUMBER

    @pytest.mark.parametrize("text", ["", "000012050002", "70000120500021", "7000012O50002"])
    def test_wrong_length_or_letters_are_refused(self, text: str) -> None:
        assert not is_valid_corporate_number(text)
        with pytest.raises(IdentifierError, match="法人番号は13桁の数字です"):
            normalize_corporate_number(text)

    @pytest.mark.parametrize("text", ["1000012050002", "8000012050002", "7000012050003"])
    def test_a_wrong_check_digit_is_refused(self, text: str) -> None:
        assert not is_valid_corporate_number(text)
        with pytest.raises(IdentifierError, match="法人番号の検査用数字が一致しません"):
            normalize_corporate_number(text)

    def test_make_corporate_number_prepends_the_check_digit(self) -> None:
        assert make_corporate_number("000012050002") == NTA_CORPORATE_NUMBER

    @given(twelve_digits)
    def test_make_corporate_number_always_yields_a_valid_number(self, base12: str) -> None:
        number = make_corporate_number(base12)
        assert len(number) == 13 and number.endswith(base12)
        assert is_valid_corporate_number(number)

    @given(twelve_digits, st.integers(0, 12), st.integers(1, 9))
    def test_a_single_digit_corruption_is_detected_unless_it_swaps_0_and_9(
        self, base12: str, position: int, delta: int
    ) -> None:
        number = make_corporate_number(base12)
        old = int(number[position])
        new = (old + delta) % 10
        corrupted = number[:position] + str(new) + number[position + 1 :]
        undetectable = position > 0 and {old, new} == {0, 9}
        assert is_valid_corporate_number(corrupted) == undetectable

    @given(st.text(alphabet="12345678", min_size=12, max_size=12))
    def test_a_corruption_other_than_0_and_9_is_always_detected(self, base12: str) -> None:
        number = make_corporate_number(base12)
        for position in range(13):
            for digit in "12345678":
                if digit != number[position]:
                    corrupted = number[:position] + digit + number[position + 1 :]
                    assert not is_valid_corporate_number(corrupted)
