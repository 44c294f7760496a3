"""Table definitions (SQLAlchemy Core). Migrations in ``storage/migrations`` create them.

Personal values live only in ``*_ct`` columns (AES-256-GCM, see
:mod:`storage.crypto.fields`) and ``bi_*`` blind-index columns. Amounts, dates
and codes are plain so balances and batches run in SQL. Amounts are checked
non-negative by the database itself.
"""

from __future__ import annotations

from storage.schema.audit import audit_archives, audit_checkpoints, audit_events, audit_head
from storage.schema.base import Id, Ts, UtcDateTime, metadata
from storage.schema.collection import (
    allocations,
    assessment_amendments,
    assessments,
    key_versions,
    overpayments,
    payments,
    settings,
    suspense_items,
    taxpayer_history,
    taxpayers,
    transfer_accounts,
)
from storage.schema.refunds import appropriations, refunds
from storage.schema.delinquency import (
    case_records,
    case_tags,
    cases,
    disposition_periods,
    dispositions,
    investigations,
    plan_instalments,
    plan_periods,
    plans,
    saved_filters,
    suspension_periods,
    suspensions,
    writeoff_runs,
    writeoffs,
)
from storage.schema.documents import certificates
from storage.schema.retention import retention_items, retention_runs
from storage.schema.ledger import deferrals, dunnings, import_batches, transfer_items, transfer_runs
from storage.schema.identity import (
    password_history,
    role_permissions,
    roles,
    sessions,
    terminals,
    user_roles,
    users,
)

__all__ = [
    "metadata",
    "Id",
    "Ts",
    "UtcDateTime",
    "settings",
    "key_versions",
    "taxpayers",
    "taxpayer_history",
    "assessments",
    "assessment_amendments",
    "payments",
    "allocations",
    "suspense_items",
    "overpayments",
    "transfer_accounts",
    "dunnings",
    "deferrals",
    "import_batches",
    "transfer_runs",
    "transfer_items",
    "appropriations",
    "refunds",
    "cases",
    "case_tags",
    "case_records",
    "plans",
    "plan_periods",
    "plan_instalments",
    "investigations",
    "dispositions",
    "disposition_periods",
    "suspensions",
    "suspension_periods",
    "writeoff_runs",
    "writeoffs",
    "saved_filters",
    "certificates",
    "retention_runs",
    "retention_items",
    "audit_events",
    "audit_head",
    "audit_checkpoints",
    "audit_archives",
    "users",
    "roles",
    "role_permissions",
    "user_roles",
    "terminals",
    "sessions",
    "password_history",
    "ENCRYPTED_COLUMNS",
    "BLIND_INDEX_COLUMNS",
]


#: (table, column) pairs holding ciphertext; the raw-bytes test and reencrypt use it.
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "taxpayers": (
        "my_number_ct",
        "name_ct",
        "name_kana_ct",
        "birth_date_ct",
        "postal_code_ct",
        "address_ct",
        "phone_ct",
        "household_head_name_ct",
        "mailing_address_ct",
    ),
    "taxpayer_history": ("snapshot_ct",),
    "transfer_accounts": ("account_no_ct", "holder_kana_ct"),
    "refunds": ("account_no_ct", "holder_kana_ct", "payee_ct", "cancel_reason_ct"),
    "case_tags": ("text_ct",),
    "case_records": ("content_ct",),
    "investigations": ("institution_ct", "result_ct"),
    "dispositions": ("property_ct",),
    "suspensions": ("reason_ct",),
    "users": ("otp_secret_ct",),
    "certificates": ("applicant_name_ct", "purpose_ct"),
}

BLIND_INDEX_COLUMNS: tuple[str, ...] = (
    "bi_my_number",
    "bi_kana_name",
    "bi_kana_surname",
    "bi_kana_surname_birth",
    "bi_birth_date",
    "bi_phone",
)
