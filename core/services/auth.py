"""Login, sessions and password changes (SPEC §5.2).

One call checks password and one-time code together, so a failure never says
which factor was wrong. The user row is locked for the whole check, so the
last accepted OTP step is compared and stored in the same transaction (a
replayed code is refused and logged), and failure counting cannot race.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.domain.identity import AuthPolicy, SessionRecord, SessionStanding, User
from core.errors import ConflictError, NozeiError, ValidationError
from core.ports import AuditEvent, Clock, OtpEngine, PasswordHasher, UnitOfWork
from core.security.passwords import check_password, normalize_password
from core.security.permissions import Actor

__all__ = [
    "TOUCH_EVERY",
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
#: How often a session's last action is written (an action sooner after it only reads).
TOUCH_EVERY = timedelta(seconds=15)


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


def _safe_login_id(login_id: str) -> str | None:
    """The id as typed if it can be an id at all; otherwise None (never logged: it may be a password)."""
    value = login_id.strip()
    if 1 <= len(value) <= 64 and value.isascii() and all(c.isalnum() or c in "._-" for c in value):
        return value
    return None


def _fail(uow: UnitOfWork, actor: Actor, action: str, reason: str, known_id: str | None) -> AuthFailed:
    """Record the failure (the typed id only when it names a real user) and commit it."""
    details: dict[str, object] = {"reason": reason}
    if known_id is not None:
        details["login_id"] = known_id
    uow.audit.record(actor, AuditEvent(action=action, outcome="denied", details=details))
    uow.commit()
    return AuthFailed()


def _count_failure(uow: UnitOfWork, tools: AuthTools, actor: Actor, user: User, now: datetime) -> None:
    """One more consecutive failure; at the threshold the account locks."""
    failures = user.failed_count + 1
    if failures >= tools.policy.lockout_failures:
        uow.identity.update_user(user.id, failed_count=0, locked_until=now + tools.policy.lockout, updated_at=now)
        uow.audit.record(actor, AuditEvent(action="login.lockout", outcome="denied",
                                           details={"login_id": user.login_id,
                                                    "minutes": tools.policy.lockout_minutes}))
    else:
        uow.identity.update_user(user.id, failed_count=failures, updated_at=now)


def _change_reason(user: User | SessionStanding, tools: AuthTools) -> str | None:
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
    if user.otp_secret is None or not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    now_step = tools.otp.step_at(tools.clock.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if secrets.compare_digest(tools.otp.code(user.otp_secret, step), code):
            return step
    return None


def _snapshot_hash(uow: UnitOfWork, login_id: str | None) -> str | None:
    """The stored hash, read in a short transaction (no lock is held while hashing)."""
    if login_id is None:
        return None
    with uow:
        user = uow.identity.user_by_login(login_id)
        return user.password_hash if user is not None else None


def authenticate(uow: UnitOfWork, tools: AuthTools, *, login_id: str, password: str, otp_code: str,
                 terminal_id: str, client_address: str | None = None) -> LoginResult:
    """Check terminal, lockout, password and OTP; open a session or raise :class:`AuthFailed`.

    The slow password hash runs outside the write transaction (SQLite's write
    lock is database-wide); the decision is then taken under the user's row
    lock against fresh state — lockout, failure count, the last accepted OTP
    step — and only if the hash checked is still the stored one. Every path
    does exactly one hash check, so the time taken does not tell an unknown,
    disabled or locked account from a wrong password.
    """
    now = tools.clock.now()
    code = normalize_password(otp_code).strip()
    safe_id = _safe_login_id(login_id)
    typed = normalize_password(password)
    checked = _snapshot_hash(uow, safe_id)
    password_ok = tools.hasher.verify(checked or tools.dummy_hash(), typed) and checked is not None
    rehash = tools.hasher.hash(typed) if password_ok and tools.hasher.needs_rehash(checked or "") else None
    with uow:
        tools.policy = load_policy(uow)
        user = uow.identity.user_by_login(safe_id, lock=True) if safe_id is not None else None
        known = user.login_id if user is not None else None
        actor = Actor(user_id=known or "-", terminal_id=terminal_id[:64], client_address=client_address)
        terminal = uow.identity.terminal(terminal_id)
        if terminal is None or terminal.disabled or user is None or user.disabled or (
                user.locked_until is not None and user.locked_until > now):
            reason = ("terminal" if terminal is None or terminal.disabled else "unknown_user" if user is None
                      else "disabled" if user.disabled else "locked")
            raise _fail(uow, actor, "login.failure", reason, known)
        if user.password_hash != checked:  # changed meanwhile: decide on the stored one
            password_ok = tools.hasher.verify(user.password_hash, typed)
            rehash = None
        step = _match_step(tools, user, code)
        if password_ok and step is not None and step <= user.otp_last_step:
            _count_failure(uow, tools, actor, user, now)
            raise _fail(uow, actor, "login.otp_replay", "otp_replay", known)
        if not password_ok or step is None:
            _count_failure(uow, tools, actor, user, now)
            raise _fail(uow, actor, "login.failure", "password" if not password_ok else "otp", known)
        values: dict[str, object] = {"failed_count": 0, "locked_until": None, "otp_last_step": step,
                                     "updated_at": now}
        if rehash is not None:
            values["password_hash"] = rehash
        uow.identity.update_user(user.id, **values)
        session = SessionRecord(id=secrets.token_urlsafe(24), user_id=user.id, terminal_id=terminal_id,
                                client_address=client_address, started_at=now, last_seen_at=now,
                                locked=False, ended_at=None, end_reason=None)
        uow.identity.create_session(session)
        reason = _change_reason(user, tools)
        result_actor = _actor(uow, user, session, restricted=reason is not None)
        uow.audit.record(result_actor, AuditEvent(action="login.success",
                                                  details={"rehashed": rehash is not None,
                                                           "change_required": reason is not None}))
        uow.commit()
    return LoginResult(session.id, result_actor, user.display_name, reason is not None, reason)


def _end(uow: UnitOfWork, actor: Actor, session_id: str, reason: str, action: str, now: datetime) -> None:
    uow.identity.update_session(session_id, ended_at=now, end_reason=reason)
    uow.audit.record(actor, AuditEvent(action=action, details={"reason": reason}))
    uow.commit()


_ENDED_MESSAGES = {
    "disabled": "利用が停止されました。管理者に連絡してください",
    "user.disable": "利用が停止されました。管理者に連絡してください",
    "user.reset_password": "管理者がパスワードを再設定しました。もう一度ログインしてください",
    "otp.reset": "管理者が確認コードの秘密鍵を再発行しました。もう一度ログインしてください",
    "locked_out": "ロックアウトされました。管理者に連絡してください",
    "terminal": "この端末の利用が停止されました。管理者に連絡してください",
}


def _live(uow: UnitOfWork, tools: AuthTools, session_id: str, now: datetime, *,
          lock_user: bool = False) -> tuple[SessionRecord, User, Actor]:
    """The session and its user, or SessionEnded (ended, user disabled, absolute limit reached)."""
    session = uow.identity.session(session_id, lock=True)
    if session is None or session.ended_at is not None:
        reason = session.end_reason if session is not None else None
        raise SessionEnded(_ENDED_MESSAGES.get(reason or "", "セッションは終了しています。もう一度ログインしてください"))
    user = uow.identity.user(session.user_id, lock=lock_user)
    assert user is not None
    actor = _actor(uow, user, session, restricted=_change_reason(user, tools) is not None)
    if user.disabled:
        _end(uow, actor, session_id, "disabled", "session.expired", now)
        raise SessionEnded("利用が停止されました。管理者に連絡してください")
    terminal = uow.identity.terminal(session.terminal_id)
    if terminal is None or terminal.disabled:
        _end(uow, actor, session_id, "terminal", "session.expired", now)
        raise SessionEnded(_ENDED_MESSAGES["terminal"])
    if user.locked_until is not None and user.locked_until > now:
        _end(uow, actor, session_id, "locked_out", "session.expired", now)
        raise SessionEnded("ロックアウトされました。管理者に連絡してください")
    if now - session.started_at >= tools.policy.absolute:
        _end(uow, actor, session_id, "absolute", "session.expired", now)
        raise SessionEnded(f"連続利用の上限（{tools.policy.absolute_hours}時間）に達しました。もう一度ログインしてください")
    return session, user, actor


def _nothing_due(uow: UnitOfWork, tools: AuthTools, session_id: str, now: datetime) -> Actor | None:
    """The actor, read without a write, when nothing is due: the session open and unlocked,
    its last action recorded less than :data:`TOUCH_EVERY` ago (so not idle), within the
    absolute limit, its user enabled and not locked out, its terminal enabled. Anything
    else (None) takes the full check, which records and refuses as it always has."""
    with uow.reader() as reader:
        tools.policy = load_policy(reader)
        standing = reader.identity.session_standing(session_id)
    if standing is None:
        return None
    session = standing.session
    if (session.ended_at is not None or session.locked
            or not timedelta(0) <= now - session.last_seen_at < TOUCH_EVERY
            or now - session.started_at >= tools.policy.absolute
            or standing.user_disabled or (standing.locked_until is not None and standing.locked_until > now)
            or standing.terminal_disabled is not False):
        return None
    restricted = _change_reason(standing, tools) is not None
    return Actor(user_id=standing.login_id, permissions=frozenset() if restricted else standing.permissions,
                 session_id=session.id, terminal_id=session.terminal_id, client_address=session.client_address)


def check_session(uow: UnitOfWork, tools: AuthTools, session_id: str) -> Actor:
    """Every action passes here: the current actor, or SessionLocked / SessionEnded.

    The time of the last action is written at most every :data:`TOUCH_EVERY`: an action
    within that time of the recorded one only reads (no write transaction, no commit), so
    an idle lock may come up to that much early."""
    now = tools.clock.now()
    actor = _nothing_due(uow, tools, session_id, now)
    if actor is not None:
        return actor
    with uow:
        tools.policy = load_policy(uow)
        session, _user, actor = _live(uow, tools, session_id, now)
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


def _wrong_password(uow: UnitOfWork, tools: AuthTools, actor: Actor, user: User, session_id: str,
                    action: str, now: datetime) -> NozeiError:
    """A wrong password inside a session counts toward lockout; the lockout ends the session."""
    _count_failure(uow, tools, actor, user, now)
    if user.failed_count + 1 >= tools.policy.lockout_failures:
        _end(uow, actor, session_id, "locked_out", "session.expired", now)
        return SessionEnded("ロックアウトされました。管理者に連絡してください")
    uow.audit.record(actor, AuditEvent(action=action, outcome="denied", details={"reason": "password"}))
    uow.commit()
    return AuthFailed()


def unlock_session(uow: UnitOfWork, tools: AuthTools, session_id: str, password: str) -> Actor:
    """Re-enter the password after an idle lock; failures count toward lockout."""
    now = tools.clock.now()
    with uow:
        session = uow.identity.session(session_id)
        snapshot = uow.identity.user(session.user_id) if session is not None else None
    checked = snapshot.password_hash if snapshot is not None else None
    password_ok = tools.hasher.verify(checked or tools.dummy_hash(), normalize_password(password))
    with uow:
        tools.policy = load_policy(uow)
        _session, user, actor = _live(uow, tools, session_id, now, lock_user=True)
        if user.password_hash != checked:
            password_ok = tools.hasher.verify(user.password_hash, normalize_password(password))
        if not password_ok:
            raise _wrong_password(uow, tools, actor, user, session_id, "session.unlock", now)
        uow.identity.update_user(user.id, failed_count=0)
        uow.identity.update_session(session_id, locked=False, last_seen_at=now)
        uow.audit.record(actor, AuditEvent(action="session.unlock"))
        uow.commit()
    return check_session(uow, tools, session_id)


def change_password(uow: UnitOfWork, tools: AuthTools, session_id: str, *, current: str, new: str) -> None:
    """Change one's own password: rules, last-N history, and clears a forced change.

    The hashing (current password, history, new hash) runs before the write
    transaction; under the row lock the stored hash must still be the one checked.
    """
    now = tools.clock.now()
    with uow:
        tools.policy = load_policy(uow)
        session = uow.identity.session(session_id)
        user = uow.identity.user(session.user_id) if session is not None else None
        history = uow.identity.password_history(user.id, tools.policy.password_history) if user else []
    if user is None:
        raise SessionEnded("セッションが有効ではありません")
    current_ok = tools.hasher.verify(user.password_hash, normalize_password(current))
    rule_error: ValidationError | None = None
    new_hash = ""
    if current_ok:
        try:
            password = check_password(new, login_id=user.login_id, display_name=user.display_name)
        except ValidationError as exc:
            rule_error = exc
        else:
            recent = [user.password_hash, *history][: tools.policy.password_history]
            if any(tools.hasher.verify(h, password) for h in recent):
                rule_error = ValidationError(
                    f"直近{tools.policy.password_history}回に使ったパスワードは使えません", field="password")
            else:
                new_hash = tools.hasher.hash(password)
    with uow:
        tools.policy = load_policy(uow)
        session, fresh, actor = _live(uow, tools, session_id, now, lock_user=True)
        if session.locked or now - session.last_seen_at >= tools.policy.idle:
            raise SessionLocked("画面はロックされています。パスワードを入力してください")
        if fresh.password_hash != user.password_hash:
            raise ConflictError("パスワードが同時に変更されました。もう一度ログインしてください")
        if not current_ok:
            error = _wrong_password(uow, tools, actor, fresh, session_id, "password.change", now)
            if isinstance(error, SessionEnded):
                raise error
            raise ValidationError("現在のパスワードが正しくありません", field="current")
        if rule_error is not None:
            raise rule_error
        uow.identity.add_password_history(fresh.id, fresh.password_hash, now)
        uow.identity.update_user(fresh.id, password_hash=new_hash, password_changed_at=now,
                                 must_change_password=False, failed_count=0, updated_at=now)
        uow.identity.update_session(session_id, last_seen_at=now)
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
