"""滞納案件: opening, assignment, 経過記録, 付箋, 分納 on the real ledger, the officer's worklist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.domain.delinquency import CaseStatus
from core.errors import ConflictError, ValidationError
from core.services.case_view import case_detail, officer_worklist
from core.services.cases import (
    add_record,
    add_tag,
    assign_case,
    close_case,
    open_case,
    open_due_cases,
    update_case,
)
from core.services.dispositions import approve_disposition, propose_disposition, request_investigation, \
    answer_investigation
from core.services.payments import reverse
from core.services.plans import check_plans, create_plan, plan_views
from core.services.suspensions import decide_suspension, propose_suspension
from storage.schema import payments, case_records, case_tags, dispositions, investigations, suspensions
from storage.store import Store
from tests.delinquency.helpers import OFFICER, SUPERVISOR, VIEWER, delinquent, seed
from tests.delinquency.test_timeline import post


class TestOpening:
    def test_a_taxpayer_has_one_open_case_at_a_time(self, store: Store) -> None:
        tid, _, case_id = delinquent(store)
        with pytest.raises(ConflictError, match="既に進行中"):
            open_case(store.uow(), OFFICER, tid, on=date(2021, 9, 2))
        assert case_id is not None

    def test_the_batch_opens_cases_for_periods_unpaid_after_the_dunning_deadline(self, store: Store) -> None:
        # 督促 2021-07-15, 指定期限 07-25; open_after_days 30 → from 2021-08-24.
        delinquent(store, case_on=None)
        paid_tid, _, _ = delinquent(store, {"notice_no": "PAID", "amount": 10_000, "due": date(2021, 6, 30),
                                            "fiscal_year": 2021}, n=2, dun_on=None, case_on=None)
        post(store, "P", 50_000, date(2021, 8, 1), notice="PAID")
        assert open_due_cases(store.uow(), SUPERVISOR, on=date(2021, 8, 23)) == []
        opened = open_due_cases(store.uow(), SUPERVISOR, on=date(2021, 8, 24))
        assert len(opened) == 1
        assert open_due_cases(store.uow(), SUPERVISOR, on=date(2021, 8, 25)) == []  # already has one
        with store.uow() as uow:
            c = uow.cases.get(opened[0])
        assert (c.opened_reason, c.officer, c.next_action_on) == ("auto", None, date(2021, 8, 24))
        assert c.taxpayer_id != paid_tid

    def test_assigning_needs_a_known_user(self, store: Store) -> None:
        _, _, case_id = delinquent(store)
        assert case_id is not None
        with pytest.raises(ValidationError, match="担当者"):
            assign_case(store.uow(), SUPERVISOR, case_id, officer="ghost")


class TestRecords:
    def test_records_are_newest_first_encrypted_and_move_the_next_action(self, store: Store) -> None:
        _, _, case_id = delinquent(store)
        assert case_id is not None
        now = datetime(2021, 9, 10, 3, tzinfo=UTC)
        add_record(store.uow(), OFFICER, case_id, kind="phone", content="本人と通話。9月末に来庁予定",
                   who="self", occurred_at=now - timedelta(days=1), next_action_on=date(2021, 9, 30), now=now)
        add_record(store.uow(), OFFICER, case_id, kind="visit", content="来庁、分納相談", occurred_at=now, now=now)
        detail = case_detail(store.uow(), VIEWER, case_id, as_of=date(2021, 9, 10))
        assert [r.kind.value for r in detail.records] == ["visit", "phone"]
        assert detail.case.next_action_on == date(2021, 9, 30)
        assert detail.case.status is CaseStatus.CONTACT  # the first contact makes it 折衝中
        with store.reading() as conn:
            blobs = [bytes(b) for b in conn.execute(select(case_records.c.content_ct)).scalars() if b]
        assert blobs and all("本人と通話".encode() not in b and "来庁".encode() not in b for b in blobs)

    def test_a_future_record_is_refused(self, store: Store) -> None:
        _, _, case_id = delinquent(store)
        assert case_id is not None
        now = datetime(2021, 9, 10, tzinfo=UTC)
        with pytest.raises(ValidationError, match="未来"):
            add_record(store.uow(), OFFICER, case_id, kind="phone", content="x", occurred_at=now + timedelta(hours=1),
                       now=now)

    def test_no_free_text_reaches_the_database_in_plaintext(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        add_tag(store.uow(), OFFICER, case_id, colour="red", text="夜間のみ連絡可", end_on=date(2022, 3, 31))
        inv = request_investigation(store.uow(), OFFICER, case_id, target="insurance", institution="みなと生命保険",
                                    requested_on=date(2021, 9, 2))
        answer_investigation(store.uow(), OFFICER, inv, answered_on=date(2021, 9, 9), found=True,
                             finding="解約返戻金あり")
        propose_disposition(store.uow(), OFFICER, case_id, kind="seizure", property_kind_="insurance",
                            description="みなと生命 終身保険", start_on=date(2021, 9, 20), assessment_ids=[aid])
        propose_suspension(store.uow(), OFFICER, case_id, ground=2, reason="病気療養中", assessment_ids=[aid],
                           on=date(2021, 9, 20))
        with store.reading() as conn:
            raw = b"".join(bytes(v) for t, c in ((case_tags, "text_ct"), (investigations, "institution_ct"),
                                                   (investigations, "result_ct"), (dispositions, "property_ct"),
                                                   (suspensions, "reason_ct"))
                           for v in conn.execute(select(t.c[c])).scalars() if v)
        for text in ("夜間のみ", "みなと生命", "解約返戻金", "終身保険", "病気療養"):
            assert text.encode() not in raw
        detail = case_detail(store.uow(), OFFICER, case_id, as_of=date(2021, 9, 20))
        assert [t.text for t in detail.tags] == ["夜間のみ連絡可"]
        assert detail.investigations[0].finding == "解約返戻金あり"
        # The tag's end date passes: it is no longer shown.
        assert case_detail(store.uow(), OFFICER, case_id, as_of=date(2022, 4, 1)).tags == ()


class TestClosing:
    def test_a_case_closes_only_when_nothing_is_owed(self, store: Store) -> None:
        _, _, case_id = delinquent(store)
        assert case_id is not None
        with pytest.raises(ConflictError, match="未納の期別"):
            close_case(store.uow(), OFFICER, case_id, on=date(2021, 10, 1))
        post(store, "ALL", 200_000, date(2021, 10, 1))
        closed = close_case(store.uow(), OFFICER, case_id, on=date(2021, 10, 1))
        assert (closed.status, closed.closed_on) == (CaseStatus.CLOSED, date(2021, 10, 1))
        with pytest.raises(ConflictError):
            update_case(store.uow(), OFFICER, case_id, priority=1)


class TestPlansOnTheLedger:
    def test_a_reversed_payment_no_longer_counts_toward_an_instalment(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 1), assessment_ids=[aid],
                    rows=[(date(2021, 10, 31), 50_000), (date(2021, 11, 30), 51_700)])
        post(store, "P1", 50_000, date(2021, 10, 30))
        (v,) = plan_views(store.uow(), OFFICER, case_id, as_of=date(2021, 11, 1))
        assert v.progress.statuses[0].fulfilled_on == date(2021, 10, 30)
        with store.reading() as conn:
            pid = conn.execute(select(payments.c.id).where(payments.c.source_key == "P1")).scalar_one()
        reverse(store.uow(), SUPERVISOR, pid, reason="誤入金", on=date(2021, 11, 2))
        (v,) = plan_views(store.uow(), OFFICER, case_id, as_of=date(2021, 11, 10))
        assert (v.progress.credited, v.status) == (0, "active")  # within the 10 days' grace
        (v,) = plan_views(store.uow(), OFFICER, case_id, as_of=date(2021, 11, 11))
        assert v.status == "defaulted" and v.progress.defaulted_on == date(2021, 11, 11)

    def test_paying_every_instalment_completes_the_plan(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        plan_id = create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 1), assessment_ids=[aid],
                              count=2, first_on=date(2021, 10, 31))
        (v,) = plan_views(store.uow(), OFFICER, case_id, as_of=date(2021, 10, 1))
        for n, i in enumerate(v.plan.schedule):
            post(store, f"I{n}", i.amount, i.due_on)
        check = check_plans(store.uow(), OFFICER, on=date(2021, 12, 15))
        assert check.completed == (plan_id,) and check.defaulted == ()

    def test_a_plan_is_refused_for_paid_periods_and_for_periods_already_pledged(self, store: Store) -> None:
        _, (aid, paid), case_id = delinquent(
            store, {"notice_no": "X1", "amount": 40_000, "due": date(2021, 6, 30), "fiscal_year": 2021},
            {"notice_no": "X2", "amount": 10_000, "due": date(2021, 6, 30), "fiscal_year": 2021})
        assert case_id is not None
        post(store, "P", 10_000, date(2021, 6, 30), notice="X2")
        with pytest.raises(ConflictError, match="納付済み"):
            create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 1), assessment_ids=[aid, paid],
                        count=2, first_on=date(2021, 10, 31))
        create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 1), assessment_ids=[aid], count=2,
                    first_on=date(2021, 10, 31))
        with pytest.raises(ConflictError, match="既に履行中"):
            create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 2), assessment_ids=[aid], count=2,
                        first_on=date(2021, 10, 31))

    def test_another_taxpayers_period_cannot_be_pledged(self, store: Store) -> None:
        _, _, case_id = delinquent(store)
        _, (other,) = seed(store, {"notice_no": "Z9"}, n=5)
        assert case_id is not None
        with pytest.raises(ValidationError, match="この案件の納税者"):
            create_plan(store.uow(), OFFICER, case_id, pledged_on=date(2021, 10, 1), assessment_ids=[other],
                        count=2, first_on=date(2021, 10, 31))


class TestWorklist:
    def test_each_section_lists_the_cases_that_need_the_officer(self, store: Store) -> None:
        # Case A: next action due. Case B: 時効 near (never dunned, 法定納期限 2017-06-30 → 2022-06-30).
        _, _, case_a = delinquent(store)
        _, (old,), case_b = delinquent(store, {"notice_no": "OLD", "amount": 5_000, "due": date(2017, 6, 30),
                                               "fiscal_year": 2017}, n=2, dun_on=None, case_on=date(2021, 9, 1))
        assert case_a is not None and case_b is not None
        update_case(store.uow(), OFFICER, case_b, next_action_on=date(2022, 12, 1))
        wl = officer_worklist(store.uow(), OFFICER, today=date(2022, 1, 10))
        assert [r.case_id for r in wl.sections["due"]] == [case_a]
        assert [(r.case_id, r.note) for r in wl.sections["prescription"]] == [(case_b, "2022-06-30")]
        # A seizure in force and a suspension near its 3 years; a supervisor sees proposals of others.
        _, (aid,), case_c = delinquent(store, n=3)
        assert case_c is not None
        did = propose_disposition(store.uow(), OFFICER, case_c, kind="seizure", property_kind_="vehicle",
                                  description="軽自動車", start_on=date(2021, 9, 1), assessment_ids=[aid])
        assert [r.case_id for r in officer_worklist(store.uow(), SUPERVISOR, today=date(2022, 1, 10),
                                                    officer=OFFICER.user_id).sections["approvals"]] == [case_c]
        approve_disposition(store.uow(), SUPERVISOR, did)
        _, (aid4,), case_d = delinquent(store, n=4)
        assert case_d is not None
        sid = propose_suspension(store.uow(), OFFICER, case_d, ground=3, reason="所在不明", assessment_ids=[aid4],
                                 on=date(2021, 10, 1))
        decide_suspension(store.uow(), SUPERVISOR, sid, on=date(2021, 10, 1))
        wl = officer_worklist(store.uow(), OFFICER, today=date(2024, 8, 1))  # 3 years end 2024-10-01
        assert [r.case_id for r in wl.sections["seizures"]] == [case_c]
        assert [(r.case_id, r.note) for r in wl.sections["suspension_3y"]] == [(case_d, "2024-10-02")]
        assert officer_worklist(store.uow(), VIEWER, today=date(2024, 8, 1)).sections["due"] == ()


class TestPolicy:
    def test_the_delinquency_policy_is_a_validated_setting(self, store: Store) -> None:
        from core.services.policy_settings import set_policy
        from core.services.cases import load_delinquency_policy
        set_policy(store.uow(), SUPERVISOR.__class__("admin", frozenset({"admin.settings"})),
                   "delinquency_policy", {"open_after_days": 45, "plan_grace_days": 5})
        with store.uow() as uow:
            policy = load_delinquency_policy(uow)
        assert (policy.open_after_days, policy.plan_grace_days, policy.suspension_watch_days) == (45, 5, 90)
        with pytest.raises(ValidationError, match="plan_grace_days"):
            set_policy(store.uow(), SUPERVISOR.__class__("admin", frozenset({"admin.settings"})),
                       "delinquency_policy", {"plan_grace_days": -1})
        with pytest.raises(ValidationError, match="不明な項目"):
            set_policy(store.uow(), SUPERVISOR.__class__("admin", frozenset({"admin.settings"})),
                       "delinquency_policy", {"grace": 1})


class TestMenuCounts:
    def test_the_menu_counts_the_officers_cases_with_prescription_near(self, store: Store) -> None:
        from core.services.worklist import worklist

        # Never dunned, 法定納期限 2017-06-30 → 時効 2022-06-30: within 6 months of 2022-01-10.
        delinquent(store, {"notice_no": "OLD", "amount": 5_000, "due": date(2017, 6, 30), "fiscal_year": 2017},
                   dun_on=None, case_on=date(2021, 9, 1))
        delinquent(store, n=2)  # dunned 2021: 時効 far away
        counts = {i.id: i.count for i in worklist(store.uow(), OFFICER, today=date(2022, 1, 10))}
        assert counts["prescription"] == 1
        assert {i.id: i.count for i in worklist(store.uow(), OFFICER, today=date(2021, 9, 1))}["prescription"] == 0
