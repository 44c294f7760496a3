"""Signed checkpoints: the message, the table row, the append-only file, the interval rule."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from logs.checkpoints import (
    Checkpointer,
    CheckpointRow,
    checkpoint_message,
    checkpoint_signature_ok,
    read_checkpoint_file,
)
from storage.schema import audit_checkpoints, audit_head
from storage.store import Store
from tests.logs.chain_helpers import ORIGIN, append, checkpointer

T0 = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def _table(store: Store) -> list[CheckpointRow]:
    with store.reading() as conn:
        rows = conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id)).all()
    return [CheckpointRow.from_mapping(r._mapping) for r in rows]


class TestCheckpointMessage:
    def test_the_message_is_deterministic_and_zone_independent(self) -> None:
        jst = T0.astimezone(datetime.now().astimezone().tzinfo)
        assert checkpoint_message("o", 5, "ab" * 32, T0, "manual") == \
            checkpoint_message("o", 5, "ab" * 32, jst, "manual")

    @pytest.mark.parametrize(("field", "value"), [
        ("origin", "elsewhere"), ("seq", 6), ("head_hash", "cd" * 32),
        ("created_at", T0 + timedelta(microseconds=1)), ("reason", "logout"),
    ])
    def test_every_field_changes_the_message(self, field: str, value: object) -> None:
        base: dict[str, object] = {"origin": "o", "seq": 5, "head_hash": "ab" * 32,
                                   "created_at": T0, "reason": "manual"}
        assert checkpoint_message(**base) != checkpoint_message(**{**base, field: value})  # type: ignore[arg-type]

    def test_naive_timestamps_are_refused(self) -> None:
        with pytest.raises(ValueError):
            checkpoint_message("o", 1, "0" * 64, datetime(2025, 1, 1), "manual")


class TestCheckpointer:
    def test_an_empty_chain_gets_no_checkpoint(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        with store.engine.begin() as conn:
            assert cp.checkpoint(conn, "shutdown") is None
        assert _table(store) == [] and not cp.file.exists()

    def test_a_checkpoint_signs_the_head_in_the_table_and_the_file(self, store: Store,
                                                                   tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 3)
        with store.engine.begin() as conn:
            made = cp.checkpoint(conn, "logout")
            head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
        assert made is not None and made.id is not None
        assert (made.origin, made.seq, made.head_hash, made.reason) == (ORIGIN, 3, head.hash, "logout")
        assert _table(store) == [made]
        [(number, line)] = list(read_checkpoint_file(cp.file))
        assert number == 1 and line is not None and line.key == made.key
        assert set(json.loads(cp.file.read_text("utf-8"))) == {
            "origin", "seq", "head_hash", "created_at", "reason", "signature"}
        assert checkpoint_signature_ok(cp.public_key, made)
        assert checkpoint_signature_ok(cp.public_key, line)

    def test_the_file_is_only_appended_to_and_not_world_readable(self, store: Store,
                                                                tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 1)
        with store.engine.begin() as conn:
            cp.checkpoint(conn, "manual")
        first = cp.file.read_bytes()
        append(store, 1)
        with store.engine.begin() as conn:
            cp.checkpoint(conn, "shutdown")
        assert cp.file.read_bytes().startswith(first)
        assert len(cp.file.read_text("utf-8").splitlines()) == 2
        assert stat.S_IMODE(cp.file.stat().st_mode) & 0o007 == 0

    def test_an_unknown_reason_is_refused(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 1)
        with store.engine.begin() as conn, pytest.raises(ValueError):
            cp.checkpoint(conn, "whenever")

    def test_a_changed_row_no_longer_verifies(self, store: Store, tmp_path: Path) -> None:
        cp = checkpointer(store, tmp_path)
        append(store, 2)
        with store.engine.begin() as conn:
            made = cp.checkpoint(conn, "manual")
        assert made is not None
        for forged in (CheckpointRow(**{**_fields(made), "seq": 1}),
                       CheckpointRow(**{**_fields(made), "origin": "elsewhere"}),
                       CheckpointRow(**{**_fields(made), "signature": "zz"})):
            assert not checkpoint_signature_ok(cp.public_key, forged)


def _fields(row: CheckpointRow) -> dict[str, object]:
    return {"origin": row.origin, "seq": row.seq, "head_hash": row.head_hash,
            "created_at": row.created_at, "reason": row.reason, "signature": row.signature}


class TestIntervalCheckpoints:
    def _cp(self, store: Store, tmp_path: Path) -> Checkpointer:
        return Checkpointer(store.kek, ORIGIN, tmp_path / "cp.jsonl", interval=timedelta(minutes=15))

    def _maybe(self, store: Store, cp: Checkpointer, now: datetime) -> CheckpointRow | None:
        with store.engine.begin() as conn:
            return cp.maybe_checkpoint(conn, now)

    def test_nothing_is_written_while_the_chain_is_empty(self, store: Store, tmp_path: Path) -> None:
        assert self._maybe(store, self._cp(store, tmp_path), T0) is None

    def test_the_first_checkpoint_is_written_at_once(self, store: Store, tmp_path: Path) -> None:
        append(store, 2)
        made = self._maybe(store, self._cp(store, tmp_path), T0)
        assert made is not None and (made.reason, made.seq, made.created_at) == ("interval", 2, T0)

    def test_no_new_checkpoint_within_the_interval_even_with_new_events(
            self, store: Store, tmp_path: Path) -> None:
        cp = self._cp(store, tmp_path)
        append(store, 2)
        self._maybe(store, cp, T0)
        append(store, 2)
        assert self._maybe(store, cp, T0 + timedelta(minutes=14, seconds=59)) is None

    def test_no_new_checkpoint_after_the_interval_without_new_events(
            self, store: Store, tmp_path: Path) -> None:
        cp = self._cp(store, tmp_path)
        append(store, 2)
        self._maybe(store, cp, T0)
        assert self._maybe(store, cp, T0 + timedelta(hours=3)) is None

    def test_a_new_checkpoint_once_the_interval_passed_and_events_followed(
            self, store: Store, tmp_path: Path) -> None:
        cp = self._cp(store, tmp_path)
        append(store, 2)
        self._maybe(store, cp, T0)
        append(store, 3)
        made = self._maybe(store, cp, T0 + timedelta(minutes=15))
        assert made is not None and made.seq == 5
        with store.reading() as conn:
            assert conn.execute(select(func.count()).select_from(audit_checkpoints)).scalar() == 2

    def test_a_logout_checkpoint_restarts_the_interval(self, store: Store, tmp_path: Path) -> None:
        cp = self._cp(store, tmp_path)
        append(store, 2)
        with store.engine.begin() as conn:
            cp.checkpoint(conn, "logout", now=T0 + timedelta(minutes=10))
        append(store, 1)
        assert self._maybe(store, cp, T0 + timedelta(minutes=20)) is None
        assert self._maybe(store, cp, T0 + timedelta(minutes=25)) is not None
