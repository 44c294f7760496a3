"""Workloads 3–5: 収納データ import, 督促 and 延滞金 over every unpaid period, 口座振替.

The files are made from the dataset itself (the periods it really has), in a
process of their own, so that the import's peak memory is the import's alone.
"""

from __future__ import annotations

import csv
import hashlib
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import distinct, exists, select

from core.services.delinquency_stats import unpaid_statistics
from core.services.dunning import run_dunning
from core.services.transfer import ResultLine, apply_transfer_results, request_transfers
from bench.datasets import AS_OF
from bench.session import Bench
from bench.stats import Timer, peak_rss_mb, throughput
from storage.files.payments_csv import COLUMNS
from storage.files.payments_stream import PaymentStream
from storage.files.transfer_request import render_transfer_request
from storage.files.zengin import bank_result, read_transfer_result
from storage.schema import allocations, assessments, transfer_runs
from tui.text import file_label

__all__ = ["write_payments_file", "import_workload", "dunning_workload", "entaikin_workload",
           "transfer_workload", "future_due_dates"]


def write_payments_file(bench: Bench, path: Path, records: int, *, seed: int = 3) -> dict[str, Any]:
    """A 収納データ file of *records* lines as banks and convenience stores send them:
    mostly the exact 調定額 of a period never paid, then 二重納付, small 過納, amounts far
    off (未消込 金額相違), notice numbers that match nothing, and notice-only records."""
    rnd = random.Random(seed)
    unpaid = ~exists().where(allocations.c.assessment_id == assessments.c.id)
    with bench.store.reading() as conn:
        rows = conn.execute(select(assessments.c.notice_no, assessments.c.period, assessments.c.assessed_amount)
                            .where(assessments.c.status == "active", unpaid)
                            .order_by(assessments.c.id)).all()
    rnd.shuffle(rows)
    received, accounted = AS_OF - timedelta(days=3), AS_OF - timedelta(days=1)
    kinds = {"exact": 0, "double": 0, "over": 0, "mismatch": 0, "unknown": 0, "notice_only": 0}
    channels = ("bank", "convenience", "smartphone", "eltax")
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(COLUMNS)
        n = 0
        pick = 0
        while n < records:
            notice, period, amount = rows[pick % len(rows)]
            pick += 1
            roll = rnd.random()
            kind = ("double" if roll < 0.03 else "over" if roll < 0.05 else "mismatch" if roll < 0.06
                    else "unknown" if roll < 0.07 else "notice_only" if roll < 0.08 else "exact")
            lines = [(notice, period, amount)]
            if kind == "double":
                lines.append((notice, period, amount))
            elif kind == "over":
                lines = [(notice, period, amount + 100)]
            elif kind == "mismatch":
                lines = [(notice, period, amount + 250_000)]
            elif kind == "unknown":
                lines = [(f"99{rnd.randrange(10**12, 10**13)}", 1, amount)]
            elif kind == "notice_only":
                lines = [(notice, "", amount)]
            for notice_no, per, yen in lines[:records - n]:
                n += 1
                out.writerow([f"BENCH-{seed}-{n:08d}", channels[n % 4], notice_no, per, yen,
                              received.isoformat(), accounted.isoformat(), "", ""])
            kinds[kind] += 1
    return {"records": records, "unpaid_periods_available": len(rows), "mix": kinds,
            "bytes": path.stat().st_size}


def import_workload(bench: Bench, path: Path) -> dict[str, Any]:
    """Check and post one file, as ``nozei import payments`` does (the file checked whole,
    then read again while posting); peak memory is this process's (the file was written by
    another)."""
    from core.services.payments import import_payments

    with Timer() as total:
        with Timer() as parse:
            stream = PaymentStream(path)  # the whole file checked (nothing held), as nozei import does
        with Timer() as post:
            summary = bench.run(import_payments, stream, sha256=stream.sha256, file_name=file_label(path))
    n = summary.records
    return {"import.payments": {
        **throughput(n, total.seconds, "records"), "parse_seconds": round(parse.seconds, 2),
        "post_seconds": round(post.seconds, 2),  # reads the file again as it posts
        "peak_rss_mb": peak_rss_mb(),
        "posted": summary.posted, "matched": summary.matched, "overpayments": summary.overpayments,
        "suspense": summary.suspense, "duplicates": summary.duplicates}}


def future_due_dates(bench: Bench) -> list[date]:
    with bench.store.reading() as conn:
        return sorted(d for (d,) in conn.execute(select(distinct(assessments.c.due_date))
                                                 .where(assessments.c.due_date > AS_OF)))


def dunning_workload(bench: Bench) -> dict[str, Any]:
    """The 督促 run of the last 納期限 before the 基準日, which the demo has not dunned yet
    (its run is 15 days after the 納期限): every period of that 期 still unpaid gets one.
    Candidates looked at, per second."""
    with bench.store.reading() as conn:
        dues = sorted(d for (d,) in conn.execute(select(distinct(assessments.c.due_date))
                                                 .where(assessments.c.due_date <= AS_OF)))
    due = max(d for d in dues if d + timedelta(days=15) > AS_OF)
    on = due + timedelta(days=15)
    with Timer() as t:
        run = bench.run(run_dunning, on=on)
    looked_at = run.issued + sum(run.skipped.values())
    return {"batch.dunning": {**throughput(looked_at, t.seconds, "periods"), "issued": run.issued,
                              "skipped": run.skipped, "missed": run.missed, "on": on.isoformat(),
                              "peak_rss_mb": peak_rss_mb()}}


def entaikin_workload(bench: Bench) -> dict[str, Any]:
    """延滞金 as of the 基準日 over every unpaid period past its 納期限 (``nozei report unpaid``):
    periods read and computed, per second."""
    with Timer() as t:
        stats = bench.run(unpaid_statistics, as_of=AS_OF)
    return {"batch.entaikin": {**throughput(stats.periods_examined, t.seconds, "periods"),
                               "collectable_periods": sum(r.periods for r in stats.rows),
                               "honzei_due": stats.honzei_due, "entaikin_due": stats.entaikin_due,
                               "peak_rss_mb": peak_rss_mb()}}


def transfer_workload(bench: Bench) -> dict[str, Any]:
    """The 請求 file for the next debit date not yet requested, then the bank's result."""
    with bench.store.reading() as conn:
        requested = {d for (d,) in conn.execute(select(transfer_runs.c.debit_on))}
    debit_on = next(d for d in future_due_dates(bench) if d not in requested)
    with Timer() as req:
        request, data = bench.run(request_transfers, debit_on=debit_on, render=render_transfer_request)
    rnd = random.Random(5)  # 3% come back 資金不足
    result = bank_result(data, {line.customer_no: "1" for line in request.lines if rnd.random() < 0.03})
    items = len(request.lines)
    with Timer() as res:
        parsed = read_transfer_result(result)
        lines = [ResultLine(i.customer_number.strip(), i.amount, i.result_code) for i in parsed.items]
        summary = bench.run(apply_transfer_results, lines, sha256=hashlib.sha256(result).hexdigest(),
                            file_name="bench-result.txt")
    return {
        "transfer.request": {**throughput(len(request.lines), req.seconds, "records"), "debit_on": debit_on.isoformat(),
                             "bytes": len(data)},
        "transfer.result": {**throughput(items, res.seconds, "records"), "paid": summary.paid,
                            "failed": summary.failed, "peak_rss_mb": peak_rss_mb()},
    }
