"""窓口収納 (SPEC §4.4, §6): quote as of today with 延滞金, take the money, print a receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.domain.identity import Terminal
from core.errors import ConflictError, ValidationError
from core.rules.entaikin import compute_entaikin
from core.security.permissions import Actor
from core.services.counter import counter_pay, counter_quote
from storage.store import Store
from tests.collection.helpers import CLERK, balances, conserved, pay, seed
from tests.collection.test_posting import _post

DUE = date(2025, 6, 30)
TODAY = date(2025, 10, 31)


def _terminals(store: Store) -> None:
    with store.uow() as uow:
        now = datetime.now(UTC)
        uow.identity.add_terminal(Terminal("T01", "窓口1", can_export=False, is_counter=True, disabled=False),
                                  by="t", now=now)
        uow.identity.add_terminal(Terminal("B01", "事務室", can_export=True, is_counter=False, disabled=False),
                                  by="t", now=now)
        uow.commit()


class TestCounterQuote:
    def test_the_quote_adds_the_late_charge_as_of_the_payment_date(self, store: Store) -> None:
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 500_000})
        quote = counter_quote(store.uow(), CLERK, tid, [aid], on=TODAY)
        expected = compute_entaikin(amount=500_000, due=DUE, until=TODAY).total
        (line,) = quote.lines
        assert (line.honzei, line.entaikin, quote.total) == (500_000, expected, 500_000 + expected)
        assert not line.entaikin_fixed

    def test_periods_are_quoted_oldest_statutory_due_date_first(self, store: Store) -> None:
        tid, (newer, older) = seed(store, {"notice_no": "N2", "due": date(2025, 8, 31)},
                                   {"notice_no": "N1", "due": DUE})
        quote = counter_quote(store.uow(), CLERK, tid, [newer, older], on=TODAY)
        assert [line.assessment_id for line in quote.lines] == [older, newer]

    def test_another_taxpayers_period_is_refused(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        _, (other,) = seed(store, {"notice_no": "N9"}, n=2)
        with pytest.raises(Exception, match="この納税者の調定にありません"):
            counter_quote(store.uow(), CLERK, tid, [other], on=TODAY)


class TestCounterPayment:
    def test_paying_the_quote_settles_the_period_and_the_receipt_shows_each_component(self, store: Store) -> None:
        _terminals(store)
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 500_000})
        quote = counter_quote(store.uow(), CLERK, tid, [aid], on=TODAY)
        receipt = counter_pay(store.uow(), CLERK, tid, [aid], on=TODAY, amount=quote.total, received=quote.total + 1_000,
                              expected_total=quote.total)
        (line,) = receipt.lines
        assert (line.honzei, line.entaikin, receipt.change) == (500_000, quote.lines[0].entaikin, 1_000)
        assert receipt.receipt_no.startswith("R20251031-") and receipt.terminal == "T01"
        assert balances(store, [aid], TODAY)[aid].total_due == 0
        assert "山田" not in repr(receipt)  # the name is printed, never logged
        assert conserved(store)

    def test_a_partial_counter_payment_fills_the_oldest_period_first(self, store: Store) -> None:
        _terminals(store)
        tid, (a1, a2) = seed(store, {"notice_no": "N1", "amount": 10_000}, {"notice_no": "N2", "amount": 10_000,
                                                                           "due": date(2025, 9, 30)})
        quote = counter_quote(store.uow(), CLERK, tid, [a1, a2], on=TODAY)
        receipt = counter_pay(store.uow(), CLERK, tid, [a1, a2], on=TODAY, amount=12_000, received=12_000,
                              expected_total=quote.total)
        assert [(line.notice_no, line.honzei) for line in receipt.lines] == [("N1", 10_000), ("N2", 2_000)]

    def test_more_than_is_owed_is_refused_at_the_counter(self, store: Store) -> None:
        _terminals(store)
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 10_000})
        quote = counter_quote(store.uow(), CLERK, tid, [aid], on=TODAY)
        with pytest.raises(ValidationError, match="超えています"):
            counter_pay(store.uow(), CLERK, tid, [aid], on=TODAY, amount=quote.total + 1, received=quote.total + 1,
                        expected_total=quote.total)

    def test_a_stale_quote_is_refused_and_nothing_is_posted(self, store: Store) -> None:
        _terminals(store)
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 10_000})
        quote = counter_quote(store.uow(), CLERK, tid, [aid], on=TODAY)
        _post(store, pay("K1", 5_000, date(2025, 10, 30)))
        with pytest.raises(ConflictError, match="もう一度照会"):
            counter_pay(store.uow(), CLERK, tid, [aid], on=TODAY, amount=quote.total, received=quote.total,
                        expected_total=quote.total)
        assert balances(store, [aid], TODAY)[aid].honzei_due == 5_000

    def test_cash_handed_over_must_cover_the_amount(self, store: Store) -> None:
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 10_000})
        with pytest.raises(ValidationError, match="預り金"):
            counter_pay(store.uow(), CLERK, tid, [aid], on=TODAY, amount=10_000, received=9_000,
                        expected_total=10_000)

    def test_only_a_counter_terminal_takes_cash(self, store: Store) -> None:
        _terminals(store)
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 10_000})
        office = Actor(CLERK.user_id, CLERK.permissions, terminal_id="B01")
        with pytest.raises(ConflictError, match="窓口端末"):
            counter_pay(store.uow(), office, tid, [aid], on=TODAY, amount=10_000, received=10_000,
                        expected_total=10_000)
