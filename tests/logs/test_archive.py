"""Archiving the oldest segment: signed gzip file, purge, recorded event, verification across it."""

from __future__ import annotations

import gzip
import hashlib
import json
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from sqlalchemy import func, select, update

from logs.archive import ArchiveError, ArchiveResult, archive_before, verify_archive
from logs.checkpoints import Checkpointer
from storage.crypto.signing import audit_signing_key
from storage.schema import audit_archives, audit_checkpoints, audit_events
from storage.store import Store
from tests.logs.chain_helpers import (
    ORIGIN,
    actor,
    append,
    checkpoint,
    checkpointer,
    set_fields,
    verify,
)


def _split(store: Store, old: int, new: int) -> datetime:
    """``old`` events, then the cut-off time, then ``new`` events."""
    append(store, old)
    time.sleep(0.002)
    cut = datetime.now(UTC)
    time.sleep(0.002)
    append(store, new)
    return cut


def _archive(store: Store, cp: Checkpointer, before: datetime, out: Path) -> ArchiveResult | None:
    return archive_before(store.engine, kek=store.kek, origin=ORIGIN, before=before,
                          out_dir=out, actor=actor(9), checkpointer=cp)


def _archive_row(store: Store) -> dict[str, Any]:
    with store.reading() as conn:
        return dict(conn.execute(select(audit_archives).order_by(audit_archives.c.id.desc())).first()._mapping)


def _seqs(store: Store) -> list[int]:
    with store.reading() as conn:
        return list(conn.execute(select(audit_events.c.seq).order_by(audit_events.c.seq)).scalars())


class TestArchiveBefore:
    def test_the_old_prefix_is_written_signed_and_purged(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        cut = _split(store, 6, 4)
        result = _archive(store, cp, cut, tmp_path / "archive")
        assert result is not None
        assert (result.first_seq, result.last_seq, result.count) == (1, 6, 6)
        assert result.path == tmp_path / "archive" / "audit-000000000001-000000000006.jsonl.gz"
        assert stat.S_IMODE(result.path.stat().st_mode) == 0o640
        assert hashlib.sha256(result.path.read_bytes()).hexdigest() == result.sha256
        assert _seqs(store) == [7, 8, 9, 10, 11]  # 11: the audit.archive event
        assert [p.name for p in (tmp_path / "archive").iterdir()] == [result.path.name]

    def test_the_file_holds_the_full_rows_with_their_hashes(self, store: Store, tmp_path: Path) -> None:
        cut = _split(store, 3, 1)
        with store.reading() as conn:
            originals = [dict(r._mapping) for r in conn.execute(
                select(audit_events).where(audit_events.c.seq <= 3).order_by(audit_events.c.seq))]
        result = _archive(store, checkpointer(store, tmp_path), cut, tmp_path / "a")
        assert result is not None
        with gzip.open(result.path, "rt", encoding="utf-8") as fh:
            lines = [json.loads(line) for line in fh]
        assert [line["seq"] for line in lines] == [1, 2, 3]
        for line, original in zip(lines, originals, strict=True):
            assert line["hash"] == original["hash"] and line["prev_hash"] == original["prev_hash"]
            assert datetime.fromisoformat(line["occurred_at"]) == original["occurred_at"]
            assert line["details"] == original["details"]
        assert result.last_hash == originals[-1]["hash"]

    def test_the_archive_is_recorded_as_an_event_and_a_checkpoint(self, store: Store,
                                                                   tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        cut = _split(store, 4, 2)
        result = _archive(store, cp, cut, tmp_path / "a")
        assert result is not None and result.checkpoint is not None
        with store.reading() as conn:
            event = conn.execute(select(audit_events).where(audit_events.c.seq == result.event_seq)).one()
            reasons = list(conn.execute(select(audit_checkpoints.c.reason)).scalars())
        assert (event.action, event.outcome, event.user_id) == ("audit.archive", "ok", "user09")
        assert json.loads(event.details) == {"first_seq": 1, "last_seq": 4, "count": 4,
                                             "file": result.path.name, "sha256": result.sha256}
        assert reasons == ["archive"] and result.checkpoint.seq == result.event_seq == 7
        assert _archive_row(store)["created_by"] == "user09"

    def test_the_chain_still_verifies_across_the_archive_boundary(self, store: Store,
                                                                  tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 3)
        checkpoint(store, cp)  # a checkpoint inside the archived segment
        cut = _split(store, 2, 3)
        assert _archive(store, cp, cut, tmp_path / "a") is not None
        report = verify(store, cp.file)
        assert report.ok, report.detail
        assert report.checked == 4 and report.head_seq == 9
        assert verify(store, cp.file, from_seq=1).checked == 4  # clamped to the boundary

    def test_a_second_archive_continues_where_the_first_ended(self, store: Store,
                                                              tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        first = _archive(store, cp, _split(store, 3, 0), tmp_path / "a")
        second = _archive(store, cp, _split(store, 2, 2), tmp_path / "a")
        assert first is not None and second is not None
        assert (first.first_seq, first.last_seq) == (1, 3)
        assert (second.first_seq, second.last_seq) == (4, 6)  # 4 = the first archive event
        assert verify(store, cp.file).ok

    def test_only_a_prefix_is_archived(self, store: Store, tmp_path: Path) -> None:
        cut = _split(store, 3, 3)
        set_fields(store, 5, occurred_at=cut - timedelta(days=1))  # old-looking, but after newer ones
        result = _archive(store, checkpointer(store, tmp_path), cut,
                          tmp_path / "a")
        assert result is not None and result.last_seq == 3

    def test_nothing_old_enough_means_no_archive(self, store: Store, tmp_path: Path) -> None:
        append(store, 3)
        result = _archive(store, checkpointer(store, tmp_path), datetime(2000, 1, 1, tzinfo=UTC),
                          tmp_path / "a")
        assert result is None and list((tmp_path / "a").iterdir()) == []
        assert _seqs(store) == [1, 2, 3]

    def test_a_broken_segment_is_refused_and_nothing_is_purged(self, store: Store,
                                                               tmp_path: Path) -> None:
        cut = _split(store, 4, 1)
        set_fields(store, 2, outcome="denied")
        with pytest.raises(ArchiveError, match="seq 2"):
            _archive(store, checkpointer(store, tmp_path), cut, tmp_path / "a")
        assert _seqs(store) == [1, 2, 3, 4, 5] and list((tmp_path / "a").iterdir()) == []

    def test_a_failing_transaction_removes_the_file_and_keeps_the_events(
            self, store: Store, tmp_path: Path) -> None:
        cut = _split(store, 4, 1)
        with mock.patch("logs.archive.AuditWriter.record", side_effect=RuntimeError("disk full")), \
                pytest.raises(RuntimeError):
            _archive(store, checkpointer(store, tmp_path), cut, tmp_path / "a")
        assert list((tmp_path / "a").iterdir()) == []
        assert _seqs(store) == [1, 2, 3, 4, 5]
        with store.reading() as conn:
            assert conn.execute(select(func.count()).select_from(audit_archives)).scalar() == 0
        assert verify(store).ok

    def test_an_existing_archive_file_is_never_overwritten(self, store: Store, tmp_path: Path) -> None:
        cut = _split(store, 2, 1)
        out = tmp_path / "a"
        out.mkdir()
        (out / "audit-000000000001-000000000002.jsonl.gz").write_bytes(b"earlier")
        with pytest.raises(ArchiveError):
            _archive(store, checkpointer(store, tmp_path), cut, out)
        assert (out / "audit-000000000001-000000000002.jsonl.gz").read_bytes() == b"earlier"
        assert _seqs(store) == [1, 2, 3]


class TestVerifyArchive:
    def _made(self, store: Store, tmp_path: Path) -> tuple[ArchiveResult, dict[str, Any]]:
        result = _archive(store, checkpointer(store, tmp_path), _split(store, 5, 1), tmp_path / "a")
        assert result is not None
        return result, _archive_row(store)

    def test_an_untouched_archive_verifies(self, store: Store, tmp_path: Path) -> None:
        result, expected = self._made(store, tmp_path)
        key = audit_signing_key(store.kek).public_key()
        assert verify_archive(result.path, public_key=key, expected_row=expected, origin=ORIGIN)

    def test_a_rewritten_archive_file_fails(self, store: Store, tmp_path: Path) -> None:
        result, expected = self._made(store, tmp_path)
        with gzip.open(result.path, "rt", encoding="utf-8") as fh:
            lines = [json.loads(line) for line in fh]
        lines[2]["outcome"] = "denied"
        with gzip.open(result.path, "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        key = audit_signing_key(store.kek).public_key()
        assert not verify_archive(result.path, public_key=key, expected_row=expected, origin=ORIGIN)
        rehashed = dict(expected, file_sha256=hashlib.sha256(result.path.read_bytes()).hexdigest())
        assert not verify_archive(result.path, public_key=key, expected_row=rehashed, origin=ORIGIN)

    def test_the_wrong_origin_or_key_fails(self, store: Store, tmp_path: Path) -> None:
        result, expected = self._made(store, tmp_path)
        key = audit_signing_key(store.kek).public_key()
        assert not verify_archive(result.path, public_key=key, expected_row=expected, origin="other")
        other = audit_signing_key(b"x" * 32).public_key()
        assert not verify_archive(result.path, public_key=other, expected_row=expected, origin=ORIGIN)

    def test_a_forged_archive_row_is_reported_by_the_chain_verification(
            self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        _archive(store, cp, _split(store, 5, 2), tmp_path / "a")
        with store.engine.begin() as conn:
            conn.execute(update(audit_archives).values(last_hash="e" * 64))
        report = verify(store, cp.file)
        assert (report.ok, report.problem, report.first_bad_seq) == (False, "bad_signature", 1)
