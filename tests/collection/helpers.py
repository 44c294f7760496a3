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
from storage.schema import allocations, overpayments, payments, suspense_items
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
    """Where every yen of the receipts went, for the conservation invariant."""
    with store.reading() as conn:
        def one(q: Any) -> int:
            return int(conn.execute(q).scalar_one())
        return {
            "receipts": one(select(func.coalesce(func.sum(payments.c.amount), 0)).where(
                payments.c.kind == "receipt", ~payments.c.id.in_(
                    select(payments.c.reverses_id).where(payments.c.reverses_id.is_not(None))))),
            "allocated": one(select(func.coalesce(func.sum(allocations.c.amount), 0))),
            "overpaid": one(select(func.coalesce(func.sum(overpayments.c.amount), 0)).where(
                overpayments.c.state != "cancelled")),
            "suspense": one(select(func.coalesce(func.sum(suspense_items.c.amount), 0)).where(
                (suspense_items.c.status == "open") | (suspense_items.c.resolution == "returned"))),
        }


def conserved(store: Store) -> bool:
    m = money(store)
    return m["receipts"] == m["allocated"] + m["overpaid"] + m["suspense"]
