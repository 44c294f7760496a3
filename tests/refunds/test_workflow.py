"""還付 workflow (SPEC §4.7): 起案 → 決裁 → 支出 → 通知 with maker–checker, kept by the
service and by the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from core.domain.payment import OverpaymentCause
from core.domain.refund import RefundState
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.rules.kasankin import compute_kasankin
from core.security.permissions import Actor, MakerCheckerViolation
from core.services.refunds import (
    Account,
    amend_refund,
    approval_queue,
    approve_refund,
    cancel_refund,
    draft_refund,
    mark_notified,
    pay_cash,
    refund_payment_run,
    return_refund,
)
from core.services.transfer import CONSIGNOR_KEY
from storage.demo.activity import DEMO_CONSIGNOR
from storage.files import zengin
from storage.files.refund_transfer import render_refund_run
from storage.schema import refunds
from storage.store import Store
from tests.collection.helpers import conserved
from tests.refunds.helpers import ALL, APPROVER, DRAFTER, PAYER, overpayment, seed, terminals

TODAY = date(2025, 12, 1)
LATER = date(2026, 6, 30)  # the seeded period is not yet due: no debt to appropriate
ACCOUNT = Account("0005", "123", "1", "7654321", "ヤマダ タロウ")


def _drafted(store: Store, amount: int = 50_000, **kw: object) -> tuple[int, int]:
    terminals(store)
    tid, _ = seed(store, {"notice_no": "N1", "amount": 10_000, "due": LATER})
    oid = overpayment(store, tid, amount, arisen=date(2025, 9, 1), **kw)  # type: ignore[arg-type]
    rid = draft_refund(store.uow(), DRAFTER, oid, method="submitted", account=ACCOUNT, pay_on=TODAY, today=TODAY)
    return oid, rid


def _refund(store: Store, rid: int):  # type: ignore[no-untyped-def]
    with store.uow() as uow:
        return uow.refunds.refund(rid)


class TestDraftAndApproval:
    def test_a_draft_reserves_the_remainder_of_the_overpayment(self, store: Store) -> None:
        oid, rid = _drafted(store)
        with store.uow() as uow:
            assert uow.refunds.overpayment(oid).remaining == 0
        r = _refund(store, rid)
        assert (r.state, r.amount, r.account_no, r.drafted_by) == (RefundState.DRAFTED, 50_000, "7654321", "refund1")

    def test_the_drafter_cannot_approve_their_own_refund(self, store: Store) -> None:
        oid, rid = _drafted(store)
        both = Actor("refund1", ALL, terminal_id="T01")
        with pytest.raises(MakerCheckerViolation):
            approve_refund(store.uow(), both, rid, on=TODAY)
        assert _refund(store, rid).state is RefundState.DRAFTED

    def test_the_database_itself_refuses_an_approver_who_drafted(self, store: Store) -> None:
        _, rid = _drafted(store)
        with pytest.raises(IntegrityError), store.transaction() as (conn, _):
            conn.execute(update(refunds).where(refunds.c.id == rid).values(
                state="approved", approved_by="refund1", decided_on=TODAY))

    def test_a_user_without_refund_approve_cannot_approve(self, store: Store) -> None:
        _, rid = _drafted(store)
        with pytest.raises(PermissionDenied):
            approve_refund(store.uow(), PAYER, rid, on=TODAY)

    def test_approval_adds_the_refund_interest_to_the_decision_date(self, store: Store) -> None:
        # 誤納: from the day after one month has passed since the payment (17条の4①).
        _, rid = _drafted(store, 500_000, cause=OverpaymentCause.GONO, paid=date(2025, 3, 10))
        r = approve_refund(store.uow(), APPROVER, rid, on=TODAY)
        expected = compute_kasankin(amount=500_000, cause="gono", paid=date(2025, 3, 10), decided=TODAY).total
        assert expected > 0 and (r.state, r.kasankin, r.decided_on, r.approved_by) == (
            RefundState.APPROVED, expected, TODAY, "approver1")

    def test_the_approval_queue_shows_others_drafts_only(self, store: Store) -> None:
        _, rid = _drafted(store)
        assert [r.id for r in approval_queue(store.uow(), APPROVER)] == [rid]
        assert approval_queue(store.uow(), Actor("refund1", ALL)) == []


class TestChangesAfterApproval:
    def test_changing_the_account_after_approval_returns_it_to_draft(self, store: Store) -> None:
        _, rid = _drafted(store)
        approve_refund(store.uow(), APPROVER, rid, on=TODAY)
        amend_refund(store.uow(), DRAFTER, rid, method="submitted", pay_on=TODAY, today=TODAY,
                     account=Account("0009", "001", "1", "1111111", "ヤマダ ハナコ"))
        r = _refund(store, rid)
        assert (r.state, r.approved_by, r.decided_on, r.bank_code) == (RefundState.DRAFTED, None, None, "0009")

    def test_the_approver_can_send_a_draft_back(self, store: Store) -> None:
        _, rid = _drafted(store)
        approve_refund(store.uow(), APPROVER, rid, on=TODAY)
        return_refund(store.uow(), APPROVER, rid, reason="口座確認")
        assert _refund(store, rid).state is RefundState.DRAFTED

    def test_cancelling_gives_the_money_back_to_the_overpayment(self, store: Store) -> None:
        oid, rid = _drafted(store)
        cancel_refund(store.uow(), DRAFTER, rid, reason="本人申出")
        with store.uow() as uow:
            assert uow.refunds.overpayment(oid).remaining == 50_000
        assert _refund(store, rid).state is RefundState.CANCELLED
        draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=TODAY, today=TODAY)  # may be drafted again
        assert conserved(store)

    def test_a_paid_refund_can_no_longer_be_changed_or_cancelled(self, store: Store) -> None:
        oid, rid = _drafted(store)
        amend_refund(store.uow(), DRAFTER, rid, method="cash", pay_on=TODAY, today=TODAY)
        approve_refund(store.uow(), APPROVER, rid, on=TODAY)
        pay_cash(store.uow(), PAYER, rid, on=TODAY)
        with pytest.raises(ConflictError):
            cancel_refund(store.uow(), DRAFTER, rid, reason="x")
        mark_notified(store.uow(), PAYER, rid, on=TODAY)
        assert _refund(store, rid).state is RefundState.NOTIFIED

    def test_only_one_live_refund_per_overpayment(self, store: Store) -> None:
        oid, _ = _drafted(store)
        with pytest.raises(ConflictError):
            draft_refund(store.uow(), DRAFTER, oid, method="cash", pay_on=TODAY, today=TODAY)


class TestPaymentMethods:
    def test_the_public_benefit_account_is_recorded_and_audited_as_such(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "due": LATER})
        oid = overpayment(store, tid, 8_000, arisen=date(2025, 9, 1))
        rid = draft_refund(store.uow(), DRAFTER, oid, method="koukin", account=ACCOUNT, pay_on=TODAY, today=TODAY)
        assert _refund(store, rid).method.value == "koukin"

    def test_a_registered_account_is_required_for_that_method(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "due": LATER})
        oid = overpayment(store, tid, 8_000, arisen=date(2025, 9, 1))
        with pytest.raises(ValidationError, match="登録された口座"):
            draft_refund(store.uow(), DRAFTER, oid, method="registered", pay_on=TODAY, today=TODAY)

    def test_a_bad_account_number_is_refused(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "due": LATER})
        oid = overpayment(store, tid, 8_000, arisen=date(2025, 9, 1))
        with pytest.raises(ValidationError, match="口座番号"):
            draft_refund(store.uow(), DRAFTER, oid, method="submitted", pay_on=TODAY, today=TODAY,
                         account=Account("0005", "123", "1", "12345", "ヤマダ"))


class TestPaymentRun:
    def test_the_transfer_file_pays_the_approved_refunds_of_the_day(self, store: Store) -> None:
        _, rid = _drafted(store)
        with store.uow() as uow:
            uow.settings.set(CONSIGNOR_KEY, DEMO_CONSIGNOR, by="t")
            uow.commit()
        approve_refund(store.uow(), APPROVER, rid, on=TODAY)
        run, data = refund_payment_run(store.uow(), PAYER, pay_on=TODAY, render=render_refund_run)
        parsed = zengin.read_furikomi(data)
        (item,) = parsed.items
        assert (item.amount, item.payee_name.strip(), item.customer_code1) == (run.total, "ﾔﾏﾀﾞ ﾀﾛｳ", f"{rid:010d}")
        assert all(len(rec) == 120 for rec in data.split(b"\r\n") if rec)
        assert _refund(store, rid).state is RefundState.PAID
        again, _ = refund_payment_run(store.uow(), PAYER, pay_on=TODAY, render=render_refund_run)
        assert again.refunds == ()  # never paid twice

    def test_claims_older_than_five_years_are_listed_as_lapsed(self, store: Store) -> None:
        terminals(store)
        tid, _ = seed(store, {"notice_no": "N1", "due": LATER})
        old = overpayment(store, tid, 3_000, arisen=date(2020, 5, 1))
        run, _ = refund_payment_run(store.uow(), PAYER, pay_on=TODAY, render=render_refund_run)
        assert [i.id for i in run.lapsed] == [old]
        with pytest.raises(ConflictError, match="18条の3"):
            draft_refund(store.uow(), DRAFTER, old, method="cash", pay_on=TODAY, today=TODAY)


class TestNothingPersonalInPlainText:
    def test_account_holder_and_cancel_reason_are_encrypted_at_rest(self, store: Store) -> None:
        from sqlalchemy import select as sql_select

        _, rid = _drafted(store)
        cancel_refund(store.uow(), DRAFTER, rid, reason="山田花子さんの申出")
        with store.reading() as conn:
            row = conn.execute(sql_select(refunds).where(refunds.c.id == rid)).one()
        raw = b"".join(v for v in row if isinstance(v, bytes))
        for secret in ("7654321", "ヤマダ", "山田花子"):
            assert secret.encode() not in raw and secret.encode("cp932") not in raw
        r = _refund(store, rid)
        assert (r.account_no, r.state) == ("7654321", RefundState.CANCELLED)  # a cancel keeps the account
