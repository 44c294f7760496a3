"""Tests for core.text.kana (SPEC §4.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.text.kana import (
    BANK_KANA_CHARS,
    digits_only,
    is_bank_kana,
    is_kana_name,
    kana_search_key,
    split_kana_name,
    to_bank_halfwidth_kana,
    to_katakana,
)

HIRAGANA = [chr(cp) for cp in range(0x3041, 0x3097)]
KATAKANA = [chr(cp) for cp in range(0x30A1, 0x30FB)]
kana_text = st.text(
    alphabet=st.sampled_from(HIRAGANA + KATAKANA + ["ー", "・", " ", "\u3000", "-"]),
    max_size=20,
)
mixed_text = st.text(
    alphabet=st.sampled_from(
        HIRAGANA + KATAKANA + list("ｱｶﾞﾊﾟｯｬｰ･ー-－～〜 　・ABCabcＡ０１23゛゜\u3099\t")
    ),
    max_size=20,
)


class TestKanaSearchKey:
    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ("ヤマダ タロウ", "ヤマダタロウ"),
            ("やまだ　たろう", "ヤマダタロウ"),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"),
            ("ﾔﾏﾀﾞ\tﾀﾛｳ", "ヤマダタロウ"),
            ("ヤマダ・タロウ", "ヤマダタロウ"),
            ("ﾔﾏﾀﾞ･ﾀﾛｳ", "ヤマダタロウ"),
        ],
    )
    def test_the_same_name_in_any_script_gives_one_key(self, text: str, key: str) -> None:
        assert kana_search_key(text) == key

    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ("ｶﾞｯｺｳ", "ガツコウ"),
            ("ﾊﾟﾝ", "パン"),
            ("ｳﾞｧｲｵﾘﾝ", "ヴアイオリン"),
            ("カ゛ッコウ", "ガツコウ"),
            ("ハ゜ン", "パン"),
        ],
    )
    def test_half_width_and_separate_voiced_marks_compose(self, text: str, key: str) -> None:
        assert kana_search_key(text) == key

    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ("ァィゥェォ", "アイウエオ"),
            ("ッャュョヮヵヶ", "ツヤユヨワカケ"),
            ("ぁぃぅぇぉっゃゅょゎゕゖ", "アイウエオツヤユヨワカケ"),
            ("キャッシュ", "キヤツシユ"),
            ("ㇰㇷ", "クフ"),
        ],
    )
    def test_small_kana_become_large(self, text: str, key: str) -> None:
        assert kana_search_key(text) == key

    @pytest.mark.parametrize(("text", "key"), [("ヴ", "ヴ"), ("ゔ", "ヴ"), ("ｳﾞ", "ヴ")])
    def test_vu_is_kept(self, text: str, key: str) -> None:
        assert kana_search_key(text) == key

    @pytest.mark.parametrize(
        ("text", "key"), [("ヰスキー", "イスキー"), ("ヱビス", "エビス"), ("ヷ", "ヴア")]
    )
    def test_obsolete_kana_read_as_modern_ones(self, text: str, key: str) -> None:
        assert kana_search_key(text) == key

    @pytest.mark.parametrize("dash", ["ー", "ｰ", "‐", "-", "−", "－", "―", "─", "～", "〜"])
    def test_long_vowel_variants_between_kana_become_choonpu(self, dash: str) -> None:
        assert kana_search_key(f"コ{dash}ヒ{dash}") == "コーヒー"

    def test_dash_next_to_latin_is_kept(self) -> None:
        assert kana_search_key("ABC-ストア") == "ABC-ストア"

    def test_latin_is_upper_cased_after_nfkc(self) -> None:
        assert kana_search_key("ａｂｃ　しょうじ") == "ABCシヨウジ"

    def test_digits_are_kept(self) -> None:
        assert kana_search_key("だい２ビル") == "ダイ2ビル"

    def test_empty_text_gives_empty_key(self) -> None:
        assert kana_search_key("") == ""

    @given(mixed_text)
    def test_key_is_idempotent_on_kana_like_text(self, text: str) -> None:
        key = kana_search_key(text)
        assert kana_search_key(key) == key

    @given(st.text(max_size=20))
    def test_key_is_idempotent_on_any_text(self, text: str) -> None:
        key = kana_search_key(text)
        assert kana_search_key(key) == key

    @given(st.text(alphabet=st.sampled_from(HIRAGANA), max_size=20))
    def test_hiragana_katakana_and_half_width_forms_give_the_same_key(self, text: str) -> None:
        katakana = to_katakana(text)
        half = to_bank_halfwidth_kana(text)
        assert kana_search_key(text) == kana_search_key(katakana) == kana_search_key(half)


class TestIsKanaName:
    @pytest.mark.parametrize(
        "text",
        ["ヤマダ タロウ", "やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "ジョン・スミス", "スズキ ハルカー", "ヴィ"],
    )
    def test_kana_with_spaces_and_dots_is_accepted(self, text: str) -> None:
        assert is_kana_name(text)

    @pytest.mark.parametrize(
        "text", ["", " ", "ー", "山田 太郎", "ヤマダ1", "ABC", "ヤマダ\tタロウ", "ヤマダ-タロウ"]
    )
    def test_anything_else_is_rejected(self, text: str) -> None:
        assert not is_kana_name(text)


class TestSplitKanaName:
    @pytest.mark.parametrize(
        ("text", "parts"),
        [
            ("ヤマダ　タロウ", ("ヤマダ", "タロウ")),
            ("ヤマダ タロウ", ("ヤマダ", "タロウ")),
            ("ヤマダ　　タロウ", ("ヤマダ", "タロウ")),
            ("　ヤマダ タロウ ", ("ヤマダ", "タロウ")),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", ("ﾔﾏﾀﾞ", "ﾀﾛｳ")),
            ("ヤマダ", ("ヤマダ", "")),
            ("", ("", "")),
        ],
    )
    def test_first_space_separates_surname_and_given_name(
        self, text: str, parts: tuple[str, str]
    ) -> None:
        assert split_kana_name(text) == parts

    def test_only_the_first_space_splits(self) -> None:
        assert split_kana_name("ヤマダ タロウ ジロウ") == ("ヤマダ", "タロウ ジロウ")


class TestDigitsOnly:
    @pytest.mark.parametrize(
        ("text", "digits"),
        [
            ("０３−１２３４−５６７８", "0312345678"),
            ("03-1234-5678", "0312345678"),
            ("(03) 1234 5678", "0312345678"),
            ("電話なし", ""),
            ("٣", ""),
        ],
    )
    def test_only_ascii_digits_survive(self, text: str, digits: str) -> None:
        assert digits_only(text) == digits


class TestBankHalfwidthKana:
    @pytest.mark.parametrize(
        ("text", "bank"),
        [
            ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
            ("やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
            ("キャッシュ", "ｷﾔﾂｼﾕ"),
            ("パン", "ﾊﾟﾝ"),
            ("ヴィ", "ｳﾞｲ"),
            ("コーヒー", "ｺｰﾋｰ"),
            ("コ−ヒ〜", "ｺｰﾋｰ"),
            ("ａｂｃ商事", "ABC商事"),
            ("ABC-ストア", "ABC-ｽﾄｱ"),
            ("ジョン・スミス", "ｼﾞﾖﾝ ｽﾐｽ"),
            ("ヲ", "ｦ"),
        ],
    )
    def test_converts_to_upper_case_half_width_without_small_letters(
        self, text: str, bank: str
    ) -> None:
        assert to_bank_halfwidth_kana(text) == bank

    def test_result_of_kana_input_uses_only_bank_characters(self) -> None:
        assert is_bank_kana(to_bank_halfwidth_kana("かぶしきがいしゃ　エービーシー"))

    def test_strict_mode_rejects_characters_banks_cannot_carry(self) -> None:
        with pytest.raises(ValueError, match="全銀"):
            to_bank_halfwidth_kana("山田", strict=True)

    def test_bank_character_set_has_no_small_kana(self) -> None:
        assert not set("ｧｨｩｪｫｬｭｮｯ") & BANK_KANA_CHARS

    @given(kana_text)
    def test_search_key_survives_the_bank_round_trip(self, text: str) -> None:
        assert kana_search_key(to_bank_halfwidth_kana(text)) == kana_search_key(text)

    @given(kana_text)
    def test_kana_input_always_becomes_bank_characters(self, text: str) -> None:
        assert is_bank_kana(to_bank_halfwidth_kana(text))
