"""滞納整理 (SPEC §3, §4.8–§4.10): cases, 経過記録, 分納誓約, 財産調査, 差押・交付要求,
執行停止, 不納欠損 and saved worklist filters.

Free text (経過記録, tags, institutions, property, findings) lives only in
``*_ct`` columns. Maker–checker is a CHECK wherever a supervisor decides
(差押・交付要求, 執行停止, 不納欠損): the decider is never the proposer.
"""

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

__all__ = [
    "cases", "case_tags", "case_records", "plans", "plan_periods", "plan_instalments", "investigations",
    "dispositions", "disposition_periods", "suspensions", "suspension_periods", "writeoff_runs", "writeoffs",
    "saved_filters", "CASE_STATUSES", "RECORD_KINDS", "PROPERTY_KINDS",
]

CASE_STATUSES = ("open", "contact", "plan", "disposition", "suspended", "closed")
RECORD_KINDS = ("visit", "phone", "home_visit", "letter", "reminder", "investigation", "seizure", "demand",
                "plan", "suspension", "callcenter", "note")
PROPERTY_KINDS = ("deposit", "salary", "insurance", "real_estate", "vehicle", "receivable", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


cases = Table(
    "cases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("officer", String(64)),  # the assigned 滞納整理担当 (user id)
    Column("team", String(40)),
    Column("priority", Integer, nullable=False),  # 1 (highest) .. 5
    Column("next_action_on", Date),
    Column("opened_on", Date, nullable=False),
    Column("opened_reason", String(8), nullable=False),  # auto | manual
    Column("closed_on", Date),
    Column("version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint(_in("status", CASE_STATUSES), name="status_known"),
    CheckConstraint("priority between 1 and 5", name="priority_range"),
    CheckConstraint("opened_reason in ('auto', 'manual')", name="reason_known"),
    CheckConstraint("(status = 'closed') = (closed_on is not null)", name="closed_dated"),
    Index("ix_cases_officer_next_action_on", "officer", "next_action_on"),
    Index("uq_cases_open_taxpayer", "taxpayer_id", unique=True,
          sqlite_where=text("status <> 'closed'"), postgresql_where=text("status <> 'closed'")),
)

#: THINKTAX-style 付箋: a colour, a short text and an end date.
case_tags = Table(
    "case_tags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("colour", String(8), nullable=False),
    Column("text_ct", LargeBinary, nullable=False),
    Column("end_on", Date),
    Column("removed_at", Ts),
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint("colour in ('red', 'orange', 'yellow', 'green', 'blue', 'purple', 'gray')",
                    name="colour_known"),
    Index("ix_case_tags_case_id", "case_id"),
)

#: 経過記録（折衝記録）: newest first; a call-centre line is imported once (source_key).
case_records = Table(
    "case_records",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(14), nullable=False),
    Column("occurred_at", Ts, nullable=False),
    Column("counterpart", String(12)),
    Column("content_ct", LargeBinary),
    Column("next_action_on", Date),
    Column("source", String(10), nullable=False),  # manual | system | callcenter
    Column("source_key", String(80), unique=True),
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint(_in("kind", RECORD_KINDS), name="kind_known"),
    CheckConstraint("source in ('manual', 'system', 'callcenter')", name="source_known"),
    Index("ix_case_records_case_id_occurred_at", "case_id", "occurred_at"),
)

#: 分納誓約: the pledge (承認 for prescription), the periods it covers and its schedule.
plans = Table(
    "plans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("pledged_on", Date, nullable=False),
    Column("status", String(10), nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("grace_days", Integer, nullable=False),  # the setting when pledged
    Column("ended_on", Date),
    Column("version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint("status in ('active', 'defaulted', 'completed', 'cancelled')", name="status_known"),
    CheckConstraint("total > 0 and grace_days >= 0", name="amounts_valid"),
    Index("ix_plans_case_id", "case_id"),
    Index("ix_plans_status", "status"),
)

plan_periods = Table(
    "plan_periods",
    metadata,
    Column("plan_id", Id, ForeignKey("plans.id"), primary_key=True),
    Column("assessment_id", Id, ForeignKey("assessments.id"), primary_key=True),
    Index("ix_plan_periods_assessment_id", "assessment_id"),
)

plan_instalments = Table(
    "plan_instalments",
    metadata,
    Column("plan_id", Id, ForeignKey("plans.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("due_on", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    CheckConstraint("amount > 0 and seq > 0", name="values_valid"),
)

#: 財産調査: a request to an institution and its answer.
investigations = Table(
    "investigations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("target", String(12), nullable=False),
    Column("institution_ct", LargeBinary, nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("answered_on", Date),
    Column("result", String(8), nullable=False),  # pending | found | none
    Column("result_ct", LargeBinary),
    Column("value", BigInteger),  # 見積額 of what was found
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint(_in("target", PROPERTY_KINDS), name="target_known"),
    CheckConstraint("result in ('pending', 'found', 'none')", name="result_known"),
    CheckConstraint("(result = 'pending') = (answered_on is null)", name="answer_dated"),
    CheckConstraint("value is null or value >= 0", name="value_valid"),
    Index("ix_investigations_case_id", "case_id"),
)

_DISPOSITION_STATES = ("proposed", "in_force", "collected", "realised", "released", "rejected")

#: 差押 / 参加差押 / 交付要求: proposed by the officer, in force once a supervisor approves.
dispositions = Table(
    "dispositions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("kind", String(14), nullable=False),  # seizure | participation | demand
    Column("property_kind", String(12), nullable=False),
    Column("property_ct", LargeBinary, nullable=False),
    Column("start_on", Date, nullable=False),  # 差押日 / 交付要求日
    Column("amount", BigInteger),  # 見積価額 / 要求額
    Column("status", String(10), nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("approved_by", String(64)),
    Column("decided_at", Ts),
    Column("ended_on", Date),  # 取立・換価・解除の日
    Column("proceeds", BigInteger),
    Column("payment_id", Id, ForeignKey("payments.id"), unique=True),
    Column("version", Integer, nullable=False),
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    CheckConstraint("kind in ('seizure', 'participation', 'demand')", name="kind_known"),
    CheckConstraint(_in("property_kind", PROPERTY_KINDS), name="property_known"),
    CheckConstraint(_in("status", _DISPOSITION_STATES), name="status_known"),
    CheckConstraint("approved_by is null or approved_by <> proposed_by", name="maker_checker"),
    CheckConstraint("status in ('proposed', 'rejected') or approved_by is not null", name="approved_in_force"),
    CheckConstraint("amount is null or amount >= 0", name="amount_valid"),
    CheckConstraint("proceeds is null or proceeds >= 0", name="proceeds_valid"),
    CheckConstraint("ended_on is null or ended_on >= start_on", name="ended_after_start"),
    Index("ix_dispositions_case_id", "case_id"),
    Index("ix_dispositions_status", "status"),
)

disposition_periods = Table(
    "disposition_periods",
    metadata,
    Column("disposition_id", Id, ForeignKey("dispositions.id"), primary_key=True),
    Column("assessment_id", Id, ForeignKey("assessments.id"), primary_key=True),
    Index("ix_disposition_periods_assessment_id", "assessment_id"),
)

#: 執行停止 (15条の7): proposed, decided by a supervisor, then in force until it is
#: cancelled (15条の8) or extinguishes the obligation (④ after 3 years, ⑤ at once).
suspensions = Table(
    "suspensions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("ground", Integer, nullable=False),  # 15条の7①1/2/3
    Column("immediate", Boolean, nullable=False),  # 15条の7⑤
    Column("reason_ct", LargeBinary, nullable=False),
    Column("status", String(12), nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_on", Date),  # the 執行停止の日
    Column("cancelled_on", Date),
    Column("extinguished_on", Date),
    Column("version", Integer, nullable=False),
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    CheckConstraint("ground in (1, 2, 3)", name="ground_known"),
    CheckConstraint("not immediate or ground = 1", name="immediate_ground_1"),
    CheckConstraint("status in ('proposed', 'in_force', 'cancelled', 'extinguished', 'rejected')",
                    name="status_known"),
    CheckConstraint("decided_by is null or decided_by <> proposed_by", name="maker_checker"),
    CheckConstraint("status in ('proposed', 'rejected') or (decided_by is not null and decided_on is not null)",
                    name="decided_in_force"),
    CheckConstraint("cancelled_on is null or cancelled_on >= decided_on", name="cancel_after_decision"),
    Index("ix_suspensions_case_id", "case_id"),
)

suspension_periods = Table(
    "suspension_periods",
    metadata,
    Column("suspension_id", Id, ForeignKey("suspensions.id"), primary_key=True),
    Column("assessment_id", Id, ForeignKey("assessments.id"), primary_key=True),
    Index("ix_suspension_periods_assessment_id", "assessment_id"),
)

#: 不納欠損: a run per fiscal year, approved by a supervisor other than the proposer.
writeoff_runs = Table(
    "writeoff_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("fiscal_year", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    Column("items", Integer, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("approved_by", String(64)),
    Column("created_at", Ts, nullable=False),
    Column("decided_at", Ts),
    CheckConstraint("status in ('proposed', 'approved', 'rejected')", name="status_known"),
    CheckConstraint("approved_by is null or approved_by <> proposed_by", name="maker_checker"),
    CheckConstraint("status <> 'approved' or approved_by is not null", name="approved_by_set"),
)

#: One row per period × component written off; a component is written off once.
writeoffs = Table(
    "writeoffs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("writeoff_runs.id"), nullable=False),
    Column("assessment_id", Id, ForeignKey("assessments.id"), nullable=False),
    Column("component", String(12), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("reason", String(14), nullable=False),  # prescription | suspension_3y | immediate
    Column("extinguished_on", Date, nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("state", String(10), nullable=False),  # the run's status, kept for the unique index
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("reason in ('prescription', 'suspension_3y', 'immediate')", name="reason_known"),
    CheckConstraint("state in ('proposed', 'approved', 'rejected')", name="state_known"),
    Index("ix_writeoffs_run_id", "run_id"),
    Index("uq_writeoffs_live_component", "assessment_id", "component", unique=True,
          sqlite_where=text("state <> 'rejected'"), postgresql_where=text("state <> 'rejected'")),
)

#: Saved worklist / 催告 filters: criteria only (amounts, ages, codes), never personal values.
saved_filters = Table(
    "saved_filters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("shared", Boolean, nullable=False),
    Column("criteria", Text, nullable=False),  # JSON
    Column("created_at", Ts, nullable=False),
    UniqueConstraint("owner", "name"),
)
