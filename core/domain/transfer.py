"""口座振替 — registered accounts, request runs and their items (SPEC §3, §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["TransferAccount", "TransferRun", "TransferItem", "RESULT_LABELS"]

#: 振替結果コード (全銀協 規定).
RESULT_LABELS: dict[str, str] = {
    "0": "振替済", "1": "資金不足", "2": "取引なし", "3": "預金者都合", "4": "依頼書なし",
    "8": "委託者都合", "9": "その他",
}


@dataclass(frozen=True, slots=True)
class TransferAccount:
    """An 口座振替 registration. ``account_no`` and ``holder_kana`` are personal data."""

    taxpayer_id: int
    bank_code: str
    branch_code: str
    account_type: str  # "1" 普通 / "2" 当座
    account_no: str
    holder_kana: str
    tax_codes: tuple[str, ...]
    start_on: date
    end_on: date | None = None
    status: str = "active"
    id: int | None = None

    def __repr__(self) -> str:
        return f"TransferAccount(id={self.id}, taxpayer_id={self.taxpayer_id}, bank_code={self.bank_code!r})"


@dataclass(frozen=True, slots=True)
class TransferRun:
    id: int
    debit_on: date
    records: int
    total: int
    status: str  # requested | resulted
    request_sha256: str
    result_sha256: str | None


@dataclass(frozen=True, slots=True)
class TransferItem:
    id: int
    run_id: int
    assessment_id: int
    account_id: int
    customer_no: str
    amount: int
    result_code: str | None
    payment_id: int | None
