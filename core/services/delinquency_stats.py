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
from core.services.ledger import load_policy, load_view_context, unpaid_figures
from core.services.registry import service

__all__ = ["UnpaidRow", "WriteoffTotal", "DelinquencyStatistics", "delinquency_statistics", "UnpaidStatistics",
           "unpaid_statistics"]

_CHUNK = 5_000
CARRIED = "滞納繰越分"


@dataclass(frozen=True, slots=True)
class UnpaidRow:
    fiscal_year: int
    tax_code: str
    tax_name: str
    taxpayers: int
    periods: int
    honzei_due: int
    entaikin_due: int = 0  # 延滞金 run up by the date, less what was paid to it


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


def _unpaid(uow: UnitOfWork, as_of: date) -> tuple[int, tuple[UnpaidRow, ...], int]:
    """(taxpayers, rows, periods looked at): every active period past its 納期限 with 本税
    unpaid, read a chunk at a time, with its 延滞金 as of *as_of*; extinct ones left out."""
    policy = load_policy(uow)
    people: set[int] = set()
    sums: dict[tuple[int, str], tuple[set[int], list[int]]] = {}
    looked_at = 0
    for chunk in uow.ledger.unpaid_period_chunks(as_of, _CHUNK):  # type: ignore[attr-defined]
        looked_at += len(chunk)
        ctx = load_view_context(uow, [a.id for a in chunk])
        for a, honzei_due, entaikin_due, extinct in unpaid_figures(ctx, chunk, as_of, policy):
            if extinct or honzei_due <= 0:
                continue
            people.add(a.taxpayer_id)
            who, acc = sums.setdefault((a.fiscal_year, a.tax_code.value), (set(), [0, 0, 0]))
            who.add(a.taxpayer_id)
            acc[0] += 1
            acc[1] += honzei_due
            acc[2] += entaikin_due
    rows = tuple(UnpaidRow(year, code, TAX_NAMES[TaxCode(code)], len(who), n, due, charge)
                 for (year, code), (who, (n, due, charge)) in sorted(sums.items(), key=lambda kv: (-kv[0][0], kv[0][1])))
    return len(people), rows, looked_at


@dataclass(frozen=True, slots=True)
class UnpaidStatistics:
    """滞納額と延滞金見込額: what is owed on *as_of* by 年度 × 税目."""

    as_of: date
    delinquent_taxpayers: int
    rows: tuple[UnpaidRow, ...]
    periods_examined: int  # unpaid periods past their 納期限 read (extinct ones included)

    @property
    def honzei_due(self) -> int:
        return sum(r.honzei_due for r in self.rows)

    @property
    def entaikin_due(self) -> int:
        return sum(r.entaikin_due for r in self.rows)


@service(Permission.REPORT_VIEW)
def unpaid_statistics(uow: UnitOfWork, actor: Actor, *, as_of: date) -> UnpaidStatistics:
    """滞納本税 and the 延滞金 each period has run up by *as_of* (326条①②, 20条の4の2), by 年度 × 税目."""
    with uow:
        people, rows, looked_at = _unpaid(uow, as_of)
        uow.audit.record(actor, AuditEvent(action="report.unpaid", details={"as_of": as_of.isoformat(),
                                                                            "periods": looked_at}))
        uow.commit()
    return UnpaidStatistics(as_of, people, rows, looked_at)


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
        people, unpaid, _ = _unpaid(uow, as_of)
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
