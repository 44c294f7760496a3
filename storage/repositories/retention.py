"""Finding and deleting what is past its retention period (see :mod:`core.services.retention`).

Everything is set-based: one query per kind finds the due records (NOT EXISTS
over each source of activity and each open item), id lists go to the database
in chunks of at most 500, and a taxpayer file is deleted children first, table
by table. The ledger check (balances) is the core's, on the candidates only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Connection, Table, and_, delete, exists, insert, or_, select, update

from core.errors import ConflictError, NotFound
from storage.crypto.context import Crypto
from storage.schema import (
    allocations,
    appropriations,
    assessment_amendments,
    assessments,
    case_records,
    case_tags,
    cases,
    certificates,
    deferrals,
    disposition_periods,
    dispositions,
    dunnings,
    investigations,
    overpayments,
    payments,
    plan_instalments,
    plan_periods,
    plans,
    refunds,
    retention_items,
    retention_runs,
    suspense_items,
    suspension_periods,
    suspensions,
    taxpayer_history,
    taxpayers,
    transfer_accounts,
    transfer_items,
    writeoffs,
)

__all__ = ["SqlRetentionRepository", "retention_hash_key"]

_CHUNK = 500
_FILE_CHUNK = 100  # taxpayers whose files are gathered and deleted together
_JST = ZoneInfo("Asia/Tokyo")
_T = taxpayers.c.id


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield list(ids[i:i + size])


def _end_of(day: date) -> datetime:
    """The first instant after *day* in Japan, as UTC (timestamps are compared to it)."""
    return datetime.combine(day + timedelta(days=1), time(0), _JST).astimezone(UTC)


def retention_hash_key(crypto: Crypto) -> bytes:
    """A key of its own purpose for the keyed hashes of purged records, derived from the
    installation's blind-index key material (never stored, never logged)."""
    return crypto.indexer.derived_key("retention-purge|v1")


def _any(table: Table, owner: Any, *conditions: Any) -> Any:
    return exists().where(owner == _T, or_(*conditions) if len(conditions) > 1 else conditions[0])


def _via_assessment(table: Table, *conditions: Any) -> Any:
    return exists().where(table.c.assessment_id == assessments.c.id, assessments.c.taxpayer_id == _T,
                          or_(*conditions) if len(conditions) > 1 else conditions[0])


def _recent(c: date) -> list[Any]:
    """One EXISTS per source of activity after the cutoff *c* (a 31 March)."""
    ts = _end_of(c)
    return [
        _any(assessments, assessments.c.taxpayer_id, assessments.c.due_date > c, assessments.c.fiscal_year >= c.year),
        _via_assessment(assessment_amendments, assessment_amendments.c.amended_on > c),
        _via_assessment(allocations, allocations.c.allocated_on > c),
        _via_assessment(deferrals, deferrals.c.end_on > c),
        _via_assessment(writeoffs, writeoffs.c.extinguished_on > c, writeoffs.c.fiscal_year >= c.year),
        _any(payments, payments.c.taxpayer_id, payments.c.accounted_on > c, payments.c.received_on > c),
        _any(overpayments, overpayments.c.taxpayer_id, overpayments.c.arisen_on > c),
        exists().where(appropriations.c.overpayment_id == overpayments.c.id, overpayments.c.taxpayer_id == _T,
                       appropriations.c.appropriated_on > c),
        _any(refunds, refunds.c.taxpayer_id, refunds.c.pay_on > c, refunds.c.decided_on > c, refunds.c.paid_on > c,
             refunds.c.notified_on > c),
        _any(dunnings, dunnings.c.taxpayer_id, dunnings.c.issued_on > c, dunnings.c.delivery_on > c),
        _any(cases, cases.c.taxpayer_id, cases.c.opened_on > c, cases.c.closed_on > c),
        exists().where(case_records.c.case_id == cases.c.id, cases.c.taxpayer_id == _T,
                       case_records.c.occurred_at >= ts),
        _any(plans, plans.c.taxpayer_id, plans.c.pledged_on > c, plans.c.ended_on > c),
        _any(dispositions, dispositions.c.taxpayer_id, dispositions.c.start_on > c, dispositions.c.ended_on > c),
        _any(suspensions, suspensions.c.taxpayer_id, suspensions.c.decided_on > c, suspensions.c.cancelled_on > c,
             suspensions.c.extinguished_on > c),
        _any(transfer_accounts, transfer_accounts.c.taxpayer_id, transfer_accounts.c.start_on > c,
             transfer_accounts.c.end_on > c),
        _any(certificates, certificates.c.taxpayer_id, certificates.c.issued_on > c),
        _any(taxpayer_history, taxpayer_history.c.taxpayer_id, taxpayer_history.c.changed_at >= ts),
        # a 宛名 with no assessment at all counts from its registration
        and_(taxpayers.c.created_at >= ts, ~exists().where(assessments.c.taxpayer_id == _T)),
    ]


def _open_items() -> list[Any]:
    """One EXISTS per thing that keeps a taxpayer's file (balances are the core's check)."""
    return [
        _any(cases, cases.c.taxpayer_id, cases.c.status != "closed"),
        _any(overpayments, overpayments.c.taxpayer_id,
             and_(overpayments.c.remaining > 0, overpayments.c.state != "cancelled")),
        _any(refunds, refunds.c.taxpayer_id, refunds.c.state.in_(("drafted", "approved", "paid"))),
        _any(transfer_accounts, transfer_accounts.c.taxpayer_id, transfer_accounts.c.status == "active"),
        _via_assessment(suspense_items, suspense_items.c.status == "open"),
        exists().where(suspense_items.c.payment_id == payments.c.id, payments.c.taxpayer_id == _T,
                       suspense_items.c.status == "open"),
        _via_assessment(writeoffs, writeoffs.c.state == "proposed"),
        _any(dispositions, dispositions.c.taxpayer_id, dispositions.c.status.in_(("proposed", "in_force"))),
        _any(suspensions, suspensions.c.taxpayer_id, suspensions.c.status.in_(("proposed", "in_force"))),
        _any(plans, plans.c.taxpayer_id, plans.c.status == "active"),
    ]


class SqlRetentionRepository:
    def __init__(self, conn: Connection, crypto: Crypto, operator: str = "system") -> None:
        self._conn = conn
        self._crypto = crypto
        self._operator = operator

    # -- finding ---------------------------------------------------------------------------

    def candidates(self, cutoffs: Mapping[str, date]) -> dict[str, list[tuple[int, int]]]:
        """(record id, taxpayer id) per kind whose activity ended on or before its cutoff, of
        taxpayers with no open item (case, 過誤納, refund, 口座振替, 未消込, pending decision)
        and no payment shared with another taxpayer's file. A taxpayer's whole file being
        due, its certificates and snapshots are not listed again."""
        open_items = _open_items()
        whole = select(_T).where(*[~e for e in _recent(cutoffs["taxpayer"])], *[~e for e in open_items])
        due = [int(r[0]) for r in self._conn.execute(whole.order_by(_T))]
        shared = self._sharing(due)
        due = [t for t in due if t not in shared]
        out: dict[str, list[tuple[int, int]]] = {"taxpayer": [(t, t) for t in due]}
        keep_open = and_(*[~e for e in open_items])
        for kind, table, old in (
            ("certificate", certificates, certificates.c.issued_on <= cutoffs["certificate"]),
            ("taxpayer_history", taxpayer_history, taxpayer_history.c.changed_at < _end_of(cutoffs["taxpayer_history"])),
        ):
            query = (select(table.c.id, table.c.taxpayer_id).join(taxpayers, taxpayers.c.id == table.c.taxpayer_id)
                     .where(old, keep_open).order_by(table.c.id))
            done = set(due)
            out[kind] = [(int(r.id), int(r.taxpayer_id)) for r in self._conn.execute(query)
                         if int(r.taxpayer_id) not in done]
        return out

    def _sharing(self, taxpayer_ids: Sequence[int]) -> set[int]:
        """Those of *taxpayer_ids* with a payment that also belongs to another taxpayer's file."""
        owners: dict[int, set[int]] = {}
        for chunk in _chunks(list(taxpayer_ids)):
            mine = self._payments_of(chunk, self._ids(assessments, assessments.c.taxpayer_id, chunk),
                                     self._ids(overpayments, overpayments.c.taxpayer_id, chunk))
            for pids in _chunks(sorted(mine)):
                for q in (select(payments.c.id, payments.c.taxpayer_id).where(payments.c.id.in_(pids),
                                                                               payments.c.taxpayer_id.is_not(None)),
                          select(allocations.c.payment_id, assessments.c.taxpayer_id)
                          .join(assessments, assessments.c.id == allocations.c.assessment_id)
                          .where(allocations.c.payment_id.in_(pids)),
                          select(overpayments.c.payment_id, overpayments.c.taxpayer_id)
                          .where(overpayments.c.payment_id.in_(pids))):
                    for pid, owner in self._conn.execute(q):
                        owners.setdefault(int(pid), set()).add(int(owner))
        return {o for found in owners.values() if len(found) > 1 for o in found}

    def atena_numbers(self, taxpayer_ids: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(sorted(taxpayer_ids)):
            out.update({int(r.id): r.atena_no for r in self._conn.execute(
                select(taxpayers.c.id, taxpayers.c.atena_no).where(taxpayers.c.id.in_(chunk)))})
        return out

    def lock_taxpayers(self, taxpayer_ids: Sequence[int]) -> None:
        """Row locks on the taxpayers and their periods until the transaction ends (PostgreSQL)."""
        for chunk in _chunks(sorted(taxpayer_ids)):
            self._conn.execute(select(taxpayers.c.id).where(taxpayers.c.id.in_(chunk)).with_for_update())
            self._conn.execute(select(assessments.c.id).where(assessments.c.taxpayer_id.in_(chunk))
                               .with_for_update())

    def keyed_hashes(self, values: Sequence[str]) -> list[str]:
        """HMAC-SHA256 of each value under the retention key (hex, 128 bits kept)."""
        key = retention_hash_key(self._crypto)
        return [hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:32] for v in values]

    # -- runs ------------------------------------------------------------------------------

    def add_run(self, as_of: date, counts: Mapping[str, int], items: Sequence[tuple[str, int]], *, by: str) -> int:
        run_id = int(self._conn.execute(insert(retention_runs).values(
            as_of=as_of, status="proposed", counts=json.dumps({"proposed": dict(counts)}, sort_keys=True),
            proposed_by=by, proposed_at=datetime.now(UTC))).inserted_primary_key[0])
        rows = [{"run_id": run_id, "kind": k, "record_id": i} for k, i in items]
        for i in range(0, len(rows), _CHUNK):
            self._conn.execute(insert(retention_items), rows[i:i + _CHUNK])
        return run_id

    def run(self, run_id: int, *, lock: bool = False) -> dict[str, Any]:
        query = select(retention_runs).where(retention_runs.c.id == run_id)
        row = self._conn.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFound(f"消去の起案が見つかりません（番号 {run_id}）")
        return {**row._asdict(), "counts": json.loads(row.counts)}

    def runs(self) -> list[dict[str, Any]]:
        return [{**r._asdict(), "counts": json.loads(r.counts)}
                for r in self._conn.execute(select(retention_runs).order_by(retention_runs.c.id))]

    def items(self, run_id: int) -> list[tuple[str, int]]:
        return [(r.kind, int(r.record_id)) for r in self._conn.execute(
            select(retention_items.c.kind, retention_items.c.record_id).where(retention_items.c.run_id == run_id)
            .order_by(retention_items.c.kind, retention_items.c.record_id))]

    def decide(self, run_id: int, status: str, *, by: str | None, counts: Mapping[str, Any]) -> None:
        done = self._conn.execute(update(retention_runs).where(
            retention_runs.c.id == run_id, retention_runs.c.status == "proposed").values(
            status=status, approved_by=by, decided_at=datetime.now(UTC),
            counts=json.dumps(dict(counts), sort_keys=True)))
        if done.rowcount != 1:
            raise ConflictError("この消去の起案は既に決定されています")

    # -- deleting --------------------------------------------------------------------------

    def _ids(self, table: Table, column: Column[Any], values: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for chunk in _chunks(sorted(set(values))):
            out |= {int(r[0]) for r in self._conn.execute(select(table.c.id).where(column.in_(chunk)))}
        return out

    def _col(self, column: Column[Any], where: Column[Any], values: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for chunk in _chunks(sorted(set(values))):
            out |= {int(r[0]) for r in self._conn.execute(select(column).where(where.in_(chunk), column.is_not(None)))}
        return out

    def _payments_of(self, tids: Sequence[int], aids: set[int], oids: set[int]) -> set[int]:
        found = (self._ids(payments, payments.c.taxpayer_id, tids)
                 | self._col(allocations.c.payment_id, allocations.c.assessment_id, aids)
                 | self._col(suspense_items.c.payment_id, suspense_items.c.assessment_id, aids)
                 | self._col(transfer_items.c.payment_id, transfer_items.c.assessment_id, aids)
                 | self._col(appropriations.c.payment_id, appropriations.c.overpayment_id, oids)
                 | self._col(overpayments.c.payment_id, overpayments.c.id, oids)
                 | self._col(dispositions.c.payment_id, dispositions.c.taxpayer_id, tids))
        while True:  # a reversal goes with the payment it reverses, both ways
            more = (self._col(payments.c.reverses_id, payments.c.id, found)
                    | self._ids(payments, payments.c.reverses_id, found)) - found
            if not more:
                return found
            found |= more

    def _delete(self, table: Table, column: Column[Any], values: Iterable[int], *extra: Any) -> int:
        n = 0
        for chunk in _chunks(sorted(set(values))):
            n += int(self._conn.execute(delete(table).where(column.in_(chunk), *extra)).rowcount or 0)
        return n

    def purge_taxpayers(self, taxpayer_ids: Sequence[int]) -> dict[str, int]:
        """Delete each taxpayer's whole file, children before parents; rows deleted per table."""
        rows: dict[str, int] = {}
        for tids in _chunks(sorted(taxpayer_ids), _FILE_CHUNK):
            aids = self._ids(assessments, assessments.c.taxpayer_id, tids)
            cids = self._ids(cases, cases.c.taxpayer_id, tids)
            oids = self._ids(overpayments, overpayments.c.taxpayer_id, tids)
            tas = self._ids(transfer_accounts, transfer_accounts.c.taxpayer_id, tids)
            pls = self._ids(plans, plans.c.taxpayer_id, tids) | self._ids(plans, plans.c.case_id, cids)
            dis = self._ids(dispositions, dispositions.c.taxpayer_id, tids) | self._ids(dispositions,
                                                                                        dispositions.c.case_id, cids)
            sus = self._ids(suspensions, suspensions.c.taxpayer_id, tids) | self._ids(suspensions,
                                                                                      suspensions.c.case_id, cids)
            pids = self._payments_of(tids, aids, oids)
            steps: list[tuple[Table, list[tuple[Column[Any], set[int] | list[int]]]]] = [
                (case_tags, [(case_tags.c.case_id, cids)]),
                (case_records, [(case_records.c.case_id, cids)]),
                (investigations, [(investigations.c.case_id, cids)]),
                (plan_instalments, [(plan_instalments.c.plan_id, pls)]),
                (plan_periods, [(plan_periods.c.plan_id, pls), (plan_periods.c.assessment_id, aids)]),
                (disposition_periods, [(disposition_periods.c.disposition_id, dis),
                                       (disposition_periods.c.assessment_id, aids)]),
                (suspension_periods, [(suspension_periods.c.suspension_id, sus),
                                      (suspension_periods.c.assessment_id, aids)]),
                (deferrals, [(deferrals.c.assessment_id, aids), (deferrals.c.case_id, cids)]),
                (writeoffs, [(writeoffs.c.assessment_id, aids)]),
                (transfer_items, [(transfer_items.c.assessment_id, aids), (transfer_items.c.account_id, tas),
                                  (transfer_items.c.payment_id, pids)]),
                (appropriations, [(appropriations.c.overpayment_id, oids), (appropriations.c.assessment_id, aids),
                                  (appropriations.c.payment_id, pids)]),
                (refunds, [(refunds.c.overpayment_id, oids), (refunds.c.taxpayer_id, tids)]),
                (suspense_items, [(suspense_items.c.payment_id, pids), (suspense_items.c.assessment_id, aids)]),
                (allocations, [(allocations.c.payment_id, pids), (allocations.c.assessment_id, aids)]),
                (dispositions, [(dispositions.c.id, dis)]),
                (suspensions, [(suspensions.c.id, sus)]),
                (plans, [(plans.c.id, pls)]),
                (dunnings, [(dunnings.c.assessment_id, aids), (dunnings.c.taxpayer_id, tids)]),
                (overpayments, [(overpayments.c.id, oids)]),
                (payments, [(payments.c.id, pids)]),
                (assessment_amendments, [(assessment_amendments.c.assessment_id, aids)]),
                (assessments, [(assessments.c.id, aids)]),
                (cases, [(cases.c.id, cids)]),
                (transfer_accounts, [(transfer_accounts.c.id, tas)]),
                (certificates, [(certificates.c.taxpayer_id, tids)]),
                (taxpayer_history, [(taxpayer_history.c.taxpayer_id, tids)]),
                (taxpayers, [(taxpayers.c.id, tids)]),
            ]
            for table, wheres in steps:
                for column, values in wheres:
                    if table is payments:  # reversals first: they reference the originals
                        rows["payments"] = rows.get("payments", 0) + self._delete(
                            table, column, values, payments.c.reverses_id.is_not(None))
                    rows[table.name] = rows.get(table.name, 0) + self._delete(table, column, values)
        return {k: v for k, v in rows.items() if v}

    def purge_records(self, kind: str, record_ids: Sequence[int]) -> int:
        """Delete 納税証明書 issuance records or 宛名 snapshots by id."""
        table = {"certificate": certificates, "taxpayer_history": taxpayer_history}[kind]
        return self._delete(table, table.c.id, record_ids)

    def __repr__(self) -> str:
        return "SqlRetentionRepository()"
