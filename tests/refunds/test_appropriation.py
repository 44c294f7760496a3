"""充当 (17条の2, SPEC §4.5): an overpayment pays every unpaid debt, oldest first, each
on its 充当適状日 — and nothing is refunded while a debt is unpaid."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.assessment import TaxCode
from core.errors import ConflictError
from core.rules.entaikin import compute_entaikin
from core.services.appropriation import appropriate, preview_appropriation
from core.services.refunds import draft_refund
from storage.store import Store
from tests.collection.helpers import balances, conserved
from tests.refunds.helpers import DRAFTER, overpayment, seed

ON = date(2025, 12, 1)


def _debts(store: Store) -> tuple[int, list[int]]:
    return seed(store,
                {"notice_no": "A1", "amount": 100_000, "due": date(2024, 6, 30), "fiscal_year": 2024},
                {"notice_no": "K1", "amount": 7_200, "due": date(2025, 5, 31), "tax_code": TaxCode.KEIJIDOSHAZEI},
                {"notice_no": "F1", "amount": 50_000, "due": date(2025, 4, 30), "tax_code": TaxCode.KOTEI_SHISANZEI})


class TestAppropriationPlan:
    def test_debts_are_paid_oldest_statutory_due_date_first_across_taxes_and_years(self, store: Store) -> None:
        tid, (a1, k1, f1) = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        plan = preview_appropriation(store.uow(), DRAFTER, oid, on=ON)
        assert [line.assessment_id for line in plan.lines] == [a1, f1, k1]
        assert all(line.on == date(2025, 10, 1) for line in plan.lines)  # arisen after every 納期限

    def test_the_late_charge_is_computed_to_the_appropriation_date(self, store: Store) -> None:
        # 17条の2②: deemed paid on the 充当適状日 (2025-10-01): 延滞金 100,000 from 2024-07-01 to then.
        tid, (a1, _, _) = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        first = preview_appropriation(store.uow(), DRAFTER, oid, on=ON).lines[0]
        expected = compute_entaikin(amount=100_000, due=date(2024, 6, 30), until=date(2025, 10, 1)).total
        assert (first.honzei, first.entaikin) == (100_000, expected)

    def test_a_debt_due_after_the_overpayment_is_appropriated_on_its_own_due_date(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1", "amount": 20_000, "due": date(2025, 11, 30)})
        oid = overpayment(store, tid, 5_000, arisen=date(2025, 7, 1))
        (line,) = preview_appropriation(store.uow(), DRAFTER, oid, on=ON).lines
        assert (line.on, line.honzei, line.entaikin) == (date(2025, 11, 30), 5_000, 0)

    def test_a_debt_not_yet_due_is_not_appropriated(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1", "amount": 20_000, "due": date(2026, 1, 31)})
        oid = overpayment(store, tid, 5_000, arisen=date(2025, 7, 1))
        assert preview_appropriation(store.uow(), DRAFTER, oid, on=ON).lines == ()

    def test_partial_coverage_pays_the_oldest_period_and_leaves_no_remainder(self, store: Store) -> None:
        tid, (a1, _, _) = _debts(store)
        oid = overpayment(store, tid, 60_000, arisen=date(2025, 10, 1))
        plan = preview_appropriation(store.uow(), DRAFTER, oid, on=ON)
        assert [(line.assessment_id, line.honzei) for line in plan.lines] == [(a1, 60_000)]
        assert plan.remainder == 0


class TestAppropriationExecution:
    def test_executing_pays_the_debts_and_their_charge_stops_accruing(self, store: Store) -> None:
        tid, ids = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        plan = preview_appropriation(store.uow(), DRAFTER, oid, on=ON)
        appropriate(store.uow(), DRAFTER, oid, on=ON, expected_total=plan.total)
        later = balances(store, ids, date(2026, 6, 30))
        assert all(b.total_due == 0 and b.entaikin_fixed for b in later.values())
        with store.uow() as uow:
            item = uow.refunds.overpayment(oid)
        assert item.remaining == 400_000 - plan.total == plan.remainder
        assert conserved(store)

    def test_a_plan_that_changed_since_the_preview_is_refused(self, store: Store) -> None:
        tid, _ = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        plan = preview_appropriation(store.uow(), DRAFTER, oid, on=ON)
        with pytest.raises(ConflictError, match="変わりました"):
            appropriate(store.uow(), DRAFTER, oid, on=ON, expected_total=plan.total + 1)

    def test_an_overpayment_cannot_be_appropriated_twice(self, store: Store) -> None:
        tid, _ = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        plan = preview_appropriation(store.uow(), DRAFTER, oid, on=ON)
        appropriate(store.uow(), DRAFTER, oid, on=ON, expected_total=plan.total)
        with pytest.raises(ConflictError):
            appropriate(store.uow(), DRAFTER, oid, on=ON, expected_total=plan.total)


class TestNothingRefundedWhileADebtIsUnpaid:
    def test_a_refund_cannot_be_drafted_before_appropriation(self, store: Store) -> None:
        tid, _ = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        with pytest.raises(ConflictError, match="17条の2"):
            draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=ON, today=ON)

    def test_after_appropriation_only_the_remainder_is_refunded(self, store: Store) -> None:
        tid, _ = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        plan = preview_appropriation(store.uow(), DRAFTER, oid, on=ON)
        appropriate(store.uow(), DRAFTER, oid, on=ON, expected_total=plan.total)
        rid = draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=ON, today=ON)
        with store.uow() as uow:
            refund = uow.refunds.refund(rid)
        assert refund.amount == plan.remainder
        assert conserved(store)


class TestNoticeData:
    def test_the_notice_lists_each_appropriation_and_the_refund(self, store: Store) -> None:
        from core.services.refund_notices import overpayment_notice

        tid, (a1, k1, f1) = _debts(store)
        oid = overpayment(store, tid, 400_000, arisen=date(2025, 10, 1))
        plan = preview_appropriation(store.uow(), DRAFTER, oid, on=ON)
        appropriate(store.uow(), DRAFTER, oid, on=ON, expected_total=plan.total)
        draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=ON, today=ON)
        notice = overpayment_notice(store.uow(), DRAFTER, oid)
        assert [(n.notice_no, n.honzei + n.entaikin + n.fee) for n in notice.appropriations] == [
            (line.notice_no, line.amount) for line in plan.lines]
        assert (notice.cause, notice.refund_amount, notice.refund_method) == ("二重納付", plan.remainder, "窓口現金")
        assert "山田" not in repr(notice)
