"""Workload 6: appending to the audit chain, and verifying it.

An append is what every service does at its end: a unit of work, the chained
event (the head row locked), the commit, then the JSON-lines mirror. It is timed
with one writer, and with eight writer processes at once (each its own user and
session). For verification the chain is first grown to its target length with
valid events made by :func:`logs.chain.event_hash` itself (untimed), then
``verify_audit_log`` is run as an auditor, as ``nozei audit verify`` does.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from core.ports import AuditEvent
from core.services.audit import verify_audit_log
from bench.session import Bench
from bench.stats import Timer, peak_rss_mb, throughput
from logs.chain import event_hash
from storage.schema import audit_events, audit_head
from tui import compose

__all__ = ["append", "append_until", "grow_chain", "verify"]


def _event(n: int) -> AuditEvent:
    return AuditEvent(action="taxpayer.search", details={"kinds": ["kana_name"], "count": n % 50,
                                                         "has_more": False, "offset": 0})


def append(bench: Bench, count: int) -> dict[str, Any]:
    actor = bench.actor
    with Timer() as t:
        for n in range(count):
            with bench.store.uow(actor.user_id) as uow:
                uow.audit.record(actor, _event(n))
                uow.commit()
    return {"audit.append_1": throughput(count, t.seconds, "events")}


def append_until(bench: Bench, start_at: float, stop_at: float) -> dict[str, Any]:
    """One of several concurrent writers: append from *start_at* until *stop_at* (epoch seconds)."""
    actor = bench.actor
    time.sleep(max(0.0, start_at - time.time()))
    n = 0
    waits: list[float] = []
    while time.time() < stop_at:
        began = time.perf_counter()
        with bench.store.uow(actor.user_id) as uow:
            uow.audit.record(actor, _event(n))
            uow.commit()
        waits.append(time.perf_counter() - began)
        n += 1
    waits.sort()
    return {"events": n, "p99_ms": round(waits[int(len(waits) * 0.99)] * 1000, 2) if waits else None}


_ACTIONS = ("taxpayer.search", "taxpayer.view", "taxpayer.account", "payment.post", "session.check",
            "case.view", "certificate.issue")


def grow_chain(bench: Bench, target: int, *, chunk: int = 20_000) -> dict[str, Any]:
    """Append valid events in bulk until the chain holds *target* events (untimed set-up)."""
    rnd = random.Random(13)
    with bench.store.reading() as conn:
        seq, prev = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    seq = int(seq)
    added = 0
    when = datetime.now(UTC) - timedelta(days=365)
    started = time.perf_counter()
    while seq < target:
        rows = []
        for _ in range(min(chunk, target - seq)):
            seq += 1
            when += timedelta(milliseconds=rnd.randint(1, 3000))
            action = _ACTIONS[seq % len(_ACTIONS)]
            row = {"seq": seq, "occurred_at": when, "user_id": f"clerk{seq % 40:02d}",
                   "session_id": f"s{seq // 500:08d}", "terminal_id": f"SHUNO-{seq % 12:02d}",
                   "client_address": None, "action": action, "target_type": "taxpayer",
                   "target_ref": f"{rnd.randrange(10**9):010d}", "outcome": "ok",
                   "details": json.dumps({"count": seq % 50, "kinds": ["atena_no"]}, sort_keys=True,
                                         separators=(",", ":"), ensure_ascii=False)}
            digest = event_hash(prev, row)
            rows.append({**row, "prev_hash": prev, "hash": digest})
            prev = digest
        with bench.store.engine.begin() as conn:
            conn.execute(insert(audit_events), rows)
            conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
        added += len(rows)
    return {"added": added, "seconds": round(time.perf_counter() - started, 1), "head": seq}


def verify(bench: Bench) -> dict[str, Any]:
    log = compose.audit_log(bench.store)
    with Timer() as t:
        outcome = bench.run(verify_audit_log, log)
    if not outcome.ok:
        raise RuntimeError(f"the chain did not verify: {outcome.problem} at {outcome.first_bad_seq}")
    return {"audit.verify": {**throughput(outcome.checked, t.seconds, "events"), "peak_rss_mb": peak_rss_mb()}}
