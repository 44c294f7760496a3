"""Crafted audit events at chosen times, with the hash chain and its head kept in step."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from logs.chain import event_hash
from storage.schema import audit_events, audit_head

JST = ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


def add_event(conn: Connection, at: datetime, action: str, *, user: str | None = "clerk01",
              terminal: str | None = "T01", target_type: str | None = None, target_ref: str | None = None,
              outcome: str = "ok", details: dict[str, Any] | None = None) -> int:
    """Append an event at a chosen time, keeping the hash chain and its head in step."""
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    row = {
        "seq": head.seq + 1, "occurred_at": at.astimezone(UTC), "user_id": user, "session_id": "s1",
        "terminal_id": terminal, "client_address": "10.0.0.5", "action": action,
        "target_type": target_type, "target_ref": target_ref, "outcome": outcome,
        "details": json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
    }
    digest = event_hash(head.hash, row)
    conn.execute(insert(audit_events).values(**row, prev_hash=head.hash, hash=digest))
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=row["seq"], hash=digest))
    return int(row["seq"])


def view(conn: Connection, at: datetime, atena: str, **kw: Any) -> int:
    return add_event(conn, at, "taxpayer.view", target_type="taxpayer", target_ref=atena, **kw)
