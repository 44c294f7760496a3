"""充当 and 還付 — appropriations of an overpayment and the refund workflow (SPEC §3, §4.5–§4.7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["RefundState", "RefundMethod", "Refund", "Appropriation", "TRANSITIONS", "METHOD_LABELS",
           "STATE_LABELS"]


class RefundState(StrEnum):
    DRAFTED = "drafted"  # 起案
    APPROVED = "approved"  # 決裁
    PAID = "paid"  # 支出
    NOTIFIED = "notified"  # 通知済
    CANCELLED = "cancelled"  # 取消


class RefundMethod(StrEnum):
    REGISTERED = "registered"  # 登録口座（口座振替の口座）
    SUBMITTED = "submitted"  # 口座振込依頼書の口座
    KOUKIN = "koukin"  # 公金受取口座（本人の申出により、中間サーバー端末で照会した口座）
    CASH = "cash"  # 窓口で現金


STATE_LABELS: dict[RefundState, str] = {
    RefundState.DRAFTED: "起案", RefundState.APPROVED: "決裁済", RefundState.PAID: "支出済",
    RefundState.NOTIFIED: "通知済", RefundState.CANCELLED: "取消",
}
METHOD_LABELS: dict[RefundMethod, str] = {
    RefundMethod.REGISTERED: "登録口座", RefundMethod.SUBMITTED: "依頼書の口座",
    RefundMethod.KOUKIN: "公金受取口座", RefundMethod.CASH: "窓口現金",
}

#: Allowed moves. A change after approval returns the refund to 起案 (SPEC §4.7).
TRANSITIONS: dict[RefundState, frozenset[RefundState]] = {
    RefundState.DRAFTED: frozenset({RefundState.APPROVED, RefundState.CANCELLED, RefundState.DRAFTED}),
    RefundState.APPROVED: frozenset({RefundState.PAID, RefundState.DRAFTED, RefundState.CANCELLED}),
    RefundState.PAID: frozenset({RefundState.NOTIFIED}),
    RefundState.NOTIFIED: frozenset(),
    RefundState.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Refund:
    """A refund. Account number, holder and another payee's name are personal data."""

    id: int
    overpayment_id: int
    taxpayer_id: int
    amount: int
    kasankin: int
    state: RefundState
    method: RefundMethod
    pay_on: date
    drafted_by: str
    version: int
    bank_code: str | None = None
    branch_code: str | None = None
    account_type: str | None = None
    account_no: str | None = None
    holder_kana: str | None = None
    payee: str | None = None
    decided_on: date | None = None
    paid_on: date | None = None
    notified_on: date | None = None
    approved_by: str | None = None
    transfer_run: str | None = None  # SHA-256 of the 総合振込 file that paid it

    @property
    def total(self) -> int:
        return self.amount + self.kasankin

    def __repr__(self) -> str:
        return f"Refund(id={self.id}, state={self.state.value}, amount={self.amount}, kasankin={self.kasankin})"


@dataclass(frozen=True, slots=True)
class Appropriation:
    id: int
    overpayment_id: int
    payment_id: int
    assessment_id: int
    amount: int
    kasankin: int
    appropriated_on: date
