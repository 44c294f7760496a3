"""The PostgreSQL pool pings a connection only after it has sat idle, and survives a lost one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from storage import db
from storage.db import make_engine


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
