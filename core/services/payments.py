"""収納 services: importing 収納データ, reversing a payment, resolving 未消込 (SPEC §4.4, §7).

Each is one transaction: it checks its permission, posts through
:mod:`core.services.posting`, writes its audit event and commits — or, on any
error (or a cancel raised from the progress callback), leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date

from core.domain.ledger import Posting, SuspenseItem
from core.domain.payment import OverpaymentCause, Payment
from core.errors import ConflictError, NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.ledger import load_policy
from core.services.bulk_posting import post_many
from core.services.posting import apply_to_periods, reverse_payment
from core.services.registry import service

__all__ = [
    "ImportSummary",
    "import_payments",
    "reverse",
    "list_suspense",
    "resolve_suspense",
    "RESOLUTIONS",
]

_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,40}", re.ASCII)
RESOLUTIONS: dict[str, str] = {"assign": "期別へ充当", "refund": "過誤納（還付・充当へ）", "return": "返還"}


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did. Counts and yen only — no personal data."""

    file_name: str
    sha256: str
    records: int = 0
    posted: int = 0
    duplicates: int = 0
    matched: int = 0  # posted and wholly applied to periods
    suspense: int = 0
    suspense_total: int = 0
    overpayments: int = 0
    overpayment_total: int = 0
    allocated_total: int = 0
    total: int = 0
    already_imported: bool = False
    batch_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class _Tally:
    """Counts and yen of an import, record by record."""

    def __init__(self) -> None:
        self.records = self.posted = self.duplicates = self.matched = self.suspense = 0
        self.suspense_total = self.overpayments = self.overpayment_total = self.allocated_total = self.total = 0

    def add(self, posting: Posting | None) -> None:
        self.records += 1
        if posting is None:
            self.duplicates += 1
            return
        allocated = posting.allocated
        self.posted += 1
        self.matched += 1 if allocated == posting.amount else 0
        self.suspense += 1 if posting.suspense else 0
        self.suspense_total += posting.suspense
        self.overpayments += 1 if posting.overpayment else 0
        self.overpayment_total += posting.overpayment
        self.allocated_total += allocated
        self.total += posting.amount

    def summary(self, base: ImportSummary) -> ImportSummary:
        return replace(base, records=self.records, posted=self.posted, duplicates=self.duplicates,
                       matched=self.matched, suspense=self.suspense, suspense_total=self.suspense_total,
                       overpayments=self.overpayments, overpayment_total=self.overpayment_total,
                       allocated_total=self.allocated_total, total=self.total)


@service(Permission.PAYMENT_IMPORT)
def import_payments(
    uow: UnitOfWork, actor: Actor, payments: Iterable[Payment], *, sha256: str, file_name: str,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Post a validated 収納データ file in one transaction.

    *payments* may be a list or anything that can be iterated again — a
    :class:`~storage.files.payments_stream.PaymentStream` reads its file anew each
    time, so a file of a million records is never held in memory.

    The same file (same SHA-256) twice posts nothing and says when it was
    imported; a record key already posted (from any file) is counted as a
    duplicate and skipped. *progress* is called every 500 records with the
    count so far; an exception it raises cancels the import (nothing applied).
    """
    summary = ImportSummary(file_name=file_name, sha256=sha256)
    with uow:
        previous = uow.batches.find("payments", sha256)
        if previous is not None:
            uow.audit.record(actor, AuditEvent(action="payments.import", outcome="denied",
                                               details={"sha256": sha256, "file": file_name,
                                                        "reason": "already_imported",
                                                        "first_batch": previous["id"]}))
            uow.commit()
            return replace(summary, already_imported=True, batch_id=previous["id"],
                           records=previous["records"])
        policy = load_policy(uow)
        batch_key = f"IMP-{sha256[:16]}"
        if iter(payments) is payments:  # a one-shot iterator; a list or a file stream is read twice
            payments = list(payments)
        # Every period the file may touch, locked up front in id order: two imports (or an
        # import and a counter payment) then always wait for each other, never deadlock.
        uow.ledger.lock_notices(p.notice_no for p in payments if p.notice_no)
        tally = _Tally()
        for n, posting in enumerate(post_many(uow, payments, policy, batch_id=batch_key), start=1):
            tally.add(posting)
            if progress is not None and n % 500 == 0:
                progress(n)
        summary = tally.summary(summary)
        details = {k: v for k, v in summary.to_dict().items() if k not in ("already_imported", "batch_id")}
        batch_id = uow.batches.add("payments", sha256, file_name, summary.records, details)
        uow.audit.record(actor, AuditEvent(action="payments.import", target_type="import_batch",
                                           target_ref=str(batch_id), details=details))
        if progress is not None:
            progress(summary.records)  # the last call may still cancel: nothing is committed yet
        uow.commit()
    return replace(summary, batch_id=batch_id)


@service(Permission.PAYMENT_REVERSE)
def reverse(uow: UnitOfWork, actor: Actor, payment_id: int, *, reason: str, on: date) -> int:
    """取消 of one payment as a reversing entry (reason required, audited)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationError("取消の理由を200文字以内で入力してください", field="reason")
    with uow:
        reversal_id = reverse_payment(uow, payment_id, source_key=f"REV-{payment_id}", on=on)
        uow.audit.record(actor, AuditEvent(action="payment.reverse", target_type="payment",
                                           target_ref=str(payment_id),
                                           details={"reversal_id": reversal_id, "reason_length": len(reason)}))
        uow.commit()
    return reversal_id


@service(Permission.SUSPENSE_RESOLVE)
def list_suspense(uow: UnitOfWork, actor: Actor, *, offset: int = 0, limit: int = 100) -> tuple[list[SuspenseItem], bool]:
    with uow:
        return uow.ledger.open_suspense(offset=offset, limit=limit)


@service(Permission.SUSPENSE_RESOLVE)
def resolve_suspense(
    uow: UnitOfWork, actor: Actor, suspense_id: int, action: str, *, on: date,
    notice_no: str | None = None, period: int | None = None, atena_no: str | None = None,
    note: str | None = None,
) -> Posting | None:
    """Resolve one 未消込: ``assign`` to a notice's period(s) (anything beyond what
    they owe becomes 過納), ``refund`` as 誤納 of a taxpayer (then 充当・還付), or
    ``return`` to the payer (its reference number is required)."""
    if action not in RESOLUTIONS:
        raise ValidationError("処理は assign / refund / return のいずれかです", field="action")
    note = (note or "").strip() or None
    if note is not None and not _REFERENCE.fullmatch(note):
        # A reference number only: free text could carry personal data in plain form.
        raise ValidationError("整理番号は英数字とハイフン40文字以内です", field="note")
    with uow:
        item = uow.ledger.suspense(suspense_id, lock=True)
        if item.status != "open":
            raise ConflictError("この未消込は既に処理されています")
        payment = uow.payments.get(item.payment_id)
        if payment is None or uow.ledger.is_reversed(item.payment_id):
            raise ConflictError("取り消された収納の未消込です")
        posting: Posting | None = None
        assessment_id: int | None = None
        if action == "assign":
            if not notice_no:
                raise ValidationError("充当先の通知書番号を入力してください", field="notice_no")
            periods = uow.ledger.periods_by_notice(notice_no, lock=True)
            if period is not None:
                periods = [a for a in periods if a.period == period]
            if not periods:
                raise NotFound("指定の通知書番号・期別の調定がありません")
            if payment.taxpayer_id is not None and payment.taxpayer_id != periods[0].taxpayer_id:
                raise ValidationError("この収納は別の納税者のものです", field="notice_no")
            uow.ledger.set_payment_taxpayer(item.payment_id, periods[0].taxpayer_id)
            money = replace(payment, amount=item.amount)
            posting = apply_to_periods(uow, item.payment_id, money, periods, load_policy(uow),
                                       allow_suspense=False)
            assessment_id = periods[0].id if len(periods) == 1 else None
        elif action == "refund":
            taxpayer = uow.taxpayers.get_by_atena(atena_no or "")
            if taxpayer is None or taxpayer.id is None:
                raise NotFound("指定の宛名番号の納税者がいません")
            uow.ledger.set_payment_taxpayer(item.payment_id, taxpayer.id)
            uow.ledger.add_overpayment(taxpayer_id=taxpayer.id, payment_id=item.payment_id, assessment_id=None,
                                       cause=OverpaymentCause.GONO, amount=item.amount, arisen_on=on,
                                       paid_on=payment.received_on)
        elif note is None:
            raise ValidationError("返還の整理番号（返還依頼書の番号など）を入力してください", field="note")
        uow.ledger.resolve_suspense(suspense_id, {"assign": "assigned", "refund": "refund",
                                                  "return": "returned"}[action],
                                    assessment_id=assessment_id, note=note)
        uow.audit.record(actor, AuditEvent(action="suspense.resolve", target_type="suspense",
                                           target_ref=str(suspense_id),
                                           details={"action": action, "amount": item.amount,
                                                    "payment_id": item.payment_id}))
        uow.commit()
    return posting
