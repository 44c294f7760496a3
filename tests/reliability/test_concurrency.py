"""Eight processes of mixed clerks' work at once, on SQLite (WAL) and PostgreSQL.

Counter payments, payment imports, appropriation, refunds drafted-approved-paid
and case records race each other for a fixed time while one process rotates the
data key and re-encrypts. Afterwards: money is conserved, every success a worker
reported is in the database exactly once (no lost updates, nothing twice), every
row still decrypts, and the audit log is one linear chain that verifies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.domain.identity import Terminal
from core.domain.payment import Channel
from storage.schema import appropriations, audit_events, case_records, payments, refunds
from storage.store import Store
from tests.collection.helpers import conserved, seed
from tests.reliability.harness import ROOT, all_rows_decrypt, chain_ok
from tests.reliability.scale import concurrency_seconds

pytestmark = pytest.mark.slow

WORKERS = 8


def _prepare(store: Store) -> None:
    with store.uow("admin") as uow:
        uow.identity.add_terminal(Terminal("T01", "収納1", can_export=True, is_counter=True, disabled=False),
                                  by="admin", now=datetime.now(UTC))
        uow.commit()
    for n in range(1, 41):
        seed(store, *({"notice_no": f"2025{n:04d}{k:05d}", "period": k, "amount": 20_000 + 1_000 * k,
                       "due": date(2025, 2 * k, 28)} for k in range(1, 6)), n=n)


def _one(store: Store, query: Any) -> int:
    with store.reading() as conn:
        return int(conn.execute(query).scalar_one())


def test_eight_processes_of_mixed_work_lose_nothing_and_keep_one_chain(
        store: Store, database_url: str, tmp_path: Path) -> None:
    _prepare(store)
    seconds = concurrency_seconds()
    results = [tmp_path / f"w{i}.json" for i in range(WORKERS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.reliability.worker", str(store.config.data_dir),
                               database_url, str(i), str(seconds), str(results[i])],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(WORKERS)]
    for p in procs:
        _, err = p.communicate(timeout=seconds + 240)
        assert p.returncode == 0, err.decode("utf-8", "replace")[-2000:]
    reports = [json.loads(r.read_text("utf-8")) for r in results]
    errors = {k: v for r in reports for k, v in r["errors"].items()}
    assert errors == {}, errors

    done: dict[str, list[Any]] = {k: [x for r in reports for x in r["done"][k]] for k in reports[0]["done"]}
    assert sum(r["steps"] for r in reports) >= WORKERS
    assert done["payments"], "no payment was posted at all"

    receipts = select(func.count(), func.coalesce(func.sum(payments.c.amount), 0)).where(
        payments.c.kind == "receipt", payments.c.channel != Channel.APPROPRIATION.value)
    with store.reading() as conn:
        count, total = conn.execute(receipts).one()
    assert (count, total) == (len(done["payments"]), sum(amount for _, amount in done["payments"]))
    imported = {key for key, _ in done["payments"] if isinstance(key, str)}
    with store.reading() as conn:
        keys = set(conn.execute(select(payments.c.source_key).where(payments.c.source_key.in_(imported))).scalars())
    assert keys == imported
    assert _one(store, select(func.count()).select_from(case_records)) == len(done["case_records"])
    assert _one(store, select(func.count()).select_from(refunds).where(refunds.c.state == "paid")) == \
        len(done["refunds_paid"])
    assert _one(store, select(func.coalesce(func.sum(appropriations.c.amount), 0))) == \
        sum(total for _, total in done["appropriations"])
    assert conserved(store)
    assert all_rows_decrypt(store) == 40
    problem = chain_ok(store)
    assert problem is None, problem
    with store.reading() as conn:
        seqs = list(conn.execute(select(audit_events.c.seq).order_by(audit_events.c.seq)).scalars())
    assert seqs == list(range(1, len(seqs) + 1))
    refused = {k: v for r in reports for k, v in r["refused"].items()}
    print(f"{store.engine.dialect.name}: {sum(r['steps'] for r in reports)} steps, "
          f"{len(done['payments'])} payments, {len(done['case_records'])} records, "
          f"{len(done['refunds_paid'])} refunds, {len(done['appropriations'])} appropriations, "
          f"{len(done['rotations'])} key rotations; refused {refused}")
