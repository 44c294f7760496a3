"""A taxpayer's account (調定・収納) and the section's statistics (SPEC §6 照会, issue 4).

Per period: 調定, 収納, 未納, 延滞金 as of the date, 督促, 時効完成日 (with the
6-month warning), 猶予, 口振不能. Statistics: 調定額, 収納額, 未納額 and 収納率 by
年度 × 税目, split into 現年度分 and 滞納繰越分.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.domain.assessment import TAX_NAMES, Assessment, TaxCode
from core.domain.ledger import OverpaymentItem
from core.errors import NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.rules.prescription import warn
from core.security.permissions import Actor, Permission
from core.services.ledger import load_policy, period_views
from core.services.registry import service

__all__ = ["PeriodLine", "PaymentLine", "TaxpayerAccount", "taxpayer_account", "StatisticsRow", "period_lines",
           "Statistics", "collection_statistics", "fiscal_year_of"]


@dataclass(frozen=True, slots=True)
class PeriodLine:
    assessment_id: int
    notice_no: str
    fiscal_year: int
    tax_code: str
    tax_name: str
    period: int
    due_date: date
    statutory_due_date: date
    status: str
    assessed: int
    honzei_paid: int
    honzei_due: int
    entaikin: int
    entaikin_due: int
    entaikin_fixed: bool
    fee_due: int
    dunning_on: date | None
    designated_on: date | None
    prescription_on: date | None
    prescribed: bool
    prescription_near: bool
    deferred: bool
    transfer_failed: bool
    suspended: bool = False  # 執行停止中
    extinction: str | None = None  # prescription | suspension_3y | immediate
    written_off: int = 0  # 不納欠損済

    @property
    def total_due(self) -> int:
        return self.honzei_due + self.entaikin_due + self.fee_due


@dataclass(frozen=True, slots=True)
class PaymentLine:
    payment_id: int
    kind: str
    channel: str
    amount: int
    received_on: date
    accounted_on: date
    notice_no: str | None
    period: int | None
    reversed: bool


@dataclass(frozen=True, slots=True)
class TaxpayerAccount:
    taxpayer_id: int
    atena_no: str
    as_of: date
    periods: tuple[PeriodLine, ...]
    payments: tuple[PaymentLine, ...]
    overpayments: tuple[OverpaymentItem, ...]

    @property
    def honzei_due(self) -> int:
        return sum(p.honzei_due for p in self.periods)

    @property
    def entaikin_due(self) -> int:
        return sum(p.entaikin_due for p in self.periods)

    @property
    def total_due(self) -> int:
        return sum(p.total_due for p in self.periods)


def period_lines(uow: UnitOfWork, assessments: Sequence[Assessment], as_of: date) -> list[PeriodLine]:
    """Inside the caller's unit of work: one line per period with its balance on *as_of*."""
    policy = load_policy(uow)
    views = period_views(uow, assessments, as_of, policy)
    ids = [a.id for a in assessments if a.id is not None]
    failed = uow.ledger.transfer_failures(ids)  # type: ignore[attr-defined]
    lines = []
    for v in views:
        a, b = v.assessment, v.balance
        assert a.id is not None
        near = (b.total_due > 0 and not v.extinct
                and warn(a.statutory_due_date, v.events, as_of, policy.prescription_warn_months)
                if v.prescription_on is not None else False)
        lines.append(PeriodLine(
            a.id, a.notice_no, a.fiscal_year, a.tax_code.value, TAX_NAMES[a.tax_code], a.period, a.due_date,
            a.statutory_due_date, a.status.value, b.assessed, b.honzei_paid, b.honzei_due, b.entaikin,
            b.entaikin_due, b.entaikin_fixed, b.fee_due,
            v.dunning.issued_on if v.dunning else None, v.dunning.designated_on if v.dunning else None,
            v.prescription_on, v.prescribed, near, v.deferred, a.id in failed and b.honzei_due > 0,
            v.suspended, v.extinction, v.written_off))
    return lines


@service(Permission.TAXPAYER_VIEW)
def taxpayer_account(uow: UnitOfWork, actor: Actor, taxpayer_id: int, *, as_of: date) -> TaxpayerAccount:
    """Every period of the taxpayer with its balance on *as_of* (audited as a view)."""
    with uow:
        taxpayer = uow.taxpayers.get(taxpayer_id)
        if taxpayer is None:
            raise NotFound("宛名が見つかりません")
        uow.audit.record(actor, AuditEvent(action="taxpayer.account", target_type="taxpayer",
                                           target_ref=taxpayer.atena_no))
        lines = period_lines(uow, uow.assessments.for_taxpayer(taxpayer_id), as_of)
        lines.sort(key=lambda p: (-p.fiscal_year, p.tax_code, p.period))
        reversed_ids = {p.reverses_id for p in uow.payments.for_taxpayer(taxpayer_id)  # type: ignore[attr-defined]
                        if p.reverses_id is not None}
        payments = tuple(
            PaymentLine(p.id or 0, p.kind.value, p.channel.value, p.amount, p.received_on, p.accounted_on,
                        p.notice_no, p.period, p.id in reversed_ids)
            for p in reversed(uow.payments.for_taxpayer(taxpayer_id)))  # type: ignore[attr-defined]
        overpayments = tuple(uow.ledger.overpayments_of_taxpayer(taxpayer_id))  # type: ignore[attr-defined]
        uow.commit()
    return TaxpayerAccount(taxpayer_id, taxpayer.atena_no, as_of, tuple(lines), payments, overpayments)


def fiscal_year_of(day: date) -> int:
    """年度: April to March."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    tax_code: str
    tax_name: str
    section: str  # 現年度分 | 滞納繰越分
    assessed: int
    collected: int

    @property
    def unpaid(self) -> int:
        return max(0, self.assessed - self.collected)

    @property
    def rate(self) -> float:
        """収納率 in percent (0.0 when nothing is assessed)."""
        return round(100.0 * min(self.collected, self.assessed) / self.assessed, 2) if self.assessed else 0.0


@dataclass(frozen=True, slots=True)
class Statistics:
    fiscal_year: int
    rows: tuple[StatisticsRow, ...]

    def total(self, section: str | None = None) -> StatisticsRow:
        rows = [r for r in self.rows if section is None or r.section == section]
        return StatisticsRow("", "合計", section or "合計", sum(r.assessed for r in rows),
                             sum(r.collected for r in rows))


@service(Permission.REPORT_VIEW)
def collection_statistics(uow: UnitOfWork, actor: Actor, *, fiscal_year: int, as_of: date | None = None) -> Statistics:
    """Per 税目, for 年度 *fiscal_year* (April–March, counted up to *as_of* if earlier):

    - 現年度分: periods of that 年度 — 調定額, and the 本税 received by the end;
    - 滞納繰越分: periods of earlier 年度 — 調定額 = what was still unpaid on 4/1
      (carried forward), 収納額 = 本税 received during the 年度.
    """
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int) or not 1950 <= fiscal_year <= 2200:
        raise ValidationError("年度が範囲外です", field="fiscal_year")
    start, end = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
    if as_of is not None:
        end = min(end, as_of)
    with uow:
        data = uow.ledger.statistics(start, end)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="report.statistics", details={"fiscal_year": fiscal_year}))
        uow.commit()
    sums: dict[tuple[str, str], list[int]] = {}
    for year, code, assessed, before, within in data:
        if year == fiscal_year:
            key, values = (code, "現年度分"), (assessed, before + within)
        else:
            key, values = (code, "滞納繰越分"), (max(0, assessed - before), within)
        acc = sums.setdefault(key, [0, 0])
        acc[0] += values[0]
        acc[1] += values[1]
    rows = tuple(StatisticsRow(code, TAX_NAMES[TaxCode(code)], section, a, c)
                 for (code, section), (a, c) in sorted(sums.items(), key=lambda kv: (kv[0][1] != "現年度分", kv[0][0])))
    return Statistics(fiscal_year, rows)
