"""充当 (地方税法17条の2, SPEC §4.5): an overpayment must first pay the taxpayer's
unpaid debts — 本税, 延滞金, 督促手数料, oldest 法定納期限 first — and only the
remainder may be refunded.

Each debt's 充当適状日 is the later of the overpayment's date and the debt's
納期限; the appropriated money is entered as a payment of that period made on
that day (17条の2②: deemed paid then), so its 延滞金 stops there. The
還付加算金 on the appropriated part runs to the same day (17条の4) and is paid
out with the refund of the rest. A preview shows the plan; executing it checks
the plan is still the one shown and takes the money from the overpayment with a
compare-and-set, so two clerks cannot appropriate the same yen twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.domain.assessment import TAX_NAMES
from core.domain.ledger import OverpaymentItem
from core.domain.payment import Channel, Component, Payment
from core.errors import ConflictError
from core.ports import AuditEvent, UnitOfWork
from core.rules.allocation import allocate_to_period
from core.rules.kasankin import compute_kasankin
from core.security.permissions import Actor, Permission
from core.services.ledger import CollectionPolicy, due_of, load_policy, period_views
from core.services.posting import post_payment
from core.services.registry import service

__all__ = ["AppropriationLine", "AppropriationPlan", "plan_appropriation", "preview_appropriation",
           "appropriate", "kasankin_of"]


@dataclass(frozen=True, slots=True)
class AppropriationLine:
    assessment_id: int
    notice_no: str
    fiscal_year: int
    tax_name: str
    period: int
    on: date  # 充当適状日
    honzei: int
    entaikin: int
    fee: int
    kasankin: int  # 還付加算金 on this part, to the 充当適状日

    @property
    def amount(self) -> int:
        return self.honzei + self.entaikin + self.fee


@dataclass(frozen=True, slots=True)
class AppropriationPlan:
    overpayment_id: int
    taxpayer_id: int
    available: int
    lines: tuple[AppropriationLine, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def remainder(self) -> int:
        return self.available - self.total


def kasankin_of(item: OverpaymentItem, amount: int, end: date, policy: CollectionPolicy) -> int:
    """還付加算金 on *amount* of *item* to *end* (0 when the rule gives none)."""
    if amount <= 0:
        return 0
    paid = item.paid_on or item.arisen_on
    cause = item.cause.value
    if cause == "seikyu":
        if item.request_on is None or item.correction_on is None:
            return 0  # 更正の請求 without its dates: computed by hand (recorded as 0)
        return compute_kasankin(amount=amount, cause=cause, paid=paid, decided=end, request=item.request_on,
                                correction=item.correction_on, rates=policy.rates).total
    due = item.due_on if cause in ("gengaku", "torikeshi") else None
    return compute_kasankin(amount=amount, cause=cause, paid=paid, decided=end, due=due, rates=policy.rates).total


def plan_appropriation(uow: UnitOfWork, item: OverpaymentItem, on: date, policy: CollectionPolicy) -> AppropriationPlan:
    """What the overpayment's remainder must pay, as of *on* (debts due by then)."""
    debts = [a for a in uow.assessments.for_taxpayer(item.taxpayer_id) if a.due_date <= on]
    views = [v for v in period_views(uow, debts, on, policy, count_later=True)
             if v.balance.total_due > 0 and not v.extinct]
    views.sort(key=lambda v: (v.assessment.statutory_due_date, v.assessment.due_date, v.assessment.id or 0))
    remaining = item.remaining
    lines: list[AppropriationLine] = []
    for view in views:
        if remaining <= 0:
            break
        a = view.assessment
        assert a.id is not None
        tekijo = max(item.arisen_on, a.due_date)
        at = period_views(uow, [a], tekijo, policy, count_later=True)[0]
        split = allocate_to_period(remaining, due_of(at), policy.allocation)
        if split.allocated == 0:
            continue
        parts = split.for_assessment(a.id)
        lines.append(AppropriationLine(
            a.id, a.notice_no, a.fiscal_year, TAX_NAMES[a.tax_code], a.period, tekijo,
            parts.get(Component.HONZEI, 0), parts.get(Component.ENTAIKIN, 0), parts.get(Component.DUNNING_FEE, 0),
            kasankin_of(item, split.allocated, tekijo, policy)))
        remaining -= split.allocated
    return AppropriationPlan(item.id, item.taxpayer_id, item.remaining, tuple(lines))


@service(Permission.REFUND_DRAFT)
def preview_appropriation(uow: UnitOfWork, actor: Actor, overpayment_id: int, *, on: date) -> AppropriationPlan:
    with uow:
        item = uow.refunds.overpayment(overpayment_id)  # type: ignore[attr-defined]
        plan = plan_appropriation(uow, item, on, load_policy(uow))
        uow.audit.record(actor, AuditEvent(action="overpayment.preview", target_type="overpayment",
                                           target_ref=str(item.id), details={"periods": len(plan.lines)}))
        uow.commit()
        return plan


@service(Permission.REFUND_DRAFT)
def appropriate(uow: UnitOfWork, actor: Actor, overpayment_id: int, *, on: date, expected_total: int) -> AppropriationPlan:
    """Execute the plan shown (its total must still be *expected_total*)."""
    with uow:
        item = uow.refunds.overpayment(overpayment_id, lock=True)  # type: ignore[attr-defined]
        if item.state != "open":
            raise ConflictError("この過誤納は充当・還付が済んでいるか、取り消されています")
        policy = load_policy(uow)
        plan = plan_appropriation(uow, item, on, policy)
        if plan.total != expected_total:
            raise ConflictError("充当の内容が変わりました（収納が記録されました）。もう一度確認してください")
        if not plan.lines:
            raise ConflictError("充当する未納がありません")
        done = len(uow.refunds.appropriations(item.id))  # type: ignore[attr-defined]
        for n, line in enumerate(plan.lines, start=done + 1):
            uow.refunds.take(item.id, line.amount)  # type: ignore[attr-defined]
            assessment = uow.assessments.get(line.assessment_id)
            assert assessment is not None
            posting = post_payment(uow, Payment(
                source_key=f"APR-{item.id}-{n}", channel=Channel.APPROPRIATION, amount=line.amount,
                received_on=line.on, accounted_on=max(line.on, on), taxpayer_id=item.taxpayer_id,
                notice_no=assessment.notice_no, period=assessment.period), policy, periods=[assessment])
            if posting.allocated != line.amount:
                raise ConflictError("充当額が未納額と一致しません。もう一度確認してください")
            uow.refunds.add_appropriation(item.id, posting.payment_id, line.assessment_id, line.amount,  # type: ignore[attr-defined]
                                          line.kasankin, line.on)
        uow.audit.record(actor, AuditEvent(action="overpayment.appropriate", target_type="overpayment",
                                           target_ref=str(item.id), details={
                                               "periods": len(plan.lines), "amount": plan.total,
                                               "kasankin": sum(line.kasankin for line in plan.lines)}))
        uow.commit()
    return plan
