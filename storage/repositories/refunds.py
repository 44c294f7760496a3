"""Appropriations and refunds. Every move of money or state is a compare-and-set
UPDATE, so two sessions acting on one overpayment or refund cannot both win."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from core.domain.ledger import OverpaymentItem
from core.domain.refund import Appropriation, Refund, RefundMethod, RefundState
from core.errors import ConflictError, NotFound
from storage.crypto.context import Crypto
from storage.repositories.ledger import overpayment_from_row
from storage.schema import appropriations, overpayments, refunds

__all__ = ["SqlRefundRepository"]

_T = "refunds"
_SECRET = ("account_no", "holder_kana", "payee", "cancel_reason")


class SqlRefundRepository:
    def __init__(self, conn: Connection, crypto: Crypto, operator: str = "system") -> None:
        self._conn = conn
        self._crypto = crypto
        self._operator = operator

    # -- overpayments --------------------------------------------------------
    def overpayment(self, overpayment_id: int, *, lock: bool = False) -> OverpaymentItem:
        query = select(overpayments).where(overpayments.c.id == overpayment_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"過誤納が見つかりません（id={overpayment_id}）")
        return overpayment_from_row(row)

    def open_overpayments(self, *, taxpayer_id: int | None = None, offset: int = 0,
                          limit: int = 100) -> tuple[list[OverpaymentItem], bool]:
        query = select(overpayments).where(overpayments.c.state == "open")
        if taxpayer_id is not None:
            query = query.where(overpayments.c.taxpayer_id == taxpayer_id)
        rows = self._conn.execute(query.order_by(overpayments.c.arisen_on, overpayments.c.id)
                                  .offset(offset).limit(limit + 1)).all()
        return [overpayment_from_row(r) for r in rows[:limit]], len(rows) > limit

    def take(self, overpayment_id: int, amount: int) -> None:
        """Use *amount* of the overpayment's remainder (refused if it is no longer there)."""
        done = self._conn.execute(
            update(overpayments)
            .where(overpayments.c.id == overpayment_id, overpayments.c.state == "open",
                   overpayments.c.remaining >= amount)
            .values(remaining=overpayments.c.remaining - amount))
        if done.rowcount != 1:
            raise ConflictError("過誤納の残額が足りません（他の処理で充当・還付されました）")
        self._conn.execute(update(overpayments).where(overpayments.c.id == overpayment_id,
                                                      overpayments.c.remaining == 0).values(state="settled"))

    def give_back(self, overpayment_id: int, amount: int) -> None:
        if amount:
            self._conn.execute(update(overpayments).where(overpayments.c.id == overpayment_id)
                               .values(remaining=overpayments.c.remaining + amount, state="open"))

    # -- appropriations ------------------------------------------------------
    def add_appropriation(self, overpayment_id: int, payment_id: int, assessment_id: int, amount: int,
                          kasankin: int, on: date) -> int:
        return int(self._conn.execute(insert(appropriations).values(
            overpayment_id=overpayment_id, payment_id=payment_id, assessment_id=assessment_id, amount=amount,
            kasankin=kasankin, appropriated_on=on, created_at=datetime.now(UTC), created_by=self._operator,
        ).returning(appropriations.c.id)).scalar_one())

    def appropriations(self, overpayment_id: int) -> list[Appropriation]:
        rows = self._conn.execute(select(appropriations).where(appropriations.c.overpayment_id == overpayment_id)
                                  .order_by(appropriations.c.id))
        return [Appropriation(int(r.id), int(r.overpayment_id), int(r.payment_id), int(r.assessment_id),
                              int(r.amount), int(r.kasankin), r.appropriated_on) for r in rows]

    def appropriation_kasankin(self, overpayment_id: int) -> int:
        """Σ 還付加算金 of the overpayment's appropriations (paid out with its refund)."""
        total = int(self._conn.execute(select(func.coalesce(func.sum(appropriations.c.kasankin), 0))
                                       .where(appropriations.c.overpayment_id == overpayment_id)).scalar_one())
        return total

    # -- refunds -------------------------------------------------------------
    def _refund(self, row: Any) -> Refund:
        dec = self._crypto.cipher.decrypt_opt
        values = {name: dec(getattr(row, f"{name}_ct"), table=_T, column=f"{name}_ct", record_id=int(row.id))
                  for name in _SECRET if name != "cancel_reason"}
        return Refund(
            id=int(row.id), overpayment_id=int(row.overpayment_id), taxpayer_id=int(row.taxpayer_id),
            amount=int(row.amount), kasankin=int(row.kasankin), state=RefundState(row.state),
            method=RefundMethod(row.method), pay_on=row.pay_on, drafted_by=row.drafted_by, version=int(row.version),
            bank_code=row.bank_code, branch_code=row.branch_code, account_type=row.account_type,
            decided_on=row.decided_on, paid_on=row.paid_on, notified_on=row.notified_on,
            approved_by=row.approved_by, transfer_run=row.transfer_run, **values)

    def _secrets(self, refund_id: int, values: dict[str, str | None]) -> dict[str, bytes | None]:
        enc = self._crypto.cipher.encrypt_opt
        return {f"{name}_ct": enc(values[name], table=_T, column=f"{name}_ct", record_id=refund_id)
                for name in _SECRET if name in values}

    def add_refund(self, *, overpayment_id: int, taxpayer_id: int, amount: int, kasankin: int,
                   method: RefundMethod, pay_on: date, account: dict[str, str | None], drafted_by: str) -> int:
        refund_id = int(self._conn.execute(insert(refunds).values(
            overpayment_id=overpayment_id, taxpayer_id=taxpayer_id, amount=amount, kasankin=kasankin,
            state=RefundState.DRAFTED.value, method=method.value, bank_code=account.get("bank_code"),
            branch_code=account.get("branch_code"), account_type=account.get("account_type"),
            account_no_ct=b"" if method is not RefundMethod.CASH else None,
            holder_kana_ct=b"" if method is not RefundMethod.CASH else None,
            pay_on=pay_on, drafted_by=drafted_by, drafted_at=datetime.now(UTC), version=1,
            enc_version=self._crypto.cipher.version,
        ).returning(refunds.c.id)).scalar_one())
        secrets = self._secrets(refund_id, account)
        if secrets:
            self._conn.execute(update(refunds).where(refunds.c.id == refund_id).values(**secrets))
        return refund_id

    def live_refund(self, overpayment_id: int) -> Refund | None:
        row = self._conn.execute(select(refunds).where(
            refunds.c.overpayment_id == overpayment_id, refunds.c.state != RefundState.CANCELLED.value)).first()
        return self._refund(row) if row is not None else None

    def refund(self, refund_id: int, *, lock: bool = False) -> Refund:
        query = select(refunds).where(refunds.c.id == refund_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"還付が見つかりません（id={refund_id}）")
        return self._refund(row)

    def refunds(self, *, state: RefundState | None = None, taxpayer_id: int | None = None,
                pay_on: date | None = None, transfer_run: str | None = None, limit: int = 1000) -> list[Refund]:
        query = select(refunds)
        if transfer_run is not None:
            query = query.where(refunds.c.transfer_run == transfer_run)
        if state is not None:
            query = query.where(refunds.c.state == state.value)
        if taxpayer_id is not None:
            query = query.where(refunds.c.taxpayer_id == taxpayer_id)
        if pay_on is not None:
            query = query.where(refunds.c.pay_on == pay_on)
        return [self._refund(r) for r in self._conn.execute(query.order_by(refunds.c.id).limit(limit))]

    def transfer_runs(self, paid_on: date) -> list[tuple[str, int]]:
        """The 総合振込 runs that paid refunds on *paid_on*: (file SHA-256, number of refunds)."""
        rows = self._conn.execute(
            select(refunds.c.transfer_run, func.count()).where(refunds.c.paid_on == paid_on,
                                                               refunds.c.transfer_run.is_not(None))
            .group_by(refunds.c.transfer_run).order_by(refunds.c.transfer_run))
        return [(str(r[0]), int(r[1])) for r in rows]

    def counts(self, *, not_drafted_by: str | None = None) -> dict[str, int]:
        """Open overpayments, and refunds per state (drafts of others when *not_drafted_by*)."""
        out = {"overpayments_open": int(self._conn.execute(
            select(func.count()).select_from(overpayments).where(overpayments.c.state == "open")).scalar_one())}
        query = select(refunds.c.state, func.count()).group_by(refunds.c.state)
        if not_drafted_by is not None:
            query = query.where(refunds.c.drafted_by != not_drafted_by)
        for state, count in self._conn.execute(query):
            out[f"refunds_{state}"] = int(count)
        return out

    def move(self, refund: Refund, to: RefundState, **values: Any) -> None:
        """Compare-and-set on (state, version): a concurrent change makes this fail."""
        secrets = {k: values.pop(k) for k in list(values) if k in _SECRET}
        if secrets:
            values.update(self._secrets(refund.id, secrets))
        done = self._conn.execute(
            update(refunds)
            .where(refunds.c.id == refund.id, refunds.c.state == refund.state.value,
                   refunds.c.version == refund.version)
            .values(state=to.value, version=refund.version + 1, **values))
        if done.rowcount != 1:
            raise ConflictError("この還付は他の職員が処理しました。画面を更新してください")
