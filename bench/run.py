"""``make bench`` / ``make bench-quick``: build (once) the datasets, run every workload, write the results.

    python -m bench.run --scale quick|full [--backends sqlite,postgresql] [--only search,detail,…]
                        [--no-plain] [--keep]

For each database: the cached dataset is copied, each workload runs in a fresh
interpreter against the copy (read-only ones first), and the copy is dropped.
Then the same search and import workloads on the dataset built with field
encryption off (SQLite). Figures go to ``bench/results/<scale>.json`` (merged
with an earlier run's when ``--only`` limits this one) and the tables of
``bench/RESULTS.md`` are written again from them.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bench.datasets import CACHE, ROOT, Dataset, WorkCopy, pg_exec, pg_available
from bench.report import write_results_md

__all__ = ["main", "SCALES"]

RESULTS = ROOT / "bench" / "results"

#: scale → its parameters
SCALES: dict[str, dict[str, int]] = {
    "quick": {"taxpayers": 100_000, "search_per_kind": 300, "details": 300, "import_records": 100_000,
              "appends": 3_000, "writers": 8, "writer_seconds": 15, "chain": 1_000_000, "tui_searches": 23,
              "tui_starts": 5},
    "full": {"taxpayers": 1_000_000, "search_per_kind": 500, "details": 500, "import_records": 1_000_000,
             "appends": 10_000, "writers": 8, "writer_seconds": 30, "chain": 10_000_000, "tui_searches": 43,
             "tui_starts": 5},
}
ORDER = ("search", "detail", "tui", "entaikin", "dunning", "transfer", "import", "append", "concurrent", "verify")
PLAIN_ORDER = ("search", "import")


class Runner:
    def __init__(self, scale: str, log: Path) -> None:
        self.scale = scale
        self.p = SCALES[scale]
        self.log = log
        self.tmp = Path(tempfile.mkdtemp(prefix="nozei-bench-"))

    def worker(self, step: str, work: WorkCopy, *, plain: bool = False, timeout: float = 4 * 3600,
               **options: Any) -> dict[str, Any]:
        out = self.tmp / f"{step}-{time.monotonic_ns()}.json"
        cmd = [sys.executable, "-m", "bench.worker", step, "--data-dir", str(work.directory), "--out", str(out)]
        if plain:
            cmd.append("--plain")
        for key, value in options.items():
            cmd += [f"--{key.replace('_', '-')}", str(value)]
        if step == "tui_start":
            cmd += ["--launched-at", f"{time.time():.6f}"]
        with self.log.open("ab") as log:
            done = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"bench step {step} failed ({done.returncode}); see {self.log}")
        return json.loads(out.read_text(encoding="utf-8"))

    def say(self, text: str) -> None:
        print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", flush=True)

    # -- the steps ----------------------------------------------------------------------
    def step(self, name: str, work: WorkCopy, plain: bool) -> dict[str, Any]:
        p = self.p
        if name == "search":
            return self.worker("search", work, plain=plain, count=p["search_per_kind"])
        if name == "detail":
            return self.worker("detail", work, count=p["details"])
        if name == "tui":
            starts = [self.worker("tui_start", work)["tui.start_to_login"] for _ in range(p["tui_starts"])]
            seconds = sorted(s["seconds"] for s in starts)
            out = {"tui.start_to_login": {"median_s": seconds[len(seconds) // 2], "runs": seconds,
                                          "python_start_s": sorted(s["python_start_seconds"] for s in starts)[
                                              len(starts) // 2],
                                          "peak_rss_mb": max(s["peak_rss_mb"] for s in starts)}}
            return out | self.worker("tui_search", work, queries="|".join(self.kana_queries(work)))
        if name == "entaikin":
            return self.worker("entaikin", work)
        if name == "dunning":
            return self.worker("dunning", work)
        if name == "transfer":
            return self.worker("transfer", work)
        if name == "import":
            path = self.tmp / f"payments-{p['import_records']}.csv"
            made = self.worker("payments_file", work, plain=plain, count=p["import_records"], file=path)
            try:
                result = self.worker("import", work, plain=plain, file=path)
            finally:
                path.unlink(missing_ok=True)
            result["import.payments"]["file"] = made["payments_file"]
            return result
        if name == "append":
            return self.worker("append", work, count=p["appends"])
        if name == "concurrent":
            return self.concurrent(work)
        if name == "verify":
            grown = self.worker("grow_chain", work, count=p["chain"])["grow_chain"]
            result = self.worker("verify", work)
            result["audit.verify"]["chain_grown_in_s"] = grown["seconds"]
            return result
        raise ValueError(name)

    def kana_queries(self, work: WorkCopy) -> list[str]:
        from bench.w_lookup import KINDS  # noqa: F401 - the same sampling as the search workload
        from core.config import load_config
        from storage.store import open_store
        from logs.writer import AuditWriter
        import random

        store = open_store(load_config(data_dir=work.directory), audit_factory=AuditWriter)
        try:
            with store.uow(readonly=True) as uow:
                total = uow.taxpayers.count()
                ids = random.Random(17).sample(range(1, total + 1), self.p["tui_searches"] * 2)
                names = [t.name_kana for tid in ids if (t := uow.taxpayers.get(tid)) is not None and t.name_kana]
        finally:
            store.close()
        return names[:self.p["tui_searches"]]

    def concurrent(self, work: WorkCopy) -> dict[str, Any]:
        """The concurrent writers; on PostgreSQL a second time with ``synchronous_commit = off``,
        the durability SQLite's WAL with ``synchronous = NORMAL`` gives (a power cut may lose
        the last commits, never corrupt), for a like-for-like comparison."""
        out = self.writers(work)
        if work.pg_database is not None:
            pg_exec(f'ALTER DATABASE "{work.pg_database}" SET synchronous_commit = off')
            try:
                relaxed = self.writers(work)
            finally:
                pg_exec(f'ALTER DATABASE "{work.pg_database}" RESET synchronous_commit')
            out |= {f"{key}_async": value for key, value in relaxed.items()}
        return out

    def writers(self, work: WorkCopy) -> dict[str, Any]:
        """N writer processes, each signed in as a different user, appending for the same window."""
        users = ["clerk", "clerk-mn", "inquiry", "refund", "approver", "officer", "officer2", "supervisor",
                 "cert"][:self.p["writers"]]
        start_at = time.time() + 20  # every writer has signed in by then
        stop_at = start_at + self.p["writer_seconds"]
        procs = []
        outs = []
        with self.log.open("ab") as log:
            for user in users:
                out = self.tmp / f"writer-{user}.json"
                outs.append(out)
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "bench.worker", "append_until", "--data-dir", str(work.directory),
                     "--out", str(out), "--user", user, "--start-at", f"{start_at}", "--stop-at", f"{stop_at}"],
                    cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
            codes = [proc.wait() for proc in procs]
        if any(codes):
            raise RuntimeError(f"a concurrent writer failed ({codes}); see {self.log}")
        results = [json.loads(o.read_text(encoding="utf-8")) for o in outs]
        events = sum(r["events"] for r in results)
        seconds = stop_at - start_at
        return {f"audit.append_{len(users)}": {"count": events, "seconds": seconds,
                                               "events_per_s": round(events / seconds, 1),
                                               "per_writer": [r["events"] for r in results],
                                               "worst_p99_ms": max(r["p99_ms"] or 0 for r in results)}}

    # -- one database -------------------------------------------------------------------
    def backend(self, dataset: Dataset, steps: tuple[str, ...], keep: bool,
                save: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
        """Every step on a copy of *dataset*; *save* (dataset record, figures) after each step,
        so that a run stopped halfway keeps what it measured."""
        self.say(f"{dataset.name}: dataset")
        info = dataset.ensure(log=self.log)
        work = dataset.work_copy(log=self.log)
        self.say(f"{dataset.name}: read into the OS cache in {work.warm():.0f} s")
        try:
            for name in steps:
                self.say(f"{dataset.name}: {name}")
                # the machine's 1-minute load when the step began: a figure taken while something
                # else ran (a dataset build, say) is shown as such in RESULTS.md
                figures = {"_load": {name: round(os.getloadavg()[0], 2)}}
                started = time.perf_counter()
                figures.update(self.step(name, work, dataset.plain))
                save(info, figures)
                self.say(f"{dataset.name}: {name} done in {time.perf_counter() - started:.0f} s")
        finally:
            if not keep:
                work.discard()


def _machine() -> dict[str, Any]:
    import sqlite3

    import sqlalchemy
    import textual

    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    pg = None
    if pg_available() is None:
        from sqlalchemy import create_engine, text
        from bench.datasets import pg_admin_url
        engine = create_engine(pg_admin_url())
        with engine.connect() as conn:
            pg = conn.execute(text("show server_version")).scalar_one()
            settings = {k: conn.execute(text(f"show {k}")).scalar_one()
                        for k in ("shared_buffers", "work_mem", "synchronous_commit", "max_connections")}
        engine.dispose()
        pg = {"version": pg, **settings}
    return {"date": datetime.now(UTC).date().isoformat(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": round(mem, 1), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "sqlalchemy": sqlalchemy.__version__, "textual": textual.__version__, "postgresql": pg,
            "kernel": platform.release()}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive use of *path* between runs (two databases measured at once merge their figures)."""
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--only", default="", help="comma-separated steps: " + ",".join(ORDER))
    parser.add_argument("--no-plain", action="store_true", help="skip the encryption-off comparison")
    parser.add_argument("--keep", action="store_true", help="keep the work copies (for profiling)")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the datasets and stop")
    args = parser.parse_args(argv)
    steps = tuple(s for s in ORDER if not args.only or s in args.only.split(","))
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "postgresql" in backends and (why := pg_available()) is not None:
        print(f"PostgreSQL is not reachable ({why}); measuring SQLite only", file=sys.stderr)
        backends.remove("postgresql")
    CACHE.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = CACHE / f"bench-{args.scale}.log"
    runner = Runner(args.scale, log)
    runner.say(f"scale {args.scale}: {runner.p['taxpayers']:,} taxpayers; log {log}")
    path = RESULTS / f"{args.scale}.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    results: dict[str, Any] = {"scale": args.scale, "parameters": runner.p, "machine": _machine(),
                               "datasets": previous.get("datasets", {}), "figures": previous.get("figures", {})}
    taxpayers = runner.p["taxpayers"]
    plan: list[tuple[Dataset, tuple[str, ...]]] = [(Dataset(b, taxpayers), steps) for b in backends]
    plain_steps = tuple(s for s in PLAIN_ORDER if s in steps)
    if not args.no_plain and "sqlite" in backends and plain_steps:
        plan.append((Dataset("sqlite", taxpayers, plain=True), plain_steps))
    if args.build_only:
        for dataset, _todo in plan:
            runner.say(f"{dataset.name}: {dataset.ensure(log=log)['build_seconds']} s")
        return 0
    for dataset, todo in plan:
        key = dataset.name.rsplit("-", 1)[0] if not dataset.plain else "sqlite-plain"

        def save(info: dict[str, Any], figures: dict[str, Any], key: str = key) -> None:
            with _locked(path):  # another run (the other database) may have written meanwhile
                if path.exists():
                    stored = json.loads(path.read_text(encoding="utf-8"))
                    results["datasets"], results["figures"] = stored.get("datasets", {}), stored.get("figures", {})
                results["datasets"][key] = info
                load = figures.pop("_load", {})
                results["figures"].setdefault(key, {}).update(figures)
                results["figures"][key].setdefault("_load", {}).update(load)
                results["figures"][key]["_measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
                path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")

        runner.backend(dataset, todo, args.keep, save)
    with _locked(path):
        write_results_md()
    runner.say(f"results: {path} and bench/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
