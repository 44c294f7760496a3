"""調定 CSV (SPEC §3 Assessment period, §7)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.assessment import TAX_NAMES, Assessment, AssessmentStatus, TaxCode
from core.errors import ValidationError
from storage.files.assessments_csv import (
    COLUMNS,
    LABELS,
    AssessmentFile,
    parse_assessments,
    parse_fiscal_year,
    parse_tax_code,
)
from storage.files.csvread import ENCODING_ERROR_MESSAGE, FileFormatError, LineError
from storage.files.fields import FieldError

HEADER = ",".join(COLUMNS)
JA_HEADER = ",".join(LABELS[c] for c in COLUMNS)
GOOD: dict[str, str] = {
    "notice_no": "2025030000001", "atena_no": "0000000001", "tax_code": "固定資産税", "fiscal_year": "R7",
    "period": "1", "amount": "12,300", "due_date": "R7.4.30", "statutory_due_date": "", "reason": "",
}


def row(base: dict[str, str] = GOOD, **changes: str) -> str:
    """One CSV line in COLUMNS order from *base* with *changes*."""
    values = base | changes
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([values.get(c, "") for c in COLUMNS])
    return buffer.getvalue().removesuffix("\r\n")


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def errors_of(data: bytes) -> tuple[LineError, ...]:
    with pytest.raises(FileFormatError) as info:
        parse_assessments(data)
    return info.value.errors


def columns_of(*lines: str) -> list[tuple[int, str | None]]:
    return [(e.line, e.column) for e in errors_of(csv_bytes(*lines))]


class TestGoodFiles:
    def test_utf8_utf8_bom_and_cp932_files_with_japanese_headers_give_the_same_records(self) -> None:
        lines = [row(), row(period="2", amount="１２，２００", due_date="令和7年7月31日"),
                 row(notice_no="N2", tax_code="軽自動車税（種別割）", amount="0", reason="減額更正（税率誤り）")]
        plain = parse_assessments(csv_bytes(*lines, header=JA_HEADER))
        bom = parse_assessments(b"\xef\xbb\xbf" + csv_bytes(*lines, header=JA_HEADER))
        sjis = parse_assessments(csv_bytes(*lines, header=JA_HEADER, encoding="cp932"))
        assert plain.records == bom.records == sjis.records and len(plain.records) == 3
        assert (plain.encoding, bom.encoding, sjis.encoding) == ("utf-8", "utf-8-sig", "cp932")

    def test_the_sha256_is_that_of_the_raw_bytes(self) -> None:
        data = csv_bytes(row(), encoding="cp932")
        assert parse_assessments(data).sha256 == hashlib.sha256(data).hexdigest()

    def test_english_keys_and_japanese_labels_may_be_mixed_in_any_order(self) -> None:
        header = ",".join(reversed([LABELS[c] if i % 2 else c for i, c in enumerate(COLUMNS)]))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(reversed(next(csv.reader([row()]))))
        line = buffer.getvalue()
        assert parse_assessments(csv_bytes(line, header=header)).records == parse_assessments(csv_bytes(row())).records


class TestRecords:
    def test_a_good_row_becomes_a_validated_assessment(self) -> None:
        (record,) = parse_assessments(csv_bytes(row())).records
        assert (record.line, record.notice_no, record.atena_no, record.tax_code) == (2, "2025030000001", "0000000001", TaxCode.KOTEI_SHISANZEI)
        assert (record.fiscal_year, record.period, record.amount, record.reason) == (2025, 1, 12300, None)
        assessment = record.to_assessment(42)
        assert assessment == Assessment("2025030000001", 42, TaxCode.KOTEI_SHISANZEI, 2025, 1, 12300,
                                        date(2025, 4, 30), date(2025, 4, 30))
        assert (assessment.status, assessment.dunning_fee, assessment.id) == (AssessmentStatus.ACTIVE, 0, None)

    def test_the_statutory_due_date_defaults_to_the_due_date_and_may_be_earlier(self) -> None:
        first, second = parse_assessments(csv_bytes(row(), row(period="2", statutory_due_date="2025-04-01"))).records
        assert (first.statutory_due_date, second.statutory_due_date) == (date(2025, 4, 30), date(2025, 4, 1))

    def test_a_zero_amount_and_a_reason_are_kept(self) -> None:
        (record,) = parse_assessments(csv_bytes(row(amount="0", reason="減額更正"))).records
        assert (record.amount, record.reason) == (0, "減額更正")

    @pytest.mark.parametrize(("text", "code"), [
        *((c.value, c) for c in TaxCode), *((name, c) for c, name in TAX_NAMES.items()),
        ("1", TaxCode.KOJIN_JUMINZEI), ("０５", TaxCode.KOKUHOZEI), ("固定資産税", TaxCode.KOTEI_SHISANZEI),
        ("軽自動車税", TaxCode.KEIJIDOSHAZEI), ("軽自動車税(種別割)", TaxCode.KEIJIDOSHAZEI), ("国保税", TaxCode.KOKUHOZEI),
        ("個人住民税", TaxCode.KOJIN_JUMINZEI), ("法人市民税", TaxCode.HOJIN_SHIMINZEI),
    ])
    def test_tax_codes_are_read_from_codes_and_japanese_names(self, text: str, code: TaxCode) -> None:
        assert parse_tax_code(text) is code
        assert parse_assessments(csv_bytes(row(tax_code=text))).records[0].tax_code is code

    @pytest.mark.parametrize(("text", "year"), [
        ("2025", 2025), ("２０２５", 2025), ("2025年度", 2025), ("R7", 2025), ("r7", 2025), ("令和7", 2025),
        ("令和7年度", 2025), ("令和元年度", 2019), ("R1", 2019), ("H31", 2019), ("平成30年", 2018), ("S50", 1975),
    ])
    def test_fiscal_years_are_read_in_western_and_japanese_notation(self, text: str, year: int) -> None:
        assert parse_fiscal_year(text) == year
        assert parse_assessments(csv_bytes(row(fiscal_year=text))).records[0].fiscal_year == year

    @pytest.mark.parametrize("text", ["", "25", "R", "R0", "H32", "S65", "1949", "2201", "令和七年", "FY2025"])
    def test_bad_fiscal_years_are_refused_with_a_validation_error(self, text: str) -> None:
        with pytest.raises(FieldError):
            parse_fiscal_year(text)


class TestBadValues:
    @pytest.mark.parametrize(("column", "text"), [
        ("notice_no", ""), ("notice_no", "N-1"), ("notice_no", "N" * 31), ("atena_no", ""), ("atena_no", "1" * 21),
        ("tax_code", ""), ("tax_code", "06"), ("tax_code", "住民税"), ("fiscal_year", "H32"), ("fiscal_year", "x"),
        ("period", ""), ("period", "0"), ("period", "100"), ("period", "1.5"), ("amount", ""), ("amount", "-1"),
        ("amount", "100000000000"), ("amount", "1,00"), ("amount", "1.5"), ("due_date", ""), ("due_date", "2025-02-30"),
        ("statutory_due_date", "x"), ("statutory_due_date", "2025-05-01"), ("reason", "誤り\x00"), ("reason", "理" * 201),
    ])
    def test_each_bad_value_names_its_line_and_column(self, column: str, text: str) -> None:
        assert columns_of(row(notice_no="N0"), row(**{column: text})) == [(3, LABELS[column])]


class TestEveryBadLineIsReported:
    def test_bad_lines_are_all_reported_with_physical_line_numbers(self) -> None:
        errors = columns_of(
            row(),                                               # line 2
            row(period="2", reason="更正\n理由\x07"),             # lines 3-4
            row(period="3", amount="x"),                         # line 5
            row(period="4"),                                     # line 6
            row(period="5", tax_code="?", due_date="?"),         # line 7
        )
        assert errors == [(3, "更正理由"), (5, "調定額"), (7, "税目"), (7, "納期限")]

    def test_all_problems_of_one_line_are_listed(self) -> None:
        assert {c for _, c in columns_of(row(dict.fromkeys(COLUMNS, "?")))} == set(LABELS.values()) - {"更正理由"}

    def test_short_and_long_rows_are_reported_and_the_others_still_checked(self) -> None:
        errors = errors_of(csv_bytes("N1,0000000001", row(period="x"), row(period="3") + ",extra"))
        assert [(e.line, e.column) for e in errors] == [(2, None), (3, "期別"), (4, None)]
        assert "列数" in errors[0].message

    def test_nothing_is_returned_when_one_line_is_bad(self) -> None:
        assert len(errors_of(csv_bytes(row(), row(period="2", amount="x"), row(period="3")))) == 1


class TestFileProblems:
    def test_undecodable_bytes_give_the_encoding_message(self) -> None:
        with pytest.raises(FileFormatError) as info:
            parse_assessments(HEADER.encode() + b"\r\n\x82\xa0\x81\r\n")
        assert str(info.value) == ENCODING_ERROR_MESSAGE and isinstance(info.value, ValidationError)

    def test_a_missing_column_is_named_in_the_header(self) -> None:
        errors = errors_of(csv_bytes(header=",".join(c for c in COLUMNS if c != "reason")))
        assert [(e.line, e.column) for e in errors] == [(1, "更正理由")]

    def test_an_empty_or_header_only_file_is_a_clear_error(self) -> None:
        assert "空" in errors_of(b"")[0].message
        assert "データ行がありません" in errors_of(csv_bytes())[0].message


class TestDuplicateKeys:
    def test_a_repeated_notice_and_period_is_an_error_on_the_later_line_naming_the_earlier(self) -> None:
        errors = errors_of(csv_bytes(row(), row(period="2"), row(period="01", amount="1")))
        assert [(e.line, e.column) for e in errors] == [(4, "通知書番号")]
        assert "2行目" in errors[0].message

    def test_the_same_period_of_another_notice_is_no_duplicate(self) -> None:
        assert len(parse_assessments(csv_bytes(row(), row(notice_no="N2"))).records) == 2

    @pytest.mark.parametrize("change", [{"atena_no": "0000000002"}, {"tax_code": "01"}, {"fiscal_year": "2024"}])
    def test_rows_of_one_notice_must_agree_on_taxpayer_tax_and_year(self, change: dict[str, str]) -> None:
        errors = errors_of(csv_bytes(row(), row(period="2", **change)))
        assert [(e.line, e.column) for e in errors] == [(3, "通知書番号")] and "2行目" in errors[0].message


class TestPrivacy:
    @pytest.mark.parametrize(("column", "text", "secret"), [
        ("amount", "12,345,6789", "6789"), ("atena_no", "AB-1234567", "1234567"), ("reason", "山田太郎\x01", "山田太郎"),
        ("due_date", "1999-13-45", "1999"), ("notice_no", "秘密123", "秘密"), ("statutory_due_date", "2025-05-31", "2025-05-31"),
    ])
    def test_messages_never_contain_the_value(self, column: str, text: str, secret: str) -> None:
        with pytest.raises(FileFormatError) as info:
            parse_assessments(csv_bytes(row(**{column: text})))
        assert info.value.errors and secret not in info.value.report() and secret not in str(info.value)


def _assert_valid(result: AssessmentFile) -> None:
    assert result.records
    assert len({(r.notice_no, r.period) for r in result.records}) == len(result.records)
    for r in result.records:
        assert r.to_assessment(1).statutory_due_date <= r.due_date and r.amount >= 0


_cell = st.one_of(st.text(max_size=10), st.sampled_from(
    ["N1", "0000000001", "01", "固定資産税", "R7", "2025", "1", "2", "1,000", "０", "R7.4.30", "2025-04-01", ""]))


class TestFuzz:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=400))
    def test_arbitrary_bytes_give_a_validation_error_or_a_valid_file(self, data: bytes) -> None:
        try:
            _assert_valid(parse_assessments(data))
        except ValidationError as exc:
            assert isinstance(exc, FileFormatError)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.lists(_cell, min_size=len(COLUMNS) - 1, max_size=len(COLUMNS) + 1), max_size=5),
           st.sampled_from(["utf-8", "cp932"]))
    def test_arbitrary_rows_give_a_file_format_error_or_assessments_that_validate(self, rows: list[list[str]], encoding: str) -> None:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([list(COLUMNS), *rows])
        data = buffer.getvalue().encode(encoding, errors="replace")
        try:
            _assert_valid(parse_assessments(data))
        except FileFormatError as exc:
            assert exc.errors or str(exc) == ENCODING_ERROR_MESSAGE
