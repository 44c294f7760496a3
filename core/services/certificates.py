"""納税証明書の発行 (SPEC §4.11) at the counter.

The clerk records who applies (本人 or 代理人, and the name), the identity
document they checked (the checker is the clerk), the purpose, the type and the
年度. Types (:data:`~core.documents.model.CERTIFICATE_KINDS`):

- 納税証明 (``nozei``): per 年度 and 税目, 税額（調定額）, 納付済額, 未納額 and the
  延滞金・督促手数料 still owed;
- 完納証明 (``kanno``): refused when a period of the chosen 年度 still owes anything;
- 滞納なし証明 (``mitai``): refused when the taxpayer is delinquent — any period past
  its 納期限 with 本税, 延滞金 or 督促手数料 owed and not extinct (時効・執行停止).

A refusal is audited (outcome ``denied``, with the reason and a count, never an
amount of another year). An issue is stored (``certificates``: applicant name and
purpose encrypted), printed through the export rule and audited — the record,
the file and both events commit together or not at all. A taxpayer under
発行抑止 (support measures) gets no certificate through an agent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.documents.model import (
    APPLICANT_KINDS,
    CERTIFICATE_KINDS,
    ID_DOCUMENTS,
    CertificateIssue,
    CertificateLine,
    DocumentWriter,
    TaxCertificate,
    Written,
    certificate_no,
)
from core.domain.assessment import TAX_NAMES, AssessmentStatus, TaxCode
from core.errors import ConflictError, NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.account import fiscal_year_of
from core.services.documents import addressee_of, issuer_of, record_export
from core.services.export import check_export
from core.services.ledger import PeriodView, load_policy, period_views
from core.services.registry import service

__all__ = ["IssuedCertificate", "issue_certificate", "list_certificates", "delinquent_periods"]

_MAX_YEARS = 10


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    id: int
    certificate_no: str
    certificate_kind: str
    fiscal_years: tuple[int, ...]
    written: Written


def delinquent_periods(views: Sequence[PeriodView], on: date) -> list[PeriodView]:
    """Periods past their 納期限 on *on* that still owe 本税, 延滞金 or 督促手数料 and are not extinct."""
    return [v for v in views
            if v.assessment.due_date < on and v.balance.total_due > 0 and not v.extinct]


def _text(value: object, label: str, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{label}を入力してください", field=field)
    value = value.strip()
    if len(value) > limit or any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ValidationError(f"{label}は{limit}文字以内です（改行・制御文字は使えません）", field=field)
    return value


def _years(fiscal_years: Sequence[int], kind: str, on: date) -> tuple[int, ...]:
    if kind == "mitai":
        return ()
    if not fiscal_years:
        current = fiscal_year_of(on)
        return (current - 1, current)
    if len(fiscal_years) > _MAX_YEARS:
        raise ValidationError(f"年度は{_MAX_YEARS}年度までです", field="years")
    for y in fiscal_years:
        if isinstance(y, bool) or not isinstance(y, int) or not 1950 <= y <= fiscal_year_of(on):
            raise ValidationError(f"年度は1950〜{fiscal_year_of(on)}の西暦で指定してください", field="years")
    return tuple(sorted(set(fiscal_years)))


def _lines(views: Sequence[PeriodView], years: tuple[int, ...]) -> tuple[CertificateLine, ...]:
    sums: dict[tuple[int, str], list[int]] = {}
    for v in views:
        a, b = v.assessment, v.balance
        if a.fiscal_year not in years or a.status is not AssessmentStatus.ACTIVE:
            continue
        acc = sums.setdefault((a.fiscal_year, a.tax_code.value), [0, 0, 0, 0])
        acc[0] += b.assessed
        acc[1] += b.honzei_paid
        if not v.extinct:
            acc[2] += b.honzei_due
            acc[3] += b.entaikin_due + b.fee_due
    return tuple(CertificateLine(year, TAX_NAMES[TaxCode(code)], *values)
                 for (year, code), values in sorted(sums.items()))


def _refuse(uow: UnitOfWork, actor: Actor, atena_no: str, kind: str, reason: str, count: int, message: str) -> None:
    uow.audit.record(actor, AuditEvent(action="certificate.issue", outcome="denied", target_type="taxpayer",
                                       target_ref=atena_no, details={"kind": kind, "reason": reason,
                                                                     "periods": count}))
    uow.commit()
    raise ConflictError(message)


@service(Permission.CERTIFICATE_ISSUE)
def issue_certificate(uow: UnitOfWork, actor: Actor, atena_no: str, *, kind: str, purpose: str,
                      applicant_kind: str, applicant_name: str, id_document: str,
                      fiscal_years: Sequence[int] = (), on: date, writer: DocumentWriter) -> IssuedCertificate:
    """Issue one 納税証明書 of *kind* for the taxpayer *atena_no* (see the module docstring)."""
    if kind not in CERTIFICATE_KINDS:
        raise ValidationError(f"証明の種類は {' / '.join(CERTIFICATE_KINDS)} のいずれかです", field="kind")
    if applicant_kind not in APPLICANT_KINDS:
        raise ValidationError("申請者は self（本人）/ agent（代理人）のいずれかです", field="applicant_kind")
    if id_document not in ID_DOCUMENTS:
        raise ValidationError(f"本人確認書類は {' / '.join(ID_DOCUMENTS)} のいずれかです", field="id_document")
    purpose = _text(purpose, "使用目的", "purpose", 60)
    applicant_name = _text(applicant_name, "申請者の氏名", "applicant", 100)
    years = _years(fiscal_years, kind, on)
    check_export(uow, actor, "certificate.issue")
    with uow:
        t = uow.taxpayers.get_by_atena(atena_no)
        if t is None or t.id is None:
            raise NotFound("宛名が見つかりません")
        if applicant_kind == "agent" and t.flags.hakko_yokushi:
            _refuse(uow, actor, t.atena_no, kind, "hakko_yokushi", 0,
                    "この納税者には発行抑止が設定されているため、代理人には証明書を発行できません")
        views = period_views(uow, uow.assessments.for_taxpayer(t.id), on, load_policy(uow))
        if kind == "mitai" and (late := delinquent_periods(views, on)):
            _refuse(uow, actor, t.atena_no, kind, "delinquent", len(late),
                    f"滞納があるため、滞納なしの証明は発行できません（納期限を過ぎた未納の期別 {len(late)}件）")
        chosen = [v for v in views if v.assessment.fiscal_year in years
                  and v.assessment.status is AssessmentStatus.ACTIVE]
        if kind != "mitai" and not chosen:
            _refuse(uow, actor, t.atena_no, kind, "nothing_assessed", 0,
                    f"{'・'.join(str(y) for y in years)}年度の課税がありません")
        if kind == "kanno" and (unpaid := [v for v in chosen if v.balance.total_due > 0 and not v.extinct]):
            _refuse(uow, actor, t.atena_no, kind, "unpaid", len(unpaid),
                    f"未納があるため、完納の証明は発行できません（未納の期別 {len(unpaid)}件）")
        cid = uow.documents.add_certificate(  # type: ignore[attr-defined]
            taxpayer_id=t.id, kind=kind, issued_on=on, fiscal_years=years, applicant_kind=applicant_kind,
            applicant_name=applicant_name, purpose=purpose, id_document=id_document, checked_by=actor.user_id,
            terminal=actor.terminal_id)
        number = certificate_no(cid, on)
        certificate = TaxCertificate(number, issuer_of(uow), addressee_of(t), on, kind, purpose, years,
                                     _lines(chosen, years) if kind != "mitai" else ())
        written = writer.write("certificate", number, [certificate], total=1)
        try:
            uow.documents.set_certificate_file(cid, written.file_name, written.sha256)  # type: ignore[attr-defined]
            uow.audit.record(actor, AuditEvent(action="certificate.issue", target_type="taxpayer",
                                               target_ref=t.atena_no, details={
                                                   "certificate": number, "kind": kind, "years": list(years),
                                                   "applicant": applicant_kind, "id_document": id_document,
                                                   "file": written.file_name, "sha256": written.sha256}))
            record_export(uow, actor, "certificate", written, target=t.atena_no, certificate=number)
            uow.commit()
        except BaseException:
            writer.discard(written)
            raise
    return IssuedCertificate(cid, number, kind, years, written)


@service(Permission.TAXPAYER_VIEW)
def list_certificates(uow: UnitOfWork, actor: Actor, taxpayer_id: int | None = None, *,
                      atena_no: str | None = None) -> list[CertificateIssue]:
    """The taxpayer's 発行履歴 (newest first): number, type, date, 年度, applicant, identity check, purpose.
    The taxpayer is given by id (the screens) or 宛名番号 (the command line)."""
    with uow:
        if taxpayer_id is None:
            found = uow.taxpayers.get_by_atena(atena_no or "")
            taxpayer_id = found.id if found is not None else None
        atena = uow.taxpayers.get_by_id_atena(taxpayer_id) if taxpayer_id is not None else None  # type: ignore[attr-defined]
        if atena is None or taxpayer_id is None:
            raise NotFound("宛名が見つかりません")
        rows = uow.documents.certificates(taxpayer_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="certificate.list", target_type="taxpayer", target_ref=atena,
                                           details={"rows": len(rows)}))
        uow.commit()
    return list(rows)
