"""Ports: what the core needs from the outside, as Protocols.

Storage implements the unit of work and repositories, logs implements the
audit sink; the TUI's composition root wires them together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from core.domain.assessment import Amendment, Assessment
from core.domain.identity import SessionRecord, SessionStanding, Terminal, User
from core.domain.search import SearchCriteria, TaxpayerSummary
from core.domain.taxpayer import Taxpayer
from core.security.permissions import Actor

__all__ = [
    "Clock",
    "AuditEvent",
    "AuditSink",
    "TaxpayerRepository",
    "AssessmentRepository",
    "SettingsRepository",
    "IdentityRepository",
    "RetentionRepository",
    "PasswordHasher",
    "OtpEngine",
    "UnitOfWork",
    "UnitOfWorkFactory",
]


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""
        ...

    def today(self) -> date:
        """Today in Japan (JST)."""
        ...


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One access-log event (SPEC §5.4). ``details`` never hold personal values."""

    action: str
    outcome: str = "ok"
    target_type: str | None = None
    target_ref: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class AuditSink(Protocol):
    def record(self, actor: Actor, event: AuditEvent) -> int:
        """Append ``event`` in the current transaction (fails closed)."""
        ...


class TaxpayerRepository(Protocol):
    def add(self, taxpayer: Taxpayer) -> int: ...

    def get(self, taxpayer_id: int) -> Taxpayer | None: ...

    def get_by_atena(self, atena_no: str) -> Taxpayer | None: ...

    def update(self, taxpayer: Taxpayer, *, reason: str) -> None:
        """Replace the current values, keeping the old ones as history."""
        ...

    def history(self, taxpayer_id: int) -> Sequence[tuple[datetime, str, Taxpayer]]: ...

    def search(
        self, criteria: SearchCriteria, *, offset: int, limit: int
    ) -> tuple[list[TaxpayerSummary], bool]:
        """Exact matches of every given criterion, ordered by atena_no; ``(rows, has_more)``."""
        ...


class AssessmentRepository(Protocol):
    def add(self, assessment: Assessment) -> int: ...

    def get(self, assessment_id: int) -> Assessment | None: ...

    def for_taxpayer(self, taxpayer_id: int) -> list[Assessment]: ...

    def amend(self, amendment: Amendment) -> None: ...

    def amendments(self, assessment_id: int) -> list[Amendment]: ...


class SettingsRepository(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any, *, by: str) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class OtpEngine(Protocol):
    """RFC 6238 TOTP (SHA-1, 6 digits, 30 s)."""

    def new_secret(self) -> str: ...

    def step_at(self, when: datetime) -> int: ...

    def code(self, secret: str, step: int) -> str: ...

    def uri(self, secret: str, account: str, issuer: str) -> str: ...


class IdentityRepository(Protocol):
    def user_by_login(self, login_id: str, *, lock: bool = False) -> User | None: ...

    def user(self, user_id: int, *, lock: bool = False) -> User | None: ...

    def users(self) -> list[User]: ...

    def add_user(self, login_id: str, display_name: str, password_hash: str,
                 otp_secret: str, *, must_change: bool, now: datetime) -> int: ...

    def update_user(self, user_id: int, **values: Any) -> None:
        """Plain columns, plus ``otp_secret`` (encrypted by the repository)."""
        ...

    def permissions(self, user_id: int) -> frozenset[str]: ...

    def grant(self, user_id: int, role: str, *, by: str, now: datetime) -> bool: ...

    def revoke(self, user_id: int, role: str) -> bool: ...

    def roles(self) -> dict[str, tuple[str, frozenset[str]]]: ...

    def ensure_roles(self, roles: dict[str, tuple[str, frozenset[str]]]) -> None: ...

    def password_history(self, user_id: int, count: int) -> list[str]: ...

    def add_password_history(self, user_id: int, password_hash: str, now: datetime) -> None: ...

    def terminal(self, terminal_id: str) -> Terminal | None: ...

    def terminals(self) -> list[Terminal]: ...

    def add_terminal(self, terminal: Terminal, *, by: str, now: datetime) -> None: ...

    def set_terminal_disabled(self, terminal_id: str, disabled: bool) -> None: ...

    def create_session(self, record: SessionRecord) -> None: ...

    def session(self, session_id: str, *, lock: bool = False) -> SessionRecord | None: ...

    def session_standing(self, session_id: str) -> SessionStanding | None:
        """The session with its user's and terminal's standing and permissions, read at once
        (None: no such session, or its user is gone)."""
        ...

    def update_session(self, session_id: str, **values: Any) -> None: ...

    def end_sessions(self, user_id: int, reason: str, now: datetime) -> int: ...


class RetentionRepository(Protocol):
    """保存期間経過データの消去 (see :mod:`core.services.retention`)."""

    def candidates(self, cutoffs: Mapping[str, date]) -> dict[str, list[tuple[int, int]]]:
        """(record id, taxpayer id) per kind, past its cutoff, of taxpayers with no open item."""
        ...

    def atena_numbers(self, taxpayer_ids: Sequence[int]) -> dict[int, str]: ...

    def lock_taxpayers(self, taxpayer_ids: Sequence[int]) -> None: ...

    def keyed_hashes(self, values: Sequence[str]) -> list[str]:
        """HMAC-SHA256 under a key derived from the installation's key material (hex)."""
        ...

    def add_run(self, as_of: date, counts: Mapping[str, int], items: Sequence[tuple[str, int]], *,
                by: str) -> int: ...

    def run(self, run_id: int, *, lock: bool = False) -> dict[str, Any]: ...

    def runs(self) -> list[dict[str, Any]]: ...

    def items(self, run_id: int) -> list[tuple[str, int]]: ...

    def decide(self, run_id: int, status: str, *, by: str | None, counts: Mapping[str, Any]) -> None: ...

    def purge_taxpayers(self, taxpayer_ids: Sequence[int]) -> dict[str, int]: ...

    def purge_records(self, kind: str, record_ids: Sequence[int]) -> int: ...


class UnitOfWork(Protocol):
    taxpayers: TaxpayerRepository
    assessments: AssessmentRepository
    settings: SettingsRepository
    identity: IdentityRepository
    retention: RetentionRepository
    audit: AuditSink

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def reader(self) -> UnitOfWork:
        """A unit of work on the same store for reads only (never waits for or blocks a writer)."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
