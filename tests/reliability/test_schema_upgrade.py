"""Upgrading a populated database from the first released migration (0001) to head.

A municipality that installed the first release and kept working must be able
to run ``nozei db upgrade`` and find every taxpayer, period, payment and audit
event as it was, readable and usable, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, Table, insert, select

from core.config import Config
from core.security.permissions import Actor
from core.ports import AuditEvent
from core.services.payments import import_payments
from logs.writer import AuditWriter
from storage.crypto.context import Crypto
from storage.crypto.keyfile import create_kek
from storage.crypto.keyring import initialize_keys, load_keyring
from storage.db import make_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.repositories.assessments import SqlAssessmentRepository
from storage.repositories.taxpayers import SqlTaxpayerRepository
from storage.repositories.settings import SqlSettingsRepository
from storage.store import open_store, prepare_data_dir
from tests.collection.helpers import CLERK, balances, conserved, pay
from tests.factories import period, person
from tests.reliability.harness import chain_ok

pytestmark = pytest.mark.slow

FIRST = "0001"
NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def _populate_at_first_release(config: Config) -> dict[str, int]:
    """Write what release 1 wrote, through the tables as they were at 0001."""
    prepare_data_dir(config)
    engine = make_engine(config.resolved_database_url)
    try:
        upgrade(engine, FIRST)
        assert current_revision(engine) == FIRST
        kek = create_kek(config.resolved_key_file)
        old = MetaData()
        payments = Table("payments", old, autoload_with=engine)
        allocations = Table("allocations", old, autoload_with=engine)
        with engine.begin() as conn:
            initialize_keys(conn, kek)
            SqlSettingsRepository(conn).set("municipality", {"code": "999999", "name": "テスト市"}, by="init")
            crypto = Crypto.from_ring(load_keyring(conn, kek))
            people = SqlTaxpayerRepository(conn, crypto)
            periods = SqlAssessmentRepository(conn)
            ids = {}
            for n in (1, 2):
                tid = people.add(person(n, name=f"旧版　太郎{n}"))
                ids[f"a{n}"] = periods.add(period(tid, notice_no=f"20250100000{n}", amount=30_000))
                ids[f"t{n}"] = tid
            pid = conn.execute(insert(payments).values(
                source_key="R1-0001", kind="receipt", channel="bank", notice_no="202501000001", period=1,
                taxpayer_id=ids["t1"], amount=10_000, allocated_amount=10_000, received_on=date(2025, 6, 20),
                accounted_on=date(2025, 6, 20), operator="clerk1", created_at=NOW).returning(payments.c.id)
            ).scalar_one()
            conn.execute(insert(allocations).values(payment_id=pid, assessment_id=ids["a1"], component="honzei",
                                                    amount=10_000, policy_version="2026-01",
                                                    allocated_on=date(2025, 6, 20), created_at=NOW))
            AuditWriter(conn).record(Actor("clerk1", frozenset()), AuditEvent(action="payments.import",
                                                                              details={"records": 1}))
        return ids
    finally:
        engine.dispose()


class TestUpgradeFromTheFirstRelease:
    def test_every_record_survives_and_the_database_keeps_working(self, config: Config) -> None:
        ids = _populate_at_first_release(config)
        engine = make_engine(config.resolved_database_url)
        try:
            upgrade(engine)
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()

        store = open_store(config, audit_factory=AuditWriter)
        try:
            with store.uow(readonly=True) as uow:
                first = uow.taxpayers.get(ids["t1"])
                assert first is not None and first.name == "旧版　太郎1"
                assert uow.assessments.get(ids["a2"]) is not None
            assert balances(store, [ids["a1"]], date(2025, 6, 30))[ids["a1"]].honzei_due == 20_000
            import_payments(store.uow(), CLERK, [pay("R2-0001", 30_000, date(2025, 6, 25),
                                                     notice="202501000002")],
                            sha256="c" * 64, file_name="after-upgrade.csv")
            assert balances(store, [ids["a2"]], date(2025, 6, 30))[ids["a2"]].honzei_due == 0
            assert conserved(store)
            problem = chain_ok(store)
            assert problem is None, problem
            with store.reading() as conn:
                from storage.schema import allocations

                entries = set(conn.execute(select(allocations.c.entry)).scalars())
            assert entries == {"allocate"}
        finally:
            store.close()

    def test_the_first_release_schema_is_older_than_head(self) -> None:
        assert head_revision() > FIRST

