"""Unit of work over one SQLAlchemy connection and transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Engine

from core.ports import AuditSink

from storage.crypto.context import Crypto
from storage.repositories.assessments import SqlAssessmentRepository
from storage.repositories.batches import SqlImportBatchRepository
from storage.repositories.cases import SqlCaseRepository
from storage.repositories.dispositions import SqlDispositionRepository
from storage.repositories.documents import SqlDocumentRepository
from storage.repositories.identity import SqlIdentityRepository
from storage.repositories.ledger import SqlLedgerRepository
from storage.repositories.payments import SqlPaymentRepository
from storage.repositories.refunds import SqlRefundRepository
from storage.repositories.retention import SqlRetentionRepository
from storage.repositories.settings import SqlSettingsRepository
from storage.repositories.taxpayers import SqlTaxpayerRepository
from storage.repositories.transfers import SqlTransferRepository

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """``with uow: …; uow.commit()`` — anything not committed is rolled back."""

    taxpayers: SqlTaxpayerRepository
    assessments: SqlAssessmentRepository
    payments: SqlPaymentRepository
    ledger: SqlLedgerRepository
    batches: SqlImportBatchRepository
    transfers: SqlTransferRepository
    refunds: SqlRefundRepository
    cases: SqlCaseRepository
    dispositions: SqlDispositionRepository
    documents: SqlDocumentRepository
    retention: SqlRetentionRepository
    settings: SqlSettingsRepository
    identity: SqlIdentityRepository
    audit: AuditSink

    def __init__(
        self,
        engine: Engine,
        crypto: Crypto,
        operator: str = "system",
        *,
        audit_factory: Callable[[Connection], AuditSink],
        after_commit: Sequence[Callable[[Connection, AuditSink], None]] = (),
        readonly: bool = False,
        reader: bool = False,
    ) -> None:
        self._engine = engine
        self._audit_factory = audit_factory
        self._after_commit = after_commit
        self._readonly = readonly
        self._reader = reader
        self._crypto = crypto
        self._operator = operator
        self._conn: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work is not active")
        return self._conn

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("unit of work is already active")
        self._conn = self._engine.connect()
        if self._reader:
            self._conn.info["nozei_reader"] = True  # storage.db refuses anything but SELECT
            if self._engine.dialect.name == "postgresql":
                self._conn = self._conn.execution_options(isolation_level="AUTOCOMMIT")
        self._conn.info["nozei_readonly"] = self._readonly  # read by storage.db on BEGIN
        self.taxpayers = SqlTaxpayerRepository(self._conn, self._crypto, self._operator)
        self.assessments = SqlAssessmentRepository(self._conn)
        self.payments = SqlPaymentRepository(self._conn, self._operator)
        self.ledger = SqlLedgerRepository(self._conn, self._operator)
        self.batches = SqlImportBatchRepository(self._conn, self._operator)
        self.transfers = SqlTransferRepository(self._conn, self._crypto, self._operator)
        self.refunds = SqlRefundRepository(self._conn, self._crypto, self._operator)
        self.cases = SqlCaseRepository(self._conn, self._crypto, self._operator)
        self.dispositions = SqlDispositionRepository(self._conn, self._crypto, self._operator)
        self.documents = SqlDocumentRepository(self._conn, self._crypto, self._operator)
        self.retention = SqlRetentionRepository(self._conn, self._crypto, self._operator)
        self.settings = SqlSettingsRepository(self._conn)
        self.identity = SqlIdentityRepository(self._conn, self._crypto)
        self.audit = self._audit_factory(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.info["nozei_readonly"] = False
            conn.info.pop("nozei_reader", None)
            conn.close()

    def commit(self) -> None:
        self.connection.commit()  # the next statement begins a new transaction
        for hook in self._after_commit:
            hook(self.connection, self.audit)

    def reader(self) -> SqlUnitOfWork:
        """A fresh unit of work on the same store that only reads: any statement but a SELECT
        is refused. SQLite: a deferred transaction, never the write lock; PostgreSQL: each
        read its own statement, without the BEGIN and ROLLBACK round trips (under READ
        COMMITTED a transaction would give the reads no common snapshot either)."""
        return SqlUnitOfWork(self._engine, self._crypto, self._operator, audit_factory=self._audit_factory,
                             after_commit=self._after_commit, readonly=True, reader=True)

    def rollback(self) -> None:
        self.connection.rollback()
        discard = getattr(self.audit, "discard", None)
        if callable(discard):
            discard()
