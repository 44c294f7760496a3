"""The PostgreSQL pool pings a connection only after it has sat idle, and survives a lost one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from storage import db
from storage.db import make_engine
from storage.store import Store


@pytest.fixture
def pg_engine(backend: str, database_url: str) -> Iterator[Engine]:
    if backend != "postgresql":
        pytest.skip("the idle ping is PostgreSQL's (SQLite has no connection to lose)")
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_conn):  # type: ignore[no-untyped-def]
        seen.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return seen


class TestIdlePing:
    def test_a_connection_back_from_a_recent_action_is_used_without_a_ping(self, pg_engine: Engine,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
        pings = _pings(pg_engine, monkeypatch)
        for _ in range(5):
            with pg_engine.connect() as conn:
                assert conn.execute(text("select 1")).scalar() == 1
        assert pings == []

    def test_a_connection_idle_past_the_limit_is_pinged_first(self, pg_engine: Engine,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
        pings = _pings(pg_engine, monkeypatch)
        with pg_engine.connect() as conn:
            conn.execute(text("select 1"))
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
        with pg_engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar() == 1
        assert pings == [1]

    def test_a_connection_the_server_dropped_while_idle_is_replaced_unnoticed(
            self, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
        with pg_engine.connect() as conn:
            lost = conn.execute(text("select pg_backend_pid()")).scalar()
        with make_engine(str(pg_engine.url.render_as_string(hide_password=False))).connect() as other:
            other.execute(text("select pg_terminate_backend(:pid)"), {"pid": lost})
            other.commit()
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
        with pg_engine.connect() as conn:
            now = conn.execute(text("select pg_backend_pid()")).scalar()
        assert now != lost


class TestReader:
    """The session check's read-only unit of work."""

    def test_on_postgresql_each_read_is_its_own_statement_with_no_transaction_round_trips(
            self, store: Store) -> None:
        if store.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's reader is a deferred transaction in the same process")
        with store.uow(readonly=True).reader() as reader:
            reader.connection.execute(text("select pg_sleep(0.01)"))
            # autocommit: now() is this statement's start, not a transaction's begun earlier
            assert reader.connection.execute(text("select now() = statement_timestamp()")).scalar() is True
        with store.uow(readonly=True) as uow:  # an ordinary unit of work stays one transaction
            uow.connection.execute(text("select pg_sleep(0.01)"))
            assert uow.connection.execute(text("select now() = statement_timestamp()")).scalar() is False

    def test_it_reads_what_is_committed_and_refuses_to_write(self, store: Store) -> None:
        with store.uow() as uow:
            uow.settings.set("reader_probe", {"n": 1}, by="test")
            uow.commit()
        with store.uow().reader() as reader:
            assert reader.settings.get("reader_probe") == {"n": 1}
            with pytest.raises(RuntimeError, match="only reads"):
                reader.settings.set("reader_probe", {"n": 2}, by="test")
        with store.uow() as uow:  # the connection back in the pool writes again
            assert uow.settings.get("reader_probe") == {"n": 1}
            uow.settings.set("reader_probe", {"n": 3}, by="test")
            uow.commit()
        with store.uow().reader() as reader:
            assert reader.settings.get("reader_probe") == {"n": 3}
