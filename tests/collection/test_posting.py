"""消込 on a real ledger (SPEC §4.4): each payment lands on 本税 → 延滞金 → 督促手数料,
anything beyond is 過誤納, anything unmatched is 未消込, a 取消 undoes it exactly."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.assessment import Amendment
from core.domain.payment import Channel, Component, OverpaymentCause, SuspenseReason
from core.errors import ConflictError, PermissionDenied
from core.rules.entaikin import compute_entaikin
from core.services.ledger import load_policy
from core.services.payments import import_payments, resolve_suspense, reverse
from core.services.posting import post_payment, release_excess
from storage.store import Store
from tests.collection.helpers import CLERK, NOBODY, balances, conserved, pay, seed

DUE = date(2025, 6, 30)


def _post(store: Store, *payments_: object) -> list:  # type: ignore[type-arg]
    with store.uow("clerk1") as uow:
        policy = load_policy(uow)
        out = [post_payment(uow, p, policy) for p in payments_]  # type: ignore[arg-type]
        uow.commit()
    return out


class TestPostingToANamedPeriod:
    def test_an_exact_payment_on_time_pays_the_tax_and_nothing_else(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 30_000})
        (posting,) = _post(store, pay("K1", 30_000, DUE))
        assert posting.allocated == 30_000 and posting.overpayment == 0 and posting.suspense == 0
        b = balances(store, [aid], date(2025, 12, 31))[aid]
        assert (b.honzei_due, b.entaikin, b.total_due, b.fully_paid_on) == (0, 0, 0, DUE)

    def test_a_late_payment_pays_tax_then_the_late_charge_computed_to_its_date(self, store: Store) -> None:
        # 326条: 1,000,000 unpaid from 7/1; paid 9/30 → 延滞金 fixed as of 9/30.
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 1_000_000})
        charge = compute_entaikin(amount=1_000_000, due=DUE, until=date(2025, 9, 30)).total
        assert charge > 0
        (posting,) = _post(store, pay("K1", 1_000_000 + charge, date(2025, 9, 30)))
        assert {(p.component, p.amount) for p in posting.parts} == {
            (Component.HONZEI, 1_000_000), (Component.ENTAIKIN, charge)}
        b = balances(store, [aid], date(2026, 3, 31))[aid]
        assert b.total_due == 0 and b.entaikin_fixed and b.entaikin == charge

    def test_a_late_payment_of_only_the_tax_leaves_the_fixed_charge_owing(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 1_000_000})
        _post(store, pay("K1", 1_000_000, date(2025, 9, 30)))
        charge = compute_entaikin(amount=1_000_000, due=DUE, until=date(2025, 9, 30)).total
        later = balances(store, [aid], date(2026, 9, 30))[aid]
        assert later.honzei_due == 0 and later.entaikin_due == charge  # fixed: no longer grows

    def test_a_partial_payment_lowers_the_base_from_the_next_day(self, store: Store) -> None:
        # 326条②: 600,000 paid on 8/15 leaves 400,000 accruing from 8/16.
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 1_000_000})
        _post(store, pay("K1", 600_000, date(2025, 8, 15)))
        expected = compute_entaikin(amount=1_000_000, due=DUE, until=date(2025, 12, 1),
                                    payments=[(date(2025, 8, 15), 600_000)]).total
        b = balances(store, [aid], date(2025, 12, 1))[aid]
        assert (b.honzei_due, b.entaikin_due) == (400_000, expected)

    def test_a_small_excess_becomes_an_overpayment_of_the_taxpayer(self, store: Store) -> None:
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 30_000})
        (posting,) = _post(store, pay("K1", 31_000, DUE))
        assert (posting.allocated, posting.overpayment, posting.overpayment_cause) == (30_000, 1_000, OverpaymentCause.KANO)
        with store.uow() as uow:
            (item,) = uow.ledger.overpayments_of_taxpayer(tid)
        assert (item.amount, item.assessment_id, item.state) == (1_000, aid, "open")
        assert conserved(store)

    def test_paying_an_already_paid_period_again_is_a_double_payment(self, store: Store) -> None:
        _, _ = seed(store, {"notice_no": "N1", "amount": 30_000})
        _, second = _post(store, pay("K1", 30_000, DUE), pay("K2", 30_000, date(2025, 7, 2)))
        assert (second.allocated, second.overpayment_cause) == (0, OverpaymentCause.DOUBLE_PAYMENT)

    def test_an_excess_beyond_the_policy_limit_goes_to_suspense_as_an_amount_mismatch(self, store: Store) -> None:
        _, _ = seed(store, {"notice_no": "N1", "amount": 30_000})
        (posting,) = _post(store, pay("K1", 330_000, DUE))
        assert (posting.allocated, posting.suspense, posting.suspense_reason) == (
            30_000, 300_000, SuspenseReason.AMOUNT_MISMATCH)
        assert conserved(store)

    def test_an_unknown_notice_number_goes_to_suspense_whole(self, store: Store) -> None:
        seed(store, {"notice_no": "N1"})
        (posting,) = _post(store, pay("K1", 5_000, DUE, notice="NOPE"))
        assert (posting.allocated, posting.suspense, posting.taxpayer_id) == (0, 5_000, None)
        assert posting.suspense_reason is SuspenseReason.UNKNOWN_NOTICE

    def test_a_notice_without_a_period_fills_its_periods_oldest_first(self, store: Store) -> None:
        _, (a1, a2) = seed(store, {"notice_no": "N1", "period": 1, "amount": 10_000},
                           {"notice_no": "N1", "period": 2, "amount": 10_000, "due": date(2025, 8, 31)})
        (posting,) = _post(store, pay("K1", 15_000, DUE, period_no=None))
        assert {(p.assessment_id, p.amount) for p in posting.parts} == {(a1, 10_000), (a2, 5_000)}


class TestReversal:
    def test_a_reversal_restores_every_balance_exactly(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 1_000_000})
        on = date(2025, 12, 1)
        before = balances(store, [aid], on)
        (posting,) = _post(store, pay("K1", 1_050_000, date(2025, 9, 30)))
        assert balances(store, [aid], on) != before
        reverse(store.uow("clerk1"), CLERK, posting.payment_id, reason="二重計上", on=date(2025, 10, 1))
        assert balances(store, [aid], on) == before
        assert conserved(store)

    def test_a_payment_cannot_be_reversed_twice(self, store: Store) -> None:
        seed(store, {"notice_no": "N1"})
        (posting,) = _post(store, pay("K1", 30_000, DUE))
        reverse(store.uow(), CLERK, posting.payment_id, reason="誤り", on=DUE)
        with pytest.raises(ConflictError):
            reverse(store.uow(), CLERK, posting.payment_id, reason="誤り", on=DUE)

    def test_reversal_needs_its_permission_and_the_refusal_is_audited(self, store: Store) -> None:
        seed(store, {"notice_no": "N1"})
        (posting,) = _post(store, pay("K1", 30_000, DUE))
        with pytest.raises(PermissionDenied):
            reverse(store.uow(), NOBODY, posting.payment_id, reason="誤り", on=DUE)


class TestReductionReleasesTheExcess:
    def test_a_reduced_assessment_releases_what_was_paid_beyond_it_as_an_overpayment(self, store: Store) -> None:
        tid, (aid,) = seed(store, {"notice_no": "N1", "amount": 50_000})
        _post(store, pay("K1", 50_000, DUE))
        with store.uow() as uow:
            uow.assessments.amend(Amendment(aid, date(2025, 9, 1), 50_000, 40_000, "減額更正"))
            released = release_excess(uow, uow.assessments.get(aid), date(2025, 9, 1), load_policy(uow))
            uow.commit()
        assert released == 10_000
        with store.uow() as uow:
            (item,) = uow.ledger.overpayments_of_taxpayer(tid)
        assert (item.cause, item.amount) == (OverpaymentCause.GENGAKU_KOSEI, 10_000)
        assert balances(store, [aid], date(2025, 12, 1))[aid].total_due == 0
        assert conserved(store)


class TestImport:
    def test_the_same_file_twice_posts_once(self, store: Store) -> None:
        seed(store, {"notice_no": "N1"})
        records = [pay("K1", 30_000, DUE)]
        first = import_payments(store.uow("clerk1"), CLERK, records, sha256="a" * 64, file_name="f.csv")
        again = import_payments(store.uow("clerk1"), CLERK, records, sha256="a" * 64, file_name="f.csv")
        assert (first.posted, again.already_imported, again.posted) == (1, True, 0)

    def test_a_record_key_already_posted_from_another_file_is_skipped(self, store: Store) -> None:
        seed(store, {"notice_no": "N1", "amount": 60_000})
        import_payments(store.uow(), CLERK, [pay("K1", 30_000, DUE)], sha256="a" * 64, file_name="f1")
        second = import_payments(store.uow(), CLERK, [pay("K1", 30_000, DUE), pay("K2", 30_000, DUE)],
                                 sha256="b" * 64, file_name="f2")
        assert (second.records, second.duplicates, second.posted) == (2, 1, 1)
        assert conserved(store)

    def test_an_error_midway_applies_nothing(self, store: Store) -> None:
        seed(store, {"notice_no": "N1", "amount": 60_000})

        def cancel(n: int) -> None:
            raise KeyboardInterrupt

        records = [pay(f"K{i}", 10, DUE) for i in range(501)]  # the callback runs at 500
        with pytest.raises(KeyboardInterrupt):
            import_payments(store.uow(), CLERK, records, sha256="c" * 64, file_name="f", progress=cancel)
        again = import_payments(store.uow(), CLERK, records, sha256="c" * 64, file_name="f")
        assert (again.already_imported, again.posted) == (False, 501)

    def test_the_summary_adds_up(self, store: Store) -> None:
        seed(store, {"notice_no": "N1", "amount": 30_000})
        s = import_payments(store.uow(), CLERK, [pay("K1", 31_000, DUE), pay("K2", 700, DUE, notice="X")],
                            sha256="d" * 64, file_name="f")
        assert (s.posted, s.matched, s.overpayments, s.overpayment_total, s.suspense, s.suspense_total,
                s.allocated_total, s.total) == (2, 0, 1, 1_000, 1, 700, 30_000, 31_700)


class TestSuspenseResolution:
    def test_assigning_a_suspense_item_applies_it_to_the_period(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 30_000})
        (posting,) = _post(store, pay("K1", 30_000, DUE, notice="TYPO"))
        with store.uow() as uow:
            (item,), _ = uow.ledger.open_suspense()
        resolve_suspense(store.uow(), CLERK, item.id, "assign", on=DUE, notice_no="N1", period=1)
        assert balances(store, [aid], DUE)[aid].honzei_due == 0
        with store.uow() as uow:
            assert uow.ledger.open_suspense() == ([], False)
        assert conserved(store)

    def test_a_refund_resolution_makes_an_overpayment_of_the_named_taxpayer(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        _post(store, pay("K1", 9_000, DUE, notice="TYPO"))
        with store.uow() as uow:
            (item,), _ = uow.ledger.open_suspense()
        resolve_suspense(store.uow(), CLERK, item.id, "refund", on=DUE, atena_no=f"{1:010d}")
        with store.uow() as uow:
            (over,) = uow.ledger.overpayments_of_taxpayer(tid)
        assert (over.amount, over.cause) == (9_000, OverpaymentCause.GONO)
        assert conserved(store)

    def test_an_item_cannot_be_resolved_twice(self, store: Store) -> None:
        seed(store, {"notice_no": "N1"})
        _post(store, pay("K1", 9_000, DUE, notice="TYPO"))
        with store.uow() as uow:
            (item,), _ = uow.ledger.open_suspense()
        resolve_suspense(store.uow(), CLERK, item.id, "return", on=DUE, note="RET-001")
        with pytest.raises(ConflictError):
            resolve_suspense(store.uow(), CLERK, item.id, "return", on=DUE, note="RET-001")

    def test_a_counter_channel_never_lands_in_suspense_for_an_excess(self, store: Store) -> None:
        _, _ = seed(store, {"notice_no": "N1", "amount": 30_000})
        (posting,) = _post(store, pay("K1", 330_000, DUE, channel=Channel.COUNTER))
        assert (posting.suspense, posting.overpayment) == (0, 300_000)
