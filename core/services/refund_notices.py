"""The data of a 充当通知書 and a 還付通知書 (SPEC §4.5, §8): what was appropriated to
which period on which 充当適状日, and what is refunded, how and when. The printed
documents are rendered from this by storage (issue 8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.domain.assessment import TAX_NAMES
from core.domain.refund import METHOD_LABELS, RefundState
from core.errors import NotFound
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.registry import service

__all__ = ["CAUSE_LABELS", "NoticeLine", "OverpaymentNotice", "overpayment_notice"]

CAUSE_LABELS: dict[str, str] = {
    "gengaku": "減額更正", "torikeshi": "賦課取消", "double": "二重納付", "gono": "誤納", "kano": "過納",
    "seikyu": "更正の請求",
}


@dataclass(frozen=True, slots=True)
class NoticeLine:
    fiscal_year: int
    tax_name: str
    period: int
    notice_no: str
    appropriated_on: date
    honzei: int
    entaikin: int
    fee: int
    kasankin: int


@dataclass(frozen=True, slots=True)
class OverpaymentNotice:
    """Personal fields (name, address) are for the printed notice only."""

    atena_no: str
    name: str
    address: str | None
    cause: str
    amount: int
    arisen_on: date
    appropriations: tuple[NoticeLine, ...]
    refund_amount: int
    refund_kasankin: int
    refund_method: str | None
    refund_pay_on: date | None
    refund_state: str | None

    def __repr__(self) -> str:
        return f"OverpaymentNotice(atena_no={self.atena_no!r}, amount={self.amount})"


@service(Permission.REFUND_DRAFT)
def overpayment_notice(uow: UnitOfWork, actor: Actor, overpayment_id: int) -> OverpaymentNotice:
    with uow:
        item = uow.refunds.overpayment(overpayment_id)  # type: ignore[attr-defined]
        taxpayer = uow.taxpayers.get(item.taxpayer_id)
        if taxpayer is None:
            raise NotFound("宛名が見つかりません")
        lines = []
        for appr in uow.refunds.appropriations(item.id):  # type: ignore[attr-defined]
            a = uow.assessments.get(appr.assessment_id)
            assert a is not None
            parts = {c.value: amt for _, c, amt in uow.ledger.payment_parts(appr.payment_id)}  # type: ignore[attr-defined]
            lines.append(NoticeLine(a.fiscal_year, TAX_NAMES[a.tax_code], a.period, a.notice_no, appr.appropriated_on,
                                    parts.get("honzei", 0), parts.get("entaikin", 0), parts.get("dunning_fee", 0),
                                    appr.kasankin))
        live = [r for r in uow.refunds.refunds(taxpayer_id=item.taxpayer_id)  # type: ignore[attr-defined]
                if r.overpayment_id == item.id and r.state is not RefundState.CANCELLED]
        refund = live[-1] if live else None
        uow.audit.record(actor, AuditEvent(action="refund.notice_data", target_type="taxpayer",
                                           target_ref=taxpayer.atena_no, details={"overpayment_id": item.id}))
        uow.commit()
    return OverpaymentNotice(
        taxpayer.atena_no, taxpayer.name, taxpayer.mailing_address or taxpayer.address,
        CAUSE_LABELS.get(item.cause.value, item.cause.value), item.amount, item.arisen_on, tuple(lines),
        refund.amount if refund else 0, refund.kasankin if refund else 0,
        METHOD_LABELS[refund.method] if refund else None, refund.pay_on if refund else None,
        refund.state.value if refund else None)
