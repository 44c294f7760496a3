"""The crash and concurrency harnesses: a demo data directory, ``nozei`` run as a
separate process (see :mod:`tests.reliability.nozei_proc`), and the invariants
checked on the database afterwards."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.config import Config
from core.domain.payment import OverpaymentCause
from core.security.permissions import Actor, Permission
from core.services.refunds import Account, approve_refund, draft_refund
from logs.writer import AuditWriter
from storage.reencrypt import pending_rows
from storage.schema import (
    allocations, case_records, dunnings, import_batches, overpayments, payments, refunds,
    suspense_items, taxpayers, transfer_items, transfer_runs,
)
from storage.store import Store, open_store
from tui import compose

__all__ = ["ROOT", "Run", "nozei", "open_data", "fingerprint", "chain_ok", "all_rows_decrypt", "copy_data",
           "add_transfer_refunds", "Clock", "pending"]

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 22)


class Clock:
    """Login times for successive runs: 31 s apart so each gets a fresh one-time code."""

    _counter = itertools.count()
    _base = time.time() + 3600

    @classmethod
    def next(cls) -> float:
        return cls._base + 31 * next(cls._counter)


@dataclass(frozen=True, slots=True)
class Run:
    killed: bool
    returncode: int | None
    stderr: str
    seconds: float


def nozei(data: Path, user: str | None, *argv: str, kill_after: float | None = None,
          timeout: float = 300) -> Run:
    """Run ``nozei --data-dir DATA ARGV…`` as *user*; SIGKILL it after *kill_after* seconds."""
    env = {**os.environ, "NOZEI_TEST_CLOCK": str(Clock.next()), "NOZEI_PASSWORD": "nozei-demo-2026",
           "PYTHONPATH": str(ROOT)}
    env.pop("NOZEI_OTP", None)
    if user:
        env["NOZEI_USER"] = user
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.nozei_proc", "--data-dir", str(data), *argv],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        _, err = proc.communicate(timeout=kill_after if kill_after is not None else timeout)
        return Run(False, proc.returncode, err.decode("utf-8", "replace"), time.monotonic() - started)
    except subprocess.TimeoutExpired:
        if kill_after is None:
            proc.kill()
            raise
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        return Run(True, None, err.decode("utf-8", "replace"), time.monotonic() - started)


def copy_data(template: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target)
    return target


def open_data(data: Path) -> Store:
    return open_store(Config(data_dir=data), audit_factory=AuditWriter)


def _rows(conn: Any, query: Any) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in conn.execute(query))


def fingerprint(store: Store) -> dict[str, Any]:
    """The business state, without ids and timestamps that differ between equivalent runs."""
    with store.reading() as conn:
        return {
            "payments": _rows(conn, select(payments.c.source_key, payments.c.kind, payments.c.amount,
                                           payments.c.allocated_amount, payments.c.taxpayer_id)),
            "allocations": _rows(conn, select(allocations.c.assessment_id, allocations.c.component,
                                              func.sum(allocations.c.amount), func.count())
                                 .group_by(allocations.c.assessment_id, allocations.c.component)),
            "overpayments": _rows(conn, select(overpayments.c.taxpayer_id, overpayments.c.amount,
                                               overpayments.c.remaining, overpayments.c.state)),
            "dunnings": _rows(conn, select(dunnings.c.assessment_id, dunnings.c.issued_on, dunnings.c.fee)),
            "refunds": _rows(conn, select(refunds.c.id, refunds.c.state, refunds.c.amount)),
            "transfer_runs": _rows(conn, select(transfer_runs.c.id, transfer_runs.c.status)),
            "transfer_items": _rows(conn, select(transfer_items.c.id, transfer_items.c.result_code,
                                                 transfer_items.c.payment_id.is_(None))),
            "batches": _rows(conn, select(import_batches.c.kind, import_batches.c.sha256, import_batches.c.records)),
            "suspense": _rows(conn, select(suspense_items.c.reason, suspense_items.c.amount,
                                           suspense_items.c.status)),
            "case_records": int(conn.execute(select(func.count()).select_from(case_records)).scalar_one()),
        }


def chain_ok(store: Store) -> str | None:
    """``None`` when the audit chain verifies, else the finding."""
    report = compose.audit_log(store).verify(1)
    return None if report.ok else f"seq {report.first_bad_seq}: {report.problem} {report.detail}"


def all_rows_decrypt(store: Store) -> int:
    """Read every taxpayer (all their encrypted fields decrypted); returns how many."""
    count = 0
    with store.uow(readonly=True) as uow:
        ids = list(uow.connection.execute(select(taxpayers.c.id)).scalars())
        for tid in ids:
            assert uow.taxpayers.get(tid) is not None
            count += 1
    return count


def pending(store: Store) -> int:
    return sum(pending_rows(store).values())


def add_transfer_refunds(data: Path, pay_on: date, *, wanted: int = 3) -> int:
    """Approved refunds by bank transfer paid on *pay_on* (drafted by refund, approved by approver)."""
    store = open_data(data)
    drafter = Actor("refund", frozenset(p.value for p in Permission) - {Permission.REFUND_APPROVE.value},
                    terminal_id="console")
    approver = Actor("approver", frozenset({Permission.REFUND_APPROVE.value}), terminal_id="console")
    made = 0
    try:
        with store.uow() as uow:
            candidates: Sequence[Any] = list(uow.connection.execute(
                select(taxpayers.c.id).order_by(taxpayers.c.id.desc()).limit(60)).scalars())
            for tid in candidates:
                uow.ledger.add_overpayment(taxpayer_id=int(tid), payment_id=None, assessment_id=None,
                                           cause=OverpaymentCause.DOUBLE_PAYMENT, amount=7_000 + int(tid), arisen_on=AS_OF,
                                           paid_on=AS_OF)
            uow.commit()
        with store.uow(readonly=True) as uow:
            items, _ = uow.refunds.open_overpayments(limit=500)
        for item in items:
            if made >= wanted:
                break
            try:
                rid = draft_refund(store.uow(), drafter, item.id, method="submitted", pay_on=pay_on, today=AS_OF,
                                   account=Account("0005", "123", "1", f"{1_000_000 + item.id}", "ﾃｽﾄ ｶﾝﾌﾟ"))
            except Exception:  # noqa: BLE001 - taxpayers with debts must be appropriated first: skip them
                continue
            approve_refund(store.uow(), approver, rid, on=AS_OF)
            made += 1
    finally:
        store.close()
    return made
