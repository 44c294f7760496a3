"""The benchmark datasets: built once by ``nozei demo``, cached, copied for each run.

A dataset is a demo municipality of N taxpayers (fixed seed and 基準日, so every
build is the same data) on SQLite or PostgreSQL, with field encryption on (the
product) or off (``plain``: the benchmark-only switch of :mod:`bench.plain`).
It lives in ``bench/cache/<name>/`` (the data directory: key file, logs, and the
SQLite file) and, on PostgreSQL, in the database ``nozei_bench_<N>[_plain]``.
``dataset.json`` records how long the build took and its size on disk; a
dataset whose record is missing or from another format is built again.

Workloads that write (imports, 督促, 口座振替, audit appends) never touch the
cache: each run works on a copy (the SQLite file copied; on PostgreSQL
``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = ["AS_OF", "SEED", "FORMAT", "CACHE", "Dataset", "WorkCopy", "pg_admin_url", "pg_available", "pg_exec"]

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("NOZEI_BENCH_CACHE", ROOT / "bench" / "cache"))
#: Bump when ``nozei demo`` writes different data for the same parameters.
FORMAT = 1
SEED = 1
AS_OF = date(2026, 11, 10)
_DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    return os.environ.get("NOZEI_BENCH_PG_URL") or os.environ.get("NOZEI_TEST_PG_URL") or _DEFAULT_PG


def pg_available() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not there"
        return str(exc).splitlines()[0]
    return None


def _pg_url(database: str) -> str:
    return make_url(pg_admin_url()).set(database=database).render_as_string(hide_password=False)


def pg_exec(*statements: str) -> None:
    engine = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for sql in statements:
                conn.execute(text(sql))
    finally:
        engine.dispose()


def _pg_drop(database: str) -> None:
    pg_exec(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _pg_size(database: str) -> int:
    engine = create_engine(pg_admin_url())
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select pg_database_size(:d)"), {"d": database}).scalar_one())
    finally:
        engine.dispose()


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _nozei(args: list[str], *, plain: bool, log: Path) -> None:
    """Run the ``nozei`` command (through :mod:`bench.plain` when encryption is off)."""
    module = "bench.plain" if plain else "tui.cli"
    cmd = [sys.executable, "-m", module, *args]
    with log.open("ab") as out:
        done = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:1])} failed ({done.returncode}); see {log}")


@dataclass(frozen=True, slots=True)
class Dataset:
    backend: str  # sqlite | postgresql
    taxpayers: int
    plain: bool = False

    @property
    def name(self) -> str:
        return f"{self.backend}-{self.taxpayers}" + ("-plain" if self.plain else "")

    @property
    def directory(self) -> Path:
        return CACHE / self.name

    @property
    def pg_database(self) -> str:
        return f"nozei_bench_{self.taxpayers}" + ("_plain" if self.plain else "")

    @property
    def manifest(self) -> Path:
        return self.directory / "dataset.json"

    def _config(self, directory: Path, database: str) -> None:
        if self.backend == "postgresql":
            (directory / "nozei.toml").write_text(f'database_url = "{_pg_url(database)}"\n', encoding="utf-8")

    def info(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        wanted = {"format": FORMAT, "taxpayers": self.taxpayers, "seed": SEED, "as_of": AS_OF.isoformat(),
                  "backend": self.backend, "plain": self.plain}
        return data if all(data.get(k) == v for k, v in wanted.items()) else None

    def ensure(self, *, log: Path) -> dict[str, Any]:
        """The dataset's record, building it first if it is missing or stale."""
        info = self.info()
        if info is not None:
            _nozei(["--data-dir", str(self.directory), "db", "upgrade"], plain=self.plain, log=log)
            return info
        return self.build(log=log)

    def build(self, *, log: Path) -> dict[str, Any]:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        if self.backend == "postgresql":
            _pg_drop(self.pg_database)
            pg_exec(f'CREATE DATABASE "{self.pg_database}"')
        self._config(self.directory, self.pg_database)
        print(f"  building {self.name} with nozei demo (once; cached in {self.directory})", flush=True)
        started = time.perf_counter()
        _nozei(["demo", "--data-dir", str(self.directory), "--taxpayers", str(self.taxpayers),
                "--seed", str(SEED), "--as-of", AS_OF.isoformat()], plain=self.plain, log=log)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        settle_started = time.perf_counter()
        self._settle()
        settle = time.perf_counter() - settle_started
        size = (_pg_size(self.pg_database) if self.backend == "postgresql"
                else (self.directory / "nozei.db").stat().st_size)
        info = {"format": FORMAT, "taxpayers": self.taxpayers, "seed": SEED, "as_of": AS_OF.isoformat(),
                "backend": self.backend, "plain": self.plain, "build_seconds": round(seconds, 1),
                "settle_seconds": round(settle, 1), "size_bytes": size, "build_peak_rss_mb": round(peak),
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"), "counts": _counts(self.url)}
        self.manifest.write_text(json.dumps(info, indent=2), encoding="utf-8")
        return info

    @property
    def url(self) -> str:
        if self.backend == "postgresql":
            return _pg_url(self.pg_database)
        return f"sqlite:///{self.directory / 'nozei.db'}"

    def _settle(self) -> None:
        """After the bulk load: the WAL folded into the file (SQLite); statistics and the
        visibility map up to date (PostgreSQL's VACUUM ANALYZE, as a DBA runs after a load)."""
        if self.backend == "sqlite":
            engine = create_engine(self.url)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
        else:
            engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE)")
            engine.dispose()

    def work_copy(self, *, log: Path) -> WorkCopy:
        """A fresh copy of the dataset for one run (the cache stays as built)."""
        directory = CACHE / f"work-{self.name}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        started = time.perf_counter()
        shutil.copytree(self.directory / "keys", directory / "keys")
        shutil.copytree(self.directory / "logs", directory / "logs")
        (directory / "documents").mkdir()
        database = f"nozei_bench_work_{self.taxpayers}" + ("_plain" if self.plain else "")
        if self.backend == "sqlite":
            shutil.copyfile(self.directory / "nozei.db", directory / "nozei.db")
        else:
            _pg_drop(database)
            pg_exec(f'CREATE DATABASE "{database}" TEMPLATE "{self.pg_database}"')
        self._config(directory, database)
        print(f"  copied {self.name} for this run in {time.perf_counter() - started:.0f} s", flush=True)
        return WorkCopy(self, directory, database if self.backend == "postgresql" else None)


@dataclass(frozen=True, slots=True)
class WorkCopy:
    dataset: Dataset
    directory: Path
    pg_database: str | None

    def warm(self) -> float:
        """Read the whole database once into the operating system's cache, as on a server that
        has been running (the SQLite file read through; PostgreSQL's pg_prewarm in ``read``
        mode over every table and index). Returns the seconds it took."""
        started = time.perf_counter()
        if self.pg_database is None:
            with (self.directory / "nozei.db").open("rb") as f:
                while f.read(1 << 24):
                    pass
        else:
            engine = create_engine(_pg_url(self.pg_database), isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
                    conn.execute(text("SELECT pg_prewarm(c.oid, 'read') FROM pg_class c "
                                      "WHERE c.relkind IN ('r', 'i') AND c.relnamespace = 'public'::regnamespace"))
            finally:
                engine.dispose()
        return time.perf_counter() - started

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        if self.pg_database is not None:
            _pg_drop(self.pg_database)


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    tables = ("taxpayers", "assessments", "payments", "allocations", "dunnings", "transfer_accounts",
              "audit_events")
    try:
        with engine.connect() as conn:
            return {t: int(conn.execute(text(f"select count(*) from {t}")).scalar_one()) for t in tables}
    finally:
        engine.dispose()


def describe_size(info: dict[str, Any]) -> str:
    return f"{info['size_bytes'] / 1024**3:.2f} GiB" if info["size_bytes"] >= 1024**3 else \
        f"{info['size_bytes'] / 1024**2:.0f} MiB"


def dataset_dir_size(path: Path) -> int:
    return _dir_size(path)
