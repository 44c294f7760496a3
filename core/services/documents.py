"""Printing (SPEC §8, export rule §5.3): 督促状, 催告書, 差押調書, 還付通知書, 充当通知書, 領収証書.

Every print is a file leaving the application: :func:`check_export` first
(``export.files`` and an export-enabled terminal; a refusal is audited), then the
document data is built here and handed to a :class:`DocumentWriter` (storage
renders the PDF into ``documents/``, mode 0600, never over a file), and the
result is audited as ``export.file`` with the file name, the number of documents
and pages and the SHA-256. If that audit cannot be committed, the files are
removed again.

Batches (督促状 of an issue date, 催告書 of a 催告 day) are built a chunk of
taxpayers at a time, each chunk read in its own short transaction, and rendered
page by page: neither the data nor the PDF of the whole run is ever held in
memory, and no lock is held while pages are drawn. Taxpayers with 発行抑止 are
left out and counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.documents.model import (
    Addressee,
    AppropriationLine,
    AppropriationNotice,
    DocumentWriter,
    DunningNotice,
    Issuer,
    PeriodRow,
    ReceiptDocument,
    ReceiptLine,
    RefundNotice,
    ReminderNotice,
    SeizureRecord,
    Written,
)
from core.domain.assessment import TAX_NAMES, TaxCode
from core.domain.delinquency import DispositionKind, DispositionState, PropertyKind
from core.domain.payment import Component
from core.domain.refund import METHOD_LABELS, RefundMethod, RefundState
from core.domain.taxpayer import Taxpayer, TaxpayerKind
from core.errors import ConflictError, NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.export import check_export
from core.services.ledger import PeriodView, load_policy, period_views
from core.services.refund_notices import CAUSE_LABELS
from core.services.registry import service

__all__ = ["PrintRun", "issuer_of", "addressee_of", "row_of", "record_export", "print_dunning_notices",
           "print_reminder_notices", "print_seizure_record", "print_refund_notice", "print_appropriation_notice",
           "print_receipt", "PROPERTY_LABELS", "CHUNK"]

#: Taxpayers read per transaction in a batch.
CHUNK = 200

PROPERTY_LABELS: dict[PropertyKind, str] = {
    PropertyKind.DEPOSIT: "預金", PropertyKind.SALARY: "給与", PropertyKind.INSURANCE: "生命保険",
    PropertyKind.REAL_ESTATE: "不動産", PropertyKind.VEHICLE: "自動車", PropertyKind.RECEIVABLE: "債権",
    PropertyKind.OTHER: "その他",
}
_PRINTABLE_STATES = (DispositionState.IN_FORCE, DispositionState.COLLECTED, DispositionState.REALISED,
                     DispositionState.RELEASED)


@dataclass(frozen=True, slots=True)
class PrintRun:
    """What was printed: the files, and who was left out (発行抑止; nothing owed any more)."""

    kind: str
    written: Written
    held: int = 0
    settled: int = 0


def issuer_of(uow: Any) -> Issuer:
    """The municipality as configured at ``nozei init`` (name, 団体コード; optional head/office/phone)."""
    m = uow.settings.get("municipality", {}) or {}
    name = str(m.get("name", ""))
    return Issuer(code=str(m.get("code", "")), name=name, head=str(m.get("head") or f"{name}長"),
                  office=str(m.get("office") or "納税課"), phone=str(m["phone"]) if m.get("phone") else None)


def addressee_of(t: Taxpayer) -> Addressee:
    """The taxpayer as printed: the 送付先住所 when one is registered, else the address."""
    return Addressee(t.atena_no, t.name, t.postal_code, t.mailing_address or t.address,
                     t.kind is TaxpayerKind.CORPORATION)


def row_of(view: PeriodView) -> PeriodRow:
    """A period with what it still owes on the view's date."""
    a, b = view.assessment, view.balance
    return PeriodRow(a.fiscal_year, TAX_NAMES[a.tax_code], a.period, a.notice_no, a.due_date, b.honzei_due,
                     b.entaikin_due, b.fee_due)


def record_export(uow: UnitOfWork, actor: Actor, kind: str, written: Written, *, target: str | None = None,
                  **details: Any) -> None:
    """The ``export.file`` event of a print (inside the caller's unit of work)."""
    index = ({"index_file": written.index_file, "index_sha256": written.index_sha256}
             if written.index_file else {})
    uow.audit.record(actor, AuditEvent(action="export.file", target_type="taxpayer" if target else "documents",
                                       target_ref=target or kind, details={
                                           "document": kind, "file": written.file_name,
                                           "records": written.documents, "pages": written.pages,
                                           "sha256": written.sha256, **index, **details}))


def _audit_written(uow: UnitOfWork, actor: Actor, writer: DocumentWriter, kind: str, written: Written,
                   **details: Any) -> None:
    """Audit a batch in a transaction of its own; without the audit, the files go."""
    try:
        with uow:
            record_export(uow, actor, kind, written, **details)
            uow.commit()
    except BaseException:
        writer.discard(written)
        raise


def _single(uow: UnitOfWork, actor: Actor, writer: DocumentWriter, kind: str, key: str, document: Any,
            target: str, **details: Any) -> Written:
    """Write one document and audit it in the caller's (open) unit of work."""
    written = writer.write(kind, key, [document], total=1)
    try:
        record_export(uow, actor, kind, written, target=target, **details)
        uow.commit()
    except BaseException:
        writer.discard(written)
        raise
    return written


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


# -- 督促状 -------------------------------------------------------------------------------------------

def _dunning_notices(uow: UnitOfWork, on: date, ids: Sequence[int], issuer: Issuer) -> Iterator[DunningNotice]:
    for chunk in _chunks(ids):
        with uow:
            people = uow.documents.taxpayers(chunk)  # type: ignore[attr-defined]
            rows = uow.documents.dunning_rows(on, chunk)  # type: ignore[attr-defined]
        for tid in chunk:
            mine, t = rows[tid], people[tid]
            yield DunningNotice(
                f"TK{on:%Y%m%d}-{t.atena_no}", issuer, addressee_of(t), mine[0].issued_on,
                max(r.designated_on for r in mine),
                tuple(PeriodRow(r.fiscal_year, TAX_NAMES[TaxCode(r.tax_code)], r.period, r.notice_no, r.due_date,
                                int(r.honzei_due), 0, int(r.fee)) for r in mine),
                public_notice=any(r.delivery == "public_notice" for r in mine))


@service(Permission.DUNNING_RUN)
def print_dunning_notices(uow: UnitOfWork, actor: Actor, *, on: date, writer: DocumentWriter) -> PrintRun:
    """The 督促状 of the 督促 batch of *on*: one page per taxpayer, and the contractor's index."""
    check_export(uow, actor, "documents.dunning")
    with uow:
        ids, held = uow.documents.dunning_taxpayers(on)  # type: ignore[attr-defined]
        issuer = issuer_of(uow)
    if not ids:
        raise NotFound(f"{on.isoformat()} に発付した督促はありません" + ("（すべて発行抑止）" if held else ""))
    written = writer.write("dunning", on.isoformat(), _dunning_notices(uow, on, ids, issuer), total=len(ids),
                           index=True)
    _audit_written(uow, actor, writer, "dunning", written, on=on.isoformat(), held=held)
    return PrintRun("dunning", written, held=held)


# -- 催告書 -------------------------------------------------------------------------------------------

def _owed(view: PeriodView, on: date) -> bool:
    return (view.assessment.due_date < on and view.balance.total_due > 0
            and not (view.extinct or view.deferred or view.suspended))


def _reminder_notices(uow: UnitOfWork, on: date, designated: date, found: Sequence[tuple[int, int]],
                      issuer: Issuer, settled: list[int]) -> Iterator[ReminderNotice]:
    with uow:
        policy = load_policy(uow)
    for chunk in _chunks(found):
        tids = sorted({t for _, t in chunk})
        with uow:
            people = uow.documents.taxpayers(tids)  # type: ignore[attr-defined]
            views = period_views(uow, uow.ledger.periods_of_taxpayers(tids), on, policy)  # type: ignore[attr-defined]
        owed: dict[int, list[PeriodView]] = {}
        for v in views:
            if _owed(v, on):
                owed.setdefault(v.assessment.taxpayer_id, []).append(v)
        for case_id, tid in chunk:
            mine = sorted(owed.get(tid, []), key=lambda v: (v.assessment.due_date, v.assessment.fiscal_year,
                                                            v.assessment.tax_code, v.assessment.period))
            if not mine:
                settled.append(case_id)  # paid since the 催告 was recorded: nothing to send
                continue
            t = people[tid]
            yield ReminderNotice(f"SK{on:%Y%m%d}-{case_id:06d}", issuer, addressee_of(t), on, designated,
                                 tuple(row_of(v) for v in mine), case_id)


@service(Permission.CASE_EDIT)
def print_reminder_notices(uow: UnitOfWork, actor: Actor, *, on: date, writer: DocumentWriter,
                           designated_on: date | None = None) -> PrintRun:
    """The 催告書 of the cases the 催告 batch recorded for *on*: everything owed that day (延滞金 as of
    *on*), to be paid by *designated_on* (default: *on* + the 督促 policy's 指定期限 days)."""
    check_export(uow, actor, "documents.reminder")
    with uow:
        found, held = uow.documents.reminder_cases(on)  # type: ignore[attr-defined]
        issuer = issuer_of(uow)
        designated = designated_on or on + timedelta(days=load_policy(uow).designated_days)
    if designated <= on:
        raise ValidationError("指定期限は催告の日より後の日付です", field="designated_on")
    if not found:
        raise NotFound(f"{on.isoformat()} に記録した催告はありません" + ("（すべて発行抑止）" if held else ""))
    settled: list[int] = []
    written = writer.write("reminder", on.isoformat(),
                           _reminder_notices(uow, on, designated, found, issuer, settled), total=len(found),
                           index=True)
    _audit_written(uow, actor, writer, "reminder", written, on=on.isoformat(), held=held, settled=len(settled))
    return PrintRun("reminder", written, held=held, settled=len(settled))


# -- 差押調書 -----------------------------------------------------------------------------------------

def _staff_name(uow: UnitOfWork, login_id: str | None) -> str | None:
    if login_id is None:
        return None
    user = uow.identity.user_by_login(login_id)
    return user.display_name if user is not None else login_id


@service(Permission.SEIZURE_RECORD)
def print_seizure_record(uow: UnitOfWork, actor: Actor, disposition_id: int, *, on: date,
                         writer: DocumentWriter) -> Written:
    """差押調書 of an approved 差押 / 参加差押: the property, the 差押日 and the taxes it secures
    (本税, 延滞金 and 督促手数料 owed on the 差押日)."""
    check_export(uow, actor, "documents.seizure")
    with uow:
        d = uow.dispositions.disposition(disposition_id)  # type: ignore[attr-defined]
        if d.kind is DispositionKind.DEMAND:
            raise ConflictError("交付要求には差押調書を作成しません")
        if d.state not in _PRINTABLE_STATES:
            raise ConflictError("決裁されていない差押です（差押調書は決裁後に作成します）")
        t = uow.taxpayers.get(d.taxpayer_id)
        assert t is not None
        periods = [a for a in (uow.assessments.get(i) for i in d.assessment_ids) if a is not None]
        views = sorted(period_views(uow, periods, d.start_on, load_policy(uow)),
                       key=lambda v: (v.assessment.due_date, v.assessment.fiscal_year, v.assessment.period))
        record = SeizureRecord(
            f"SO-{d.id:06d}", issuer_of(uow), addressee_of(t), on,
            "参加差押" if d.kind is DispositionKind.PARTICIPATION else "差押", d.start_on,
            PROPERTY_LABELS[d.property_kind], d.property, d.amount, tuple(row_of(v) for v in views),
            _staff_name(uow, d.proposed_by) or d.proposed_by, _staff_name(uow, d.approved_by))
        return _single(uow, actor, writer, "seizure", f"{d.id:06d}", record, t.atena_no, disposition=d.id)


# -- 還付通知書・充当通知書 ---------------------------------------------------------------------------

def _masked(refund: Any) -> str | None:
    if refund.method is RefundMethod.CASH:
        return None
    number = refund.account_no or ""
    kind = {"1": "普通", "2": "当座"}.get(refund.account_type or "", "")
    return (f"金融機関 {refund.bank_code or ''} 支店 {refund.branch_code or ''} {kind} "
            f"{'*' * max(0, len(number) - 3)}{number[-3:]}").strip()


def _appropriation_lines(uow: UnitOfWork, overpayment_id: int) -> tuple[AppropriationLine, ...]:
    lines = []
    for appr in uow.refunds.appropriations(overpayment_id):  # type: ignore[attr-defined]
        a = uow.assessments.get(appr.assessment_id)
        assert a is not None
        parts = {c: amt for _, c, amt in uow.ledger.payment_parts(appr.payment_id)}  # type: ignore[attr-defined]
        lines.append(AppropriationLine(a.fiscal_year, TAX_NAMES[a.tax_code], a.period, a.notice_no,
                                       appr.appropriated_on, parts.get(Component.HONZEI, 0),
                                       parts.get(Component.ENTAIKIN, 0), parts.get(Component.DUNNING_FEE, 0),
                                       appr.kasankin))
    return tuple(lines)


@service(Permission.REFUND_DRAFT)
def print_refund_notice(uow: UnitOfWork, actor: Actor, refund_id: int, *, on: date,
                        writer: DocumentWriter) -> Written:
    """還付通知書 of an approved (or paid) refund: the 過誤納, what was 充当, the refund with its
    還付加算金, how and when it is paid."""
    check_export(uow, actor, "documents.refund")
    with uow:
        refund = uow.refunds.refund(refund_id)  # type: ignore[attr-defined]
        if refund.state in (RefundState.DRAFTED, RefundState.CANCELLED):
            raise ConflictError("決裁されていない還付です（還付通知書は決裁後に作成します）")
        item = uow.refunds.overpayment(refund.overpayment_id)  # type: ignore[attr-defined]
        t = uow.taxpayers.get(refund.taxpayer_id)
        assert t is not None
        appropriated = sum(line.total for line in _appropriation_lines(uow, item.id))
        notice = RefundNotice(
            f"KF-{refund.id:06d}", issuer_of(uow), addressee_of(t), on, CAUSE_LABELS.get(item.cause.value, ""),
            item.amount, item.arisen_on, appropriated, refund.amount, refund.kasankin, METHOD_LABELS[refund.method],
            refund.pay_on, _masked(refund))
        return _single(uow, actor, writer, "refund", f"{refund.id:06d}", notice, t.atena_no, refund=refund.id)


@service(Permission.REFUND_DRAFT)
def print_appropriation_notice(uow: UnitOfWork, actor: Actor, overpayment_id: int, *, on: date,
                               writer: DocumentWriter) -> Written:
    """充当通知書 of an overpayment: each 充当 with its 充当適状日 and the remainder left to refund."""
    check_export(uow, actor, "documents.appropriation")
    with uow:
        item = uow.refunds.overpayment(overpayment_id)  # type: ignore[attr-defined]
        lines = _appropriation_lines(uow, item.id)
        if not lines:
            raise ConflictError("この過誤納には充当がありません")
        t = uow.taxpayers.get(item.taxpayer_id)
        assert t is not None
        notice = AppropriationNotice(f"JT-{item.id:06d}", issuer_of(uow), addressee_of(t), on,
                                     CAUSE_LABELS.get(item.cause.value, ""), item.amount, item.arisen_on, lines,
                                     max(0, item.amount - sum(line.total for line in lines)))
        return _single(uow, actor, writer, "appropriation", f"{item.id:06d}", notice, t.atena_no,
                       overpayment=item.id)


# -- 領収証書 -----------------------------------------------------------------------------------------

@service(Permission.PAYMENT_POST)
def print_receipt(uow: UnitOfWork, actor: Actor, payment_id: int, *, writer: DocumentWriter,
                  received: int | None = None) -> Written:
    """領収証書 of a 窓口収納 payment (not reversed): per period what it paid. *received* (預り金) is
    given when printed at the counter right after the payment."""
    check_export(uow, actor, "documents.receipt")
    with uow:
        facts = uow.documents.payment_facts(payment_id)  # type: ignore[attr-defined]
        if facts is None:
            raise NotFound(f"収納が見つかりません（id={payment_id}）")
        if facts["kind"] != "receipt" or facts["channel"] != "counter" or facts["taxpayer_id"] is None:
            raise ConflictError("窓口収納ではありません（領収証書は窓口収納について発行します）")
        if facts["reversed"]:
            raise ConflictError("取り消された収納です")
        t = uow.taxpayers.get(facts["taxpayer_id"])
        assert t is not None
        by_period: dict[int, dict[Component, int]] = {}
        for aid, comp, amount in uow.ledger.payment_parts(payment_id):  # type: ignore[attr-defined]
            by_period.setdefault(aid, {})[comp] = amount
        lines = []
        for aid, parts in by_period.items():
            a = uow.assessments.get(aid)
            assert a is not None
            lines.append(ReceiptLine(a.fiscal_year, TAX_NAMES[a.tax_code], a.period, a.notice_no,
                                     parts.get(Component.HONZEI, 0), parts.get(Component.ENTAIKIN, 0),
                                     parts.get(Component.DUNNING_FEE, 0)))
        lines.sort(key=lambda r: (r.fiscal_year, r.tax_name, r.period))
        on = facts["received_on"]
        amount = facts["amount"]
        if received is not None and received < amount:
            raise ValidationError("預り金が納付額より少ないです", field="received")
        receipt = ReceiptDocument(
            f"R{on:%Y%m%d}-{payment_id:08d}", issuer_of(uow), addressee_of(t), on, tuple(lines), amount,
            _staff_name(uow, facts["operator"]) or facts["operator"], facts["terminal"], received,
            received - amount if received is not None else None)
        return _single(uow, actor, writer, "receipt", f"{payment_id:08d}", receipt, t.atena_no, payment=payment_id)

