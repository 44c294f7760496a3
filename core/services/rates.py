"""The 延滞金・還付加算金 rate table as data (SPEC §4.3): proposed by one administrator,
approved by another (maker–checker), every step audited.

The table starts as the SPEC's (:data:`core.rules.rates.DEFAULT_RATES`); once a
change is approved the stored table is used. A year with no row is an error
wherever a rate is needed, never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import NotFound
from core.ports import AuditEvent, UnitOfWork
from core.rules.rates import DEFAULT_RATE_TABLE, RateTable, YearRates
from core.security.permissions import Actor, Permission, require_other_checker
from core.services.registry import service

__all__ = [
    "rates_in_force",
    "RATE_TABLE_KEY",
    "PROPOSALS_KEY",
    "RateProposal",
    "load_rate_table",
    "list_rate_proposals",
    "propose_rates",
    "approve_rates",
    "reject_rates",
]

RATE_TABLE_KEY = "rate_table"
PROPOSALS_KEY = "rate_table_proposals"


@dataclass(frozen=True, slots=True)
class RateProposal:
    rates: YearRates
    proposed_by: str
    proposed_at: str
    replaces: YearRates | None


def load_rate_table(uow: UnitOfWork) -> RateTable:
    """The table in force (inside the caller's unit of work). Rates are not personal data."""
    rows = uow.settings.get(RATE_TABLE_KEY)
    return RateTable.from_rows(rows) if rows else DEFAULT_RATE_TABLE


def _proposals(uow: UnitOfWork) -> dict[str, dict[str, Any]]:
    return dict(uow.settings.get(PROPOSALS_KEY, {}) or {})


def _to_proposal(data: dict[str, Any]) -> RateProposal:
    replaces = data.get("replaces")
    return RateProposal(
        rates=RateTable.from_rows([data["rates"]])[int(data["rates"]["year"])],
        proposed_by=str(data["proposed_by"]),
        proposed_at=str(data["proposed_at"]),
        replaces=RateTable.from_rows([replaces])[int(replaces["year"])] if replaces else None,
    )


@service(Permission.ADMIN_SETTINGS)
def rates_in_force(uow: UnitOfWork, actor: Actor) -> RateTable:
    """The rate table in force (not personal data; shown to those who set it)."""
    with uow:
        return load_rate_table(uow)


@service(Permission.ADMIN_SETTINGS)
def list_rate_proposals(uow: UnitOfWork, actor: Actor) -> list[RateProposal]:
    with uow:
        return [_to_proposal(p) for _, p in sorted(_proposals(uow).items())]


@service(Permission.ADMIN_SETTINGS)
def propose_rates(uow: UnitOfWork, actor: Actor, rates: YearRates, *, now: datetime) -> RateProposal:
    """Record a proposed row (new year or a correction); nothing changes until approved."""
    with uow:
        current = load_rate_table(uow)
        proposals = _proposals(uow)
        proposals[str(rates.year)] = {
            "rates": rates.to_row(),
            "proposed_by": actor.user_id,
            "proposed_at": now.isoformat(),
            "replaces": current[rates.year].to_row() if rates.year in current else None,
        }
        uow.settings.set(PROPOSALS_KEY, proposals, by=actor.user_id)
        uow.audit.record(actor, AuditEvent(action="settings.change", target_type="rate_table",
                                           target_ref=str(rates.year),
                                           details={"step": "proposed", **rates.to_row()}))
        uow.commit()
        return _to_proposal(proposals[str(rates.year)])


def _take(uow: UnitOfWork, year: int) -> tuple[dict[str, dict[str, Any]], RateProposal]:
    proposals = _proposals(uow)
    data = proposals.pop(str(year), None)
    if data is None:
        raise NotFound(f"{year}年の割合の変更案はありません")
    return proposals, _to_proposal(data)


@service(Permission.ADMIN_SETTINGS)
def approve_rates(uow: UnitOfWork, actor: Actor, year: int) -> RateTable:
    """Apply a proposal; the approver must be another administrator than the proposer."""
    with uow:
        proposals, proposal = _take(uow, year)
        require_other_checker(actor, Permission.ADMIN_SETTINGS, maker=proposal.proposed_by)
        table = load_rate_table(uow).with_year(proposal.rates)
        uow.settings.set(RATE_TABLE_KEY, table.to_rows(), by=actor.user_id)
        uow.settings.set(PROPOSALS_KEY, proposals, by=actor.user_id)
        uow.audit.record(actor, AuditEvent(action="settings.change", target_type="rate_table",
                                           target_ref=str(year),
                                           details={"step": "approved", "proposed_by": proposal.proposed_by,
                                                    **proposal.rates.to_row()}))
        uow.commit()
        return table


@service(Permission.ADMIN_SETTINGS)
def reject_rates(uow: UnitOfWork, actor: Actor, year: int) -> None:
    with uow:
        proposals, proposal = _take(uow, year)
        uow.settings.set(PROPOSALS_KEY, proposals, by=actor.user_id)
        uow.audit.record(actor, AuditEvent(action="settings.change", target_type="rate_table",
                                           target_ref=str(year),
                                           details={"step": "rejected", "proposed_by": proposal.proposed_by}))
        uow.commit()
