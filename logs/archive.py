"""Archiving (purging) the oldest segment of the audit chain (SPEC §5.4 retention).

:func:`archive_before` copies the prefix of the chain older than ``before`` to a
signed, gzip-compressed JSON-lines file and then, in ONE transaction, records
the segment in ``audit_archives``, deletes its events, appends an
``audit.archive`` event and takes an ``archive`` checkpoint. Verification then
resumes after the segment, linked through the archive's ``last_hash``.

The file is written (and fsynced) before that transaction, from a read-only
snapshot, so writers are not blocked while it is compressed; if the
transaction fails, the file is removed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, delete, func, insert, select

from core.errors import NozeiError
from core.ports import AuditEvent
from core.security.permissions import Actor
from logs.actions import AUDIT_ARCHIVE
from logs.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from logs.checkpoints import Checkpointer, CheckpointRow, read_checkpoint_file
from logs.writer import AuditWriter
from storage.crypto.signing import audit_signing_key
from storage.schema import audit_archives, audit_checkpoints, audit_events, audit_head

__all__ = [
    "ArchiveError",
    "ArchiveResult",
    "archive_anchor",
    "archive_before",
    "archive_message",
    "archive_signature_ok",
    "check_archives",
    "verify_archive",
]

_ROW_FIELDS = (*HASHED_FIELDS, "prev_hash", "hash")
_BATCH = 10_000


class ArchiveError(NozeiError):
    """The segment cannot be archived (broken chain, concurrent archive, file exists)."""


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    first_seq: int
    last_seq: int
    count: int
    last_hash: str
    path: Path
    sha256: str
    archive_id: int
    event_seq: int  # seq of the ``audit.archive`` event
    checkpoint: CheckpointRow | None


def archive_message(origin: str, first_seq: int, last_seq: int, last_hash: str,
                    sha256: str) -> bytes:
    """The bytes signed for an archived segment."""
    return f"{origin}|{first_seq}|{last_seq}|{last_hash}|{sha256}".encode()


def archive_anchor(conn: Connection) -> tuple[int, str]:
    """``(last archived seq, its hash)``, or ``(0, GENESIS_HASH)`` before any archive."""
    row = conn.execute(select(audit_archives.c.last_seq, audit_archives.c.last_hash)
                       .order_by(audit_archives.c.last_seq.desc()).limit(1)).first()
    return (0, GENESIS_HASH) if row is None else (int(row.last_seq), str(row.last_hash))


def _row_json(row: Mapping[str, Any]) -> str:
    body = {name: row[name] for name in _ROW_FIELDS}
    body["occurred_at"] = row["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _HashingFile:
    """A binary sink that hashes what passes through to ``raw``."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


@dataclass(frozen=True, slots=True)
class _Segment:
    first_seq: int
    last_seq: int
    count: int
    last_hash: str
    anchor_seq: int
    sha256: str


def _write_segment(conn: Connection, before: datetime, tmp: Path) -> _Segment | None:
    """Copy the prefix older than ``before`` into ``tmp``, checking its links on the way."""
    anchor_seq, prev = archive_anchor(conn)
    head_seq = conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1)).scalar_one()
    rows = conn.execute(select(*(audit_events.c[n] for n in _ROW_FIELDS))
                        .where(audit_events.c.seq > anchor_seq).order_by(audit_events.c.seq)
                        .execution_options(yield_per=_BATCH))
    expected, count = anchor_seq + 1, 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    os.fchmod(fd, 0o640)
    with os.fdopen(fd, "wb") as raw:
        sink = _HashingFile(raw)
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0) as gz:  # type: ignore[arg-type]
            for row in rows:
                m = row._mapping
                if row.seq > head_seq or m["occurred_at"] >= before:
                    break
                if (row.seq != expected or row.prev_hash != prev
                        or event_hash(row.prev_hash, m) != row.hash):
                    raise ArchiveError(
                        f"監査ログの連鎖が seq {expected} で壊れているため保管できません。"
                        "先に `nozei audit verify` で確認してください")
                gz.write((_row_json(m) + "\n").encode("utf-8"))
                prev, expected, count = row.hash, expected + 1, count + 1
        rows.close()
        raw.flush()
        os.fsync(raw.fileno())
    if count == 0:
        return None
    return _Segment(anchor_seq + 1, expected - 1, count, prev, anchor_seq, sink.digest.hexdigest())


def archive_before(store_engine: Engine, *, kek: bytes, origin: str, before: datetime,
                   out_dir: Path, actor: Actor, checkpointer: Checkpointer) -> ArchiveResult | None:
    """Archive and purge the events older than ``before``; ``None`` when there are none."""
    if before.tzinfo is None:
        raise ValueError("before must be timezone-aware")
    before = before.astimezone(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".audit-archive-{uuid.uuid4().hex}.tmp"
    try:
        with store_engine.connect() as conn:
            conn.info["nozei_readonly"] = True  # SQLite: a deferred snapshot, writers go on
            try:
                segment = _write_segment(conn, before, tmp)
            finally:
                conn.info["nozei_readonly"] = False
        if segment is None:
            return None
        path = out_dir / f"audit-{segment.first_seq:012d}-{segment.last_seq:012d}.jsonl.gz"
        try:
            os.link(tmp, path)  # never overwrites an existing archive
        except FileExistsError as exc:
            raise ArchiveError(f"保管ファイルが既にあります: {path.name}") from exc
        dir_fd = os.open(out_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the name is durable before the events are purged
        finally:
            os.close(dir_fd)
    finally:
        tmp.unlink(missing_ok=True)
    try:
        with store_engine.begin() as conn:
            result = _commit_segment(conn, segment, path, kek=kek, origin=origin, before=before,
                                     actor=actor, checkpointer=checkpointer)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return result


def _commit_segment(conn: Connection, seg: _Segment, path: Path, *, kek: bytes, origin: str,
                    before: datetime, actor: Actor, checkpointer: Checkpointer) -> ArchiveResult:
    # Lock the head first: concurrent archive runs (and writers) queue up behind us.
    conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1).with_for_update()).one()
    still = conn.execute(select(func.count()).select_from(audit_events)
                         .where(audit_events.c.seq.between(seg.first_seq, seg.last_seq))).scalar_one()
    last = conn.execute(select(audit_events.c.hash)
                        .where(audit_events.c.seq == seg.last_seq)).scalar_one_or_none()
    if archive_anchor(conn)[0] != seg.anchor_seq or still != seg.count or last != seg.last_hash:
        raise ArchiveError("保管中に監査ログが変更されました。やり直してください")
    signature = audit_signing_key(kek).sign(
        archive_message(origin, seg.first_seq, seg.last_seq, seg.last_hash, seg.sha256)).hex()
    archive_id = conn.execute(insert(audit_archives).values(
        first_seq=seg.first_seq, last_seq=seg.last_seq, last_hash=seg.last_hash, before=before,
        file_name=path.name, file_sha256=seg.sha256, signature=signature,
        created_at=datetime.now(UTC), created_by=actor.user_id,
    )).inserted_primary_key[0]
    conn.execute(delete(audit_events).where(audit_events.c.seq.between(seg.first_seq,
                                                                        seg.last_seq)))
    event_seq = AuditWriter(conn).record(actor, AuditEvent(
        action=AUDIT_ARCHIVE, outcome="ok", target_type="audit_archive",
        target_ref=str(archive_id),
        details={"first_seq": seg.first_seq, "last_seq": seg.last_seq, "count": seg.count,
                 "file": path.name, "sha256": seg.sha256},
    ))
    checkpoint = checkpointer.checkpoint(conn, "archive")
    return ArchiveResult(first_seq=seg.first_seq, last_seq=seg.last_seq, count=seg.count,
                         last_hash=seg.last_hash, path=path, sha256=seg.sha256,
                         archive_id=int(archive_id), event_seq=event_seq, checkpoint=checkpoint)


def archive_signature_ok(public_key: Ed25519PublicKey, origin: str,
                         row: Mapping[str, Any]) -> bool:
    message = archive_message(origin, int(row["first_seq"]), int(row["last_seq"]),
                              str(row["last_hash"]), str(row["file_sha256"]))
    try:
        public_key.verify(bytes.fromhex(str(row["signature"])), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def check_archives(conn: Connection, public_key: Ed25519PublicKey, origin: str | None,
                   checkpoint_file: Path | None) -> tuple[int, str, list[tuple[int, str, str]]]:
    """Where verification starts after the archived segments: ``(seq, the hash it links to,
    [(seq, problem, detail)])``. Without ``origin`` the checkpoints' origins are tried."""
    rows = conn.execute(select(audit_archives).order_by(audit_archives.c.first_seq)).all()
    origins = {origin} if origin else set()
    if rows and not origins:
        origins = set(conn.execute(select(audit_checkpoints.c.origin).distinct()).scalars())
        if checkpoint_file is not None:
            origins |= {r.origin for _, r in read_checkpoint_file(checkpoint_file) if r is not None}
    start, anchor, problems = 1, GENESIS_HASH, []
    for row in rows:
        if row.first_seq != start:
            problems.append((start, "missing", f"seq {start}: 保管済み区間が連続していません"))
        if not any(archive_signature_ok(public_key, o, row._mapping) for o in origins):
            problems.append((int(row.first_seq), "bad_signature", f"seq {row.first_seq}〜"
                             f"{row.last_seq}: 保管記録の署名が正しくありません"))
        start, anchor = int(row.last_seq) + 1, str(row.last_hash)
    return start, anchor, problems


def verify_archive(path: Path, *, public_key: Ed25519PublicKey, expected_row: Mapping[str, Any],
                   origin: str) -> bool:
    """The file matches its ``audit_archives`` row (hash, signature) and its own chain is intact."""
    if not archive_signature_ok(public_key, origin, expected_row):
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected_row["file_sha256"]:
        return False
    expected, prev, count = int(expected_row["first_seq"]), None, 0
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                row["occurred_at"] = datetime.fromisoformat(row["occurred_at"])
                if row["seq"] != expected or (prev is not None and row["prev_hash"] != prev):
                    return False
                if event_hash(row["prev_hash"], row) != row["hash"]:
                    return False
                prev, expected, count = row["hash"], expected + 1, count + 1
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return False
    return (count > 0 and expected - 1 == int(expected_row["last_seq"])
            and prev == expected_row["last_hash"])
