"""Engines for SQLite (embedded) and PostgreSQL (server)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

__all__ = ["make_engine", "is_sqlite", "PING_AFTER_IDLE"]

#: A pooled PostgreSQL connection idle this long (seconds) is pinged before it is handed out.
PING_AFTER_IDLE = 30.0


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (BEGIN IMMEDIATE
    # below), so a reader never upgrades into a deadlock with a writer.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA busy_timeout = 30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front; read-only units of work stay deferred
    # so that, under WAL, they never wait for a writer.
    readonly = conn.info.get("nozei_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _reader_guard(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    # A reader unit of work (storage.uow.SqlUnitOfWork.reader) runs SELECTs only: on
    # PostgreSQL it has no transaction to roll a write back.
    if conn.info.get("nozei_reader") and statement.lstrip()[:6].upper() not in ("SELECT", "BEGIN"):
        raise RuntimeError("a reader unit of work only reads")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, busy timeout, immediate transactions."""
    # Statement parameters never appear in exception text (they may hold audit rows or ciphertexts).
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _reader_guard)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "before_cursor_execute", _reader_guard)
    if not kwargs.get("pool_pre_ping"):
        _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle for :data:`PING_AFTER_IDLE`
    seconds (a server restart or a firewall's idle cut shows there, and the pool quietly opens a
    new one); a connection back from an action seconds ago goes straight to the next, saving the
    round trip SQLAlchemy's ``pool_pre_ping`` spends on every checkout. A connection lost while
    in use still fails that one action, and the pool is then refilled (SQLAlchemy's disconnect
    handling)."""

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["nozei_idle_since"] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("nozei_idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the pooled connection was lost while idle") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)
