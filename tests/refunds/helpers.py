"""Set-up for refund tests: a taxpayer with debts and an overpayment, terminals, actors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.domain.identity import Terminal
from core.domain.payment import OverpaymentCause
from core.security.permissions import Actor, Permission
from storage.store import Store
from tests.collection.helpers import seed

ALL = frozenset(p.value for p in Permission)
DRAFTER = Actor("refund1", ALL - {Permission.REFUND_APPROVE.value}, terminal_id="T01")
APPROVER = Actor("approver1", frozenset({Permission.REFUND_APPROVE.value}), terminal_id="T01")
PAYER = Actor("refund2", frozenset({Permission.REFUND_PAY.value, Permission.EXPORT_FILES.value}), terminal_id="T01")


def terminals(store: Store) -> None:
    with store.uow() as uow:
        uow.identity.add_terminal(Terminal("T01", "還付係", can_export=True, is_counter=True, disabled=False),
                                  by="t", now=datetime.now(UTC))
        uow.commit()


def overpayment(store: Store, taxpayer_id: int, amount: int, *, arisen: date,
                cause: OverpaymentCause = OverpaymentCause.DOUBLE_PAYMENT, paid: date | None = None,
                due: date | None = None) -> int:
    with store.uow() as uow:
        oid = uow.ledger.add_overpayment(taxpayer_id=taxpayer_id, payment_id=None, assessment_id=None, cause=cause,
                                         amount=amount, arisen_on=arisen, paid_on=paid or arisen, due_on=due)
        uow.commit()
    return oid


__all__ = ["ALL", "DRAFTER", "APPROVER", "PAYER", "terminals", "overpayment", "seed"]
