"""``nozei demo`` writes a consistent municipality, and an interrupted build is refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import ColumnElement, Connection, Table, func, select

from core.config import Config
from core.errors import NozeiError
from logs.verify import verify_chain
from storage.crypto.signing import audit_signing_key
from storage.demo import build
from storage.demo.delinquency import _NOTES
from storage.demo.synthetic import DemoTaxpayer, generate
from storage.schema import (
    allocations,
    assessments,
    cases,
    dispositions,
    overpayments,
    payments,
    plans,
    suspensions,
    writeoff_runs,
)
from logs.writer import AuditWriter
from storage.store import Store, open_store
from tests.collection.helpers import conserved, money, paid_column_agrees
from tests.conftest import fast_tools

AS_OF = date(2026, 11, 22)


def _sum(store: Store, column: object, where: object = None) -> int:
    query = select(func.coalesce(func.sum(column), 0))  # type: ignore[arg-type]
    if where is not None:
        query = query.where(where)  # type: ignore[arg-type]
    with store.reading() as conn:
        return int(conn.execute(query).scalar_one())


def _states(conn: Connection, table: Table, *where: ColumnElement[bool]) -> set[str]:
    return set(conn.execute(select(table.c.status).distinct().where(*where)).scalars())


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

    def test_the_short_way_to_unpaid_figures_agrees_with_the_full_views(self, config: Config) -> None:
        """unpaid_figures (the 延滞金 batch) against views_from, over every unpaid period of a
        demo with 猶予, 執行停止, 差押, 分納誓約 and partial payments, on several dates."""
        from core.services.ledger import load_policy, load_view_context, unpaid_figures, views_from

        store, _ = build.build_demo(config, taxpayers_count=150, seed=5, as_of=AS_OF,
                                    audit_factory=AuditWriter, tools=fast_tools())
        try:
            assert paid_column_agrees(store)
            shortcut = 0
            with store.uow(readonly=True) as uow:
                policy = load_policy(uow)
                rates = policy.rates
                for year in range(2027, 2033):  # later years at 2026's rates, to reach 時効 (5 years)
                    rates = rates.with_year(replace(rates.for_year(2026), year=year))
                policy = replace(policy, rates=rates)
                periods = [a for chunk in uow.ledger.unpaid_period_chunks(date(2099, 1, 1), 500) for a in chunk]
                ctx = load_view_context(uow, [a.id for a in periods])
                extinct = 0
                dunned = sorted({a.statutory_due_date for a in periods if a.id in ctx.dunnings})[:4]
                # …and days just past 5 years from a 法定納期限, where only the 督促's renewal keeps a period alive
                dates = [date(2024, 1, 15), AS_OF, date(2026, 12, 31),
                         *(d.replace(year=d.year + 5, day=min(d.day, 28)) + timedelta(days=8) for d in dunned)]
                for on in dates:
                    views = views_from(ctx, periods, on, policy)
                    figures = list(unpaid_figures(ctx, periods, on, policy))
                    assert [(f[1], f[2], f[3]) for f in figures] == [
                        (v.balance.honzei_due, v.balance.entaikin_due, v.extinct) for v in views]
                    shortcut += sum(1 for f in figures if f[2] > 0 and not ctx.entries.get(f[0].id))
                    extinct += sum(1 for f in figures if f[3])
            assert len(periods) > 100 and shortcut > 10 and extinct > 10  # both ways taken, 時効 reached
        finally:
            store.close()

    def test_the_delinquency_history_is_made_by_the_services(self, config: Config) -> None:
        store, summary = build.build_demo(config, taxpayers_count=400, seed=3, as_of=AS_OF,
                                          audit_factory=AuditWriter, tools=fast_tools())
        try:
            with store.reading() as conn:
                officers = dict(conn.execute(select(cases.c.officer, func.count()).group_by(cases.c.officer)).all())
                case_ids = conn.execute(select(cases.c.id).order_by(cases.c.id)).scalars().all()
                assert {"active", "defaulted", "completed"} <= _states(conn, plans)
                assert {"in_force", "proposed", "collected", "released"} <= _states(
                    conn, dispositions, dispositions.c.kind == "seizure")
                assert {"in_force", "extinguished"} <= _states(conn, suspensions)
                assert "approved" in _states(conn, writeoff_runs)
                # maker–checker: the officers propose, the supervisor decides
                decided = set(conn.execute(select(dispositions.c.proposed_by, dispositions.c.approved_by)
                                           .where(dispositions.c.approved_by.is_not(None))).tuples())
                assert decided and decided <= {("officer", "supervisor"), ("officer2", "supervisor")}
                # a 取立 beyond what was owed: the surplus is the taxpayer's overpayment
                surplus = conn.execute(select(func.count()).select_from(overpayments.join(
                    payments, overpayments.c.payment_id == payments.c.id)).where(payments.c.channel == "seizure"))
                assert surplus.scalar_one() >= 1
            assert officers.get("officer", 0) > 5 and officers.get("officer2", 0) > 5 and officers.get(None, 0) > 0
            assert summary.cases == len(case_ids) and summary.case_records > len(case_ids)
            with store.uow() as uow:  # 経過記録 are encrypted at rest, read back newest first
                shown = [uow.cases.records(cid)[0] for cid in case_ids]
            typed = [r for records in shown for r in records if r.source == "manual"]
            assert len(typed) == summary.case_records
            assert {r.content for r in typed} <= {text for notes in _NOTES.values() for _, text in notes}
            assert all([r.occurred_at for r in rs] == sorted((r.occurred_at for r in rs), reverse=True) for rs in shown)
            assert any([r.id for r in rs] != sorted((r.id for r in rs), reverse=True) for rs in shown)  # typed late
            assert conserved(store)
            with store.reading() as conn:
                report = verify_chain(conn, public_key=audit_signing_key(store.kek).public_key(), checkpoint_file=None)
            assert report.ok
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
