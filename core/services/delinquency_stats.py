"""滞納整理 statistics (SPEC §6): the section's figures as of a date, counts and yen only.

- 滞納: taxpayers (distinct) and 本税 unpaid by 年度 × 税目 over periods past their
  納期限 that can still be collected (not 時効 or extinguished);
- 滞納繰越分 collected in the 年度 of the date (as in the 収納状況 report);
- cases by status and, for those not closed, by officer;
- approved 不納欠損 by 年度 × reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.domain.assessment import TAX_NAMES, TaxCode
from core.domain.delinquency import CaseStatus
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.account import StatisticsRow, fiscal_year_of
from core.services.ledger import load_policy, period_views
from core.services.registry import service

__all__ = ["UnpaidRow", "WriteoffTotal", "DelinquencyStatistics", "delinquency_statistics"]

_CHUNK = 1000
CARRIED = "滞納繰越分"


@dataclass(frozen=True, slots=True)
class UnpaidRow:
    fiscal_year: int
    tax_code: str
    tax_name: str
    taxpayers: int
    periods: int
    honzei_due: int


@dataclass(frozen=True, slots=True)
class WriteoffTotal:
    fiscal_year: int
    reason: str  # core.domain.delinquency.WriteoffReason value
    amount: int


@dataclass(frozen=True, slots=True)
class DelinquencyStatistics:
    as_of: date
    fiscal_year: int
    delinquent_taxpayers: int
    unpaid: tuple[UnpaidRow, ...]  # by 年度 (newest first) × 税目
    carried: tuple[StatisticsRow, ...]  # 滞納繰越分 of the 年度 by 税目: carried in and collected
    cases_by_status: tuple[tuple[str, int], ...]  # every CaseStatus, in its order
    cases_by_officer: tuple[tuple[str | None, int], ...]  # cases not closed
    writeoffs: tuple[WriteoffTotal, ...]

    @property
    def honzei_due(self) -> int:
        return sum(r.honzei_due for r in self.unpaid)

    @property
    def carried_total(self) -> StatisticsRow:
        return StatisticsRow("", "合計", CARRIED, sum(r.assessed for r in self.carried),
                             sum(r.collected for r in self.carried))


def _unpaid(uow: UnitOfWork, as_of: date) -> tuple[int, tuple[UnpaidRow, ...]]:
    policy = load_policy(uow)
    periods = [a for a in uow.ledger.unpaid_periods() if a.due_date < as_of]  # type: ignore[attr-defined]
    people: set[int] = set()
    sums: dict[tuple[int, str], tuple[set[int], list[int]]] = {}
    for i in range(0, len(periods), _CHUNK):
        for v in period_views(uow, periods[i:i + _CHUNK], as_of, policy):
            if v.extinct or v.balance.honzei_due <= 0:
                continue
            a = v.assessment
            people.add(a.taxpayer_id)
            who, acc = sums.setdefault((a.fiscal_year, a.tax_code.value), (set(), [0, 0]))
            who.add(a.taxpayer_id)
            acc[0] += 1
            acc[1] += v.balance.honzei_due
    rows = tuple(UnpaidRow(year, code, TAX_NAMES[TaxCode(code)], len(who), n, due)
                 for (year, code), (who, (n, due)) in sorted(sums.items(), key=lambda kv: (-kv[0][0], kv[0][1])))
    return len(people), rows


def _carried(uow: UnitOfWork, fiscal_year: int, as_of: date) -> tuple[StatisticsRow, ...]:
    """滞納繰越分 as :func:`core.services.account.collection_statistics` counts it."""
    start, end = date(fiscal_year, 4, 1), min(date(fiscal_year + 1, 3, 31), as_of)
    sums: dict[str, list[int]] = {}
    for year, code, assessed, before, within in uow.ledger.statistics(start, end):  # type: ignore[attr-defined]
        if year < fiscal_year:
            acc = sums.setdefault(code, [0, 0])
            acc[0] += max(0, assessed - before)
            acc[1] += within
    return tuple(StatisticsRow(code, TAX_NAMES[TaxCode(code)], CARRIED, a, c) for code, (a, c) in sorted(sums.items()))


@service(Permission.REPORT_VIEW)
def delinquency_statistics(uow: UnitOfWork, actor: Actor, *, as_of: date) -> DelinquencyStatistics:
    """The 滞納整理 figures on *as_of* (年度 = the April–March year containing it)."""
    fiscal_year = fiscal_year_of(as_of)
    with uow:
        people, unpaid = _unpaid(uow, as_of)
        carried = _carried(uow, fiscal_year, as_of)
        by_status: dict[str, int] = {}
        by_officer: dict[str | None, int] = {}
        for status, officer, count in uow.cases.counts():  # type: ignore[attr-defined]
            by_status[status] = by_status.get(status, 0) + count
            if status != "closed":
                by_officer[officer] = by_officer.get(officer, 0) + count
        writeoffs = tuple(WriteoffTotal(y, r, a) for y, r, a in sorted(
            uow.dispositions.writeoff_totals(), key=lambda t: (-t[0], t[1])))  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="report.delinquency", details={"as_of": as_of.isoformat()}))
        uow.commit()
    return DelinquencyStatistics(
        as_of, fiscal_year, people, unpaid, carried, tuple((s.value, by_status.get(s.value, 0)) for s in CaseStatus),
        tuple(sorted(by_officer.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))), writeoffs)
