"""口座振替: registered accounts (number and holder encrypted), runs and their items."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from core.domain.assessment import Assessment
from core.domain.transfer import TransferAccount, TransferItem, TransferRun
from core.errors import ConflictError
from storage.crypto.context import Crypto
from storage.repositories.assessments import row_to_assessment
from storage.repositories.sqlin import chunks, one_of
from storage.schema import assessments, transfer_accounts, transfer_items, transfer_runs

__all__ = ["SqlTransferRepository"]

_T = "transfer_accounts"


class SqlTransferRepository:
    def __init__(self, conn: Connection, crypto: Crypto, operator: str = "system") -> None:
        self._conn = conn
        self._crypto = crypto
        self._operator = operator

    def _account(self, row: Any) -> TransferAccount:
        dec = self._crypto.cipher.decrypt
        return TransferAccount(
            id=int(row.id), taxpayer_id=int(row.taxpayer_id), bank_code=row.bank_code,
            branch_code=row.branch_code, account_type=row.account_type,
            account_no=dec(row.account_no_ct, table=_T, column="account_no_ct", record_id=int(row.id)),
            holder_kana=dec(row.holder_kana_ct, table=_T, column="holder_kana_ct", record_id=int(row.id)),
            tax_codes=tuple(c for c in row.tax_codes.split(",") if c), start_on=row.start_on,
            end_on=row.end_on, status=row.status)

    def add_account(self, account: TransferAccount) -> int:
        new_id = int(self._conn.execute(insert(transfer_accounts).values(
            taxpayer_id=account.taxpayer_id, bank_code=account.bank_code, branch_code=account.branch_code,
            account_type=account.account_type, account_no_ct=b"", holder_kana_ct=b"",
            tax_codes=",".join(account.tax_codes), start_on=account.start_on, end_on=account.end_on,
            status="active", enc_version=self._crypto.cipher.version, created_at=datetime.now(UTC),
        ).returning(transfer_accounts.c.id)).scalar_one())
        enc = self._crypto.cipher.encrypt
        self._conn.execute(update(transfer_accounts).where(transfer_accounts.c.id == new_id).values(
            account_no_ct=enc(account.account_no, table=_T, column="account_no_ct", record_id=new_id),
            holder_kana_ct=enc(account.holder_kana, table=_T, column="holder_kana_ct", record_id=new_id)))
        return new_id

    def accounts(self, taxpayer_id: int) -> list[TransferAccount]:
        return [self._account(r) for r in self._conn.execute(
            select(transfer_accounts).where(transfer_accounts.c.taxpayer_id == taxpayer_id)
            .order_by(transfer_accounts.c.id))]

    def end_account(self, account_id: int, end_on: date) -> None:
        self._conn.execute(update(transfer_accounts).where(transfer_accounts.c.id == account_id)
                           .values(end_on=end_on, status="ended"))

    def billable(self, debit_on: date) -> list[tuple[Assessment, TransferAccount]]:
        """Active periods due on *debit_on* of taxpayers with an account covering the tax
        on that day — by its dates, so an account ended from a later date still
        covers the days before (several accounts: the newest wins)."""
        a, t = assessments, transfer_accounts
        rows = self._conn.execute(
            select(a, t.c.id.label("account_id"))
            .join(t, and_(t.c.taxpayer_id == a.c.taxpayer_id, t.c.start_on <= debit_on,
                          or_(t.c.end_on.is_(None), t.c.end_on >= debit_on)))
            .where(a.c.due_date == debit_on, a.c.status == "active")
            .order_by(a.c.id, t.c.id.desc())).all()
        wanted: dict[int, tuple[Assessment, int]] = {}
        account_rows: dict[int, TransferAccount] = {}
        for r in rows:
            if int(r.id) in wanted:
                continue
            account_id = int(r.account_id)
            if account_id not in account_rows:
                account_rows[account_id] = self._account(self._conn.execute(
                    select(t).where(t.c.id == account_id)).one())
            if r.tax_code in account_rows[account_id].tax_codes:
                wanted[int(r.id)] = (row_to_assessment(r), account_id)
        return [(assessment, account_rows[acc]) for assessment, acc in wanted.values()]

    def run(self, debit_on: date) -> TransferRun | None:
        row = self._conn.execute(select(transfer_runs).where(transfer_runs.c.debit_on == debit_on)).one_or_none()
        return None if row is None else TransferRun(int(row.id), row.debit_on, int(row.records), int(row.total),
                                                    row.status, row.request_sha256, row.result_sha256)

    def accounts_by_ids(self, account_ids: Collection[int]) -> dict[int, TransferAccount]:
        out: dict[int, TransferAccount] = {}
        for chunk in chunks(sorted(set(account_ids))):
            out.update((int(r.id), self._account(r)) for r in self._conn.execute(
                select(transfer_accounts).where(one_of(self._conn, transfer_accounts.c.id, chunk))))
        return out

    def used_before_any(self, account_ids: Collection[int], run_id: int) -> set[int]:
        """Which of these accounts were in a run before *run_id*."""
        used: set[int] = set()
        for chunk in chunks(sorted(set(account_ids))):
            used.update(int(a) for a in self._conn.execute(
                select(transfer_items.c.account_id.distinct())
                .where(one_of(self._conn, transfer_items.c.account_id, chunk), transfer_items.c.run_id < run_id))
                .scalars())
        return used

    def items_by_customers(self, customers: Collection[str]) -> dict[str, TransferItem]:
        out: dict[str, TransferItem] = {}
        for chunk in chunks(sorted(set(customers))):
            for r in self._conn.execute(select(transfer_items)
                                        .where(one_of(self._conn, transfer_items.c.customer_no, chunk))):
                out[r.customer_no] = _item(r)
        return out

    def set_results(self, results: Sequence[tuple[int, str, int | None]]) -> None:
        """(item id, result code, payment id) for items without a result yet."""
        if not results:
            return
        done = self._conn.execute(
            update(transfer_items)
            .where(transfer_items.c.id == bindparam("iid"), transfer_items.c.result_code.is_(None))
            .values(result_code=bindparam("code"), payment_id=bindparam("pid")),
            [{"iid": i, "code": c, "pid": p} for i, c, p in results])
        if done.rowcount != len(results):
            raise ConflictError("この振替結果は既に取り込まれています")

    def used_before(self, account_id: int, run_id: int) -> bool:
        return self._conn.execute(select(transfer_items.c.id).where(
            transfer_items.c.account_id == account_id, transfer_items.c.run_id < run_id).limit(1)).first() is not None

    def run_by_id(self, run_id: int) -> TransferRun:
        row = self._conn.execute(select(transfer_runs).where(transfer_runs.c.id == run_id)).one()
        return TransferRun(int(row.id), row.debit_on, int(row.records), int(row.total), row.status,
                           row.request_sha256, row.result_sha256)

    def add_run(self, debit_on: date, items: Sequence[tuple[int, int, int]], sha256: str) -> int:
        """*items*: (assessment id, account id, amount); customer numbers are derived."""
        run_id = int(self._conn.execute(insert(transfer_runs).values(
            debit_on=debit_on, records=len(items), total=sum(x[2] for x in items), request_sha256=sha256,
            status="requested", created_at=datetime.now(UTC), created_by=self._operator,
        ).returning(transfer_runs.c.id)).scalar_one())
        if items:
            self._conn.execute(insert(transfer_items), [
                {"run_id": run_id, "assessment_id": aid, "account_id": acc, "amount": amount,
                 "customer_no": customer_no(run_id, aid)} for aid, acc, amount in items])
        return run_id

    def set_request_sha(self, run_id: int, sha256: str) -> None:
        self._conn.execute(update(transfer_runs).where(transfer_runs.c.id == run_id).values(request_sha256=sha256))

    def items(self, run_id: int) -> list[TransferItem]:
        rows = self._conn.execute(select(transfer_items).where(transfer_items.c.run_id == run_id)
                                  .order_by(transfer_items.c.id))
        return [_item(r) for r in rows]

    def account(self, account_id: int) -> TransferAccount:
        return self._account(self._conn.execute(
            select(transfer_accounts).where(transfer_accounts.c.id == account_id)).one())

    def item_by_customer(self, customer: str) -> TransferItem | None:
        r = self._conn.execute(select(transfer_items).where(transfer_items.c.customer_no == customer)).one_or_none()
        return None if r is None else _item(r)

    def set_result(self, item_id: int, code: str, payment_id: int | None) -> None:
        done = self._conn.execute(update(transfer_items)
                                  .where(transfer_items.c.id == item_id, transfer_items.c.result_code.is_(None))
                                  .values(result_code=code, payment_id=payment_id))
        if done.rowcount != 1:
            raise ConflictError("この振替結果は既に取り込まれています")

    def finish_run(self, run_id: int, sha256: str) -> None:
        self._conn.execute(update(transfer_runs).where(transfer_runs.c.id == run_id).values(
            status="resulted", result_sha256=sha256, resulted_at=datetime.now(UTC)))


def _item(r: Any) -> TransferItem:
    return TransferItem(int(r.id), int(r.run_id), int(r.assessment_id), int(r.account_id), r.customer_no,
                        int(r.amount), r.result_code, int(r.payment_id) if r.payment_id is not None else None)


def customer_no(run_id: int, assessment_id: int) -> str:
    """20 digits: run (6) + assessment (14) — unique, and names the period."""
    return f"{run_id:06d}{assessment_id:014d}"
