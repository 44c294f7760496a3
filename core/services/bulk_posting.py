"""Posting many payments at once (収納データ, 口座振替の結果), with the rules of one.

:func:`post_many` gives exactly what calling
:func:`core.services.posting.post_payment` for each payment in turn gives —
the same parts, 過誤納 and 未消込, in the same order, a record key already
posted (by an earlier file, or earlier in this one) skipped — but reads and
writes a chunk of payments in a handful of statements: the chunk's periods
(locked in id order), their ledger entries, 督促, 猶予 and 滞納処分 facts in one
go; each payment then decided in memory against the entries of the payments
before it (:func:`core.services.ledger.views_from`); the chunk's payments,
allocations, 過誤納 and 未消込 inserted together. It runs inside the caller's
unit of work; the caller checks the permission and writes the audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from core.domain.assessment import Assessment
from core.domain.ledger import Posting
from core.domain.payment import Allocation, Payment, PaymentKind, SuspenseReason
from core.errors import ValidationError
from core.rules.balance import Entry
from core.services.ledger import CollectionPolicy, load_view_context, views_from
from core.services.posting import Decision, decide, overpayment_fields, owner_of, posting_of

__all__ = ["CHUNK", "post_many"]

#: Payments read and written together.
CHUNK = 2_000


def post_many(uow: Any, payments: Iterable[Payment], policy: CollectionPolicy, *, batch_id: str | None = None,
              chunk: int = CHUNK) -> Iterator[Posting | None]:
    """Post *payments* in order; yield each one's :class:`Posting`, or None for a record key
    that was already posted. Nothing is committed here."""
    batch: list[Payment] = []
    for payment in payments:
        batch.append(payment)
        if len(batch) >= chunk:
            yield from _post_chunk(uow, batch, policy, batch_id)
            batch = []
    if batch:
        yield from _post_chunk(uow, batch, policy, batch_id)


def _targets(payment: Payment, by_notice: dict[str, list[Assessment]]) -> list[Assessment]:
    periods = by_notice.get(payment.notice_no, []) if payment.notice_no else []
    if payment.period is not None:
        periods = [a for a in periods if a.period == payment.period]
    return periods


def _post_chunk(uow: Any, batch: Sequence[Payment], policy: CollectionPolicy,
                batch_id: str | None) -> list[Posting | None]:
    for payment in batch:
        if payment.kind is not PaymentKind.RECEIPT:
            raise ValidationError("取消は reverse_payment で記録します", field="kind")
    posted = uow.payments.existing_keys({p.source_key for p in batch})
    whole = {p.notice_no for p in batch if p.notice_no and p.period is None}
    by_notice = uow.ledger.periods_aimed_at(whole, {(p.notice_no, p.period) for p in batch
                                                    if p.notice_no and p.period is not None}, lock=True)
    aimed = [_targets(p, by_notice) for p in batch]
    ctx = load_view_context(uow, sorted({a.id for targets in aimed for a in targets}))  # type: ignore[misc]
    planned: list[tuple[Payment, list[Assessment], Decision | None] | None] = []
    for payment, targets in zip(batch, aimed, strict=True):
        if payment.source_key in posted:
            planned.append(None)
            continue
        posted.add(payment.source_key)
        if not targets:
            planned.append((payment, targets, None))
            continue
        stored = replace(payment, taxpayer_id=owner_of(targets))
        views = views_from(ctx, targets, payment.received_on, policy, count_later=True)
        decision = decide(stored, views, policy)
        for part in decision.plan.parts:  # the next payment to these periods sees this one
            ctx.entries.setdefault(part.assessment_id, []).append(
                Entry(part.component, part.amount, payment.received_on, payment.channel.by_taxpayer))
        planned.append((stored, targets, decision))
    return _write(uow, planned, batch_id)


def _write(uow: Any, planned: list[tuple[Payment, list[Assessment], Decision | None] | None],
           batch_id: str | None) -> list[Posting | None]:
    todo = [p for p in planned if p is not None]
    ids = iter(uow.payments.add_many([(payment, decision.plan.allocated if decision else 0)
                                      for payment, _, decision in todo], batch_id=batch_id))
    parts: list[Allocation] = []
    suspense: list[tuple[int, SuspenseReason, int]] = []
    overpayments: list[dict[str, Any]] = []
    out: list[Posting | None] = []
    for item in planned:
        if item is None:
            out.append(None)
            continue
        payment, targets, decision = item
        payment_id = next(ids)
        if decision is None:
            suspense.append((payment_id, SuspenseReason.UNKNOWN_NOTICE, payment.amount))
            out.append(Posting(payment_id=payment_id, amount=payment.amount, suspense=payment.amount,
                               suspense_reason=SuspenseReason.UNKNOWN_NOTICE))
            continue
        plan = decision.plan
        parts += [Allocation(payment_id, p.assessment_id, p.component, p.amount, plan.policy_version,
                             payment.accounted_on) for p in plan.parts]
        if decision.suspense:
            suspense.append((payment_id, SuspenseReason.AMOUNT_MISMATCH, decision.suspense))
        elif decision.overpayment:
            overpayments.append({"payment_id": payment_id, **overpayment_fields(payment, targets, decision)})
        out.append(posting_of(payment_id, payment, targets, decision))
    uow.payments.add_allocations(parts)
    uow.ledger.add_suspense_many(suspense)
    uow.ledger.add_overpayments_many(overpayments)
    return out
