"""Signed checkpoints of the audit chain (SPEC §5.4).

A checkpoint states "the chain had ``seq`` events and its head hash was
``head_hash``", signed with the Ed25519 key derived from the KEK. Each one is
stored in ``audit_checkpoints`` *and* appended to a separate append-only file
(JSON lines), so deleting the tail of the table — events, head and checkpoints
alike — still leaves signed evidence behind.

The file line is appended inside :meth:`Checkpointer.checkpoint`, right after
the insert and before the caller commits. If the caller's transaction then
rolls back, the file keeps a line the table does not have. Verification
(:mod:`logs.verify`) accepts such a line when its (seq, head hash) matches the
chain; a line pointing beyond the chain's last event counts as truncation
evidence. To keep that window small, take checkpoints in a short transaction
of their own after the events they cover have committed (logout, shutdown).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, insert, select

from storage.crypto.signing import audit_signing_key
from storage.schema import audit_checkpoints, audit_head

__all__ = [
    "REASONS",
    "CheckpointRow",
    "Checkpointer",
    "checkpoint_message",
    "checkpoint_signature_ok",
    "load_checkpoints",
    "read_checkpoint_file",
]

#: Why a checkpoint was written.
REASONS = frozenset({"interval", "logout", "shutdown", "manual", "archive", "restore"})

_DOMAIN = b"nozei audit checkpoint v1\n"


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def checkpoint_message(origin: str, seq: int, head_hash: str, created_at: datetime,
                       reason: str) -> bytes:
    """The bytes that are signed: a domain tag and canonical JSON (sorted keys, UTC microseconds)."""
    body = {"created_at": _iso(created_at), "head_hash": head_hash, "origin": origin,
            "reason": reason, "seq": int(seq)}
    return _DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":"),
                                ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    """One checkpoint; ``id`` is the table row id (``None`` for a line read from the file)."""

    origin: str
    seq: int
    head_hash: str
    created_at: datetime
    reason: str
    signature: str
    id: int | None = None

    @property
    def key(self) -> tuple[str, int, str, str, str, str]:
        """What identifies a checkpoint across the table and the file."""
        return (self.origin, self.seq, self.head_hash, _iso(self.created_at), self.reason,
                self.signature)

    def message(self) -> bytes:
        return checkpoint_message(self.origin, self.seq, self.head_hash, self.created_at,
                                  self.reason)

    def to_json_line(self) -> str:
        body = asdict(self)
        del body["id"]
        body["created_at"] = _iso(self.created_at)
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CheckpointRow:
        created = data["created_at"]
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        if not isinstance(created, datetime) or created.tzinfo is None:
            raise ValueError("created_at must be an aware timestamp")
        return cls(origin=str(data["origin"]), seq=int(data["seq"]),
                   head_hash=str(data["head_hash"]), created_at=created.astimezone(UTC),
                   reason=str(data["reason"]), signature=str(data["signature"]),
                   id=int(data["id"]) if data.get("id") is not None else None)


def checkpoint_signature_ok(public_key: Ed25519PublicKey, row: CheckpointRow) -> bool:
    try:
        public_key.verify(bytes.fromhex(row.signature), row.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def read_checkpoint_file(path: Path) -> Iterator[tuple[int, CheckpointRow | None]]:
    """``(line number, row)`` for each non-empty line; ``row`` is ``None`` when unreadable."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield number, CheckpointRow.from_mapping(json.loads(line))
            except (ValueError, KeyError, TypeError):
                yield number, None


def load_checkpoints(conn: Connection, file: Path | None, *, min_seq: int
                     ) -> tuple[list[CheckpointRow], list[CheckpointRow], list[int]]:
    """Checkpoints at ``min_seq`` or later: (table rows, file lines, unreadable line numbers)."""
    table = [CheckpointRow.from_mapping(r._mapping) for r in conn.execute(
        select(audit_checkpoints).where(audit_checkpoints.c.seq >= min_seq)
        .order_by(audit_checkpoints.c.id))]
    lines: list[CheckpointRow] = []
    unreadable: list[int] = []
    for number, line in read_checkpoint_file(file) if file is not None else ():
        if line is None:
            unreadable.append(number)
        elif line.seq >= min_seq:
            lines.append(line)
    return table, lines, unreadable


class Checkpointer:
    """Writes signed checkpoints to ``audit_checkpoints`` and the append-only ``file``."""

    def __init__(self, kek: bytes, origin: str, file: Path,
                 interval: timedelta = timedelta(minutes=15)) -> None:
        if not origin:
            raise ValueError("origin is required")
        self._key = audit_signing_key(kek)
        self.origin = origin
        self.file = Path(file)
        self.interval = interval

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def checkpoint(self, conn: Connection, reason: str, *,
                   now: datetime | None = None) -> CheckpointRow | None:
        """Sign the current head inside the caller's transaction; ``None`` while the chain is empty."""
        if reason not in REASONS:
            raise ValueError(f"unknown checkpoint reason: {reason}")
        head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)
                            .where(audit_head.c.id == 1)).one()
        if head.seq == 0:
            return None
        created = (now or datetime.now(UTC)).astimezone(UTC)
        signature = self._key.sign(checkpoint_message(self.origin, head.seq, head.hash, created,
                                                      reason)).hex()
        values = {"origin": self.origin, "seq": int(head.seq), "head_hash": head.hash,
                  "created_at": created, "reason": reason, "signature": signature}
        result = conn.execute(insert(audit_checkpoints).values(**values))
        (row_id,) = result.inserted_primary_key or (None,)
        row = CheckpointRow(**values, id=int(row_id) if row_id is not None else None)
        self._append(row)
        return row

    def maybe_checkpoint(self, conn: Connection, now: datetime) -> CheckpointRow | None:
        """An ``interval`` checkpoint if the newest one is ``interval`` old and events followed it."""
        newest = conn.execute(
            select(audit_checkpoints.c.seq, audit_checkpoints.c.created_at)
            .order_by(audit_checkpoints.c.created_at.desc(), audit_checkpoints.c.id.desc())
            .limit(1)
        ).first()
        head_seq = conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1)).scalar_one()
        if head_seq == 0:
            return None
        if newest is not None and (now - newest.created_at < self.interval
                                   or head_seq <= newest.seq):
            return None
        return self.checkpoint(conn, "interval", now=now)

    def _append(self, row: CheckpointRow) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        data = row.to_json_line().encode("utf-8")
        fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            written = os.write(fd, data)  # one write: lines of concurrent writers never interleave
            if written != len(data):
                raise OSError("short write to the checkpoint file")
            os.fsync(fd)
        finally:
            os.close(fd)
