"""宛名 (taxpayer) — SPEC §3. Personal fields are plain here; storage encrypts them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from core.errors import ValidationError
from core.identifiers import (
    IdentifierError,
    normalize_corporate_number,
    normalize_my_number,
)
from core.text.kana import digits_only, is_kana_name

__all__ = [
    "TaxpayerKind",
    "ResidentStatus",
    "Sex",
    "TaxpayerFlags",
    "Taxpayer",
    "PERSONAL_FIELDS",
]


class TaxpayerKind(StrEnum):
    INDIVIDUAL = "individual"  # 個人
    CORPORATION = "corporation"  # 法人


class ResidentStatus(StrEnum):
    RESIDENT = "resident"  # 住民
    NON_RESIDENT = "non_resident"  # 住登外


class Sex(StrEnum):
    MALE = "1"
    FEMALE = "2"


@dataclass(frozen=True, slots=True)
class TaxpayerFlags:
    """Handling flags: 公示送達, 督促停止, 催告停止, 発行抑止 (support measures, DV等)."""

    koji_sotatsu: bool = False
    tokusoku_teishi: bool = False
    saikoku_teishi: bool = False
    hakko_yokushi: bool = False


#: Fields stored encrypted (SPEC §5.1); they never appear in logs or errors.
PERSONAL_FIELDS: tuple[str, ...] = (
    "my_number",
    "name",
    "name_kana",
    "birth_date",
    "address",
    "postal_code",
    "phone",
    "household_head_name",
    "mailing_address",
)


@dataclass(frozen=True, slots=True)
class Taxpayer:
    """A taxpayer (宛名). ``id`` is the stable record id, ``None`` before it is stored."""

    atena_no: str
    kind: TaxpayerKind
    name: str
    name_kana: str
    id: int | None = None
    my_number: str | None = None
    corporate_number: str | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    postal_code: str | None = None
    address: str | None = None
    phone: str | None = None
    household_no: str | None = None
    relationship: str | None = None
    household_head_name: str | None = None
    mailing_address: str | None = None
    resident_status: ResidentStatus = ResidentStatus.RESIDENT
    deceased_date: date | None = None
    flags: TaxpayerFlags = field(default_factory=TaxpayerFlags)

    def __repr__(self) -> str:  # personal values stay out of logs, tracebacks and crash screens
        return f"Taxpayer(id={self.id}, atena_no={self.atena_no!r}, kind={self.kind.value!r})"

    def validated(self) -> Taxpayer:
        """Return a normalised copy, or raise :class:`ValidationError` (Japanese)."""
        atena = self.atena_no.strip()
        if not atena or not atena.isascii() or not atena.isalnum() or len(atena) > 20:
            raise ValidationError("宛名番号は20文字以内の英数字です", field="atena_no")
        if not self.name.strip():
            raise ValidationError("氏名・名称が空です", field="name")
        if not self.name_kana.strip() or not is_kana_name(self.name_kana):
            raise ValidationError("カナ氏名はカナで入力してください", field="name_kana")
        my_number = self.my_number
        corporate = self.corporate_number
        try:
            if my_number is not None:
                if self.kind is not TaxpayerKind.INDIVIDUAL:
                    raise ValidationError("法人に個人番号は登録できません", field="my_number")
                my_number = normalize_my_number(my_number)
            if corporate is not None:
                if self.kind is not TaxpayerKind.CORPORATION:
                    raise ValidationError("個人に法人番号は登録できません", field="corporate_number")
                corporate = normalize_corporate_number(corporate)
        except IdentifierError as exc:
            raise ValidationError(str(exc), field="my_number" if my_number else "corporate_number") from exc
        phone = digits_only(self.phone) if self.phone else None
        if phone is not None and not 10 <= len(phone) <= 11:
            raise ValidationError("電話番号は10桁または11桁です", field="phone")
        postal = digits_only(self.postal_code) if self.postal_code else None
        if postal is not None and len(postal) != 7:
            raise ValidationError("郵便番号は7桁です", field="postal_code")
        if self.birth_date is not None and self.deceased_date is not None and self.deceased_date < self.birth_date:
            raise ValidationError("死亡日が生年月日より前です", field="deceased_date")
        return replace(
            self,
            atena_no=atena,
            my_number=my_number,
            corporate_number=corporate,
            phone=phone or None,
            postal_code=postal or None,
        )
