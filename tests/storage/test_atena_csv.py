"""宛名 CSV (SPEC §3 Taxpayer, §7)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.taxpayer import (
    ResidentStatus,
    Sex,
    Taxpayer,
    TaxpayerFlags,
    TaxpayerKind,
)
from core.errors import ValidationError
from core.identifiers import make_corporate_number, make_my_number
from storage.files.atena_csv import COLUMNS, LABELS, AtenaFile, parse_atena
from storage.files.csvread import ENCODING_ERROR_MESSAGE, FileFormatError, LineError

TODAY = date(2025, 6, 27)
MY_NUMBER = make_my_number("12345678901")
BAD_MY_NUMBER = MY_NUMBER[:11] + str((int(MY_NUMBER[11]) + 1) % 10)
CORPORATE = make_corporate_number("123456789012")
NAME = "山田　太郎"
HEADER = ",".join(COLUMNS)
JA_HEADER = ",".join(LABELS[c] for c in COLUMNS)
PERSON: dict[str, str] = {
    "atena_no": "0000000001", "kind": "個人", "name": NAME, "name_kana": "ヤマダ　タロウ",
    "my_number": MY_NUMBER, "sex": "男", "birth_date": "S55.4.1", "postal_code": "100-0001",
    "address": "みなと市本町1丁目2番3号", "phone": "03-1234-5678", "household_no": "H0001",
    "relationship": "世帯主", "household_head_name": NAME, "resident_status": "住民",
}
COMPANY: dict[str, str] = {
    "atena_no": "0000000002", "kind": "法人", "name": "株式会社みなと商事", "name_kana": "カブシキガイシャミナトショウジ",
    "corporate_number": CORPORATE, "address": "みなと市港町9番", "resident_status": "住登外",
    "hakko_yokushi": "1",
}


def row(base: dict[str, str] = PERSON, **changes: str) -> str:
    """One CSV line in COLUMNS order from *base* with *changes*; missing cells are blank."""
    values = base | changes
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([values.get(c, "") for c in COLUMNS])
    return buffer.getvalue().removesuffix("\r\n")


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def parse(data: bytes) -> AtenaFile:
    return parse_atena(data, today=TODAY)


def errors_of(data: bytes) -> tuple[LineError, ...]:
    with pytest.raises(FileFormatError) as info:
        parse(data)
    return info.value.errors


def columns_of(*lines: str) -> list[tuple[int, str | None]]:
    return [(e.line, e.column) for e in errors_of(csv_bytes(*lines))]


class TestGoodFiles:
    def test_utf8_utf8_bom_and_cp932_files_with_japanese_headers_give_the_same_records(self) -> None:
        lines = [row(), row(COMPANY), row(atena_no="0000000003", name="髙橋　一郎", name_kana="ﾀｶﾊｼ ｲﾁﾛｳ", my_number="")]
        plain = parse(csv_bytes(*lines, header=JA_HEADER))
        bom = parse(b"\xef\xbb\xbf" + csv_bytes(*lines, header=JA_HEADER))
        sjis = parse(csv_bytes(*lines, header=JA_HEADER, encoding="cp932"))
        assert plain.records == bom.records == sjis.records and len(plain.records) == 3
        assert (plain.encoding, bom.encoding, sjis.encoding) == ("utf-8", "utf-8-sig", "cp932")

    def test_the_sha256_is_that_of_the_raw_bytes(self) -> None:
        data = csv_bytes(row(), encoding="cp932")
        assert parse(data).sha256 == hashlib.sha256(data).hexdigest()

    def test_english_keys_and_japanese_labels_may_be_mixed_in_any_order(self) -> None:
        header = ",".join(LABELS[c] if i % 2 else c for i, c in enumerate(COLUMNS))
        shuffled = list(reversed(COLUMNS))
        line = ",".join(reversed(next(csv.reader([row()]))))
        assert parse(csv_bytes(row(), header=header)).records == parse(csv_bytes(line, header=",".join(shuffled))).records


class TestRecords:
    def test_an_individual_becomes_a_validated_taxpayer(self) -> None:
        (record,) = parse(csv_bytes(row())).records
        taxpayer = record.to_taxpayer()
        assert isinstance(taxpayer, Taxpayer) and taxpayer.id is None
        assert (record.line, taxpayer.atena_no, taxpayer.kind, taxpayer.name) == (2, "0000000001", TaxpayerKind.INDIVIDUAL, NAME)
        assert (taxpayer.my_number, taxpayer.sex, taxpayer.birth_date) == (MY_NUMBER, Sex.MALE, date(1980, 4, 1))
        assert (taxpayer.postal_code, taxpayer.phone, taxpayer.household_no) == ("1000001", "0312345678", "H0001")
        assert (taxpayer.resident_status, taxpayer.flags) == (ResidentStatus.RESIDENT, TaxpayerFlags())
        assert taxpayer == taxpayer.validated()

    def test_a_corporation_keeps_its_corporate_number_and_flags(self) -> None:
        (record,) = parse(csv_bytes(row(COMPANY))).records
        taxpayer = record.to_taxpayer()
        assert (taxpayer.kind, taxpayer.corporate_number, taxpayer.my_number) == (TaxpayerKind.CORPORATION, CORPORATE, None)
        assert (taxpayer.resident_status, taxpayer.flags) == (ResidentStatus.NON_RESIDENT, TaxpayerFlags(hakko_yokushi=True))

    @pytest.mark.parametrize(("text", "kind"), [
        ("individual", TaxpayerKind.INDIVIDUAL), ("個人", TaxpayerKind.INDIVIDUAL), ("１", TaxpayerKind.INDIVIDUAL),
        ("Corporation", TaxpayerKind.CORPORATION), ("法人", TaxpayerKind.CORPORATION), ("2", TaxpayerKind.CORPORATION),
    ])
    def test_kinds_are_read_from_keys_japanese_names_and_codes(self, text: str, kind: TaxpayerKind) -> None:
        base = PERSON if kind is TaxpayerKind.INDIVIDUAL else COMPANY
        assert parse(csv_bytes(row(base, kind=text))).records[0].kind is kind

    @pytest.mark.parametrize(("text", "kana"), [
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"), ("ﾊﾟｰｸ･ｼﾞﾕﾝ", "パーク・ジユン"), ("ヤマダ　タロウ", "ヤマダ　タロウ"),
        ("カ゛ク", "ガク"), ("やまだ", "やまだ"),
    ])
    def test_half_width_kana_is_made_full_width_and_nothing_else_changes(self, text: str, kana: str) -> None:
        assert parse(csv_bytes(row(name_kana=text))).records[0].name_kana == kana

    @pytest.mark.parametrize(("column", "text", "value"), [
        ("sex", "2", Sex.FEMALE), ("sex", "女", Sex.FEMALE), ("sex", "", None),
        ("birth_date", "令和7年6月27日", TODAY), ("birth_date", "１９８０－０４－０１", date(1980, 4, 1)),
        ("postal_code", "１０００００１", "1000001"), ("phone", "090‐1234‐5678", "09012345678"),
        ("resident_status", "", ResidentStatus.RESIDENT), ("resident_status", "non_resident", ResidentStatus.NON_RESIDENT),
        ("my_number", "", None), ("my_number", f"{MY_NUMBER[:4]}-{MY_NUMBER[4:8]}-{MY_NUMBER[8:]}", MY_NUMBER),
    ])
    def test_optional_fields_are_normalised(self, column: str, text: str, value: object) -> None:
        assert getattr(parse(csv_bytes(row(**{column: text}))).records[0], column) == value

    @pytest.mark.parametrize(("text", "flag"), [
        ("1", True), ("有", True), ("true", True), ("TRUE", True), ("0", False), ("無", False), ("false", False), ("", False),
    ])
    def test_flags_read_one_zero_yes_no_and_true_false_and_blank_is_off(self, text: str, flag: bool) -> None:
        values = {key: text for key in ("koji_sotatsu", "tokusoku_teishi", "saikoku_teishi", "hakko_yokushi")}
        record = parse(csv_bytes(row(**values))).records[0]
        assert record.flags == TaxpayerFlags(flag, flag, flag, flag)

    def test_a_record_never_shows_personal_values_in_its_repr(self) -> None:
        (record,) = parse(csv_bytes(row())).records
        assert NAME not in repr(record) and MY_NUMBER not in repr(record) and "0000000001" in repr(record)


class TestBadValues:
    @pytest.mark.parametrize(("column", "text"), [
        ("atena_no", ""), ("atena_no", "A-1"), ("atena_no", "1" * 21), ("atena_no", "宛名"),
        ("kind", ""), ("kind", "3"), ("name", ""), ("name", "山" * 101), ("name", "山田\n太郎"),
        ("name_kana", ""), ("name_kana", "山田"), ("name_kana", "YAMADA"), ("name_kana", "ア" * 101),
        ("my_number", "12345"), ("my_number", BAD_MY_NUMBER), ("corporate_number", CORPORATE),
        ("sex", "3"), ("birth_date", "2025-02-30"), ("birth_date", "2025-06-28"), ("birth_date", "1899-12-31"),
        ("postal_code", "100-001"), ("postal_code", "1000-001"), ("address", "本町\x00"), ("address", "町" * 201),
        ("phone", "03-1234-567"), ("phone", "(03)1234-5678"), ("household_no", "世帯1"),
        ("relationship", "子" * 21), ("household_head_name", "山" * 101), ("mailing_address", "港町\u2028一丁目"),
        ("resident_status", "転出"), ("deceased_date", "R7.6.28"), ("deceased_date", "x"), ("deceased_date", "1970-01-01"),
        ("koji_sotatsu", "2"), ("tokusoku_teishi", "yes"), ("saikoku_teishi", "○"), ("hakko_yokushi", "-1"),
    ])
    def test_each_bad_value_names_its_line_and_column(self, column: str, text: str) -> None:
        assert columns_of(row(), row(**({"atena_no": "0000000009"} | {column: text}))) == [(3, LABELS[column])]

    def test_a_my_number_on_a_corporation_is_refused_by_the_domain_rules(self) -> None:
        assert columns_of(row(COMPANY, my_number=MY_NUMBER)) == [(2, "個人番号")]

    def test_a_corporate_number_on_an_individual_is_refused(self) -> None:
        assert columns_of(row(corporate_number=CORPORATE, my_number="")) == [(2, "法人番号")]

    def test_a_date_of_death_today_is_accepted_and_tomorrow_is_not(self) -> None:
        assert parse(csv_bytes(row(deceased_date="2025-06-27"))).records[0].deceased_date == TODAY
        assert "未来" in errors_of(csv_bytes(row(deceased_date="2025-06-28")))[0].message

    def test_today_defaults_to_the_real_date(self) -> None:
        assert parse_atena(csv_bytes(row(birth_date="2000-01-01"))).records[0].birth_date == date(2000, 1, 1)
        with pytest.raises(FileFormatError):
            parse_atena(csv_bytes(row(birth_date="2199-01-01")))


class TestEveryBadLineIsReported:
    def test_bad_lines_are_all_reported_with_physical_line_numbers(self) -> None:
        errors = columns_of(
            row(),                                                   # line 2
            row(atena_no="3", name="山田\n太郎"),                    # lines 3-4: name with a line break
            row(atena_no="5", kind="?"),                             # line 5
            row(atena_no="6"),                                       # line 6
            row(atena_no="7", birth_date="R7.13.1", phone="x"),      # line 7: two columns
        )
        assert errors == [(3, "氏名"), (5, "個人法人区分"), (7, "生年月日"), (7, "電話番号")]

    def test_all_problems_of_one_line_are_listed(self) -> None:
        bad = dict.fromkeys(COLUMNS, "?")
        assert {column for _, column in columns_of(row(bad))} == set(LABELS.values()) - {"住所", "続柄", "世帯主氏名", "送付先住所", "氏名"}

    def test_short_and_long_rows_are_reported_and_the_others_still_checked(self) -> None:
        errors = errors_of(csv_bytes("0000000001,個人", row(atena_no="3", sex="x"), row(atena_no="4") + ",extra"))
        assert [(e.line, e.column) for e in errors] == [(2, None), (3, "性別"), (4, None)]
        assert "列数" in errors[0].message

    def test_nothing_is_returned_when_one_line_is_bad(self) -> None:
        assert len(errors_of(csv_bytes(row(), row(atena_no="3", kind="x"), row(atena_no="4")))) == 1


class TestFileProblems:
    def test_undecodable_bytes_give_the_encoding_message(self) -> None:
        with pytest.raises(FileFormatError) as info:
            parse(HEADER.encode() + b"\r\n\x82\xa0\x81,\xff\r\n")
        assert str(info.value) == ENCODING_ERROR_MESSAGE and isinstance(info.value, ValidationError)

    def test_a_missing_column_is_named_in_the_header(self) -> None:
        errors = errors_of(csv_bytes(header=",".join(c for c in COLUMNS if c != "hakko_yokushi")))
        assert [(e.line, e.column) for e in errors] == [(1, "発行抑止")]

    def test_an_empty_or_header_only_file_is_a_clear_error(self) -> None:
        assert "空" in errors_of(b"")[0].message
        assert "データ行がありません" in errors_of(csv_bytes())[0].message


class TestDuplicateKeys:
    def test_a_repeated_atena_number_is_an_error_on_the_second_line_naming_the_first(self) -> None:
        errors = errors_of(csv_bytes(row(), row(COMPANY), row(name="別人")))
        assert [(e.line, e.column) for e in errors] == [(4, "宛名番号")]
        assert "2行目" in errors[0].message

    def test_full_width_digits_name_the_same_atena_number(self) -> None:
        assert columns_of(row(), row(atena_no="０００００００００１")) == [(3, "宛名番号")]


class TestPrivacy:
    @pytest.mark.parametrize(("column", "text", "secret"), [
        ("my_number", BAD_MY_NUMBER, BAD_MY_NUMBER), ("my_number", "1234 5678 901", "5678"),
        ("name", NAME + "\t\x07", "山田"), ("name_kana", NAME, "山田"), ("phone", "03-9876-543", "9876"),
        ("birth_date", "1975-02-30", "1975"), ("postal_code", "987-654", "987"), ("address", "秘密町\x01", "秘密町"),
        ("household_head_name", NAME * 40, "山田"), ("corporate_number", CORPORATE, CORPORATE),
    ])
    def test_messages_never_contain_the_value(self, column: str, text: str, secret: str) -> None:
        with pytest.raises(FileFormatError) as info:
            parse(csv_bytes(row(**{column: text})))
        assert info.value.errors and secret not in info.value.report() and secret not in str(info.value)

    def test_a_file_without_a_header_does_not_echo_its_first_row(self) -> None:
        with pytest.raises(FileFormatError) as info:
            parse(csv_bytes(row(), header=row(COMPANY, name=NAME)))
        assert NAME not in info.value.report() and CORPORATE not in info.value.report()


_cell = st.one_of(st.text(max_size=10), st.sampled_from(
    ["0000000001", "個人", "法人", "1", "2", NAME, "ヤマダ", "ﾔﾏﾀﾞ", MY_NUMBER, CORPORATE, "S55.4.1", "100-0001", "有", ""]))


class TestFuzz:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=400))
    def test_arbitrary_bytes_give_a_validation_error_or_a_valid_file(self, data: bytes) -> None:
        try:
            result = parse(data)
        except ValidationError as exc:
            assert isinstance(exc, FileFormatError)
        else:
            assert all(r.to_taxpayer() for r in result.records)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.lists(_cell, min_size=len(COLUMNS) - 1, max_size=len(COLUMNS) + 1), max_size=5),
           st.sampled_from(["utf-8", "cp932"]))
    def test_arbitrary_rows_give_a_file_format_error_or_taxpayers_that_validate(self, rows: list[list[str]], encoding: str) -> None:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([list(COLUMNS), *rows])
        data = buffer.getvalue().encode(encoding, errors="replace")
        try:
            result = parse(data)
        except FileFormatError as exc:
            assert NAME not in exc.report() and MY_NUMBER not in exc.report()
        else:
            assert len({r.atena_no for r in result.records}) == len(result.records)
            for record in result.records:
                assert record.to_taxpayer().validated() == record.to_taxpayer()
