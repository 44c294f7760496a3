"""post_many gives what post_payment gives, payment after payment (hypothesis, SQLite and PostgreSQL).

Two taxpayers with periods of the same shape: one receives a random file
payment by payment through ``post_payment`` (skipping keys already posted, as
imports did), the other the same file through ``post_many`` in small chunks
(so that one period is met in several chunks). Every posting, allocation,
過誤納 and 未消込 must be the same, position for position.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.domain.ledger import Posting
from core.domain.payment import Channel, Payment
from core.services.bulk_posting import post_many
from core.services.ledger import load_policy
from core.services.posting import post_payment
from storage.schema import allocations, overpayments, payments, suspense_items
from storage.store import Store
from tests.collection.helpers import money, paid_column_agrees, pay, seed

DUE = date(2025, 6, 30)
_counter = itertools.count(1)

#: (key number, target: 0 notice only / 1–3 a period / 4 an unknown notice, amount, days after the 納期限, counter?)
record = st.tuples(st.integers(0, 12), st.integers(0, 4), st.integers(1, 400_000), st.integers(-20, 400),
                   st.booleans())


def _shape(store: Store, n: int) -> tuple[str, list[int]]:
    notice = f"B{n:07d}"
    _, ids = seed(store, {"notice_no": notice, "period": 1, "amount": 150_000},
                    {"notice_no": notice, "period": 2, "amount": 80_000, "due": date(2025, 8, 31)},
                    {"notice_no": notice, "period": 3, "amount": 1_900, "due": date(2025, 10, 31)}, n=n)
    return notice, ids


def _payments(notice: str, records: list[tuple[int, int, int, int, bool]]) -> list[Payment]:
    out = []
    for key, target, amount, days, counter in records:
        notice_no = f"X{notice}" if target == 4 else notice
        out.append(pay(f"{notice}-{key}", amount, DUE + timedelta(days=days), notice=notice_no,
                       period_no=None if target == 0 else min(target, 3),
                       channel=Channel.COUNTER if counter else Channel.BANK))
    return out


def _ledger(store: Store, notice: str, ids: list[int]) -> list[Any]:
    """The ledger of one notice's payments, with ids replaced by positions."""
    where = {aid: n for n, aid in enumerate(ids)}
    with store.reading() as conn:
        pays = conn.execute(select(payments).where(payments.c.source_key.like(f"{notice}-%"))
                            .order_by(payments.c.id)).all()
        pos = {p.id: n for n, p in enumerate(pays)}
        pids = list(pos)
        allocs = conn.execute(select(allocations).where(allocations.c.payment_id.in_(pids))
                              .order_by(allocations.c.id)).all()
        over = conn.execute(select(overpayments).where(overpayments.c.payment_id.in_(pids))
                            .order_by(overpayments.c.id)).all()
        susp = conn.execute(select(suspense_items).where(suspense_items.c.payment_id.in_(pids))
                            .order_by(suspense_items.c.id)).all()
    return [
        [(p.source_key.split("-", 1)[1], p.amount, p.allocated_amount, p.taxpayer_id is not None, p.channel,
          p.received_on, p.batch_id) for p in pays],
        [(pos[a.payment_id], where[a.assessment_id], a.component, a.amount, a.policy_version, a.allocated_on)
         for a in allocs],
        [(pos[o.payment_id], where.get(o.assessment_id), o.cause, o.amount, o.remaining, o.arisen_on, o.due_on)
         for o in over],
        [(pos[s.payment_id], s.reason, s.amount, s.status) for s in susp],
    ]


def _plain(posting: Posting | None, ids: list[int]) -> Any:
    if posting is None:
        return None
    where = {aid: n for n, aid in enumerate(ids)}
    return (posting.amount, tuple((where[p.assessment_id], p.component, p.amount) for p in posting.parts),
            posting.overpayment, posting.overpayment_cause, posting.suspense, posting.suspense_reason,
            posting.policy_version)


class TestPostManyIsPostPaymentInTurn:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(records=st.lists(record, min_size=1, max_size=14), earlier=st.lists(st.integers(0, 12), max_size=3),
           chunk=st.integers(1, 5))
    def test_the_same_file_leaves_the_same_ledger_either_way(self, store: Store, records: list, earlier: list,
                                                             chunk: int) -> None:  # type: ignore[type-arg]
        one, ids_one = _shape(store, next(_counter) * 2)
        many, ids_many = _shape(store, next(_counter) * 2 + 1)
        with store.uow() as uow:  # keys posted by an earlier file: skipped by both
            policy = load_policy(uow)
            for key in earlier:
                for notice in (one, many):
                    if not uow.payments.exists(f"{notice}-{key}"):
                        post_payment(uow, pay(f"{notice}-{key}", 1_000, DUE, notice=notice, period_no=1), policy,
                                     batch_id="earlier")
            uow.commit()
        with store.uow() as uow:
            policy = load_policy(uow)
            sequential: list[Posting | None] = []
            for p in _payments(one, records):
                sequential.append(None if uow.payments.exists(p.source_key)
                                  else post_payment(uow, p, policy, batch_id="file"))
            uow.commit()
        with store.uow() as uow:
            policy = load_policy(uow)
            bulk = list(post_many(uow, _payments(many, records), policy, batch_id="file", chunk=chunk))
            uow.commit()
        assert [_plain(p, ids_one) for p in sequential] == [_plain(p, ids_many) for p in bulk]
        assert _ledger(store, one, ids_one) == _ledger(store, many, ids_many)
        m = money(store)
        assert m["receipts"] == m["allocated"] + m["overpaid"] + m["suspense"]
        assert paid_column_agrees(store)

    def test_a_key_twice_in_one_chunk_is_posted_once(self, store: Store) -> None:
        notice, ids = _shape(store, next(_counter) * 2)
        with store.uow() as uow:
            out = list(post_many(uow, [pay(f"{notice}-1", 5_000, DUE, notice=notice),
                                       pay(f"{notice}-1", 5_000, DUE, notice=notice)], load_policy(uow)))
            uow.commit()
        assert out[0] is not None and out[1] is None
        assert len(_ledger(store, notice, ids)[0]) == 1
