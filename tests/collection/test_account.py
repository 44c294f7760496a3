"""A taxpayer's account (調定・収納 per period) and the section's statistics."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import PermissionDenied
from core.rules.prescription import period_end
from core.services.account import collection_statistics, taxpayer_account
from storage.store import Store
from tests.collection.helpers import CLERK, NOBODY, pay, seed
from tests.collection.test_posting import _post

DUE = date(2025, 6, 30)


class TestTaxpayerAccount:
    def test_each_period_shows_assessed_paid_unpaid_and_the_late_charge_as_of_the_date(self, store: Store) -> None:
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 1_000_000})
        _post(store, pay("K1", 400_000, date(2025, 7, 31)))
        account = taxpayer_account(store.uow(), CLERK, tid, as_of=date(2025, 12, 31))
        (line,) = account.periods
        assert (line.assessed, line.honzei_paid, line.honzei_due) == (1_000_000, 400_000, 600_000)
        assert line.entaikin_due > 0 and not line.entaikin_fixed
        assert account.total_due == line.total_due

    def test_a_partial_payment_renews_prescription_as_an_acknowledgement(self, store: Store) -> None:
        # 民法152条 via 18条の2: a partial payment is 承認 — the period restarts the next day.
        tid, _ = seed(store, {"notice_no": "N1", "amount": 1_000_000})
        _post(store, pay("K1", 400_000, date(2025, 7, 31)))
        (line,) = taxpayer_account(store.uow(), CLERK, tid, as_of=date(2025, 12, 31)).periods
        assert line.prescription_on == period_end(date(2025, 8, 1))

    def test_a_paid_period_has_no_prescription_date(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1", "amount": 10_000})
        _post(store, pay("K1", 10_000, DUE))
        (line,) = taxpayer_account(store.uow(), CLERK, tid, as_of=date(2025, 12, 31)).periods
        assert line.prescription_on is None and line.total_due == 0

    def test_a_period_nearing_prescription_is_flagged_six_months_ahead(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1", "amount": 10_000, "due": date(2021, 5, 31), "fiscal_year": 2021})
        (line,) = taxpayer_account(store.uow(), CLERK, tid, as_of=date(2026, 1, 15)).periods
        assert line.prescription_on == date(2026, 5, 31) and line.prescription_near and not line.prescribed

    def test_payments_are_listed_newest_first_with_reversals_marked(self, store: Store) -> None:
        from core.services.payments import reverse

        tid, _ = seed(store, {"notice_no": "N1", "amount": 10_000})
        first, second = _post(store, pay("K1", 5_000, DUE), pay("K2", 5_000, date(2025, 7, 5)))
        reverse(store.uow(), CLERK, first.payment_id, reason="誤り", on=date(2025, 7, 6))
        lines = taxpayer_account(store.uow(), CLERK, tid, as_of=date(2025, 7, 6)).payments
        assert [(p.kind, p.reversed) for p in lines] == [("reversal", False), ("receipt", False), ("receipt", True)]

    def test_opening_an_account_needs_taxpayer_view(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        with pytest.raises(PermissionDenied):
            taxpayer_account(store.uow(), NOBODY, tid, as_of=DUE)


class TestStatistics:
    def test_current_year_and_carried_forward_are_split_by_fiscal_year(self, store: Store) -> None:
        seed(store, {"notice_no": "OLD", "amount": 100_000, "fiscal_year": 2024, "due": date(2024, 6, 30)},
             {"notice_no": "NEW", "amount": 200_000, "fiscal_year": 2025, "due": DUE})
        _post(store, pay("K0", 30_000, date(2025, 2, 1), notice="OLD"),  # before the 2025 year: not carried
              pay("K1", 50_000, date(2025, 5, 1), notice="OLD"),  # collected in 2025 from the carried 70,000
              pay("K2", 150_000, DUE, notice="NEW"))
        stats = collection_statistics(store.uow(), CLERK, fiscal_year=2025)
        current, carried = stats.total("現年度分"), stats.total("滞納繰越分")
        assert (current.assessed, current.collected, current.unpaid, current.rate) == (200_000, 150_000, 50_000, 75.0)
        assert (carried.assessed, carried.collected, carried.unpaid) == (70_000, 50_000, 20_000)

    def test_statistics_need_report_view(self, store: Store) -> None:
        with pytest.raises(PermissionDenied):
            collection_statistics(store.uow(), NOBODY, fiscal_year=2025)
