"""徴収猶予・換価の猶予: the 延滞金 reduction decided for the term (15条の9①) and the term's limit."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import PermissionDenied, ValidationError
from core.services.dunning import run_dunning
from core.services.suspensions import cancel_deferral, grant_deferral
from storage.store import Store
from tests.delinquency.helpers import OFFICER, SUPERVISOR, balances, delinquent

TERM = (date(2021, 9, 1), date(2022, 2, 28))
AS_OF = date(2022, 3, 31)


def _grant(store: Store, case_id: int, aid: int, reduction: str) -> list[int]:
    return grant_deferral(store.uow(), SUPERVISOR, case_id, kind="kanka", start_on=TERM[0], end_on=TERM[1],
                          reduction=reduction, assessment_ids=[aid])


class TestDeferralReduction:
    # 100,000 円 unpaid from 2021-07-01, as of 2022-03-31. Unreduced segments:
    #   07-01..07-31 2.5 % 212; 08-01..12-31 8.8 % 153 days 3,688; 2022-01-01..03-31 8.7 % 90 days 2,145
    #   → raw 6,045 → 6,000.
    # The term 09-01..02-28 exempted: 212 + 08-01..08-31 747 + 03-01..03-31 738 → raw 1,697.
    @pytest.mark.parametrize(("reduction", "expected"), [
        ("none", 6_000),  # no reduction decided
        ("full", 1_600),  # 全額免除: 1,697 → 1,600
        ("half", 3_800),  # 2分の1: 6,045 − (6,045 − 1,697) // 2 = 3,871 → 3,800
    ])
    def test_the_decided_reduction_applies_to_the_term(self, store: Store, reduction: str, expected: int) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        _grant(store, case_id, aid, reduction)
        assert balances(store, [aid], AS_OF)[aid].entaikin == expected

    def test_time_does_not_run_and_no_dunning_is_issued_during_the_term(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store, dun_on=None)
        assert case_id is not None
        grant_deferral(store.uow(), SUPERVISOR, case_id, kind="choshu", start_on=date(2021, 7, 1),
                       end_on=date(2021, 12, 31), reduction="none", assessment_ids=[aid])
        assert run_dunning(store.uow(), SUPERVISOR, on=date(2021, 7, 15)).skipped == {"deferred": 1}

    def test_a_cancelled_deferral_ends_the_day_before_and_the_charge_runs_again(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        (did,) = _grant(store, case_id, aid, "full")
        cancel_deferral(store.uow(), SUPERVISOR, did, on=date(2021, 12, 1))
        # Exempt only 09-01..11-30 now: more than the full-term 1,600.
        assert balances(store, [aid], AS_OF)[aid].entaikin > 1_600


class TestDeferralDecision:
    def test_a_term_longer_than_a_year_is_refused(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        with pytest.raises(ValidationError, match="1年以内"):
            grant_deferral(store.uow(), SUPERVISOR, case_id, kind="choshu", start_on=date(2021, 9, 1),
                           end_on=date(2022, 9, 1), reduction="half", assessment_ids=[aid])
        assert grant_deferral(store.uow(), SUPERVISOR, case_id, kind="choshu", start_on=date(2021, 9, 1),
                              end_on=date(2022, 8, 31), reduction="half", assessment_ids=[aid])

    def test_only_a_supervisor_decides(self, store: Store) -> None:
        _, (aid,), case_id = delinquent(store)
        assert case_id is not None
        with pytest.raises(PermissionDenied):
            grant_deferral(store.uow(), OFFICER, case_id, kind="kanka", start_on=TERM[0], end_on=TERM[1],
                           reduction="half", assessment_ids=[aid])
