"""窓口収納 — a counter payment: quote the periods as of today (本税, 延滞金 as of the
payment date, 督促手数料), take the money, allocate oldest first, print a receipt."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.domain.assessment import TAX_NAMES
from core.domain.payment import Channel, Component, Payment
from core.errors import ConflictError, NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.ledger import PeriodView, load_policy, period_views
from core.services.posting import post_payment
from core.services.registry import service

__all__ = ["QuoteLine", "CounterQuote", "ReceiptLine", "Receipt", "counter_quote", "counter_pay"]


@dataclass(frozen=True, slots=True)
class QuoteLine:
    assessment_id: int
    notice_no: str
    fiscal_year: int
    tax_code: str
    tax_name: str
    period: int
    due_date: date
    honzei: int
    entaikin: int
    fee: int
    entaikin_fixed: bool

    @property
    def total(self) -> int:
        return self.honzei + self.entaikin + self.fee


@dataclass(frozen=True, slots=True)
class CounterQuote:
    taxpayer_id: int
    on: date
    lines: tuple[QuoteLine, ...]

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    notice_no: str
    fiscal_year: int
    tax_name: str
    period: int
    honzei: int
    entaikin: int
    fee: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """領収証書 data. ``taxpayer_name`` is shown and printed only."""

    receipt_no: str
    payment_id: int
    on: date
    atena_no: str
    taxpayer_name: str
    lines: tuple[ReceiptLine, ...]
    amount: int
    received: int
    change: int
    operator: str
    terminal: str | None

    def __repr__(self) -> str:
        return f"Receipt(receipt_no={self.receipt_no!r}, amount={self.amount})"


def _quote(uow: UnitOfWork, taxpayer_id: int, assessment_ids: Sequence[int], on: date) -> tuple[CounterQuote, list[PeriodView]]:
    if not assessment_ids:
        raise ValidationError("納付する期別を選んでください", field="periods")
    periods = uow.ledger.lock_periods(list(assessment_ids))  # type: ignore[attr-defined]
    if len(periods) != len(set(assessment_ids)) or any(a.taxpayer_id != taxpayer_id for a in periods):
        raise NotFound("選んだ期別がこの納税者の調定にありません")
    views = [v for v in period_views(uow, periods, on, load_policy(uow))]
    views.sort(key=lambda v: (v.assessment.statutory_due_date, v.assessment.due_date, v.assessment.id or 0))
    lines = []
    for v in views:
        a, b = v.assessment, v.balance
        if v.extinct:
            raise ConflictError(f"{a.fiscal_year}年度 {TAX_NAMES[a.tax_code]} 第{a.period}期は"
                                f"{'時効が完成' if v.prescribed else '納付義務が消滅（執行停止）'}しており、収納できません")
        assert a.id is not None
        lines.append(QuoteLine(a.id, a.notice_no, a.fiscal_year, a.tax_code.value, TAX_NAMES[a.tax_code], a.period,
                               a.due_date, b.honzei_due, b.entaikin_due, b.fee_due, b.entaikin_fixed))
    return CounterQuote(taxpayer_id, on, tuple(lines)), views


@service(Permission.PAYMENT_POST)
def counter_quote(uow: UnitOfWork, actor: Actor, taxpayer_id: int, assessment_ids: Sequence[int], *, on: date) -> CounterQuote:
    """What the chosen periods owe on *on* (延滞金 computed as of that day)."""
    with uow:
        quote, _ = _quote(uow, taxpayer_id, assessment_ids, on)
        taxpayer = uow.taxpayers.get(taxpayer_id)
        uow.audit.record(actor, AuditEvent(action="payment.quote", target_type="taxpayer",
                                           target_ref=taxpayer.atena_no if taxpayer else None,
                                           details={"periods": len(quote.lines), "total": quote.total}))
        uow.commit()
        return quote


@service(Permission.PAYMENT_POST)
def counter_pay(
    uow: UnitOfWork, actor: Actor, taxpayer_id: int, assessment_ids: Sequence[int], *, on: date,
    amount: int, received: int, expected_total: int,
) -> Receipt:
    """Take *amount* 円 (of *received* 円 handed over) for the chosen periods.

    *expected_total* is the quote the clerk showed; if the periods changed since
    (another payment arrived), nothing is posted and the clerk quotes again.
    The counter takes no more than is owed: no overpayment is made at the counter.
    """
    for value, label in ((amount, "納付額"), (received, "預り金")):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValidationError(f"{label}は1円以上の整数です", field="amount")
    if received < amount:
        raise ValidationError("預り金が納付額より少ないです", field="received")
    with uow:
        terminal = uow.identity.terminal(actor.terminal_id or "")
        if terminal is None or terminal.disabled or not terminal.is_counter:
            raise ConflictError("窓口収納は窓口端末でのみ行えます")
        taxpayer = uow.taxpayers.get(taxpayer_id)
        if taxpayer is None:
            raise NotFound("宛名が見つかりません")
        quote, views = _quote(uow, taxpayer_id, assessment_ids, on)
        if quote.total != expected_total:
            raise ConflictError("未納額が変わりました（他の収納が記録されました）。もう一度照会してください")
        if amount > quote.total:
            raise ValidationError(f"納付額が未納額の合計（{quote.total:,}円）を超えています", field="amount")
        key = f"CTR-{on:%Y%m%d}-{secrets.token_hex(6).upper()}"
        payment = Payment(source_key=key, channel=Channel.COUNTER, amount=amount, received_on=on,
                          accounted_on=on, taxpayer_id=taxpayer_id)
        posting = post_payment(uow, payment, load_policy(uow), periods=[v.assessment for v in views])
        receipt_no = f"R{on:%Y%m%d}-{posting.payment_id:08d}"
        by_period: dict[int, dict[Component, int]] = {}
        for part in posting.parts:
            by_period.setdefault(part.assessment_id, {})[part.component] = part.amount
        lines = tuple(
            ReceiptLine(line.notice_no, line.fiscal_year, line.tax_name, line.period,
                        by_period.get(line.assessment_id, {}).get(Component.HONZEI, 0),
                        by_period.get(line.assessment_id, {}).get(Component.ENTAIKIN, 0),
                        by_period.get(line.assessment_id, {}).get(Component.DUNNING_FEE, 0))
            for line in quote.lines if line.assessment_id in by_period)
        uow.audit.record(actor, AuditEvent(action="payment.counter", target_type="taxpayer",
                                           target_ref=taxpayer.atena_no,
                                           details={"payment_id": posting.payment_id, "amount": amount,
                                                    "periods": len(lines), "receipt_no": receipt_no}))
        uow.commit()
    return Receipt(receipt_no, posting.payment_id, on, taxpayer.atena_no, taxpayer.name, lines, amount, received,
                   received - amount, actor.user_id, actor.terminal_id)
