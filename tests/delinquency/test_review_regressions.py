"""Regressions found in the review of 滞納整理 (one class per finding), on SQLite and PostgreSQL.

The common set-up (:func:`tests.delinquency.helpers.delinquent`): one period of 100,000 円,
納期限 = 法定納期限 2021-06-30, 督促 2021-07-15 (差押 possible from 2021-07-26, 331条①),
a case opened 2021-09-01 for OFFICER.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from core.domain.assessment import Amendment
from core.domain.delinquency import CaseStatus, DispositionState
from core.errors import ConflictError, NotFound, ValidationError
from core.security.permissions import Actor
from core.services.cases import close_case, open_case, open_due_cases
from core.services.dispositions import (
    approve_disposition,
    propose_disposition,
    realise_disposition,
    release_disposition,
    request_investigation,
)
from core.services.ledger import load_policy, period_views
from core.services.payments import reverse
from core.services.plans import check_plans, create_plan, plan_views
from core.services.reminders import run_reminders
from core.services.suspensions import (
    decide_suspension,
    grant_deferral,
    propose_suspension,
)
from core.services.writeoff import (
    approve_writeoff,
    propose_writeoff,
    reject_writeoff,
    writeoff_candidates,
)
from storage.repositories.cases import SqlCaseRepository
from storage.schema import (
    cases,
    disposition_periods,
    dispositions,
    overpayments,
    payments,
    plan_periods,
    plans,
    suspension_periods,
    suspensions,
)
from storage.store import Store
from tests.concurrency import race
from tests.delinquency.helpers import OFFICER, SUPERVISOR, balances, delinquent
from tests.delinquency.test_timeline import post, view

SUPERVISOR2 = Actor("super2", SUPERVISOR.permissions, terminal_id="T01")


def _seize(store: Store, case_id: int, aids: list[int], on: date, kind: str = "seizure") -> int:
    return propose_disposition(store.uow(), OFFICER, case_id, kind=kind, property_kind_="deposit",
                               description="みなと銀行本店 普通預金", start_on=on, assessment_ids=aids)


def _suspend(store: Store, case_id: int, aids: list[int], on: date, *, immediate: bool = False,
             ground: int = 2) -> int:
    sid = propose_suspension(store.uow(), OFFICER, case_id, ground=1 if immediate else ground, immediate=immediate,
                             reason="生活保護受給中", assessment_ids=aids, on=on)
    decide_suspension(store.uow(), SUPERVISOR, sid, on=on)
    return sid


def _payment_id(store: Store, key: str) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(payments.c.id).where(payments.c.source_key == key)).scalar_one())


def _case_status(store: Store, case_id: int) -> CaseStatus:
    with store.uow() as uow:
        return uow.cases.get(case_id).status  # type: ignore[attr-defined, no-any-return]


@contextmanager
def _statements(store: Store) -> Iterator[list[int]]:
    """The number of bound parameters of every statement run inside the block."""
    seen: list[int] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append(0 if executemany or parameters is None else len(parameters))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


class TestNoNewSeizureWhileEnforcementIsStopped:
    """15条の7: a 執行停止 stops 滞納処分 — no new 差押 on a period under it (decide_suspension
    already refuses the other order). 15条の2の3① (cf. 国税通則法48条①): during a 徴収猶予 no new
    督促 or 滞納処分 except 交付要求. And a seizure is never approved for tax already paid."""

    def test_a_seizure_cannot_be_proposed_for_a_period_under_suspension(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        _suspend(store, case_id, [aid], date(2021, 10, 1))
        with pytest.raises(ConflictError, match="執行停止"):
            _seize(store, case_id, [aid], date(2021, 11, 1))

    def test_a_seizure_proposed_before_a_suspension_cannot_be_approved_after_it(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = _seize(store, case_id, [aid], date(2021, 9, 1))
        _suspend(store, case_id, [aid], date(2021, 9, 10))  # allowed: the seizure is not in force yet
        with pytest.raises(ConflictError, match="執行停止"):
            approve_disposition(store.uow(), SUPERVISOR, did)
        with store.uow() as uow:
            assert uow.dispositions.disposition(did).state is DispositionState.PROPOSED  # type: ignore[attr-defined]

    def test_a_seizure_cannot_be_made_during_a_collection_deferral_but_during_a_sale_deferral_it_can(
            self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        grant_deferral(store.uow(), SUPERVISOR, case_id, kind="choshu", start_on=date(2021, 9, 1),
                       end_on=date(2022, 2, 28), reduction="half", assessment_ids=[aid])
        with pytest.raises(ConflictError, match="徴収猶予"):
            _seize(store, case_id, [aid], date(2021, 10, 1))
        _, (other,), case2 = delinquent(store, n=2)
        assert case2 is not None
        grant_deferral(store.uow(), SUPERVISOR, case2, kind="kanka", start_on=date(2021, 9, 1),
                       end_on=date(2022, 2, 28), reduction="half", assessment_ids=[other])
        assert _seize(store, case2, [other], date(2021, 10, 1)) > 0  # 換価の猶予: 差押 stays possible

    def test_a_seizure_is_not_approved_once_the_tax_it_secures_has_been_paid(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = _seize(store, case_id, [aid], date(2021, 9, 1))
        post(store, "ALL", 110_000, date(2021, 9, 5))
        with pytest.raises(ConflictError, match="完納"):
            approve_disposition(store.uow(), SUPERVISOR, did)

    def test_a_suspension_and_a_seizure_decided_at_the_same_moment_cannot_both_take_effect(
            self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = _seize(store, case_id, [aid], date(2021, 9, 1))
        sid = propose_suspension(store.uow(), OFFICER, case_id, ground=2, reason="生活保護受給中",
                                 assessment_ids=[aid], on=date(2021, 9, 10))
        results: list[str] = []
        work = iter([lambda: approve_disposition(store.uow(), SUPERVISOR, did),
                     lambda: decide_suspension(store.uow(), SUPERVISOR2, sid, on=date(2021, 9, 10))])

        def attempt(fn: Any) -> None:
            try:
                fn()
                results.append("ok")
            except ConflictError:
                results.append("conflict")

        race(2, lambda: attempt(next(work)))
        assert sorted(results) == ["conflict", "ok"]


class TestNoRealisationOfASeizureWhoseTaxIsPaid:
    """国税徴収法79条①1 (地方税法331条⑥): once the secured tax is paid the seizure must be
    released; recording a 取立 then would turn all of the proceeds into a 過誤納 (二重納付)."""

    def test_collecting_on_a_seizure_whose_periods_owe_nothing_is_refused(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = _seize(store, case_id, [aid], date(2021, 9, 1))
        approve_disposition(store.uow(), SUPERVISOR, did)
        post(store, "ALL", 110_000, date(2021, 9, 10))  # paid in full at the bank (surplus → 過納)
        with store.reading() as conn:
            before = conn.execute(select(overpayments.c.amount)).scalars().all()
        with pytest.raises(ConflictError, match="解除"):
            realise_disposition(store.uow(), OFFICER, did, on=date(2021, 9, 20), proceeds=80_000)
        with store.reading() as conn:
            assert conn.execute(select(overpayments.c.amount)).scalars().all() == before
        release_disposition(store.uow(), OFFICER, did, on=date(2021, 9, 20))  # what the law requires


class TestWriteOffApprovalChecksTheAmounts:
    """不納欠損 writes off what was owed when the obligation was extinguished (15条の7⑤ here):
    a 取消 of an earlier payment or a 減額更正 between 起案 and 決裁 changes that amount, and
    the approval must not write off more (or less) than is owed."""

    def _proposed(self, store: Store) -> tuple[int, int]:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        post(store, "P30", 30_000, date(2021, 8, 1))
        _suspend(store, case_id, [aid], date(2022, 1, 5), immediate=True)
        run_id = propose_writeoff(store.uow(), OFFICER, fiscal_year=2021, today=date(2022, 2, 1))
        with store.uow() as uow:
            run = uow.dispositions.writeoff_run(run_id)  # type: ignore[attr-defined]
        assert {(i.component, i.amount) for i in run.lines if i.component == "honzei"} == {("honzei", 70_000)}
        return aid, run_id

    def test_a_payment_reversed_after_the_proposal_makes_the_approval_refused(self, store: Store) -> None:
        aid, run_id = self._proposed(store)
        reverse(store.uow(), SUPERVISOR, _payment_id(store, "P30"), reason="誤入金", on=date(2022, 1, 20))
        with pytest.raises(ConflictError, match="再度起案"):
            approve_writeoff(store.uow(), SUPERVISOR, run_id, today=date(2022, 2, 1))
        reject_writeoff(store.uow(), SUPERVISOR, run_id)
        found = writeoff_candidates(store.uow(), OFFICER, fiscal_year=2021, today=date(2022, 2, 1))
        assert [c.item.amount for c in found if c.item.component == "honzei"] == [100_000]

    def test_a_reduced_assessment_after_the_proposal_makes_the_approval_refused(self, store: Store) -> None:
        aid, run_id = self._proposed(store)
        with store.uow() as uow:
            uow.assessments.amend(Amendment(aid, date(2022, 1, 20), 100_000, 60_000, "減額更正"))
            uow.commit()
        with pytest.raises(ConflictError, match="再度起案"):
            approve_writeoff(store.uow(), SUPERVISOR, run_id, today=date(2022, 2, 1))
        with store.uow() as uow:
            assert uow.dispositions.written_off([aid]) == {}  # type: ignore[attr-defined]


class TestAPlanWhoseDebtIsSettledOtherwiseIsNotBroken:
    """分納誓約: a plan exists to collect the covered periods. When they owe nothing any more —
    paid by 差押 proceeds, 充当, or extinguished (15条の7⑤) and written off — the missing
    instalments are no 不履行: the plan ends and the case is not put back to 折衝中."""

    def test_a_plan_paid_off_by_seizure_proceeds_is_completed_not_defaulted(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        plan_id = create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 1), assessment_ids=[aid],
                              count=2, first_on=date(2021, 10, 31))
        did = _seize(store, case_id, [aid], date(2021, 10, 5))
        approve_disposition(store.uow(), SUPERVISOR, did)
        realise_disposition(store.uow(), OFFICER, did, on=date(2021, 10, 20), proceeds=150_000)
        assert balances(store, [aid], date(2021, 11, 11))[aid].total_due == 0
        (pv,) = plan_views(store.uow(), OFFICER, case_id, as_of=date(2021, 11, 11))
        assert pv.status == "completed"
        check = check_plans(store.uow(), OFFICER, on=date(2021, 11, 11))
        assert (check.defaulted, check.completed) == ((), (plan_id,))
        assert _case_status(store, case_id) is CaseStatus.DISPOSITION

    def test_a_plan_over_an_extinguished_period_ends_without_a_default(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        plan_id = create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 1), assessment_ids=[aid],
                              count=2, first_on=date(2021, 10, 31))
        _suspend(store, case_id, [aid], date(2021, 10, 15), immediate=True)
        check = check_plans(store.uow(), OFFICER, on=date(2021, 11, 11))
        assert check.defaulted == ()
        with store.uow() as uow:
            assert uow.dispositions.plan(plan_id).status == "cancelled"  # type: ignore[attr-defined]
        assert _case_status(store, case_id) is CaseStatus.SUSPENDED


class TestRemindersOnlyForCollectableTax:
    """催告 asks for payment: never for a period whose obligation is extinguished (15条の7④⑤,
    18条 — 18条②: nothing can be collected), nor while enforcement is stopped or deferred —
    the same rule the 催告センター export already applies."""

    def test_a_case_whose_only_unpaid_period_is_extinguished_gets_no_reminder(self, store: Store) -> None:
        _, (aid,), gone = delinquent(store)
        _, _, alive = delinquent(store, n=2)
        assert gone is not None and alive is not None
        _suspend(store, gone, [aid], date(2021, 9, 20), immediate=True)
        run = run_reminders(store.uow(), OFFICER, on=date(2021, 10, 1))
        assert run.case_ids == (alive,)

    def test_a_case_under_suspension_or_deferral_gets_no_reminder(self, store: Store) -> None:
        _, (s_aid,), stopped = delinquent(store)
        _, (d_aid,), deferred = delinquent(store, n=2)
        _, _, alive = delinquent(store, n=3)
        assert stopped is not None and deferred is not None and alive is not None
        _suspend(store, stopped, [s_aid], date(2021, 9, 20))
        grant_deferral(store.uow(), SUPERVISOR, deferred, kind="choshu", start_on=date(2021, 9, 1),
                       end_on=date(2022, 2, 28), reduction="half", assessment_ids=[d_aid])
        assert run_reminders(store.uow(), OFFICER, on=date(2021, 10, 1)).case_ids == (alive,)


class TestTheCaseBatchSurvivesACaseOpenedMeanwhile:
    """A taxpayer has one case at a time (partial unique index). If a case is opened for one
    taxpayer while the daily batch runs (by hand, or by a second run of the batch), the batch
    must skip that taxpayer, not abort and open nobody's case."""

    def test_a_case_opened_after_the_batch_looked_is_skipped(self, store: Store,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
        first, _, _ = delinquent(store, case_on=None)
        second, _, _ = delinquent(store, n=2, case_on=None)
        open_case(store.uow(), OFFICER, first, on=date(2021, 8, 24))
        # The batch read "who already has a case" before the officer's case was committed.
        monkeypatch.setattr(SqlCaseRepository, "taxpayers_with_open_cases", lambda self, ids: set())
        opened = open_due_cases(store.uow(), SUPERVISOR, on=date(2021, 8, 24))
        with store.uow() as uow:
            assert [uow.cases.get(c).taxpayer_id for c in opened] == [second]  # type: ignore[attr-defined]

    def test_two_runs_at_once_open_each_case_once_and_both_finish(self, store: Store) -> None:
        delinquent(store, case_on=None)
        delinquent(store, n=2, case_on=None)
        outcomes: list[str] = []

        def run() -> None:
            try:
                open_due_cases(store.uow(), SUPERVISOR, on=date(2021, 8, 24))
                outcomes.append("ok")
            except ConflictError:
                outcomes.append("conflict")

        race(2, run)
        assert outcomes == ["ok", "ok"]
        with store.reading() as conn:
            assert len(conn.execute(select(cases.c.id)).all()) == 2


class TestPeriodViewsBindABoundedNumberOfParameters:
    """period_views reads the 差押・執行停止・分納 of the periods: the ids of those records went
    into one IN list, as many parameters as there are records. SQLite refuses more than 32,766
    (999 before 3.32), PostgreSQL more than 65,535 — the 不納欠損 batch over every delinquent
    taxpayer's periods would crash at scale. Every query must stay within a fixed chunk."""

    def test_a_thousand_records_on_a_period_do_not_make_a_thousand_parameter_query(self, store: Store) -> None:
        tid, (aid,), case_id = delinquent(store)
        n = 1_001
        now = datetime.now(UTC)
        with store.transaction() as (conn, _):
            first_d = conn.execute(insert(dispositions).returning(dispositions.c.id), [
                {"case_id": case_id, "taxpayer_id": tid, "kind": "seizure", "property_kind": "deposit",
                 "property_ct": b"x", "start_on": date(2021, 9, 1), "status": "rejected", "proposed_by": "a",
                 "version": 1, "enc_version": 1, "created_at": now} for _ in range(n)]).scalars().all()
            conn.execute(insert(disposition_periods), [{"disposition_id": d, "assessment_id": aid} for d in first_d])
            first_s = conn.execute(insert(suspensions).returning(suspensions.c.id), [
                {"case_id": case_id, "taxpayer_id": tid, "ground": 2, "immediate": False, "reason_ct": b"x",
                 "status": "rejected", "proposed_by": "a", "version": 1, "enc_version": 1, "created_at": now}
                for _ in range(n)]).scalars().all()
            conn.execute(insert(suspension_periods), [{"suspension_id": s, "assessment_id": aid} for s in first_s])
            first_p = conn.execute(insert(plans).returning(plans.c.id), [
                {"case_id": case_id, "taxpayer_id": tid, "pledged_on": date(2021, 9, 1), "status": "cancelled",
                 "total": 1, "grace_days": 0, "version": 1, "created_at": now, "created_by": "a"}
                for _ in range(n)]).scalars().all()
            conn.execute(insert(plan_periods), [{"plan_id": p, "assessment_id": aid} for p in first_p])
        with _statements(store) as seen, store.uow() as uow:
            (v,) = period_views(uow, [uow.assessments.get(aid)], date(2021, 10, 1), load_policy(uow))
        assert v.balance.honzei_due == 100_000
        assert max(seen) <= 600

    def test_the_case_batch_asks_for_open_cases_in_bounded_chunks(self, store: Store) -> None:
        # open_due_cases passes every candidate taxpayer at once (tens of thousands on its first run).
        tid, _, _ = delinquent(store)
        with _statements(store) as seen, store.uow() as uow:
            have = uow.cases.taxpayers_with_open_cases([tid, *range(10**9, 10**9 + 1_200)])  # type: ignore[attr-defined]
        assert have == {tid}
        assert max(seen) <= 600


class TestWriteOffCandidatesDoNotQueryPerPeriod:
    """The candidates' amounts are taken on the day before extinction; that was one
    period_views call (a dozen queries) per candidate — an N+1 over every extinct period."""

    def test_the_number_of_queries_does_not_grow_with_the_number_of_candidates(self, store: Store) -> None:
        def extinct(n: int) -> None:
            _, (aid,), case_id = delinquent(store, n=n)
            assert case_id is not None
            _suspend(store, case_id, [aid], date(2022, 1, 5), immediate=True)

        extinct(1)
        with _statements(store) as one:
            assert len(writeoff_candidates(store.uow(), OFFICER, fiscal_year=2021, today=date(2022, 2, 1))) == 2
        for n in range(2, 7):
            extinct(n)
        with _statements(store) as six:
            assert len(writeoff_candidates(store.uow(), OFFICER, fiscal_year=2021, today=date(2022, 2, 1))) == 12
        assert len(six) - len(one) < 10  # was ~12 more per extra candidate


class TestAClosedCaseLeavesNoUndecidedSuspension:
    """完結: like a pending 差押 proposal, a pending 執行停止 proposal keeps the case open — once
    the case is closed it can no longer be decided (no record can be added) and it drops out of
    the supervisor's worklist while still counted as waiting."""

    def test_closing_is_refused_while_a_suspension_awaits_its_decision(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        propose_suspension(store.uow(), OFFICER, case_id, ground=2, reason="生活保護受給中",
                           assessment_ids=[aid], on=date(2021, 9, 20))
        post(store, "ALL", 110_000, date(2021, 10, 1))
        with pytest.raises(ConflictError, match="執行停止"):
            close_case(store.uow(), OFFICER, case_id, on=date(2021, 10, 1))


class TestWriteOffIsNotBookedInAFiscalYearNotYetBegun:
    """不納欠損 is booked in the 年度 of the run (地方自治法208条①: 4月1日〜翌年3月31日); a run for a
    年度 that has not begun would book what is extinguished today into a future year's 決算."""

    def test_a_run_for_a_future_fiscal_year_is_refused(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        _suspend(store, case_id, [aid], date(2022, 1, 5), immediate=True)
        with pytest.raises(ValidationError, match="年度"):
            propose_writeoff(store.uow(), OFFICER, fiscal_year=2022, today=date(2022, 2, 1))
        assert view(store, aid, date(2022, 2, 1)).extinct


class TestAnInvestigationForAnUnknownCaseIsAClearError:
    """Every service answers an unknown id with NotFound (a message the screen shows); the
    財産調査 request inserted first and surfaced the database's foreign-key error instead."""

    def test_requesting_an_investigation_for_a_case_that_does_not_exist_is_not_found(self, store: Store) -> None:
        with pytest.raises(NotFound, match="滞納案件"):
            request_investigation(store.uow(), OFFICER, 999_999, target="deposit", institution="みなと銀行",
                                  requested_on=date(2021, 9, 1))
