"""Key rotation and the resumable re-encryption batch (SPEC §5.1).

``rotate`` adds a field-key version that every new write uses. ``reencrypt``
rewrites old rows in batches; each batch is one transaction and each row moves
to the new version whole, so a killed run leaves every row readable and the
next run carries on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, select, update

from core.ports import AuditEvent
from core.security.permissions import Actor
from storage.crypto.context import Crypto
from storage.crypto.keyring import load_keyring, rotate_field_key
from storage.schema import (
    ENCRYPTED_COLUMNS,
    case_records,
    case_tags,
    certificates,
    dispositions,
    investigations,
    refunds,
    suspensions,
    taxpayer_history,
    taxpayers,
    transfer_accounts,
    users,
)
from storage.store import Store, keyring_reloader

__all__ = ["rotate", "reencrypt", "pending_rows", "ReencryptReport", "RECORD_IDS", "StoreKeys"]

TABLES: dict[str, Table] = {
    "taxpayers": taxpayers,
    "taxpayer_history": taxpayer_history,
    "transfer_accounts": transfer_accounts,
    "refunds": refunds,
    "case_tags": case_tags,
    "case_records": case_records,
    "investigations": investigations,
    "dispositions": dispositions,
    "suspensions": suspensions,
    "users": users,
    "certificates": certificates,
}

#: How each table's ciphertexts name their record in the associated data.
RECORD_IDS: dict[str, Callable[[Any], object]] = {
    "taxpayers": lambda row: row.id,
    "taxpayer_history": lambda row: f"{row.taxpayer_id}:{row.version}",
    "transfer_accounts": lambda row: row.id,
    "refunds": lambda row: row.id,
    "case_tags": lambda row: row.id,
    "case_records": lambda row: row.id,
    "investigations": lambda row: row.id,
    "dispositions": lambda row: row.id,
    "suspensions": lambda row: row.id,
    "users": lambda row: row.id,
    "certificates": lambda row: row.id,
}


@dataclass
class ReencryptReport:
    target_version: int
    rows: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    remaining: int = 0


def rotate(store: Store, actor: Actor) -> int:
    """Create a new field-key version, audited; the store switches to it."""
    with store.transaction() as (conn, audit):
        version = rotate_field_key(conn, store.kek)
        audit.record(actor, AuditEvent(action="keys.rotate", target_type="key", target_ref=f"field:{version}"))
        ring = load_keyring(conn, store.kek)
    store.crypto = Crypto.from_ring(ring, keyring_reloader(store.engine, store.kek))
    return version


def pending_rows(store: Store) -> dict[str, int]:
    version = store.crypto.cipher.version
    with store.reading() as conn:
        return {
            name: int(conn.execute(
                select(func.count()).select_from(t).where(t.c.enc_version < version)
            ).scalar_one())
            for name, t in TABLES.items()
        }


def reencrypt(
    store: Store,
    actor: Actor,
    *,
    batch_size: int = 500,
    on_batch: Callable[[ReencryptReport], None] | None = None,
) -> ReencryptReport:
    """Re-encrypt every row older than the current field key, one batch per transaction."""
    cipher = store.crypto.cipher
    report = ReencryptReport(target_version=cipher.version)
    pending = pending_rows(store)
    with store.transaction() as (_, audit):
        audit.record(actor, AuditEvent(action="keys.reencrypt.start", target_type="key",
                                       target_ref=f"field:{cipher.version}", details={"pending": pending}))
    for name, table in TABLES.items():
        columns = ENCRYPTED_COLUMNS[name]
        record_id = RECORD_IDS[name]
        report.rows.setdefault(name, 0)
        while True:
            with store.engine.begin() as conn:
                rows = conn.execute(
                    select(table).where(table.c.enc_version < cipher.version)
                    .order_by(table.c.id).limit(batch_size)
                    # FOR NO KEY UPDATE on PostgreSQL: the keys do not change, so clerks inserting
                    # rows that reference these (foreign keys take KEY SHARE) are never blocked
                    .with_for_update(key_share=True)
                ).all()
                if not rows:
                    break
                for row in rows:
                    rid = record_id(row)
                    values: dict[str, Any] = {"enc_version": cipher.version}
                    for column in columns:
                        plain = cipher.decrypt_opt(getattr(row, column), table=name, column=column, record_id=rid)
                        values[column] = cipher.encrypt_opt(plain, table=name, column=column, record_id=rid)
                    conn.execute(update(table).where(table.c.id == row.id).values(**values))
                report.rows[name] += len(rows)
                report.batches += 1
                if on_batch is not None:
                    on_batch(report)  # may raise to simulate an interruption: the batch rolls back
    report.remaining = sum(pending_rows(store).values())
    with store.transaction() as (_, audit):
        audit.record(actor, AuditEvent(action="keys.reencrypt.done", target_type="key",
                                       target_ref=f"field:{cipher.version}",
                                       details={"rows": report.rows, "remaining": report.remaining}))
    return report


class StoreKeys:
    """Implements :class:`core.services.keys.KeyAdministration` on a store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def rotate(self, actor: Actor) -> int:
        return rotate(self._store, actor)

    def reencrypt(self, actor: Actor, *, batch_size: int,
                  on_batch: Callable[[ReencryptReport], None] | None) -> ReencryptReport:
        return reencrypt(self._store, actor, batch_size=batch_size, on_batch=on_batch)
