"""The rate table as data: proposed by one administrator, approved by another (SPEC §4.3, §5.3)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import NotFound
from core.rules.entaikin import compute_entaikin
from core.rules.rates import MissingRate, YearRates
from core.security.permissions import Actor, MakerCheckerViolation
from core.services.rates import approve_rates, list_rate_proposals, load_rate_table, propose_rates, reject_rates
from storage.schema import audit_events
from storage.store import Store

NOW = datetime(2026, 12, 20, tzinfo=UTC)
ADMIN1 = Actor("admin1", frozenset({"admin.settings"}))
ADMIN2 = Actor("admin2", frozenset({"admin.settings"}))
Y2027 = YearRates(2027, Decimal("2.9"), Decimal("9.2"), Decimal("1.4"))


def table(store: Store):  # type: ignore[no-untyped-def]
    with store.uow() as uow:
        return load_rate_table(uow)


class TestRateTableChanges:
    def test_a_new_year_applies_only_after_another_administrator_approves(self, store: Store) -> None:
        with pytest.raises(MissingRate, match="2027年"):
            compute_entaikin(amount=1_000_000, due=date(2026, 11, 30), until=date(2027, 3, 1), rates=table(store))
        propose_rates(store.uow(), ADMIN1, Y2027, now=NOW)
        assert 2027 not in table(store)
        assert [p.rates.year for p in list_rate_proposals(store.uow(), ADMIN2)] == [2027]
        with pytest.raises(MakerCheckerViolation):
            approve_rates(store.uow(), ADMIN1, 2027)
        approve_rates(store.uow(), ADMIN2, 2027)
        assert table(store)[2027] == Y2027 and list_rate_proposals(store.uow(), ADMIN2) == []
        result = compute_entaikin(amount=1_000_000, due=date(2026, 11, 30), until=date(2027, 3, 1),
                                  rates=table(store))
        assert result.total > 0 and {s.rate for s in result.segments if s.start.year == 2027} == {Decimal("9.2")}

    def test_a_correction_keeps_what_it_replaces_in_the_proposal(self, store: Store) -> None:
        corrected = YearRates(2026, Decimal("2.8"), Decimal("9.0"), Decimal("1.3"))
        proposal = propose_rates(store.uow(), ADMIN1, corrected, now=NOW)
        assert proposal.replaces is not None and proposal.replaces.after_month == Decimal("9.1")
        approve_rates(store.uow(), ADMIN2, 2026)
        assert table(store)[2026].after_month == Decimal("9.0")
        assert table(store)[2025].after_month == Decimal("8.7")  # the other years untouched

    def test_a_rejected_proposal_changes_nothing(self, store: Store) -> None:
        propose_rates(store.uow(), ADMIN1, Y2027, now=NOW)
        reject_rates(store.uow(), ADMIN2, 2027)
        assert 2027 not in table(store)
        with pytest.raises(NotFound):
            approve_rates(store.uow(), ADMIN2, 2027)

    def test_every_step_is_audited(self, store: Store) -> None:
        propose_rates(store.uow(), ADMIN1, Y2027, now=NOW)
        approve_rates(store.uow(), ADMIN2, 2027)
        with store.reading() as conn:
            rows = conn.execute(select(audit_events.c.user_id, audit_events.c.action, audit_events.c.details)
                                .order_by(audit_events.c.seq)).all()
        assert [(r.user_id, r.action) for r in rows] == [("admin1", "settings.change"), ("admin2", "settings.change")]
        assert '"step":"proposed"' in rows[0].details and '"step":"approved"' in rows[1].details
