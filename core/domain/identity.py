"""Staff identity: users, terminals, sessions, and the login policy (SPEC §5.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["User", "Terminal", "SessionRecord", "SessionStanding", "AuthPolicy", "OtpEnrolment"]


@dataclass(frozen=True, slots=True)
class User:
    id: int
    login_id: str
    display_name: str
    password_hash: str
    password_changed_at: datetime
    must_change_password: bool
    failed_count: int
    locked_until: datetime | None
    disabled: bool
    otp_secret: str | None  # base32, decrypted; never logged
    otp_last_step: int
    roles: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"User(id={self.id}, login_id={self.login_id!r}, roles={self.roles})"


@dataclass(frozen=True, slots=True)
class Terminal:
    id: str
    name: str
    can_export: bool
    is_counter: bool
    disabled: bool


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    user_id: int
    terminal_id: str
    client_address: str | None
    started_at: datetime
    last_seen_at: datetime
    locked: bool
    ended_at: datetime | None
    end_reason: str | None


@dataclass(frozen=True, slots=True)
class SessionStanding:
    """What every action's session check reads, in one query: the session, where its user
    and terminal stand, and the permissions of the user's roles."""

    session: SessionRecord
    login_id: str
    user_disabled: bool
    locked_until: datetime | None
    must_change_password: bool
    password_changed_at: datetime
    terminal_disabled: bool | None  # None: the terminal is no longer registered
    permissions: frozenset[str]


@dataclass(frozen=True, slots=True)
class OtpEnrolment:
    """What an administrator hands to a user: the secret three ways."""

    login_id: str
    secret_base32: str
    uri: str

    def __repr__(self) -> str:
        return f"OtpEnrolment(login_id={self.login_id!r})"


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """Login policy values (settings); defaults per SPEC §5.2."""

    lockout_failures: int = 5
    lockout_minutes: int = 15
    idle_minutes: int = 10
    absolute_hours: int = 10
    password_max_age_days: int = 180
    password_history: int = 5

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

    @property
    def absolute(self) -> timedelta:
        return timedelta(hours=self.absolute_hours)

    @classmethod
    def from_settings(cls, values: dict[str, Any] | None) -> AuthPolicy:
        values = values or {}
        known = {k: int(v) for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)
