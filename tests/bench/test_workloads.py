"""The benchmark workloads run, and measure what they say, on a small demo (SQLite and PostgreSQL).

`make bench` runs them for hours on a million taxpayers; here each runs once on
sixty so that a change to a service cannot leave the benchmarks broken unseen.
The figures are not checked against targets (no timing assertions in tests):
what is checked is that every search finds the taxpayer it was made from, that
the import posts the file's records, that the chain grown for verification
verifies, and that the report marks targets met and missed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import report
from bench.datasets import AS_OF
from bench.session import Bench, open_bench
from bench.w_audit import append, grow_chain, verify
from bench.w_collection import (
    dunning_workload,
    entaikin_workload,
    import_workload,
    transfer_workload,
    write_payments_file,
)
from bench.w_lookup import KINDS, detail_workload, search_workload
from core.config import Config
from logs.writer import AuditWriter
from storage.demo.build import build_demo
from tests.conftest import fast_tools


@pytest.fixture
def bench(config: Config, tmp_path: Path) -> Iterator[Bench]:
    if not config.resolved_database_url.startswith("sqlite"):
        config.data_dir.mkdir(parents=True, exist_ok=True)
        (config.data_dir / "nozei.toml").write_text(f'database_url = "{config.database_url}"\n', encoding="utf-8")
    store, _ = build_demo(config, taxpayers_count=60, seed=2, as_of=AS_OF, audit_factory=AuditWriter,
                          tools=fast_tools())
    store.close()
    opened = open_bench(config.data_dir, "clerk-mn")
    try:
        yield opened
    finally:
        opened.close()


class TestTheWorkloads:
    def test_every_search_kind_finds_the_taxpayer_it_was_made_from(self, bench: Bench) -> None:
        figures = search_workload(bench, per_kind=4)
        for kind in KINDS:
            assert figures[f"search.{kind}"]["n"] >= 1 and figures[f"search.{kind}"]["misses"] == 0
            assert figures[f"search_service.{kind}"]["median_ms"] > 0

    def test_opening_a_taxpayer_reads_its_periods(self, bench: Bench) -> None:
        figures = detail_workload(bench, count=4)
        assert figures["detail.screen"]["n"] == 4 and figures["detail.screen"]["periods_mean"] > 0

    def test_the_collection_batches_count_what_they_did(self, bench: Bench, tmp_path: Path) -> None:
        entaikin = entaikin_workload(bench)["batch.entaikin"]
        assert entaikin["count"] > 0 and entaikin["honzei_due"] > 0
        dunning = dunning_workload(bench)["batch.dunning"]
        assert dunning["count"] == dunning["issued"] + sum(dunning["skipped"].values()) and dunning["issued"] > 0
        transfer = transfer_workload(bench)
        assert transfer["transfer.result"]["count"] == transfer["transfer.request"]["count"] > 0
        path = tmp_path / "payments.csv"
        made = write_payments_file(bench, path, 120)
        imported = import_workload(bench, path)["import.payments"]
        assert made["records"] == imported["count"] == imported["posted"] == 120
        assert imported["suspense"] >= 1 and imported["matched"] >= 60  # a small demo: periods are met twice

    def test_the_audit_chain_grown_for_verification_verifies(self, bench: Bench) -> None:
        assert append(bench, 5)["audit.append_1"]["count"] == 5
        grown = grow_chain(bench, 3_000)
        assert grown["head"] == 3_000
        auditor = open_bench(bench.data_dir, "auditor")  # verification is the auditor's
        try:
            assert verify(auditor)["audit.verify"]["count"] >= 3_000
        finally:
            auditor.close()


class TestTheReport:
    def test_targets_are_marked_met_or_missed_from_the_figures(self, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
        figures = {
            "sqlite": {"search.atena_no": {"median_ms": 1.5, "p95_ms": 2, "p99_ms": 3, "rows_mean": 1},
                       "import.payments": {"records_per_s": 40_000, "peak_rss_mb": 250, "count": 1, "seconds": 1},
                       "audit.append_8": {"events_per_s": 100, "count": 1, "seconds": 1}},
            "postgresql": {"search.atena_no": {"median_ms": 2.5, "p95_ms": 3, "p99_ms": 4, "rows_mean": 1},
                           "audit.append_8": {"events_per_s": 300, "count": 1, "seconds": 1}},
            "sqlite-plain": {"search.atena_no": {"median_ms": 1.0, "p95_ms": 1, "p99_ms": 1, "rows_mean": 1},
                             "import.payments": {"records_per_s": 50_000, "count": 1, "seconds": 1}},
        }
        data = {"scale": "quick", "parameters": {"taxpayers": 100_000},
                "machine": {"date": datetime.now(UTC).date().isoformat(), "cores": 2, "cpu": "x", "memory_gib": 1,
                            "python": "3", "sqlite": "3", "sqlalchemy": "2", "textual": "1", "postgresql": None},
                "datasets": {}, "figures": figures}
        text = report.render_scale(data)
        row = next(line for line in text.splitlines() if line.startswith("| search by 宛名番号: median"))
        assert "1.50 ms ✅" in row and "2.50 ms ❌" in row
        assert "| payment import | ≥ 50,000 records/s | 40,000/s ❌ |" in text
        assert "1.50× ❌" in text  # encryption on search: 1.5 / 1.0
        assert "| PostgreSQL / SQLite, 8 concurrent audit writers | > 1× (ahead) |  | 3.00× ✅ |" in text
        results = tmp_path / "results"
        results.mkdir()
        (results / "quick.json").write_text(json.dumps(data), encoding="utf-8")
        md = tmp_path / "RESULTS.md"
        md.write_text("# Benchmark results\n\nIntro.\n\n## Documents\n\nKept.\n", encoding="utf-8")
        monkeypatch.setattr(report, "RESULTS", results)
        monkeypatch.setattr(report, "RESULTS_MD", md)
        report.write_results_md()
        report.write_results_md()  # rewritten in place, not appended
        written = md.read_text(encoding="utf-8")
        assert written.count("<!-- generated: quick") == 1 and "Intro." in written and "Kept." in written
        assert written.index("generated: quick") < written.index("## Documents")

    def test_the_load_each_step_began_under_is_shown(self) -> None:
        data = {"scale": "full", "parameters": {"taxpayers": 1_000_000},
                "machine": {"date": "2026-12-07", "cores": 2, "cpu": "x", "memory_gib": 1, "python": "3",
                            "sqlite": "3", "sqlalchemy": "2", "textual": "1", "postgresql": None},
                "datasets": {}, "figures": {"sqlite": {"_load": {"search": 0.04, "import": 2.31}}}}
        text = report.render_scale(data)
        assert "- sqlite: search 0.0, import 2.3" in text
