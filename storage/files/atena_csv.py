"""The 宛名 CSV from the 宛名/住基 systems (SPEC §3 Taxpayer, §7).

Every column below must be in the header (English key or Japanese label, any
order, mixed allowed); a cell without ○ under 必須 may be left blank. A blank
flag is 無: the file states the whole record, so importing it also clears flags.

    ===================  ==============  ====  ====================================================
    key                  見出し          必須  format
    ===================  ==============  ====  ====================================================
    atena_no             宛名番号        ○     ASCII letters and digits, at most 20; unique in the file
    kind                 個人法人区分    ○     individual / corporation, 個人 / 法人, or 1 / 2
    name                 氏名            ○     at most 100 characters, kept as written
    name_kana            氏名カナ        ○     kana, ー, spaces and ・, at most 100; half-width kana → full-width
    my_number            個人番号              12 digits with a valid check digit; individuals only
    corporate_number     法人番号              13 digits with a valid check digit; corporations only
    sex                  性別                  1 / 2 or 男 / 女
    birth_date           生年月日              any form core.dates.parse_date accepts; not in the future
    postal_code          郵便番号              7 digits, hyphen allowed (123-4567)
    address              住所                  at most 200 characters
    phone                電話番号              10 or 11 digits, hyphens allowed
    household_no         世帯番号              ASCII letters and digits, at most 20
    relationship         続柄                  at most 20 characters
    household_head_name  世帯主氏名            at most 100 characters
    mailing_address      送付先住所            at most 200 characters
    resident_status      住民区分              resident / non_resident or 住民 / 住登外; blank = resident
    deceased_date        死亡日                a date as birth_date; not in the future, not before birth
    koji_sotatsu         公示送達              1 / 0, 有 / 無, true / false; blank = 0
    tokusoku_teishi      督促停止              as koji_sotatsu
    saikoku_teishi       催告停止              as koji_sotatsu
    hakko_yokushi        発行抑止              as koji_sotatsu
    ===================  ==============  ====  ====================================================

Full-width digits and letters are read as ASCII in codes, numbers and dates.
Text cells must not contain line breaks or control characters. Each row is
finally checked by :meth:`core.domain.taxpayer.Taxpayer.validated`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.clock import SystemClock
from core.domain.taxpayer import (
    ResidentStatus,
    Sex,
    Taxpayer,
    TaxpayerFlags,
    TaxpayerKind,
)
from core.errors import ValidationError
from core.identifiers import normalize_corporate_number, normalize_my_number
from core.text.kana import is_kana_name
from storage.files import fields
from storage.files.csvread import LineError, iter_rows, read_csv_text
from storage.files.fields import FieldError

__all__ = [
    "COLUMNS",
    "FLAG_COLUMNS",
    "LABELS",
    "AtenaFile",
    "AtenaRecord",
    "parse_atena",
]

FLAG_COLUMNS: tuple[str, ...] = ("koji_sotatsu", "tokusoku_teishi", "saikoku_teishi", "hakko_yokushi")
COLUMNS: tuple[str, ...] = (
    "atena_no", "kind", "name", "name_kana", "my_number", "corporate_number", "sex", "birth_date",
    "postal_code", "address", "phone", "household_no", "relationship", "household_head_name",
    "mailing_address", "resident_status", "deceased_date", *FLAG_COLUMNS,
)
LABELS: dict[str, str] = {
    "atena_no": "宛名番号", "kind": "個人法人区分", "name": "氏名", "name_kana": "氏名カナ",
    "my_number": "個人番号", "corporate_number": "法人番号", "sex": "性別", "birth_date": "生年月日",
    "postal_code": "郵便番号", "address": "住所", "phone": "電話番号", "household_no": "世帯番号",
    "relationship": "続柄", "household_head_name": "世帯主氏名", "mailing_address": "送付先住所",
    "resident_status": "住民区分", "deceased_date": "死亡日", "koji_sotatsu": "公示送達",
    "tokusoku_teishi": "督促停止", "saikoku_teishi": "催告停止", "hakko_yokushi": "発行抑止",
}
_KINDS: dict[str, TaxpayerKind] = {
    "individual": TaxpayerKind.INDIVIDUAL, "個人": TaxpayerKind.INDIVIDUAL, "1": TaxpayerKind.INDIVIDUAL,
    "corporation": TaxpayerKind.CORPORATION, "法人": TaxpayerKind.CORPORATION, "2": TaxpayerKind.CORPORATION,
}
_SEXES: dict[str, Sex] = {"1": Sex.MALE, "男": Sex.MALE, "2": Sex.FEMALE, "女": Sex.FEMALE}
_RESIDENT: dict[str, ResidentStatus] = {
    "": ResidentStatus.RESIDENT, "resident": ResidentStatus.RESIDENT, "住民": ResidentStatus.RESIDENT,
    "non_resident": ResidentStatus.NON_RESIDENT, "住登外": ResidentStatus.NON_RESIDENT,
}
_FLAGS: dict[str, bool] = {"": False, "0": False, "無": False, "false": False,
                           "1": True, "有": True, "true": True}
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")
_SPACING_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})  # ゛゜ → combining
_POSTAL_RE = re.compile(r"[0-9]{3}-?[0-9]{4}", re.ASCII)
_PHONE_RE = re.compile(r"[0-9]+(?:-[0-9]+)*", re.ASCII)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc", "-"))


@dataclass(frozen=True, slots=True)
class AtenaRecord:
    """One validated row, values normalised as :meth:`Taxpayer.validated` leaves them."""

    line: int
    atena_no: str
    kind: TaxpayerKind
    name: str
    name_kana: str
    my_number: str | None
    corporate_number: str | None
    sex: Sex | None
    birth_date: date | None
    postal_code: str | None
    address: str | None
    phone: str | None
    household_no: str | None
    relationship: str | None
    household_head_name: str | None
    mailing_address: str | None
    resident_status: ResidentStatus
    deceased_date: date | None
    flags: TaxpayerFlags

    def __repr__(self) -> str:  # personal values stay out of logs, tracebacks and crash screens
        return f"AtenaRecord(line={self.line}, atena_no={self.atena_no!r}, kind={self.kind.value!r})"

    def to_taxpayer(self) -> Taxpayer:
        """The validated domain :class:`Taxpayer` (no id yet); raises :class:`ValidationError`."""
        return Taxpayer(
            atena_no=self.atena_no, kind=self.kind, name=self.name, name_kana=self.name_kana,
            my_number=self.my_number, corporate_number=self.corporate_number, sex=self.sex,
            birth_date=self.birth_date, postal_code=self.postal_code, address=self.address,
            phone=self.phone, household_no=self.household_no, relationship=self.relationship,
            household_head_name=self.household_head_name, mailing_address=self.mailing_address,
            resident_status=self.resident_status, deceased_date=self.deceased_date, flags=self.flags,
        ).validated()


@dataclass(frozen=True, slots=True)
class AtenaFile:
    """A fully valid file: records in file order, SHA-256 of the raw bytes, detected encoding."""

    records: tuple[AtenaRecord, ...]
    sha256: str
    encoding: str


def _atena_no(text: str) -> str:
    value = fields.ascii_code(text, 20, "宛名番号", required=True)
    assert value is not None
    return value


def _name_kana(text: str) -> str:
    value = fields.text_field(text, 100, "氏名カナ", required=True)
    assert value is not None
    if not is_kana_name(value):
        raise FieldError("氏名カナはカナ（全角・半角）で入力してください")
    # Only half-width kana and ゛゜ change; a full-width space stays as sent.
    value = _HALFWIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
    return unicodedata.normalize("NFC", value.translate(_SPACING_MARKS))


def _my_number(text: str) -> str | None:
    return normalize_my_number(text) if text else None  # IdentifierError: a value-free ValidationError


def _corporate_number(text: str) -> str | None:
    return normalize_corporate_number(text) if text else None


def _postal_code(text: str) -> str | None:
    value = fields.nfkc(text).translate(_DASHES)
    if not value:
        return None
    if not _POSTAL_RE.fullmatch(value):
        raise FieldError("郵便番号は7桁の数字です（123-4567 の形も可）")
    return value.replace("-", "")


def _phone(text: str) -> str | None:
    value = fields.nfkc(text).translate(_DASHES)
    if not value:
        return None
    digits = value.replace("-", "")
    if not _PHONE_RE.fullmatch(value) or not 10 <= len(digits) <= 11:
        raise FieldError("電話番号は10桁または11桁の数字です（ハイフン可）")
    return digits


def _past_date(text: str, what: str, today: date) -> date | None:
    value = fields.optional_date(text)
    if value is not None and value > today:
        raise FieldError(f"{what}が未来の日付です")
    return value


def _record(line: int, row: Mapping[str, str], today: date, errors: list[LineError]) -> AtenaRecord | None:
    """Validate one row; append every problem to *errors*; the record when there is none."""
    flag_message = "1/0、有/無、true/false のいずれかで指定してください"
    parsers: dict[str, fields.Parser] = {  # in COLUMNS order
        "atena_no": _atena_no,
        "kind": lambda t: fields.choice(t, _KINDS, "個人法人区分は個人/法人（individual/corporation、1/2）です"),
        "name": lambda t: fields.text_field(t, 100, "氏名", required=True),
        "name_kana": _name_kana,
        "my_number": _my_number,
        "corporate_number": _corporate_number,
        "sex": lambda t: fields.choice(t, _SEXES, "性別は1/2（男/女）です") if t else None,
        "birth_date": lambda t: _past_date(t, "生年月日", today),
        "postal_code": _postal_code,
        "address": lambda t: fields.text_field(t, 200, "住所"),
        "phone": _phone,
        "household_no": lambda t: fields.ascii_code(t, 20, "世帯番号"),
        "relationship": lambda t: fields.text_field(t, 20, "続柄"),
        "household_head_name": lambda t: fields.text_field(t, 100, "世帯主氏名"),
        "mailing_address": lambda t: fields.text_field(t, 200, "送付先住所"),
        "resident_status": lambda t: fields.choice(t, _RESIDENT, "住民区分は住民/住登外（resident/non_resident）です"),
        "deceased_date": lambda t: _past_date(t, "死亡日", today),
    } | {key: (lambda t: fields.choice(t, _FLAGS, flag_message)) for key in FLAG_COLUMNS}
    values = fields.parse_fields(line, row, parsers, LABELS.__getitem__, errors)
    if values is None:
        return None
    flags = TaxpayerFlags(**{key: values.pop(key) for key in FLAG_COLUMNS})  # type: ignore[arg-type]
    record = AtenaRecord(line, **values, flags=flags)  # type: ignore[arg-type]
    try:
        record.to_taxpayer()  # the domain's own rules: kind against the numbers, death after birth …
    except ValidationError as exc:
        errors.append(LineError(line, LABELS.get(exc.field or ""), str(exc)))
        return None
    return record


def parse_atena(data: bytes, *, today: date | None = None) -> AtenaFile:
    """Validate a whole 宛名 file; raise one :class:`FileFormatError` listing every bad line.

    *today* (default: today in JST) bounds 生年月日 and 死亡日: neither may lie after it.
    """
    day = today if today is not None else SystemClock().today()
    digest = hashlib.sha256(bytes(data)).hexdigest()
    text, encoding = read_csv_text(data)
    errors: list[LineError] = []
    records: list[AtenaRecord] = []
    seen: dict[str, int] = {}
    for line, row in iter_rows(text, COLUMNS, labels=LABELS, errors=errors):
        try:
            key = _atena_no(row["atena_no"])
        except FieldError:
            key = None  # reported by _record
        earlier = fields.first_line(seen, key, line) if key else None
        if earlier is not None:
            errors.append(LineError(line, LABELS["atena_no"], f"宛名番号が重複しています（最初は{earlier}行目）"))
        record = _record(line, row, day, errors)
        if record is not None and earlier is None:
            records.append(record)
    fields.raise_errors(errors, has_records=bool(records))
    return AtenaFile(records=tuple(records), sha256=digest, encoding=encoding)
