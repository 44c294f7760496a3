"""Payments and their allocations. The allocation total never exceeds the payment:
checked here under a row lock and enforced again by the database (CHECK constraint
on ``payments.allocated_amount``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from core.domain.payment import Allocation, Channel, Payment, PaymentKind
from core.errors import ConflictError, NotFound, ValidationError
from storage.repositories.sqlin import CHUNK, one_of, reserve_ids
from storage.schema import allocations, payments

__all__ = ["SqlPaymentRepository", "row_to_payment"]

_KEYS = CHUNK


def row_to_payment(row: Any) -> Payment:
    return Payment(
        id=int(row.id), source_key=row.source_key, channel=Channel(row.channel),
        amount=int(row.amount), received_on=row.received_on, accounted_on=row.accounted_on,
        notice_no=row.notice_no, period=row.period,
        taxpayer_id=int(row.taxpayer_id) if row.taxpayer_id is not None else None,
        kind=PaymentKind(row.kind),
        reverses_id=int(row.reverses_id) if row.reverses_id is not None else None,
    )


class SqlPaymentRepository:
    def __init__(self, conn: Connection, operator: str = "system", terminal: str | None = None) -> None:
        self._conn = conn
        self._operator = operator
        self._terminal = terminal

    def exists(self, source_key: str) -> bool:
        return self._conn.execute(
            select(payments.c.id).where(payments.c.source_key == source_key)
        ).first() is not None

    def existing_keys(self, source_keys: Collection[str]) -> set[str]:
        """Which of these record keys are already posted."""
        found: set[str] = set()
        keys = sorted(source_keys)
        for start in range(0, len(keys), _KEYS):
            found.update(self._conn.execute(
                select(payments.c.source_key).where(one_of(self._conn, payments.c.source_key, keys[start:start + _KEYS]))).scalars())
        return found

    def _row(self, payment: Payment, batch_id: str | None, allocated: int, now: datetime) -> dict[str, Any]:
        if isinstance(payment.amount, bool) or not isinstance(payment.amount, int) or payment.amount <= 0:
            raise ValidationError("収納額は1円以上の整数です", field="amount")
        if payment.accounted_on < payment.received_on:
            raise ValidationError("収納日が領収日より前です", field="accounted_on")
        return {"source_key": payment.source_key, "kind": payment.kind.value, "reverses_id": payment.reverses_id,
                "channel": payment.channel.value, "notice_no": payment.notice_no, "period": payment.period,
                "taxpayer_id": payment.taxpayer_id, "amount": payment.amount, "allocated_amount": allocated,
                "received_on": payment.received_on, "accounted_on": payment.accounted_on, "batch_id": batch_id,
                "operator": self._operator, "terminal": self._terminal, "created_at": now}

    def add(self, payment: Payment, *, batch_id: str | None = None) -> int:
        row = self._row(payment, batch_id, 0, datetime.now(UTC))
        return int(self._conn.execute(insert(payments).values(**row).returning(payments.c.id)).scalar_one())

    def add_many(self, items: Sequence[tuple[Payment, int]], *, batch_id: str | None = None) -> list[int]:
        """Store payments with the amount already allocated from each (its allocations follow
        through :meth:`add_allocations`); their ids, in order."""
        if not items:
            return []
        now = datetime.now(UTC)
        rows = [self._row(payment, batch_id, allocated, now) for payment, allocated in items]
        ids = reserve_ids(self._conn, payments, len(rows))
        for row, new_id in zip(rows, ids, strict=True):
            row["id"] = new_id
        self._conn.execute(insert(payments), rows)
        return ids

    def add_allocations(self, parts: Sequence[Allocation]) -> None:
        """Allocations of payments stored by :meth:`add_many` (their totals are already on them)."""
        if not parts:
            return
        now = datetime.now(UTC)
        self._conn.execute(insert(allocations), [
            {"payment_id": p.payment_id, "assessment_id": p.assessment_id, "component": p.component.value,
             "amount": p.amount, "policy_version": p.policy_version, "allocated_on": p.allocated_on,
             "created_at": now} for p in parts])

    def get(self, payment_id: int) -> Payment | None:
        row = self._conn.execute(select(payments).where(payments.c.id == payment_id)).one_or_none()
        return row_to_payment(row) if row is not None else None

    def unallocated(self, payment_id: int) -> int:
        row = self._conn.execute(
            select(payments.c.amount, payments.c.allocated_amount).where(payments.c.id == payment_id)
        ).one()
        return int(row.amount - row.allocated_amount)

    def allocate(self, payment_id: int, parts: Sequence[Allocation]) -> None:
        """Record allocations of one payment; refuses to allocate more than it holds."""
        if any(p.payment_id != payment_id or p.amount <= 0 for p in parts):
            raise ValidationError("充当額が正しくありません")
        total = sum(p.amount for p in parts)
        row = self._conn.execute(
            select(payments.c.amount, payments.c.allocated_amount)
            .where(payments.c.id == payment_id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound(f"収納が見つかりません（id={payment_id}）")
        if row.allocated_amount + total > row.amount:
            raise ConflictError(
                f"消込額の合計（{row.allocated_amount + total:,}円）が収納額（{row.amount:,}円）を超えます"
            )
        now = datetime.now(UTC)
        self._conn.execute(
            insert(allocations),
            [
                {"payment_id": p.payment_id, "assessment_id": p.assessment_id,
                 "component": p.component.value, "amount": p.amount,
                 "policy_version": p.policy_version, "allocated_on": p.allocated_on,
                 "created_at": now}
                for p in parts
            ],
        )
        # Relative update: even without the lock the CHECK constraint would refuse an excess.
        self._conn.execute(
            update(payments)
            .where(payments.c.id == payment_id)
            .values(allocated_amount=payments.c.allocated_amount + total)
        )

    def allocated_total(self, payment_id: int) -> int:
        return int(
            self._conn.execute(
                select(func.coalesce(func.sum(allocations.c.amount), 0)).where(
                    allocations.c.payment_id == payment_id
                )
            ).scalar_one()
        )

    def for_taxpayer(self, taxpayer_id: int, *, since: date | None = None) -> list[Payment]:
        query = select(payments).where(payments.c.taxpayer_id == taxpayer_id)
        if since is not None:
            query = query.where(payments.c.received_on >= since)
        return [row_to_payment(r) for r in self._conn.execute(query.order_by(payments.c.received_on, payments.c.id))]
