"""Verifying a long chain on every core: contiguous segments, one process each.

Each worker checks its rows exactly as the single-process walk checks every row
(consecutive seq, the link to the previous row's stored hash, the row's own
hash). Segment k starts from the stored hash of the row before it — the last
row of segment k−1, whose hash that segment proves — so the segments together
prove the whole range. A segment that finds anything (or a worker that cannot
run) hands back to the single-process walk, which classifies the problem. Used
only for a file or server database read outside the caller's transaction
(uncommitted rows would be invisible to other processes), and only for chains
long enough to repay starting the workers.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.pool import NullPool

from logs.chain_rows import COLUMNS, HASH, PREV, SEQ, valid
from storage.db import make_engine
from storage.schema import audit_events

__all__ = ["MIN_EVENTS", "segments", "verify_segments"]

#: Below this many events one process is quicker than starting several.
MIN_EVENTS = 400_000
_BATCH = 20_000


def segments(first: int, last: int, parts: int) -> list[tuple[int, int]]:
    """*parts* contiguous, nearly equal ranges covering first..last."""
    count = last - first + 1
    parts = max(1, min(parts, count))
    bounds = [first + count * k // parts for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1] - 1) for k in range(parts)]


def _check_segment(url: str, first: int, last: int, anchor: str) -> tuple[int, str, bool]:
    """(rows checked, stored hash of the last good row, whether every row first..last is sound)."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.info["nozei_readonly"] = True  # SQLite: a deferred read, never blocks writers
            rows = conn.execute(select(*COLUMNS).where(audit_events.c.seq.between(first, last))
                                .order_by(audit_events.c.seq).execution_options(yield_per=_BATCH))
            expected, prev = first, anchor
            for r in rows:
                if r[SEQ] != expected or r[PREV] != prev or not valid(r):
                    rows.close()
                    return expected - first, prev, False
                prev, expected = r[HASH], expected + 1
            return expected - first, prev, expected == last + 1
    finally:
        engine.dispose()


def _url(conn: Connection) -> str | None:
    url = conn.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def verify_segments(conn: Connection, first: int, last: int, anchor: str) -> tuple[int, str] | None:
    """(rows checked, hash of row *last*) when rows first..last are all sound, checked in
    parallel; None when that could not be shown this way (the caller walks them itself)."""
    url = _url(conn)
    workers = os.cpu_count() or 1
    if url is None or workers < 2 or last - first + 1 < MIN_EVENTS:
        return None
    plan = segments(first, last, workers)
    anchors = [anchor] + [h for (seq, h) in sorted(conn.execute(
        select(audit_events.c.seq, audit_events.c.hash)
        .where(audit_events.c.seq.in_([start - 1 for start, _ in plan[1:]]))).all())]
    if len(anchors) != len(plan):
        return None
    results: list[Any]
    try:
        with ProcessPoolExecutor(max_workers=len(plan), mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_check_segment, [url] * len(plan), [a for a, _ in plan],
                                    [b for _, b in plan], anchors))
    except (BrokenProcessPool, OSError):  # no processes here: the caller walks the rows itself
        return None
    if not all(ok for _, _, ok in results):
        return None
    if any(results[k][1] != anchors[k + 1] for k in range(len(plan) - 1)):
        return None  # a segment's last hash is not what the next one started from
    return sum(n for n, _, _ in results), results[-1][1]
