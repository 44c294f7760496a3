"""``nozei backup create`` / ``nozei backup restore`` (SPEC §5.1): every table, one snapshot.

A backup holds every row of every table as stored — personal fields stay the
ciphertexts they are in the database — plus the append-only checkpoint file of
the audit chain, inside the encrypted container of :mod:`storage.backup_format`.
It works the same on SQLite and PostgreSQL (and can move data between them).

Restoring reads the whole file twice: the first pass authenticates every block
and checks every table and column against this program's schema before
anything is touched; the second replaces every row in ONE transaction, lets the
caller verify the restored audit chain inside that transaction, and records the
restore in the chain. Any failure rolls the database back untouched.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select, text, update

from core.ports import AuditEvent, AuditSink
from core.security.permissions import Actor
from storage.backup_format import BackupError, BackupHeader, BackupWriter, read_records
from storage.migrate import head_revision
from storage.schema import metadata, sessions
from storage.store import Store

__all__ = ["BackupSummary", "RestoreSummary", "create_backup", "check_backup", "restore_backup",
           "StoreBackups", "ChainCheck", "BackupError"]

#: Verifies the restored audit chain on the restoring connection against a checkpoint file;
#: returns a problem description or ``None``.
ChainCheck = Callable[[Connection, Path], str | None]

_BATCH = 1000
_CHECKPOINTS = "audit-checkpoints"
_ACTIVE = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    sha256: str
    size: int
    rows: dict[str, int]
    created_at: str
    schema: str


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    sha256: str
    rows: dict[str, int]
    created_at: str
    schema: str
    municipality: str
    files: dict[str, bytes] = field(default_factory=dict, repr=False)


# -- values -------------------------------------------------------------------------------
def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, dict | list):
        return {"$j": value}
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "$b":
            return base64.b64decode(inner, validate=True)
        if tag == "$dt":
            return datetime.fromisoformat(inner)
        if tag == "$d":
            return date.fromisoformat(inner)
        if tag == "$j":
            return inner
    raise ValueError("unknown value")


def _tables() -> list[Table]:
    return list(metadata.sorted_tables)


# -- create -------------------------------------------------------------------------------
def _snapshot(conn: Connection) -> Connection:
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    conn.info["nozei_readonly"] = True  # SQLite: a deferred read transaction (WAL snapshot)
    return conn


def _dump(conn: Connection, writer: BackupWriter) -> dict[str, int]:
    rows: dict[str, int] = {}
    for table in _tables():
        columns = [c.name for c in table.columns]
        writer.record({"t": "table", "name": table.name, "columns": columns})
        order = list(table.primary_key.columns) or list(table.columns)
        count = 0
        result = conn.execution_options(yield_per=_BATCH).execute(select(table).order_by(*order))
        for row in result:
            writer.record({"r": [_encode(v) for v in row]})
            count += 1
        rows[table.name] = count
    return rows


def create_backup(store: Store, path: Path, *, checkpoint_file: Path | None,
                  now: datetime | None = None) -> BackupSummary:
    """Write every table (one consistent snapshot) and the checkpoint file into *path*."""
    created = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    municipality = str((store.setting("municipality", {}) or {}).get("code", ""))
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"保存先のディレクトリがありません: {path.parent}")
    writer = BackupWriter(path, store.kek, created_at=created, schema=head_revision(),
                          backend=store.engine.dialect.name, municipality=municipality)
    try:
        with store.engine.connect() as raw:
            conn = _snapshot(raw)
            try:
                with conn.begin():
                    rows = _dump(conn, writer)
            finally:
                raw.info["nozei_readonly"] = False
        if checkpoint_file is not None and checkpoint_file.exists():
            data = checkpoint_file.read_bytes()
            writer.record({"t": "file", "name": _CHECKPOINTS, "data": base64.b64encode(data).decode()})
        writer.record({"t": "end", "rows": rows})
        sha = writer.close()
    except BaseException:
        writer.abort()
        raise
    return BackupSummary(path, sha, writer.size, rows, created, head_revision())


# -- check and restore -----------------------------------------------------------------
def _records(path: Path, kek: bytes) -> tuple[BackupHeader, Iterator[dict[str, Any]]]:
    stream = read_records(path, kek)
    header = next(stream)
    assert isinstance(header, BackupHeader)
    return header, stream  # type: ignore[return-value]


def _walk(path: Path, kek: bytes,
          on_rows: Callable[[Table, list[str], list[dict[str, Any]]], None] | None) -> RestoreSummary:
    """Read the whole backup, checking structure; hand batches of rows to *on_rows*."""
    header, records = _records(path, kek)
    if header.schema != head_revision():
        raise BackupError(
            f"バックアップのスキーマ（{header.schema}）がこのプログラム（{head_revision()}）と違います。"
            "同じ版の nozei で復元してください")
    known = {t.name: t for t in _tables()}
    rows: dict[str, int] = {}
    files: dict[str, bytes] = {}
    table: Table | None = None
    columns: list[str] = []
    batch: list[dict[str, Any]] = []
    end: dict[str, Any] | None = None

    def flush() -> None:
        if table is not None and batch and on_rows is not None:
            on_rows(table, columns, batch)
        batch.clear()

    for record in records:
        if end is not None:
            raise BackupError("バックアップの終わりの後に内容があります")
        if "r" in record:
            if table is None or not isinstance(record["r"], list) or len(record["r"]) != len(columns):
                raise BackupError("バックアップの行が壊れています")
            try:
                batch.append(dict(zip(columns, (_decode(v) for v in record["r"]), strict=True)))
            except (ValueError, TypeError) as exc:
                raise BackupError(f"バックアップの行の値が壊れています（{table.name}）") from exc
            rows[table.name] += 1
            if len(batch) >= _BATCH:
                flush()
        elif record.get("t") == "table":
            flush()
            name = record.get("name")
            if name not in known or name in rows:
                raise BackupError(f"バックアップに知らない表、または重複した表があります: {name}")
            table = known[name]
            columns = list(record.get("columns") or [])
            if sorted(columns) != sorted(c.name for c in table.columns):
                raise BackupError(f"バックアップの表 {name} の列がこのプログラムと違います")
            rows[name] = 0
        elif record.get("t") == "file" and record.get("name") == _CHECKPOINTS:
            flush()
            files[_CHECKPOINTS] = base64.b64decode(record.get("data", ""), validate=True)
        elif record.get("t") == "end":
            flush()
            end = record
        else:
            raise BackupError("バックアップに知らない記録があります")
    if end is None:
        raise BackupError("バックアップの終わりがありません（途中で切れています）")
    if end.get("rows") != rows or set(rows) != set(known):
        raise BackupError("バックアップの行数が見出しの記録と合いません")
    return RestoreSummary("", rows, header.created_at, header.schema, header.municipality, files)


def check_backup(path: Path, kek: bytes) -> RestoreSummary:
    """Authenticate and check the whole backup without touching any database."""
    return _walk(Path(path), kek, None)


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
        raise BackupError(f"利用中のセッションが {busy} 件あります。全員がログアウトしてから復元してください")


def _reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
            f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) FROM {table.name}"))


def restore_backup(store: Store, path: Path, actor: Actor, *, check_chain: ChainCheck,
                   checkpoint_file: Path, now: datetime | None = None) -> RestoreSummary:
    """Replace every row with the backup's, in one transaction, after checking all of it.

    The backup's checkpoint file replaces *checkpoint_file* as the last step before
    the commit (the current one is kept beside it); if the commit fails it is put back.
    """
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
                for table in reversed(_tables()):
                    conn.execute(delete(table))

                def insert(table: Table, columns: list[str], batch: list[dict[str, Any]]) -> None:
                    conn.execute(table.insert(), batch)

                loaded = _walk(path, store.kek, insert)
                if loaded.rows != checked.rows:
                    raise BackupError("バックアップが読み込みの途中で変わりました")
                _reset_sequences(conn, _tables())
                conn.execute(update(sessions).where(sessions.c.ended_at.is_(None))
                             .values(ended_at=now, end_reason="restore"))
                problem = check_chain(conn, checkpoints)
                if problem is not None:
                    raise BackupError(f"バックアップの監査ログを検証できません: {problem}")
                _record(audit, actor, "backup.restore", sha, checked)
                kept = replace_checkpoint_file(checkpoint_file, checkpoints.read_bytes(), now)
                swapped = True
    except BaseException:
        if swapped:
            checkpoint_file.unlink(missing_ok=True)
            if kept is not None:
                os.replace(kept, checkpoint_file)
        raise
    return RestoreSummary(sha, checked.rows, checked.created_at, checked.schema, checked.municipality)


def _record(audit: AuditSink, actor: Actor, action: str, sha: str,
            summary: RestoreSummary | BackupSummary) -> None:
    audit.record(actor, AuditEvent(action=action, target_type="backup", target_ref=sha[:16], details={
        "sha256": sha, "rows": sum(summary.rows.values()), "tables": len(summary.rows),
        "backup_created_at": summary.created_at, "schema": summary.schema}))


def replace_checkpoint_file(file: Path, data: bytes, now: datetime) -> Path | None:
    """Put the backup's checkpoint file in place; the current one is kept beside it."""
    kept = None
    if file.exists():
        kept = file.with_name(f"{file.name}.before-restore-{now.strftime('%Y%m%dT%H%M%SZ')}")
        os.replace(file, kept)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
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

    def check(self, actor: Actor, path: Path) -> RestoreSummary:
        return check_backup(path, self._store.kek)

    def restore(self, actor: Actor, path: Path) -> RestoreSummary:
        summary = restore_backup(self._store, path, actor, check_chain=self._check_chain,
                                 checkpoint_file=self._file)
        if self._after_restore is not None:
            self._after_restore()
        return summary
