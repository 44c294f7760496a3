"""A demo municipality's working history, made by the real services after the bulk load:
督促 runs for every past due date, an 口座振替 run with its result and one awaiting it,
未消込 items and 取消 — so every collection screen has realistic data."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import distinct, select

from core.domain.payment import Channel, Payment
from core.security.permissions import Actor, Permission
from core.services.dunning import run_dunning
from core.services.ledger import load_policy
from core.services.posting import post_payment, reverse_payment
from core.services.transfer import CONSIGNOR_KEY, ResultLine, apply_transfer_results, request_transfers
from storage.files.transfer_request import render_transfer_request
from storage.schema import assessments, payments
from storage.store import Store

__all__ = ["DEMO_CONSIGNOR", "add_activity"]

DEMO_CONSIGNOR = {
    "code": "9999100001", "name": "ﾐﾅﾄｼｶｲｹｲｶﾝﾘｼｬ", "bank_code": "0999", "branch_code": "001",
    "account_type": "1", "account_number": "1234567", "bank_name": "ﾐﾅﾄｼﾝｷﾝ", "branch_name": "ﾎﾝﾃﾝ",
}


def add_activity(store: Store, *, as_of: date, terminal_id: str, seed: int = 1) -> dict[str, int]:
    actor = Actor("demo", frozenset(p.value for p in Permission), terminal_id=terminal_id)
    rnd = random.Random(seed)
    with store.uow("demo") as uow:
        uow.settings.set(CONSIGNOR_KEY, DEMO_CONSIGNOR, by="demo")
        uow.settings.set("dunning_policy", {"fee": 100, "designated_days": 10}, by="demo")
        uow.commit()
    with store.reading() as conn:
        dues = sorted(d for (d,) in conn.execute(select(distinct(assessments.c.due_date))))
    counts = {"dunnings": 0, "transfer_items": 0, "suspense": 0, "reversals": 0}
    for due in dues:  # each 督促 run 15 days after a 納期限 (within 329条①'s 20 days)
        on = due + timedelta(days=15)
        if on <= as_of:
            counts["dunnings"] += run_dunning(store.uow("demo"), actor, on=on).issued
    past = [d for d in dues if d <= as_of - timedelta(days=5)]
    future = [d for d in dues if d > as_of]
    if past:
        _, data = request_transfers(store.uow("demo"), actor, debit_on=past[-1], render=render_transfer_request)
        with store.uow("demo") as uow:
            run = uow.transfers.run(past[-1])
            items = uow.transfers.items(run.id) if run is not None else []
        if items:  # what is still unpaid on the debit date came back: 資金不足 mostly
            lines = [ResultLine(i.customer_no, i.amount, rnd.choice("1112")) for i in items]
            apply_transfer_results(store.uow("demo"), actor, lines, sha256=f"demo-{past[-1]:%Y%m%d}",
                                   file_name="demo-result.txt")
        counts["transfer_items"] += len(items)
    if future:
        request, _ = request_transfers(store.uow("demo"), actor, debit_on=future[0], render=render_transfer_request)
        counts["transfer_items"] += len(request.lines)
    with store.uow("demo") as uow:
        policy = load_policy(uow)
        recent = as_of - timedelta(days=30)
        for n in range(5):  # bank records whose notice number matches nothing
            day = recent + timedelta(days=rnd.randint(0, 25))
            post_payment(uow, Payment(source_key=f"DEMO-S-{n:03d}", channel=Channel.BANK,
                                      amount=rnd.choice((4_500, 12_300, 30_000, 8_800, 51_000)), received_on=day,
                                      accounted_on=day, notice_no=f"99{rnd.randint(10**9, 10**10 - 1)}", period=1),
                         policy, batch_id="demo")
            counts["suspense"] += 1
        rows = uow.connection.execute(
            select(payments.c.id, payments.c.received_on).where(payments.c.kind == "receipt",
                                                                payments.c.channel == Channel.COUNTER.value,
                                                                payments.c.received_on >= recent)
            .order_by(payments.c.id).limit(3)).all()
        for row in rows:  # counter receipts entered twice by mistake, reversed
            reverse_payment(uow, int(row.id), source_key=f"REV-{row.id}", on=max(row.received_on, as_of - timedelta(days=1)))
            counts["reversals"] += 1
        uow.commit()
    return counts
