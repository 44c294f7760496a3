"""Several OS processes appending to one chain at once still give one linear chain (both backends)."""

from __future__ import annotations

import multiprocessing
from typing import Any

from sqlalchemy import select

from storage.schema import audit_events
from storage.store import Store
from tests.logs.chain_helpers import verify

PROCESSES = 4
EACH = 40


def _writer(url: str, who: int, count: int, start: Any) -> None:
    """Runs in a spawned process: its own engine, one transaction per event."""
    import time

    from core.ports import AuditEvent
    from logs.writer import AuditWriter
    from storage.db import make_engine
    from tests.logs.chain_helpers import actor

    engine = make_engine(url)
    start.wait(timeout=60)
    try:
        for i in range(count):
            with engine.begin() as conn:
                AuditWriter(conn).record(actor(who), AuditEvent(
                    action="search", details={"writer": who, "i": i}))
            time.sleep(0.001 * (i % 3))  # let the others in between, so appends interleave
    finally:
        engine.dispose()


class TestConcurrentWriters:
    def test_processes_appending_at_once_build_one_gapless_chain(self, store: Store) -> None:
        url = store.engine.url.render_as_string(hide_password=False)
        ctx = multiprocessing.get_context("spawn")
        start = ctx.Barrier(PROCESSES)
        procs = [ctx.Process(target=_writer, args=(url, n, EACH, start)) for n in range(PROCESSES)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=240)
        assert [p.exitcode for p in procs] == [0] * PROCESSES
        with store.reading() as conn:
            rows = conn.execute(select(audit_events.c.seq, audit_events.c.user_id)
                                .order_by(audit_events.c.seq)).all()
        total = PROCESSES * EACH
        assert [r.seq for r in rows] == list(range(1, total + 1))
        assert {r.user_id for r in rows} == {f"user{n:02d}" for n in range(PROCESSES)}
        report = verify(store)
        assert report.ok and report.checked == report.head_seq == total
