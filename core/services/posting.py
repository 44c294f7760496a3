"""Posting money to the ledger (消込, SPEC §4.4): one payment → parts, 過誤納, 未消込.

Internal engine for the permissioned services (imports, counter, 口座振替
results, suspense resolution, reversal). It runs inside the caller's unit of
work; the caller checks the permission and writes the audit event.

Conservation: for every payment, Σ its ledger entries + its 過誤納 + its open
未消込 = its amount; a reversal brings all three back to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from core.domain.assessment import Assessment, AssessmentStatus
from core.domain.ledger import Posting, PostedPart
from core.domain.payment import (
    Allocation,
    Channel,
    Component,
    OverpaymentCause,
    Payment,
    PaymentKind,
    SuspenseReason,
)
from core.errors import ConflictError, NotFound, ValidationError
from core.rules.allocation import AllocationPlan, allocate_oldest_first, allocate_to_period
from core.services.ledger import CollectionPolicy, PeriodView, due_of, period_views

__all__ = ["post_payment", "apply_to_periods", "reverse_payment", "release_excess", "Decision", "decide",
           "posting_of", "overpayment_fields", "owner_of"]


def _targets(uow: Any, payment: Payment) -> list[Assessment]:
    if not payment.notice_no:
        return []
    periods = uow.ledger.periods_by_notice(payment.notice_no, lock=True)
    if payment.period is not None:
        periods = [a for a in periods if a.period == payment.period]
    return periods


def _plan(amount: int, views: Sequence[PeriodView], policy: CollectionPolicy) -> AllocationPlan:
    dues = [due_of(v) for v in views]
    if len(dues) == 1:
        return allocate_to_period(amount, dues[0], policy.allocation)
    return allocate_oldest_first(amount, dues, policy.allocation)


def _excess_cause(views: Sequence[PeriodView], plan: AllocationPlan) -> OverpaymentCause:
    if plan.allocated > 0:
        return OverpaymentCause.KANO  # 過納: more than was owed
    if any(v.assessment.status is not AssessmentStatus.ACTIVE or v.extinct for v in views):
        return OverpaymentCause.GONO  # 誤納: nothing could be owed (取消, 時効)
    return OverpaymentCause.DOUBLE_PAYMENT  # 二重納付: the period was already paid


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one payment's money goes: the plan's parts, then any excess either to
    未消込 (金額相違) or to 過誤納 with its cause."""

    plan: AllocationPlan
    suspense: int = 0
    overpayment: int = 0
    cause: OverpaymentCause | None = None


def decide(payment: Payment, views: Sequence[PeriodView], policy: CollectionPolicy, *,
           allow_suspense: bool = True) -> Decision:
    """The rules of 消込 for one payment against its periods' views (no reads, no writes)."""
    plan = _plan(payment.amount, views, policy)
    if plan.excess == 0:
        return Decision(plan)
    if (allow_suspense and payment.channel is not Channel.COUNTER
            and plan.allocated > 0 and plan.excess > policy.suspense_excess_limit):
        return Decision(plan, suspense=plan.excess)
    return Decision(plan, overpayment=plan.excess, cause=_excess_cause(views, plan))


def posting_of(payment_id: int, payment: Payment, periods: Sequence[Assessment], decision: Decision) -> Posting:
    plan = decision.plan
    return Posting(payment_id=payment_id, amount=payment.amount,
                   parts=tuple(PostedPart(p.assessment_id, p.component, p.amount) for p in plan.parts),
                   policy_version=plan.policy_version, taxpayer_id=periods[0].taxpayer_id,
                   overpayment=decision.overpayment, overpayment_cause=decision.cause,
                   suspense=decision.suspense,
                   suspense_reason=SuspenseReason.AMOUNT_MISMATCH if decision.suspense else None)


def overpayment_fields(payment: Payment, periods: Sequence[Assessment], decision: Decision) -> dict[str, Any]:
    """The 過誤納 a decision's excess becomes (the keywords of ``ledger.add_overpayment``)."""
    assert decision.cause is not None
    return {"taxpayer_id": periods[0].taxpayer_id, "assessment_id": periods[0].id if len(periods) == 1 else None,
            "cause": decision.cause, "amount": decision.overpayment, "arisen_on": payment.received_on,
            "paid_on": payment.received_on, "due_on": periods[0].due_date if len(periods) == 1 else None}


def apply_to_periods(uow: Any, payment_id: int, payment: Payment, periods: Sequence[Assessment],
                     policy: CollectionPolicy, *, allow_suspense: bool = True) -> Posting:
    """Apply an already stored payment's money to *periods* (balances as of its 領収日)."""
    # Money already posted counts even if its 領収日 is later (a file arriving out of order):
    # a period is never paid twice; the 延滞金 is charged as of this payment's 領収日.
    views = period_views(uow, periods, payment.received_on, policy, count_later=True)
    decision = decide(payment, views, policy, allow_suspense=allow_suspense)
    plan = decision.plan
    if plan.parts:
        uow.payments.allocate(payment_id, [
            Allocation(payment_id, p.assessment_id, p.component, p.amount, plan.policy_version,
                       payment.accounted_on) for p in plan.parts])
    if decision.suspense:
        uow.ledger.add_suspense(payment_id, SuspenseReason.AMOUNT_MISMATCH, decision.suspense)
    elif decision.overpayment:
        uow.ledger.add_overpayment(payment_id=payment_id, **overpayment_fields(payment, periods, decision))
    return posting_of(payment_id, payment, periods, decision)


def owner_of(targets: Sequence[Assessment]) -> int:
    """The one taxpayer of the periods a payment is applied to."""
    owners = {a.taxpayer_id for a in targets}
    if len(owners) != 1:
        raise ValidationError("異なる納税者の期別に1件の収納を充てることはできません", field="periods")
    return targets[0].taxpayer_id


def post_payment(uow: Any, payment: Payment, policy: CollectionPolicy, *, batch_id: str | None = None,
                 periods: Sequence[Assessment] | None = None, allow_suspense: bool = True) -> Posting:
    """Store *payment* and apply it: to its notice's period(s), or to *periods* given
    by the caller (窓口: the periods the clerk picked, oldest first). A payment that
    matches nothing goes to 未消込 whole."""
    if payment.kind is not PaymentKind.RECEIPT:
        raise ValidationError("取消は reverse_payment で記録します", field="kind")
    targets = list(periods) if periods is not None else _targets(uow, payment)
    if periods is not None:
        targets = uow.ledger.lock_periods([a.id for a in targets])
    if not targets:
        payment_id = uow.payments.add(payment, batch_id=batch_id)
        uow.ledger.add_suspense(payment_id, SuspenseReason.UNKNOWN_NOTICE, payment.amount)
        return Posting(payment_id=payment_id, amount=payment.amount, suspense=payment.amount,
                       suspense_reason=SuspenseReason.UNKNOWN_NOTICE)
    stored = replace(payment, taxpayer_id=owner_of(targets))
    payment_id = uow.payments.add(stored, batch_id=batch_id)
    return apply_to_periods(uow, payment_id, stored, targets, policy, allow_suspense=allow_suspense)


def reverse_payment(uow: Any, payment_id: int, *, source_key: str, on: date) -> int:
    """取消: a reversing entry for every part, the 過誤納 cancelled, the 未消込 closed.

    Refused when the payment is a reversal, is already reversed, or its
    過誤納 has been appropriated or refunded (undo that first).
    """
    original = uow.payments.get(payment_id)
    if original is None:
        raise NotFound(f"収納が見つかりません（id={payment_id}）")
    if original.kind is not PaymentKind.RECEIPT:
        raise ConflictError("取消の記録は取り消せません")
    if original.channel in (Channel.APPROPRIATION, Channel.SEIZURE):
        raise ConflictError("充当・滞納処分による収納はここでは取り消せません（それぞれの処理で取り消します）")
    if uow.ledger.is_reversed(payment_id):
        raise ConflictError("この収納は既に取り消されています")
    if on < original.received_on:
        raise ValidationError("取消日が領収日より前です", field="on")
    suspense = uow.ledger.suspense_of_payment(payment_id)
    if suspense is not None and suspense.resolution == "returned":
        raise ConflictError("返還済みの未消込は取り消せません")
    for item in uow.ledger.overpayments_of_payment(payment_id):
        if item.state != "cancelled":
            uow.ledger.cancel_overpayment(item.id)
    reversal = Payment(source_key=source_key, channel=original.channel, amount=original.amount,
                       received_on=on, accounted_on=on, notice_no=original.notice_no,
                       period=original.period, taxpayer_id=original.taxpayer_id,
                       kind=PaymentKind.REVERSAL, reverses_id=payment_id)
    reversal_id = int(uow.payments.add(reversal))
    for assessment_id, component, net in uow.ledger.payment_parts(payment_id):
        uow.ledger.add_entry(reversal_id, assessment_id, component, -net, entry="reversal",
                             policy_version="reversal", on=on)
    if suspense is not None and suspense.status == "open":
        uow.ledger.resolve_suspense(suspense.id, "reversed", assessment_id=None, note=None)
    return reversal_id


def release_excess(uow: Any, assessment: Assessment, on: date, policy: CollectionPolicy,
                   cause: OverpaymentCause = OverpaymentCause.GENGAKU_KOSEI) -> int:
    """After a 減額更正 or 賦課取消, move what was paid beyond the new amount to 過誤納
    (17条), newest payment first, by negative ``release`` entries. Returns the yen released."""
    assert assessment.id is not None
    view = period_views(uow, [assessment], on, policy, count_later=True)[0]
    excess = {Component.HONZEI: view.balance.excess_paid,
              Component.ENTAIKIN: max(0, view.balance.entaikin_paid - view.balance.entaikin)
              if view.balance.entaikin_fixed else 0,
              Component.DUNNING_FEE: max(0, view.balance.fee_paid - view.balance.fee)}
    released = 0
    for payment_id, component, net in uow.ledger.period_payments(assessment.id):
        take = min(net, excess[component])
        if take <= 0:
            continue
        uow.ledger.add_entry(payment_id, assessment.id, component, -take, entry="release",
                             policy_version=policy.allocation.version, on=on)
        source = uow.payments.get(payment_id)
        uow.ledger.add_overpayment(taxpayer_id=assessment.taxpayer_id, payment_id=payment_id,
                                   assessment_id=assessment.id, cause=cause, amount=take, arisen_on=on,
                                   paid_on=source.received_on if source is not None else on,
                                   due_on=assessment.due_date, correction_on=on)
        excess[component] -= take
        released += take
    return released
