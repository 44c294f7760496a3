"""What the printed documents read beyond the other repositories: a 督促 batch, the cases
reminded on a day, a counter payment's operator, and the 納税証明書 issue records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from core.documents.model import CertificateIssue, certificate_no
from core.domain.taxpayer import Taxpayer
from storage.crypto.context import Crypto
from storage.repositories.taxpayer_rows import row_to_taxpayer
from storage.schema import assessments, case_records, cases, certificates, dunnings, payments, taxpayers

__all__ = ["SqlDocumentRepository"]

_T = "certificates"
_CHUNK = 500


class SqlDocumentRepository:
    def __init__(self, conn: Connection, crypto: Crypto, operator: str = "system") -> None:
        self._conn = conn
        self._crypto = crypto
        self._operator = operator

    def taxpayers(self, taxpayer_ids: Sequence[int]) -> dict[int, Taxpayer]:
        """The taxpayers (decrypted) of *taxpayer_ids*, in chunks."""
        out: dict[int, Taxpayer] = {}
        ids = list(taxpayer_ids)
        for i in range(0, len(ids), _CHUNK):
            for row in self._conn.execute(select(taxpayers).where(taxpayers.c.id.in_(ids[i:i + _CHUNK]))):
                out[int(row.id)] = row_to_taxpayer(row, self._crypto)
        return out

    # -- 督促状 -----------------------------------------------------------------
    def dunning_taxpayers(self, batch_on: date) -> tuple[list[int], int]:
        """Taxpayers with a 督促 of the batch *batch_on*, in 宛名番号 order, and how many of
        them carry 発行抑止 (left out: nothing is printed for them)."""
        query = (select(taxpayers.c.id, taxpayers.c.flag_hakko_yokushi)
                 .where(taxpayers.c.id.in_(select(dunnings.c.taxpayer_id).where(dunnings.c.batch_on == batch_on)))
                 .order_by(taxpayers.c.atena_no))
        ids, held = [], 0
        for row in self._conn.execute(query):
            if row.flag_hakko_yokushi:
                held += 1
            else:
                ids.append(int(row.id))
        return ids, held

    def dunning_rows(self, batch_on: date, taxpayer_ids: Sequence[int]) -> dict[int, list[Any]]:
        """Per taxpayer, the batch's 督促 with their periods (oldest 納期限 first)."""
        out: dict[int, list[Any]] = {t: [] for t in taxpayer_ids}
        query = (select(dunnings.c.taxpayer_id, dunnings.c.issued_on, dunnings.c.designated_on, dunnings.c.fee,
                        dunnings.c.honzei_due, dunnings.c.delivery, assessments.c.notice_no,
                        assessments.c.fiscal_year, assessments.c.tax_code, assessments.c.period,
                        assessments.c.due_date)
                 .join(assessments, assessments.c.id == dunnings.c.assessment_id)
                 .where(dunnings.c.batch_on == batch_on, dunnings.c.taxpayer_id.in_(list(taxpayer_ids)))
                 .order_by(dunnings.c.taxpayer_id, assessments.c.due_date, assessments.c.fiscal_year,
                           assessments.c.tax_code, assessments.c.period))
        for row in self._conn.execute(query):
            out[int(row.taxpayer_id)].append(row)
        return out

    # -- 催告書 -----------------------------------------------------------------
    def reminder_cases(self, on: date) -> tuple[list[tuple[int, int]], int]:
        """(case id, taxpayer id) of the cases whose 催告 was recorded for *on* by the 催告 batch,
        in 宛名番号 order, and how many carry 発行抑止 (left out)."""
        prefix = f"reminder:{on.isoformat()}:"
        query = (select(cases.c.id, cases.c.taxpayer_id, taxpayers.c.flag_hakko_yokushi)
                 .join(case_records, case_records.c.case_id == cases.c.id)
                 .join(taxpayers, taxpayers.c.id == cases.c.taxpayer_id)
                 .where(case_records.c.kind == "reminder", case_records.c.source_key.like(f"{prefix}%"))
                 .order_by(taxpayers.c.atena_no, cases.c.id))
        found: list[tuple[int, int]] = []
        held = 0
        for row in self._conn.execute(query):
            if row.flag_hakko_yokushi:
                held += 1
            else:
                found.append((int(row.id), int(row.taxpayer_id)))
        return found, held

    # -- 領収証書 ---------------------------------------------------------------
    def payment_facts(self, payment_id: int) -> dict[str, Any] | None:
        """A payment's plain columns (channel, kind, dates, operator, terminal) and whether it was reversed."""
        row = self._conn.execute(select(payments).where(payments.c.id == payment_id)).one_or_none()
        if row is None:
            return None
        reversed_ = self._conn.execute(select(func.count()).select_from(payments)
                                       .where(payments.c.reverses_id == payment_id)).scalar_one()
        return {"id": int(row.id), "kind": row.kind, "channel": row.channel, "amount": int(row.amount),
                "received_on": row.received_on, "taxpayer_id": int(row.taxpayer_id) if row.taxpayer_id else None,
                "operator": row.operator, "terminal": row.terminal, "reversed": bool(reversed_)}

    # -- 納税証明書 -------------------------------------------------------------
    def add_certificate(self, *, taxpayer_id: int, kind: str, issued_on: date, fiscal_years: Sequence[int],
                        applicant_kind: str, applicant_name: str, purpose: str, id_document: str,
                        checked_by: str, terminal: str | None) -> int:
        cid = int(self._conn.execute(insert(certificates).values(
            taxpayer_id=taxpayer_id, kind=kind, issued_on=issued_on,
            fiscal_years=",".join(str(y) for y in fiscal_years), applicant_kind=applicant_kind,
            applicant_name_ct=b"", purpose_ct=b"", id_document=id_document, checked_by=checked_by,
            terminal=terminal, enc_version=self._crypto.cipher.version, created_at=datetime.now(UTC),
        ).returning(certificates.c.id)).scalar_one())
        enc = self._crypto.cipher.encrypt
        self._conn.execute(update(certificates).where(certificates.c.id == cid).values(
            applicant_name_ct=enc(applicant_name, table=_T, column="applicant_name_ct", record_id=cid),
            purpose_ct=enc(purpose, table=_T, column="purpose_ct", record_id=cid)))
        return cid

    def set_certificate_file(self, certificate_id: int, file_name: str, sha256: str) -> None:
        self._conn.execute(update(certificates).where(certificates.c.id == certificate_id)
                           .values(file_name=file_name, sha256=sha256))

    def certificates(self, taxpayer_id: int) -> list[CertificateIssue]:
        """Every certificate issued for the taxpayer, newest first."""
        dec = self._crypto.cipher.decrypt
        rows = self._conn.execute(select(certificates).where(certificates.c.taxpayer_id == taxpayer_id)
                                  .order_by(certificates.c.id.desc()))
        return [CertificateIssue(
            int(r.id), certificate_no(int(r.id), r.issued_on), int(r.taxpayer_id), r.kind, r.issued_on,
            tuple(int(y) for y in r.fiscal_years.split(",") if y), r.applicant_kind,
            dec(r.applicant_name_ct, table=_T, column="applicant_name_ct", record_id=int(r.id)),
            dec(r.purpose_ct, table=_T, column="purpose_ct", record_id=int(r.id)), r.id_document, r.checked_by,
            r.terminal, r.file_name, r.sha256) for r in rows]
