"""``nozei backup create`` and reading a backup (SPEC §5.1): every table, one snapshot.

A backup holds every row of every table as stored — personal fields stay the
ciphertexts they are in the database — plus the lines of the append-only
checkpoint file that the snapshot's chain backs and the signed archived audit
segments, inside the encrypted container of :mod:`storage.backup_format`. It
works the same on SQLite and PostgreSQL (and can move data between them).

Reading one (:func:`check_backup`, :func:`load_rows`) authenticates every block
and checks every table and column against this program's schema; restoring is
:mod:`storage.restore`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select

from storage.backup_format import BackupError, BackupHeader, BackupWriter, read_records
from storage.migrate import head_revision
from storage.schema import audit_head, metadata
from storage.store import Store

__all__ = ["BackupSummary", "RestoreSummary", "create_backup", "check_backup", "load_rows", "sorted_tables",
           "AUDIT_TABLES", "BackupError"]

_BATCH = 1000
_CHECKPOINTS = "audit-checkpoints"
_ARCHIVE = "archive/"
#: Small tables whose rows a read of the backup keeps (the audit head, the wrapped data keys).
_CAPTURED = frozenset({"audit_head", "key_versions"})
#: The audit log's own tables: kept as they are when the live chain continues the backup's.
AUDIT_TABLES = frozenset({"audit_events", "audit_head", "audit_checkpoints", "audit_archives"})
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
    captured: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)
    audit_log: str = ""  # after a restore: "kept" (the live log continues) or "replaced"
    purges_undone: int = 0  # retention purges recorded after the backup, whose data came back

    @property
    def audit_head(self) -> tuple[int, str | None]:
        """The backup's audit head: ``(seq, hash)``, ``(0, None)`` for an empty chain."""
        rows = self.captured.get("audit_head") or []
        return (int(rows[0]["seq"]), str(rows[0]["hash"])) if rows else (0, None)


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


def sorted_tables() -> list[Table]:
    return list(metadata.sorted_tables)


# -- create -------------------------------------------------------------------------------
def _snapshot(conn: Connection) -> Connection:
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    conn.info["nozei_readonly"] = True  # SQLite: a deferred read transaction (WAL snapshot)
    return conn


def _dump(conn: Connection, writer: BackupWriter) -> dict[str, int]:
    """Every row of every table, in dependency order; returns the row counts."""
    rows: dict[str, int] = {}
    for table in sorted_tables():
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


def _snapshot_head(conn: Connection) -> int:
    seq = conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1)).scalar()
    return int(seq or 0)


def _checkpoints_upto(data: bytes, head: int) -> bytes:
    """The checkpoint file's lines that the snapshot's chain can back: a logout elsewhere
    while the tables were being read adds a checkpoint beyond the snapshot's head."""
    kept = []
    for line in data.splitlines(keepends=True):
        try:
            seq = int(json.loads(line)["seq"])
        except (ValueError, KeyError, TypeError):
            continue
        if seq <= head:
            kept.append(line)
    return b"".join(kept)


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
                    head = _snapshot_head(conn)
                    rows = _dump(conn, writer)
            finally:
                raw.info["nozei_readonly"] = False
        if checkpoint_file is not None and checkpoint_file.exists():
            data = _checkpoints_upto(checkpoint_file.read_bytes(), head)
            writer.record({"t": "file", "name": _CHECKPOINTS, "data": base64.b64encode(data).decode()})
        archive = store.config.data_dir / "archive"
        for segment in sorted(archive.glob("*")) if archive.is_dir() else ():
            if segment.is_file():  # signed audit segments moved out of the table (no personal data)
                writer.record({"t": "file", "name": f"{_ARCHIVE}{segment.name}",
                               "data": base64.b64encode(segment.read_bytes()).decode()})
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
    known = {t.name: t for t in sorted_tables()}
    rows: dict[str, int] = {}
    files: dict[str, bytes] = {}
    captured: dict[str, list[dict[str, Any]]] = {}
    table: Table | None = None
    columns: list[str] = []
    batch: list[dict[str, Any]] = []
    end: dict[str, Any] | None = None

    def flush() -> None:
        if table is not None and table.name in _CAPTURED:
            captured.setdefault(table.name, []).extend(dict(r) for r in batch)
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
        elif record.get("t") == "file" and _known_file(record.get("name")):
            flush()
            files[str(record["name"])] = base64.b64decode(record.get("data", ""), validate=True)
        elif record.get("t") == "end":
            flush()
            end = record
        else:
            raise BackupError("バックアップに知らない記録があります")
    if end is None:
        raise BackupError("バックアップの終わりがありません（途中で切れています）")
    if end.get("rows") != rows or set(rows) != set(known):
        raise BackupError("バックアップの行数が見出しの記録と合いません")
    return RestoreSummary("", rows, header.created_at, header.schema, header.municipality, files, captured)


def _known_file(name: Any) -> bool:
    if name == _CHECKPOINTS:
        return True
    return (isinstance(name, str) and name.startswith(_ARCHIVE) and "/" not in name[len(_ARCHIVE):]
            and name[len(_ARCHIVE):] not in ("", ".", ".."))


def check_backup(path: Path, kek: bytes) -> RestoreSummary:
    """Authenticate and check the whole backup without touching any database."""
    return _walk(Path(path), kek, None)


def load_rows(path: Path, kek: bytes,
              on_rows: Callable[[Table, list[str], list[dict[str, Any]]], None]) -> RestoreSummary:
    """Read the backup again, handing every batch of rows (in table order) to *on_rows*."""
    return _walk(Path(path), kek, on_rows)


