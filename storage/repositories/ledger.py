"""The collection ledger as the services read it: periods with their signed
entries, open items (未消込, 過誤納), 督促 records and猶予 terms.

Entries are dated by the 領収日 of the payment that brought the money; a
reversal's entries carry the original payment's date so a pair nets to zero
on that day (see :mod:`core.rules.balance`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, insert, select, update

from core.domain.assessment import Assessment
from core.domain.ledger import DeferralTerm, DunningRecord, OverpaymentItem, SuspenseItem
from core.domain.payment import Channel, Component, OverpaymentCause, SuspenseReason
from core.errors import ConflictError, NotFound
from core.rules.balance import Entry
from storage.repositories.assessments import ASSESSMENT_COLUMNS, row_to_assessment
from storage.repositories.sqlin import CHUNK, one_of, pair_of
from storage.schema import (
    allocations,
    assessments,
    taxpayers,
    transfer_items,
    deferrals,
    dunnings,
    overpayments,
    payments,
    suspense_items,
)

__all__ = ["SqlLedgerRepository", "overpayment_from_row"]

_CHUNK = CHUNK
#: Active periods with 本税 unpaid — served by the partial index ix_assessments_unpaid.
_UNPAID = and_(assessments.c.honzei_paid < assessments.c.assessed_amount, assessments.c.status == "active")
#: Channels of money the municipality moves itself (not the taxpayer's 承認).
_INTERNAL = frozenset(c.value for c in Channel if not c.by_taxpayer)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def overpayment_from_row(row: Any) -> OverpaymentItem:
    return OverpaymentItem(
        id=int(row.id), taxpayer_id=int(row.taxpayer_id),
        payment_id=int(row.payment_id) if row.payment_id is not None else None,
        assessment_id=int(row.assessment_id) if row.assessment_id is not None else None,
        cause=OverpaymentCause(row.cause), amount=int(row.amount), remaining=int(row.remaining),
        arisen_on=row.arisen_on, state=row.state, paid_on=row.paid_on, due_on=row.due_on,
        request_on=row.request_on, correction_on=row.correction_on,
    )


def _suspense(row: Any) -> SuspenseItem:
    return SuspenseItem(
        id=int(row.id), payment_id=int(row.payment_id), reason=SuspenseReason(row.reason),
        amount=int(row.amount), status=row.status, resolution=row.resolution,
        notice_no=row.notice_no, period=row.period, received_on=row.received_on,
        channel=row.channel, source_key=row.source_key,
        assessment_id=int(row.assessment_id) if row.assessment_id is not None else None,
        note=row.note,
    )


class SqlLedgerRepository:
    def __init__(self, conn: Connection, operator: str = "system") -> None:
        self._conn = conn
        self._operator = operator

    # -- periods -------------------------------------------------------------
    def periods_by_notice(self, notice_no: str, *, lock: bool = False) -> list[Assessment]:
        query = select(assessments).where(assessments.c.notice_no == notice_no).order_by(assessments.c.period)
        if lock:
            query = query.with_for_update()
        return [row_to_assessment(r) for r in self._conn.execute(query)]

    def periods_aimed_at(self, whole: Iterable[str], pairs: Iterable[tuple[str, int]], *,
                         lock: bool = False) -> dict[str, list[Assessment]]:
        """Every period of the notices *whole*, and the (notice, period) *pairs* — what a batch
        of payments names — by notice in period order, locked in id order when asked."""
        out: dict[str, list[Assessment]] = {}
        for chunk in _chunks(sorted(set(whole))):
            self._read_periods(one_of(self._conn, assessments.c.notice_no, chunk), lock, out)
        for chunk in _chunks(sorted({(n, p) for n, p in pairs if n not in out})):
            self._read_periods(pair_of(self._conn, assessments.c.notice_no, assessments.c.period, chunk), lock, out)
        for periods in out.values():
            periods.sort(key=lambda a: a.period)
        return out

    def _read_periods(self, where: Any, lock: bool, out: dict[str, list[Assessment]]) -> None:
        query = select(*ASSESSMENT_COLUMNS).where(where).order_by(assessments.c.id)
        for r in self._conn.execute(query.with_for_update() if lock else query):
            out.setdefault(r.notice_no, []).append(row_to_assessment(r))

    def period_ids_by_notice(self, notice_nos: Iterable[str]) -> list[int]:
        """The ids of every period of these notices (not locked)."""
        found: list[int] = []
        for chunk in _chunks(sorted(set(notice_nos))):
            found += self._conn.execute(select(assessments.c.id).where(one_of(self._conn, assessments.c.notice_no, chunk))).scalars()
        return found

    def lock_notices(self, notice_nos: Iterable[str]) -> None:
        """Lock every period of these notices in id order, before an import posts to them
        (PostgreSQL: two imports then wait for each other, never deadlock). On SQLite the
        writing transaction already holds the database's write lock: nothing is read."""
        if self._conn.dialect.name == "sqlite":
            return
        ids: set[int] = set()
        batch: set[str] = set()
        for notice in notice_nos:
            batch.add(notice)
            if len(batch) >= _CHUNK:
                ids.update(self.period_ids_by_notice(batch))
                batch = set()
        ids.update(self.period_ids_by_notice(batch))
        self.lock_period_ids(ids)

    def lock_period_ids(self, assessment_ids: Iterable[int]) -> None:
        """Lock these periods in id order (PostgreSQL), reading nothing else (big imports)."""
        for chunk in _chunks(sorted(set(assessment_ids))):
            self._conn.execute(select(assessments.c.id).where(one_of(self._conn, assessments.c.id, chunk))
                               .order_by(assessments.c.id).with_for_update()).all()

    def lock_periods(self, assessment_ids: Sequence[int]) -> list[Assessment]:
        """Lock the rows (PostgreSQL) so two postings to one period serialise."""
        found: list[Assessment] = []
        for chunk in _chunks(sorted(set(assessment_ids))):
            found += [row_to_assessment(r) for r in self._conn.execute(
                select(*ASSESSMENT_COLUMNS).where(one_of(self._conn, assessments.c.id, chunk))
                .order_by(assessments.c.id).with_for_update())]
        return found

    def entries(self, assessment_ids: Sequence[int]) -> dict[int, list[Entry]]:
        original = payments.alias("original")
        out: dict[int, list[Entry]] = {aid: [] for aid in assessment_ids}
        for chunk in _chunks(list(assessment_ids)):
            query = (
                select(allocations.c.assessment_id, allocations.c.component, allocations.c.amount,
                       func.coalesce(original.c.received_on, payments.c.received_on).label("on"),
                       payments.c.channel)
                .join(payments, payments.c.id == allocations.c.payment_id)
                .outerjoin(original, original.c.id == payments.c.reverses_id)
                .where(one_of(self._conn, allocations.c.assessment_id, chunk))
                .order_by(allocations.c.id)
            )
            for r in self._conn.execute(query):
                out[int(r.assessment_id)].append(Entry(Component(r.component), int(r.amount), r.on,
                                                       r.channel not in _INTERNAL))
        return out

    def payment_parts(self, payment_id: int) -> list[tuple[int, Component, int]]:
        """Net (assessment, component, amount) still applied from one payment."""
        rows = self._conn.execute(
            select(allocations.c.assessment_id, allocations.c.component, func.sum(allocations.c.amount).label("net"))
            .where(allocations.c.payment_id == payment_id)
            .group_by(allocations.c.assessment_id, allocations.c.component)
            .order_by(allocations.c.assessment_id, allocations.c.component)
        )
        return [(int(r.assessment_id), Component(r.component), int(r.net)) for r in rows if int(r.net) != 0]

    def period_payments(self, assessment_id: int) -> list[tuple[int, Component, int]]:
        """(payment id, component, net amount) applied to a period, latest 領収日 first;
        a reversed payment nets to nothing and is left out."""
        original = payments.alias("original")
        source = func.coalesce(payments.c.reverses_id, allocations.c.payment_id)
        rows = self._conn.execute(
            select(source.label("pid"), allocations.c.component, func.sum(allocations.c.amount).label("net"),
                   func.max(func.coalesce(original.c.received_on, payments.c.received_on)).label("on"))
            .join(payments, payments.c.id == allocations.c.payment_id)
            .outerjoin(original, original.c.id == payments.c.reverses_id)
            .where(allocations.c.assessment_id == assessment_id)
            .group_by(source, allocations.c.component)
        ).all()
        rows = sorted(rows, key=lambda r: (r.on, int(r.pid)), reverse=True)
        return [(int(r.pid), Component(r.component), int(r.net)) for r in rows if int(r.net) > 0]

    def is_reversed(self, payment_id: int) -> bool:
        return self._conn.execute(
            select(payments.c.id).where(payments.c.reverses_id == payment_id)
        ).first() is not None

    # -- negative entries ----------------------------------------------------
    def add_entry(self, payment_id: int, assessment_id: int, component: Component, amount: int, *,
                  entry: str, policy_version: str, on: date) -> None:
        """A signed ledger entry; ``payments.allocated_amount`` moves with it."""
        if (entry == "allocate") != (amount > 0) or amount == 0:
            raise ConflictError("消込の符号が区分と一致しません")
        self._conn.execute(insert(allocations).values(
            payment_id=payment_id, assessment_id=assessment_id, component=component.value, amount=amount,
            entry=entry, policy_version=policy_version, allocated_on=on, created_at=datetime.now(UTC)))
        # A reversal row holds the reversed money (positive); a release frees the original's.
        moved = -amount if entry == "reversal" else amount
        self._conn.execute(
            update(payments).where(payments.c.id == payment_id)
            .values(allocated_amount=payments.c.allocated_amount + moved))

    # -- overpayments --------------------------------------------------------
    def add_overpayment(self, *, taxpayer_id: int, payment_id: int | None, assessment_id: int | None,
                        cause: OverpaymentCause, amount: int, arisen_on: date, paid_on: date | None = None,
                        due_on: date | None = None, request_on: date | None = None,
                        correction_on: date | None = None) -> int:
        return int(self._conn.execute(insert(overpayments).values(
            taxpayer_id=taxpayer_id, payment_id=payment_id, assessment_id=assessment_id, cause=cause.value,
            amount=amount, remaining=amount, arisen_on=arisen_on, state="open", paid_on=paid_on or arisen_on,
            due_on=due_on, request_on=request_on, correction_on=correction_on, created_at=datetime.now(UTC),
        ).returning(overpayments.c.id)).scalar_one())

    def add_overpayments_many(self, items: Sequence[dict[str, Any]]) -> None:
        """Several 過誤納 at once, each given as the keywords of :meth:`add_overpayment`."""
        if items:
            now = datetime.now(UTC)
            self._conn.execute(insert(overpayments), [
                {"taxpayer_id": i["taxpayer_id"], "payment_id": i["payment_id"], "assessment_id": i["assessment_id"],
                 "cause": i["cause"].value, "amount": i["amount"], "remaining": i["amount"],
                 "arisen_on": i["arisen_on"], "state": "open", "paid_on": i.get("paid_on") or i["arisen_on"],
                 "due_on": i.get("due_on"), "request_on": i.get("request_on"),
                 "correction_on": i.get("correction_on"), "created_at": now} for i in items])

    def overpayments_of_payment(self, payment_id: int) -> list[OverpaymentItem]:
        return [overpayment_from_row(r) for r in self._conn.execute(
            select(overpayments).where(overpayments.c.payment_id == payment_id).order_by(overpayments.c.id))]

    def overpayments_of_taxpayer(self, taxpayer_id: int) -> list[OverpaymentItem]:
        return [overpayment_from_row(r) for r in self._conn.execute(
            select(overpayments).where(overpayments.c.taxpayer_id == taxpayer_id).order_by(overpayments.c.id))]

    def cancel_overpayment(self, overpayment_id: int) -> None:
        done = self._conn.execute(
            update(overpayments)
            .where(overpayments.c.id == overpayment_id, overpayments.c.state == "open",
                   overpayments.c.remaining == overpayments.c.amount)
            .values(state="cancelled", remaining=0))
        if done.rowcount != 1:
            raise ConflictError("過誤納は既に充当または還付に使われています。先にそれを取り消してください")

    # -- suspense ------------------------------------------------------------
    def add_suspense(self, payment_id: int, reason: SuspenseReason, amount: int) -> int:
        return int(self._conn.execute(insert(suspense_items).values(
            payment_id=payment_id, reason=reason.value, amount=amount, status="open",
            created_at=datetime.now(UTC)).returning(suspense_items.c.id)).scalar_one())

    def add_suspense_many(self, items: Sequence[tuple[int, SuspenseReason, int]]) -> None:
        """Several 未消込 at once: (payment id, reason, amount)."""
        if items:
            now = datetime.now(UTC)
            self._conn.execute(insert(suspense_items), [
                {"payment_id": pid, "reason": reason.value, "amount": amount, "status": "open", "created_at": now}
                for pid, reason, amount in items])

    def _suspense_query(self) -> Any:
        return (select(suspense_items, payments.c.notice_no, payments.c.period, payments.c.received_on,
                       payments.c.channel, payments.c.source_key)
                .join(payments, payments.c.id == suspense_items.c.payment_id))

    def suspense(self, suspense_id: int, *, lock: bool = False) -> SuspenseItem:
        query = self._suspense_query().where(suspense_items.c.id == suspense_id)
        if lock:
            query = query.with_for_update(of=suspense_items)
        row = self._conn.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"未消込が見つかりません（id={suspense_id}）")
        return _suspense(row)

    def suspense_of_payment(self, payment_id: int) -> SuspenseItem | None:
        row = self._conn.execute(self._suspense_query().where(suspense_items.c.payment_id == payment_id)).one_or_none()
        return _suspense(row) if row is not None else None

    def open_suspense(self, *, offset: int = 0, limit: int = 100) -> tuple[list[SuspenseItem], bool]:
        rows = self._conn.execute(
            self._suspense_query().where(suspense_items.c.status == "open")
            .order_by(suspense_items.c.id).offset(offset).limit(limit + 1)).all()
        return [_suspense(r) for r in rows[:limit]], len(rows) > limit

    def count_open_suspense(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(suspense_items)
                                      .where(suspense_items.c.status == "open")).scalar_one())

    def resolve_suspense(self, suspense_id: int, resolution: str, *, assessment_id: int | None,
                         note: str | None) -> None:
        done = self._conn.execute(
            update(suspense_items)
            .where(suspense_items.c.id == suspense_id, suspense_items.c.status == "open")
            .values(status="resolved", resolution=resolution, assessment_id=assessment_id, note=note,
                    resolved_at=datetime.now(UTC), resolved_by=self._operator))
        if done.rowcount != 1:
            raise ConflictError("この未消込は既に処理されています")

    def set_payment_taxpayer(self, payment_id: int, taxpayer_id: int) -> None:
        self._conn.execute(update(payments).where(payments.c.id == payment_id).values(taxpayer_id=taxpayer_id))

    # -- 督促 and 猶予 -------------------------------------------------------
    def dunnings(self, assessment_ids: Sequence[int]) -> dict[int, DunningRecord]:
        out: dict[int, DunningRecord] = {}
        for chunk in _chunks(list(assessment_ids)):
            for r in self._conn.execute(select(dunnings).where(one_of(self._conn, dunnings.c.assessment_id, chunk))):
                out[int(r.assessment_id)] = DunningRecord(
                    assessment_id=int(r.assessment_id), issued_on=r.issued_on, designated_on=r.designated_on,
                    fee=int(r.fee), honzei_due=int(r.honzei_due), delivery=r.delivery, batch_on=r.batch_on)
        return out

    def add_dunnings(self, records: Sequence[tuple[DunningRecord, int]]) -> None:
        """督促 for periods (record, taxpayer id); each period's 督促手数料 is added to its assessment."""
        if not records:
            return
        now = datetime.now(UTC)
        self._conn.execute(insert(dunnings), [
            {"assessment_id": r.assessment_id, "taxpayer_id": tid, "issued_on": r.issued_on,
             "designated_on": r.designated_on, "fee": r.fee, "honzei_due": r.honzei_due, "delivery": r.delivery,
             "batch_on": r.batch_on, "created_at": now, "created_by": self._operator} for r, tid in records])
        fees = [{"aid": r.assessment_id, "fee": r.fee} for r, _ in records if r.fee]
        if fees:
            self._conn.execute(update(assessments).where(assessments.c.id == bindparam("aid"))
                               .values(dunning_fee=assessments.c.dunning_fee + bindparam("fee")), fees)

    def deferrals(self, assessment_ids: Sequence[int]) -> dict[int, list[DeferralTerm]]:
        out: dict[int, list[DeferralTerm]] = {}
        for chunk in _chunks(list(assessment_ids)):
            for r in self._conn.execute(select(deferrals).where(
                    and_(one_of(self._conn, deferrals.c.assessment_id, chunk), deferrals.c.status == "active"))):
                out.setdefault(int(r.assessment_id), []).append(
                    DeferralTerm(int(r.assessment_id), r.kind, r.start_on, r.end_on, r.reduction, int(r.id)))
        return out

    def dunning_candidates(self, first_due: date, last_due: date) -> list[tuple[Assessment, bool, bool]]:
        """Active periods due in [first_due, last_due] with no 督促 yet, with the
        taxpayer's 督促停止 and 公示送達 flags; in due-date order."""
        query = (
            select(assessments, taxpayers.c.flag_tokusoku_teishi, taxpayers.c.flag_koji_sotatsu)
            .join(taxpayers, taxpayers.c.id == assessments.c.taxpayer_id)
            .outerjoin(dunnings, dunnings.c.assessment_id == assessments.c.id)
            .where(assessments.c.due_date.between(first_due, last_due), assessments.c.status == "active",
                   dunnings.c.id.is_(None))
            .order_by(assessments.c.due_date, assessments.c.id)
        )
        return [(row_to_assessment(r), bool(r.flag_tokusoku_teishi), bool(r.flag_koji_sotatsu))
                for r in self._conn.execute(query)]

    def undunned_before(self, day: date) -> list[Assessment]:
        """Active periods due before *day* with 本税 still unpaid and no 督促 (督促漏れ candidates)."""
        query = (select(assessments)
                 .outerjoin(dunnings, dunnings.c.assessment_id == assessments.c.id)
                 .where(assessments.c.due_date < day, _UNPAID, dunnings.c.id.is_(None))
                 .order_by(assessments.c.due_date, assessments.c.id))
        return [row_to_assessment(r) for r in self._conn.execute(query)]

    def dunned_unpaid(self, designated_by: date) -> list[Assessment]:
        """Active periods whose 督促's 指定期限 is on or before *designated_by* and whose
        本税 is still unpaid (candidates for a 滞納案件)."""
        query = (select(assessments)
                 .join(dunnings, dunnings.c.assessment_id == assessments.c.id)
                 .where(dunnings.c.designated_on <= designated_by, _UNPAID)
                 .order_by(assessments.c.taxpayer_id, assessments.c.id))
        return [row_to_assessment(r) for r in self._conn.execute(query)]

    def unpaid_periods(self, taxpayer_ids: Sequence[int] | None = None, *,
                       due_before: date | None = None) -> list[Assessment]:
        """Active periods with 本税 unpaid (of *taxpayer_ids*, or all; due before a day if given)."""
        query = select(assessments).where(_UNPAID)
        if due_before is not None:
            query = query.where(assessments.c.due_date < due_before)
        if taxpayer_ids is None:
            return [row_to_assessment(r) for r in self._conn.execute(query.order_by(assessments.c.id))]
        out: list[Assessment] = []
        for chunk in _chunks(list(taxpayer_ids)):
            out += [row_to_assessment(r) for r in self._conn.execute(
                query.where(one_of(self._conn, assessments.c.taxpayer_id, chunk)).order_by(assessments.c.id))]
        return out

    def unpaid_period_chunks(self, due_before: date, size: int = _CHUNK) -> Iterator[list[Assessment]]:
        """Active periods due before *due_before* with 本税 unpaid, streamed *size* at a time
        (in 納期限 order, from the partial index)."""
        query = (select(*ASSESSMENT_COLUMNS).where(_UNPAID, assessments.c.due_date < due_before)
                 .order_by(assessments.c.due_date, assessments.c.id))
        for rows in self._conn.execute(query, execution_options={"yield_per": size}).partitions():
            yield [row_to_assessment(r) for r in rows]

    def unpaid_taxpayer_ids(self) -> set[int]:
        """Taxpayers with a period whose 本税 is not fully paid."""
        return {int(t) for t in self._conn.execute(select(assessments.c.taxpayer_id.distinct()).where(_UNPAID))
                .scalars()}

    def periods_statutory_before(self, day: date, including: Collection[int] = ()) -> list[Assessment]:
        """Active periods whose 法定納期限 is before *day*, and the active periods *including*."""
        old = [row_to_assessment(r) for r in self._conn.execute(
            select(assessments).where(assessments.c.status == "active", assessments.c.statutory_due_date < day)
            .order_by(assessments.c.id))]
        seen = {a.id for a in old}
        extra = [a for chunk in _chunks(sorted(set(including) - seen)) for a in (row_to_assessment(r) for r in
                 self._conn.execute(select(assessments).where(one_of(self._conn, assessments.c.id, chunk),
                                                               assessments.c.status == "active")))]
        return sorted(old + extra, key=lambda a: a.id or 0)

    def periods_of_taxpayers(self, taxpayer_ids: Sequence[int]) -> list[Assessment]:
        """Every active period of *taxpayer_ids*."""
        out: list[Assessment] = []
        for chunk in _chunks(list(taxpayer_ids)):
            out += [row_to_assessment(r) for r in self._conn.execute(
                select(assessments).where(one_of(self._conn, assessments.c.taxpayer_id, chunk), assessments.c.status == "active")
                .order_by(assessments.c.id))]
        return out

    def statistics(self, start: date, end: date) -> list[tuple[int, str, int, int, int]]:
        """(年度, 税目, Σ 調定額, Σ 本税 received before *start*, Σ 本税 received in
        [*start*, *end*]) over active periods of 年度 ≤ *end*'s year. Reversals and
        releases count on the original payment's date."""
        original = payments.alias("original")
        on = func.coalesce(original.c.received_on, payments.c.received_on)
        paid = (select(allocations.c.assessment_id,
                       func.sum(case((on < start, allocations.c.amount), else_=0)).label("before"),
                       func.sum(case((on.between(start, end), allocations.c.amount), else_=0)).label("within"))
                .join(payments, payments.c.id == allocations.c.payment_id)
                .outerjoin(original, original.c.id == payments.c.reverses_id)
                .where(allocations.c.component == Component.HONZEI.value)
                .group_by(allocations.c.assessment_id).subquery())
        query = (select(assessments.c.fiscal_year, assessments.c.tax_code,
                        func.sum(assessments.c.assessed_amount).label("assessed"),
                        func.coalesce(func.sum(paid.c.before), 0).label("before"),
                        func.coalesce(func.sum(paid.c.within), 0).label("within"))
                 .outerjoin(paid, paid.c.assessment_id == assessments.c.id)
                 .where(assessments.c.status == "active", assessments.c.fiscal_year <= start.year)
                 .group_by(assessments.c.fiscal_year, assessments.c.tax_code)
                 .order_by(assessments.c.fiscal_year, assessments.c.tax_code))
        return [(int(r.fiscal_year), r.tax_code, int(r.assessed), int(r.before), int(r.within))
                for r in self._conn.execute(query)]

    def transfer_failures(self, assessment_ids: Sequence[int]) -> set[int]:
        """Periods whose latest 口座振替 came back unpaid (口振不能) and are not yet paid by it."""
        out: set[int] = set()
        for chunk in _chunks(list(assessment_ids)):
            rows = self._conn.execute(
                select(transfer_items.c.assessment_id, transfer_items.c.result_code)
                .where(one_of(self._conn, transfer_items.c.assessment_id, chunk), transfer_items.c.result_code.is_not(None))
                .order_by(transfer_items.c.id))
            for r in rows:
                if r.result_code == "0":
                    out.discard(int(r.assessment_id))
                else:
                    out.add(int(r.assessment_id))
        return out
