"""Ledger records the collection services read and return (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.domain.payment import Component, OverpaymentCause, SuspenseReason

__all__ = [
    "OverpaymentItem",
    "SuspenseItem",
    "DunningRecord",
    "DeferralTerm",
    "PostedPart",
    "Posting",
]


@dataclass(frozen=True, slots=True)
class OverpaymentItem:
    """過誤納: money the municipality holds beyond what was owed."""

    id: int
    taxpayer_id: int
    payment_id: int | None
    assessment_id: int | None
    cause: OverpaymentCause
    amount: int
    remaining: int
    arisen_on: date
    state: str  # open | settled (nothing left) | cancelled
    paid_on: date | None = None  # the 納付日 its 還付加算金 counts from
    due_on: date | None = None  # the 納期限 of the period it came from
    request_on: date | None = None  # 更正の請求の日
    correction_on: date | None = None  # 更正の日


@dataclass(frozen=True, slots=True)
class SuspenseItem:
    """未消込: a payment record that matched nothing (never dropped)."""

    id: int
    payment_id: int
    reason: SuspenseReason
    amount: int
    status: str  # open | resolved
    resolution: str | None  # assigned | refund | returned
    notice_no: str | None
    period: int | None
    received_on: date
    channel: str
    source_key: str
    assessment_id: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DunningRecord:
    """督促: one per period; the fee is assessed on the period when the ordinance says so."""

    assessment_id: int
    issued_on: date
    designated_on: date  # 指定期限
    fee: int
    honzei_due: int
    delivery: str = "pending"  # pending | delivered | returned | public_notice
    batch_on: date | None = None


@dataclass(frozen=True, slots=True)
class DeferralTerm:
    """徴収猶予 (choshu) / 換価の猶予 (kanka), inclusive dates."""

    assessment_id: int
    kind: str
    start_on: date
    end_on: date
    reduction: str = "none"  # 15条の9: 延滞金 for the term exempted none | half | full
    id: int | None = None

    def covers(self, day: date) -> bool:
        return self.start_on <= day <= self.end_on


@dataclass(frozen=True, slots=True)
class PostedPart:
    assessment_id: int
    component: Component
    amount: int


@dataclass(frozen=True, slots=True)
class Posting:
    """What became of one payment: its parts, any overpayment, any suspense."""

    payment_id: int
    amount: int
    parts: tuple[PostedPart, ...] = ()
    overpayment: int = 0
    overpayment_cause: OverpaymentCause | None = None
    suspense: int = 0
    suspense_reason: SuspenseReason | None = None
    policy_version: str = ""
    taxpayer_id: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def allocated(self) -> int:
        return sum(p.amount for p in self.parts)
