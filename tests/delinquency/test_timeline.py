"""Worked timelines of 滞納整理 (issue 6, acceptance 1), checked at each step.

One period: 令和3年度 個人住民税 第1期, 100,000 円, 納期限 = 法定納期限 2021-06-30.
Rates (附則3条の2, the shared table): 2021 2.5 % / 8.8 %, 2022 2.4 % / 8.7 %.
The first-month tier runs 07-01..07-31 (民法143条: one month from 07-01).
"""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.delinquency import CaseStatus, DispositionState
from core.errors import ConflictError
from core.services.case_view import case_detail, officer_worklist
from core.services.dispositions import (
    answer_investigation,
    approve_disposition,
    propose_disposition,
    realise_disposition,
    request_investigation,
)
from core.services.plans import check_plans, create_plan, plan_views
from core.services.posting import post_payment
from core.services.ledger import load_policy, period_views
from core.services.suspensions import cancel_suspension, decide_suspension, propose_suspension
from core.services.writeoff import approve_writeoff, propose_writeoff, writeoff_candidates
from storage.store import Store
from tests.delinquency.helpers import OFFICER, SUPERVISOR, balances, delinquent, pay


def view(store: Store, aid: int, on: date):  # type: ignore[no-untyped-def]
    with store.uow() as uow:
        a = uow.assessments.get(aid)
        return period_views(uow, [a], on, load_policy(uow))[0]


def post(store: Store, key: str, amount: int, on: date, notice: str = "D000001") -> None:
    with store.uow() as uow:
        post_payment(uow, pay(key, amount, on, notice=notice), load_policy(uow))
        uow.commit()


class TestFromDunningToDistribution:
    """督促 → case → 分納 → 不履行 → 財産調査 → 差押 → 取立 → 配当, and a second seizure's surplus."""

    def test_the_whole_case(self, store: Store) -> None:
        tid, (aid,), case_id = delinquent(store)
        assert case_id is not None
        # 督促 2021-07-15: 時効 renews from the day after issue + 10 → 2021-07-26 → 2026-07-25 (18条の2①).
        assert view(store, aid, date(2021, 9, 1)).prescription_on == date(2026, 7, 25)

        # 分納誓約 2021-10-01. 延滞金 so far: 100,000 × 2.5 % × 31/365 = 212 (07-01..07-31)
        # + 100,000 × 8.8 % × 62/365 = 1,494 (08-01..10-01) → 1,706 → 1,700 (100 円未満切捨).
        on = date(2021, 10, 1)
        assert balances(store, [aid], on)[aid].entaikin == 1_700
        plan_id = create_plan(store.uow(), OFFICER, case_id, pledged_on=on, assessment_ids=[aid], count=3,
                              first_on=date(2021, 10, 31))
        (pv,) = plan_views(store.uow(), OFFICER, case_id, as_of=on)
        # Total 101,700 in 3: 33,900 each (no 端数).
        assert [i.amount for i in pv.plan.schedule] == [33_900, 33_900, 33_900]
        # The pledge is 承認 (民法152条①): 時効 restarts from 2021-10-02 → 2026-10-01.
        assert view(store, aid, on).prescription_on == date(2026, 10, 1)

        # First instalment paid on its date; the second (11-30) never comes.
        post(store, "P1", 33_900, date(2021, 10, 31))
        assert plan_views(store.uow(), OFFICER, case_id, as_of=date(2021, 12, 10))[0].status == "active"
        # Grace 10 days (setting): 不履行 detected on 2021-12-11.
        check = check_plans(store.uow(), OFFICER, on=date(2021, 12, 11))
        assert check.defaulted == (plan_id,)
        wl = officer_worklist(store.uow(), OFFICER, today=date(2021, 12, 11))
        assert [r.case_id for r in wl.sections["broken_plans"]] == [case_id]
        assert [r.case_id for r in wl.sections["due"]] == [case_id]
        # The partial payment is also 承認: 時効 from 2021-11-01 → 2026-10-31.
        assert view(store, aid, date(2021, 12, 11)).prescription_on == date(2026, 10, 31)
        # The 33,900 went 本税 first: 66,100 本税 left.
        assert balances(store, [aid], date(2021, 12, 11))[aid].honzei_due == 66_100

        # 財産調査 at みなと銀行: 80,000 円 found.
        inv = request_investigation(store.uow(), OFFICER, case_id, target="deposit", institution="みなと銀行 本店",
                                    requested_on=date(2022, 1, 10))
        answer_investigation(store.uow(), OFFICER, inv, answered_on=date(2022, 1, 20), found=True,
                             finding="普通預金 残高約8万円", value=80_000)

        # 差押 2022-02-01, decided by the supervisor: 時効 suspended while in force.
        did = propose_disposition(store.uow(), OFFICER, case_id, kind="seizure", property_kind_="deposit",
                                  description="みなと銀行本店 普通預金", start_on=date(2022, 2, 1),
                                  assessment_ids=[aid], amount=80_000)
        approve_disposition(store.uow(), SUPERVISOR, did)
        assert view(store, aid, date(2022, 2, 10)).prescription_on is None

        # 取立 2022-02-20: 80,000 → 本税 66,100 first, then 延滞金, oldest first.
        # 延滞金 to 2022-02-20 on 100,000 → 66,100 after 10-31 (326条②):
        #   2021: 07-01..07-31 212; 08-01..10-31 100,000 × 8.8 % × 92/365 = 2,218;
        #         11-01..12-31 66,000 × 8.8 % × 61/365 = 970;
        #   2022: 01-01..02-20 66,000 × 8.7 % × 51/365 = 802 → 4,202 → 4,200.
        posting = realise_disposition(store.uow(), OFFICER, did, on=date(2022, 2, 20), proceeds=80_000)
        b = balances(store, [aid], date(2022, 2, 20))[aid]
        assert (b.honzei_due, b.entaikin, b.entaikin_due) == (0, 4_200, 0)
        assert posting.overpayment == 80_000 - 66_100 - 4_200 - b.fee
        # A realisation is no 承認, and a fully paid period has no 時効 left to run.
        assert view(store, aid, date(2022, 2, 20)).prescription_on is None
        with store.uow() as uow:
            assert uow.dispositions.disposition(did).state is DispositionState.COLLECTED
        detail = case_detail(store.uow(), OFFICER, case_id, as_of=date(2022, 2, 20))
        assert detail.total_due == 0 and detail.case.status is CaseStatus.DISPOSITION

    def test_a_seizure_ending_without_proceeds_restarts_prescription_the_next_day(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = propose_disposition(store.uow(), OFFICER, case_id, kind="demand", property_kind_="real_estate",
                                  description="競売事件への交付要求", start_on=date(2022, 3, 1), assessment_ids=[aid])
        approve_disposition(store.uow(), SUPERVISOR, did)
        from core.services.dispositions import release_disposition
        release_disposition(store.uow(), OFFICER, did, on=date(2024, 6, 30))
        # 交付要求 in force 2022-03-01..2024-06-30 → 起算日 2024-07-01 → 2029-06-30 (18条の2①2).
        assert view(store, aid, date(2024, 7, 1)).prescription_on == date(2029, 6, 30)


class TestSuspensionToWriteOff:
    """執行停止 → 3 years → extinction (15条の7④) → 不納欠損; and 即時消滅 (⑤)."""

    def test_three_years_of_suspension_extinguish_and_are_written_off(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        sid = propose_suspension(store.uow(), OFFICER, case_id, ground=2, reason="生活保護受給中",
                                 assessment_ids=[aid], on=date(2022, 4, 10))
        decide_suspension(store.uow(), SUPERVISOR, sid, on=date(2022, 4, 10))
        # 15条の9①: no 延滞金 from 2022-04-10. To 04-09: 212 (07-01..07-31)
        # + 100,000 × 8.8 % × 153/365 = 3,688 (08-01..12-31) + 100,000 × 8.7 % × 99/365 = 2,359
        # (2022-01-01..04-09) → 6,259 → 6,200; and still 6,200 a year later.
        assert balances(store, [aid], date(2022, 4, 10))[aid].entaikin == 6_200
        assert balances(store, [aid], date(2023, 4, 10))[aid].entaikin == 6_200
        # 3 years from 2022-04-11 → last day 2025-04-10 → extinguished from 2025-04-11.
        assert not view(store, aid, date(2025, 4, 10)).extinct
        v = view(store, aid, date(2025, 4, 11))
        assert (v.extinct, v.extinction) == (True, "suspension_3y")
        # A cancellation after that is refused (15条の8 comes too late).
        with pytest.raises(ConflictError, match="3年継続"):
            cancel_suspension(store.uow(), SUPERVISOR, sid, on=date(2025, 5, 1))
        found = writeoff_candidates(store.uow(), OFFICER, fiscal_year=2025, today=date(2026, 3, 31))
        assert {(c.item.component, c.item.amount, c.item.reason.value) for c in found} == {
            ("honzei", 100_000, "suspension_3y"), ("entaikin", 6_200, "suspension_3y")}
        run_id = propose_writeoff(store.uow(), OFFICER, fiscal_year=2025, today=date(2026, 3, 31))
        run = approve_writeoff(store.uow(), SUPERVISOR, run_id, today=date(2026, 3, 31))
        assert (run.status, run.total, run.fiscal_year) == ("approved", 106_200, 2025)
        # Written off: nothing left to list, and money arriving for it is 誤納.
        assert writeoff_candidates(store.uow(), OFFICER, fiscal_year=2025, today=date(2026, 3, 31)) == []
        assert view(store, aid, date(2026, 4, 1)).written_off == 106_200
        post(store, "LATE", 10_000, date(2026, 4, 1))
        assert balances(store, [aid], date(2026, 4, 1))[aid].honzei_paid == 0

    def test_immediate_extinction_under_ground_one(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        sid = propose_suspension(store.uow(), OFFICER, case_id, ground=1, immediate=True,
                                 reason="法人解散・残余財産なし", assessment_ids=[aid], on=date(2022, 5, 1))
        assert not view(store, aid, date(2022, 5, 1)).extinct  # a proposal changes nothing
        decide_suspension(store.uow(), SUPERVISOR, sid, on=date(2022, 5, 1))
        v = view(store, aid, date(2022, 5, 1))
        assert (v.extinct, v.extinction) == (True, "immediate")
        (c1, c2) = writeoff_candidates(store.uow(), OFFICER, fiscal_year=2022, today=date(2022, 6, 1))
        assert {c1.item.reason.value, c2.item.reason.value} == {"immediate"}
        assert c1.item.extinguished_on == date(2022, 5, 1)

    def test_a_cancelled_suspension_resumes_the_charge_and_does_not_extinguish(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        sid = propose_suspension(store.uow(), OFFICER, case_id, ground=3, reason="所在不明",
                                 assessment_ids=[aid], on=date(2022, 1, 1))
        decide_suspension(store.uow(), SUPERVISOR, sid, on=date(2022, 1, 1))
        frozen = balances(store, [aid], date(2022, 6, 30))[aid].entaikin
        cancel_suspension(store.uow(), SUPERVISOR, sid, on=date(2022, 7, 1))
        assert balances(store, [aid], date(2022, 6, 30))[aid].entaikin == frozen
        assert balances(store, [aid], date(2022, 12, 31))[aid].entaikin > frozen  # runs again from 07-01
        assert not view(store, aid, date(2025, 12, 31)).extinct


class TestPrescriptionWriteOff:
    def test_only_extinguished_periods_are_candidates(self, store: Store) -> None:
        # Two periods: one prescribed (never dunned, 法定納期限 2019-06-30 → 2024-06-30), one alive.
        _, (old, new), _ = delinquent(
            store, {"notice_no": "OLD", "amount": 50_000, "due": date(2019, 6, 30), "fiscal_year": 2019},
            {"notice_no": "NEW", "amount": 20_000, "due": date(2023, 6, 30), "fiscal_year": 2023},
            dun_on=None, case_on=date(2024, 1, 10))
        found = writeoff_candidates(store.uow(), OFFICER, fiscal_year=2024, today=date(2025, 3, 31))
        assert {c.item.assessment_id for c in found} == {old}
        assert {c.item.reason.value for c in found} == {"prescription"}
        assert all(c.item.extinguished_on == date(2024, 7, 1) for c in found)
        # Before completion (fiscal 2023 ends 2024-03-31) there is nothing to write off.
        assert writeoff_candidates(store.uow(), OFFICER, fiscal_year=2023, today=date(2025, 3, 31)) == []
