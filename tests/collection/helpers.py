"""Shared set-up for collection tests on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select

from core.domain.payment import Channel, Payment
from core.security.permissions import Actor, Permission
from core.services.ledger import load_policy, period_views
from core.rules.balance import PeriodBalance
from storage.schema import (
    allocations, appropriations, assessments, overpayments, payments, refunds, suspense_items,
)
from storage.store import Store
from tests.factories import period, person

CLERK = Actor("clerk1", frozenset(p.value for p in Permission), terminal_id="T01")
NOBODY = Actor("nobody", frozenset())


def pay(key: str, amount: int, received: date, notice: str | None = "N1", period_no: int | None = 1,
        channel: Channel = Channel.BANK, accounted: date | None = None) -> Payment:
    return Payment(source_key=key, channel=channel, amount=amount, received_on=received,
                   accounted_on=accounted or received, notice_no=notice, period=period_no)


def seed(store: Store, *periods: dict[str, Any], n: int = 1) -> tuple[int, list[int]]:
    """One taxpayer with the given periods (factory overrides); returns (taxpayer id, assessment ids)."""
    with store.uow() as uow:
        tid = uow.taxpayers.add(person(n))
        ids = [uow.assessments.add(period(tid, **p)) for p in periods]
        uow.commit()
    return tid, ids


def balances(store: Store, ids: Sequence[int], on: date) -> dict[int, PeriodBalance]:
    with store.uow() as uow:
        periods = [uow.assessments.get(i) for i in ids]
        views = period_views(uow, [p for p in periods if p is not None], on, load_policy(uow))
    return {v.assessment.id: v.balance for v in views}  # type: ignore[misc]


def money(store: Store) -> dict[str, int]:
    """Where every yen went, for the conservation invariants.

    Real receipts exclude 充当 entries (channel ``offset``): those move money
    already held as an overpayment. ``external`` is overpayments that arose
    without a receipt (made directly in tests)."""
    offset = Channel.APPROPRIATION.value
    with store.reading() as conn:
        def one(q: Any) -> int:
            return int(conn.execute(q).scalar_one())
        reversed_ids = select(payments.c.reverses_id).where(payments.c.reverses_id.is_not(None))
        real = select(payments.c.id).where(payments.c.channel != offset)
        live_refunds = select(func.coalesce(func.sum(refunds.c.amount), 0)).where(refunds.c.state != "cancelled")
        return {
            "receipts": one(select(func.coalesce(func.sum(payments.c.amount), 0)).where(
                payments.c.kind == "receipt", payments.c.channel != offset, ~payments.c.id.in_(reversed_ids))),
            "allocated": one(select(func.coalesce(func.sum(allocations.c.amount), 0)).where(
                allocations.c.payment_id.in_(real))),
            "offset_allocated": one(select(func.coalesce(func.sum(allocations.c.amount), 0)).where(
                ~allocations.c.payment_id.in_(real))),
            "overpaid": one(select(func.coalesce(func.sum(overpayments.c.amount), 0)).where(
                overpayments.c.state != "cancelled")),
            "external": one(select(func.coalesce(func.sum(overpayments.c.amount), 0)).where(
                overpayments.c.state != "cancelled", overpayments.c.payment_id.is_(None))),
            "remaining": one(select(func.coalesce(func.sum(overpayments.c.remaining), 0)).where(
                overpayments.c.state != "cancelled")),
            "appropriated": one(select(func.coalesce(func.sum(appropriations.c.amount), 0))),
            "refunded": one(live_refunds),
            "suspense": one(select(func.coalesce(func.sum(suspense_items.c.amount), 0)).where(
                (suspense_items.c.status == "open") | (suspense_items.c.resolution == "returned"))),
        }


def paid_column_agrees(store: Store) -> bool:
    """assessments.honzei_paid (kept by triggers) equals Σ of each period's 本税 allocations."""
    with store.reading() as conn:
        sums = dict(conn.execute(select(allocations.c.assessment_id, func.sum(allocations.c.amount))
                                 .where(allocations.c.component == "honzei")
                                 .group_by(allocations.c.assessment_id)).all())
        return all(int(paid) == int(sums.get(aid, 0))
                   for aid, paid in conn.execute(select(assessments.c.id, assessments.c.honzei_paid)))


def conserved(store: Store) -> bool:
    """Receipts = entries + overpayments + open 未消込; overpayments = left + 充当 + 還付."""
    m = money(store)
    return (m["receipts"] + m["external"] == m["allocated"] + m["overpaid"] + m["suspense"]
            and m["overpaid"] == m["remaining"] + m["appropriated"] + m["refunded"]
            and m["offset_allocated"] == m["appropriated"])
