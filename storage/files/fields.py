"""Field parsers and row helpers shared by the CSV imports (SPEC §7).

Each parser takes one stripped cell and returns its value, or raises a
:class:`~core.errors.ValidationError` (usually :class:`FieldError`) whose
Japanese message says what is wrong *without repeating the value*: values are
personal data and error reports end up on screens and in logs.

:func:`parse_fields` runs a row's parsers and turns every failure into a
:class:`~storage.files.csvread.LineError` naming the line and column;
:func:`raise_errors` ends a file with one :class:`FileFormatError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TypeVar

from core.dates import parse_date
from core.errors import ValidationError
from storage.files.csvread import FileFormatError, LineError

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_AMOUNT",
    "FieldError",
    "Parser",
    "amount",
    "ascii_code",
    "choice",
    "date_field",
    "digit_code",
    "first_line",
    "nfkc",
    "notice_no",
    "optional_date",
    "parse_fields",
    "period",
    "raise_errors",
    "text_field",
]

T = TypeVar("T")
K = TypeVar("K")
Parser = Callable[[str], object]

MAX_AMOUNT = 10**11  # exclusive: 999億9999万9999円 is the largest amount
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2200, 12, 31)
_AMOUNT_RE = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+", re.ASCII)
# Line breaks, control and format characters never belong in a name, address or reason.
_BAD_TEXT_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


class FieldError(ValidationError):
    """A field that fails validation; the message never contains the value."""


def nfkc(text: str) -> str:
    """NFKC (full-width digits and letters → ASCII), then strip."""
    return unicodedata.normalize("NFKC", text).strip()


def amount(text: str, *, minimum: int = 1) -> int:
    """Yen as an integer: commas as thousands separators and full-width digits allowed.

    *minimum* is 1 (payments) or 0 (an assessed amount may be zero).
    """
    value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not value:
        raise FieldError("金額がありません")
    if not _AMOUNT_RE.fullmatch(value):
        raise FieldError("数字ではありません（円単位の整数、桁区切りのカンマは可）")
    digits = value.replace(",", "").lstrip("0")
    if len(digits) > 11 or (digits and int(digits) >= MAX_AMOUNT):  # length first: int() of 5,000 digits fails
        raise FieldError("金額が上限（999億9999万9999円）を超えています")
    yen = int(digits or "0")
    if yen < minimum:
        raise FieldError(f"金額は{minimum}円以上です")
    return yen


def date_field(text: str, fmt: str | None = None) -> date:
    """A date in any form :func:`core.dates.parse_date` accepts (or *fmt*), 1900〜2200."""
    if not text:
        raise FieldError("日付がありません")
    try:
        value = datetime.strptime(text, fmt).date() if fmt else parse_date(text)
    except ValueError as exc:  # DateParseError is a ValueError; its messages never echo the text
        raise FieldError(str(exc) if not fmt else f"日付が書式（{fmt}）に合いません") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise FieldError("日付が範囲外です（1900年〜2200年）")
    return value


def optional_date(text: str, fmt: str | None = None) -> date | None:
    """:func:`date_field`, or None for a blank cell."""
    return date_field(text, fmt) if text.strip() else None


def digit_code(text: str, width: int, what: str) -> str | None:
    """Exactly *width* digits (e.g. 金融機関コード), or None for a blank cell."""
    value = nfkc(text)
    if not value:
        return None
    if not re.fullmatch(rf"[0-9]{{{width}}}", value, re.ASCII):
        raise FieldError(f"{what}は{width}桁の数字です")
    return value


def ascii_code(text: str, max_len: int, what: str, *, required: bool = False) -> str | None:
    """Up to *max_len* ASCII letters and digits after NFKC (宛名番号, 世帯番号 …)."""
    value = nfkc(text)
    if not value:
        if required:
            raise FieldError(f"{what}がありません")
        return None
    if not (value.isascii() and value.isalnum() and len(value) <= max_len):
        raise FieldError(f"{what}は{max_len}文字以内の英数字です")
    return value


def notice_no(text: str, *, required: bool = False) -> str | None:
    """通知書番号 (or eL番号): letters and digits, at most 30 (assessments.notice_no is VARCHAR(30))."""
    return ascii_code(text, 30, "通知書番号", required=required)


def period(text: str, *, required: bool = False) -> int | None:
    """期別, 1..99."""
    value = nfkc(text)
    if not value:
        if required:
            raise FieldError("期別がありません")
        return None
    if not re.fullmatch(r"[0-9]{1,2}", value, re.ASCII) or not 1 <= int(value) <= 99:
        raise FieldError("期別は1〜99の数字です")
    return int(value)


def text_field(text: str, max_len: int, what: str, *, required: bool = False) -> str | None:
    """Free text (names, addresses, reasons) kept as written: no line breaks or control characters."""
    value = text.strip()
    if not value:
        if required:
            raise FieldError(f"{what}がありません")
        return None
    if any(unicodedata.category(c) in _BAD_TEXT_CATEGORIES for c in value):
        raise FieldError(f"{what}に改行や制御文字が含まれています")
    if len(value) > max_len:
        raise FieldError(f"{what}は{max_len}文字以内です")
    return value


def choice(text: str, table: Mapping[str, T], message: str) -> T:
    """Look *text* up in *table* after NFKC, whitespace removal and lower-casing."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()
    if key not in table:
        raise FieldError(message)
    return table[key]


def parse_fields(line: int, row: Mapping[str, str], parsers: Mapping[str, Parser],
                 label: Callable[[str], str], errors: list[LineError]) -> dict[str, object] | None:
    """Run each column's parser; append one error per bad column; the values when none failed.

    Columns missing from *row* (a mapped layout that leaves them out) are skipped.
    Only :class:`ValidationError` messages are reported; the core promises they
    never contain personal data.
    """
    values: dict[str, object] = {}
    ok = True
    for key, parse in parsers.items():
        if key not in row:
            continue
        try:
            values[key] = parse(row[key])
        except ValidationError as exc:
            errors.append(LineError(line, label(key), str(exc)))
            ok = False
    return values if ok else None


def first_line(seen: dict[K, int], key: K, line: int) -> int | None:
    """The line where *key* was seen before, or None after remembering *line* for it."""
    earlier = seen.get(key)
    if earlier is None:
        seen[key] = line
    return earlier


def raise_errors(errors: list[LineError], *, has_records: bool) -> None:
    """Raise one :class:`FileFormatError` (sorted by line) when there are errors or no data rows."""
    if not has_records and not errors:
        errors.append(LineError(1, None, "見出し行のみでデータ行がありません"))
    if errors:
        raise FileFormatError(sorted(errors, key=lambda e: e.line))
