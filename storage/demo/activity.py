"""A demo municipality's working history, made by the real services after the bulk load:
督促 runs for every past due date, an 口座振替 run with its result and one awaiting it,
未消込 items and 取消 — so every collection screen has realistic data."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import distinct, select

from core.domain.assessment import Amendment
from core.domain.payment import Channel, OverpaymentCause, Payment
from core.security.permissions import Actor, Permission
from core.services.appropriation import appropriate, preview_appropriation
from core.services.dunning import run_dunning
from core.services.ledger import load_policy
from core.services.payments import resolve_suspense
from core.services.posting import post_payment, release_excess, reverse_payment
from core.services.refunds import (
    Account,
    approve_refund,
    cancel_refund,
    claim_lapses_on,
    draft_refund,
    mark_notified,
    pay_cash,
    refund_payment_run,
)
from core.errors import ValidationError
from core.services.transfer import (
    CONSIGNOR_KEY, ResultLine, TransferRequest, apply_transfer_results, request_transfers,
)
from storage.files.refund_transfer import render_refund_run
from storage.files.transfer_request import render_transfer_request
from storage.schema import assessments, dunnings, payments, taxpayers
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
    if past and _request(store, actor, past[-1]) is not None:
        with store.uow("demo") as uow:
            run = uow.transfers.run(past[-1])
            items = uow.transfers.items(run.id) if run is not None else []
        if items:  # what is still unpaid on the debit date came back: 資金不足 mostly
            lines = [ResultLine(i.customer_no, i.amount, rnd.choice("1112")) for i in items]
            apply_transfer_results(store.uow("demo"), actor, lines, sha256=f"demo-{past[-1]:%Y%m%d}",
                                   file_name="demo-result.txt")
        counts["transfer_items"] += len(items)
    if future and (request := _request(store, actor, future[0])) is not None:
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
    counts.update(_refund_history(store, as_of=as_of, terminal_id=terminal_id, rnd=rnd))
    return counts


def _request(store: Store, actor: Actor, debit_on: date) -> TransferRequest | None:
    """The 口座振替 request of that day; None when no account is due a debit (a small demo)."""
    try:
        request, _ = request_transfers(store.uow("demo"), actor, debit_on=debit_on, render=render_transfer_request)
    except ValidationError as exc:
        if exc.field != "items":
            raise
        return None
    return request


def _extra_overpayments(store: Store, as_of: date) -> None:
    """減額更正, 賦課取消 and 更正の請求 overpayments next to the synthetic 過納・二重納付."""
    with store.uow("demo") as uow:
        policy = load_policy(uow)
        paid = uow.connection.execute(
            select(payments.c.taxpayer_id, payments.c.notice_no, payments.c.period)
            .where(payments.c.kind == "receipt", payments.c.notice_no.is_not(None),
                   payments.c.received_on < as_of - timedelta(days=200))
            .order_by(payments.c.id).limit(40)).all()
        done = 0
        for row in paid[::8]:
            period = next((a for a in uow.ledger.periods_by_notice(row.notice_no) if a.period == row.period), None)
            if period is None or period.assessed_amount < 10_000 or period.id is None:
                continue
            new = period.assessed_amount - period.assessed_amount // 4 // 100 * 100
            uow.assessments.amend(Amendment(period.id, as_of - timedelta(days=20), period.assessed_amount, new,
                                            "減額更正（所得の修正申告）"))
            release_excess(uow, replace(period, assessed_amount=new), as_of - timedelta(days=20), policy)
            done += 1
        first = paid[0] if paid else None
        if first is not None:
            for cause, extra in ((OverpaymentCause.FUKA_TORIKESHI, {}),
                                 (OverpaymentCause.SEIKYU, {"request_on": as_of - timedelta(days=150),
                                                            "correction_on": as_of - timedelta(days=40)})):
                uow.ledger.add_overpayment(taxpayer_id=int(first.taxpayer_id), payment_id=None, assessment_id=None,
                                           cause=cause, amount=12_300, arisen_on=as_of - timedelta(days=40),
                                           paid_on=as_of - timedelta(days=400), **extra)
        uow.commit()


def _refund_history(store: Store, *, as_of: date, terminal_id: str, rnd: random.Random) -> dict[str, int]:
    """Every cause in every workflow state: 充当 where debts exist, then refunds drafted,
    approved, paid (cash and transfer, one to a 公金受取口座), notified and cancelled."""
    _extra_overpayments(store, as_of)
    drafter = Actor("refund", frozenset(p.value for p in Permission) - {Permission.REFUND_APPROVE.value},
                    terminal_id=terminal_id)
    approver = Actor("approver", frozenset({Permission.REFUND_APPROVE.value}), terminal_id=terminal_id)
    with store.uow("demo") as uow:  # two bank records found to be 誤納 of delinquent taxpayers
        unresolved = uow.ledger.open_suspense(limit=2)[0]
        debtors = uow.connection.execute(
            select(distinct(taxpayers.c.atena_no)).select_from(dunnings.join(taxpayers))
            .order_by(taxpayers.c.atena_no).limit(len(unresolved))).scalars().all()
    for item, atena_no in zip(unresolved, debtors, strict=False):
        resolve_suspense(store.uow("demo"), drafter, item.id, "refund", on=as_of, atena_no=atena_no)
    with store.uow("demo") as uow:
        items, _ = uow.refunds.open_overpayments(limit=500)
    counts = {"appropriations": 0, "refunds": 0}
    states = ["drafted", "approved", "paid_cash", "paid_transfer", "koukin", "notified", "cancelled"]
    for n, item in enumerate(items):
        plan = preview_appropriation(store.uow("demo"), drafter, item.id, on=as_of)
        if plan.lines:
            appropriate(store.uow("demo"), drafter, item.id, on=as_of, expected_total=plan.total)
            counts["appropriations"] += len(plan.lines)
            if plan.remainder == 0:
                continue
        if as_of > claim_lapses_on(item) or n >= 40:
            continue  # lapsed claims and the rest stay open for the clerk
        state = states[n % len(states)]
        method = {"paid_transfer": "submitted", "koukin": "koukin"}.get(state, "cash")
        account = Account("0005", f"{rnd.randint(1, 300):03d}", "1", f"{rnd.randint(1_000_000, 9_999_999)}",
                          "ﾃﾞﾓ ｶﾝﾌﾟ") if method != "cash" else None
        rid = draft_refund(store.uow("demo"), drafter, item.id, method=method, pay_on=as_of, today=as_of,
                           account=account)
        counts["refunds"] += 1
        if state == "cancelled":
            cancel_refund(store.uow("demo"), drafter, rid, reason="本人から充当の申出")
        if state in ("drafted", "cancelled"):
            continue
        approve_refund(store.uow("demo"), approver, rid, on=as_of)
        if state in ("paid_cash", "notified"):
            pay_cash(store.uow("demo"), drafter, rid, on=as_of)
        if state == "notified":
            mark_notified(store.uow("demo"), drafter, rid, on=as_of)
    run, _ = refund_payment_run(store.uow("demo"), drafter, pay_on=as_of, render=render_refund_run)
    counts["refunds_paid_by_transfer"] = len(run.refunds)
    return counts
