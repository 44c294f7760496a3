"""Crash safety: ``nozei`` is SIGKILLed at random points of its batch operations,
then restarted and the operation re-run.

After every kill: the audit chain verifies, money is conserved, and the business
state is exactly the state before the operation or exactly the state after an
uninterrupted run (nothing half-applied). After the re-run: exactly the state
after an uninterrupted run (nothing posted twice). ``make test`` kills each
operation once; ``make reliability`` 50 times (see :mod:`tests.reliability.scale`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.schema import allocations, assessments
from tests.collection.helpers import conserved
from tests.collection.test_transfer import _bank_result
from tests.reliability.harness import (
    add_transfer_refunds, all_rows_decrypt, chain_ok, copy_data, fingerprint, nozei, open_data, pending,
)
from tests.reliability.scale import kills_per_operation

pytestmark = pytest.mark.slow

PAY_ON = date(2026, 11, 24)


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    user: str
    argv: tuple[str, ...]
    atomic: bool = True
    out: str | None = None  # an output file the operation writes


def _payments_file(data: Path, target: Path) -> int:
    store = open_data(data)
    try:
        with store.reading() as conn:
            paid = select(allocations.c.assessment_id)
            rows = conn.execute(select(assessments.c.notice_no, assessments.c.period, assessments.c.assessed_amount)
                                .where(~assessments.c.id.in_(paid))
                                .order_by(assessments.c.id).limit(1500)).all()
    finally:
        store.close()
    lines = ["record_key,channel,notice_no,period,amount,received_on,accounted_on,bank_code,branch_code"]
    for n, r in enumerate(rows):
        amount = r.assessed_amount if n % 7 else r.assessed_amount + 1_000  # some overpay
        lines.append(f"CRASH{n:06d},bank,{r.notice_no},{r.period},{amount},2026-11-20,2026-11-20,,")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Operation]]]:
    root = tmp_path_factory.mktemp("crash")
    data = root / "var"
    built = nozei(data, None, "demo", "--taxpayers", "150", "--as-of", "2026-11-22")
    assert built.returncode == 0, built.stderr
    assert _payments_file(data, root / "payments.csv") > 100
    request = root / "request.txt"
    made = nozei(data, "clerk", "transfer", "request", "--due", "2027-02-01", "--out", str(request))
    assert made.returncode == 0, made.stderr
    customers = [line[91:111].decode("ascii").strip() for line in request.read_bytes().split(b"\r\n")
                 if line[:1] == b"2"]
    (root / "result.txt").write_bytes(_bank_result(request.read_bytes(), {c: "1" for c in customers[::4]}))
    assert add_transfer_refunds(data, PAY_ON) >= 2
    rotated = nozei(data, "admin", "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    operations = {
        "payments": Operation("payments", "clerk", ("import", "payments", str(root / "payments.csv"))),
        "transfer-result": Operation("transfer-result", "clerk", ("transfer", "result", str(root / "result.txt"))),
        "dunning": Operation("dunning", "clerk", ("batch", "dunning", "--date", "2026-12-28")),
        "refund-file": Operation("refund-file", "refund", ("refund", "transfer-file", "--date", PAY_ON.isoformat()),
                                 out="sogo.txt"),
        "reencrypt": Operation("reencrypt", "admin", ("keys", "reencrypt", "--batch-size", "25"), atomic=False),
    }
    yield data, operations


def _argv(op: Operation, work: Path, *extra: str) -> tuple[str, ...]:
    return (*op.argv, "--out", str(work / op.out), *extra) if op.out else op.argv


def _state(data: Path) -> tuple[dict[str, Any], int]:
    store = open_data(data)
    try:
        problem = chain_ok(store)
        assert problem is None, problem
        assert conserved(store), "money is not conserved"
        assert all_rows_decrypt(store) > 0
        return fingerprint(store), pending(store)
    finally:
        store.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["payments", "transfer-result", "dunning", "refund-file", "reencrypt"])
def test_a_killed_operation_leaves_before_or_after_and_a_rerun_completes_it_once(
        template: tuple[Path, dict[str, Operation]], tmp_path: Path, name: str) -> None:
    data, operations = template
    op = operations[name]
    before, pending_before = _state(data)

    reference = copy_data(data, tmp_path / "reference")
    done = nozei(reference, op.user, *_argv(op, tmp_path / "reference"))
    assert done.returncode == 0, done.stderr
    after, pending_after = _state(reference)
    assert after != before or pending_after < pending_before, "the operation changed nothing"
    reference_sha = _sha(tmp_path / "reference" / op.out) if op.out else None

    rng = random.Random(f"{name}-kills")
    outcomes = {"before": 0, "after": 0, "between": 0}
    for k in range(kills_per_operation()):
        work = copy_data(data, tmp_path / f"kill{k}")
        delay = rng.uniform(0.15 * done.seconds, 1.0 * done.seconds)
        run = nozei(work, op.user, *_argv(op, work), kill_after=delay)
        state, left = _state(work)
        out = work / op.out if op.out else None
        if op.atomic:
            assert state in (before, after), f"half-applied after a kill at {delay:.2f}s"
            outcomes["before" if state == before else "after"] += 1
            if out is not None and state == before:
                assert not out.exists(), "a file was written for work that was not recorded"
            if out is not None and out.exists():
                assert _sha(out) == reference_sha
        else:
            assert pending_after <= left <= pending_before
            outcomes["between" if pending_after < left < pending_before else
                     "before" if left == pending_before else "after"] += 1

        if out is not None and out.exists():
            rerun = run  # it completed, file and all
        elif out is not None and state == after:
            rerun = nozei(work, op.user, *_argv(op, work, "--reissue"))  # killed between commit and file
        else:
            rerun = nozei(work, op.user, *_argv(op, work))
        assert "Traceback" not in rerun.stderr, rerun.stderr
        final, left = _state(work)
        assert final == after, "the re-run did not end in the uninterrupted state"
        assert left == pending_after
        if out is not None:
            assert _sha(out) == reference_sha
    print(f"{name}: {kills_per_operation()} kills, {outcomes}")


def test_a_refund_file_lost_after_its_run_committed_is_rebuilt_identically_by_reissue(
        template: tuple[Path, dict[str, Operation]], tmp_path: Path) -> None:
    data, operations = template
    op = operations["refund-file"]
    work = copy_data(data, tmp_path / "work")
    assert nozei(work, op.user, *_argv(op, work)).returncode == 0
    original = _sha(work / "sogo.txt")
    (work / "sogo.txt").unlink()  # what a kill between the commit and the file leaves
    again = nozei(work, op.user, *_argv(op, work))
    assert again.returncode == 0 and not (work / "sogo.txt").exists()  # nothing is due any more
    rebuilt = nozei(work, op.user, *_argv(op, work, "--reissue"))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _sha(work / "sogo.txt") == original
