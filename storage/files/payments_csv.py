"""The canonical 収納データ CSV and mapped layouts (SPEC §3 Payment, §7).

Canonical columns (English key or Japanese label in the header, any order)::

    record_key   レコードキー    required, unique within the file (idempotency key)
    channel      収納経路        counter/bank/convenience/transfer/eltax/smartphone
                                 or 窓口/金融機関/コンビニ/口座振替/eLTAX/共通納税/スマホ決済
    notice_no    通知書番号      optional; letters and digits (通知書番号 or eL番号)
    period       期別            optional, 1..99, only together with a notice number
    amount       金額            yen, 1 .. 99,999,999,999; commas and full-width digits allowed
    received_on  領収日          any form core.dates.parse_date accepts
    accounted_on 収納日          same; not before 領収日
    bank_code    金融機関コード  optional, 4 digits
    branch_code  店舗コード      optional, 3 digits, only with a bank code

``seizure`` is not accepted: 滞納処分の配当 is recorded by the seizure workflow,
never imported. A :class:`PaymentMapping` (a TOML table read by the caller with
``tomllib``) describes other layouts; see :meth:`PaymentMapping.from_dict`.
"""

from __future__ import annotations

import hashlib
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO

from core.domain.payment import Channel, Payment
from core.errors import ValidationError
from storage.files import fields
from storage.files.csvread import LineError, iter_rows, read_csv_text
from storage.files.fields import FieldError

__all__ = [
    "COLUMNS",
    "LABELS",
    "MappingError",
    "PaymentFile",
    "PaymentMapping",
    "PaymentRecord",
    "parse_channel",
    "parse_payments",
    "read_mapping",
]

COLUMNS: tuple[str, ...] = (
    "record_key", "channel", "notice_no", "period", "amount",
    "received_on", "accounted_on", "bank_code", "branch_code",
)
LABELS: dict[str, str] = {
    "record_key": "レコードキー", "channel": "収納経路", "notice_no": "通知書番号",
    "period": "期別", "amount": "金額", "received_on": "領収日", "accounted_on": "収納日",
    "bank_code": "金融機関コード", "branch_code": "店舗コード",
}
_REQUIRED_MAPPED = ("record_key", "amount", "received_on", "accounted_on")
_CHANNEL_NAMES: dict[str, Channel] = {
    "窓口": Channel.COUNTER, "金融機関": Channel.BANK, "コンビニ": Channel.CONVENIENCE,
    "口座振替": Channel.TRANSFER, "eltax": Channel.ELTAX, "共通納税": Channel.ELTAX,
    "eltax/共通納税": Channel.ELTAX, "スマホ決済": Channel.SMARTPHONE,
} | {c.value: c for c in Channel if c not in (Channel.SEIZURE, Channel.APPROPRIATION)}


class MappingError(ValidationError):
    """A mapping file that does not describe a usable layout."""


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """One validated row; ``line`` is its physical line in the file."""

    line: int
    source_key: str
    channel: Channel
    notice_no: str | None
    period: int | None
    amount: int
    received_on: date
    accounted_on: date
    bank_code: str | None
    branch_code: str | None

    def to_payment(self) -> Payment:
        """The domain :class:`Payment` this row posts (no id, batch or allocation yet)."""
        return Payment(source_key=self.source_key, channel=self.channel, amount=self.amount,
                       received_on=self.received_on, accounted_on=self.accounted_on,
                       notice_no=self.notice_no, period=self.period)


@dataclass(frozen=True, slots=True)
class PaymentFile:
    """A fully valid file: SHA-256 of the raw bytes, detected encoding, records in file order."""

    sha256: str
    encoding: str
    records: tuple[PaymentRecord, ...]


def parse_channel(text: str) -> Channel:
    """A channel from its enum value or Japanese name (NFKC, case-insensitive)."""
    key = unicodedata.normalize("NFKC", text).strip().lower()
    if key not in _CHANNEL_NAMES:
        raise FieldError("収納経路が不明です（窓口, 金融機関, コンビニ, 口座振替, eLTAX, スマホ決済）")
    return _CHANNEL_NAMES[key]


@dataclass(frozen=True, slots=True)
class PaymentMapping:
    """Another layout: ``columns`` maps canonical keys to the file's header names."""

    columns: Mapping[str, str]
    channel: Channel | None = None
    date_format: str | None = None

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> PaymentMapping:
        """Build from a ``tomllib`` dict: ``{"columns": {...}, "channel": "bank", "date_format": "%Y%m%d"}``.

        ``columns`` must map record_key, amount, received_on and accounted_on;
        the channel comes from a ``channel`` column or the fixed ``channel`` value
        (exactly one). Columns of the file that are not mapped are ignored.
        """
        if not isinstance(raw, Mapping):
            raise MappingError("マッピングの形式が正しくありません")
        unknown = sorted(str(k) for k in raw if k not in ("columns", "channel", "date_format"))
        if unknown:
            raise MappingError(f"マッピングに不明な項目があります: {', '.join(unknown)}（columns, channel, date_format のみ）")
        columns = raw.get("columns")
        if not isinstance(columns, Mapping) or not columns:
            raise MappingError("マッピングに columns（列名の対応）がありません", field="columns")
        bad_keys = sorted(str(k) for k in columns if k not in COLUMNS)
        if bad_keys:
            raise MappingError(f"columns に不明な項目があります: {', '.join(bad_keys)}（使える項目: {', '.join(COLUMNS)}）", field="columns")
        if any(not isinstance(v, str) or not v.strip() for v in columns.values()):
            raise MappingError("columns の列名は空でない文字列で指定してください", field="columns")
        names = [v.strip() for v in columns.values()]
        if len(set(names)) != len(names):
            raise MappingError("columns で同じ列名が複数の項目に割り当てられています", field="columns")
        missing = [k for k in _REQUIRED_MAPPED if k not in columns]
        if missing:
            raise MappingError(f"columns に必須の項目がありません: {', '.join(missing)}", field="columns")
        fixed = raw.get("channel")
        channel: Channel | None = None
        if fixed is not None:
            if "channel" in columns:
                raise MappingError("収納経路は channel 列か固定値のどちらか一方で指定してください", field="channel")
            if not isinstance(fixed, str):
                raise MappingError("channel の固定値は文字列で指定してください", field="channel")
            try:
                channel = parse_channel(fixed)
            except FieldError as exc:
                raise MappingError(str(exc), field="channel") from None
        elif "channel" not in columns:
            raise MappingError("収納経路（channel 列または固定値）が指定されていません", field="channel")
        fmt = raw.get("date_format")
        if fmt is not None:
            _check_date_format(fmt)
        return cls({str(k): v.strip() for k, v in columns.items()}, channel, fmt)  # type: ignore[union-attr]


def read_mapping(data: bytes) -> PaymentMapping:
    """A mapping file's bytes (UTF-8 TOML, BOM allowed) as a :class:`PaymentMapping`.

    Anything else — another encoding, broken TOML, a table that is no layout —
    raises :class:`MappingError` (a ``ValidationError``), never a decoding error.
    """
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError("対応表（TOML）は UTF-8 で保存してください") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message gives line and column, never the text
        raise MappingError(f"対応表（TOML）を読めません: {exc}") from None
    return PaymentMapping.from_dict(raw)


def _check_date_format(fmt: object) -> None:
    sample = date(2025, 6, 27)
    try:
        ok = isinstance(fmt, str) and "%" in fmt and datetime.strptime(sample.strftime(fmt), fmt).date() == sample
    except ValueError:
        ok = False
    if not ok:
        raise MappingError("date_format が日付の書式として使えません（例: %Y%m%d, %Y/%m/%d）", field="date_format")


def _key(text: str) -> str:
    if not text:
        raise FieldError("レコードキーがありません")
    if len(text) > 80 or not text.isprintable():  # payments.source_key is VARCHAR(80)
        raise FieldError("レコードキーは改行や制御文字を含まない80文字以内です")
    return text


def _record(line: int, row: Mapping[str, str], mapping: PaymentMapping | None,
            errors: list[LineError]) -> PaymentRecord | None:
    """Validate one row; append every problem to *errors*; the record when there is none."""
    def label(key: str) -> str:
        return mapping.columns[key] if mapping else LABELS[key]

    fmt = mapping.date_format if mapping else None
    parsers: dict[str, fields.Parser] = {  # in COLUMNS order
        "record_key": _key, "channel": parse_channel, "notice_no": fields.notice_no, "period": fields.period,
        "amount": fields.amount, "received_on": lambda t: fields.date_field(t, fmt),
        "accounted_on": lambda t: fields.date_field(t, fmt),
        "bank_code": lambda t: fields.digit_code(t, 4, "金融機関コード"),
        "branch_code": lambda t: fields.digit_code(t, 3, "店舗コード"),
    }
    values = fields.parse_fields(line, row, parsers, label, errors)
    if values is None:
        return None
    for key in COLUMNS:  # a column a mapping leaves out
        values.setdefault(key, mapping.channel if key == "channel" and mapping else None)
    before = len(errors)
    if values["period"] is not None and values["notice_no"] is None:
        errors.append(LineError(line, label("period"), "期別は通知書番号とともに指定してください"))
    if values["branch_code"] is not None and values["bank_code"] is None:
        errors.append(LineError(line, label("branch_code"), "店舗コードは金融機関コードとともに指定してください"))
    received, accounted = values["received_on"], values["accounted_on"]
    assert isinstance(received, date) and isinstance(accounted, date)
    if accounted < received:
        errors.append(LineError(line, label("accounted_on"),
                                f"収納日（{accounted.isoformat()}）が領収日（{received.isoformat()}）より前です"))
    if len(errors) > before:
        return None
    return PaymentRecord(line, *(values[key] for key in COLUMNS))  # type: ignore[arg-type]  # same order


def _iso_date(text: str) -> date | None:
    """A plain ``YYYY-MM-DD`` date within range, else None (the full parser decides)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.isascii():
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if fields.FIRST_DATE <= value <= fields.LAST_DATE else None


def _plain_code(text: str, width: int) -> bool:
    return len(text) == width and text.isascii() and text.isdigit()


def _fast_record(line: int, row: Mapping[str, str]) -> PaymentRecord | None:
    """The record of a canonical row written in the plainest forms (ASCII digits, ISO dates,
    a channel as listed) — exactly what :func:`_record` makes of it; None sends the row there
    (anything unusual, and every error, is decided by the full parsers)."""
    key, channel = row["record_key"], _CHANNEL_NAMES.get(row["channel"])
    if channel is None or not key or len(key) > 80 or not key.isprintable():
        return None
    notice, per, amt = row["notice_no"] or None, row["period"], row["amount"]
    if notice is not None and not (len(notice) <= 30 and notice.isascii() and notice.isalnum()):
        return None
    period = None
    if per:
        if notice is None or not (len(per) <= 2 and per.isascii() and per.isdigit()) or not 1 <= int(per) <= 99:
            return None
        period = int(per)
    if not (0 < len(amt) <= 11 and amt.isascii() and amt.isdigit()) or int(amt) < 1:
        return None
    received, accounted = _iso_date(row["received_on"]), _iso_date(row["accounted_on"])
    if received is None or accounted is None or accounted < received:
        return None
    bank, branch = row["bank_code"] or None, row["branch_code"] or None
    if (bank is not None and not _plain_code(bank, 4)) or (branch is not None and (
            bank is None or not _plain_code(branch, 3))):
        return None
    return PaymentRecord(line, key, channel, notice, period, int(amt), received, accounted, bank, branch)


def layout_rows(text: str | TextIO, layout: PaymentMapping | None,
                errors: list[LineError]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {canonical key: cell})`` of a canonical or mapped file."""
    if layout is None:
        return iter_rows(text, COLUMNS, labels=LABELS, errors=errors)
    names = {name: key for key, name in layout.columns.items()}
    return ((n, {names[k]: v for k, v in r.items()})
            for n, r in iter_rows(text, list(names), allow_extra=True, errors=errors))


def check_record(line: int, row: Mapping[str, str], layout: PaymentMapping | None,
                 errors: list[LineError]) -> PaymentRecord | None:
    """One row validated (every problem appended to *errors*): its record, or None."""
    record = _fast_record(line, row) if layout is None else None
    return record if record is not None else _record(line, row, layout, errors)


def duplicate_key_error(layout: PaymentMapping | None, line: int, first: int) -> LineError:
    label = layout.columns["record_key"] if layout else LABELS["record_key"]
    return LineError(line, label, f"レコードキーが重複しています（最初は{first}行目）")


def parse_payments(data: bytes, mapping: PaymentMapping | Mapping[str, object] | None = None) -> PaymentFile:
    """Validate a whole 収納データ file; raise one :class:`FileFormatError` listing every bad line.

    *mapping* (a :class:`PaymentMapping` or the dict ``tomllib`` returns) selects
    another layout; a bad mapping raises :class:`MappingError` before the file is read.
    (:class:`storage.files.payments_stream.PaymentStream` reads a large file the same way
    without holding its records.)
    """
    layout = PaymentMapping.from_dict(mapping) if isinstance(mapping, Mapping) else mapping
    digest = hashlib.sha256(bytes(data)).hexdigest()
    text, encoding = read_csv_text(data)
    errors: list[LineError] = []
    records: list[PaymentRecord] = []
    first_line: dict[str, int] = {}
    for line, row in layout_rows(text, layout, errors):
        key = row.get("record_key", "")
        if key in first_line:
            errors.append(duplicate_key_error(layout, line, first_line[key]))
        elif key:
            first_line[key] = line
        record = check_record(line, row, layout, errors)
        if record is not None and first_line.get(key) == line:
            records.append(record)
    fields.raise_errors(errors, has_records=bool(records))
    return PaymentFile(sha256=digest, encoding=encoding, records=tuple(records))
