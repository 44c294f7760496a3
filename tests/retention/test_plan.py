"""What is due: the activity rule, the kinds and their ages, and everything that keeps a file."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, update

from core.errors import PermissionDenied, ValidationError
from core.services.retention import cutoff_for, load_retention_policy, retention_plan
from storage.schema import (
    assessments,
    cases,
    certificates,
    overpayments,
    refunds,
    suspense_items,
    suspensions,
    taxpayer_history,
    transfer_accounts,
    writeoff_runs,
    writeoffs,
)
from storage.store import Store
from tests.collection.helpers import seed
from tests.retention.helpers import ADMIN, AS_OF, CLERK, at, atena, taxpayer_file


def _due(store: Store, as_of: date = AS_OF) -> dict[str, list[str]]:
    plan = retention_plan(store.uow(), ADMIN, as_of)
    return {k: [i.ref for i in plan.items if i.kind == k] for k in ("taxpayer", "certificate", "taxpayer_history")}


def _set(store: Store, table, where, **values) -> None:  # type: ignore[no-untyped-def]
    with store.uow() as uow:
        uow.connection.execute(update(table).where(where).values(**values))
        uow.commit()


class TestTheRetentionRule:
    def test_a_record_is_kept_through_the_nth_following_fiscal_year(self) -> None:
        assert cutoff_for(date(2026, 4, 1), 7) == date(2019, 3, 31)
        assert cutoff_for(date(2026, 3, 31), 7) == date(2018, 3, 31)
        assert cutoff_for(date(2026, 11, 23), 5) == date(2021, 3, 31)

    def test_the_policy_has_defaults_and_refuses_nonsense(self, store: Store) -> None:
        with store.uow() as uow:
            assert (load_retention_policy(uow).taxpayer, load_retention_policy(uow).certificate) == (7, 5)
            uow.settings.set("retention_policy", {"taxpayer": 10}, by="t")
            assert load_retention_policy(uow).taxpayer == 10
            for bad in ({"taxpayer": 0}, {"taxpayer": "7"}, {"receipts": 3}, [7]):
                uow.settings.set("retention_policy", bad, by="t")
                with pytest.raises(ValidationError):
                    load_retention_policy(uow)


class TestTaxpayerFiles:
    def test_a_settled_file_past_its_retention_is_due_and_a_recent_one_is_not(self, store: Store) -> None:
        taxpayer_file(store, 1, fy=2015)
        taxpayer_file(store, 2, fy=2019)
        assert _due(store)["taxpayer"] == [atena(1)]

    def test_the_last_activity_anywhere_in_the_file_counts(self, store: Store) -> None:
        ids = taxpayer_file(store, 1, fy=2015)
        _set(store, certificates, certificates.c.id == ids["certificate"], issued_on=date(2019, 4, 1))
        assert _due(store)["taxpayer"] == []
        assert _due(store, date(2027, 4, 1))["taxpayer"] == [atena(1)]

    def test_a_longer_policy_keeps_the_file(self, store: Store) -> None:
        taxpayer_file(store, 1, fy=2015)
        with store.uow() as uow:
            uow.settings.set("retention_policy", {"taxpayer": 12}, by="t")
            uow.commit()
        assert _due(store)["taxpayer"] == []

    def test_a_file_with_a_period_still_owing_is_never_due(self, store: Store) -> None:
        ids = taxpayer_file(store, 1, fy=2015)
        _set(store, assessments, assessments.c.id == ids["assessment"], assessed_amount=20_000)
        assert _due(store) == {"taxpayer": [], "certificate": [], "taxpayer_history": []}

    def test_an_extinguished_period_keeps_the_file_until_it_is_written_off(self, store: Store) -> None:
        ids = taxpayer_file(store, 1, fy=2015)
        _set(store, assessments, assessments.c.id == ids["assessment"], assessed_amount=20_000)
        _set(store, suspensions, suspensions.c.taxpayer_id == ids["taxpayer"], status="extinguished", immediate=True,
             decided_on=date(2016, 2, 1), cancelled_on=None, extinguished_on=date(2016, 2, 1))  # 15条の7⑤
        assert _due(store)["taxpayer"] == []
        with store.uow() as uow:
            run = uow.connection.execute(insert(writeoff_runs).values(
                fiscal_year=2015, status="approved", items=1, total=9_500, proposed_by="a", approved_by="b",
                created_at=at(date(2016, 3, 1)), decided_at=at(date(2016, 3, 1)))).inserted_primary_key[0]
            uow.connection.execute(insert(writeoffs).values(
                run_id=run, assessment_id=ids["assessment"], component="honzei", amount=9_500, reason="immediate",
                extinguished_on=date(2016, 2, 1), fiscal_year=2015, state="approved"))
            uow.commit()
        assert _due(store)["taxpayer"] == [atena(1)]

    @pytest.mark.parametrize("table, where, values", [
        (cases, lambda ids: cases.c.id == ids["case"], {"status": "open", "closed_on": None}),
        (overpayments, lambda ids: overpayments.c.id == ids["overpayment"], {"remaining": 400, "state": "open"}),
        (refunds, lambda ids: refunds.c.overpayment_id == ids["overpayment"],
         {"state": "approved", "paid_on": None, "notified_on": None}),
        (transfer_accounts, lambda ids: transfer_accounts.c.id == ids["account"], {"status": "active", "end_on": None}),
        (suspense_items, lambda ids: suspense_items.c.amount > 0, {"status": "open", "resolution": None}),
    ], ids=["open case", "overpayment remaining", "refund pending", "active transfer account", "open suspense"])
    def test_anything_open_keeps_the_file_and_all_its_records(self, store: Store, table, where, values) -> None:  # type: ignore[no-untyped-def]
        ids = taxpayer_file(store, 1, fy=2015)
        assert _due(store)["taxpayer"] == [atena(1)]
        _set(store, table, where(ids), **values)
        assert _due(store) == {"taxpayer": [], "certificate": [], "taxpayer_history": []}


class TestCertificatesAndHistory:
    def test_old_certificates_and_snapshots_of_a_kept_file_are_due_by_age(self, store: Store) -> None:
        ids = taxpayer_file(store, 1, fy=2024)
        tid = ids["taxpayer"]
        with store.uow() as uow:
            conn = uow.connection
            old = conn.execute(insert(certificates).values(
                taxpayer_id=tid, kind="nozei", issued_on=date(2021, 3, 31), fiscal_years="2020",
                applicant_kind="self", applicant_name_ct=b"x", purpose_ct=b"x", id_document="passport",
                checked_by="t", enc_version=1, created_at=at(date(2021, 3, 31)))).inserted_primary_key[0]
            conn.execute(insert(certificates).values(
                taxpayer_id=tid, kind="nozei", issued_on=date(2021, 4, 1), fiscal_years="2020",
                applicant_kind="self", applicant_name_ct=b"x", purpose_ct=b"x", id_document="passport",
                checked_by="t", enc_version=1, created_at=at(date(2021, 4, 1))))
            snap = conn.execute(insert(taxpayer_history).values(
                taxpayer_id=tid, version=7, changed_at=at(date(2020, 6, 1)), changed_by="t", reason="r",
                snapshot_ct=b"x", enc_version=1)).inserted_primary_key[0]
            uow.commit()
        assert _due(store) == {"taxpayer": [], "certificate": [str(old)], "taxpayer_history": [str(snap)]}

    def test_records_of_a_taxpayer_with_an_open_obligation_are_never_due(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N9", "due": date(2026, 6, 30), "fiscal_year": 2026}, n=9)
        with store.uow() as uow:
            uow.connection.execute(insert(taxpayer_history).values(
                taxpayer_id=tid, version=7, changed_at=at(date(2015, 6, 1)), changed_by="t", reason="r",
                snapshot_ct=b"x", enc_version=1))
            uow.commit()
        assert _due(store)["taxpayer_history"] == []


class TestPlanning:
    def test_only_an_administrator_plans(self, store: Store) -> None:
        with pytest.raises(PermissionDenied):
            retention_plan(store.uow(), CLERK, AS_OF)

    def test_a_nonsense_date_is_refused_in_japanese(self, store: Store) -> None:
        with pytest.raises(ValidationError, match="基準日"):
            retention_plan(store.uow(), ADMIN, date(1990, 1, 1))

    def test_a_plan_dated_beyond_the_rate_table_is_a_preview_taken_where_the_rates_end(self, store: Store) -> None:
        settled = taxpayer_file(store, 1, fy=2015)
        owing = taxpayer_file(store, 2, fy=2015)
        _set(store, assessments, assessments.c.id == owing["assessment"], assessed_amount=20_000)
        due = _due(store, date(2040, 4, 1))  # the rate table stops long before 2040
        assert due["taxpayer"] == [atena(1)]
        assert settled and owing


class TestApprovalList:
    def test_a_supervisor_lists_the_runs_awaiting_them_and_not_their_own(self, store: Store) -> None:
        from core.services.retention import propose_purge, runs_awaiting_approval
        from tests.retention.helpers import SUPERVISOR

        taxpayer_file(store, 1, fy=2015)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        assert [r.id for r in runs_awaiting_approval(store.uow(), SUPERVISOR)] == [run.id]
        with pytest.raises(PermissionDenied):
            runs_awaiting_approval(store.uow(), ADMIN)
