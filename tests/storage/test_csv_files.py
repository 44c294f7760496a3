"""収納データ CSV and the shared CSV reader (SPEC §7)."""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.payment import Channel
from core.errors import ValidationError
from storage.files.csvread import (
    ENCODING_ERROR_MESSAGE,
    FileFormatError,
    LineError,
    iter_rows,
    read_csv_text,
)
from storage.files.payments_csv import (
    COLUMNS,
    LABELS,
    MappingError,
    PaymentFile,
    PaymentMapping,
    parse_payments,
)

HEADER = ",".join(COLUMNS)
JA_HEADER = ",".join(LABELS[c] for c in COLUMNS)
GOOD_ROW = "K1,窓口,N0001,1,1000,2025-06-27,2025-06-30,0001,001"
NAME = "山田太郎"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def errors_of(data: bytes, mapping: object = None) -> tuple[LineError, ...]:
    with pytest.raises(FileFormatError) as info:
        parse_payments(data, mapping)  # type: ignore[arg-type]
    return info.value.errors


class TestReadCsvText:
    def test_plain_utf8_is_read_as_utf8(self) -> None:
        assert read_csv_text("金額".encode()) == ("金額", "utf-8")

    def test_a_utf8_bom_is_removed_and_named(self) -> None:
        assert read_csv_text(b"\xef\xbb\xbf" + "金額".encode()) == ("金額", "utf-8-sig")

    def test_shift_jis_falls_back_to_cp932(self) -> None:
        assert read_csv_text("金額①".encode("cp932")) == ("金額①", "cp932")

    @pytest.mark.parametrize("data", [b"\x82\xa0\x81", b"\x81 ", b"a\xff", b"\xa0", b"\x80"])
    def test_bytes_neither_encoding_decodes_give_the_japanese_message(self, data: bytes) -> None:
        with pytest.raises(FileFormatError) as info:
            read_csv_text(data)
        assert str(info.value) == ENCODING_ERROR_MESSAGE
        assert info.value.report() == ENCODING_ERROR_MESSAGE
        assert isinstance(info.value, ValidationError)


class TestLineErrorReport:
    def test_report_gives_one_line_per_error(self) -> None:
        err = FileFormatError([LineError(3, "金額", "数字ではありません"), LineError(5, None, "列数が違います")])
        assert err.report() == "3行目 金額: 数字ではありません\n5行目: 列数が違います"
        assert "2件" in str(err)


class TestIterRows:
    def test_line_numbers_are_physical_after_a_quoted_multi_line_field(self) -> None:
        text = 'a,b\n1,"x\ny\nz"\n\n2,w\n'
        assert list(iter_rows(text, ["a", "b"])) == [(2, {"a": "1", "b": "x\ny\nz"}), (6, {"a": "2", "b": "w"})]

    def test_japanese_labels_and_english_keys_are_both_accepted_in_any_order(self) -> None:
        rows = list(iter_rows("b,金額\n1,2\n", ["amount", "b"], labels={"amount": "金額"}))
        assert rows == [(2, {"b": "1", "amount": "2"})]

    def test_a_row_with_the_wrong_number_of_fields_is_reported_and_reading_goes_on(self) -> None:
        errors: list[LineError] = []
        rows = list(iter_rows("a,b\n1\n2,3\n", ["a", "b"], errors=errors))
        assert rows == [(3, {"a": "2", "b": "3"})]
        assert [(e.line, e.column) for e in errors] == [(2, None)]

    def test_an_unterminated_quote_is_reported_at_the_line_where_the_record_starts(self) -> None:
        with pytest.raises(FileFormatError) as info:
            list(iter_rows('a,b\n1,2\n3,"open\nmore\n', ["a", "b"]))
        assert [e.line for e in info.value.errors] == [3]

    def test_an_unknown_header_cell_is_named_by_position_not_by_its_text(self) -> None:
        with pytest.raises(FileFormatError) as info:
            list(iter_rows(f"a,{NAME}\n", ["a"]))
        assert "2列目" in info.value.report() and NAME not in info.value.report()


class TestHeaders:
    def test_a_japanese_header_gives_the_same_records_as_the_english_one(self) -> None:
        assert parse_payments(csv_bytes(GOOD_ROW, header=JA_HEADER)).records == parse_payments(csv_bytes(GOOD_ROW)).records

    def test_a_missing_column_is_named(self) -> None:
        errors = errors_of(csv_bytes("K1", header="record_key"))
        assert {e.line for e in errors} == {1}
        assert any(e.column == "金額" and "ありません" in e.message for e in errors)

    def test_a_duplicated_column_is_an_error(self) -> None:
        errors = errors_of(csv_bytes(GOOD_ROW + ",1", header=HEADER + ",金額"))
        assert any("重複" in e.message and e.column == "金額" for e in errors)

    def test_an_extra_column_is_an_error_in_the_canonical_layout(self) -> None:
        errors = errors_of(csv_bytes(GOOD_ROW + ",x", header=HEADER + ",memo"))
        assert [(e.line, e.message) for e in errors] == [(1, "想定外の見出しがあります（10列目）")]

    def test_an_empty_file_is_a_clear_error(self) -> None:
        assert "空" in errors_of(b"")[0].message
        assert "空" in errors_of(b"\r\n\r\n")[0].message

    def test_a_header_only_file_is_a_clear_error(self) -> None:
        assert "データ行がありません" in errors_of(csv_bytes())[0].message


class TestEncodings:
    def test_utf8_utf8_bom_and_cp932_files_give_the_same_records(self) -> None:
        lines = [GOOD_ROW, "K2,コンビニ,,,\"12,345\",令和7年6月1日,R7.6.3,,"]
        plain = parse_payments(csv_bytes(*lines, header=JA_HEADER))
        bom = parse_payments(b"\xef\xbb\xbf" + csv_bytes(*lines, header=JA_HEADER))
        sjis = parse_payments(csv_bytes(*lines, header=JA_HEADER, encoding="cp932"))
        assert plain.records == bom.records == sjis.records and len(plain.records) == 2
        assert (plain.encoding, bom.encoding, sjis.encoding) == ("utf-8", "utf-8-sig", "cp932")

    def test_the_sha256_is_that_of_the_raw_bytes(self) -> None:
        data = csv_bytes(GOOD_ROW, encoding="cp932")
        assert parse_payments(data).sha256 == hashlib.sha256(data).hexdigest()


class TestRecords:
    def test_a_good_row_becomes_a_record_and_a_domain_payment(self) -> None:
        (record,) = parse_payments(csv_bytes(GOOD_ROW)).records
        assert (record.line, record.source_key, record.channel, record.notice_no, record.period) == (2, "K1", Channel.COUNTER, "N0001", 1)
        assert (record.amount, record.received_on, record.accounted_on) == (1000, date(2025, 6, 27), date(2025, 6, 30))
        assert (record.bank_code, record.branch_code) == ("0001", "001")
        assert record.to_payment().source_key == "K1"

    @pytest.mark.parametrize(("text", "channel"), [
        ("窓口", Channel.COUNTER), ("金融機関", Channel.BANK), ("コンビニ", Channel.CONVENIENCE),
        ("口座振替", Channel.TRANSFER), ("eLTAX", Channel.ELTAX), ("スマホ決済", Channel.SMARTPHONE),
        ("bank", Channel.BANK), ("ＣＯＮＶＥＮＩＥＮＣＥ", Channel.CONVENIENCE),
    ])
    def test_channels_are_read_from_enum_values_and_japanese_names(self, text: str, channel: Channel) -> None:
        row = f"K1,{text},,,1,20250601,20250601,,"
        assert parse_payments(csv_bytes(row)).records[0].channel is channel

    def test_seizure_proceeds_cannot_be_imported(self) -> None:
        assert errors_of(csv_bytes("K1,seizure,,,1,20250601,20250601,,"))[0].column == "収納経路"


class TestAmounts:
    @pytest.mark.parametrize(("text", "amount"), [
        ("1", 1), ('"1,234,567"', 1234567), ("１２，３４５", 12345), ("００１０", 10), ("99999999999", 99999999999),
    ])
    def test_amounts_accept_commas_and_full_width_digits(self, text: str, amount: int) -> None:
        assert parse_payments(csv_bytes(f"K1,bank,,,{text},20250601,20250601,,")).records[0].amount == amount

    @pytest.mark.parametrize("text", ["0", "-5", "100000000000", '"1,00"', "1.5", "¥100", "", "9" * 5000])
    def test_bad_amounts_are_reported_against_the_amount_column(self, text: str) -> None:
        (error,) = errors_of(csv_bytes(f"K1,bank,,,{text},20250601,20250601,,"))
        assert (error.line, error.column) == (2, "金額")


class TestEveryBadLineIsReported:
    def test_three_bad_lines_give_three_errors_with_physical_line_numbers(self) -> None:
        data = csv_bytes(
            GOOD_ROW,                                                      # line 2
            'K2,bank,"N\n2",,100,20250601,20250601,,',                     # lines 3-4: notice no. with a newline
            "K3,bank,,,abc,20250601,20250601,,",                           # line 5: amount
            "K4,bank,,,100,20250601,20250601,,",                           # line 6
            "K5,bank,,,100,2025-02-30,20250601,,",                         # line 7: date
        )
        errors = errors_of(data)
        assert [(e.line, e.column) for e in errors] == [(3, "通知書番号"), (5, "金額"), (7, "領収日")]
        assert "5行目 金額: 数字ではありません" in FileFormatError(errors).report()

    def test_all_problems_of_one_line_are_listed(self) -> None:
        errors = errors_of(csv_bytes(",?,,0,x,x,x,12,1"))
        assert {e.column for e in errors} == {"レコードキー", "収納経路", "期別", "金額", "領収日", "収納日", "金融機関コード", "店舗コード"}
        assert {e.line for e in errors} == {2}

    @pytest.mark.parametrize(("row", "column"), [
        ("K1,bank,,3,100,20250601,20250601,,", "期別"),
        ("K1,bank,N1,100,100,20250601,20250601,,", "期別"),
        ("K1,bank,,,100,20250601,20250601,,001", "店舗コード"),
        ("K1,bank,,,100,20250601,20250601,01,", "金融機関コード"),
        ("K1,bank,,,100,20250602,20250601,,", "収納日"),
    ])
    def test_cross_field_and_code_rules(self, row: str, column: str) -> None:
        assert [e.column for e in errors_of(csv_bytes(row))] == [column]

    def test_nothing_is_returned_when_one_line_is_bad(self) -> None:
        errors = errors_of(csv_bytes(GOOD_ROW, "K2,bank,,,x,20250601,20250601,,", "K3,bank,,,1,20250601,20250601,,"))
        assert len(errors) == 1


class TestDuplicateKeys:
    def test_a_repeated_record_key_is_an_error_on_the_second_line_naming_the_first(self) -> None:
        errors = errors_of(csv_bytes(GOOD_ROW, "K2,bank,,,1,20250601,20250601,,", GOOD_ROW))
        assert [(e.line, e.column) for e in errors] == [(4, "レコードキー")]
        assert "2行目" in errors[0].message


MAPPING_TOML = """
channel = "金融機関"
date_format = "%Y/%m/%d"
[columns]
record_key = "取扱番号"
amount = "納付額"
received_on = "領収年月日"
accounted_on = "収納年月日"
notice_no = "納付番号"
"""


class TestMapping:
    def test_a_mapped_layout_with_a_fixed_channel_and_date_format_is_read(self) -> None:
        mapping = tomllib.loads(MAPPING_TOML)
        data = csv_bytes("A-1,x,\"3,000\",2025/06/02,2025/06/03,N9", header="取扱番号,氏名,納付額,領収年月日,収納年月日,納付番号")
        (record,) = parse_payments(data, mapping).records
        assert (record.source_key, record.channel, record.amount, record.notice_no) == ("A-1", Channel.BANK, 3000, "N9")
        assert (record.received_on, record.accounted_on, record.period, record.bank_code) == (date(2025, 6, 2), date(2025, 6, 3), None, None)
        assert parse_payments(data, PaymentMapping.from_dict(mapping)).records == (record,)

    def test_errors_in_a_mapped_file_name_the_files_columns(self) -> None:
        data = csv_bytes("A-1,abc,20250602,2025/06/03", header="取扱番号,納付額,領収年月日,収納年月日")
        errors = errors_of(data, tomllib.loads(MAPPING_TOML.replace('notice_no = "納付番号"', "")))
        assert [(e.line, e.column) for e in errors] == [(2, "納付額"), (2, "領収年月日")]

    def test_a_mapped_column_missing_from_the_header_is_named(self) -> None:
        errors = errors_of(csv_bytes("A-1,1", header="取扱番号,納付額"), tomllib.loads(MAPPING_TOML))
        assert {e.column for e in errors} == {"領収年月日", "収納年月日", "納付番号"}

    @pytest.mark.parametrize(("raw", "fragment"), [
        ({"columns": {"record_key": "a", "amount": "b", "received_on": "c", "accounted_on": "d"}, "channel": "bank", "encoding": "x"}, "不明な項目"),
        ({"columns": {"record_key": "a", "amount": "b", "received_on": "c", "accounted_on": "d", "name": "e"}, "channel": "bank"}, "name"),
        ({"columns": {"record_key": "a", "amount": "b", "received_on": "c"}, "channel": "bank"}, "accounted_on"),
        ({"columns": {"record_key": "a", "amount": "b", "received_on": "c", "accounted_on": "d"}}, "収納経路"),
        ({"columns": {"record_key": "a", "amount": "a", "received_on": "c", "accounted_on": "d"}, "channel": "bank"}, "同じ列名"),
        ({"columns": {"record_key": "a", "amount": "b", "received_on": "c", "accounted_on": "d", "channel": "e"}, "channel": "bank"}, "どちらか"),
        ({"columns": {"record_key": "a", "amount": "b", "received_on": "c", "accounted_on": "d"}, "channel": "郵便"}, "収納経路"),
        ({"columns": {"record_key": "a", "amount": "b", "received_on": "c", "accounted_on": "d"}, "channel": "bank", "date_format": "YYYYMMDD"}, "date_format"),
        ({"columns": []}, "columns"),
    ])
    def test_a_bad_mapping_is_a_clear_japanese_error(self, raw: dict[str, object], fragment: str) -> None:
        with pytest.raises(MappingError) as info:
            parse_payments(csv_bytes(GOOD_ROW), raw)
        assert fragment in str(info.value)


class TestPrivacy:
    @pytest.mark.parametrize("row", [
        f"{NAME},bank,,,{NAME},{NAME},{NAME},{NAME},{NAME}",
        f"K1,{NAME},{NAME},{NAME},1,20250601,20250601,,",
        f"K1,bank,,,1,20250601,20250601,,,{NAME}",
    ])
    def test_messages_never_echo_a_name_from_the_file(self, row: str) -> None:
        with pytest.raises(FileFormatError) as info:
            parse_payments(csv_bytes(row, "x,y"))
        assert info.value.errors and NAME not in info.value.report() and NAME not in str(info.value)

    def test_a_file_without_a_header_does_not_echo_its_first_row(self) -> None:
        with pytest.raises(FileFormatError) as info:
            parse_payments(csv_bytes("K2,bank,,,1,20250601,20250601,,", header=f"K1,{NAME},,,1,20250601,20250601,,"))
        assert NAME not in info.value.report()


def _assert_valid(result: PaymentFile, data: bytes) -> None:
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.records
    assert len({r.source_key for r in result.records}) == len(result.records)
    for r in result.records:
        assert 1 <= r.amount < 10**11 and r.accounted_on >= r.received_on
        assert r.period is None or (r.notice_no is not None and 1 <= r.period <= 99)


_cell = st.one_of(st.text(max_size=12), st.sampled_from(["1", "1,000", "２０", "R7.6.27", "20250601", "bank", "窓口", "0001", "001", NAME]))


class TestFuzz:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=400))
    def test_arbitrary_bytes_give_a_file_format_error_or_a_valid_file(self, data: bytes) -> None:
        try:
            _assert_valid(parse_payments(data), data)
        except FileFormatError as exc:
            assert NAME not in exc.report()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.lists(_cell, min_size=0, max_size=11), max_size=6), st.sampled_from(["utf-8", "cp932"]))
    def test_arbitrary_text_rows_give_a_file_format_error_or_a_valid_file(self, rows: list[list[str]], encoding: str) -> None:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([list(COLUMNS), *rows])
        data = buffer.getvalue().encode(encoding, errors="replace")
        try:
            _assert_valid(parse_payments(data), data)
        except FileFormatError as exc:
            assert exc.errors or str(exc) == ENCODING_ERROR_MESSAGE
            assert NAME not in exc.report()


class TestLimitsMatchTheSchema:
    def test_the_longest_accepted_key_and_notice_number_fit_their_columns(self) -> None:
        from storage.schema import assessments, payments

        key = "K" * payments.c.source_key.type.length
        notice = "N" * assessments.c.notice_no.type.length
        header = "record_key,channel,notice_no,period,amount,received_on,accounted_on,bank_code,branch_code\n"
        ok = parse_payments((header + f"{key},bank,{notice},1,1000,2025-06-30,2025-07-01,,\n").encode())
        assert ok.records[0].source_key == key and ok.records[0].notice_no == notice
        too_long = header + f"{key}X,bank,{notice}N,1,1000,2025-06-30,2025-07-01,,\n"
        with pytest.raises(FileFormatError) as info:
            parse_payments(too_long.encode())
        assert len(info.value.errors) == 2


class TestThePlainPaymentRowPath:
    """Rows in the plainest forms skip the general field parsers; they must get the same record."""

    CELLS = {
        "record_key": st.one_of(st.text(min_size=0, max_size=85), st.just("K1")),
        "channel": st.sampled_from(["bank", "convenience", "窓口", "eLTAX", "BANK", "seizure", "", "？"]),
        "notice_no": st.one_of(st.just(""), st.text("0123456789AZaz１", max_size=32)),
        "period": st.sampled_from(["", "0", "1", "04", "99", "100", "１", "a", " 1"]),
        "amount": st.one_of(st.integers(-5, 10**12).map(str), st.sampled_from(["", "1,000", "１２", "007", "1.5"])),
        "received_on": st.sampled_from(["2025-06-27", "2025-02-29", "20250627", "R7.6.27", "1899-12-31", "2201-01-01",
                                        "2025-6-27", ""]),
        "accounted_on": st.sampled_from(["2025-06-27", "2025-06-30", "2025-06-26", "2025-13-01", "令和7年6月30日"]),
        "bank_code": st.sampled_from(["", "0001", "001", "０００１", "abcd"]),
        "branch_code": st.sampled_from(["", "001", "01", "００１"]),
    }

    @settings(max_examples=500, deadline=None)
    @given(st.fixed_dictionaries(CELLS))
    def test_a_plain_row_gives_what_the_general_parsers_give(self, row: dict[str, str]) -> None:
        from storage.files.payments_csv import _fast_record, _record

        fast = _fast_record(7, row)
        errors: list[Any] = []
        full = _record(7, row, None, errors)
        if fast is not None:
            assert fast == full and errors == []

    def test_the_usual_bank_row_takes_the_plain_path(self) -> None:
        from storage.files.payments_csv import _fast_record

        row = {"record_key": "B-1", "channel": "bank", "notice_no": "20260100001", "period": "2", "amount": "12300",
               "received_on": "2026-07-31", "accounted_on": "2026-08-03", "bank_code": "0005", "branch_code": "123"}
        record = _fast_record(3, row)
        assert record is not None and (record.amount, record.period, str(record.received_on)) == (12_300, 2, "2026-07-31")
