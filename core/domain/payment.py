"""収納, 消込, 未消込, 過誤納 — payments and where their money went (SPEC §3, §4.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "Channel",
    "Component",
    "PaymentKind",
    "Payment",
    "Allocation",
    "SuspenseReason",
    "OverpaymentCause",
]


class Channel(StrEnum):
    COUNTER = "counter"  # 窓口
    BANK = "bank"  # 金融機関
    CONVENIENCE = "convenience"  # コンビニ
    TRANSFER = "transfer"  # 口座振替
    ELTAX = "eltax"  # eLTAX / 共通納税
    SMARTPHONE = "smartphone"  # スマホ決済
    SEIZURE = "seizure"  # 滞納処分による配当
    APPROPRIATION = "offset"  # 過誤納からの充当 (17条の2)

    @property
    def by_taxpayer(self) -> bool:
        """Money the taxpayer paid — not moved by the municipality itself (充当, 滞納処分の
        配当), which is no 承認 for prescription."""
        return self not in (Channel.APPROPRIATION, Channel.SEIZURE)


class Component(StrEnum):
    """Components of a period a payment can be allocated to."""

    HONZEI = "honzei"  # 本税
    ENTAIKIN = "entaikin"  # 延滞金
    DUNNING_FEE = "dunning_fee"  # 督促手数料


class PaymentKind(StrEnum):
    RECEIPT = "receipt"
    REVERSAL = "reversal"  # 取消: a reversing entry, never a delete


class SuspenseReason(StrEnum):
    UNKNOWN_NOTICE = "unknown_notice"  # 通知書番号不明
    ALREADY_PAID = "already_paid"  # 既に完納
    AMOUNT_MISMATCH = "amount_mismatch"  # 金額相違


class OverpaymentCause(StrEnum):
    GENGAKU_KOSEI = "gengaku"  # 減額更正
    FUKA_TORIKESHI = "torikeshi"  # 賦課取消
    DOUBLE_PAYMENT = "double"  # 二重納付
    GONO = "gono"  # 誤納
    KANO = "kano"  # 過納
    SEIKYU = "seikyu"  # 更正の請求


@dataclass(frozen=True, slots=True)
class Payment:
    source_key: str
    channel: Channel
    amount: int
    received_on: date
    accounted_on: date
    notice_no: str | None = None
    period: int | None = None
    taxpayer_id: int | None = None
    kind: PaymentKind = PaymentKind.RECEIPT
    reverses_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    payment_id: int
    assessment_id: int
    component: Component
    amount: int
    policy_version: str
    allocated_on: date
