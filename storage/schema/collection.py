"""Taxpayers, assessments, payments, allocations, suspense, overpayments, transfer accounts, keys, settings."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from storage.schema.base import Id, Ts, metadata

#: The active periods whose 本税 is not fully paid (a partial index; see storage.paid).
_UNPAID = "honzei_paid < assessed_amount AND status = 'active'"

__all__ = ["settings", "key_versions", "taxpayers", "taxpayer_history", "assessments", "assessment_amendments", "payments", "allocations", "suspense_items", "overpayments", "transfer_accounts"]


settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("updated_at", Ts, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

key_versions = Table(
    "key_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("purpose", String(20), nullable=False),  # field | index
    Column("version", Integer, nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("kek_id", String(32), nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("retired_at", Ts),
    UniqueConstraint("purpose", "version"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("purpose in ('field', 'index')", name="purpose_known"),
)

taxpayers = Table(
    "taxpayers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("atena_no", String(20), nullable=False, unique=True),
    Column("kind", String(12), nullable=False),
    Column("corporate_number", String(13)),  # 法人番号 is public (国税庁公表)
    Column("sex", String(1)),
    Column("household_no", String(20)),
    Column("relationship", String(20)),
    Column("resident_status", String(12), nullable=False),
    Column("deceased_date", Date),
    Column("flag_koji_sotatsu", Boolean, nullable=False, default=False),
    Column("flag_tokusoku_teishi", Boolean, nullable=False, default=False),
    Column("flag_saikoku_teishi", Boolean, nullable=False, default=False),
    Column("flag_hakko_yokushi", Boolean, nullable=False, default=False),
    Column("my_number_ct", LargeBinary),
    Column("name_ct", LargeBinary),
    Column("name_kana_ct", LargeBinary),
    Column("birth_date_ct", LargeBinary),
    Column("postal_code_ct", LargeBinary),
    Column("address_ct", LargeBinary),
    Column("phone_ct", LargeBinary),
    Column("household_head_name_ct", LargeBinary),
    Column("mailing_address_ct", LargeBinary),
    Column("bi_my_number", Integer),
    Column("bi_kana_name", Integer),
    Column("bi_kana_surname", Integer),
    Column("bi_kana_surname_birth", Integer),
    Column("bi_birth_date", Integer),
    Column("bi_phone", Integer),
    Column("enc_version", Integer, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", Ts, nullable=False),
    Column("updated_at", Ts, nullable=False),
    CheckConstraint("kind in ('individual', 'corporation')", name="kind_known"),
    CheckConstraint("resident_status in ('resident', 'non_resident')", name="resident_known"),
    Index("ix_taxpayers_bi_my_number", "bi_my_number"),
    Index("ix_taxpayers_bi_kana_name", "bi_kana_name"),
    Index("ix_taxpayers_bi_kana_surname", "bi_kana_surname"),
    Index("ix_taxpayers_bi_kana_surname_birth", "bi_kana_surname_birth"),
    Index("ix_taxpayers_bi_birth_date", "bi_birth_date"),
    Index("ix_taxpayers_bi_phone", "bi_phone"),
    Index("ix_taxpayers_enc_version", "enc_version"),
)

taxpayer_history = Table(
    "taxpayer_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("version", Integer, nullable=False),  # the taxpayer version it replaced
    Column("changed_at", Ts, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("snapshot_ct", LargeBinary, nullable=False),
    Column("enc_version", Integer, nullable=False),
    UniqueConstraint("taxpayer_id", "version"),
)

assessments = Table(
    "assessments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("notice_no", String(30), nullable=False),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("tax_code", String(2), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("period", Integer, nullable=False),
    Column("assessed_amount", BigInteger, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("statutory_due_date", Date, nullable=False),
    Column("dunning_fee", BigInteger, nullable=False, default=0),
    Column("status", String(12), nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("updated_at", Ts, nullable=False),
    # Σ 本税 allocations, kept by triggers on allocations (storage.paid; migration 0009).
    Column("honzei_paid", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("notice_no", "period"),
    CheckConstraint("assessed_amount >= 0", name="amount_nonneg"),
    CheckConstraint("dunning_fee >= 0", name="fee_nonneg"),
    CheckConstraint("period between 1 and 99", name="period_range"),
    CheckConstraint("statutory_due_date <= due_date", name="statutory_before_due"),
    Index("ix_assessments_taxpayer_id", "taxpayer_id"),
    Index("ix_assessments_due_date", "due_date"),
    Index("ix_assessments_unpaid", "due_date", sqlite_where=text(_UNPAID), postgresql_where=text(_UNPAID)),
)

assessment_amendments = Table(
    "assessment_amendments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("assessment_id", Id, ForeignKey("assessments.id"), nullable=False),
    Column("amended_on", Date, nullable=False),
    Column("old_amount", BigInteger, nullable=False),
    Column("new_amount", BigInteger, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("recorded_at", Ts, nullable=False),
    CheckConstraint("old_amount >= 0 and new_amount >= 0", name="amounts_nonneg"),
    Index("ix_assessment_amendments_assessment_id", "assessment_id"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_key", String(80), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),
    Column("reverses_id", Id, ForeignKey("payments.id"), unique=True),
    Column("channel", String(12), nullable=False),
    Column("notice_no", String(30)),
    Column("period", Integer),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id")),
    Column("amount", BigInteger, nullable=False),
    Column("allocated_amount", BigInteger, nullable=False, default=0),
    Column("received_on", Date, nullable=False),
    Column("accounted_on", Date, nullable=False),
    Column("batch_id", String(64)),
    Column("operator", String(64), nullable=False),
    Column("terminal", String(64)),
    Column("bank_code", String(4)),
    Column("branch_code", String(3)),
    Column("created_at", Ts, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint(
        "allocated_amount >= 0 and allocated_amount <= amount", name="allocated_within_amount"
    ),
    CheckConstraint("kind in ('receipt', 'reversal')", name="kind_known"),
    CheckConstraint(
        "(kind = 'reversal') = (reverses_id is not null)", name="reversal_links_original"
    ),
    Index("ix_payments_taxpayer_id", "taxpayer_id"),
    Index("ix_payments_notice", "notice_no", "period"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=False),
    Column("assessment_id", Id, ForeignKey("assessments.id"), nullable=False),
    Column("component", String(12), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("entry", String(10), nullable=False, default="allocate"),
    Column("policy_version", String(20), nullable=False),
    Column("allocated_on", Date, nullable=False),
    Column("created_at", Ts, nullable=False),
    # Reversals (取消) and releases (減額更正 → 過誤納) are negative entries, never deletes.
    CheckConstraint("entry in ('allocate', 'reversal', 'release')", name="entry_known"),
    CheckConstraint("(entry = 'allocate') = (amount > 0) and amount <> 0", name="amount_signed"),
    CheckConstraint(
        "component in ('honzei', 'entaikin', 'dunning_fee')", name="component_known"
    ),
    Index("ix_allocations_payment_id", "payment_id"),
    Index("ix_allocations_assessment_id", "assessment_id"),
)

suspense_items = Table(
    "suspense_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=False, unique=True),
    Column("reason", String(20), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # open | resolved
    Column("resolution", String(20)),
    Column("resolved_at", Ts),
    Column("resolved_by", String(64)),
    Column("assessment_id", Id, ForeignKey("assessments.id")),  # assigned to (resolution)
    Column("note", String(200)),
    Column("created_at", Ts, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("status in ('open', 'resolved')", name="status_known"),
)

overpayments = Table(
    "overpayments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("payment_id", Id, ForeignKey("payments.id")),
    Column("assessment_id", Id, ForeignKey("assessments.id")),
    Column("cause", String(12), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("arisen_on", Date, nullable=False),
    Column("state", String(12), nullable=False),  # open | settled | cancelled
    Column("request_on", Date),  # 更正の請求の日 (還付加算金, 17条の4①)
    Column("correction_on", Date),  # 更正の日
    Column("paid_on", Date),  # the 納付日 the 還付加算金 starts from
    Column("due_on", Date),  # the 納期限 of the period it came from
    Column("created_at", Ts, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("remaining >= 0 and remaining <= amount", name="remaining_within_amount"),
    Index("ix_overpayments_taxpayer_id", "taxpayer_id"),
)

transfer_accounts = Table(
    "transfer_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("bank_code", String(4), nullable=False),
    Column("branch_code", String(3), nullable=False),
    Column("account_type", String(1), nullable=False),
    Column("account_no_ct", LargeBinary, nullable=False),
    Column("holder_kana_ct", LargeBinary, nullable=False),
    Column("tax_codes", String(40), nullable=False),  # comma-separated 税目コード
    Column("start_on", Date, nullable=False),
    Column("end_on", Date),
    Column("status", String(10), nullable=False),  # active | ended
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    CheckConstraint("account_type in ('1', '2')", name="account_type_known"),
    CheckConstraint("status in ('active', 'ended')", name="status_known"),
    Index("ix_transfer_accounts_taxpayer_id", "taxpayer_id"),
)
