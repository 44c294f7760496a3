"""Files exchanged with the 納税催告センター (SPEC §7): 催告対象 out, 折衝記録 in.

Export — :func:`render_call_targets` writes the monthly 催告対象 CSV: UTF-8 with a
BOM (so Excel reads it), CRLF line ends, a Japanese header row
``案件番号,宛名番号,氏名カナ,電話番号,滞納額,期別数,最古納期限,担当者``, dates as
YYYY-MM-DD and a blank cell for a missing phone or officer. Quoting follows the
:mod:`csv` module (cells with commas or quotes are quoted). Every record is one
physical line: line breaks and other control characters in a cell become a space.
Against CSV formula injection, a cell starting with ``=``, ``+``, ``-`` or ``@``
(or their full-width forms) gets a leading apostrophe ``'``, so ``+81-90-…`` is
written ``'+81-90-…`` and a spreadsheet shows it as text.

Import — :func:`parse_call_records` reads the centre's 折衝記録 CSV, one call per row.
Every column below must be in the header (English key or Japanese label, any
order, mixed allowed); a cell without ○ under 必須 may be left blank.

    ===============  ==========  ====  ==========================================================
    key              見出し      必須  format
    ===============  ==========  ====  ==========================================================
    record_key       記録キー    ○     ASCII letters, digits, ``-`` and ``_``, at most 40; unique
    case_no          案件番号    ○     positive integer, at most 18 digits
    atena_no         宛名番号    ○     ASCII letters and digits, at most 20
    called_at        架電日時    ○     ``YYYY-MM-DD HH:MM`` or ``YYYY/MM/DD HH:MM`` (``:SS`` may
                                       follow), Japan time; not after the time of import
    direction        区分        ○     架電 (outbound), 受電 (inbound), SMS (sms)
    result           結果        ○     通話 (talked), 不在 (no_answer), 番号違い (wrong_number),
                                       納付約束 (promise), 拒否 (refused), 伝言 (message)
    counterpart      相手              本人 (self), 家族 (family), 代理人 (agent), 勤務先
                                       (employer), その他 (other)
    content          内容              at most 400 characters, no line breaks or control characters
    promised_on      約束日            a date (core.dates.parse_date); required when 結果 is 納付約束
    promised_amount  約束額            yen, 1 .. 99,999,999,999
    ===============  ==========  ====  ==========================================================

Codes are matched after NFKC, lower-casing and removing spaces. Every bad line is
reported (line, column, reason — never the value) and nothing is returned then.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.clock import SystemClock
from core.domain.callcenter import (
    COUNTERPART_LABELS,
    DIRECTION_LABELS,
    RESULT_LABELS,
    CallRecord,
    CallTarget,
)
from storage.files import fields
from storage.files.csvread import LineError, iter_rows, read_csv_text
from storage.files.fields import FieldError

__all__ = [
    "COLUMNS",
    "EXPORT_HEADER",
    "LABELS",
    "TOKYO",
    "CallRecordFile",
    "parse_call_records",
    "parse_called_at",
    "render_call_targets",
]

TOKYO = ZoneInfo("Asia/Tokyo")
EXPORT_HEADER: tuple[str, ...] = ("案件番号", "宛名番号", "氏名カナ", "電話番号", "滞納額", "期別数", "最古納期限", "担当者")
COLUMNS: tuple[str, ...] = (
    "record_key", "case_no", "atena_no", "called_at", "direction", "result", "counterpart", "content",
    "promised_on", "promised_amount",
)
LABELS: dict[str, str] = {
    "record_key": "記録キー", "case_no": "案件番号", "atena_no": "宛名番号", "called_at": "架電日時",
    "direction": "区分", "result": "結果", "counterpart": "相手", "content": "内容",
    "promised_on": "約束日", "promised_amount": "約束額",
}
_FORMULA_START = tuple("=+-@＝＋－＠")
_CONTROL = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_RECORD_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,40}", re.ASCII)
_CASE_NO_RE = re.compile(r"[0-9]{1,18}", re.ASCII)
_CALLED_AT_RE = re.compile(
    r"(?P<y>[0-9]{4})(?P<s>[-/])(?P<m>[0-9]{1,2})(?P=s)(?P<d>[0-9]{1,2})"
    r" +(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?",
    re.ASCII,
)


def _codes(labels: Mapping[str, str]) -> dict[str, str]:
    """Lookup table for :func:`fields.choice`: the English code and its Japanese label, normalised."""
    normal = {unicodedata.normalize("NFKC", label).lower(): code for code, label in labels.items()}
    return {code: code for code in labels} | normal


_DIRECTIONS, _RESULTS, _COUNTERPARTS = _codes(DIRECTION_LABELS), _codes(RESULT_LABELS), _codes(COUNTERPART_LABELS)


# ---------------------------------------------------------------------------------------- export

def _cell(value: object) -> str:
    """One export cell: control characters → space, formula starters defused with ``'``."""
    if value is None:
        return ""
    text = "".join(" " if unicodedata.category(c) in _CONTROL else c for c in str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_call_targets(rows: Sequence[CallTarget]) -> bytes:
    """The 催告対象 CSV for the centre (UTF-8 with BOM, CRLF, Japanese header), in *rows* order."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for t in rows:
        writer.writerow([_cell(v) for v in (
            t.case_no, t.atena_no, t.name_kana, t.phone, t.total_due, t.periods, t.oldest_due.isoformat(), t.officer,
        )])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------------------------------- import

@dataclass(frozen=True, slots=True)
class CallRecordFile:
    """A fully valid 折衝記録 file: records in file order, detected encoding, SHA-256 of the raw bytes."""

    records: tuple[CallRecord, ...]
    encoding: str
    sha256: str


def _record_key(text: str) -> str:
    value = fields.nfkc(text)
    if not value:
        raise FieldError("記録キーがありません")
    if not _RECORD_KEY_RE.fullmatch(value):
        raise FieldError("記録キーは40文字以内の英数字・ハイフン・下線です")
    return value


def _case_no(text: str) -> int:
    value = fields.nfkc(text)
    if not value:
        raise FieldError("案件番号がありません")
    if not _CASE_NO_RE.fullmatch(value) or int(value) < 1:
        raise FieldError("案件番号は1以上の整数（18桁以内）です")
    return int(value)


def parse_called_at(text: str) -> datetime:
    """架電日時 ``YYYY-MM-DD HH:MM`` / ``YYYY/MM/DD HH:MM`` (Japan time) as an aware datetime."""
    value = re.sub(r"\s+", " ", fields.nfkc(text))
    if not value:
        raise FieldError("架電日時がありません")
    match = _CALLED_AT_RE.fullmatch(value)
    if match is None:
        raise FieldError("架電日時は「YYYY-MM-DD HH:MM」の形式です")
    try:
        result = datetime(int(match["y"]), int(match["m"]), int(match["d"]), int(match["H"]), int(match["M"]),
                          int(match["S"] or 0), tzinfo=TOKYO)
    except ValueError:
        raise FieldError("架電日時が存在しない日付・時刻です") from None
    if not fields.FIRST_DATE <= result.date() <= fields.LAST_DATE:
        raise FieldError("架電日時が範囲外です（1900年〜2200年）")
    return result


_PARSERS: dict[str, fields.Parser] = {  # in COLUMNS order
    "record_key": _record_key,
    "case_no": _case_no,
    "atena_no": lambda t: fields.ascii_code(t, 20, "宛名番号", required=True),
    "called_at": parse_called_at,
    "direction": lambda t: fields.choice(t, _DIRECTIONS, "区分が不明です（架電, 受電, SMS）"),
    "result": lambda t: fields.choice(t, _RESULTS, "結果が不明です（通話, 不在, 番号違い, 納付約束, 拒否, 伝言）"),
    "counterpart": lambda t: fields.choice(t, _COUNTERPARTS, "相手が不明です（本人, 家族, 代理人, 勤務先, その他）")
    if t.strip() else None,
    "content": lambda t: fields.text_field(t, 400, "内容"),
    "promised_on": fields.optional_date,
    "promised_amount": lambda t: fields.amount(t, minimum=1) if t.strip() else None,
}


def _record(line: int, row: Mapping[str, str], now: datetime, errors: list[LineError]) -> CallRecord | None:
    """Validate one row; append every problem to *errors*; the record when there is none."""
    values = fields.parse_fields(line, row, _PARSERS, LABELS.__getitem__, errors)
    if values is None:
        return None
    ok = True
    if values["called_at"] > now:  # type: ignore[operator]
        errors.append(LineError(line, LABELS["called_at"], "架電日時が未来です"))
        ok = False
    if values["result"] == "promise" and values["promised_on"] is None:
        errors.append(LineError(line, LABELS["promised_on"], "結果が納付約束のときは約束日が必要です"))
        ok = False
    return CallRecord(**values) if ok else None  # type: ignore[arg-type]


def parse_call_records(data: bytes, *, now: datetime | None = None) -> CallRecordFile:
    """Validate a whole 折衝記録 file; raise one :class:`FileFormatError` listing every bad line.

    *now* (default: the current time; a naive value is taken as Japan time) bounds
    架電日時: a call may not lie after it.
    """
    moment = SystemClock().now() if now is None else now if now.tzinfo else now.replace(tzinfo=TOKYO)
    digest = hashlib.sha256(bytes(data)).hexdigest()
    text, encoding = read_csv_text(data)
    errors: list[LineError] = []
    records: list[CallRecord] = []
    seen: dict[str, int] = {}
    for line, row in iter_rows(text, COLUMNS, labels=LABELS, errors=errors):
        try:
            key: str | None = _record_key(row["record_key"])
        except FieldError:
            key = None  # reported by _record
        earlier = fields.first_line(seen, key, line) if key else None
        if earlier is not None:
            errors.append(LineError(line, LABELS["record_key"], f"記録キーが重複しています（最初は{earlier}行目）"))
        record = _record(line, row, moment, errors)
        if record is not None and earlier is None:
            records.append(record)
    fields.raise_errors(errors, has_records=bool(records))
    return CallRecordFile(records=tuple(records), encoding=encoding, sha256=digest)
