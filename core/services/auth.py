"""Login, sessions and password changes (SPEC §5.2).

One call checks password and one-time code together, so a failure never says
which factor was wrong. The user row is locked for the whole check, so the
last accepted OTP step is compared and stored in the same transaction (a
replayed code is refused and logged), and failure counting cannot race.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from core.domain.identity import AuthPolicy, SessionRecord, User
from core.errors import NozeiError, ValidationError
from core.ports import AuditEvent, Clock, OtpEngine, PasswordHasher, UnitOfWork
from core.security.passwords import check_password, normalize_password
from core.security.permissions import Actor

__all__ = [
    "GENERIC_FAILURE",
    "AuthTools",
    "AuthFailed",
    "SessionLocked",
    "SessionEnded",
    "LoginResult",
    "authenticate",
    "check_session",
    "unlock_session",
    "change_password",
    "logout",
    "load_policy",
]

GENERIC_FAILURE = "ログインできませんでした。ID・パスワード・確認コードを確かめてください"
_DUMMY_HASH_PASSWORD = "nozei-timing-equaliser"


class AuthFailed(NozeiError):
    def __init__(self) -> None:
        super().__init__(GENERIC_FAILURE)


class SessionLocked(NozeiError):
    """Idle lock: the screen hides everything until the password is entered again."""


class SessionEnded(NozeiError):
    """The session is over (logout, absolute limit, disabled user)."""


@dataclass
class AuthTools:
    hasher: PasswordHasher
    otp: OtpEngine
    clock: Clock
    policy: AuthPolicy = field(default_factory=AuthPolicy)
    _dummy: str | None = None

    def dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash(_DUMMY_HASH_PASSWORD)
        return self._dummy


@dataclass(frozen=True, slots=True)
class LoginResult:
    session_id: str
    actor: Actor
    display_name: str
    must_change_password: bool
    change_reason: str | None = None


def load_policy(uow: UnitOfWork) -> AuthPolicy:
    return AuthPolicy.from_settings(uow.settings.get("auth_policy"))


def _terminal_actor(login_id: str | None, terminal_id: str, client: str | None) -> Actor:
    return Actor(user_id=login_id or "-", terminal_id=terminal_id, client_address=client)


def _fail(uow: UnitOfWork, actor: Actor, action: str, reason: str, login_id: str) -> AuthFailed:
    uow.audit.record(actor, AuditEvent(action=action, outcome="denied",
                                       details={"login_id": login_id[:64], "reason": reason}))
    uow.commit()
    return AuthFailed()


def _change_reason(user: User, tools: AuthTools) -> str | None:
    if user.must_change_password:
        return "initial_or_reset"
    age = tools.clock.now() - user.password_changed_at
    if age.days >= tools.policy.password_max_age_days:
        return "expired"
    return None


def _actor(uow: UnitOfWork, user: User, session: SessionRecord, restricted: bool) -> Actor:
    permissions = frozenset() if restricted else uow.identity.permissions(user.id)
    return Actor(user_id=user.login_id, permissions=permissions, session_id=session.id,
                 terminal_id=session.terminal_id, client_address=session.client_address)


def _match_step(tools: AuthTools, user: User, code: str) -> int | None:
    if user.otp_secret is None or not (len(code) == 6 and code.isdigit()):
        return None
    now_step = tools.otp.step_at(tools.clock.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if secrets.compare_digest(tools.otp.code(user.otp_secret, step), code):
            return step
    return None


def authenticate(uow: UnitOfWork, tools: AuthTools, *, login_id: str, password: str, otp_code: str,
                 terminal_id: str, client_address: str | None = None) -> LoginResult:
    """Check terminal, lockout, password and OTP; open a session or raise :class:`AuthFailed`."""
    now = tools.clock.now()
    code = normalize_password(otp_code).strip()
    with uow:
        tools.policy = load_policy(uow)
        actor = _terminal_actor(login_id, terminal_id, client_address)
        terminal = uow.identity.terminal(terminal_id)
        if terminal is None or terminal.disabled:
            raise _fail(uow, actor, "login.failure", "terminal", login_id)
        user = uow.identity.user_by_login(login_id, lock=True)
        if user is None:
            tools.hasher.verify(tools.dummy_hash(), password)  # same work as a real check
            raise _fail(uow, actor, "login.failure", "unknown_user", login_id)
        if user.disabled:
            raise _fail(uow, actor, "login.failure", "disabled", login_id)
        if user.locked_until is not None and user.locked_until > now:
            raise _fail(uow, actor, "login.failure", "locked", login_id)
        password_ok = tools.hasher.verify(user.password_hash, normalize_password(password))
        step = _match_step(tools, user, code)
        if password_ok and step is not None and step <= user.otp_last_step:
            uow.identity.update_user(user.id, failed_count=user.failed_count + 1, updated_at=now)
            raise _fail(uow, actor, "login.otp_replay", "otp_replay", login_id)
        if not password_ok or step is None:
            failures = user.failed_count + 1
            if failures >= tools.policy.lockout_failures:
                uow.identity.update_user(user.id, failed_count=0, locked_until=now + tools.policy.lockout,
                                         updated_at=now)
                uow.audit.record(actor, AuditEvent(action="login.lockout", outcome="denied",
                                                   details={"login_id": login_id,
                                                            "minutes": tools.policy.lockout_minutes}))
            else:
                uow.identity.update_user(user.id, failed_count=failures, updated_at=now)
            raise _fail(uow, actor, "login.failure", "password" if not password_ok else "otp", login_id)
        values: dict[str, object] = {"failed_count": 0, "locked_until": None, "otp_last_step": step,
                                     "updated_at": now}
        if tools.hasher.needs_rehash(user.password_hash):
            values["password_hash"] = tools.hasher.hash(normalize_password(password))
        uow.identity.update_user(user.id, **values)
        session = SessionRecord(id=secrets.token_urlsafe(24), user_id=user.id, terminal_id=terminal_id,
                                client_address=client_address, started_at=now, last_seen_at=now,
                                locked=False, ended_at=None, end_reason=None)
        uow.identity.create_session(session)
        reason = _change_reason(user, tools)
        result_actor = _actor(uow, user, session, restricted=reason is not None)
        uow.audit.record(result_actor, AuditEvent(action="login.success",
                                                  details={"rehashed": "password_hash" in values,
                                                           "change_required": reason is not None}))
        uow.commit()
    return LoginResult(session.id, result_actor, user.display_name, reason is not None, reason)


def _end(uow: UnitOfWork, actor: Actor, session_id: str, reason: str, action: str, now: object) -> None:
    uow.identity.update_session(session_id, ended_at=now, end_reason=reason)
    uow.audit.record(actor, AuditEvent(action=action, details={"reason": reason}))
    uow.commit()


def check_session(uow: UnitOfWork, tools: AuthTools, session_id: str) -> Actor:
    """Every action passes here: the current actor, or SessionLocked / SessionEnded."""
    now = tools.clock.now()
    with uow:
        tools.policy = load_policy(uow)
        session = uow.identity.session(session_id, lock=True)
        if session is None or session.ended_at is not None:
            raise SessionEnded("セッションは終了しています。もう一度ログインしてください")
        user = uow.identity.user(session.user_id)
        assert user is not None
        actor = _actor(uow, user, session, restricted=_change_reason(user, tools) is not None)
        if user.disabled:
            _end(uow, actor, session_id, "disabled", "session.expired", now)
            raise SessionEnded("利用が停止されました。管理者に連絡してください")
        if now - session.started_at >= tools.policy.absolute:
            _end(uow, actor, session_id, "absolute", "session.expired", now)
            raise SessionEnded(f"連続利用の上限（{tools.policy.absolute_hours}時間）に達しました。もう一度ログインしてください")
        if session.locked:
            raise SessionLocked("画面はロックされています。パスワードを入力してください")
        if now - session.last_seen_at >= tools.policy.idle:
            uow.identity.update_session(session_id, locked=True)
            uow.audit.record(actor, AuditEvent(action="session.idle_lock"))
            uow.commit()
            raise SessionLocked("一定時間操作がなかったため画面をロックしました。パスワードを入力してください")
        uow.identity.update_session(session_id, last_seen_at=now)
        uow.commit()
        return actor


def unlock_session(uow: UnitOfWork, tools: AuthTools, session_id: str, password: str) -> Actor:
    """Re-enter the password after an idle lock; failures count toward lockout."""
    now = tools.clock.now()
    with uow:
        tools.policy = load_policy(uow)
        session = uow.identity.session(session_id, lock=True)
        if session is None or session.ended_at is not None:
            raise SessionEnded("セッションは終了しています。もう一度ログインしてください")
        user = uow.identity.user(session.user_id, lock=True)
        assert user is not None
        actor = _actor(uow, user, session, restricted=True)
        if user.disabled or (user.locked_until is not None and user.locked_until > now):
            _end(uow, actor, session_id, "disabled" if user.disabled else "locked_out", "session.expired", now)
            raise SessionEnded("このセッションは終了しました。管理者に連絡してください")
        if not tools.hasher.verify(user.password_hash, normalize_password(password)):
            failures = user.failed_count + 1
            if failures >= tools.policy.lockout_failures:
                uow.identity.update_user(user.id, failed_count=0, locked_until=now + tools.policy.lockout)
                uow.audit.record(actor, AuditEvent(action="login.lockout", outcome="denied",
                                                   details={"login_id": user.login_id}))
                _end(uow, actor, session_id, "locked_out", "session.expired", now)
                raise SessionEnded("ロックアウトされました。管理者に連絡してください")
            uow.identity.update_user(user.id, failed_count=failures)
            uow.audit.record(actor, AuditEvent(action="session.unlock", outcome="denied"))
            uow.commit()
            raise AuthFailed()
        uow.identity.update_user(user.id, failed_count=0)
        uow.identity.update_session(session_id, locked=False, last_seen_at=now)
        uow.audit.record(actor, AuditEvent(action="session.unlock"))
        uow.commit()
    return check_session(uow, tools, session_id)


def change_password(uow: UnitOfWork, tools: AuthTools, session_id: str, *, current: str, new: str) -> None:
    """Change one's own password: rules, last-N history, and clears a forced change."""
    now = tools.clock.now()
    with uow:
        tools.policy = load_policy(uow)
        session = uow.identity.session(session_id, lock=True)
        if session is None or session.ended_at is not None or session.locked:
            raise SessionEnded("セッションが有効ではありません")
        user = uow.identity.user(session.user_id, lock=True)
        assert user is not None
        actor = _actor(uow, user, session, restricted=True)
        if not tools.hasher.verify(user.password_hash, normalize_password(current)):
            uow.audit.record(actor, AuditEvent(action="password.change", outcome="denied",
                                               details={"reason": "current_password"}))
            uow.commit()
            raise ValidationError("現在のパスワードが正しくありません", field="current")
        password = check_password(new, login_id=user.login_id, display_name=user.display_name)
        recent = [user.password_hash, *uow.identity.password_history(user.id, tools.policy.password_history)]
        if any(tools.hasher.verify(h, password) for h in recent[: tools.policy.password_history]):
            raise ValidationError(f"直近{tools.policy.password_history}回に使ったパスワードは使えません",
                                  field="password")
        uow.identity.add_password_history(user.id, user.password_hash, now)
        uow.identity.update_user(user.id, password_hash=tools.hasher.hash(password), password_changed_at=now,
                                 must_change_password=False, updated_at=now)
        uow.audit.record(actor, AuditEvent(action="password.change"))
        uow.commit()


def logout(uow: UnitOfWork, tools: AuthTools, session_id: str) -> None:
    now = tools.clock.now()
    with uow:
        session = uow.identity.session(session_id, lock=True)
        if session is None or session.ended_at is not None:
            return
        user = uow.identity.user(session.user_id)
        assert user is not None
        actor = _actor(uow, user, session, restricted=True)
        _end(uow, actor, session_id, "logout", "logout", now)
