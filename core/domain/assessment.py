"""調定（期別） — assessment periods and their amendment history (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.errors import ValidationError

__all__ = ["TaxCode", "TAX_NAMES", "AssessmentStatus", "Assessment", "Amendment"]


class TaxCode(StrEnum):
    """税目コード."""

    KOJIN_JUMINZEI = "01"  # 個人住民税（普通徴収）
    HOJIN_SHIMINZEI = "02"  # 法人市民税
    KOTEI_SHISANZEI = "03"  # 固定資産税・都市計画税
    KEIJIDOSHAZEI = "04"  # 軽自動車税（種別割）
    KOKUHOZEI = "05"  # 国民健康保険税


TAX_NAMES: dict[TaxCode, str] = {
    TaxCode.KOJIN_JUMINZEI: "個人住民税",
    TaxCode.HOJIN_SHIMINZEI: "法人市民税",
    TaxCode.KOTEI_SHISANZEI: "固定資産税・都市計画税",
    TaxCode.KEIJIDOSHAZEI: "軽自動車税（種別割）",
    TaxCode.KOKUHOZEI: "国民健康保険税",
}


class AssessmentStatus(StrEnum):
    ACTIVE = "active"  # 調定中
    CANCELLED = "cancelled"  # 賦課取消
    WRITTEN_OFF = "written_off"  # 不納欠損


@dataclass(frozen=True, slots=True)
class Assessment:
    """One 期別 of one notice: what is owed and when."""

    notice_no: str
    taxpayer_id: int
    tax_code: TaxCode
    fiscal_year: int
    period: int
    assessed_amount: int
    due_date: date
    statutory_due_date: date
    dunning_fee: int = 0
    status: AssessmentStatus = AssessmentStatus.ACTIVE
    id: int | None = None

    def validated(self) -> Assessment:
        if not self.notice_no or not self.notice_no.isascii() or not self.notice_no.isalnum():
            raise ValidationError("通知書番号は英数字です", field="notice_no")
        if not 1 <= self.period <= 99:
            raise ValidationError("期別は1〜99です", field="period")
        if not 1950 <= self.fiscal_year <= 2200:
            raise ValidationError("年度が範囲外です", field="fiscal_year")
        for name in ("assessed_amount", "dunning_fee"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError("金額は0以上の整数（円）です", field=name)
        if self.statutory_due_date > self.due_date:
            raise ValidationError("法定納期限が納期限より後です", field="statutory_due_date")
        return self


@dataclass(frozen=True, slots=True)
class Amendment:
    """更正: a change of the assessed amount, kept as history, never overwritten."""

    assessment_id: int
    amended_on: date
    old_amount: int
    new_amount: int
    reason: str
