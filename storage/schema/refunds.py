"""充当 and 還付 (SPEC §3, §4.5–§4.7). A refund's state machine is guarded in the
database: each state's required columns, the approver never the drafter, and at
most one live refund per overpayment (a partial unique index)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    text,
)

from storage.schema.base import Id, Ts, metadata

__all__ = ["appropriations", "refunds"]

appropriations = Table(
    "appropriations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("overpayment_id", Id, ForeignKey("overpayments.id"), nullable=False),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=False, unique=True),  # the 充当 entry
    Column("assessment_id", Id, ForeignKey("assessments.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("kasankin", BigInteger, nullable=False),  # 還付加算金 to the 充当適状日, appropriated with it
    Column("appropriated_on", Date, nullable=False),  # 充当適状日
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint("amount > 0 and kasankin >= 0", name="amounts_valid"),
    Index("ix_appropriations_overpayment_id", "overpayment_id"),
    Index("ix_appropriations_assessment_id", "assessment_id"),
)

_STATES = "('drafted', 'approved', 'paid', 'notified', 'cancelled')"

refunds = Table(
    "refunds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("overpayment_id", Id, ForeignKey("overpayments.id"), nullable=False),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("kasankin", BigInteger, nullable=False),
    Column("state", String(10), nullable=False),
    Column("method", String(10), nullable=False),  # registered | submitted | koukin | cash
    Column("bank_code", String(4)),
    Column("branch_code", String(3)),
    Column("account_type", String(1)),
    Column("account_no_ct", LargeBinary),
    Column("holder_kana_ct", LargeBinary),
    Column("payee_ct", LargeBinary),  # another 還付先 (代理人・相続人), encrypted
    Column("pay_on", Date, nullable=False),  # 支払予定日
    Column("decided_on", Date),  # 支出決定日 (決裁)
    Column("paid_on", Date),
    Column("notified_on", Date),
    Column("transfer_run", String(64)),  # SHA-256 of the 総合振込 file that paid it (its run)
    Column("drafted_by", String(64), nullable=False),
    Column("drafted_at", Ts, nullable=False),
    Column("approved_by", String(64)),
    Column("approved_at", Ts),
    Column("cancel_reason_ct", LargeBinary),  # free text: encrypted like every note
    Column("version", Integer, nullable=False),
    Column("enc_version", Integer, nullable=False),
    CheckConstraint(f"state in {_STATES}", name="state_known"),
    CheckConstraint("method in ('registered', 'submitted', 'koukin', 'cash')", name="method_known"),
    # amount 0: only the 還付加算金 of appropriations is left to pay
    CheckConstraint("amount >= 0 and kasankin >= 0 and amount + kasankin > 0", name="amounts_valid"),
    CheckConstraint("approved_by is null or approved_by <> drafted_by", name="maker_checker"),
    CheckConstraint(
        "(state in ('drafted', 'cancelled')) or (approved_by is not null and decided_on is not null)",
        name="approved_states_have_approver"),
    CheckConstraint("(state in ('paid', 'notified')) = (paid_on is not null)", name="paid_has_date"),
    CheckConstraint("(state = 'notified') = (notified_on is not null)", name="notified_has_date"),
    CheckConstraint(
        "method = 'cash' or (bank_code is not null and branch_code is not null and account_type is not null"
        " and account_no_ct is not null and holder_kana_ct is not null)", name="transfer_has_account"),
    Index("ix_refunds_taxpayer_id", "taxpayer_id"),
    Index("ix_refunds_state_pay_on", "state", "pay_on"),
    Index("ix_refunds_transfer_run", "transfer_run"),
    Index("uq_refunds_live_overpayment", "overpayment_id", unique=True,
          sqlite_where=text("state <> 'cancelled'"), postgresql_where=text("state <> 'cancelled'")),
)
