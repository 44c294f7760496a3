"""Two sessions acting on one overpayment or refund at once: exactly one succeeds,
money is conserved and the audit chain stays one linear, verifiable chain."""

from __future__ import annotations

from datetime import date

from core.domain.refund import RefundState
from core.errors import ConflictError
from core.security.permissions import Actor
from core.services.appropriation import appropriate, preview_appropriation
from core.services.refunds import approve_refund, draft_refund, pay_cash
from storage.store import Store
from tests.collection.helpers import conserved
from tests.concurrency import race
from tests.logs.chain_helpers import verify
from tests.refunds.helpers import APPROVER, DRAFTER, PAYER, overpayment, seed, terminals

TODAY = date(2025, 12, 1)


def _outcomes(work) -> list[str]:  # type: ignore[no-untyped-def]
    results: list[str] = []

    def attempt() -> None:
        try:
            work()
            results.append("ok")
        except ConflictError:
            results.append("conflict")

    race(2, attempt)
    return sorted(results)


def _chain_ok(store: Store) -> bool:
    return verify(store).ok


class TestRacingSessions:
    def test_two_clerks_appropriating_the_same_overpayment_appropriate_it_once(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "amount": 30_000}, {"notice_no": "N2", "amount": 30_000})
        oid = overpayment(store, tid, 40_000, arisen=date(2025, 9, 1))
        total = preview_appropriation(store.uow(), DRAFTER, oid, on=TODAY).total
        outcomes = _outcomes(lambda: appropriate(store.uow(), DRAFTER, oid, on=TODAY, expected_total=total))
        assert outcomes == ["conflict", "ok"]
        with store.uow() as uow:
            assert sum(a.amount for a in uow.refunds.appropriations(oid)) == 40_000
        assert conserved(store) and _chain_ok(store)

    def test_two_clerks_drafting_a_refund_of_the_same_overpayment_draft_it_once(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "due": date(2026, 6, 30)})
        oid = overpayment(store, tid, 40_000, arisen=date(2025, 9, 1))
        outcomes = _outcomes(lambda: draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=TODAY,
                                                  today=TODAY))
        assert outcomes == ["conflict", "ok"]
        assert conserved(store) and _chain_ok(store)

    def test_two_approvers_approving_at_once_approve_once(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "due": date(2026, 6, 30)})
        oid = overpayment(store, tid, 40_000, arisen=date(2025, 9, 1))
        rid = draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=TODAY, today=TODAY)
        second = Actor("approver2", APPROVER.permissions, terminal_id="T01")
        results: list[str] = []

        def attempt(actor: Actor) -> None:
            try:
                approve_refund(store.uow(), actor, rid, on=TODAY)
                results.append("ok")
            except ConflictError:
                results.append("conflict")

        actors = iter([APPROVER, second])
        race(2, lambda: attempt(next(actors)))
        assert sorted(results) == ["conflict", "ok"]
        assert _chain_ok(store)

    def test_two_cashiers_paying_the_same_refund_pay_it_once(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "due": date(2026, 6, 30)})
        oid = overpayment(store, tid, 40_000, arisen=date(2025, 9, 1))
        rid = draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=TODAY, today=TODAY)
        approve_refund(store.uow(), APPROVER, rid, on=TODAY)
        assert _outcomes(lambda: pay_cash(store.uow(), PAYER, rid, on=TODAY)) == ["conflict", "ok"]
        with store.uow() as uow:
            assert uow.refunds.refund(rid).state is RefundState.PAID
        assert conserved(store) and _chain_ok(store)
