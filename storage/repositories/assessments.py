"""調定 repository. Amendments (更正) are kept as history rows, never overwritten."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from core.domain.assessment import Amendment, Assessment, AssessmentStatus, TaxCode
from core.errors import ConflictError, NotFound
from storage.schema import assessment_amendments, assessments

__all__ = ["ASSESSMENT_COLUMNS", "SqlAssessmentRepository", "row_to_assessment"]


_TAX_CODES = {c.value: c for c in TaxCode}
_STATUSES = {s.value: s for s in AssessmentStatus}

#: What :func:`row_to_assessment` reads: batch reads select only these (no timestamps to convert).
ASSESSMENT_COLUMNS = tuple(assessments.c[name] for name in (
    "id", "notice_no", "taxpayer_id", "tax_code", "fiscal_year", "period", "assessed_amount", "due_date",
    "statutory_due_date", "dunning_fee", "status"))


def row_to_assessment(row: Any) -> Assessment:
    return Assessment(
        id=int(row.id),
        notice_no=row.notice_no,
        taxpayer_id=int(row.taxpayer_id),
        tax_code=_TAX_CODES.get(row.tax_code) or TaxCode(row.tax_code),
        fiscal_year=row.fiscal_year,
        period=row.period,
        assessed_amount=int(row.assessed_amount),
        due_date=row.due_date,
        statutory_due_date=row.statutory_due_date,
        dunning_fee=int(row.dunning_fee),
        status=_STATUSES.get(row.status) or AssessmentStatus(row.status),
    )


class SqlAssessmentRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, assessment: Assessment) -> int:
        a = assessment.validated()
        now = datetime.now(UTC)
        return int(
            self._conn.execute(
                insert(assessments)
                .values(
                    notice_no=a.notice_no, taxpayer_id=a.taxpayer_id, tax_code=a.tax_code.value,
                    fiscal_year=a.fiscal_year, period=a.period, assessed_amount=a.assessed_amount,
                    due_date=a.due_date, statutory_due_date=a.statutory_due_date,
                    dunning_fee=a.dunning_fee, status=a.status.value, created_at=now, updated_at=now,
                )
                .returning(assessments.c.id)
            ).scalar_one()
        )

    def get(self, assessment_id: int) -> Assessment | None:
        row = self._conn.execute(
            select(assessments).where(assessments.c.id == assessment_id)
        ).one_or_none()
        return row_to_assessment(row) if row is not None else None

    def by_notice(self, notice_no: str, period: int) -> Assessment | None:
        row = self._conn.execute(
            select(assessments).where(
                assessments.c.notice_no == notice_no, assessments.c.period == period
            )
        ).one_or_none()
        return row_to_assessment(row) if row is not None else None

    def for_taxpayer(self, taxpayer_id: int) -> list[Assessment]:
        rows = self._conn.execute(
            select(assessments)
            .where(assessments.c.taxpayer_id == taxpayer_id)
            .order_by(assessments.c.statutory_due_date, assessments.c.tax_code, assessments.c.period)
        ).all()
        return [row_to_assessment(r) for r in rows]

    def amend(self, amendment: Amendment) -> None:
        row = self._conn.execute(
            select(assessments).where(assessments.c.id == amendment.assessment_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound(f"調定が見つかりません（id={amendment.assessment_id}）")
        if int(row.assessed_amount) != amendment.old_amount:
            raise ConflictError("更正前の調定額が現在の調定額と一致しません（他の更新と競合しました）")
        if amendment.new_amount < 0:
            raise ConflictError("更正後の調定額が負です")
        now = datetime.now(UTC)
        self._conn.execute(
            insert(assessment_amendments).values(
                assessment_id=amendment.assessment_id, amended_on=amendment.amended_on,
                old_amount=amendment.old_amount, new_amount=amendment.new_amount,
                reason=amendment.reason, recorded_at=now,
            )
        )
        self._conn.execute(
            update(assessments)
            .where(assessments.c.id == amendment.assessment_id)
            .values(assessed_amount=amendment.new_amount, updated_at=now)
        )

    def amendments(self, assessment_id: int) -> list[Amendment]:
        rows = self._conn.execute(
            select(assessment_amendments)
            .where(assessment_amendments.c.assessment_id == assessment_id)
            .order_by(assessment_amendments.c.id)
        ).all()
        return [
            Amendment(assessment_id=int(r.assessment_id), amended_on=r.amended_on,
                      old_amount=int(r.old_amount), new_amount=int(r.new_amount), reason=r.reason)
            for r in rows
        ]
