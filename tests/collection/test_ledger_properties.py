"""Ledger invariants under random sequences of payments and reversals (hypothesis),
on SQLite and PostgreSQL: money is conserved, no component is paid beyond what it
owes, balances never go negative, a reversal restores the prior state exactly."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.payment import Channel
from core.services.ledger import load_policy
from core.services.posting import post_payment, reverse_payment
from storage.store import Store
from tests.collection.helpers import balances, money, paid_column_agrees, pay, seed

DUE = date(2025, 6, 30)
FAR = date(2026, 12, 31)  # the last year in the rate table
_counter = itertools.count(1)

op = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 3), st.integers(1, 400_000), st.integers(-20, 300)),
    st.tuples(st.just("reverse"), st.integers(0, 20), st.just(0), st.just(0)),
)


def _check(store: Store, ids: list[int]) -> None:
    assert paid_column_agrees(store)  # the triggers follow every allocation, reversal and release
    m = money(store)
    assert m["receipts"] == m["allocated"] + m["overpaid"] + m["suspense"]
    for b in balances(store, ids, FAR).values():
        assert 0 <= b.honzei_paid <= b.assessed
        assert 0 <= b.entaikin_paid <= b.entaikin
        assert 0 <= b.fee_paid <= b.fee
        assert min(b.honzei_due, b.entaikin_due, b.fee_due) >= 0


class TestLedgerInvariants:
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=st.lists(op, min_size=1, max_size=8))
    def test_any_sequence_of_payments_and_reversals_keeps_the_ledger_sound(self, store: Store, ops: list) -> None:  # type: ignore[type-arg]
        n = next(_counter)
        notice = f"P{n:06d}"
        _, ids = seed(store, {"notice_no": notice, "period": 1, "amount": 150_000},
                      {"notice_no": notice, "period": 2, "amount": 80_000, "due": date(2025, 8, 31)},
                      {"notice_no": notice, "period": 3, "amount": 1_900, "due": date(2025, 10, 31)}, n=n)
        posted: list[tuple[int, date]] = []
        day = DUE - timedelta(days=20)
        for k, (kind, target, amount, step) in enumerate(ops):
            with store.uow() as uow:
                if kind == "pay":
                    day = max(day, DUE + timedelta(days=step))  # files arrive in date order
                    period_no = None if target == 0 else target
                    p = pay(f"{notice}-{k}", amount, day, notice=notice, period_no=period_no,
                            channel=Channel.COUNTER if target == 3 else Channel.BANK)
                    posting = post_payment(uow, p, load_policy(uow))
                    posted.append((posting.payment_id, day))
                elif posted:
                    payment_id, on = posted[target % len(posted)]
                    if not uow.ledger.is_reversed(payment_id):
                        reverse_payment(uow, payment_id, source_key=f"R{notice}-{k}", on=max(on, day))
                uow.commit()
            _check(store, ids)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(first=st.integers(1, 300_000), second=st.integers(1, 300_000), gap=st.integers(0, 200))
    def test_a_reversal_restores_every_balance_exactly(self, store: Store, first: int, second: int, gap: int) -> None:
        n = next(_counter)
        notice = f"Q{n:06d}"
        _, ids = seed(store, {"notice_no": notice, "amount": 250_000}, n=n)
        with store.uow() as uow:
            post_payment(uow, pay(f"{notice}-a", first, DUE + timedelta(days=gap), notice=notice), load_policy(uow))
            uow.commit()
        before, cash_before = balances(store, ids, FAR), money(store)
        with store.uow() as uow:
            second_id = post_payment(uow, pay(f"{notice}-b", second, DUE + timedelta(days=gap + 10), notice=notice),
                                     load_policy(uow)).payment_id
            uow.commit()
        with store.uow() as uow:
            reverse_payment(uow, second_id, source_key=f"R{notice}", on=DUE + timedelta(days=gap + 20))
            uow.commit()
        assert balances(store, ids, FAR) == before
        after = money(store)
        assert (after["allocated"], after["overpaid"], after["suspense"]) == (
            cash_before["allocated"], cash_before["overpaid"], cash_before["suspense"])
