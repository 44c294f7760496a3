"""Rebuilding a lost 総合振込 file: exactly the refunds of that run, byte for byte, or nothing."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from core.security.permissions import Actor
from core.services.refunds import (
    Account, approve_refund, draft_refund, mark_notified, refund_payment_run, reissue_refund_payment_file,
)
from core.services.transfer import CONSIGNOR_KEY
from storage.demo.activity import DEMO_CONSIGNOR
from storage.files.refund_transfer import render_refund_run
from storage.store import Store
from tests.refunds.helpers import APPROVER, DRAFTER, PAYER, overpayment, seed, terminals

TODAY = date(2025, 12, 1)
LATER = date(2026, 6, 30)
ACCOUNT = Account("0005", "123", "1", "7654321", "ヤマダ タロウ")


def _approved(store: Store, n: int) -> int:
    tid, _ = seed(store, {"notice_no": f"N{n}", "amount": 10_000, "due": LATER}, n=n)
    oid = overpayment(store, tid, 1_000 * n, arisen=date(2025, 9, 1))
    rid = draft_refund(store.uow(), DRAFTER, oid, method="submitted", account=ACCOUNT, pay_on=TODAY, today=TODAY)
    approve_refund(store.uow(), APPROVER, rid, on=TODAY)
    return rid


@pytest.fixture
def ready(store: Store) -> Store:
    terminals(store)
    with store.uow() as uow:
        uow.settings.set(CONSIGNOR_KEY, DEMO_CONSIGNOR, by="t")
        uow.commit()
    return store


def _run(store: Store) -> tuple[list[int], bytes]:
    run, data = refund_payment_run(store.uow(), PAYER, pay_on=TODAY, render=render_refund_run)
    return [r.id for r in run.refunds], data


class TestReissue:
    def test_the_lost_file_of_a_run_is_rebuilt_byte_for_byte(self, ready: Store) -> None:
        _approved(ready, 1)
        _approved(ready, 2)
        paid, original = _run(ready)
        again, data = reissue_refund_payment_file(ready.uow(), PAYER, pay_on=TODAY, render=render_refund_run)
        assert [r.id for r in again.refunds] == paid and data == original

    def test_a_second_run_the_same_day_is_never_mixed_into_the_first(self, ready: Store) -> None:
        _approved(ready, 1)
        first, first_file = _run(ready)
        _approved(ready, 2)
        second, second_file = _run(ready)
        with pytest.raises(ValidationError, match="どれを作り直すか"):
            reissue_refund_payment_file(ready.uow(), PAYER, pay_on=TODAY, render=render_refund_run)
        sha = hashlib.sha256(second_file).hexdigest()
        run, data = reissue_refund_payment_file(ready.uow(), PAYER, pay_on=TODAY, render=render_refund_run,
                                                run=sha[:10])
        assert [r.id for r in run.refunds] == second and data == second_file and first != second

    def test_a_refund_notified_since_is_still_part_of_its_run(self, ready: Store) -> None:
        rid = _approved(ready, 1)
        _, original = _run(ready)
        mark_notified(ready.uow(), DRAFTER, rid, on=TODAY)
        _, data = reissue_refund_payment_file(ready.uow(), PAYER, pay_on=TODAY, render=render_refund_run)
        assert data == original

    def test_a_file_that_would_differ_from_the_original_is_refused(self, ready: Store) -> None:
        _approved(ready, 1)
        _run(ready)
        with ready.uow() as uow:
            uow.settings.set(CONSIGNOR_KEY, {**DEMO_CONSIGNOR, "name": "ﾍﾞﾂﾉｲﾗｲﾆﾝ"}, by="t")
            uow.commit()
        with pytest.raises(ConflictError, match="同じ内容を作れません"):
            reissue_refund_payment_file(ready.uow(), PAYER, pay_on=TODAY, render=render_refund_run)

    def test_a_day_without_a_transfer_run_has_nothing_to_reissue(self, ready: Store) -> None:
        with pytest.raises(NotFound):
            reissue_refund_payment_file(ready.uow(), PAYER, pay_on=TODAY, render=render_refund_run)

    def test_the_export_rule_applies(self, ready: Store) -> None:
        _approved(ready, 1)
        _run(ready)
        no_export = Actor("refund3", PAYER.permissions - {"export.files"}, terminal_id="T01")
        with pytest.raises(PermissionDenied):
            reissue_refund_payment_file(ready.uow(), no_export, pay_on=TODAY, render=render_refund_run)
