"""Hostile files: every file parser either returns a result or raises its typed error — nothing else.

For each format two kinds of input are generated:

- *random* bytes and text (anything at all, also in CP932 and UTF-16);
- *structured but corrupted* files: a real header and plausible rows, then a few
  mutations — one cell replaced by something hostile (huge or negative numbers,
  full-width digits, NUL, escape sequences, bidi marks, SQL, quotes, formula
  starters), a cell dropped or added, a header column dropped or doubled, rows
  doubled or blank, the file cut short, bytes flipped, NUL inserted, CR/LF/CRLF
  mixed, a BOM, another encoding.

The property: the parser succeeds, or raises exactly the format's error class
(:class:`FileFormatError`; :class:`MappingError` for mapping files) with line
numbers and a message that never repeats a My Number or account number found in
the file. A few store-backed examples per import go on through the real import
service and check that a refused file changes nothing: every table keeps its row
count and the audit log gains at most ``denied`` events.

Example counts come from :func:`tests.reliability.scale.fuzz_examples` (150 in
``make test``, 10,000 under ``NOZEI_RELIABILITY=full``) and every example run
is counted per parser by :mod:`tests.reliability.fuzzcount`.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.errors import NozeiError, ValidationError
from core.identifiers import make_my_number
from core.security.permissions import Actor, Permission
from core.services.imports import AssessmentRow, AtenaRow, import_assessments, import_atena
from core.services.payments import import_payments
from core.services.reminders import import_call_records
from core.services.transfer import ResultLine, apply_transfer_results
from storage.files import assessments_csv, atena_csv, callcenter, payments_csv
from storage.files.csvread import FileFormatError, read_csv_text
from storage.files.export import sha256_of
from storage.files.payments_csv import MappingError, PaymentMapping, parse_payments, read_mapping
from storage.files.payments_stream import PaymentStream
from storage.files.zengin import (
    FurikomiHeader,
    FurikomiItem,
    TransferHeader,
    TransferItem,
    read_furikomi,
    read_transfer_result,
    write_furikomi,
    write_transfer_request,
)
from storage.schema.base import metadata
from storage.store import Store
from tests.reliability.fuzzcount import merge_into, parse_report, ran
from tests.reliability.scale import fuzz_examples

TODAY = date(2025, 6, 27)
NOW = datetime(2025, 6, 27, 12, 0, tzinfo=callcenter.TOKYO)
EXAMPLES: int = fuzz_examples()
STORE_EXAMPLES: int = min(EXAMPLES, 30)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
STORE_FUZZ = settings(max_examples=STORE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
CLERK = Actor("fuzz-clerk", frozenset(p.value for p in Permission), terminal_id="T01")

Parse = Callable[[bytes], object]

# ------------------------------------------------------------------------------- hostile values

HOSTILE: tuple[str, ...] = (
    "", " ", "\u3000", "\x00", "a\x00b", "\x1b[31m赤\x1b[0m", "\x1b]0;title\x07", "\x9b2J", "\u202eevil", "\u200f",
    "\ufeff", "'; DROP TABLE taxpayers; --", "\" OR 1=1 --", "[bold red]x[/]", "[@click=app.quit]q[/]",
    '"', '""', '"open', 'a"b', "=1+1", "+81-90", "@SUM(A1)", "\r", "\n", "\r\n", "\t", "\x1a", "\x7f",
    "9" * 40, "9" * 5000, "-1", "-0", "0", "00000000000", "99999999999", "100000000000", "1e9", "NaN", "inf",
    "１２，３４５", "１２３４５円", "1,23,4", ",", "12.5", "0x10", "R99.99.99", "令和元年2月30日", "H31.5.1",
    "S64.1.8", "T0.1.1", "20251340", "2025-02-29", "9999-12-31", "0000-01-01", "令和", "元", "ｱｲｳ", "ﾞﾟ",
    "𠮷野家", "\U0010ffff", "\ud7ff", "個人", "法人", "窓口", "口座振替", "通話", "納付約束", "1", "2",
)
#: Characters CP932 encodes and decodes back unchanged (¢£¬‖−〜 come back as other code points).
CP932_CHARS = st.characters(codec="cp932", exclude_characters="¢£¬‖−〜")
NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.integers(0, 10**15).map(lambda n: f"{n:,}"),
    st.integers(0, 10**12).map(lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
)
HOSTILE_CELL = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), NUMBERS,
                         st.text(alphabet=CP932_CHARS, max_size=20))


def _cells_to_csv(rows: Sequence[Sequence[str]], terminator: str, quoting: int) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=terminator, quoting=quoting).writerows(rows)
    return buffer.getvalue()


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8", errors="surrogatepass")
    return text.encode(encoding, errors="replace" if encoding != "utf-8" else "surrogatepass")


@st.composite
def byte_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """Cut, flip, insert NUL or junk, mix line ends, add an EOF byte — 0 to 3 times."""
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 2, 3)))):
        kind = draw(st.sampled_from(("truncate", "flip", "nul", "junk", "crlf", "lf", "cr", "eof", "dup")))
        at = draw(st.integers(0, len(data)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif kind == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "junk":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n", draw(st.integers(1, 3)))
        elif kind == "lf":
            data = data.replace(b"\r\n", b"\n", draw(st.integers(1, 3)))
        elif kind == "cr":
            data = data.replace(b"\r\n", b"\r", draw(st.integers(1, 3)))
        elif kind == "eof":
            data = data + b"\x1a"
        else:
            data = data[:at] + data[at:] + data[at:]
    return data


@st.composite
def corrupted_csv(draw: st.DrawFn, columns: Sequence[str], labels: Mapping[str, str],
                  rows: st.SearchStrategy[dict[str, str]]) -> bytes:
    """A CSV with a real header (keys or labels, any order) and plausible rows, then corrupted."""
    keys = list(draw(st.permutations(list(columns))))
    header = [draw(st.sampled_from((key, labels.get(key, key)))) for key in keys]
    table: list[list[str]] = [header] + [[r.get(k, "") for k in keys] for r in draw(st.lists(rows, min_size=1, max_size=4))]
    for _ in range(draw(st.sampled_from((0, 0, 1, 1, 2, 3)))):
        kind = draw(st.sampled_from(("cell", "cell", "cell", "drop_cell", "extra_cell", "drop_column",
                                     "double_column", "double_row", "blank_row", "header_junk")))
        line = draw(st.integers(0, len(table) - 1))
        if kind == "cell" and len(table) > 1:
            row = table[draw(st.integers(1, len(table) - 1))]
            if row:
                row[draw(st.integers(0, len(row) - 1))] = draw(HOSTILE_CELL)
        elif kind == "drop_cell" and table[line]:
            del table[line][draw(st.integers(0, len(table[line]) - 1))]
        elif kind == "extra_cell":
            table[line].append(draw(HOSTILE_CELL))
        elif kind == "drop_column" and len(table[0]) > 1:
            at = draw(st.integers(0, len(table[0]) - 1))
            for row in table:
                if at < len(row):
                    del row[at]
        elif kind == "double_column" and table[0]:
            at = draw(st.integers(0, len(table[0]) - 1))
            for row in table:
                if at < len(row):
                    row.insert(at, row[at])
        elif kind == "double_row":
            table.insert(line, list(table[line]))
        elif kind == "blank_row":
            table.insert(line, [])
        elif kind == "header_junk" and table[0]:
            table[0][draw(st.integers(0, len(table[0]) - 1))] = draw(HOSTILE_CELL)
    text = _cells_to_csv(table, draw(st.sampled_from(("\r\n", "\n", "\r"))),
                         draw(st.sampled_from((csv.QUOTE_MINIMAL, csv.QUOTE_ALL))))
    encoding = draw(st.sampled_from(("utf-8", "utf-8", "utf-8", "utf-8-sig", "cp932", "cp932", "utf-16", "latin-1")))
    return draw(byte_mutations(_encode(text, encoding)))


RANDOM_FILE = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.text(alphabet=CP932_CHARS, max_size=300).map(lambda t: t.encode("cp932")),
    st.lists(st.lists(HOSTILE_CELL, max_size=6), max_size=6).map(
        lambda rows: _cells_to_csv(rows, "\r\n", csv.QUOTE_MINIMAL).encode("utf-8", errors="surrogatepass")),
)

# ------------------------------------------------------------------------------- the property

_LONG_DIGITS = re.compile(r"[0-9]{7,}")


def parses_or_refuses(parse: Parse, data: bytes, *, errors: tuple[type[ValidationError], ...] = (FileFormatError,)) -> bool:
    """True when *parse* accepted *data*; False when it refused it with one of *errors* (anything else fails).

    A refusal must name lines (FileFormatError) and never repeat a long digit run
    from the file (a My Number, an account or phone number).
    """
    try:
        parse(data)
    except errors as exc:
        assert type(exc) in errors, f"{type(exc).__name__} is not one of the typed errors"
        report = exc.report() if isinstance(exc, FileFormatError) else str(exc)
        assert report.strip()
        if isinstance(exc, FileFormatError):
            assert all(e.line >= 0 for e in exc.errors)
        text = data.decode("utf-8", errors="ignore") + data.decode("cp932", errors="ignore")
        for secret in set(_LONG_DIGITS.findall(text)):
            assert secret not in report, "a refusal repeated a long number from the file"
        return False
    return True


# ------------------------------------------------------------------------------- plausible rows

_MY_NUMBERS = st.integers(0, 10**11 - 1).map(lambda n: make_my_number(f"{n:011d}"))
ATENA_ROWS = st.fixed_dictionaries({
    "atena_no": st.integers(1, 10**9).map(lambda n: f"{n:010d}"),
    "kind": st.sampled_from(("個人", "1", "individual")),
    "name": st.sampled_from(("山田　太郎", "鈴木花子", "髙橋　一")),
    "name_kana": st.sampled_from(("ヤマダ　タロウ", "すずき はなこ", "ﾀｶﾊｼ ﾊｼﾞﾒ")),
    "my_number": st.one_of(st.just(""), _MY_NUMBERS),
    "sex": st.sampled_from(("", "男", "2")),
    "birth_date": st.sampled_from(("", "S55.4.1", "1980-04-01", "平成元年1月8日")),
    "postal_code": st.sampled_from(("", "100-0001", "1000001")),
    "address": st.sampled_from(("", "みなと市本町1-2-3")),
    "phone": st.sampled_from(("", "03-1234-5678", "09012345678")),
    "resident_status": st.sampled_from(("", "住民", "住登外")),
    "koji_sotatsu": st.sampled_from(("", "0", "有")),
})
ASSESSMENT_ROWS = st.fixed_dictionaries({
    "notice_no": st.integers(1, 10**12).map(lambda n: f"N{n:012d}"),
    "atena_no": st.integers(1, 10**9).map(lambda n: f"{n:010d}"),
    "tax_code": st.sampled_from(("01", "3", "固定資産税", "国保税")),
    "fiscal_year": st.sampled_from(("2025", "R7", "令和7年度")),
    "period": st.integers(1, 12).map(str),
    "amount": st.integers(0, 10**7).map(lambda n: f"{n:,}"),
    "due_date": st.sampled_from(("R7.4.30", "2025-06-30", "20250731")),
    "statutory_due_date": st.sampled_from(("", "R7.4.30")),
    "reason": st.sampled_from(("", "所得更正")),
})
PAYMENT_ROWS = st.fixed_dictionaries({
    "record_key": st.integers(1, 10**9).map(lambda n: f"K{n}"),
    "channel": st.sampled_from(("窓口", "bank", "コンビニ", "eLTAX")),
    "notice_no": st.sampled_from(("", "N0001", "2025030000001")),
    "period": st.sampled_from(("", "1", "12")),
    "amount": st.integers(1, 10**8).map(lambda n: f"{n:,}"),
    "received_on": st.sampled_from(("2025-06-27", "R7.6.1")),
    "accounted_on": st.sampled_from(("2025-06-30", "R7.6.27")),
    "bank_code": st.sampled_from(("", "0001")),
    "branch_code": st.sampled_from(("", "001")),
}).map(lambda r: r | ({"period": ""} if not r["notice_no"] else {}) | ({"branch_code": ""} if not r["bank_code"] else {}))
CALL_ROWS = st.fixed_dictionaries({
    "record_key": st.integers(1, 10**9).map(lambda n: f"CC-{n}"),
    "case_no": st.integers(1, 10**6).map(str),
    "atena_no": st.integers(1, 10**9).map(lambda n: f"{n:010d}"),
    "called_at": st.sampled_from(("2025-05-20 10:30", "2025/5/20 9:05:30")),
    "direction": st.sampled_from(("架電", "受電", "sms")),
    "result": st.sampled_from(("通話", "不在", "納付約束")),
    "counterpart": st.sampled_from(("", "本人", "家族")),
    "content": st.sampled_from(("", "来週納付予定")),
    "promised_on": st.sampled_from(("", "R7.6.30")),
    "promised_amount": st.sampled_from(("", "10,000")),
})


def parse_atena(data: bytes) -> object:
    return atena_csv.parse_atena(data, today=TODAY)


def parse_calls(data: bytes) -> object:
    return callcenter.parse_call_records(data, now=NOW)


# ------------------------------------------------------------------------------- CSV readers


class TestTheSharedCsvReader:
    @FUZZ
    @given(RANDOM_FILE)
    def test_any_bytes_are_decoded_or_refused_as_an_unknown_encoding(self, data: bytes) -> None:
        ran("csvread (encoding)")
        try:
            text, encoding = read_csv_text(data)
        except FileFormatError:
            return
        assert encoding in ("utf-8", "utf-8-sig", "cp932") and isinstance(text, str)


class TestTheAtenaFile:
    @FUZZ
    @given(RANDOM_FILE)
    def test_random_bytes_are_parsed_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("宛名 CSV (atena_csv)")
        parses_or_refuses(parse_atena, data)

    @FUZZ
    @given(corrupted_csv(atena_csv.COLUMNS, atena_csv.LABELS, ATENA_ROWS))
    def test_a_corrupted_file_is_parsed_or_refused_without_repeating_a_my_number(self, data: bytes) -> None:
        ran("宛名 CSV (atena_csv)")
        parses_or_refuses(parse_atena, data)


class TestTheAssessmentFile:
    @FUZZ
    @given(RANDOM_FILE)
    def test_random_bytes_are_parsed_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("調定 CSV (assessments_csv)")
        parses_or_refuses(assessments_csv.parse_assessments, data)

    @FUZZ
    @given(corrupted_csv(assessments_csv.COLUMNS, assessments_csv.LABELS, ASSESSMENT_ROWS))
    def test_a_corrupted_file_is_parsed_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("調定 CSV (assessments_csv)")
        parses_or_refuses(assessments_csv.parse_assessments, data)


class TestThePaymentFile:
    @FUZZ
    @given(RANDOM_FILE)
    def test_random_bytes_are_parsed_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("収納データ CSV (payments_csv)")
        parses_or_refuses(parse_payments, data)

    @FUZZ
    @given(corrupted_csv(payments_csv.COLUMNS, payments_csv.LABELS, PAYMENT_ROWS))
    def test_a_corrupted_file_is_parsed_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("収納データ CSV (payments_csv)")
        parses_or_refuses(parse_payments, data)


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except FileFormatError as exc:
        return ("refused", str(exc), [str(e) for e in exc.errors])


def _stream_agrees_with_parse(data: bytes) -> None:
    """The streaming reader (large files) accepts and refuses exactly what parse_payments does."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "payments.csv"
        path.write_bytes(data)
        whole = _outcome(lambda: parse_payments(data))
        streamed = _outcome(lambda: PaymentStream(path))
        if isinstance(whole, tuple):
            assert streamed == whole
            return
        assert isinstance(streamed, PaymentStream) and isinstance(whole, payments_csv.PaymentFile)
        assert (streamed.sha256, streamed.encoding, len(streamed)) == (whole.sha256, whole.encoding, len(whole.records))
        assert list(streamed.iter_records()) == list(whole.records)
        assert list(streamed.iter_records()) == list(whole.records)  # and again: the import reads it twice


class TestThePaymentStream:
    @FUZZ
    @given(corrupted_csv(payments_csv.COLUMNS, payments_csv.LABELS, PAYMENT_ROWS))
    def test_a_corrupted_file_is_read_or_refused_as_parse_payments_does(self, data: bytes) -> None:
        ran("収納データ CSV (payments_stream)")
        _stream_agrees_with_parse(data)

    @FUZZ
    @given(RANDOM_FILE)
    def test_random_bytes_are_read_or_refused_as_parse_payments_does(self, data: bytes) -> None:
        ran("収納データ CSV (payments_stream)")
        _stream_agrees_with_parse(data)

    def test_a_repeated_record_key_is_named_with_its_first_line(self, tmp_path: Path) -> None:
        rows = "".join(f"K{n % 3},bank,N1,1,100,2025-06-27,2025-06-27,,\r\n" for n in range(5))
        data = (",".join(payments_csv.COLUMNS) + "\r\n" + rows).encode()
        (tmp_path / "p.csv").write_bytes(data)
        with pytest.raises(FileFormatError) as caught:
            PaymentStream(tmp_path / "p.csv")
        assert [str(e) for e in caught.value.errors] == [
            "5行目 レコードキー: レコードキーが重複しています（最初は2行目）",
            "6行目 レコードキー: レコードキーが重複しています（最初は3行目）"]

    def test_a_file_changed_between_the_check_and_the_posting_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "p.csv"
        path.write_bytes((",".join(payments_csv.COLUMNS) + "\r\nK1,bank,N1,1,100,2025-06-27,2025-06-27,,\r\n").encode())
        stream = PaymentStream(path)
        path.write_bytes((",".join(payments_csv.COLUMNS) + "\r\nK1,bank,N1,1,900,2025-06-27,2025-06-27,,\r\n").encode())
        with pytest.raises(NozeiError, match="変更されました"):
            list(stream)


# ------------------------------------------------------------------------------- mapping files

MAPPED_NAMES = {"record_key": "取扱番号", "amount": "納付額", "received_on": "領収日", "accounted_on": "収納日",
                "notice_no": "納付番号", "period": "期"}
GOOD_MAPPING_TOML = ('channel = "bank"\ndate_format = "%Y%m%d"\n[columns]\n'
                     + "".join(f'{k} = "{v}"\n' for k, v in MAPPED_NAMES.items()))
TOML_VALUES = st.one_of(
    st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.integers(-(10**20), 10**20).map(str), st.sampled_from(("true", "[]", "{}", "[1, \"a\"]", "1979-05-27", "nan",
                                                             '"%"', '"%Q"', '"%Y%m%d%"', '"\\u0000"', '"%Y\\u0000"')),
)
TOML_KEYS = st.sampled_from(("channel", "date_format", "columns", "mapping", "record_key", "amount", "x", '"a.b"',
                             "received_on", "accounted_on", "notice_no", "period", "bank_code"))


@st.composite
def mapping_files(draw: st.DrawFn) -> bytes:
    """A mapping TOML: the good one with lines mutated, or random TOML-ish lines, in some encoding."""
    if draw(st.booleans()):
        lines = GOOD_MAPPING_TOML.splitlines()
        for _ in range(draw(st.integers(0, 3))):
            if not lines:
                break
            at = draw(st.integers(0, len(lines) - 1))
            kind = draw(st.sampled_from(("value", "drop", "double", "table", "junk")))
            if kind == "value" and "=" in lines[at]:
                lines[at] = lines[at].split("=", 1)[0] + "= " + draw(TOML_VALUES)
            elif kind == "drop":
                del lines[at]
            elif kind == "double":
                lines.insert(at, lines[at])
            elif kind == "table":
                lines.insert(at, draw(st.sampled_from(("[columns]", "[channel]", "[[columns]]", "[columns.x]"))))
            else:
                lines.insert(at, draw(st.text(max_size=20)))
    else:
        lines = [f"{draw(TOML_KEYS)} = {draw(TOML_VALUES)}" for _ in range(draw(st.integers(0, 5)))]
    text = "\n".join(lines) + "\n"
    encoding = draw(st.sampled_from(("utf-8", "utf-8", "utf-8-sig", "cp932", "utf-16")))
    return draw(byte_mutations(_encode(text, encoding)))


def _mapping_then_file(data: bytes) -> object:
    mapping = read_mapping(data)
    rows = "取扱番号,納付額,領収日,収納日,納付番号,期\r\nA-1,1000,20250627,20250630,N1,1\r\n"
    return parse_payments(rows.encode("utf-8"), mapping)


class TestThePaymentMappingFile:
    @FUZZ
    @given(st.one_of(RANDOM_FILE, mapping_files()))
    def test_any_mapping_file_is_read_or_refused_with_a_mapping_error(self, data: bytes) -> None:
        ran("収納データ mapping (read_mapping)")
        parses_or_refuses(_mapping_then_file, data, errors=(MappingError, FileFormatError))

    @FUZZ
    @given(st.dictionaries(st.sampled_from(("columns", "channel", "date_format", "other")),
                           st.one_of(st.none(), st.text(max_size=10), st.integers(), st.lists(st.text(max_size=5)),
                                     st.dictionaries(st.text(max_size=12), st.one_of(st.text(max_size=8), st.integers()),
                                                     max_size=5)),
                           max_size=4),
           corrupted_csv(payments_csv.COLUMNS, payments_csv.LABELS, PAYMENT_ROWS))
    def test_any_mapping_dict_is_refused_with_a_mapping_error_or_reads_files_safely(
            self, raw: dict[str, Any], data: bytes) -> None:
        ran("収納データ mapping (read_mapping)")
        try:
            mapping = PaymentMapping.from_dict(raw)
        except MappingError:
            return
        parses_or_refuses(lambda d: parse_payments(d, mapping), data)


# ------------------------------------------------------------------------------- call-centre file


class TestTheCallCentreFile:
    @FUZZ
    @given(RANDOM_FILE)
    def test_random_bytes_are_parsed_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("折衝記録 CSV (callcenter)")
        parses_or_refuses(parse_calls, data)

    @FUZZ
    @given(corrupted_csv(callcenter.COLUMNS, callcenter.LABELS, CALL_ROWS))
    def test_a_corrupted_file_is_parsed_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("折衝記録 CSV (callcenter)")
        parses_or_refuses(parse_calls, data)


# ------------------------------------------------------------------------------- 全銀 files

_KANA = st.text(alphabet="アイウエオカガキギサザシタダナハバパマヤユヨラワン", min_size=1, max_size=10)
_TRANSFER_HEADER = TransferHeader(
    consignor_code="1234567890", consignor_name="ノゼイシ", debit_date=date(2025, 6, 27), bank_code="0001",
    branch_code="001", account_type="1", account_number="0000001", bank_name="ミズホ", branch_name="ホンテン")
_FURIKOMI_HEADER = FurikomiHeader(
    requester_code="9876543210", requester_name="ノゼイシ", transfer_date=date(2025, 7, 10), bank_code="0001",
    branch_code="002", account_type="2", account_number="1111111")
_ACCOUNT = st.integers(0, 9_999_999).map(lambda n: f"{n:07d}")


@st.composite
def transfer_results(draw: st.DrawFn) -> bytes:
    """A bank's 振替結果 file for 1..4 requests, with result codes and a matching trailer."""
    items = [TransferItem(bank_code="0005", branch_code="123", account_type=draw(st.sampled_from("12")),
                          account_number=draw(_ACCOUNT), payer_name=draw(_KANA),
                          amount=draw(st.integers(1, 9_999_999_999)), customer_number=f"P{n:010d}")
             for n in range(draw(st.integers(1, 4)))]
    request = write_transfer_request(_TRANSFER_HEADER, items)
    records = request[:-2].split(b"\r\n")
    head, data, end = records[0], records[1:-2], records[-1]
    out, done, failed = [], [0, 0], [0, 0]
    for record in data:
        code = draw(st.sampled_from("0123489"))
        out.append(record[:111] + code.encode() + record[112:])
        tally = done if code == "0" else failed
        tally[0] += 1
        tally[1] += int(record[80:90])
    total = sum(int(r[80:90]) for r in data)
    trailer = (f"8{len(data):06d}{total:012d}{done[0]:06d}{done[1]:012d}{failed[0]:06d}{failed[1]:012d}".encode()
               + b" " * 65)
    return b"".join(r + b"\r\n" for r in [head, *out, trailer, end])


@st.composite
def furikomi_files(draw: st.DrawFn) -> bytes:
    items = [FurikomiItem(bank_code="0009", branch_code="456", account_type="1", account_number=draw(_ACCOUNT),
                          payee_name=draw(_KANA), amount=draw(st.integers(1, 9_999_999_999)),
                          customer_code1=f"{n:010d}", designation=draw(st.sampled_from((" ", "7"))))
             for n in range(draw(st.integers(1, 4)))]
    return write_furikomi(_FURIKOMI_HEADER, items)


@st.composite
def corrupted_records(draw: st.DrawFn, files: st.SearchStrategy[bytes]) -> bytes:
    """A valid fixed-length file with fields overwritten, records dropped/doubled/swapped, separators changed."""
    data = draw(files)
    records = data[:-2].split(b"\r\n")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(records) - 1))
        kind = draw(st.sampled_from(("overwrite", "overwrite", "kanji", "drop", "double", "swap", "shorten", "lengthen")))
        record = records[at]
        if kind == "overwrite":
            start = draw(st.integers(0, 119))
            junk = draw(st.one_of(st.binary(min_size=1, max_size=12), st.sampled_from(
                (b"9" * 12, b"-" + b"0" * 9, b" " * 10, b"\x00", b"\x1b[31m", b"A"))))
            records[at] = (record[:start] + junk + record[start + len(junk):])[:len(record)]
        elif kind == "kanji":
            start = draw(st.integers(0, 118))
            records[at] = record[:start] + "漢".encode("cp932") + record[start + 2:]
        elif kind == "drop" and len(records) > 1:
            del records[at]
        elif kind == "double":
            records.insert(at, record)
        elif kind == "swap":
            other = draw(st.integers(0, len(records) - 1))
            records[at], records[other] = records[other], records[at]
        elif kind == "shorten":
            records[at] = record[:draw(st.integers(0, 119))]
        else:
            records[at] = record + draw(st.binary(min_size=1, max_size=4))
    separator = draw(st.sampled_from((b"\r\n", b"\n", b"", b"\r")))
    out = separator.join(records) + draw(st.sampled_from((separator, b"", b"\x1a", separator + b"\x1a")))
    return draw(byte_mutations(out)) if draw(st.booleans()) else out


class TestTheTransferResultFile:
    @FUZZ
    @given(st.one_of(RANDOM_FILE, st.binary(min_size=118, max_size=490)))
    def test_random_bytes_are_read_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("全銀 振替結果 (read_transfer_result)")
        parses_or_refuses(read_transfer_result, data)

    @FUZZ
    @given(corrupted_records(transfer_results()))
    def test_a_corrupted_result_file_is_read_or_refused_without_repeating_an_account(self, data: bytes) -> None:
        ran("全銀 振替結果 (read_transfer_result)")
        parses_or_refuses(read_transfer_result, data)


class TestTheFurikomiFile:
    @FUZZ
    @given(st.one_of(RANDOM_FILE, st.binary(min_size=118, max_size=490)))
    def test_random_bytes_are_read_or_refused_with_a_file_format_error(self, data: bytes) -> None:
        ran("全銀 総合振込 (read_furikomi)")
        parses_or_refuses(read_furikomi, data)

    @FUZZ
    @given(corrupted_records(furikomi_files()))
    def test_a_corrupted_furikomi_file_is_read_or_refused_without_repeating_an_account(self, data: bytes) -> None:
        ran("全銀 総合振込 (read_furikomi)")
        parses_or_refuses(read_furikomi, data)


# ------------------------------------------------------------------------------- through the imports

_AUDIT = "audit_events"
_AUDIT_BOOKKEEPING = {"audit_events", "audit_head", "audit_checkpoints", "audit_archives"}


def _snapshot(store: Store) -> dict[str, int]:
    with store.reading() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in metadata.sorted_tables}


def _outcomes_after(store: Store, seq_before: int) -> list[str]:
    table = metadata.tables[_AUDIT]
    with store.reading() as conn:
        return [str(o) for o in conn.execute(select(table.c.outcome).where(table.c.seq > seq_before)).scalars()]


def _last_seq(store: Store) -> int:
    table = metadata.tables[_AUDIT]
    with store.reading() as conn:
        return int(conn.execute(select(func.coalesce(func.max(table.c.seq), 0))).scalar_one())


def _import(store: Store, kind: str, data: bytes) -> None:
    """What ``nozei import`` / the import screen do: parse the whole file, then hand it to the service."""
    uow = store.uow(CLERK.user_id)
    if kind == "atena":
        atena = parse_atena(data)
        import_atena(uow, CLERK, [AtenaRow(r.line, r.to_taxpayer()) for r in atena.records],  # type: ignore[attr-defined]
                     sha256=atena.sha256, file_name="atena.csv")  # type: ignore[attr-defined]
    elif kind == "assessments":
        parsed = assessments_csv.parse_assessments(data)
        import_assessments(uow, CLERK, [AssessmentRow(r.line, r.atena_no, r.to_assessment(0), r.reason)
                                        for r in parsed.records], sha256=parsed.sha256, file_name="choutei.csv", on=TODAY)
    elif kind == "payments":
        payments = parse_payments(data)
        import_payments(uow, CLERK, [r.to_payment() for r in payments.records], sha256=payments.sha256,
                        file_name="shuno.csv")
    elif kind == "callcenter":
        calls = callcenter.parse_call_records(data, now=NOW)
        import_call_records(uow, CLERK, calls.records, sha256=calls.sha256, file_name="calls.csv", now=NOW)
    else:
        result = read_transfer_result(data)
        apply_transfer_results(uow, CLERK, [ResultLine(i.customer_number.strip(), i.amount, i.result_code)
                                            for i in result.items], sha256=sha256_of(data), file_name="result.txt")


def _refused_file_changes_nothing(store: Store, kind: str, data: bytes) -> None:
    before, seq = _snapshot(store), _last_seq(store)
    try:
        _import(store, kind, data)
    except ValidationError as exc:  # FileFormatError, ImportProblems, the services' own refusals
        assert str(exc).strip()
        after = _snapshot(store)
        changed = {t for t in before if before[t] != after[t] and t not in _AUDIT_BOOKKEEPING}
        assert not changed, f"a refused {kind} file changed {sorted(changed)}"
        assert set(_outcomes_after(store, seq)) <= {"denied"}


class TestARefusedFileChangesNothingInTheStore:
    @STORE_FUZZ
    @given(corrupted_csv(atena_csv.COLUMNS, atena_csv.LABELS, ATENA_ROWS))
    def test_a_refused_atena_file_changes_nothing(self, store: Store, data: bytes) -> None:
        ran("宛名 import (store)")
        _refused_file_changes_nothing(store, "atena", data)

    @STORE_FUZZ
    @given(corrupted_csv(assessments_csv.COLUMNS, assessments_csv.LABELS, ASSESSMENT_ROWS))
    def test_a_refused_assessment_file_changes_nothing(self, store: Store, data: bytes) -> None:
        ran("調定 import (store)")
        _refused_file_changes_nothing(store, "assessments", data)

    @STORE_FUZZ
    @given(corrupted_csv(payments_csv.COLUMNS, payments_csv.LABELS, PAYMENT_ROWS))
    def test_a_refused_payment_file_changes_nothing(self, store: Store, data: bytes) -> None:
        ran("収納データ import (store)")
        _refused_file_changes_nothing(store, "payments", data)

    @STORE_FUZZ
    @given(corrupted_csv(callcenter.COLUMNS, callcenter.LABELS, CALL_ROWS))
    def test_a_refused_call_centre_file_changes_nothing(self, store: Store, data: bytes) -> None:
        ran("折衝記録 import (store)")
        _refused_file_changes_nothing(store, "callcenter", data)

    @STORE_FUZZ
    @given(corrupted_records(transfer_results()))
    def test_a_refused_transfer_result_file_changes_nothing(self, store: Store, data: bytes) -> None:
        ran("全銀 振替結果 import (store)")
        _refused_file_changes_nothing(store, "transfer_result", data)



# ------------------------------------------------------------------------------- the count report


def _add_counts(path: str, run_id: str) -> None:
    for _ in range(5):
        merge_into(Path(path), run_id, {"宛名 CSV (atena_csv)": 100, "parser b": 1})


class TestTheExampleCountReport:
    def test_workers_of_one_run_add_up_under_the_lock_and_another_run_starts_afresh(self, tmp_path: Path) -> None:
        report = tmp_path / "fuzz.md"
        workers = [multiprocessing.get_context("fork").Process(target=_add_counts, args=(str(report), "run-1"))
                   for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)
            assert w.exitcode == 0
        assert parse_report(report.read_text("utf-8")) == ("run-1", {"宛名 CSV (atena_csv)": 2000, "parser b": 20})
        assert "| 宛名 CSV (atena_csv) | 2,000 |" in report.read_text("utf-8")
        merge_into(report, "run-2", {"parser b": 3})
        assert parse_report(report.read_text("utf-8")) == ("run-2", {"parser b": 3})
