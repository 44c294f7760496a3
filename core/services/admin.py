"""Administration of users, roles and terminals (SPEC §5.2–§5.3). Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.domain.identity import OtpEnrolment, Terminal, User
from core.errors import ConflictError, NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.passwords import generate_password
from core.security.permissions import DEFAULT_ROLES, Actor, Permission
from core.services.auth import AuthTools
from core.services.registry import service

__all__ = [
    "UserSummary",
    "NewCredentials",
    "bootstrap",
    "SeedUser",
    "seed_users",
    "add_user",
    "list_users",
    "disable_user",
    "enable_user",
    "unlock_user",
    "reset_password",
    "reset_otp",
    "grant_role",
    "revoke_role",
    "list_roles",
    "add_terminal",
    "list_terminals",
    "disable_terminal",
]

ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class UserSummary:
    login_id: str
    display_name: str
    roles: tuple[str, ...]
    disabled: bool
    locked_until: datetime | None
    must_change_password: bool
    password_changed_at: datetime


@dataclass(frozen=True, slots=True)
class NewCredentials:
    """A one-time password and the OTP enrolment, shown once to the administrator."""

    login_id: str
    one_time_password: str | None
    enrolment: OtpEnrolment | None

    def __repr__(self) -> str:
        return f"NewCredentials(login_id={self.login_id!r})"


def _valid_login_id(login_id: str) -> str:
    value = login_id.strip()
    if not (3 <= len(value) <= 64) or not value.isascii() or not all(c.isalnum() or c in "._-" for c in value):
        raise ValidationError("ログインIDは3〜64文字の英数字（. _ - 可）です", field="login_id")
    return value


def _issuer(uow: UnitOfWork) -> str:
    municipality = uow.settings.get("municipality", {}) or {}
    return f"nozei-{municipality.get('code', '')}".rstrip("-")


def _enrolment(uow: UnitOfWork, tools: AuthTools, login_id: str, secret: str) -> OtpEnrolment:
    return OtpEnrolment(login_id=login_id, secret_base32=secret,
                        uri=tools.otp.uri(secret, login_id, _issuer(uow)))


def _user(uow: UnitOfWork, login_id: str, *, lock: bool = False) -> User:
    user = uow.identity.user_by_login(login_id, lock=lock)
    if user is None:
        raise NotFound(f"ユーザーが見つかりません: {login_id}")
    return user


def _create(uow: UnitOfWork, tools: AuthTools, login_id: str, display_name: str, roles: list[str],
            by: str, *, password: str | None = None, otp_secret: str | None = None,
            must_change: bool = True) -> NewCredentials:
    login_id = _valid_login_id(login_id)
    if not display_name.strip():
        raise ValidationError("氏名を入力してください", field="display_name")
    known = uow.identity.roles()
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValidationError(f"不明なロールです: {', '.join(unknown)}", field="roles")
    if uow.identity.user_by_login(login_id) is not None:
        raise ConflictError(f"ログインIDは既に使われています: {login_id}")
    now = tools.clock.now()
    one_time = password or generate_password()
    secret = otp_secret or tools.otp.new_secret()
    user_id = uow.identity.add_user(login_id, display_name.strip(), tools.hasher.hash(one_time), secret,
                                    must_change=must_change, now=now)
    for role in roles:
        uow.identity.grant(user_id, role, by=by, now=now)
    return NewCredentials(login_id, one_time, _enrolment(uow, tools, login_id, secret))


def bootstrap(uow: UnitOfWork, tools: AuthTools, *, login_id: str, display_name: str, terminal_id: str,
              password: str | None = None, otp_secret: str | None = None,
              must_change: bool = True) -> NewCredentials:
    """First run only: the default roles, the first administrator and the terminal in use."""
    with uow:
        if uow.identity.users():
            raise ConflictError("ユーザーは既に登録されています")
        uow.identity.ensure_roles(DEFAULT_ROLES)
        now = tools.clock.now()
        if uow.identity.terminal(terminal_id) is None:
            uow.identity.add_terminal(Terminal(terminal_id, "初期端末", can_export=True, is_counter=False,
                                               disabled=False), by="init", now=now)
        creds = _create(uow, tools, login_id, display_name, [ADMIN_ROLE], "init", password=password,
                        otp_secret=otp_secret, must_change=must_change)
        actor = Actor("init", terminal_id=terminal_id)
        uow.audit.record(actor, AuditEvent(action="user.add", target_type="user", target_ref=creds.login_id,
                                           details={"roles": [ADMIN_ROLE], "bootstrap": True}))
        uow.commit()
    return creds


@dataclass(frozen=True, slots=True)
class SeedUser:
    login_id: str
    display_name: str
    roles: tuple[str, ...]
    password: str
    otp_secret: str


def seed_users(uow: UnitOfWork, tools: AuthTools, users: list[SeedUser], *, terminal_ids: list[str]) -> None:
    """Offline seeding with known credentials (the demo builder only): roles, users, terminals."""
    with uow:
        uow.identity.ensure_roles(DEFAULT_ROLES)
        now = tools.clock.now()
        for terminal_id in terminal_ids:
            if uow.identity.terminal(terminal_id) is None:
                uow.identity.add_terminal(Terminal(terminal_id, "デモ端末", can_export=True, is_counter=True,
                                                   disabled=False), by="demo", now=now)
        for u in users:
            _create(uow, tools, u.login_id, u.display_name, list(u.roles), "demo", password=u.password,
                    otp_secret=u.otp_secret, must_change=False)
        uow.audit.record(Actor("demo"), AuditEvent(action="user.add", details={
            "seeded": [u.login_id for u in users], "terminals": terminal_ids}))
        uow.commit()


@service(Permission.ADMIN_USERS)
def add_user(uow: UnitOfWork, actor: Actor, tools: AuthTools, login_id: str, display_name: str,
             roles: list[str]) -> NewCredentials:
    with uow:
        creds = _create(uow, tools, login_id, display_name, roles, actor.user_id)
        uow.audit.record(actor, AuditEvent(action="user.add", target_type="user", target_ref=creds.login_id,
                                           details={"roles": sorted(roles)}))
        uow.commit()
    return creds


@service(Permission.ADMIN_USERS)
def list_users(uow: UnitOfWork, actor: Actor) -> list[UserSummary]:
    with uow:
        rows = [UserSummary(u.login_id, u.display_name, u.roles, u.disabled, u.locked_until,
                            u.must_change_password, u.password_changed_at) for u in uow.identity.users()]
        uow.audit.record(actor, AuditEvent(action="user.list", details={"count": len(rows)}))
        uow.commit()
    return rows


def _set(uow: UnitOfWork, actor: Actor, login_id: str, action: str, *, end_sessions: bool = False,
         **values: object) -> None:
    with uow:
        user = _user(uow, login_id, lock=True)
        if action == "user.disable" and user.login_id == actor.user_id:
            raise ConflictError("自分自身を利用停止にはできません")
        uow.identity.update_user(user.id, **values)
        details: dict[str, object] = {}
        if end_sessions:
            details["sessions_ended"] = uow.identity.end_sessions(user.id, action, datetime.now(UTC))
        uow.audit.record(actor, AuditEvent(action=action, target_type="user", target_ref=user.login_id,
                                           details=details))
        uow.commit()


@service(Permission.ADMIN_USERS)
def disable_user(uow: UnitOfWork, actor: Actor, login_id: str) -> None:
    """Disabled at once: every open session of the user ends now (and re-enabling does not revive them)."""
    _set(uow, actor, login_id, "user.disable", end_sessions=True, disabled=True)


@service(Permission.ADMIN_USERS)
def enable_user(uow: UnitOfWork, actor: Actor, login_id: str) -> None:
    _set(uow, actor, login_id, "user.enable", disabled=False)


@service(Permission.ADMIN_USERS)
def unlock_user(uow: UnitOfWork, actor: Actor, login_id: str) -> None:
    _set(uow, actor, login_id, "user.unlock", locked_until=None, failed_count=0)


@service(Permission.ADMIN_USERS)
def reset_password(uow: UnitOfWork, actor: Actor, tools: AuthTools, login_id: str) -> NewCredentials:
    """A one-time password; the user must change it at the next login."""
    with uow:
        user = _user(uow, login_id, lock=True)
        one_time = generate_password()
        now = tools.clock.now()
        uow.identity.add_password_history(user.id, user.password_hash, now)
        uow.identity.update_user(user.id, password_hash=tools.hasher.hash(one_time), must_change_password=True,
                                 password_changed_at=now, failed_count=0, locked_until=None, updated_at=now)
        ended = uow.identity.end_sessions(user.id, "user.reset_password", now)
        uow.audit.record(actor, AuditEvent(action="user.reset_password", target_type="user",
                                           target_ref=user.login_id, details={"sessions_ended": ended}))
        uow.commit()
    return NewCredentials(user.login_id, one_time, None)


@service(Permission.ADMIN_USERS)
def reset_otp(uow: UnitOfWork, actor: Actor, tools: AuthTools, login_id: str) -> NewCredentials:
    """A new OTP secret (lost or replaced token); old codes stop working at once."""
    with uow:
        user = _user(uow, login_id, lock=True)
        secret = tools.otp.new_secret()
        uow.identity.update_user(user.id, otp_secret=secret, otp_last_step=0, updated_at=tools.clock.now())
        enrolment = _enrolment(uow, tools, user.login_id, secret)
        ended = uow.identity.end_sessions(user.id, "otp.reset", tools.clock.now())
        uow.audit.record(actor, AuditEvent(action="otp.reset", target_type="user", target_ref=user.login_id,
                                           details={"sessions_ended": ended}))
        uow.commit()
    return NewCredentials(user.login_id, None, enrolment)


def _role_change(uow: UnitOfWork, actor: Actor, tools: AuthTools, login_id: str, role: str, grant: bool) -> bool:
    with uow:
        user = _user(uow, login_id, lock=True)
        if role not in uow.identity.roles():
            raise ValidationError(f"不明なロールです: {role}", field="role")
        if user.login_id == actor.user_id:
            raise ConflictError("自分自身のロールは変更できません（別の管理者が行います）")
        changed = (uow.identity.grant(user.id, role, by=actor.user_id, now=tools.clock.now()) if grant
                   else uow.identity.revoke(user.id, role))
        uow.audit.record(actor, AuditEvent(action="user.grant" if grant else "user.revoke", target_type="user",
                                           target_ref=user.login_id, details={"role": role, "changed": changed}))
        uow.commit()
    return changed


@service(Permission.ADMIN_USERS)
def grant_role(uow: UnitOfWork, actor: Actor, tools: AuthTools, login_id: str, role: str) -> bool:
    return _role_change(uow, actor, tools, login_id, role, grant=True)


@service(Permission.ADMIN_USERS)
def revoke_role(uow: UnitOfWork, actor: Actor, tools: AuthTools, login_id: str, role: str) -> bool:
    return _role_change(uow, actor, tools, login_id, role, grant=False)


@service(Permission.ADMIN_USERS)
def list_roles(uow: UnitOfWork, actor: Actor) -> dict[str, tuple[str, frozenset[str]]]:
    with uow:
        return uow.identity.roles()


@service(Permission.ADMIN_TERMINALS)
def add_terminal(uow: UnitOfWork, actor: Actor, tools: AuthTools, terminal_id: str, name: str, *,
                 can_export: bool = False, is_counter: bool = False) -> None:
    terminal_id = terminal_id.strip()
    if not terminal_id or len(terminal_id) > 64 or not terminal_id.isascii():
        raise ValidationError("端末IDは64文字以内の英数字です", field="terminal_id")
    with uow:
        if uow.identity.terminal(terminal_id) is not None:
            raise ConflictError(f"端末は既に登録されています: {terminal_id}")
        uow.identity.add_terminal(Terminal(terminal_id, name or terminal_id, can_export, is_counter, False),
                                  by=actor.user_id, now=tools.clock.now())
        uow.audit.record(actor, AuditEvent(action="terminal.add", target_type="terminal", target_ref=terminal_id,
                                           details={"can_export": can_export, "is_counter": is_counter}))
        uow.commit()


@service(Permission.ADMIN_TERMINALS)
def list_terminals(uow: UnitOfWork, actor: Actor) -> list[Terminal]:
    with uow:
        return uow.identity.terminals()


@service(Permission.ADMIN_TERMINALS)
def disable_terminal(uow: UnitOfWork, actor: Actor, terminal_id: str) -> None:
    with uow:
        if uow.identity.terminal(terminal_id) is None:
            raise NotFound(f"端末が見つかりません: {terminal_id}")
        uow.identity.set_terminal_disabled(terminal_id, True)
        uow.audit.record(actor, AuditEvent(action="terminal.disable", target_type="terminal",
                                           target_ref=terminal_id))
        uow.commit()
