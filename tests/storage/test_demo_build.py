"""``nozei demo`` writes a consistent municipality, and an interrupted build is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select

from core.config import Config
from core.errors import NozeiError
from storage.demo import build
from storage.demo.synthetic import DemoTaxpayer, generate
from storage.schema import allocations, assessments, payments
from logs.writer import AuditWriter
from storage.store import Store, open_store
from tests.collection.helpers import conserved, money
from tests.conftest import fast_tools

AS_OF = date(2026, 11, 22)


def _sum(store: Store, column: object, where: object = None) -> int:
    query = select(func.coalesce(func.sum(column), 0))  # type: ignore[arg-type]
    if where is not None:
        query = query.where(where)  # type: ignore[arg-type]
    with store.reading() as conn:
        return int(conn.execute(query).scalar_one())


class TestDemoBuild:
    def test_money_is_conserved_between_payments_allocations_and_overpayments(self, config: Config) -> None:
        store, summary = build.build_demo(config, taxpayers_count=400, seed=3, as_of=AS_OF,
                                          audit_factory=AuditWriter, tools=fast_tools())
        try:
            assert conserved(store)  # reversals, 充当 and 還付 included
            m = money(store)
            assert m["overpaid"] > 0 and m["suspense"] > 0 and m["appropriated"] > 0 and m["refunded"] > 0
            receipts = select(payments.c.id).where(payments.c.kind == "receipt")
            assert _sum(store, payments.c.allocated_amount, payments.c.kind == "receipt") == _sum(
                store, allocations.c.amount, allocations.c.payment_id.in_(receipts))
            assert _sum(store, payments.c.allocated_amount, payments.c.kind == "reversal") == -_sum(
                store, allocations.c.amount, allocations.c.payment_id.not_in(receipts))
            # no 本税 is paid beyond what a period assessed
            with store.reading() as conn:
                excess = conn.execute(
                    select(func.count()).select_from(
                        select(assessments.c.id)
                        .join(allocations, allocations.c.assessment_id == assessments.c.id)
                        .where(allocations.c.component == "honzei")
                        .group_by(assessments.c.id, assessments.c.assessed_amount)
                        .having(func.sum(allocations.c.amount) > assessments.c.assessed_amount)
                        .subquery()
                    )
                ).scalar_one()
            assert excess == 0
            assert summary.taxpayers == 400 and summary.assessments > 400 * 5
        finally:
            store.close()

    def test_the_same_seed_builds_the_same_municipality(self, config: Config) -> None:
        a = [d.taxpayer for d in generate(50, seed=9, as_of=AS_OF)]
        b = [d.taxpayer for d in generate(50, seed=9, as_of=AS_OF)]
        assert a == b

    def test_an_interrupted_build_refuses_to_open(self, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(build, "_COMMIT_EVERY", 10)

        def dies_midway(count: int, **kwargs: object) -> Iterator[DemoTaxpayer]:
            for i, person in enumerate(generate(count, seed=1, as_of=AS_OF)):
                if i == 25:
                    raise KeyboardInterrupt
                yield person

        monkeypatch.setattr(build, "generate", dies_midway)
        with pytest.raises(KeyboardInterrupt):
            build.build_demo(config, taxpayers_count=100, as_of=AS_OF, audit_factory=AuditWriter,
                             tools=fast_tools())
        with pytest.raises(NozeiError, match="途中で止まっています"):
            open_store(config, audit_factory=AuditWriter)
