"""差押・交付要求 (331条), maker–checker on every supervisor decision, and proceeds."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import ConflictError, PermissionDenied, ValidationError
from core.security.permissions import MakerCheckerViolation
from core.services.dispositions import (
    approve_disposition,
    investigation_letter,
    propose_disposition,
    realise_disposition,
    reject_disposition,
    release_disposition,
    request_investigation,
)
from core.services.dunning import run_dunning
from core.services.suspensions import decide_suspension, propose_suspension
from core.services.writeoff import approve_writeoff, propose_writeoff, reject_writeoff
from storage.schema import audit_events, overpayments
from storage.store import Store
from tests.collection.helpers import conserved
from tests.delinquency.helpers import DUNNED, OFFICER, SUPERVISOR, balances, delinquent


def _propose(store: Store, case_id: int, aids: list[int], on: date, kind: str = "seizure") -> int:
    return propose_disposition(store.uow(), OFFICER, case_id, kind=kind, property_kind_="deposit",
                               description="みなと銀行本店 普通預金", start_on=on, assessment_ids=aids)


def _denials(store: Store) -> list[str]:
    with store.reading() as conn:
        rows = conn.execute(select(audit_events.c.action, audit_events.c.details)
                            .where(audit_events.c.action == "permission.denied")).all()
    return [str(r.details) for r in rows]


class TestArticle331:
    def test_a_seizure_before_ten_days_after_the_dunning_is_refused_with_the_date_it_becomes_possible(
            self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        # 督促 2021-07-15: day 1 is 07-15, the 10th day 07-24, "10日を経過した日" 07-25 → possible from 07-26.
        with pytest.raises(ConflictError, match="2021-07-26 から可能です"):
            _propose(store, case_id, [aid], date(2021, 7, 25))
        assert _propose(store, case_id, [aid], date(2021, 7, 26)) > 0

    def test_a_period_without_a_dunning_cannot_be_seized(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store, dun_on=None)
        assert case_id is not None
        with pytest.raises(ConflictError, match="督促状を発していない"):
            _propose(store, case_id, [aid], date(2022, 1, 10))

    def test_a_demand_for_payment_obeys_the_same_condition(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        with pytest.raises(ConflictError, match="331条"):
            _propose(store, case_id, [aid], DUNNED, kind="demand")

    def test_a_paid_period_cannot_be_seized(self, store: Store) -> None:
        from tests.delinquency.test_timeline import post
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        post(store, "P", 200_000, date(2021, 8, 1))
        with pytest.raises(ConflictError, match="完納済み"):
            _propose(store, case_id, [aid], date(2021, 9, 1))


class TestMakerChecker:
    def test_the_proposer_cannot_approve_their_own_seizure_and_the_refusal_is_audited(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = propose_disposition(store.uow(), SUPERVISOR, case_id, kind="seizure", property_kind_="salary",
                                  description="勤務先 給与", start_on=date(2021, 9, 1), assessment_ids=[aid])
        with pytest.raises(MakerCheckerViolation):
            approve_disposition(store.uow(), SUPERVISOR, did)
        with pytest.raises(MakerCheckerViolation):
            reject_disposition(store.uow(), SUPERVISOR, did)
        assert len([d for d in _denials(store) if "maker-checker" in d]) == 2
        with store.uow() as uow:
            assert uow.dispositions.disposition(did).state.value == "proposed"

    def test_an_officer_without_the_decision_permission_cannot_approve(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = _propose(store, case_id, [aid], date(2021, 9, 1))
        with pytest.raises(PermissionDenied):
            approve_disposition(store.uow(), OFFICER, did)

    def test_a_decided_seizure_cannot_be_decided_again(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = _propose(store, case_id, [aid], date(2021, 9, 1))
        approve_disposition(store.uow(), SUPERVISOR, did)
        with pytest.raises(ConflictError, match="既に決裁"):
            reject_disposition(store.uow(), SUPERVISOR, did)

    def test_suspensions_and_write_offs_are_decided_by_someone_else(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        sid = propose_suspension(store.uow(), SUPERVISOR, case_id, ground=1, immediate=True, reason="財産なし",
                                 assessment_ids=[aid], on=date(2022, 1, 5))
        with pytest.raises(MakerCheckerViolation):
            decide_suspension(store.uow(), SUPERVISOR, sid, on=date(2022, 1, 5))
        with pytest.raises(PermissionDenied):
            decide_suspension(store.uow(), OFFICER, sid, on=date(2022, 1, 5))
        # Decided by another supervisor, then written off under maker–checker too.
        other = SUPERVISOR.__class__("super2", SUPERVISOR.permissions, terminal_id="T01")
        decide_suspension(store.uow(), other, sid, on=date(2022, 1, 5))
        run_id = propose_writeoff(store.uow(), SUPERVISOR, fiscal_year=2021, today=date(2022, 2, 1))
        with pytest.raises(MakerCheckerViolation):
            approve_writeoff(store.uow(), SUPERVISOR, run_id, today=date(2022, 2, 1))
        reject_writeoff(store.uow(), other, run_id)
        # A rejected run frees its lines for a new proposal.
        assert propose_writeoff(store.uow(), OFFICER, fiscal_year=2021, today=date(2022, 2, 1)) != run_id

    def test_a_write_off_run_is_proposed_once_per_component(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        sid = propose_suspension(store.uow(), OFFICER, case_id, ground=1, immediate=True, reason="財産なし",
                                 assessment_ids=[aid], on=date(2022, 1, 5))
        decide_suspension(store.uow(), SUPERVISOR, sid, on=date(2022, 1, 5))
        propose_writeoff(store.uow(), OFFICER, fiscal_year=2021, today=date(2022, 2, 1))
        with pytest.raises(ConflictError, match="対象がありません"):
            propose_writeoff(store.uow(), OFFICER, fiscal_year=2021, today=date(2022, 2, 1))


class TestProceeds:
    def test_proceeds_go_oldest_first_and_the_surplus_is_an_overpayment(self, store: Store) -> None:
        tid, (old, new), case_id = delinquent(
            store, {"notice_no": "A1", "amount": 30_000, "due": date(2021, 6, 30), "fiscal_year": 2021},
            {"notice_no": "A2", "period": 2, "amount": 30_000, "due": date(2021, 8, 31), "fiscal_year": 2021},
            dun_on=date(2021, 7, 15))
        run_dunning(store.uow(), SUPERVISOR, on=date(2021, 9, 15))
        assert case_id is not None
        did = _propose(store, case_id, [new, old], date(2021, 10, 1))
        approve_disposition(store.uow(), SUPERVISOR, did)
        realise_disposition(store.uow(), OFFICER, did, on=date(2021, 10, 20), proceeds=40_000)
        b = balances(store, [old, new], date(2021, 10, 20))
        # 本税 of the older first, then its 延滞金; the rest to the newer period.
        assert b[old].total_due == 0 and b[old].entaikin_paid == b[old].entaikin
        assert b[new].honzei_paid == 40_000 - 30_000 - b[old].entaikin
        with store.reading() as conn:
            assert conn.execute(select(overpayments)).all() == []
        # A second seizure pays the rest; the surplus is the taxpayer's overpayment (残余金).
        did2 = _propose(store, case_id, [new], date(2021, 11, 1))
        approve_disposition(store.uow(), SUPERVISOR, did2)
        posting = realise_disposition(store.uow(), OFFICER, did2, on=date(2021, 11, 10), proceeds=100_000)
        owed = balances(store, [new], date(2021, 11, 9))[new].total_due
        assert posting.overpayment == 100_000 - owed > 0
        with store.reading() as conn:
            (row,) = conn.execute(select(overpayments)).all()
        assert (row.taxpayer_id, row.amount, row.cause) == (tid, posting.overpayment, "kano")
        assert conserved(store)

    def test_a_released_or_realised_seizure_cannot_be_realised_again(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        did = _propose(store, case_id, [aid], date(2021, 9, 1))
        with pytest.raises(ConflictError, match="効力がありません"):
            realise_disposition(store.uow(), OFFICER, did, on=date(2021, 9, 10), proceeds=1_000)
        approve_disposition(store.uow(), SUPERVISOR, did)
        release_disposition(store.uow(), OFFICER, did, on=date(2021, 10, 1))
        with pytest.raises(ConflictError):
            realise_disposition(store.uow(), OFFICER, did, on=date(2021, 10, 2), proceeds=1_000)
        with pytest.raises(ValidationError):
            realise_disposition(store.uow(), OFFICER, did, on=date(2021, 10, 2), proceeds=0)


class TestInvestigations:
    def test_the_letter_carries_the_institution_and_the_taxpayer(self, store: Store) -> None:
        _, _, case_id = delinquent(store)
        assert case_id is not None
        inv = request_investigation(store.uow(), OFFICER, case_id, target="vehicle", institution="運輸支局",
                                    requested_on=date(2021, 9, 2))
        letter = investigation_letter(store.uow(), OFFICER, inv)
        assert (letter.institution, letter.name_kana, letter.target.value) == ("運輸支局", "ヤマダ　タロウ", "vehicle")
        assert "運輸支局" not in repr(letter) and "ヤマダ" not in repr(letter)
