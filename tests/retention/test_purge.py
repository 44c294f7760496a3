"""Proposing, approving and deleting: one transaction, maker–checker, re-checked, audited by hashes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from core.errors import ConflictError, NotFound, PermissionDenied
from core.security.permissions import MakerCheckerViolation
from core.services.retention import cancel_run, list_runs, propose_purge, purge
from storage.repositories.retention import SqlRetentionRepository
from storage.schema import assessments, audit_events, retention_items, retention_runs, taxpayers, transfer_runs
from storage.store import Store
from tests.factories import period
from tests.logs.chain_helpers import verify
from tests.retention.helpers import ADMIN, AS_OF, BOTH, CLERK, SUPERVISOR, atena, counts, taxpayer_file


def _events(store: Store, action: str) -> list[dict]:  # type: ignore[type-arg]
    with store.reading() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(audit_events).where(audit_events.c.action == action).order_by(audit_events.c.seq))]


def _details(event: dict) -> dict:  # type: ignore[type-arg]
    raw = event["details"]
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


class TestProposing:
    def test_a_run_records_its_items_and_counts_and_is_audited(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        assert (run.status, run.counts["proposed"]["taxpayer"], run.proposed_by) == ("proposed", 1, "admin1")
        with store.reading() as conn:
            assert conn.execute(select(func.count()).select_from(retention_items)).scalar_one() == 1
        assert _details(_events(store, "retention.propose")[0])["counts"]["taxpayer"] == 1

    def test_nothing_due_is_not_proposed(self, store: Store) -> None:
        taxpayer_file(store, 1, fy=2024)
        with pytest.raises(ConflictError, match="ありません"):
            propose_purge(store.uow(), ADMIN, AS_OF)

    def test_a_proposed_run_can_be_cancelled_once_and_nothing_is_deleted(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        assert cancel_run(store.uow(), ADMIN, run.id).status == "cancelled"
        with pytest.raises(ConflictError):
            purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        assert counts(store)["taxpayers"] == 1
        assert [r.status for r in list_runs(store.uow(), ADMIN)] == ["cancelled"]


class TestPurging:
    def test_the_whole_file_goes_and_every_other_file_stays(self, store: Store) -> None:
        taxpayer_file(store, 1, fy=2015)
        taxpayer_file(store, 2, fy=2024)
        before = counts(store)
        with store.reading() as conn:
            assessed = conn.execute(select(func.count()).select_from(assessments)).scalar_one()
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        result = purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        after = counts(store)
        assert all(before[t] > 0 and after[t] * 2 == before[t] for t in before), (before, after)
        with store.reading() as conn:
            assert conn.execute(select(func.count()).select_from(assessments)).scalar_one() == assessed - 1
            assert conn.execute(select(taxpayers.c.atena_no)).scalars().all() == [atena(2)]
            assert conn.execute(select(func.count()).select_from(transfer_runs)).scalar_one() == 2  # shared batches
        assert (result.purged["taxpayer"], result.skipped["taxpayer"], result.run.status) == (1, 0, "purged")
        assert result.rows["taxpayers"] == 1 and result.rows["payments"] == 4

    def test_old_certificates_and_snapshots_go_alone(self, store: Store) -> None:
        ids = taxpayer_file(store, 1, fy=2019)  # the file is kept; its FY2019 records are past 5 years
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        assert {k: n for k, n in run.counts["proposed"].items() if n} == {"certificate": 1, "taxpayer_history": 1}
        purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        after = counts(store)
        assert (after["certificates"], after["taxpayer_history"], after["taxpayers"]) == (0, 0, 1)
        with store.uow() as uow:
            assert uow.taxpayers.get(ids["taxpayer"]) is not None

    def test_what_is_no_longer_due_is_skipped_and_reported(self, store: Store) -> None:
        ids = taxpayer_file(store, 1)
        taxpayer_file(store, 2)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        with store.uow() as uow:  # a new assessment after the proposal
            uow.assessments.add(period(ids["taxpayer"], notice_no="NEW1", due=date(2026, 12, 25), fiscal_year=2026))
            uow.commit()
        result = purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        assert (result.purged["taxpayer"], result.skipped["taxpayer"]) == (1, 1)
        with store.reading() as conn:
            assert conn.execute(select(taxpayers.c.atena_no)).scalars().all() == [atena(1)]
        assert result.run.counts["skipped"]["taxpayer"] == 1

    def test_a_run_is_purged_once(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        with pytest.raises(ConflictError, match="既に決定"):
            purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        with pytest.raises(NotFound):
            purge(store.uow(), SUPERVISOR, 999, AS_OF)

    def test_a_run_for_a_date_still_to_come_is_not_approved(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        with pytest.raises(ConflictError, match="基準日"):
            purge(store.uow(), SUPERVISOR, run.id, date(2026, 11, 1))

    def test_a_failure_in_the_middle_leaves_everything_as_it_was(self, store: Store,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        before = counts(store)
        real = SqlRetentionRepository._delete

        def failing(self, table, column, values, *extra):  # type: ignore[no-untyped-def]
            if table.name == "assessments":
                raise RuntimeError("disk full")
            return real(self, table, column, values, *extra)

        monkeypatch.setattr(SqlRetentionRepository, "_delete", failing)
        with pytest.raises(RuntimeError):
            purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        assert counts(store) == before
        with store.reading() as conn:
            assert conn.execute(select(retention_runs.c.status)).scalar_one() == "proposed"
        assert _events(store, "retention.purge") == []


class TestMakerChecker:
    def test_the_proposer_cannot_approve_and_the_refusal_is_audited(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), BOTH, AS_OF)
        with pytest.raises(MakerCheckerViolation):
            purge(store.uow(), BOTH, run.id, AS_OF)
        denied = _events(store, "permission.denied")
        assert denied and denied[-1]["outcome"] == "denied" and "maker-checker" in _details(denied[-1])["permission"]
        assert counts(store)["taxpayers"] == 1

    def test_a_user_without_disposition_approve_is_refused(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        for actor in (CLERK, ADMIN):
            with pytest.raises(PermissionDenied):
                purge(store.uow(), actor, run.id, AS_OF)
        assert counts(store)["taxpayers"] == 1

    def test_the_database_refuses_an_approval_by_the_proposer(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        with store.uow() as uow, pytest.raises(Exception, match="maker_checker"):
            uow.retention.decide(run.id, "purged", by="admin1", counts={})


class TestTheAuditEvent:
    def test_it_holds_counts_keyed_hashes_and_the_approver_never_the_references(self, store: Store) -> None:
        ids = taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        (event,) = _events(store, "retention.purge")
        details = _details(event)
        assert (details["counts"]["taxpayer"], details["kinds"], details["approved_by"]) == (1, ["taxpayer"], "super1")
        assert event["user_id"] == "super1" and event["target_ref"] == str(run.id)
        (digest,) = details["hashes"]["taxpayer"]
        with store.uow() as uow:
            assert [digest] == uow.retention.keyed_hashes([f"taxpayer|{atena(1)}"])
        assert len(digest) == 32 and atena(1) not in json.dumps(details)
        assert f'"{ids["taxpayer"]}"' not in json.dumps(details["hashes"])

    def test_the_hash_key_is_the_installations_own(self, store: Store) -> None:
        import hashlib

        with store.uow() as uow:
            (digest,) = uow.retention.keyed_hashes(["taxpayer|0000000001"])
        assert digest != hashlib.sha256(b"taxpayer|0000000001").hexdigest()[:32]

    def test_the_audit_chain_still_verifies(self, store: Store) -> None:
        taxpayer_file(store, 1)
        run = propose_purge(store.uow(), ADMIN, AS_OF)
        purge(store.uow(), SUPERVISOR, run.id, AS_OF)
        assert verify(store).ok
