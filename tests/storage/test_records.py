"""Taxpayers, assessments and payments in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from core.domain.assessment import Amendment
from core.domain.payment import Allocation, Channel, Component, Payment
from core.errors import ConflictError, ValidationError
from storage.schema import assessments, payments
from storage.store import Store
from tests.concurrency import race
from tests.factories import period, person


def _payment(key: str = "K1", amount: int = 1_000, **kw: object) -> Payment:
    values: dict[str, object] = dict(source_key=key, channel=Channel.BANK, amount=amount,
                                     received_on=date(2025, 6, 30), accounted_on=date(2025, 7, 1))
    values.update(kw)
    return Payment(**values)  # type: ignore[arg-type]


class TestTaxpayerRecords:
    def test_a_taxpayer_reads_back_exactly_as_written(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person(mailing_address="東京都千代田区1-1", household_no="H001"))
            uow.commit()
        with store.uow() as uow:
            got = uow.taxpayers.get(tid)
        assert got == replace(person(mailing_address="東京都千代田区1-1", household_no="H001").validated(), id=tid)

    def test_an_invalid_my_number_is_refused_on_write(self, store: Store) -> None:
        with store.uow() as uow, pytest.raises(ValidationError, match="検査用数字"):
            uow.taxpayers.add(person(my_number="123456789012"))

    def test_an_update_keeps_the_old_values_as_history(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            uow.commit()
        with store.uow() as uow:
            old = uow.taxpayers.get(tid)
            assert old is not None
            uow.taxpayers.update(replace(old, address="みなと市港町9番"), reason="転居")
            uow.commit()
        with store.uow() as uow:
            current = uow.taxpayers.get(tid)
            history = uow.taxpayers.history(tid)
        assert current is not None and current.address == "みなと市港町9番"
        assert [(reason, t.address) for _, reason, t in history] == [("転居", "みなと市本町1丁目2番3号")]

    def test_the_atena_number_cannot_change(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            t = uow.taxpayers.get(tid)
            assert t is not None
            with pytest.raises(ConflictError):
                uow.taxpayers.update(replace(t, atena_no="9999999999"), reason="x")

    def test_a_duplicate_atena_number_is_refused_by_the_database(self, store: Store) -> None:
        with store.uow() as uow:
            uow.taxpayers.add(person(1))
            with pytest.raises(IntegrityError):
                uow.taxpayers.add(person(1))


class TestAssessmentRecords:
    def test_an_amendment_is_kept_as_history(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            aid = uow.assessments.add(period(tid, amount=30_000))
            uow.assessments.amend(Amendment(aid, date(2025, 8, 1), 30_000, 24_000, "減額更正"))
            uow.commit()
        with store.uow() as uow:
            a = uow.assessments.get(aid)
            history = uow.assessments.amendments(aid)
        assert a is not None and a.assessed_amount == 24_000
        assert [(h.old_amount, h.new_amount, h.reason) for h in history] == [(30_000, 24_000, "減額更正")]

    def test_an_amendment_from_a_stale_amount_is_refused(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            aid = uow.assessments.add(period(tid, amount=30_000))
            with pytest.raises(ConflictError):
                uow.assessments.amend(Amendment(aid, date(2025, 8, 1), 29_000, 24_000, "減額更正"))

    def test_the_database_refuses_a_negative_assessed_amount(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            aid = uow.assessments.add(period(tid))
            uow.commit()
        with store.engine.connect() as conn, pytest.raises(IntegrityError):
            conn.execute(update(assessments).where(assessments.c.id == aid).values(assessed_amount=-1))

    def test_the_database_refuses_a_period_for_an_unknown_taxpayer(self, store: Store) -> None:
        with store.uow() as uow, pytest.raises(IntegrityError):
            uow.assessments.add(period(424242))


class TestPaymentConstraints:
    def test_the_same_source_key_cannot_post_twice(self, store: Store) -> None:
        with store.uow() as uow:
            uow.payments.add(_payment("BANK-0001"))
            with pytest.raises(IntegrityError):
                uow.payments.add(_payment("BANK-0001"))

    def test_the_database_refuses_a_non_positive_payment(self, store: Store) -> None:
        with store.engine.connect() as conn, pytest.raises(IntegrityError):
            conn.execute(insert(payments).values(
                source_key="X", kind="receipt", channel="bank", amount=0, allocated_amount=0,
                received_on=date(2025, 1, 1), accounted_on=date(2025, 1, 1), operator="t",
                created_at=__import__("datetime").datetime.now(__import__("datetime").UTC)))

    def test_the_database_refuses_an_allocation_total_above_the_payment(self, store: Store) -> None:
        with store.uow() as uow:
            pid = uow.payments.add(_payment(amount=1_000))
            uow.commit()
        with store.engine.connect() as conn, pytest.raises(IntegrityError):
            conn.execute(update(payments).where(payments.c.id == pid).values(allocated_amount=1_001))

    def test_allocating_more_than_the_payment_is_refused_and_changes_nothing(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            aid = uow.assessments.add(period(tid))
            pid = uow.payments.add(_payment(amount=1_000))
            uow.payments.allocate(pid, [Allocation(pid, aid, Component.HONZEI, 700, "v1", date(2025, 7, 1))])
            uow.commit()
        with store.uow() as uow:
            with pytest.raises(ConflictError, match="超えます"):
                uow.payments.allocate(pid, [Allocation(pid, aid, Component.HONZEI, 301, "v1", date(2025, 7, 1))])
        with store.uow() as uow:
            assert uow.payments.allocated_total(pid) == 700
            assert uow.payments.unallocated(pid) == 300


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
class TestConcurrentAllocation:
    def test_racing_clerks_never_allocate_more_than_the_payment(self, store: Store) -> None:
        with store.uow() as uow:
            tid = uow.taxpayers.add(person())
            aid = uow.assessments.add(period(tid, amount=100_000))
            pid = uow.payments.add(_payment(amount=1_000))
            uow.commit()
        outcomes: list[str] = []

        def clerk() -> None:
            try:
                with store.uow() as uow:
                    uow.payments.allocate(pid, [Allocation(pid, aid, Component.HONZEI, 300, "v1", date(2025, 7, 1))])
                    uow.commit()
                outcomes.append("ok")
            except (ConflictError, IntegrityError):
                outcomes.append("refused")

        race(8, clerk)
        with store.engine.connect() as conn:
            allocated = conn.execute(select(payments.c.allocated_amount).where(payments.c.id == pid)).scalar_one()
        with store.uow() as uow:
            assert uow.payments.allocated_total(pid) == allocated == 900
        assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 5

    def test_without_the_lock_the_database_constraint_still_refuses_the_excess(self, store: Store) -> None:
        with store.uow() as uow:
            pid = uow.payments.add(_payment(amount=1_000))
            uow.commit()
        errors: list[Exception] = []

        def raw_update() -> None:
            try:
                with store.engine.begin() as conn:
                    conn.execute(update(payments).where(payments.c.id == pid)
                                 .values(allocated_amount=payments.c.allocated_amount + 400))
            except IntegrityError as exc:
                errors.append(exc)

        race(4, raw_update)
        with store.engine.connect() as conn:
            allocated = conn.execute(select(payments.c.allocated_amount).where(payments.c.id == pid)).scalar_one()
        assert allocated == 800 and len(errors) == 2


class TestAuditMirrorQueue:
    def test_events_of_a_rolled_back_transaction_are_never_mirrored(self, store: Store) -> None:
        from core.ports import AuditEvent
        from core.security.permissions import Actor

        with store.uow() as uow:
            uow.audit.record(Actor("u1"), AuditEvent(action="taxpayer.search"))
            uow.rollback()
            uow.audit.record(Actor("u1"), AuditEvent(action="taxpayer.view"))
            uow.connection.commit()
            rows = uow.audit.committed()  # type: ignore[attr-defined]
        assert [r["action"] for r in rows] == ["taxpayer.view"] and rows[0]["seq"] == 1
