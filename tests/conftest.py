"""Shared fixtures. Storage tests run on SQLite and on PostgreSQL.

PostgreSQL comes from ``NOZEI_TEST_PG_URL`` (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); each test gets a
database of its own that is dropped afterwards. Without the variable the
PostgreSQL half is skipped (and the session says so); in CI (``CI=true``) an
unreachable server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.config import Config
from logs.writer import AuditWriter
from storage.crypto.passwords import FAST_TEST_PARAMETERS, Argon2Hasher
from storage.crypto.totp import TotpEngine
from storage.store import Store, create_store

PG_URL = os.environ.get("NOZEI_TEST_PG_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_pg_problem: str | None = None


def _check_pg() -> str | None:
    if not PG_URL:
        return "NOZEI_TEST_PG_URL is not set"
    try:
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
        return f"PostgreSQL unreachable at {make_url(PG_URL).render_as_string(hide_password=True)}: {exc}"
    return None


def pytest_configure(config: pytest.Config) -> None:
    global _pg_problem
    _pg_problem = _check_pg()
    if _pg_problem and IN_CI:
        raise pytest.UsageError(f"CI needs PostgreSQL for the storage tests: {_pg_problem}")


def pytest_report_header(config: pytest.Config) -> str:
    if _pg_problem:
        return f"PostgreSQL half SKIPPED: {_pg_problem}"
    return f"PostgreSQL half: {make_url(PG_URL).render_as_string(hide_password=True)}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _pg_problem:
        terminalreporter.write_line(
            f"NOTE: the PostgreSQL half of the storage tests was skipped ({_pg_problem}).",
            yellow=True, bold=True,
        )


def new_pg_database() -> str:
    """Create an empty database and return its URL."""
    name = f"nozei_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and _pg_problem:
        pytest.skip(f"PostgreSQL half skipped: {_pg_problem}")
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'nozei.db'}"
        return
    url = new_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    return Config(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    s = create_store(config, municipality_code="999999", municipality_name="テスト市", demo=True,
                     audit_factory=AuditWriter)
    try:
        yield s
    finally:
        s.close()


def fast_tools():  # type: ignore[no-untyped-def]
    """Login tools with cheap argon2 parameters (tests only) and the real clock."""
    from core.clock import SystemClock
    from core.services.auth import AuthTools

    return AuthTools(hasher=Argon2Hasher(**FAST_TEST_PARAMETERS), otp=TotpEngine(), clock=SystemClock())
