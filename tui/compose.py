"""Composition root: the only place that wires storage and logs into core services.

Stores are opened here with the audit writer of ``logs`` as their audit sink,
the JSON-lines mirror and interval checkpoints as after-commit hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection

from core.clock import SystemClock
from core.config import Config
from core.security.permissions import Actor
from core.services.auth import (
    AuthTools, LoginResult, authenticate, change_password, check_session, load_policy, logout, unlock_session,
)
from storage.crypto.passwords import Argon2Hasher
from storage.crypto.totp import TotpEngine
from core.ports import AuditSink
from logs.jsonlog import configure_json_log, mirror_event
from logs.writer import AuditWriter
from storage.store import Store, create_store, open_store
from tui.text import file_label

if TYPE_CHECKING:
    from logs.auditlog import ChainAuditLog
    from storage.restore import StoreBackups

R = TypeVar("R")

__all__ = [
    "AppContext",
    "open_context",
    "describe",
    "auth_tools",
    "open_wired",
    "create_wired",
    "audit_log",
    "checkpoint",
    "backups",
    "mirror_committed",
    "AuditWriter",
    "SessionServices",
]

_CHECK_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class AppContext:
    """Plain facts the screens show; no connection, no keys."""

    municipality_code: str
    municipality_name: str
    is_demo: bool
    database_label: str
    terminal_id: str


def auth_tools() -> AuthTools:
    return AuthTools(hasher=Argon2Hasher(), otp=TotpEngine(), clock=SystemClock())


def describe(store: Store) -> AppContext:
    municipality = store.setting("municipality", {}) or {}
    url = store.engine.url
    label = f"SQLite {url.database}" if url.get_backend_name() == "sqlite" else f"PostgreSQL {url.host}/{url.database}"
    return AppContext(
        municipality_code=str(municipality.get("code", "")),
        municipality_name=str(municipality.get("name", "")),
        is_demo=store.is_demo,
        database_label=label,
        terminal_id=store.config.terminal_id,
    )




def mirror_committed(conn: Connection, audit: AuditSink) -> None:
    """After a commit: copy the committed events to the JSON-lines file."""
    if isinstance(audit, AuditWriter):
        for row in audit.committed():
            mirror_event(row)


def audit_log(store: Store) -> ChainAuditLog:
    from logs.auditlog import ChainAuditLog, origin_for  # not needed to start the terminal application

    municipality = store.setting("municipality", {}) or {}
    return ChainAuditLog(store.engine, store.kek, origin_for(str(municipality.get("code", ""))),
                         store.config.log_dir, store.config.data_dir / "archive")


class _IntervalCheckpoints:
    """Signed checkpoints at least every 15 minutes of activity (checked at most once a minute)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._log: ChainAuditLog | None = None
        self._last_check = datetime.min.replace(tzinfo=UTC)

    def __call__(self, conn: Connection, audit: AuditSink) -> None:
        now = datetime.now(UTC)
        if now - self._last_check < _CHECK_EVERY:
            return
        self._last_check = now
        if self._log is None:
            self._log = audit_log(self._store)
        with conn.begin():
            self._log.checkpointer.maybe_checkpoint(conn, now)


def checkpoint(store: Store, reason: str) -> None:
    """A checkpoint of its own (logout, shutdown): in a short transaction after the events committed."""
    log = audit_log(store)
    with store.engine.connect() as conn, conn.begin():
        log.checkpointer.checkpoint(conn, reason)


def backups(store: Store) -> StoreBackups:
    """Backups of *store*: a restore verifies the restored chain against the backup's
    checkpoint file before it commits, and is covered by a checkpoint of its own."""
    from logs.verify import verify_chain
    from storage.restore import StoreBackups
    log = audit_log(store)

    def check_chain(conn: Connection, checkpoint_file: Path) -> str | None:
        report = verify_chain(conn, public_key=log.checkpointer.public_key, checkpoint_file=checkpoint_file,
                              origin=log.checkpointer.origin)
        return None if report.ok else f"seq {report.first_bad_seq}: {report.detail}"

    return StoreBackups(store, checkpoint_file=log.checkpointer.file, check_chain=check_chain,
                        after_restore=lambda: checkpoint(store, "restore"))


def _wire(store: Store) -> Store:
    store.after_commit.extend([mirror_committed, _IntervalCheckpoints(store)])
    return store


def open_wired(config: Config) -> Store:
    if config.log_dir.is_dir():
        configure_json_log(config.log_dir)
    return _wire(open_store(config, audit_factory=AuditWriter))


def create_wired(config: Config, **kwargs: object) -> Store:
    store = create_store(config, audit_factory=AuditWriter, **kwargs)  # type: ignore[arg-type]
    configure_json_log(config.log_dir)
    return _wire(store)


class SessionServices:
    """What the screens may do before and around their business work: log in, stay logged in."""

    def __init__(self, store: Store, tools: AuthTools, terminal_id: str) -> None:
        self._store = store
        self._tools = tools
        self._terminal_id = terminal_id

    @property
    def idle_seconds(self) -> int:
        with self._store.uow(readonly=True) as uow:
            return load_policy(uow).idle_minutes * 60

    def login(self, login_id: str, password: str, otp_code: str) -> LoginResult:
        return authenticate(self._store.uow(), self._tools, login_id=login_id, password=password,
                            otp_code=otp_code, terminal_id=self._terminal_id, client_address=_client())

    def guard(self, session_id: str) -> Actor:
        return check_session(self._store.uow(), self._tools, session_id)

    def unlock(self, session_id: str, password: str) -> Actor:
        return unlock_session(self._store.uow(), self._tools, session_id, password)

    def change_password(self, session_id: str, current: str, new: str) -> None:
        change_password(self._store.uow(), self._tools, session_id, current=current, new=new)

    def logout(self, session_id: str) -> None:
        logout(self._store.uow(), self._tools, session_id)
        checkpoint(self._store, "logout")

    def today(self) -> date:
        return self._tools.clock.today()

    @property
    def tools(self) -> AuthTools:
        """The login tools (hasher, OTP engine, clock) the administration services need."""
        return self._tools

    def audit_log(self) -> ChainAuditLog:
        """The audit log port for the review, anomaly and verification services."""
        return audit_log(self._store)

    @property
    def inbox(self) -> Path:
        return self._store.config.inbox_dir

    def transfer_request_file(self, session_id: str, debit_on: date) -> tuple[Any, Path]:
        """Write the 口座振替 請求 file for *debit_on* into ``documents/`` (export rule applies)."""
        from core.services.transfer import request_transfers
        from storage.files.transfer_request import render_transfer_request

        request, data = self.run(session_id, request_transfers, debit_on=debit_on, render=render_transfer_request)
        return request, self._write_out(f"kouhuri-{debit_on:%Y%m%d}", data)

    def refund_transfer_file(self, session_id: str, pay_on: date) -> tuple[Any, Path]:
        """Write the 総合振込 file of the approved refunds paid *pay_on* into ``documents/`` (export rule)."""
        from core.services.refunds import refund_payment_run
        from storage.files.refund_transfer import render_refund_run

        run, data = self.run(session_id, refund_payment_run, pay_on=pay_on, render=render_refund_run)
        return run, self._write_out(f"sogo-furikomi-{pay_on:%Y%m%d}", data)

    def _write_out(self, stem: str, data: bytes) -> Path:
        from storage.files.export import write_private

        folder = self._store.config.documents_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}.txt"
        write_private(path, data)
        return path

    def document_writer(self, progress: Callable[[int, int | None], None] | None = None) -> Any:
        """A PDF writer into ``documents/`` (the services check the export rule and audit)."""
        from storage.documents.fonts import load_fonts
        from storage.documents.writer import PdfDocumentWriter

        folder = self._store.config.documents_dir
        return PdfDocumentWriter(folder, fonts=load_fonts(self._store.config.font_path), progress=progress)

    def import_file(self, session_id: str, kind: str, path: Path, *,
                    progress: Callable[[int, int], None]) -> Any:
        """Read, validate and import one file (``payments`` / ``atena`` / ``assessments``).

        *progress(done, total)* is called as records are applied; an exception it
        raises cancels the import and nothing is applied. A malformed file raises
        :class:`~storage.files.csvread.FileFormatError` (its ``report()`` lists every bad line)."""
        from core.services.imports import AssessmentRow, AtenaRow, import_assessments, import_atena
        from core.services.payments import import_payments
        from storage.files.assessments_csv import parse_assessments
        from storage.files.atena_csv import parse_atena
        from storage.files.payments_stream import PaymentStream

        if kind == "payments":
            stream = PaymentStream(Path(path))  # checked whole; read again while posting
            return self.run(session_id, import_payments, stream, sha256=stream.sha256, file_name=file_label(path),
                            progress=lambda n: progress(n, len(stream)))
        data = Path(path).read_bytes()
        if kind == "atena":
            atena = parse_atena(data, today=self.today())
            rows = [AtenaRow(r.line, r.to_taxpayer()) for r in atena.records]
            return self.run(session_id, import_atena, rows, sha256=atena.sha256, file_name=file_label(path),
                            progress=lambda n: progress(n, len(rows)))
        if kind == "transfer_result":
            from core.services.transfer import ResultLine, apply_transfer_results
            from storage.files.export import sha256_of
            from storage.files.zengin import read_transfer_result

            result = read_transfer_result(data)
            lines = [ResultLine(i.customer_number.strip(), i.amount, i.result_code) for i in result.items]
            progress(0, len(lines))
            return self.run(session_id, apply_transfer_results, lines, sha256=sha256_of(data),
                            file_name=file_label(path))
        assessed = parse_assessments(data)
        rows = [AssessmentRow(r.line, r.atena_no, r.to_assessment(0), r.reason) for r in assessed.records]
        return self.run(session_id, import_assessments, rows, sha256=assessed.sha256, file_name=file_label(path),
                        on=self.today(), progress=lambda n: progress(n, len(rows)))

    def run(self, session_id: str, service: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
        """Run a business service for the session's user: the session is checked first
        (idle lock, expiry, fresh permissions), then ``service(uow, actor, …)``."""
        actor = check_session(self._store.uow(), self._tools, session_id)
        return service(self._store.uow(actor.user_id), actor, *args, **kwargs)


def _client() -> str | None:
    import os

    return os.environ.get("SSH_CLIENT", "").split(" ")[0] or None


def open_context(config: Config) -> tuple[Store, AppContext]:
    store = open_wired(config)
    try:
        return store, describe(store)
    except BaseException:
        store.close()
        raise
