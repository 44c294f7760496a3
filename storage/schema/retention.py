"""データの保存期間と消去 (seeds: 収納データは保管期間の経過後にシステムで消去し、
廃棄は記録して承認を受ける). A run lists what is due on a date; a supervisor other
than the proposer approves it and the rows are deleted in one transaction.

Neither table holds personal data: counts, internal record ids and user ids only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, String, Table, Text

from storage.schema.base import Id, Ts, metadata

__all__ = ["retention_runs", "retention_items", "RETENTION_KINDS"]

#: What a run deletes: a whole taxpayer file, one 納税証明書 issuance record, one 宛名 snapshot.
RETENTION_KINDS = ("taxpayer", "certificate", "taxpayer_history")

retention_runs = Table(
    "retention_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False),  # the 基準日 the retention periods were counted to
    Column("status", String(10), nullable=False),
    Column("counts", Text, nullable=False),  # JSON: {"proposed": {kind: n}, "purged": …, "skipped": …}
    Column("proposed_by", String(64), nullable=False),
    Column("proposed_at", Ts, nullable=False),
    Column("approved_by", String(64)),
    Column("decided_at", Ts),
    CheckConstraint("status in ('proposed', 'purged', 'cancelled')", name="status_known"),
    CheckConstraint("approved_by is null or approved_by <> proposed_by", name="maker_checker"),
    CheckConstraint("status <> 'purged' or approved_by is not null", name="purged_approved"),
    CheckConstraint("status = 'proposed' or decided_at is not null", name="decided_dated"),
)

retention_items = Table(
    "retention_items",
    metadata,
    Column("run_id", Id, ForeignKey("retention_runs.id"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("record_id", BigInteger, primary_key=True),  # no FK: the record is deleted by the run
    CheckConstraint("kind in ('taxpayer', 'certificate', 'taxpayer_history')", name="kind_known"),
)
