"""The 調定 CSV from the assessment systems (SPEC §3 Assessment period, §7).

One row is one 期別 of one notice. Every column below must be in the header
(English key or Japanese label, any order, mixed allowed); a cell without ○
under 必須 may be left blank.

    ==================  ==========  ====  ========================================================
    key                 見出し      必須  format
    ==================  ==========  ====  ========================================================
    notice_no           通知書番号  ○     ASCII letters and digits, at most 30
    atena_no            宛名番号    ○     ASCII letters and digits, at most 20 (the taxpayer's 宛名)
    tax_code            税目        ○     01〜05 (leading zero optional) or 個人住民税, 法人市民税,
                                          固定資産税・都市計画税 (固定資産税), 軽自動車税（種別割）
                                          (軽自動車税), 国民健康保険税 (国保税)
    fiscal_year         年度        ○     2025, or 和暦 R7 / 令和7 / 令和元 (年度 may follow); 1950〜2200
    period              期別        ○     1〜99
    amount              調定額      ○     yen, 0 .. 99,999,999,999; commas and full-width digits allowed
    due_date            納期限      ○     any form core.dates.parse_date accepts
    statutory_due_date  法定納期限        a date as 納期限, not after it; blank = 納期限
    reason              更正理由          at most 200 characters; used when the row changes the
                                          amount of a period already stored (更正)
    ==================  ==========  ====  ========================================================

(notice_no, period) is unique within the file. All rows of one 通知書番号 must
agree on 宛名番号, 税目 and 年度. Each row is finally checked by
:meth:`core.domain.assessment.Assessment.validated`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.dates import ERAS
from core.domain.assessment import TAX_NAMES, Assessment, TaxCode
from core.errors import ValidationError
from storage.files import fields
from storage.files.csvread import LineError, iter_rows, read_csv_text
from storage.files.fields import FieldError

__all__ = [
    "COLUMNS",
    "LABELS",
    "AssessmentFile",
    "AssessmentRecord",
    "parse_assessments",
    "parse_fiscal_year",
    "parse_tax_code",
]

COLUMNS: tuple[str, ...] = (
    "notice_no", "atena_no", "tax_code", "fiscal_year", "period", "amount",
    "due_date", "statutory_due_date", "reason",
)
LABELS: dict[str, str] = {
    "notice_no": "通知書番号", "atena_no": "宛名番号", "tax_code": "税目", "fiscal_year": "年度",
    "period": "期別", "amount": "調定額", "due_date": "納期限", "statutory_due_date": "法定納期限",
    "reason": "更正理由",
}
_SHORT_NAMES: dict[str, TaxCode] = {
    "固定資産税": TaxCode.KOTEI_SHISANZEI, "軽自動車税": TaxCode.KEIJIDOSHAZEI, "国保税": TaxCode.KOKUHOZEI,
}
_TAX_CODES: dict[str, TaxCode] = (
    {c.value: c for c in TaxCode}
    | {c.value.lstrip("0"): c for c in TaxCode}
    | {unicodedata.normalize("NFKC", name): c for c, name in TAX_NAMES.items()}
    | _SHORT_NAMES
)
_ERA_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}
_YEAR_RE = re.compile(r"(?:(?P<g>[0-9]{4})|(?P<era>令和|平成|昭和|大正|[RHST])(?P<y>[0-9]{1,2}|元))(?:年度?)?")
_FIRST_YEAR, _LAST_YEAR = 1950, 2200  # Assessment.validated


@dataclass(frozen=True, slots=True)
class AssessmentRecord:
    """One validated row; ``line`` is its physical line in the file."""

    line: int
    notice_no: str
    atena_no: str
    tax_code: TaxCode
    fiscal_year: int
    period: int
    amount: int
    due_date: date
    statutory_due_date: date
    reason: str | None

    def to_assessment(self, taxpayer_id: int) -> Assessment:
        """The validated domain :class:`Assessment` for the taxpayer stored under ``atena_no``."""
        return Assessment(
            notice_no=self.notice_no, taxpayer_id=taxpayer_id, tax_code=self.tax_code,
            fiscal_year=self.fiscal_year, period=self.period, assessed_amount=self.amount,
            due_date=self.due_date, statutory_due_date=self.statutory_due_date,
        ).validated()


@dataclass(frozen=True, slots=True)
class AssessmentFile:
    """A fully valid file: records in file order, SHA-256 of the raw bytes, detected encoding."""

    records: tuple[AssessmentRecord, ...]
    sha256: str
    encoding: str


def parse_tax_code(text: str) -> TaxCode:
    """A 税目 from its code (``01``, ``1``) or Japanese name (NFKC, spaces ignored)."""
    return fields.choice(text, _TAX_CODES, "税目が不明です（01〜05 または 個人住民税, 法人市民税, 固定資産税, 軽自動車税, 国民健康保険税）")


def parse_fiscal_year(text: str) -> int:
    """年度 as a Western year from ``2025``, ``2025年度``, ``R7``, ``令和7``, ``令和元年度`` …"""
    value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    if not value:
        raise FieldError("年度がありません")
    match = _YEAR_RE.fullmatch(value)
    if match is None:
        raise FieldError("年度は西暦4桁または和暦で指定してください（例: 2025, R7, 令和7）")
    if match["g"]:
        year = int(match["g"])
    else:
        era = _ERA_BY_KEY[match["era"]]
        era_year = 1 if match["y"] == "元" else int(match["y"])
        year = era.to_gregorian_year(era_year)
        if era_year < 1 or (era.end is not None and year > era.end.year):
            raise FieldError(f"{era.name}にない年です")
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise FieldError(f"年度が範囲外です（{_FIRST_YEAR}〜{_LAST_YEAR}）")
    return year


_PARSERS: dict[str, fields.Parser] = {  # in COLUMNS order
    "notice_no": lambda t: fields.notice_no(t, required=True),
    "atena_no": lambda t: fields.ascii_code(t, 20, "宛名番号", required=True),
    "tax_code": parse_tax_code,
    "fiscal_year": parse_fiscal_year,
    "period": lambda t: fields.period(t, required=True),
    "amount": lambda t: fields.amount(t, minimum=0),
    "due_date": fields.date_field,
    "statutory_due_date": fields.optional_date,
    "reason": lambda t: fields.text_field(t, 200, "更正理由"),
}


def _key(row: Mapping[str, str]) -> tuple[str, int] | None:
    """(notice_no, period) as the row gives them, or None when either is bad (reported elsewhere)."""
    try:
        notice, period = fields.notice_no(row["notice_no"], required=True), fields.period(row["period"], required=True)
    except ValidationError:
        return None
    assert notice is not None and period is not None
    return notice, period


def _record(line: int, row: Mapping[str, str], errors: list[LineError]) -> AssessmentRecord | None:
    """Validate one row; append every problem to *errors*; the record when there is none."""
    values = fields.parse_fields(line, row, _PARSERS, LABELS.__getitem__, errors)
    if values is None:
        return None
    due = values["due_date"]
    assert isinstance(due, date)
    statutory = values["statutory_due_date"] or due
    assert isinstance(statutory, date)
    if statutory > due:
        errors.append(LineError(line, LABELS["statutory_due_date"], "法定納期限が納期限より後です"))
        return None
    values["statutory_due_date"] = statutory
    record = AssessmentRecord(line, **values)  # type: ignore[arg-type]
    try:
        record.to_assessment(0)  # the domain's own rules; the taxpayer id plays no part in them
    except ValidationError as exc:
        errors.append(LineError(line, LABELS.get(exc.field or ""), str(exc)))
        return None
    return record


def parse_assessments(data: bytes) -> AssessmentFile:
    """Validate a whole 調定 file; raise one :class:`FileFormatError` listing every bad line."""
    digest = hashlib.sha256(bytes(data)).hexdigest()
    text, encoding = read_csv_text(data)
    errors: list[LineError] = []
    records: list[AssessmentRecord] = []
    seen: dict[tuple[str, int], int] = {}
    notices: dict[str, AssessmentRecord] = {}  # the first record of each notice
    for line, row in iter_rows(text, COLUMNS, labels=LABELS, errors=errors):
        key = _key(row)
        earlier = fields.first_line(seen, key, line) if key else None
        if earlier is not None:
            errors.append(LineError(line, LABELS["notice_no"],
                                    f"通知書番号と期別の組が重複しています（最初は{earlier}行目）"))
        record = _record(line, row, errors)
        if record is None or earlier is not None:
            continue
        first = notices.setdefault(record.notice_no, record)
        if (first.atena_no, first.tax_code, first.fiscal_year) != (record.atena_no, record.tax_code, record.fiscal_year):
            errors.append(LineError(line, LABELS["notice_no"],
                                    f"同じ通知書番号の{first.line}行目と宛名番号・税目・年度が異なります"))
            continue
        records.append(record)
    fields.raise_errors(errors, has_records=bool(records))
    return AssessmentFile(records=tuple(records), sha256=digest, encoding=encoding)
