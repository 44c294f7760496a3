"""``nozei demo``: write the synthetic municipality into a new database, fast.

Rows are inserted in bulk with ids assigned here, so each ciphertext can bind
its record id without a second statement per row. Payments are allocated to
本税 (oldest first within the period they name); anything beyond what is owed
becomes an overpayment (二重納付 / 過納), as the collection rules say.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, text

from core.clock import SystemClock
from core.config import Config
from core.domain.payment import OverpaymentCause
from core.ports import AuditEvent
from core.security.permissions import Actor
from core.services.admin import seed_users
from core.services.auth import AuthTools
from storage.crypto.passwords import Argon2Hasher
from storage.crypto.totp import TotpEngine
from storage.crypto.context import Crypto
from storage.db import is_sqlite
from storage.demo.synthetic import DemoTaxpayer, generate
from storage.demo.activity import add_activity
from storage.demo.delinquency import add_delinquency
from storage.demo.users import DEMO_USERS
from storage.repositories.settings import SqlSettingsRepository
from storage.repositories.taxpayer_rows import blind_values, encrypted_values, plain_values
from storage.schema import allocations, assessments, overpayments, payments, taxpayers, transfer_accounts
from storage.store import AuditFactory, Store, create_store

__all__ = ["DEMO_MUNICIPALITY", "DemoSummary", "build_demo"]

DEMO_MUNICIPALITY = ("999991", "みなと市")
POLICY_VERSION = "demo-1"
_CHUNK = 2_000
_COMMIT_EVERY = 5_000
BUILDING_KEY = "demo_building"


@dataclass(frozen=True, slots=True)
class DemoSummary:
    taxpayers: int
    assessments: int
    payments: int
    overpayments: int
    accounts: int
    seconds: float
    dunnings: int = 0
    transfer_items: int = 0
    suspense: int = 0
    reversals: int = 0
    appropriations: int = 0
    refunds: int = 0
    cases: int = 0
    case_records: int = 0
    plans: int = 0
    investigations: int = 0
    dispositions: int = 0
    suspensions: int = 0
    writeoff_runs: int = 0


class _Batch:
    """Rows per table, flushed in chunks."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: dict[Table, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)
        self.counts[table.name] = self.counts.get(table.name, 0) + 1

    def flush(self) -> None:
        # Parents before children, for the foreign keys.
        for table in (taxpayers, transfer_accounts, assessments, payments, allocations, overpayments):
            rows = self.rows.pop(table, [])
            if rows and not is_sqlite(self.conn.engine):
                _copy(self.conn, table, rows)
                continue
            for start in range(0, len(rows), _CHUNK):
                self.conn.execute(insert(table), rows[start:start + _CHUNK])


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY for the bulk load (several times faster than INSERTs); the columns a
    row leaves out get their defaults, as an INSERT through SQLAlchemy would give them."""
    keys = list(rows[0])
    defaults = {c.name: c.default.arg for c in table.columns  # type: ignore[union-attr]
                if c.name not in keys and c.default is not None and c.default.is_scalar}
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join([*keys, *defaults])}) FROM STDIN") as copy:
        extra = list(defaults.values())
        for row in rows:
            copy.write_row([row[k] for k in keys] + extra)


def _write_one(b: _Batch, d: DemoTaxpayer, tid: int, crypto: Crypto, now: datetime, ids: dict[str, int]) -> None:
    t = d.taxpayer.validated()
    b.add(taxpayers, {"id": tid, **plain_values(t), **encrypted_values(t, tid, crypto),
                      **blind_values(t, crypto), "version": 1, "created_at": now, "updated_at": now})
    if d.account is not None:
        ids["account"] += 1
        aid = ids["account"]
        enc = crypto.cipher.encrypt
        b.add(transfer_accounts, {
            "id": aid, "taxpayer_id": tid, "bank_code": d.account.bank_code,
            "branch_code": d.account.branch_code, "account_type": d.account.account_type,
            "account_no_ct": enc(d.account.account_no, table="transfer_accounts", column="account_no_ct", record_id=aid),
            "holder_kana_ct": enc(d.account.holder_kana, table="transfer_accounts", column="holder_kana_ct", record_id=aid),
            "tax_codes": ",".join(c.value for c in d.account.tax_codes), "start_on": d.account.start_on,
            "end_on": None, "status": "active", "enc_version": crypto.cipher.version, "created_at": now,
        })
    for p in d.periods:
        ids["assessment"] += 1
        pid = ids["assessment"]
        b.add(assessments, {
            "id": pid, "notice_no": p.notice_no, "taxpayer_id": tid, "tax_code": p.tax_code.value,
            "fiscal_year": p.fiscal_year, "period": p.period, "assessed_amount": p.amount,
            "due_date": p.due_date, "statutory_due_date": p.statutory_due_date, "dunning_fee": 0,
            "status": "active", "created_at": now, "updated_at": now,
        })
        owed = p.amount
        for pay in sorted(p.payments, key=lambda x: (x.received_on, x.source_key)):
            ids["payment"] += 1
            pay_id = ids["payment"]
            applied = min(owed, pay.amount)
            owed -= applied
            b.add(payments, {
                "id": pay_id, "source_key": pay.source_key, "kind": "receipt", "reverses_id": None,
                "channel": pay.channel.value, "notice_no": p.notice_no, "period": p.period,
                "taxpayer_id": tid, "amount": pay.amount, "allocated_amount": applied,
                "received_on": pay.received_on, "accounted_on": pay.accounted_on, "batch_id": "demo",
                "operator": "demo", "terminal": None, "bank_code": None, "branch_code": None,
                "created_at": now,
            })
            if applied:
                b.add(allocations, {
                    "payment_id": pay_id, "assessment_id": pid, "component": "honzei", "amount": applied,
                    "policy_version": POLICY_VERSION, "allocated_on": pay.accounted_on, "created_at": now,
                })
            excess = pay.amount - applied
            if excess:
                cause = OverpaymentCause.DOUBLE_PAYMENT if applied == 0 else OverpaymentCause.KANO
                b.add(overpayments, {
                    "taxpayer_id": tid, "payment_id": pay_id, "assessment_id": pid, "cause": cause.value,
                    "amount": excess, "remaining": excess, "arisen_on": pay.accounted_on,
                    "paid_on": pay.received_on, "due_on": p.due_date, "request_on": None, "correction_on": None,
                    "state": "open", "created_at": now,
                })


def _reset_sequences(conn: Connection) -> None:
    for table in (taxpayers, transfer_accounts, assessments, payments, allocations, overpayments):
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        ))


def write_demo(store: Store, people: Iterable[DemoTaxpayer],
               progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Insert in committed chunks (the write-ahead log stays small); the database
    is marked as being built until the last chunk, and refuses to open before."""
    now = datetime.now(UTC)
    ids = {"account": 0, "assessment": 0, "payment": 0}
    counts: dict[str, int] = {}
    conn = store.engine.connect()
    try:
        SqlSettingsRepository(conn).set(BUILDING_KEY, True, by="demo")
        conn.commit()
        batch = _Batch(conn)
        for n, person in enumerate(people, start=1):
            _write_one(batch, person, n, store.crypto, now, ids)
            if n % _COMMIT_EVERY == 0:
                batch.flush()
                conn.commit()
                if progress is not None:
                    progress(n)
        batch.flush()
        if not is_sqlite(store.engine):
            _reset_sequences(conn)
        counts = dict(batch.counts)
        audit = store.audit_factory(conn)
        audit.record(Actor("demo"), AuditEvent(action="demo.build", details={"counts": counts}))
        SqlSettingsRepository(conn).set(BUILDING_KEY, False, by="demo")
        conn.commit()
        for hook in store.after_commit:
            hook(conn, audit)
    finally:
        conn.close()
    _analyze(store)
    return counts


def _analyze(store: Store) -> None:
    """Statistics for the planner after the bulk load, before the services run on it: without
    them PostgreSQL plans the first batches (督促, 案件化) with sequential scans of tables of
    millions of rows, as a DBA's ANALYZE after a load would prevent. SQLite plans by its
    indexes alone."""
    if is_sqlite(store.engine):
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def default_tools() -> AuthTools:
    return AuthTools(hasher=Argon2Hasher(), otp=TotpEngine(), clock=SystemClock())


def build_demo(config: Config, *, taxpayers_count: int, audit_factory: AuditFactory, seed: int = 1,
               as_of: date | None = None, progress: Callable[[int], None] | None = None,
               tools: AuthTools | None = None) -> tuple[Store, DemoSummary]:
    started = time.perf_counter()
    code, name = DEMO_MUNICIPALITY
    store = create_store(config, municipality_code=code, municipality_name=name, demo=True,
                         audit_factory=audit_factory)
    try:
        day = as_of or datetime.now(UTC).date()
        counts = write_demo(store, generate(taxpayers_count, seed=seed, as_of=day, municipality_name=name), progress)
        seed_users(store.uow(), tools or default_tools(), DEMO_USERS, terminal_ids=[config.terminal_id])
        counts.update(add_activity(store, as_of=day, terminal_id=config.terminal_id, seed=seed))
        counts.update(add_delinquency(store, as_of=day, terminal_id=config.terminal_id, seed=seed))
        with store.uow() as uow:
            uow.settings.set("demo_params", {"taxpayers": taxpayers_count, "seed": seed,
                                             "as_of": day.isoformat()}, by="demo")
            uow.commit()
    except BaseException:
        store.close()
        raise
    summary = DemoSummary(
        taxpayers=counts.get("taxpayers", 0), assessments=counts.get("assessments", 0),
        payments=counts.get("payments", 0), overpayments=counts.get("overpayments", 0),
        accounts=counts.get("transfer_accounts", 0), seconds=time.perf_counter() - started,
        dunnings=counts.get("dunnings", 0), transfer_items=counts.get("transfer_items", 0),
        suspense=counts.get("suspense", 0), reversals=counts.get("reversals", 0),
        appropriations=counts.get("appropriations", 0), refunds=counts.get("refunds", 0),
        cases=counts.get("cases", 0), case_records=counts.get("case_records", 0), plans=counts.get("plans", 0),
        investigations=counts.get("investigations", 0), dispositions=counts.get("dispositions", 0),
        suspensions=counts.get("suspensions", 0), writeoff_runs=counts.get("writeoff_runs", 0),
    )
    return store, summary
