"""納税証明書の発行記録 (SPEC §4.11): every certificate issued at the counter, with its
applicant and the identity check. The applicant's name and the stated purpose are
personal data and live only in ``*_ct`` columns."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, LargeBinary, String, Table

from storage.schema.base import Id, Ts, metadata

__all__ = ["certificates", "CERTIFICATE_KINDS", "APPLICANT_KINDS", "ID_DOCUMENTS"]

CERTIFICATE_KINDS = ("nozei", "kanno", "mitai")
APPLICANT_KINDS = ("self", "agent")
ID_DOCUMENTS = ("mynumber_card", "driver_license", "passport", "residence_card", "insurance_card", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


certificates = Table(
    "certificates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("taxpayer_id", Id, ForeignKey("taxpayers.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("fiscal_years", String(60), nullable=False),  # "2024,2025" ('' for 滞納なし)
    Column("applicant_kind", String(8), nullable=False),  # 本人 | 代理人
    Column("applicant_name_ct", LargeBinary, nullable=False),
    Column("purpose_ct", LargeBinary, nullable=False),
    Column("id_document", String(16), nullable=False),  # 本人確認書類の種類
    Column("checked_by", String(64), nullable=False),  # 確認した職員 (the issuing user)
    Column("terminal", String(64)),
    Column("file_name", String(200)),
    Column("sha256", String(64)),
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    CheckConstraint(_in("kind", CERTIFICATE_KINDS), name="kind_known"),
    CheckConstraint(_in("applicant_kind", APPLICANT_KINDS), name="applicant_kind_known"),
    CheckConstraint(_in("id_document", ID_DOCUMENTS), name="id_document_known"),
    Index("ix_certificates_taxpayer_id", "taxpayer_id"),
)
