"""督促 batch (SPEC §4.2): who gets one, who is skipped, and that a re-run issues nothing twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from core.domain.taxpayer import TaxpayerFlags
from core.errors import PermissionDenied
from core.rules.prescription import dunning_restart, period_end
from core.services.account import taxpayer_account
from core.services.dunning import run_dunning, seizure_possible_on
from storage.schema import deferrals
from storage.store import Store
from tests.collection.helpers import CLERK, NOBODY, pay, seed
from tests.collection.test_posting import _post

DUE = date(2025, 6, 30)
RUN = date(2025, 7, 15)  # within 20 days after the 納期限 (329条①)


class TestDunningSelection:
    def test_an_unpaid_period_past_its_due_date_gets_a_dunning_with_a_designated_date(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 30_000})
        run = run_dunning(store.uow(), CLERK, on=RUN)
        assert (run.issued, run.assessment_ids, run.honzei_total) == (1, (aid,), 30_000)
        assert run.designated_on == RUN + timedelta(days=10)

    def test_a_paid_period_is_skipped_as_paid(self, store: Store) -> None:
        seed(store, {"notice_no": "N1", "amount": 30_000})
        _post(store, pay("K1", 30_000, DUE))
        run = run_dunning(store.uow(), CLERK, on=RUN)
        assert (run.issued, run.skipped) == (0, {"paid": 1})

    def test_a_partly_paid_period_is_dunned_for_what_is_left(self, store: Store) -> None:
        seed(store, {"notice_no": "N1", "amount": 30_000})
        _post(store, pay("K1", 10_000, DUE))
        assert run_dunning(store.uow(), CLERK, on=RUN).honzei_total == 20_000

    def test_a_taxpayer_with_dunning_stopped_is_skipped(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        with store.uow() as uow:
            t = uow.taxpayers.get(tid)
            uow.taxpayers.update(replace(t, flags=TaxpayerFlags(tokusoku_teishi=True)), reason="督促停止")
            uow.commit()
        assert run_dunning(store.uow(), CLERK, on=RUN).skipped == {"stopped": 1}

    def test_a_deferred_period_is_skipped(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "N1"})
        with store.transaction() as (conn, _audit):
            conn.execute(insert(deferrals).values(assessment_id=aid, kind="choshu", start_on=DUE,
                                                  end_on=date(2025, 12, 31), status="active", decided_by="x",
                                                  created_at=__import__("datetime").datetime.now(__import__("datetime").UTC)))
        assert run_dunning(store.uow(), CLERK, on=RUN).skipped == {"deferred": 1}

    def test_a_period_not_yet_due_is_not_selected(self, store: Store) -> None:
        seed(store, {"notice_no": "N1", "due": RUN})
        assert run_dunning(store.uow(), CLERK, on=RUN).issued == 0

    def test_a_period_past_the_twenty_day_window_is_reported_as_missed_not_dunned(self, store: Store) -> None:
        seed(store, {"notice_no": "N1", "due": date(2025, 5, 31)})
        run = run_dunning(store.uow(), CLERK, on=RUN)
        assert (run.issued, run.missed) == (0, 1)

    def test_the_ordinance_fee_is_assessed_on_the_period(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "N1", "amount": 30_000})
        with store.uow() as uow:
            uow.settings.set("dunning_policy", {"fee": 100}, by="admin")
            uow.commit()
        run = run_dunning(store.uow(), CLERK, on=RUN)
        assert run.fee_total == 100
        (line,) = taxpayer_account(store.uow(), CLERK, 1, as_of=RUN).periods
        assert (line.fee_due, line.dunning_on) == (100, RUN)


class TestDunningIdempotency:
    def test_running_the_same_date_twice_issues_nothing_the_second_time(self, store: Store) -> None:
        seed(store, {"notice_no": "N1"}, {"notice_no": "N2"})
        assert run_dunning(store.uow(), CLERK, on=RUN).issued == 2
        assert run_dunning(store.uow(), CLERK, on=RUN).issued == 0

    def test_a_later_run_does_not_dun_a_period_again(self, store: Store) -> None:
        seed(store, {"notice_no": "N1"})
        run_dunning(store.uow(), CLERK, on=RUN)
        assert run_dunning(store.uow(), CLERK, on=RUN + timedelta(days=3)).issued == 0

    def test_the_batch_needs_its_permission(self, store: Store) -> None:
        with pytest.raises(PermissionDenied):
            run_dunning(store.uow(), NOBODY, on=RUN)


class TestDunningRenewsPrescription:
    def test_the_account_shows_the_renewed_completion_date(self, store: Store) -> None:
        # 18条の2①: 督促 on 7/15 → new period from 7/26 (day after 十日を経過した日).
        seed(store, {"notice_no": "N1"})
        before = taxpayer_account(store.uow(), CLERK, 1, as_of=RUN).periods[0].prescription_on
        assert before == period_end(DUE + timedelta(days=1))
        run_dunning(store.uow(), CLERK, on=RUN)
        after = taxpayer_account(store.uow(), CLERK, 1, as_of=RUN).periods[0].prescription_on
        assert after == period_end(dunning_restart(RUN)) == date(2030, 7, 25)

    def test_seizure_becomes_possible_the_day_after_ten_days_have_passed(self) -> None:
        # 331条①: issued 7/1 (day 1) → 十日を経過した日 7/11 → seizure from 7/12.
        assert seizure_possible_on(date(2025, 7, 1)) == date(2025, 7, 12)
