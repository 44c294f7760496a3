"""全銀協 fixed-length files: 口座振替 (91) 請求/結果 and 総合振込 (21) (SPEC §7).

Offsets below are written out as numbers on purpose: they check the module's
documented layout, not its own tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ValidationError
from core.text.kana import to_bank_halfwidth_kana
from storage.files.zengin import (
    RECORD_LENGTH,
    RESULT_CODES,
    FileFormatError,
    FurikomiHeader,
    FurikomiItem,
    LineError,
    TransferHeader,
    TransferItem,
    read_furikomi,
    read_transfer_result,
    write_furikomi,
    write_transfer_request,
)
from storage.files.zengin_fields import split_records
from storage.files.zengin_furikomi import FURIKOMI_DATA_FIELDS, FURIKOMI_HEADER_FIELDS, FURIKOMI_TRAILER_FIELDS
from storage.files.zengin_transfer import DATA_FIELDS, HEADER_FIELDS, TRAILER_FIELDS

HEADER = TransferHeader(
    consignor_code="1234567890", consignor_name="ノゼイシ　ゼイムカ", debit_date=date(2025, 6, 27),
    bank_code="0001", branch_code="001", account_type="1", account_number="0000001",
    bank_name="ミズホギンコウ", branch_name="ホンテン",
)
ITEM = TransferItem(
    bank_code="0005", branch_code="123", account_type="1", account_number="7654321",
    payer_name="ヤマダ　タロウ", amount=12345, customer_number="P2025000001",
    bank_name="ミツビシユーエフジェイギンコウ", branch_name="シブヤ",
)
FK_HEADER = FurikomiHeader(
    requester_code="9876543210", requester_name="ノゼイシ カイケイカンリシャ", transfer_date=date(2025, 7, 10),
    bank_code="0001", branch_code="002", account_type="2", account_number="1111111",
    bank_name="ミズホ", branch_name="シヤクショ",
)
FK_ITEM = FurikomiItem(
    bank_code="0009", branch_code="456", account_type="1", account_number="2222222",
    payee_name="すずき　はなこ", amount=5000, customer_code1="R000000123", customer_code2="2025",
    designation="7", bank_name="ミツイスミトモ", branch_name="ウエノ",
)
# Personal values that must never appear in an error message.
SECRETS = ("7654321", "ヤマダ", "ﾔﾏﾀﾞ", "ﾀﾛｳ", "2222222", "ｽｽﾞｷ")


def records(data: bytes) -> list[bytes]:
    """Split a written file; every record must be followed by CR LF."""
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def join(recs: Sequence[bytes]) -> bytes:
    return b"".join(r + b"\r\n" for r in recs)


def bank_result(request: bytes, codes: Sequence[str]) -> bytes:
    """What the bank sends back: the request with 振替結果コード set and the trailer filled in."""
    recs = records(request)
    head, data, end = recs[0], recs[1:-2], recs[-1]
    out, totals = [], {True: [0, 0], False: [0, 0]}
    for rec, code in zip(data, codes, strict=True):
        out.append(rec[:111] + code.encode() + rec[112:])
        amount = int(rec[80:90])
        totals[code == "0"][0] += 1
        totals[code == "0"][1] += amount
    count, total = len(data), sum(int(r[80:90]) for r in data)
    (ok_n, ok_a), (ng_n, ng_a) = totals[True], totals[False]
    trailer = f"8{count:06d}{total:012d}{ok_n:06d}{ok_a:012d}{ng_n:06d}{ng_a:012d}".encode() + b" " * 65
    return join([head, *out, trailer, end])


def errors_of(reader, data: bytes) -> tuple[LineError, ...]:  # type: ignore[no-untyped-def]
    with pytest.raises(FileFormatError) as info:
        reader(data)
    return info.value.errors


def where(errors: Sequence[LineError]) -> list[tuple[int, str | None]]:
    return [(e.line, e.column) for e in errors]


def assert_private(errors: Sequence[LineError] | FileFormatError | ValidationError) -> None:
    text = errors.report() if isinstance(errors, FileFormatError) else (
        str(errors) if isinstance(errors, ValidationError) else "\n".join(map(str, errors))
    )
    for secret in SECRETS:
        assert secret not in text


def written_error(header: TransferHeader = HEADER, items: Sequence[TransferItem] = (ITEM,)) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        write_transfer_request(header, items)
    assert not isinstance(info.value, FileFormatError)
    return info.value


def payer_field(name: str) -> bytes:
    return records(write_transfer_request(HEADER, [replace(ITEM, payer_name=name)]))[1][50:80]


# --- 口座振替 請求 -------------------------------------------------------------------------


class TestTransferRequestLayout:
    def test_every_record_is_120_bytes_and_followed_by_cr_lf(self) -> None:
        data = write_transfer_request(HEADER, [ITEM, ITEM, ITEM])
        recs = records(data)
        assert [r[:1] for r in recs] == [b"1", b"2", b"2", b"2", b"8", b"9"]
        assert all(len(r) == RECORD_LENGTH == 120 for r in recs)
        assert len(data) == 6 * 122 and data.count(b"\r\n") == 6 and b"\x1a" not in data

    def test_header_fields_sit_at_their_documented_offsets(self) -> None:
        h = records(write_transfer_request(HEADER, [ITEM]))[0]
        assert h[0:1] == b"1" and h[1:3] == b"91" and h[3:4] == b"0"
        assert h[4:14] == b"1234567890"
        assert h[14:54] == "ﾉｾﾞｲｼ ｾﾞｲﾑｶ".encode("cp932").ljust(40)
        assert h[54:58] == b"0627"
        assert h[58:62] == b"0001" and h[62:77] == "ﾐｽﾞﾎｷﾞﾝｺｳ".encode("cp932").ljust(15)
        assert h[77:80] == b"001" and h[80:95] == "ﾎﾝﾃﾝ".encode("cp932").ljust(15)
        assert h[95:96] == b"1" and h[96:103] == b"0000001" and h[103:120] == b" " * 17

    def test_data_fields_sit_at_their_documented_offsets(self) -> None:
        d = records(write_transfer_request(HEADER, [ITEM]))[1]
        assert d[0:1] == b"2" and d[1:5] == b"0005"
        assert d[5:20] == "ﾐﾂﾋﾞｼﾕｰｴﾌｼﾞｴｲｷﾞ".encode("cp932")  # cut to 15 bytes: a name only
        assert d[20:23] == b"123" and d[23:38] == "ｼﾌﾞﾔ".encode("cp932").ljust(15)
        assert d[38:42] == b"    " and d[42:43] == b"1" and d[43:50] == b"7654321"
        assert d[50:80] == "ﾔﾏﾀﾞ ﾀﾛｳ".encode("cp932").ljust(30)
        assert d[80:90] == b"0000012345" and d[90:91] == b"0"
        assert d[91:111] == b"P2025000001".ljust(20) and d[111:112] == b"0" and d[112:120] == b" " * 8

    def test_amounts_are_right_justified_and_zero_padded(self) -> None:
        for amount, field in ((1, b"0000000001"), (9_999_999_999, b"9999999999")):
            d = records(write_transfer_request(HEADER, [replace(ITEM, amount=amount)]))[1]
            assert d[80:90] == field

    def test_the_trailer_holds_count_and_total_and_zero_results(self) -> None:
        items = [replace(ITEM, amount=a) for a in (100, 2_000, 30_000)]
        t = records(write_transfer_request(HEADER, items))[-2]
        assert t[0:1] == b"8" and t[1:7] == b"000003" and t[7:19] == b"000000032100"
        assert t[19:55] == b"0" * 36 and t[55:120] == b" " * 65

    def test_the_end_record_is_a_nine_and_spaces(self) -> None:
        assert records(write_transfer_request(HEADER, [ITEM]))[-1] == b"9" + b" " * 119

    def test_the_new_code_and_the_current_account_type_are_written(self) -> None:
        d = records(write_transfer_request(HEADER, [replace(ITEM, new_code="1", account_type="2")]))[1]
        assert d[42:43] == b"2" and d[90:91] == b"1"

    def test_the_file_holds_only_jis_x_0201_bytes(self) -> None:
        data = write_transfer_request(HEADER, [ITEM])
        assert all(0x20 <= b <= 0x7E or 0xA1 <= b <= 0xDF or b in b"\r\n" for b in data)

    def test_the_layout_tables_are_contiguous_and_120_bytes(self) -> None:
        for table in (HEADER_FIELDS, DATA_FIELDS, TRAILER_FIELDS,
                      FURIKOMI_HEADER_FIELDS, FURIKOMI_DATA_FIELDS, FURIKOMI_TRAILER_FIELDS):
            fields = list(table.values())
            assert fields[0].start == 0 and fields[-1].end == 120
            assert all(a.end == b.start for a, b in pairwise(fields))


class TestHalfWidthNames:
    def test_small_kana_become_large_as_to_bank_halfwidth_kana_does(self) -> None:
        assert to_bank_halfwidth_kana("キョウコ") == "ｷﾖｳｺ"
        assert payer_field("キョウコ").rstrip() == "ｷﾖｳｺ".encode("cp932")

    def test_hiragana_and_half_width_input_give_the_same_bytes(self) -> None:
        assert payer_field("きょうこ") == payer_field("ｷｮｳｺ") == payer_field("キョウコ")

    def test_a_long_vowel_becomes_the_half_width_bar(self) -> None:
        assert payer_field("コーヒー").rstrip() == b"\xba\xb0\xcb\xb0"  # ｺｰﾋｰ

    def test_a_dakuten_is_a_byte_of_its_own(self) -> None:
        assert payer_field("ガ").rstrip() == b"\xb6\xde"  # ｶ + ﾞ
        assert payer_field("パ").rstrip() == b"\xca\xdf"  # ﾊ + ﾟ

    def test_a_full_width_space_becomes_one_ascii_space(self) -> None:
        assert payer_field("ヤマダ　タロウ").rstrip() == "ﾔﾏﾀﾞ ﾀﾛｳ".encode("cp932")

    def test_a_name_of_exactly_thirty_bytes_fits(self) -> None:
        assert payer_field("ガ" * 15) == b"\xb6\xde" * 15

    def test_a_name_that_fits_in_characters_but_not_in_bytes_is_an_error(self) -> None:
        name = "ガ" * 16  # 16 characters, 32 bytes once half-width
        error = written_error(items=[ITEM, replace(ITEM, payer_name=name)])
        assert "明細2件目" in str(error) and "預金者名" in str(error) and "30" in str(error)
        assert error.field == "items[1].payer_name"

    def test_a_consignor_name_over_forty_bytes_is_an_error(self) -> None:
        error = written_error(header=replace(HEADER, consignor_name="ダ" * 21))
        assert error.field == "header.consignor_name" and "委託者名" in str(error)

    def test_kanji_cannot_be_converted_and_the_error_names_the_item_but_not_the_name(self) -> None:
        error = written_error(items=[ITEM, ITEM, replace(ITEM, payer_name="山田太郎")])
        assert "明細3件目" in str(error) and "半角カナに変換できない" in str(error)
        assert "山" not in str(error) and error.field == "items[2].payer_name"

    def test_an_empty_payer_name_is_an_error(self) -> None:
        assert written_error(items=[replace(ITEM, payer_name="　")]).field == "items[0].payer_name"

    def test_bank_and_branch_names_are_cut_to_fifteen_bytes_not_refused(self) -> None:
        item = replace(ITEM, branch_name="ダイイチダイニダイサンダイヨン")
        d = records(write_transfer_request(HEADER, [item]))[1]
        assert d[23:38] == "ﾀﾞｲｲﾁﾀﾞｲﾆﾀﾞｲｻﾝﾀ".encode("cp932") and len(d) == 120  # cut inside ﾀﾞ

    def test_a_kanji_bank_name_is_still_refused(self) -> None:
        assert written_error(items=[replace(ITEM, bank_name="銀行")]).field == "items[0].bank_name"


class TestTransferRequestValidation:
    @pytest.mark.parametrize("amount", [0, -1, 10**10, True, 1.5, "100"])
    def test_amounts_outside_one_to_ten_digits_are_refused(self, amount: object) -> None:
        error = written_error(items=[replace(ITEM, amount=amount)])  # type: ignore[arg-type]
        assert error.field == "items[0].amount"

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("account_number", "654321"), ("account_number", "76543210"), ("account_number", "76543a1"),
            ("account_number", "７６５４３２１"), ("bank_code", "005"), ("bank_code", "00050"),
            ("branch_code", "12"), ("branch_code", "1234"), ("account_type", "4"), ("account_type", 1),
            ("new_code", "3"), ("customer_number", "X" * 21), ("customer_number", "期別1"),
            ("customer_number", "p1"),
        ],
    )
    def test_codes_that_do_not_fit_are_refused_never_cut(self, key: str, value: object) -> None:
        error = written_error(items=[ITEM, replace(ITEM, **{key: value})])
        assert error.field == f"items[1].{key}" and "明細2件目" in str(error)
        assert_private(error)

    @pytest.mark.parametrize(
        ("key", "value"),
        [("consignor_code", "123456789"), ("debit_date", "0627"), ("bank_code", "1"), ("account_type", "")],
    )
    def test_header_values_are_checked_too(self, key: str, value: object) -> None:
        error = written_error(header=replace(HEADER, **{key: value}))
        assert error.field == f"header.{key}" and str(error).startswith("ヘッダーの")

    def test_a_customer_number_of_twenty_characters_fits(self) -> None:
        d = records(write_transfer_request(HEADER, [replace(ITEM, customer_number="9" * 20)]))[1]
        assert d[91:111] == b"9" * 20

    def test_a_request_without_items_is_refused(self) -> None:
        assert written_error(items=[]).field == "items"

    def test_a_total_over_twelve_digits_is_refused(self) -> None:
        error = written_error(items=[replace(ITEM, amount=9_999_999_999)] * 101)
        assert error.field == "trailer.amount"


# --- 口座振替 結果 -------------------------------------------------------------------------


class TestTransferResultRoundTrip:
    def test_a_bank_result_gives_every_item_with_its_code_and_label(self) -> None:
        items = [replace(ITEM, amount=1000 * (i + 1), customer_number=f"K{i}") for i in range(7)]
        codes = ["0", "1", "2", "3", "4", "8", "9"]
        result = read_transfer_result(bank_result(write_transfer_request(HEADER, items), codes))
        assert [i.result_code for i in result.items] == codes
        assert [i.result_label for i in result.items] == [RESULT_CODES[c] for c in codes]
        assert [i.customer_number for i in result.items] == [f"K{i}" for i in range(7)]
        assert [i.record_no for i in result.items] == list(range(2, 9))
        first = result.items[0]
        assert first.transferred and not result.items[1].transferred
        assert (first.payer_name, first.account_number, first.amount) == ("ﾔﾏﾀﾞ ﾀﾛｳ", "7654321", 1000)
        t = result.totals
        assert (t.count, t.amount, t.transferred_count, t.transferred_amount, t.failed_count, t.failed_amount) == (
            7, 28000, 1, 1000, 6, 27000,
        )

    def test_the_header_is_read_back_with_its_month_and_day(self) -> None:
        header = read_transfer_result(bank_result(write_transfer_request(HEADER, [ITEM]), ["0"])).header
        assert header.consignor_code == "1234567890" and header.consignor_name == "ﾉｾﾞｲｼ ｾﾞｲﾑｶ"
        assert header.debit_mmdd == "0627" and header.bank_name == "ﾐｽﾞﾎｷﾞﾝｺｳ"
        assert (header.account_type, header.account_number) == ("1", "0000001")

    def test_the_result_codes_are_the_seven_of_the_zengin_rules(self) -> None:
        assert RESULT_CODES == {
            "0": "振替済", "1": "資金不足", "2": "預金取引なし", "3": "預金者の都合による振替停止",
            "4": "預金口座振替依頼書なし", "8": "委託者の都合による振替停止", "9": "その他",
        }

    def test_the_request_itself_is_not_a_result_because_its_trailer_reports_nothing_transferred(self) -> None:
        errors = errors_of(read_transfer_result, write_transfer_request(HEADER, [ITEM]))
        assert where(errors) == [(3, "振替済件数"), (3, "振替済金額")]


class TestReadingAcceptsTheUsualFileShapes:
    @pytest.fixture()
    def result(self) -> bytes:
        return bank_result(write_transfer_request(HEADER, [ITEM, ITEM]), ["0", "1"])

    def test_records_without_separators_are_read(self, result: bytes) -> None:
        assert read_transfer_result(result.replace(b"\r\n", b"")) == read_transfer_result(result)

    def test_a_trailing_eof_byte_is_ignored_with_or_without_cr_lf(self, result: bytes) -> None:
        expected = read_transfer_result(result)
        assert read_transfer_result(result + b"\x1a") == expected
        assert read_transfer_result(result.replace(b"\r\n", b"") + b"\x1a") == expected

    def test_lf_alone_and_a_missing_final_separator_are_accepted(self, result: bytes) -> None:
        expected = read_transfer_result(result)
        assert read_transfer_result(result.replace(b"\r\n", b"\n")) == expected
        assert read_transfer_result(result[:-2]) == expected

    def test_split_records_cuts_a_separatorless_file_every_120_bytes(self) -> None:
        assert split_records(b"a" * 250) == [b"a" * 120, b"a" * 120, b"a" * 10]


class TestTransferResultErrors:
    @pytest.fixture()
    def recs(self) -> list[bytes]:
        """Header, three data records (codes 0, 1, 0), trailer, end."""
        items = [ITEM, replace(ITEM, amount=500), replace(ITEM, amount=7)]
        return records(bank_result(write_transfer_request(HEADER, items), ["0", "1", "0"]))

    def test_an_empty_file_is_one_clear_error(self) -> None:
        assert where(errors_of(read_transfer_result, b"")) == [(1, None)]
        assert where(errors_of(read_transfer_result, b"\x1a")) == [(1, None)]

    def test_a_record_of_the_wrong_length_is_reported_with_its_number(self, recs: list[bytes]) -> None:
        recs[2] = recs[2][:119]
        errors = errors_of(read_transfer_result, join(recs))
        assert (3, None) in where(errors) and "119バイト" in errors[0].message

    def test_every_bad_record_is_listed_in_record_order(self, recs: list[bytes]) -> None:
        recs[1] = recs[1][:80] + b"00000ABCDE" + recs[1][90:]  # 引落金額
        recs[2] = recs[2][:111] + b"5" + recs[2][112:]  # unknown 振替結果コード
        recs[3] = recs[3][:43] + b"76543X1" + recs[3][50:]  # 口座番号
        errors = errors_of(read_transfer_result, join(recs))
        assert where(errors) == [(2, "引落金額"), (3, "振替結果コード"), (4, "口座番号")]
        assert_private(errors)

    def test_totals_are_not_compared_with_records_that_could_not_be_read(self, recs: list[bytes]) -> None:
        recs[1] = recs[1][:80] + b"00000ABCDE" + recs[1][90:]
        assert where(errors_of(read_transfer_result, join(recs))) == [(2, "引落金額")]

    def test_a_kind_code_other_than_91_is_refused(self, recs: list[bytes]) -> None:
        recs[0] = recs[0][:1] + b"21" + recs[0][3:]
        assert where(errors_of(read_transfer_result, join(recs))) == [(1, "種別コード")]

    @pytest.mark.parametrize(("start", "column"), [(1, "引落銀行番号"), (20, "引落支店番号"), (43, "口座番号")])
    def test_a_space_in_a_numeric_field_is_not_a_digit(self, recs: list[bytes], start: int, column: str) -> None:
        recs[2] = recs[2][:start] + b" " + recs[2][start + 1 :]
        assert where(errors_of(read_transfer_result, join(recs))) == [(3, column)]

    def test_bytes_outside_jis_x_0201_are_reported_against_their_field(self, recs: list[bytes]) -> None:
        recs[3] = recs[3][:50] + "山田".encode("cp932") + recs[3][54:]
        recs[1] = recs[1][:91] + b"\x00" + recs[1][92:]
        errors = errors_of(read_transfer_result, join(recs))
        assert where(errors) == [(2, "顧客番号"), (4, "預金者名")]
        assert "JIS X 0201" in errors[0].message

    @pytest.mark.parametrize(
        ("start", "width", "column"),
        [(1, 6, "合計件数"), (7, 12, "合計金額"), (19, 6, "振替済件数"), (25, 12, "振替済金額"),
         (37, 6, "振替不能件数"), (43, 12, "振替不能金額")],
    )
    def test_each_trailer_total_is_checked(self, recs: list[bytes], start: int, width: int, column: str) -> None:
        value = int(recs[4][start : start + width]) + 1
        recs[4] = recs[4][:start] + str(value).zfill(width).encode() + recs[4][start + width :]
        assert where(errors_of(read_transfer_result, join(recs))) == [(5, column)]

    def test_a_missing_header_is_reported_at_record_one(self, recs: list[bytes]) -> None:
        assert where(errors_of(read_transfer_result, join(recs[1:]))) == [(1, "データ区分")]

    def test_a_second_header_is_reported_where_it_stands(self, recs: list[bytes]) -> None:
        recs.insert(2, recs[0])
        assert where(errors_of(read_transfer_result, join(recs))) == [(3, "データ区分")]

    def test_a_missing_trailer_is_reported(self, recs: list[bytes]) -> None:
        del recs[4]
        assert where(errors_of(read_transfer_result, join(recs))) == [(5, "データ区分")]

    def test_two_trailers_are_reported_at_the_second(self, recs: list[bytes]) -> None:
        recs.insert(5, recs[4])
        assert where(errors_of(read_transfer_result, join(recs))) == [(6, "データ区分")]

    def test_a_data_record_after_the_trailer_is_reported(self, recs: list[bytes]) -> None:
        recs[3], recs[4] = recs[4], recs[3]
        errors = errors_of(read_transfer_result, join(recs))
        assert (5, "データ区分") in where(errors) and "トレーラー・レコードの後" in errors[-1].message

    def test_a_missing_end_record_is_reported_at_the_last_record(self, recs: list[bytes]) -> None:
        assert where(errors_of(read_transfer_result, join(recs[:-1]))) == [(5, "データ区分")]

    def test_an_end_record_before_the_last_is_reported(self, recs: list[bytes]) -> None:
        recs.insert(1, recs[-1])
        assert (2, "データ区分") in where(errors_of(read_transfer_result, join(recs)))

    def test_an_unknown_record_kind_is_reported(self, recs: list[bytes]) -> None:
        recs[2] = b"3" + recs[2][1:]
        errors = errors_of(read_transfer_result, join(recs))
        assert (3, "データ区分") in where(errors) and (5, "合計件数") in where(errors)

    def test_no_message_contains_a_name_or_an_account_number(self, recs: list[bytes]) -> None:
        broken = [
            recs[0][:1] + b"99" + recs[0][3:],
            recs[1][:42] + b"7" + recs[1][43:],
            recs[2][:50] + "ﾔﾏﾀﾞ".encode("cp932") + "太".encode("cp932") + recs[2][56:],
            recs[3][:43] + b"7654X21" + recs[3][50:],
            recs[4][:7] + b"999999999999" + recs[4][19:],
            recs[5] + b"7654321",
        ]
        error = pytest.raises(FileFormatError, read_transfer_result, join(broken)).value
        assert where(error.errors) == [(1, "種別コード"), (2, "預金種目"), (3, "預金者名"), (4, "口座番号"), (6, None)]
        assert_private(error)
        assert "ファイルに誤りがあります" in str(error)


# --- 総合振込 ------------------------------------------------------------------------------


class TestFurikomiLayout:
    def test_every_record_is_120_bytes_and_the_header_is_at_its_offsets(self) -> None:
        recs = records(write_furikomi(FK_HEADER, [FK_ITEM, FK_ITEM]))
        assert [r[:1] for r in recs] == [b"1", b"2", b"2", b"8", b"9"] and {len(r) for r in recs} == {120}
        h = recs[0]
        assert h[1:3] == b"21" and h[3:4] == b"0" and h[4:14] == b"9876543210"
        assert h[14:54] == "ﾉｾﾞｲｼ ｶｲｹｲｶﾝﾘｼﾔ".encode("cp932").ljust(40) and h[54:58] == b"0710"
        assert h[58:62] == b"0001" and h[77:80] == b"002" and h[95:96] == b"2" and h[96:103] == b"1111111"
        assert h[80:95] == "ｼﾔｸｼﾖ".encode("cp932").ljust(15) and h[103:120] == b" " * 17

    def test_data_fields_sit_at_their_documented_offsets(self) -> None:
        d = records(write_furikomi(FK_HEADER, [FK_ITEM]))[1]
        assert d[0:1] == b"2" and d[1:5] == b"0009" and d[5:20] == "ﾐﾂｲｽﾐﾄﾓ".encode("cp932").ljust(15)
        assert d[20:23] == b"456" and d[23:38] == "ｳｴﾉ".encode("cp932").ljust(15)
        assert d[38:42] == b"    " and d[42:43] == b"1" and d[43:50] == b"2222222"
        assert d[50:80] == "ｽｽﾞｷ ﾊﾅｺ".encode("cp932").ljust(30) and d[80:90] == b"0000005000"
        assert d[90:91] == b"0" and d[91:101] == b"R000000123" and d[101:111] == b"2025      "
        assert d[111:112] == b"7" and d[112:113] == b" " and d[113:120] == b" " * 7

    def test_the_trailer_holds_count_and_total(self) -> None:
        items = [FK_ITEM, replace(FK_ITEM, amount=123_456)]
        t = records(write_furikomi(FK_HEADER, items))[-2]
        assert t[0:1] == b"8" and t[1:7] == b"000002" and t[7:19] == b"000000128456" and t[19:] == b" " * 101

    def test_the_transfer_designation_may_be_blank(self) -> None:
        d = records(write_furikomi(FK_HEADER, [replace(FK_ITEM, designation=" ")]))[1]
        assert d[111:112] == b" "

    @pytest.mark.parametrize(
        ("key", "value"),
        [("designation", "8"), ("customer_code1", "R" * 11), ("amount", 0), ("payee_name", "鈴木"),
         ("payee_name", "ザ" * 16), ("account_number", "222222")],
    )
    def test_bad_values_are_refused_naming_the_item(self, key: str, value: object) -> None:
        with pytest.raises(ValidationError) as info:
            write_furikomi(FK_HEADER, [FK_ITEM, replace(FK_ITEM, **{key: value})])
        assert info.value.field == f"items[1].{key}" and "明細2件目" in str(info.value)
        assert_private(info.value)

    def test_a_round_trip_gives_the_items_with_half_width_names(self) -> None:
        back = read_furikomi(write_furikomi(FK_HEADER, [FK_ITEM]))
        assert back.items == (replace(FK_ITEM, payee_name="ｽｽﾞｷ ﾊﾅｺ", bank_name="ﾐﾂｲｽﾐﾄﾓ", branch_name="ｳｴﾉ"),)
        assert (back.total_count, back.total_amount, back.header.transfer_mmdd) == (1, 5000, "0710")

    def test_a_transfer_request_is_not_a_furikomi_file(self) -> None:
        errors = errors_of(read_furikomi, write_transfer_request(HEADER, [ITEM]))
        assert (1, "種別コード") in where(errors)
        assert_private(errors)

    def test_a_wrong_furikomi_total_is_reported(self) -> None:
        recs = records(write_furikomi(FK_HEADER, [FK_ITEM]))
        recs[2] = recs[2][:7] + b"000000005001" + recs[2][19:]
        assert where(errors_of(read_furikomi, join(recs))) == [(3, "合計金額")]


# --- properties --------------------------------------------------------------------------

_KANA = "アイウエオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂツッテデトドナニヌネノハバパヒビピ" \
        "フブプヘベペホボポマミムメモヤャユュヨョラリルレロワヲンヴーあいうえおがぎぱぴゃゅょっ"
_names = st.text(alphabet=_KANA, min_size=1, max_size=15)  # ≤ 2 bytes each once half-width: ≤ 30
_digits = lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)  # noqa: E731
_ids = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-", max_size=10)
_amounts = st.integers(min_value=1, max_value=10**10 - 1)

_transfer_items = st.builds(
    TransferItem, bank_code=_digits(4), branch_code=_digits(3), account_type=st.sampled_from("12"),
    account_number=_digits(7), payer_name=_names, amount=_amounts,
    customer_number=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=20),
    new_code=st.sampled_from("012"), bank_name=_names, branch_name=_names,
)
_furikomi_items = st.builds(
    FurikomiItem, bank_code=_digits(4), branch_code=_digits(3), account_type=st.sampled_from("12"),
    account_number=_digits(7), payee_name=_names, amount=_amounts, customer_code1=_ids, customer_code2=_ids,
    new_code=st.sampled_from("012"), designation=st.sampled_from(" 7"), bank_name=_names, branch_name=_names,
)


def _cut(name: str) -> str:
    return to_bank_halfwidth_kana(name).encode("cp932")[:15].decode("cp932").rstrip()


class TestRoundTripProperties:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), items=st.lists(_transfer_items, min_size=1, max_size=12))
    def test_any_valid_request_comes_back_from_the_bank_with_its_codes(
        self, data: st.DataObject, items: list[TransferItem],
    ) -> None:
        codes = data.draw(st.lists(st.sampled_from(sorted(RESULT_CODES)), min_size=len(items), max_size=len(items)))
        request = write_transfer_request(HEADER, items)
        assert all(len(r) == 120 for r in records(request))
        result = read_transfer_result(bank_result(request, codes))
        assert len(result.items) == len(items)
        for item, back, code in zip(items, result.items, codes, strict=True):
            assert (back.bank_code, back.branch_code, back.account_type, back.account_number) == (
                item.bank_code, item.branch_code, item.account_type, item.account_number,
            )
            assert back.payer_name == to_bank_halfwidth_kana(item.payer_name)
            assert (back.bank_name, back.branch_name) == (_cut(item.bank_name), _cut(item.branch_name))
            assert (back.amount, back.new_code, back.customer_number, back.result_code) == (
                item.amount, item.new_code, item.customer_number, code,
            )
        assert result.totals.amount == sum(i.amount for i in items)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(items=st.lists(_furikomi_items, min_size=1, max_size=12))
    def test_any_valid_furikomi_file_reads_back_to_its_items(self, items: list[FurikomiItem]) -> None:
        back = read_furikomi(write_furikomi(FK_HEADER, items))
        expected = tuple(
            replace(i, payee_name=to_bank_halfwidth_kana(i.payee_name),
                    bank_name=_cut(i.bank_name), branch_name=_cut(i.branch_name))
            for i in items
        )
        assert back.items == expected
        assert (back.total_count, back.total_amount) == (len(items), sum(i.amount for i in items))


class TestTheBankResultOfARequest:
    def test_it_reads_back_with_the_codes_given_and_zero_elsewhere(self) -> None:
        from dataclasses import replace

        from storage.files.zengin_transfer import bank_result as product_bank_result

        items = [replace(ITEM, customer_number=f"P20250000{n:02d}", amount=1_000 * n) for n in range(1, 4)]
        result = read_transfer_result(product_bank_result(write_transfer_request(HEADER, items),
                                                          {"P2025000002": "1"}))
        assert [i.result_code for i in result.items] == ["0", "1", "0"]
        assert (result.totals.transferred_count, result.totals.transferred_amount) == (2, 4_000)
        assert (result.totals.failed_count, result.totals.failed_amount) == (1, 2_000)
