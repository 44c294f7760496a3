"""Shared pieces of the 全銀協 fixed-length formats (SPEC §7).

Every record is 120 bytes of JIS X 0201 (ASCII digits, upper-case letters,
space, a few signs and half-width katakana) in Shift_JIS, i.e. one byte per
character. Written files end every record with CR LF and carry no EOF byte;
read files may have CR LF (or LF) after each record, no separator at all
(records simply concatenated) and one trailing EOF byte 0x1A.

Writer rules: numbers are right-justified and zero-padded, text is
left-justified and space-padded, and a value that does not fit is a
:class:`~core.errors.ValidationError` — never silently cut. The one exception
is bank and branch *names*, which are descriptive only (the bank routes by
the codes) and are cut to their field width. Widths are counted in bytes
after conversion and encoding, so ``ガ`` (``ｶﾞ``) takes two.

Reader rules: every problem of the whole file is collected as a
:class:`~storage.files.csvread.LineError` (``line`` = 1-based record number,
``column`` = the field's Japanese name) and raised once as
:class:`~storage.files.csvread.FileFormatError`. Messages never echo a value
read from the file (names and account numbers are personal data).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Generic, TypeVar

from core.errors import ValidationError
from core.text.kana import is_bank_kana, to_bank_halfwidth_kana
from storage.files.csvread import FileFormatError, LineError

__all__ = [
    "ACCOUNT_TYPES",
    "ENCODING",
    "END_RECORD",
    "EOF",
    "Encoder",
    "header_record",
    "KIND_LABEL",
    "NEW_CODES",
    "RECORD_LENGTH",
    "Field",
    "Parsed",
    "RecordReader",
    "check_sequence",
    "parse_records",
    "join_records",
    "layout",
    "pack",
    "split_records",
]

RECORD_LENGTH = 120
ENCODING = "cp932"
EOF = b"\x1a"
KIND_LABEL = "データ区分"
#: The end record (データ区分 "9" and 119 spaces), the same in every format.
END_RECORD = b"9" + b" " * (RECORD_LENGTH - 1)
#: 預金種目: 1 普通, 2 当座.
ACCOUNT_TYPES: Mapping[str, str] = {"1": "普通", "2": "当座"}
#: 新規コード: 0 その他, 1 第1回（新規）, 2 変更.
NEW_CODES: Mapping[str, str] = {"0": "その他", "1": "新規", "2": "変更"}

# JIS X 0201 graphic characters: ASCII 0x20-0x7E and half-width katakana 0xA1-0xDF.
_JIS_X_0201 = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA1, 0xE0))
_DIGITS = frozenset(b"0123456789")


def _show(codes: Collection[str]) -> str:
    return "、".join("空白" if code == " " else code for code in sorted(codes))


@dataclass(frozen=True, slots=True)
class Field:
    """One field: key (attribute name; ``_`` first for ダミー), Japanese label, 0-based start, width."""

    key: str
    label: str
    start: int
    width: int

    @property
    def end(self) -> int:
        return self.start + self.width

    def of(self, record: bytes) -> bytes:
        return record[self.start : self.end]


def layout(*spec: tuple[str, str, int]) -> dict[str, Field]:
    """Build a record layout from ``(key, label, width)`` triples; widths must add up to 120."""
    fields: dict[str, Field] = {}
    position = 0
    for key, label, width in spec:
        fields[key] = Field(key, label, position, width)
        position += width
    if position != RECORD_LENGTH or len(fields) != len(spec):
        raise AssertionError(f"layout is {position} bytes, not {RECORD_LENGTH}")
    return fields


def pack(fields: Mapping[str, Field], values: Mapping[str, bytes]) -> bytes:
    """Join one record; ダミー fields (key ``_…``) are spaces, every other key is required."""
    parts: list[bytes] = []
    for key, field in fields.items():
        raw = b" " * field.width if key.startswith("_") else values[key]
        if len(raw) != field.width:
            raise AssertionError(f"{key}: {len(raw)} bytes for a {field.width}-byte field")
        parts.append(raw)
    record = b"".join(parts)
    if len(record) != RECORD_LENGTH:
        raise AssertionError("record is not 120 bytes")
    return record


# --- writing ---------------------------------------------------------------------------


class Encoder:
    """Encodes the values of one record; ``where`` is e.g. ``ヘッダー`` or ``明細3件目``."""

    __slots__ = ("fields", "path", "where")

    def __init__(self, fields: Mapping[str, Field], where: str, path: str) -> None:
        self.fields, self.where, self.path = fields, where, path

    def fail(self, key: str, reason: str) -> ValidationError:
        return ValidationError(f"{self.where}の{self.fields[key].label}: {reason}", field=f"{self.path}.{key}")

    def code(self, key: str, value: object) -> bytes:
        """A code of exactly ``width`` ASCII digits (leading zeros matter, so no padding)."""
        width = self.fields[key].width
        if not isinstance(value, str) or len(value) != width or not value.isascii() or not value.isdigit():
            raise self.fail(key, f"{width}桁の数字で指定してください")
        return value.encode("ascii")

    def choice(self, key: str, value: object, allowed: Collection[str]) -> bytes:
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(key, f"{_show(allowed)} のいずれかを指定してください")
        return value.encode("ascii")

    def number(self, key: str, value: object, *, positive: bool = False) -> bytes:
        """A non-negative int, right-justified and zero-padded; too many digits is an error."""
        width = self.fields[key].width
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(key, "0以上の整数で指定してください")
        if positive and value == 0:
            raise self.fail(key, "1以上の整数で指定してください")
        if value >= 10**width:
            raise self.fail(key, f"{width}桁に収まりません")
        return str(value).zfill(width).encode("ascii")

    def text(self, key: str, value: object) -> bytes:
        """An identifier already in 全銀 characters (not converted), left-justified."""
        if not isinstance(value, str) or not is_bank_kana(value):
            raise self.fail(key, "半角英数字・半角カナ以外の文字があります")
        return self._fit(key, value.encode(ENCODING), truncate=False)

    def name(self, key: str, value: object, *, required: bool, truncate: bool = False) -> bytes:
        """Any kana → 全銀 half-width kana (core.text.kana), left-justified.

        Width is checked in bytes after conversion (``ガ`` → ``ｶﾞ`` is 2). With
        ``truncate`` (bank/branch names only) a long name is cut to the width.
        """
        if not isinstance(value, str):
            raise self.fail(key, "文字列で指定してください")
        converted = to_bank_halfwidth_kana(value).strip(" ")
        if not is_bank_kana(converted):
            raise self.fail(key, "半角カナに変換できない文字があります（漢字・記号など）")
        if required and not converted:
            raise self.fail(key, "指定されていません")
        return self._fit(key, converted.encode(ENCODING), truncate=truncate)

    def _fit(self, key: str, raw: bytes, *, truncate: bool) -> bytes:
        width = self.fields[key].width
        if len(raw) > width:
            if not truncate:
                raise self.fail(key, f"半角{width}文字に収まりません（濁点・半濁点も1文字）")
            raw = raw[:width]
        return raw.ljust(width, b" ")


def join_records(records: Sequence[bytes]) -> bytes:
    """Each record followed by CR LF."""
    return b"".join(record + b"\r\n" for record in records)


# --- reading ---------------------------------------------------------------------------


def split_records(data: bytes) -> list[bytes]:
    """Cut *data* into records: by CR LF (or LF) when present, else every 120 bytes.

    One trailing EOF byte 0x1A is dropped, so is the separator after the last
    record. Lengths are not checked here.
    """
    raw = bytes(data)
    if raw.endswith(EOF):
        raw = raw[:-1]
    if b"\n" in raw or b"\r" in raw:
        records = re.split(rb"\r?\n", raw)
        if records and records[-1] == b"":
            records.pop()
        return records
    return [raw[i : i + RECORD_LENGTH] for i in range(0, len(raw), RECORD_LENGTH)]


def check_sequence(kinds: Sequence[bytes], errors: list[LineError]) -> None:
    """One header (1) first, data (2), exactly one trailer (8), one end (9) last.

    *kinds* holds each record's データ区分 byte (``b""`` for an empty record);
    unknown kinds are reported by the caller and ignored here.
    """
    if not kinds:
        return
    last = len(kinds)

    def add(line: int, message: str) -> None:
        errors.append(LineError(line, KIND_LABEL, message))

    if kinds[0] != b"1":
        add(1, "先頭のレコードがヘッダー・レコード（データ区分1）ではありません")
    if kinds[-1] != b"9":
        add(last, "最後のレコードがエンド・レコード（データ区分9）ではありません")
    trailers = [no for no, kind in enumerate(kinds, 1) if kind == b"8"]
    if not trailers:
        add(last, "トレーラー・レコード（データ区分8）がありません")
    for no, kind in enumerate(kinds, 1):
        if kind == b"1" and no != 1:
            add(no, "ヘッダー・レコードが先頭以外にあります")
        elif kind == b"9" and no != last:
            add(no, "エンド・レコードが最後以外にあります")
        elif kind == b"8" and no != trailers[0]:
            add(no, "トレーラー・レコードが複数あります")
        elif kind == b"2" and trailers and no > trailers[0]:
            add(no, "データ・レコードがトレーラー・レコードの後にあります")


class RecordReader:
    """Reads the fields of one 120-byte record, adding a :class:`LineError` per bad field."""

    __slots__ = ("errors", "fields", "no", "ok", "record")

    def __init__(self, no: int, record: bytes, fields: Mapping[str, Field], errors: list[LineError]) -> None:
        self.no, self.record, self.fields, self.errors = no, record, fields, errors
        self.ok = True

    def error(self, key: str, message: str) -> None:
        self.ok = False
        self.errors.append(LineError(self.no, self.fields[key].label, message))

    def digits(self, key: str) -> str:
        raw = self.fields[key].of(self.record)
        if not raw or any(b not in _DIGITS for b in raw):
            self.error(key, "数字ではありません")
            return ""
        return raw.decode("ascii")

    def number(self, key: str) -> int:
        text = self.digits(key)
        return int(text) if text else 0

    def choice(self, key: str, allowed: Collection[str], what: str) -> str:
        raw = self.fields[key].of(self.record)
        value = raw.decode("latin-1")
        if value not in allowed:
            expected = f"{_show(allowed)}では" if len(allowed) == 1 else f"{_show(allowed)} のいずれでも"
            self.error(key, f"{what}が不正です（{expected}ありません）")
            return ""
        return value

    def text(self, key: str) -> str:
        """Left-justified text, trailing spaces removed; bytes outside JIS X 0201 are an error."""
        raw = self.fields[key].of(self.record)
        if any(b not in _JIS_X_0201 for b in raw):
            self.error(key, "JIS X 0201（半角英数・半角カナ）以外の文字があります")
            return ""
        return raw.decode(ENCODING).rstrip(" ")

    def mmdd(self, key: str) -> str:
        """A month and day MMDD (any year: 0229 passes)."""
        text = self.digits(key)
        if text:
            try:
                date(2000, int(text[:2]), int(text[2:]))
            except ValueError:
                self.error(key, "月日（MMDD）として正しくありません")
                return ""
        return text


HeaderT = TypeVar("HeaderT")
ItemT = TypeVar("ItemT")
TrailerT = TypeVar("TrailerT")


@dataclass(slots=True)
class Parsed(Generic[HeaderT, ItemT, TrailerT]):
    """What :func:`parse_records` found; ``items`` is complete only when ``data_readable``."""

    header: HeaderT | None = None
    items: list[ItemT] = dc_field(default_factory=list)
    trailer: TrailerT | None = None
    trailer_no: int = 0
    data_count: int = 0
    data_readable: bool = True
    errors: list[LineError] = dc_field(default_factory=list)

    def raise_if_errors(self) -> None:
        if self.errors or self.header is None or self.trailer is None:
            raise FileFormatError(sorted(self.errors, key=lambda e: e.line))


def parse_records(
    data: bytes,
    header: tuple[Mapping[str, Field], Callable[[RecordReader], HeaderT]],
    item: tuple[Mapping[str, Field], Callable[[RecordReader], ItemT]],
    trailer: tuple[Mapping[str, Field], Callable[[RecordReader], TrailerT]],
) -> Parsed[HeaderT, ItemT, TrailerT]:
    """Split, check the record order and read every record with the given layouts and readers.

    A record that has errors is left out of the result (its errors are kept);
    the caller checks the trailer totals, then calls :meth:`Parsed.raise_if_errors`.
    """
    records = split_records(data)
    if not records:
        raise FileFormatError([LineError(1, None, "ファイルが空です")])
    parsed: Parsed[HeaderT, ItemT, TrailerT] = Parsed()
    errors = parsed.errors
    check_sequence([record[:1] for record in records], errors)
    trailers = 0
    for no, record in enumerate(records, 1):
        kind = record[:1]
        parsed.data_count += kind == b"2"
        if len(record) != RECORD_LENGTH:
            message = f"レコード長が{RECORD_LENGTH}バイトではありません（{len(record)}バイト）"
            errors.append(LineError(no, None, message))
            parsed.data_readable = parsed.data_readable and kind != b"2"
            continue
        if kind not in (b"1", b"2", b"8", b"9"):  # b"9" needs no reading: it is all ダミー
            errors.append(LineError(no, KIND_LABEL, "データ区分が不正です（1、2、8、9 のいずれでもありません）"))
            continue
        if kind == b"1":
            reader = RecordReader(no, record, header[0], errors)
            head = header[1](reader)
            if reader.ok and no == 1:
                parsed.header = head
        elif kind == b"2":
            reader = RecordReader(no, record, item[0], errors)
            value = item[1](reader)
            if reader.ok:
                parsed.items.append(value)
            parsed.data_readable = parsed.data_readable and reader.ok
        elif kind == b"8":
            reader = RecordReader(no, record, trailer[0], errors)
            tail = trailer[1](reader)
            trailers += 1
            if reader.ok and trailers == 1:
                parsed.trailer, parsed.trailer_no = tail, no
    if trailers != 1:
        parsed.trailer = None
    return parsed


def header_record(fields: Mapping[str, Field], *, kind_code: str, party: tuple[str, str, str, str],
                  day: tuple[str, object], bank: tuple[str, str, str, str], account: tuple[str, str]) -> bytes:
    """The header record both 種別91 and 種別21 share, only its field names differ.

    *party* = (code field, code, name field, name); *day* = (date field, date);
    *bank* = (bank code, bank name, branch code, branch name); *account* = (type, number).
    """
    enc = Encoder(fields, "ヘッダー", "header")
    code_key, code, name_key, name = party
    day_key, value = day
    if not isinstance(value, date):
        raise enc.fail(day_key, "日付で指定してください")
    bank_code, bank_name, branch_code, branch_name = bank
    return pack(fields, {
        "kind": b"1", "kind_code": kind_code.encode(), "code_division": b"0",
        code_key: enc.code(code_key, code),
        name_key: enc.name(name_key, name, required=True),
        day_key: value.strftime("%m%d").encode(),
        "bank_code": enc.code("bank_code", bank_code),
        "bank_name": enc.name("bank_name", bank_name, required=False, truncate=True),
        "branch_code": enc.code("branch_code", branch_code),
        "branch_name": enc.name("branch_name", branch_name, required=False, truncate=True),
        "account_type": enc.choice("account_type", account[0], ACCOUNT_TYPES),
        "account_number": enc.code("account_number", account[1]),
    })
