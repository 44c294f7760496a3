"""Set-up for 滞納整理 tests: a delinquent taxpayer with 督促 issued, a case, actors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from core.domain.delinquency import Plan
from core.domain.identity import Terminal
from core.rules.installments import Instalment
from core.security.permissions import Actor, Permission
from core.services.cases import open_case
from core.services.dunning import run_dunning
from storage.store import Store
from tests.collection.helpers import balances, pay, seed

ALL = frozenset(p.value for p in Permission)
#: The officer may do everything but decide (disposition.approve) and assign.
OFFICER = Actor("officer1", ALL - {Permission.DISPOSITION_APPROVE.value, Permission.CASE_ASSIGN.value},
                terminal_id="T01")
#: The supervisor decides what the officer proposes (maker–checker).
SUPERVISOR = Actor("super1", ALL, terminal_id="T01")
VIEWER = Actor("viewer1", frozenset({Permission.CASE_VIEW.value, Permission.TAXPAYER_VIEW.value,
                                     Permission.TAXPAYER_SEARCH.value, Permission.REPORT_VIEW.value}),
               terminal_id="T01")
NOBODY = Actor("nobody", frozenset(), terminal_id="T01")

DUE = date(2021, 6, 30)  # 令和3年度 第1期 納期限
DUNNED = date(2021, 7, 15)  # 督促 (within 20 days, 329条①)


def terminal(store: Store, *, export: bool = True) -> None:
    with store.uow() as uow:
        uow.identity.add_terminal(Terminal("T01", "滞納整理係", can_export=export, is_counter=False, disabled=False),
                                  by="t", now=datetime.now(UTC))
        uow.commit()


def delinquent(store: Store, *periods: dict[str, Any], n: int = 1, dun_on: date | None = DUNNED,
               case_on: date | None = date(2021, 9, 1)) -> tuple[int, list[int], int | None]:
    """A taxpayer with unpaid periods (default: one of 100,000 円 due 2021-06-30),
    dunned on *dun_on*, with a case opened on *case_on* for OFFICER."""
    spec = periods or ({"notice_no": f"D{n:06d}", "amount": 100_000, "due": DUE, "fiscal_year": 2021},)
    tid, ids = seed(store, *spec, n=n)
    if dun_on is not None:
        run_dunning(store.uow(), SUPERVISOR, on=dun_on)
    case_id = None
    if case_on is not None:
        case_id = open_case(store.uow(), OFFICER, tid, on=case_on)
    return tid, ids, case_id


def plan_of(pledged: date) -> Plan:
    """A one-instalment plan over assessment 1, for pure tests."""
    return Plan(1, 1, 1, pledged, "active", 1_000, 10, (1,), (Instalment(1, pledged, 1_000),), None, 1)


__all__ = ["plan_of", "ALL", "OFFICER", "SUPERVISOR", "VIEWER", "NOBODY", "DUE", "DUNNED", "terminal", "delinquent",
           "balances", "pay", "seed"]
