"""Audit writer: appends chained events in the caller's transaction (fails closed).

The single ``audit_head`` row is locked for the append, so concurrent writers
on PostgreSQL queue up and the chain stays linear; on SQLite the write
transaction (BEGIN IMMEDIATE) already serialises them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from core.ports import AuditEvent
from core.security.permissions import Actor
from logs.chain import event_hash
from storage.schema import audit_events, audit_head

__all__ = ["AuditWriter"]

# Built once: every service ends with these three statements.
_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
_APPEND = insert(audit_events)
_MOVE = update(audit_head).where(audit_head.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))


class AuditWriter:
    """Implements :class:`core.ports.AuditSink` on a connection inside a transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pending: list[dict[str, object]] = []

    def discard(self) -> None:
        """The transaction rolled back: what it recorded never happened."""
        self._pending = []

    def committed(self) -> list[dict[str, object]]:
        """Hand over the rows written since the last call (call only after the commit)."""
        rows, self._pending = self._pending, []
        return rows

    def record(self, actor: Actor, event: AuditEvent) -> int:
        head = self._conn.execute(_HEAD).one()
        # Normalise details through JSON so what is hashed is what is stored.
        details = json.dumps(event.details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        row = {
            "seq": head.seq + 1,
            "occurred_at": datetime.now(UTC),
            "user_id": actor.user_id,
            "session_id": actor.session_id,
            "terminal_id": actor.terminal_id,
            "client_address": actor.client_address,
            "action": event.action,
            "target_type": event.target_type,
            "target_ref": event.target_ref,
            "outcome": event.outcome,
            "details": details,
        }
        digest = event_hash(head.hash, row)
        stored = {**row, "prev_hash": head.hash, "hash": digest}
        self._conn.execute(_APPEND, stored)
        self._pending.append(stored)
        self._conn.execute(_MOVE, {"new_seq": row["seq"], "new_hash": digest})
        return int(row["seq"])
