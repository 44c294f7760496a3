"""One process of clerks' work for the concurrency harness.

    python -m tests.reliability.worker DATA_DIR DATABASE_URL INDEX SECONDS RESULT_FILE

Loops for SECONDS doing random work through the services (counter payments,
small payment imports, appropriation, a refund drafted, approved and paid, case
records; worker 0 also rotates the data key and re-encrypts while the others
work) and writes what succeeded to RESULT_FILE as JSON, so the test can check
that every success is in the database exactly once (no lost updates).
Expected refusals (a conflict with another clerk) are counted; anything else is
reported as an error with its type only.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.config import Config
from core.domain.payment import Channel, Payment
from core.errors import NozeiError
from core.security.permissions import Actor, Permission
from core.services.appropriation import appropriate, preview_appropriation
from core.services.cases import add_record, open_case
from core.services.counter import counter_pay, counter_quote
from core.services.keys import reencrypt_old_rows, rotate_data_key
from core.services.payments import import_payments
from core.services.refunds import approve_refund, draft_refund, pay_cash
from storage.reencrypt import StoreKeys
from storage.schema import assessments, cases, overpayments, taxpayers
from storage.store import Store
from tui import compose

TODAY = date(2026, 11, 20)
ALL = frozenset(p.value for p in Permission)


def _actor(name: str, *, without: frozenset[str] = frozenset()) -> Actor:
    return Actor(name, ALL - without, terminal_id="T01")


class Worker:
    def __init__(self, store: Store, index: int, rng: random.Random) -> None:
        self.store, self.index, self.rng = store, index, rng
        self.clerk = _actor(f"w{index}", without=frozenset({Permission.REFUND_APPROVE.value}))
        self.approver = _actor(f"w{index}-approver")
        self.done: dict[str, list[Any]] = {"payments": [], "case_records": [], "refunds_paid": [],
                                           "appropriations": [], "rotations": []}
        self.refused: Counter[str] = Counter()
        self.seq = 0
        self.last = ""

    def _ids(self, query: Any) -> list[Any]:
        with self.store.reading() as conn:
            return list(conn.execute(query))

    def counter(self) -> None:
        rows = self._ids(select(assessments.c.id, assessments.c.taxpayer_id)
                         .order_by(assessments.c.id).limit(400))
        aid, tid = self.rng.choice(rows)
        quote = counter_quote(self.store.uow(), self.clerk, tid, [aid], on=TODAY)
        if quote.total == 0:
            return
        amount = min(quote.total, self.rng.randint(1, 30_000))
        receipt = counter_pay(self.store.uow(), self.clerk, tid, [aid], on=TODAY, amount=amount,
                              received=amount, expected_total=quote.total)
        self.done["payments"].append([receipt.payment_id, amount])

    def imports(self) -> None:
        rows = self._ids(select(assessments.c.notice_no, assessments.c.period).limit(400))
        batch = []
        for _ in range(5):
            notice, period = self.rng.choice(rows)
            self.seq += 1
            key = f"w{self.index}-{self.seq}"
            batch.append(Payment(source_key=key, channel=Channel.BANK, amount=self.rng.randint(1_000, 40_000),
                                 received_on=TODAY, accounted_on=TODAY, notice_no=notice, period=period))
        import_payments(self.store.uow(), self.clerk, batch, sha256=f"{self.index:02d}{self.seq:062d}",
                        file_name=f"w{self.index}.csv")
        self.done["payments"].extend([p.source_key, p.amount] for p in batch)

    def _open_overpayment(self) -> int | None:
        rows = self._ids(select(overpayments.c.id).where(overpayments.c.remaining > 0,
                                                         overpayments.c.state != "cancelled").limit(50))
        return self.rng.choice(rows)[0] if rows else None

    def appropriation(self) -> None:
        item = self._open_overpayment()
        if item is None:
            return
        plan = preview_appropriation(self.store.uow(), self.clerk, item, on=TODAY)
        if not plan.lines:
            return
        appropriate(self.store.uow(), self.clerk, item, on=TODAY, expected_total=plan.total)
        self.done["appropriations"].append([item, plan.total])

    def refund(self) -> None:
        item = self._open_overpayment()
        if item is None:
            return
        rid = draft_refund(self.store.uow(), self.clerk, item, method="cash", pay_on=TODAY, today=TODAY)
        approve_refund(self.store.uow(), self.approver, rid, on=TODAY)
        pay_cash(self.store.uow(), self.clerk, rid, on=TODAY)
        self.done["refunds_paid"].append(rid)

    def case_record(self) -> None:
        (tid,) = self.rng.choice(self._ids(select(taxpayers.c.id).limit(40)))
        found = self._ids(select(cases.c.id).where(cases.c.taxpayer_id == tid, cases.c.status != "closed"))
        case_id = found[0][0] if found else open_case(self.store.uow(), self.clerk, tid, on=TODAY)
        add_record(self.store.uow(), self.clerk, case_id, kind="phone", content=f"w{self.index} 連絡")
        self.done["case_records"].append(case_id)

    def keys(self) -> None:
        version = rotate_data_key(self.store.uow(), self.clerk, StoreKeys(self.store))
        reencrypt_old_rows(self.store.uow(), self.clerk, StoreKeys(self.store), batch_size=50)
        self.done["rotations"].append(version)

    def step(self) -> None:
        work = [self.counter, self.imports, self.appropriation, self.refund, self.case_record]
        weights = [3, 3, 2, 2, 2]
        if self.index == 0 and self.rng.random() < 0.1:
            action = self.keys
        else:
            action = self.rng.choices(work, weights)[0]
        self.last = action.__name__
        try:
            action()
        except NozeiError as exc:  # a refusal: another clerk got there first, nothing to do, …
            self.refused[f"{action.__name__}:{type(exc).__name__}"] += 1


def main(argv: list[str]) -> int:
    data_dir, url, index, seconds, result = argv
    store = compose.open_wired(Config(data_dir=Path(data_dir), database_url=url))
    worker = Worker(store, int(index), random.Random(int(index)))
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + float(seconds)
    steps = 0
    try:
        while time.monotonic() < deadline:
            try:
                worker.step()
            except Exception as exc:  # noqa: BLE001 - reported (type and first line) and fails the test
                errors[f"{worker.last}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"] += 1
            steps += 1
    finally:
        store.close()
    Path(result).write_text(json.dumps({"done": worker.done, "refused": worker.refused, "errors": errors,
                                        "steps": steps}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
