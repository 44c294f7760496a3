"""Restoring a backup (``nozei backup restore``) and checking one by a trial restore.

A restore first reads the whole backup (every block authenticated, every table and
column checked), then, in ONE transaction:

* replaces the business tables with the backup's rows;
* keeps the live audit log when it continues the backup's chain (the backup's
  head is in it with the same hash) — the events recorded since the backup stay,
  and the restore is appended to them; otherwise (a new database after a loss)
  the backup's audit tables come back, its checkpoint file replaces the live one
  (which is kept beside it) and the replaced head is recorded;
* keeps every data-key version the live database has and the backup lacks, so a
  session that wrote with a newer key before the restore never loses its data;
* ends every session, verifies the audit chain, records ``backup.restore``.

Any failure rolls everything back.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, text, update

from core.ports import AuditEvent, AuditSink
from core.security.permissions import Actor
from storage.backup import (
    AUDIT_TABLES, BackupError, BackupSummary, RestoreSummary, check_backup, create_backup, load_rows,
    sorted_tables,
)
from storage.db import make_engine
from storage.migrate import upgrade
from storage.paid import recompute_paid
from storage.schema import audit_events, audit_head, key_versions, sessions
from storage.crypto.context import Crypto
from storage.store import Store, keyring_reloader

__all__ = ["ChainCheck", "restore_backup", "trial_restore", "StoreBackups", "replace_checkpoint_file"]

#: Verifies the audit chain on a connection against a checkpoint file; a problem or ``None``.
ChainCheck = Callable[[Connection, Path], str | None]

_CHECKPOINTS = "audit-checkpoints"
_ACTIVE = timedelta(minutes=30)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse_if_in_use(conn: Connection, actor: Actor, now: datetime) -> None:
    query = (select(func.count()).select_from(sessions)
             .where(sessions.c.ended_at.is_(None), sessions.c.last_seen_at > now - _ACTIVE))
    if actor.session_id is not None:
        query = query.where(sessions.c.id != actor.session_id)
    busy = int(conn.execute(query).scalar_one())
    if busy:
        raise BackupError(f"利用中のセッションが {busy} 件あります（最後の操作から30分以内でログアウトしていないもの。"
                          "端末を閉じただけのものも含みます）。全員がログアウトするか、30分待ってから復元してください")


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
            f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) FROM {table.name}"))


def _live_head(conn: Connection) -> tuple[int, str | None]:
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
    return (int(row.seq), str(row.hash)) if row is not None else (0, None)


def _continues(conn: Connection, backup_head: tuple[int, str | None]) -> bool:
    """Whether the live chain contains the backup's head (same event, same hash)."""
    seq, digest = backup_head
    if seq == 0:
        return _live_head(conn)[0] > 0
    found = conn.execute(select(audit_events.c.hash).where(audit_events.c.seq == seq)).scalar()
    return found is not None and found == digest


def _keep_newer_keys(conn: Connection, live: list[dict[str, Any]]) -> int:
    """Re-add the live data-key versions the restored table lacks; returns how many."""
    restored = {(r.purpose, r.version) for r in conn.execute(select(key_versions.c.purpose, key_versions.c.version))}
    next_id = int(conn.execute(select(func.coalesce(func.max(key_versions.c.id), 0))).scalar_one())
    added = 0
    for row in live:
        if (row["purpose"], row["version"]) in restored:
            continue
        next_id += 1
        conn.execute(insert(key_versions).values({**row, "id": next_id}))
        added += 1
    return added


def _load(conn: Connection, path: Path, kek: bytes, skip: frozenset[str]) -> RestoreSummary:
    def insert_rows(table: Table, columns: list[str], batch: list[dict[str, Any]]) -> None:
        if table.name not in skip:
            conn.execute(table.insert(), batch)

    return load_rows(path, kek, insert_rows)


def restore_backup(store: Store, path: Path, actor: Actor, *, check_chain: ChainCheck,
                   checkpoint_file: Path, now: datetime | None = None) -> RestoreSummary:
    """Replace the database's rows with the backup's in one transaction (see the module)."""
    path = Path(path)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    checked = check_backup(path, store.kek)
    sha = _sha256(path)
    kept: Path | None = None
    swapped = False
    try:
        with tempfile.TemporaryDirectory(prefix="nozei-restore-") as tmp:
            checkpoints = Path(tmp) / "checkpoints.jsonl"
            checkpoints.write_bytes(checked.files.get(_CHECKPOINTS, b""))
            with store.transaction() as (conn, audit):
                _refuse_if_in_use(conn, actor, now)
                replaced_head = _live_head(conn)
                continues = _continues(conn, checked.audit_head)
                undone = int(conn.execute(select(func.count()).select_from(audit_events).where(
                    audit_events.c.action == "retention.purge", audit_events.c.outcome == "ok",
                    audit_events.c.seq > checked.audit_head[0])).scalar_one()) if continues else 0
                skip = AUDIT_TABLES if continues else frozenset()
                live_keys = [dict(r._mapping) for r in conn.execute(select(key_versions))]
                for table in reversed(sorted_tables()):
                    if table.name not in skip:
                        conn.execute(delete(table))
                loaded = _load(conn, path, store.kek, skip)
                recompute_paid(conn)  # the triggers added the loaded allocations to the loaded totals
                if loaded.rows != checked.rows:
                    raise BackupError("バックアップが読み込みの途中で変わりました")
                keys_kept = _keep_newer_keys(conn, live_keys)
                _reset_sequences(conn, sorted_tables())
                conn.execute(update(sessions).where(sessions.c.ended_at.is_(None))
                             .values(ended_at=now, end_reason="restore"))
                if not continues:
                    _write_archive_files(store.config.data_dir / "archive", checked.files)
                problem = check_chain(conn, checkpoint_file if continues else checkpoints)
                if problem is not None:
                    raise BackupError(f"バックアップの監査ログを検証できません: {problem}")
                _record(audit, actor, "backup.restore", sha, checked, {
                    "audit_log": "kept" if continues else "replaced",
                    "backup_head_seq": checked.audit_head[0], "replaced_head_seq": replaced_head[0],
                    "replaced_head_hash": replaced_head[1], "newer_keys_kept": keys_kept,
                    "purges_undone": undone})
                if not continues:
                    kept = replace_checkpoint_file(checkpoint_file, checkpoints.read_bytes(), now)
                    swapped = True
    except BaseException:
        if swapped:
            checkpoint_file.unlink(missing_ok=True)
            if kept is not None:
                os.replace(kept, checkpoint_file)
        raise
    return RestoreSummary(sha, checked.rows, checked.created_at, checked.schema, checked.municipality,
                          audit_log="kept" if continues else "replaced", purges_undone=undone)


def _write_archive_files(archive: Path, files: dict[str, bytes]) -> None:
    """The backup's signed audit segments, where they are missing (never overwritten)."""
    for name, data in files.items():
        if not name.startswith("archive/"):
            continue
        target = archive / name.removeprefix("archive/")
        if target.exists():
            continue
        archive.mkdir(parents=True, exist_ok=True)
        _write_new(target, data)


def _write_new(path: Path, data: bytes) -> None:
    """A new file (never over another, never through a link), synced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def trial_restore(path: Path, kek: bytes, check_chain: ChainCheck) -> RestoreSummary:
    """Restore into a scratch SQLite database (removed afterwards) and verify its audit
    chain: proves the backup can be restored, without touching the live database. The
    scratch file holds only what the backup holds (ciphertexts, never plaintext)."""
    checked = check_backup(path, kek)
    with tempfile.TemporaryDirectory(prefix="nozei-check-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'trial.db'}")
        try:
            upgrade(engine)
            checkpoints = Path(tmp) / "checkpoints.jsonl"
            checkpoints.write_bytes(checked.files.get(_CHECKPOINTS, b""))
            with engine.begin() as conn:
                for table in reversed(sorted_tables()):  # the migrations seed a few rows
                    conn.execute(delete(table))
                _load(conn, Path(path), kek, frozenset())
                problem = check_chain(conn, checkpoints)
            if problem is not None:
                raise BackupError(f"バックアップの監査ログを検証できません: {problem}")
        finally:
            engine.dispose()
    return checked


def _record(audit: AuditSink, actor: Actor, action: str, sha: str, summary: RestoreSummary | BackupSummary,
            extra: dict[str, Any] | None = None) -> None:
    audit.record(actor, AuditEvent(action=action, target_type="backup", target_ref=sha[:16], details={
        "sha256": sha, "rows": sum(summary.rows.values()), "tables": len(summary.rows),
        "backup_created_at": summary.created_at, "schema": summary.schema, **(extra or {})}))


def replace_checkpoint_file(file: Path, data: bytes, now: datetime) -> Path | None:
    """Put the backup's checkpoint file in place; the current one is kept beside it."""
    kept = None
    if file.exists():
        kept = file.with_name(f"{file.name}.before-restore-{now.strftime('%Y%m%dT%H%M%SZ')}")
        os.replace(file, kept)
    _write_new(file, data)
    return kept


class StoreBackups:
    """Implements :class:`core.services.backups.BackupAdministration` on a store."""

    def __init__(self, store: Store, *, checkpoint_file: Path, check_chain: ChainCheck,
                 after_restore: Callable[[], None] | None = None) -> None:
        self._store = store
        self._file = checkpoint_file
        self._check_chain = check_chain
        self._after_restore = after_restore

    def create(self, actor: Actor, path: Path) -> BackupSummary:
        summary = create_backup(self._store, path, checkpoint_file=self._file)
        try:
            with self._store.transaction() as (_conn, audit):
                _record(audit, actor, "backup.create", summary.sha256, summary)
        except BaseException:
            Path(path).unlink(missing_ok=True)  # fail closed: no unrecorded backup stays behind
            raise
        return summary

    def _refused(self, actor: Actor, action: str, path: Path, exc: BaseException) -> None:
        """A refused check or restore is audited too (in its own transaction)."""
        sha = _sha256(path) if Path(path).is_file() else ""
        with self._store.transaction() as (_conn, audit):
            audit.record(actor, AuditEvent(action=action, outcome="error", target_type="backup",
                                           target_ref=sha[:16] or None,
                                           details={"sha256": sha, "error": type(exc).__name__}))

    def check(self, actor: Actor, path: Path) -> RestoreSummary:
        try:
            summary = trial_restore(path, self._store.kek, self._check_chain)
        except BackupError as exc:
            self._refused(actor, "backup.check", path, exc)
            raise
        with self._store.transaction() as (_conn, audit):
            _record(audit, actor, "backup.check", _sha256(path), summary)
        return summary

    def restore(self, actor: Actor, path: Path) -> RestoreSummary:
        try:
            summary = restore_backup(self._store, path, actor, check_chain=self._check_chain,
                                     checkpoint_file=self._file)
        except BackupError as exc:
            self._refused(actor, "backup.restore", path, exc)
            raise
        reload = keyring_reloader(self._store.engine, self._store.kek)  # the restored data keys
        self._store.crypto = Crypto.from_ring(reload(), reload)
        if self._after_restore is not None:
            self._after_restore()
        return summary
