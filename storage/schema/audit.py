"""The audit chain: events, head, signed checkpoints and archived segments."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from storage.schema.base import Id, Ts, metadata

__all__ = ["audit_events", "audit_head", "audit_checkpoints", "audit_archives"]


audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=False),
    Column("occurred_at", Ts, nullable=False),
    Column("user_id", String(64)),
    Column("session_id", String(64)),
    Column("terminal_id", String(64)),
    Column("client_address", String(64)),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32)),
    Column("target_ref", String(64)),
    Column("outcome", String(10), nullable=False),
    Column("details", Text, nullable=False),  # canonical JSON, no personal values
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("outcome in ('ok', 'denied', 'error')", name="outcome_known"),
    Index("ix_audit_events_occurred_at", "occurred_at"),
    Index("ix_audit_events_user_id", "user_id"),
)

#: One row: the chain head. Writers lock it, so the chain stays linear.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

#: Signed checkpoints (Ed25519 over origin, seq and head hash), also appended to
#: ``logs/audit-checkpoints.jsonl`` so that a truncated table is detectable.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("origin", String(100), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("reason", String(20), nullable=False),  # interval | logout | shutdown | manual | archive
    Column("signature", String(128), nullable=False),  # hex
    Index("ix_audit_checkpoints_seq", "seq"),
)

#: Archived (purged) segments of the chain: verification resumes after them.
audit_archives = Table(
    "audit_archives",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("first_seq", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("before", Ts, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
)
