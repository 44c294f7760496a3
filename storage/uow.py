"""Unit of work over one SQLAlchemy connection and transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from logs.writer import AuditWriter
from storage.crypto.context import Crypto
from storage.repositories.assessments import SqlAssessmentRepository
from storage.repositories.payments import SqlPaymentRepository
from storage.repositories.settings import SqlSettingsRepository
from storage.repositories.taxpayers import SqlTaxpayerRepository

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """``with uow: …; uow.commit()`` — anything not committed is rolled back."""

    taxpayers: SqlTaxpayerRepository
    assessments: SqlAssessmentRepository
    payments: SqlPaymentRepository
    settings: SqlSettingsRepository
    audit: AuditWriter

    def __init__(
        self, engine: Engine, crypto: Crypto, operator: str = "system", *, readonly: bool = False
    ) -> None:
        self._engine = engine
        self._readonly = readonly
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
        self._conn.info["nozei_readonly"] = self._readonly  # read by storage.db on BEGIN
        self.taxpayers = SqlTaxpayerRepository(self._conn, self._crypto, self._operator)
        self.assessments = SqlAssessmentRepository(self._conn)
        self.payments = SqlPaymentRepository(self._conn, self._operator)
        self.settings = SqlSettingsRepository(self._conn)
        self.audit = AuditWriter(self._conn)
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
            conn.close()

    def commit(self) -> None:
        self.connection.commit()  # the next statement begins a new transaction

    def rollback(self) -> None:
        self.connection.rollback()
