"""督促, 猶予, import batches and 口座振替 runs (SPEC §3, §4.2, §7)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from storage.schema.base import Id, Ts, metadata

__all__ = ["dunnings", "deferrals", "import_batches", "transfer_runs", "transfer_items"]

#: One 督促 per period (329条①: the 督促状 is issued once; later letters are 催告).
dunnings = Table(
    "dunnings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("assessment_id", Id, ForeignKey("assessments.id"), nullable=False, unique=True),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("designated_on", Date, nullable=False),  # 指定期限
    Column("fee", BigInteger, nullable=False),
    Column("honzei_due", BigInteger, nullable=False),  # 本税 unpaid when issued
    Column("delivery", String(14), nullable=False),  # pending | delivered | returned | public_notice
    Column("delivery_on", Date),
    Column("batch_on", Date, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint("fee >= 0 and honzei_due > 0", name="amounts_valid"),
    CheckConstraint("designated_on > issued_on", name="designated_after_issue"),
    CheckConstraint(
        "delivery in ('pending', 'delivered', 'returned', 'public_notice')", name="delivery_known"
    ),
    Index("ix_dunnings_taxpayer_id", "taxpayer_id"),
    Index("ix_dunnings_batch_on", "batch_on"),
)

#: 徴収猶予 (15条) / 換価の猶予 (15条の5, 15条の6): time does not run, no 督促.
deferrals = Table(
    "deferrals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("assessment_id", Id, ForeignKey("assessments.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # choshu | kanka
    Column("start_on", Date, nullable=False),
    Column("end_on", Date, nullable=False),
    Column("status", String(10), nullable=False),  # active | cancelled
    Column("decided_by", String(64), nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("case_id", Id, ForeignKey("cases.id")),
    # 15条の9: the 延滞金 for the term is exempted in full, by half, or not at all
    Column("reduction", String(4), nullable=False, server_default="none"),
    CheckConstraint("kind in ('choshu', 'kanka')", name="kind_known"),
    CheckConstraint("reduction in ('none', 'half', 'full')", name="reduction_known"),
    CheckConstraint("status in ('active', 'cancelled')", name="status_known"),
    CheckConstraint("end_on >= start_on", name="term_ordered"),
    Index("ix_deferrals_assessment_id", "assessment_id"),
)

#: Every imported file once per kind (its SHA-256), with the summary it produced.
import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("records", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON, counts and totals only
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("kind", "sha256"),
)

transfer_runs = Table(
    "transfer_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("debit_on", Date, nullable=False, unique=True),  # 引落日 (= the 納期限)
    Column("records", Integer, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("request_sha256", String(64), nullable=False),
    Column("status", String(10), nullable=False),  # requested | resulted
    Column("result_sha256", String(64)),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("resulted_at", Ts),
    CheckConstraint("status in ('requested', 'resulted')", name="status_known"),
)

transfer_items = Table(
    "transfer_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("transfer_runs.id"), nullable=False),
    Column("assessment_id", Id, ForeignKey("assessments.id"), nullable=False),
    Column("account_id", Id, ForeignKey("transfer_accounts.id"), nullable=False),
    Column("customer_no", String(20), nullable=False, unique=True),
    Column("amount", BigInteger, nullable=False),
    Column("result_code", String(1)),
    Column("payment_id", Id, ForeignKey("payments.id")),
    CheckConstraint("amount > 0", name="amount_positive"),
    UniqueConstraint("run_id", "assessment_id"),
    Index("ix_transfer_items_assessment_id", "assessment_id"),
)
