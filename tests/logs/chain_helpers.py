"""Writing and tampering with the audit chain in tests (raw SQL, like an attacker would)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from core.ports import AuditEvent
from core.security.permissions import Actor
from logs.chain import event_hash
from logs.checkpoints import Checkpointer
from logs.verify import VerifyReport, verify_chain
from logs.writer import AuditWriter
from storage.crypto.signing import audit_signing_key
from storage.schema import audit_events, audit_head
from storage.store import Store

ORIGIN = "999999/test-host"
CONTENT = ("occurred_at", "user_id", "session_id", "terminal_id", "client_address", "action",
           "target_type", "target_ref", "outcome", "details")


def actor(n: int = 1) -> Actor:
    return Actor(user_id=f"user{n:02d}", session_id=f"sess-{n}", terminal_id="T01",
                 client_address="10.0.0.5 50000 22")


def append(store: Store, count: int, *, who: int = 1) -> list[int]:
    """``count`` events, each in its own transaction (like a working session)."""
    seqs = []
    for i in range(count):
        with store.engine.begin() as conn:
            seqs.append(AuditWriter(conn).record(actor(who), AuditEvent(
                action="taxpayer.open", target_type="taxpayer", target_ref=f"{i:010d}",
                details={"tab": "基本情報", "n": i})))
    return seqs


def checkpointer(store: Store, tmp_path: Path) -> Checkpointer:
    return Checkpointer(store.kek, ORIGIN, tmp_path / "logs" / "audit-checkpoints.jsonl")


def checkpoint(store: Store, cp: Checkpointer, reason: str = "manual") -> None:
    with store.engine.begin() as conn:
        cp.checkpoint(conn, reason)


def verify(store: Store, file: Path | None = None, **kw: Any) -> VerifyReport:
    with store.reading() as conn:
        return verify_chain(conn, public_key=audit_signing_key(store.kek).public_key(),
                            checkpoint_file=file, **kw)


def row(store: Store, seq: int) -> dict[str, Any]:
    with store.reading() as conn:
        return dict(conn.execute(select(audit_events).where(audit_events.c.seq == seq)).one()._mapping)


def set_fields(store: Store, seq: int, **values: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq == seq).values(**values))


def delete_rows(store: Store, *seqs: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq.in_(seqs)))


def swap(store: Store, a: int, b: int, *, columns: tuple[str, ...]) -> None:
    ra, rb = row(store, a), row(store, b)
    set_fields(store, a, **{c: rb[c] for c in columns})
    set_fields(store, b, **{c: ra[c] for c in columns})


def rehash_from(store: Store, seq: int) -> None:
    """Recompute every hash from ``seq`` on and the head: a full rewrite of the tail."""
    with store.engine.begin() as conn:
        prev = conn.execute(select(audit_events.c.hash).where(audit_events.c.seq == seq - 1)).scalar()
        rows = conn.execute(select(audit_events).where(audit_events.c.seq >= seq)
                            .order_by(audit_events.c.seq)).all()
        for r in rows:
            digest = event_hash(prev, r._mapping)
            conn.execute(update(audit_events).where(audit_events.c.seq == r.seq)
                         .values(prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(audit_head).values(seq=rows[-1].seq, hash=prev))


def forged(seq: int, prev: str, template: dict[str, Any]) -> dict[str, Any]:
    values = {c: template[c] for c in CONTENT}
    values.update(seq=seq, action="taxpayer.update", target_ref="9999999999", prev_hash=prev)
    values["hash"] = event_hash(prev, values)
    return values


def insert_forged_renumbering(store: Store, k: int) -> None:
    """Shift seq >= k up by one and insert a correctly hashed forgery at k."""
    template, before = row(store, k), row(store, k - 1)
    with store.engine.begin() as conn:
        conn.execute(update(audit_events).where(audit_events.c.seq >= k)
                     .values(seq=-(audit_events.c.seq + 1)))
        conn.execute(update(audit_events).where(audit_events.c.seq < 0)
                     .values(seq=-audit_events.c.seq))
        conn.execute(insert(audit_events).values(**forged(k, before["hash"], template)))
        conn.execute(update(audit_head).values(seq=audit_head.c.seq + 1))


def head(store: Store) -> tuple[int, str]:
    with store.reading() as conn:
        h = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    return int(h.seq), str(h.hash)


def append_forged_after_head(store: Store) -> int:
    seq, digest = head(store)
    with store.engine.begin() as conn:
        conn.execute(insert(audit_events).values(**forged(seq + 1, digest, row(store, seq))))
    return seq + 1


def truncate_tail(store: Store, first_deleted: int) -> None:
    """Delete events from ``first_deleted`` on and point the head at the new last event."""
    last = row(store, first_deleted - 1)
    with store.engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq >= first_deleted))
        conn.execute(update(audit_head).values(seq=last["seq"], hash=last["hash"]))
