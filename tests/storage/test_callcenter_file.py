"""納税催告センター files: 催告対象 export and 折衝記録 import (SPEC §7)."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.callcenter import (
    COUNTERPART_LABELS,
    DIRECTION_LABELS,
    RESULT_LABELS,
    CallRecord,
    CallTarget,
)
from core.errors import ValidationError
from storage.files.callcenter import (
    COLUMNS,
    EXPORT_HEADER,
    LABELS,
    TOKYO,
    CallRecordFile,
    parse_call_records,
    parse_called_at,
    render_call_targets,
)
from storage.files.csvread import ENCODING_ERROR_MESSAGE, FileFormatError, LineError
from storage.files.fields import FieldError

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=TOKYO)
HEADER = ",".join(COLUMNS)
JA_HEADER = ",".join(LABELS[c] for c in COLUMNS)
GOOD: dict[str, str] = {
    "record_key": "CC-2025-0001", "case_no": "1024", "atena_no": "0000000001", "called_at": "2025-05-20 10:30",
    "direction": "架電", "result": "通話", "counterpart": "本人", "content": "来週納付予定と回答",
    "promised_on": "", "promised_amount": "",
}
TARGET = CallTarget(case_no=1024, atena_no="0000000001", name_kana="ヤマダ タロウ", phone="090-1234-5678",
                    total_due=123456, periods=3, oldest_due=date(2024, 4, 30), officer="佐藤")


def row(base: dict[str, str] = GOOD, **changes: str) -> str:
    """One CSV line in COLUMNS order from *base* with *changes*."""
    values = base | changes
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([values.get(c, "") for c in COLUMNS])
    return buffer.getvalue().removesuffix("\r\n")


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def parse(data: bytes) -> CallRecordFile:
    return parse_call_records(data, now=NOW)


def errors_of(data: bytes) -> tuple[LineError, ...]:
    with pytest.raises(FileFormatError) as info:
        parse(data)
    return info.value.errors


def errors_without_now(data: bytes) -> tuple[LineError, ...]:
    with pytest.raises(FileFormatError) as info:
        parse_call_records(data)
    return info.value.errors


def columns_of(*lines: str) -> list[tuple[int, str | None]]:
    return [(e.line, e.column) for e in errors_of(csv_bytes(*lines))]


def exported_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


class TestCallTargetExport:
    def test_the_header_and_rows_read_back_with_the_csv_module(self) -> None:
        other = CallTarget(7, "A7", "スズキ ハナコ", None, 5000, 1, date(2025, 1, 31), None)
        header, first, second = exported_rows(render_call_targets([TARGET, other]))
        assert tuple(header) == EXPORT_HEADER
        assert first == ["1024", "0000000001", "ヤマダ タロウ", "090-1234-5678", "123456", "3", "2024-04-30", "佐藤"]
        assert second == ["7", "A7", "スズキ ハナコ", "", "5000", "1", "2025-01-31", ""]

    def test_the_file_is_utf8_with_a_bom_and_crlf_line_ends(self) -> None:
        data = render_call_targets([TARGET, TARGET])
        assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
        assert data.count(b"\r\n") == 3 and data.count(b"\n") == 3
        assert data[3:].decode("utf-8").split("\r\n")[0] == ",".join(EXPORT_HEADER)

    def test_no_targets_give_the_header_only(self) -> None:
        assert render_call_targets([]) == ("\ufeff" + ",".join(EXPORT_HEADER) + "\r\n").encode()

    def test_commas_and_quotes_are_quoted_and_read_back_unchanged(self) -> None:
        target = CallTarget(1, "A1", "ヤマダ,タロウ", None, 1, 1, date(2025, 1, 1), '佐藤"主任"')
        data = render_call_targets([target])
        assert '"ヤマダ,タロウ"'.encode() in data and '"佐藤""主任"""'.encode() in data
        assert exported_rows(data)[1][2::5] == ["ヤマダ,タロウ", '佐藤"主任"']

    def test_line_breaks_and_control_characters_become_spaces_so_each_target_is_one_line(self) -> None:
        target = CallTarget(1, "A1", "ヤマダ\r\nタロウ", None, 1, 1, date(2025, 1, 1), "佐藤\t\x00主任")
        data = render_call_targets([target])
        assert data.count(b"\n") == 2 and b"\r\n" in data
        assert exported_rows(data)[1][2::5] == ["ヤマダ  タロウ", "佐藤  主任"]

    @pytest.mark.parametrize("text", ["=HYPERLINK(\"x\")", "+81-90-1234-5678", "-1+1", "@SUM(A1)", "＝１＋１", "＋81"])
    def test_a_cell_starting_like_a_formula_gets_a_leading_apostrophe(self, text: str) -> None:
        target = CallTarget(1, text, text, text, 1, 1, date(2025, 1, 1), text)
        cells = exported_rows(render_call_targets([target]))[1]
        assert [cells[i] for i in (1, 2, 3, 7)] == ["'" + text] * 4

    @pytest.mark.parametrize("text", ["03-1234-5678", "a=b", " =1", "'quoted", "ヤマダ"])
    def test_other_cells_are_left_alone(self, text: str) -> None:
        target = CallTarget(1, "A1", text, text, 1, 1, date(2025, 1, 1), None)
        assert exported_rows(render_call_targets([target]))[1][2:4] == [text, text]

    def test_the_repr_shows_only_the_case_number(self) -> None:
        assert repr(TARGET) == "CallTarget(case_no=1024)"
        assert "ヤマダ" not in str(TARGET) and "090" not in repr([TARGET])

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.tuples(st.text(max_size=12), st.none() | st.text(max_size=12), st.none() | st.text(max_size=12)),
                    max_size=5))
    def test_any_text_gives_one_line_per_target_without_formulas_or_control_characters(
            self, values: list[tuple[str, str | None, str | None]]) -> None:
        targets = [CallTarget(i, "A1", name, phone, 1, 1, date(2025, 1, 1), officer)
                   for i, (name, phone, officer) in enumerate(values)]
        data = render_call_targets(targets)
        rows = exported_rows(data)
        assert len(rows) == len(targets) + 1 and all(len(r) == len(EXPORT_HEADER) for r in rows)
        assert data.count(b"\n") == data.count(b"\r\n") == len(targets) + 1
        for cells in rows[1:]:
            assert not any(c.startswith(tuple("=+-@＝＋－＠")) for c in cells)
            assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for c in cells for ch in c)


class TestGoodFiles:
    def test_utf8_utf8_bom_and_cp932_files_with_japanese_headers_give_the_same_records(self) -> None:
        lines = [row(), row(record_key="CC-2025-0002", result="納付約束", promised_on="2025-06-10", promised_amount="10,000")]
        plain = parse(csv_bytes(*lines, header=JA_HEADER))
        bom = parse(b"\xef\xbb\xbf" + csv_bytes(*lines, header=JA_HEADER))
        sjis = parse(csv_bytes(*lines, header=JA_HEADER, encoding="cp932"))
        assert plain.records == bom.records == sjis.records and len(plain.records) == 2
        assert (plain.encoding, bom.encoding, sjis.encoding) == ("utf-8", "utf-8-sig", "cp932")

    def test_english_keys_and_japanese_labels_may_be_mixed_in_any_order(self) -> None:
        header = ",".join(reversed([LABELS[c] if i % 2 else c for i, c in enumerate(COLUMNS)]))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(reversed(next(csv.reader([row()]))))
        assert parse(csv_bytes(buffer.getvalue(), header=header)).records == parse(csv_bytes(row())).records

    def test_the_sha256_is_that_of_the_raw_bytes(self) -> None:
        data = csv_bytes(row(), encoding="cp932")
        assert parse(data).sha256 == hashlib.sha256(data).hexdigest()


class TestRecords:
    def test_a_good_row_becomes_a_call_record_in_japan_time(self) -> None:
        (record,) = parse(csv_bytes(row())).records
        assert record == CallRecord("CC-2025-0001", 1024, "0000000001", datetime(2025, 5, 20, 10, 30, tzinfo=TOKYO),
                                    "outbound", "talked", "self", "来週納付予定と回答", None, None)
        assert record.called_at.utcoffset() == timedelta(hours=9)

    def test_a_promise_keeps_its_date_and_amount(self) -> None:
        (record,) = parse(csv_bytes(row(result="納付約束", promised_on="令和7年6月10日", promised_amount="１２，０００"))).records
        assert (record.result, record.promised_on, record.promised_amount) == ("promise", date(2025, 6, 10), 12000)

    def test_optional_cells_may_be_blank(self) -> None:
        (record,) = parse(csv_bytes(row(counterpart="", content="", result="不在"))).records
        assert (record.counterpart, record.content, record.promised_on, record.promised_amount) == (None, None, None, None)

    @pytest.mark.parametrize(("text", "expected"), [
        ("2025/05/20 10:30", datetime(2025, 5, 20, 10, 30)), ("2025-5-2 9:05", datetime(2025, 5, 2, 9, 5)),
        ("２０２５－０５－２０　１０：３０", datetime(2025, 5, 20, 10, 30)), ("2025-05-20  10:30:15", datetime(2025, 5, 20, 10, 30, 15)),
    ])
    def test_called_at_is_read_with_dashes_or_slashes(self, text: str, expected: datetime) -> None:
        assert parse_called_at(text) == expected.replace(tzinfo=TOKYO)

    @pytest.mark.parametrize("text", ["", "2025-05-20", "2025-05-20T10:30", "2025/05-20 10:30", "2025-02-30 10:00",
                                      "2025-05-20 24:00", "1899-12-31 10:00", "20250520 1030"])
    def test_bad_called_at_values_are_refused(self, text: str) -> None:
        with pytest.raises(FieldError):
            parse_called_at(text)

    @pytest.mark.parametrize(("column", "labels"), [
        ("direction", DIRECTION_LABELS), ("result", RESULT_LABELS), ("counterpart", COUNTERPART_LABELS)])
    def test_codes_are_read_from_japanese_labels_and_english_codes(self, column: str, labels: dict[str, str]) -> None:
        lines = [row(record_key=f"K{i}", **{column: text}, promised_on="2025-06-10")
                 for i, text in enumerate([*labels.values(), *labels, *(c.upper() for c in labels)])]
        got = [getattr(r, column) for r in parse(csv_bytes(*lines)).records]
        assert got == [*labels, *labels, *labels]

    def test_full_width_sms_is_read(self) -> None:
        assert parse(csv_bytes(row(direction="ＳＭＳ"))).records[0].direction == "sms"

    def test_the_repr_shows_only_the_record_key_and_case_number(self) -> None:
        (record,) = parse(csv_bytes(row())).records
        assert repr(record) == "CallRecord(record_key='CC-2025-0001', case_no=1024)"


class TestBadValues:
    @pytest.mark.parametrize(("column", "text"), [
        ("record_key", ""), ("record_key", "CC 1"), ("record_key", "CC.1"), ("record_key", "K" * 41),
        ("case_no", ""), ("case_no", "0"), ("case_no", "-1"), ("case_no", "1.5"), ("case_no", "1" * 19),
        ("atena_no", ""), ("atena_no", "A-1"), ("atena_no", "1" * 21), ("called_at", ""), ("called_at", "昨日"),
        ("called_at", "2025-13-01 10:00"), ("direction", ""), ("direction", "訪問"), ("result", ""), ("result", "留守"),
        ("counterpart", "隣人"), ("content", "内容\x00"), ("content", "字" * 401), ("promised_on", "2025-02-30"),
        ("promised_amount", "0"), ("promised_amount", "x"), ("promised_amount", "100000000000"),
    ])
    def test_each_bad_value_names_its_line_and_column(self, column: str, text: str) -> None:
        assert columns_of(row(record_key="K0"), row(**{column: text})) == [(3, LABELS[column])]

    def test_a_promise_without_a_date_is_an_error_on_the_promise_date(self) -> None:
        errors = errors_of(csv_bytes(row(), row(record_key="K2", result="promise", promised_amount="5000")))
        assert [(e.line, e.column) for e in errors] == [(3, "約束日")] and "納付約束" in errors[0].message
        assert "3行目 約束日" in str(errors[0])

    def test_other_results_may_carry_a_date_and_amount(self) -> None:
        (record,) = parse(csv_bytes(row(result="伝言", promised_on="2025-06-10", promised_amount="1"))).records
        assert (record.promised_on, record.promised_amount) == (date(2025, 6, 10), 1)


class TestCalledAtInTheFuture:
    def test_a_call_after_now_is_an_error_and_one_at_now_is_not(self) -> None:
        errors = errors_of(csv_bytes(row(called_at="2025-06-01 12:00"), row(record_key="K2", called_at="2025-06-01 12:01")))
        assert [(e.line, e.column) for e in errors] == [(3, "架電日時")] and "未来" in errors[0].message

    def test_now_in_another_zone_is_compared_as_an_instant(self) -> None:
        data = csv_bytes(row(called_at="2025-06-01 12:00"))
        assert parse_call_records(data, now=datetime(2025, 6, 1, 3, 0, tzinfo=UTC)).records
        with pytest.raises(FileFormatError):
            parse_call_records(data, now=datetime(2025, 6, 1, 2, 59, tzinfo=UTC))

    def test_a_naive_now_is_taken_as_japan_time(self) -> None:
        data = csv_bytes(row(called_at="2025-06-01 12:00"))
        assert parse_call_records(data, now=datetime(2025, 6, 1, 12, 0)).records
        with pytest.raises(FileFormatError):
            parse_call_records(data, now=datetime(2025, 6, 1, 11, 59))

    def test_now_defaults_to_the_current_time(self) -> None:
        assert parse_call_records(csv_bytes(row())).records
        errors = errors_without_now(csv_bytes(row(called_at="2199-01-01 00:00")))
        assert [(e.line, e.column) for e in errors] == [(2, "架電日時")]


class TestEveryBadLineIsReported:
    def test_bad_lines_are_all_reported_with_physical_line_numbers(self) -> None:
        errors = columns_of(
            row(),                                                          # line 2
            row(record_key="K3", content="折衝\n内容\x07"),                 # lines 3-4
            row(record_key="K5", case_no="x"),                              # line 5
            row(record_key="K6"),                                           # line 6
            row(record_key="K7", direction="?", called_at="?"),             # line 7
        )
        assert errors == [(3, "内容"), (5, "案件番号"), (7, "架電日時"), (7, "区分")]

    def test_all_problems_of_one_line_are_listed(self) -> None:
        assert {c for _, c in columns_of(row(dict.fromkeys(COLUMNS, "?")))} == set(LABELS.values()) - {"内容"}

    def test_short_and_long_rows_are_reported_and_the_others_still_checked(self) -> None:
        errors = errors_of(csv_bytes("K1,1", row(record_key="K2", case_no="x"), row(record_key="K3") + ",extra"))
        assert [(e.line, e.column) for e in errors] == [(2, None), (3, "案件番号"), (4, None)]
        assert "列数" in errors[0].message

    def test_nothing_is_returned_when_one_line_is_bad(self) -> None:
        assert len(errors_of(csv_bytes(row(), row(record_key="K2", result="x"), row(record_key="K3")))) == 1


class TestDuplicateRecordKeys:
    def test_a_repeated_key_is_an_error_on_the_later_line_naming_the_first(self) -> None:
        errors = errors_of(csv_bytes(row(), row(record_key="K2"), row(record_key="ＣＣ-2025-0001", case_no="9")))
        assert [(e.line, e.column) for e in errors] == [(4, "記録キー")] and "2行目" in errors[0].message

    def test_keys_differing_in_case_are_different(self) -> None:
        assert len(parse(csv_bytes(row(record_key="k1"), row(record_key="K1"))).records) == 2


class TestFileProblems:
    def test_undecodable_bytes_give_the_encoding_message(self) -> None:
        with pytest.raises(FileFormatError) as info:
            parse(HEADER.encode() + b"\r\n\x82\xa0\x81\r\n")
        assert str(info.value) == ENCODING_ERROR_MESSAGE and isinstance(info.value, ValidationError)

    def test_a_missing_column_is_named_in_the_header(self) -> None:
        errors = errors_of(csv_bytes(header=",".join(c for c in COLUMNS if c != "content")))
        assert [(e.line, e.column) for e in errors] == [(1, "内容")]

    def test_an_empty_or_header_only_file_is_a_clear_error(self) -> None:
        assert "空" in errors_of(b"")[0].message
        assert "データ行がありません" in errors_of(csv_bytes())[0].message


class TestPrivacy:
    NAME, PHONE = "山田太郎", "090-9876-5432"

    @pytest.mark.parametrize(("column", "text"), [
        ("content", f"{NAME} {PHONE}\x01"), ("content", f"{NAME}{PHONE}" * 40), ("record_key", NAME),
        ("atena_no", PHONE), ("case_no", PHONE), ("counterpart", NAME), ("direction", PHONE), ("result", NAME),
        ("promised_amount", PHONE), ("promised_on", PHONE), ("called_at", f"{PHONE} {NAME}"),
    ])
    def test_messages_never_contain_the_value(self, column: str, text: str) -> None:
        with pytest.raises(FileFormatError) as info:
            parse(csv_bytes(row(**{column: text})))
        report = info.value.report() + str(info.value) + repr(info.value.errors)
        assert info.value.errors and not any(s in report for s in (self.NAME, self.PHONE, "9876", "5432"))

    def test_good_personal_values_on_a_bad_line_are_not_echoed(self) -> None:
        line = row(content=f"{self.NAME}（{self.PHONE}）に架電", case_no="x", result="納付約束")
        with pytest.raises(FileFormatError) as info:
            parse(csv_bytes(line, row(record_key="K2", content=self.NAME)))
        assert self.NAME not in info.value.report() and self.PHONE not in info.value.report()

    def test_a_headerless_file_does_not_leak_its_first_row(self) -> None:
        with pytest.raises(FileFormatError) as info:
            parse(("\r\n".join([row(content=self.NAME), row()]) + "\r\n").encode())
        assert self.NAME not in info.value.report()


def _assert_valid(result: CallRecordFile) -> None:
    assert result.records
    assert len({r.record_key for r in result.records}) == len(result.records)
    for r in result.records:
        assert r.called_at.tzinfo is TOKYO and r.called_at <= NOW and r.case_no >= 1
        assert r.direction in DIRECTION_LABELS and r.result in RESULT_LABELS
        assert r.counterpart is None or r.counterpart in COUNTERPART_LABELS
        assert r.result != "promise" or r.promised_on is not None
        assert r.promised_amount is None or r.promised_amount >= 1


_cell = st.one_of(st.text(max_size=10), st.sampled_from(
    ["K1", "K2", "1024", "0000000001", "2025-05-20 10:30", "2025/06/01 12:00", "2099-01-01 00:00", "架電", "受電", "sms",
     "通話", "納付約束", "promise", "本人", "その他", "2025-06-10", "10,000", "０", ""]))


class TestFuzz:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=400))
    def test_arbitrary_bytes_give_a_file_format_error_or_a_valid_file(self, data: bytes) -> None:
        try:
            _assert_valid(parse(data))
        except ValidationError as exc:
            assert isinstance(exc, FileFormatError)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.lists(_cell, min_size=len(COLUMNS) - 1, max_size=len(COLUMNS) + 1), max_size=5),
           st.sampled_from(["utf-8", "cp932"]), st.booleans())
    def test_arbitrary_rows_give_a_file_format_error_or_valid_records(
            self, rows: list[list[str]], encoding: str, japanese: bool) -> None:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[LABELS[c] if japanese else c for c in COLUMNS], *rows])
        data = buffer.getvalue().encode(encoding, errors="replace")
        try:
            _assert_valid(parse(data))
        except FileFormatError as exc:
            assert exc.errors or str(exc) == ENCODING_ERROR_MESSAGE
