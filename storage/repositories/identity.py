"""Users, roles, terminals and sessions. OTP secrets are stored encrypted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from core.domain.identity import SessionRecord, SessionStanding, Terminal, User
from storage.crypto.context import Crypto
from storage.schema import password_history, role_permissions, roles, sessions, terminals, user_roles, users

__all__ = ["SqlIdentityRepository"]

# Built once: every action's session check runs these.
_ROLES = select(user_roles.c.role_code).where(user_roles.c.user_id == bindparam("uid")).order_by(user_roles.c.role_code)
_USER = select(users).where(users.c.id == bindparam("uid"))
_USER_LOCKED = _USER.with_for_update()
_PERMISSIONS = (select(role_permissions.c.permission)
                .join(user_roles, user_roles.c.role_code == role_permissions.c.role_code)
                .where(user_roles.c.user_id == bindparam("uid")))
_TERMINAL = select(terminals).where(terminals.c.id == bindparam("tid"))
_SESSION = select(sessions).where(sessions.c.id == bindparam("sid"))
_SESSION_LOCKED = _SESSION.with_for_update()
# one row per permission of the user's roles (one row with a NULL permission when there is none)
_STANDING = (select(sessions, users.c.login_id, users.c.disabled.label("user_disabled"), users.c.locked_until,
                    users.c.must_change_password, users.c.password_changed_at,
                    terminals.c.disabled.label("terminal_disabled"), terminals.c.id.label("terminal_found"),
                    role_permissions.c.permission)
             .select_from(sessions.join(users, users.c.id == sessions.c.user_id)
                          .outerjoin(terminals, terminals.c.id == sessions.c.terminal_id)
                          .outerjoin(user_roles, user_roles.c.user_id == sessions.c.user_id)
                          .outerjoin(role_permissions, role_permissions.c.role_code == user_roles.c.role_code))
             .where(sessions.c.id == bindparam("sid")))

_PLAIN = {"display_name", "password_hash", "password_changed_at", "must_change_password",
          "failed_count", "locked_until", "disabled", "otp_last_step", "updated_at"}


class SqlIdentityRepository:
    def __init__(self, conn: Connection, crypto: Crypto) -> None:
        self._conn = conn
        self._crypto = crypto

    # -- users ----------------------------------------------------------
    def _to_user(self, row: Any) -> User:
        role_codes = tuple(self._conn.execute(_ROLES, {"uid": row.id}).scalars())
        secret = self._crypto.cipher.decrypt_opt(row.otp_secret_ct, table="users", column="otp_secret_ct",
                                                 record_id=row.id)
        return User(id=int(row.id), login_id=row.login_id, display_name=row.display_name,
                    password_hash=row.password_hash, password_changed_at=row.password_changed_at,
                    must_change_password=bool(row.must_change_password), failed_count=int(row.failed_count),
                    locked_until=row.locked_until, disabled=bool(row.disabled), otp_secret=secret,
                    otp_last_step=int(row.otp_last_step), roles=role_codes)

    def _one(self, where: Any, lock: bool) -> User | None:
        query = select(users).where(where)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).one_or_none()
        return self._to_user(row) if row is not None else None

    def user_by_login(self, login_id: str, *, lock: bool = False) -> User | None:
        return self._one(users.c.login_id == login_id, lock)

    def user(self, user_id: int, *, lock: bool = False) -> User | None:
        row = self._conn.execute(_USER_LOCKED if lock else _USER, {"uid": user_id}).one_or_none()
        return self._to_user(row) if row is not None else None

    def users(self) -> list[User]:
        return [self._to_user(r) for r in self._conn.execute(select(users).order_by(users.c.login_id))]

    def add_user(self, login_id: str, display_name: str, password_hash: str, otp_secret: str, *,
                 must_change: bool, now: datetime) -> int:
        new_id = int(self._conn.execute(
            insert(users).values(login_id=login_id, display_name=display_name, password_hash=password_hash,
                                 password_changed_at=now, must_change_password=must_change, failed_count=0,
                                 disabled=False, otp_last_step=0, enc_version=self._crypto.cipher.version,
                                 created_at=now, updated_at=now)
            .returning(users.c.id)
        ).scalar_one())
        self.update_user(new_id, otp_secret=otp_secret)
        return new_id

    def update_user(self, user_id: int, **values: Any) -> None:
        unknown = set(values) - _PLAIN - {"otp_secret"}
        if unknown:
            raise ValueError(f"unknown user fields: {sorted(unknown)}")
        row = {k: v for k, v in values.items() if k in _PLAIN}
        if "otp_secret" in values:
            row["otp_secret_ct"] = self._crypto.cipher.encrypt_opt(
                values["otp_secret"], table="users", column="otp_secret_ct", record_id=user_id)
            row["enc_version"] = self._crypto.cipher.version
        self._conn.execute(update(users).where(users.c.id == user_id).values(**row))

    # -- roles ----------------------------------------------------------
    def permissions(self, user_id: int) -> frozenset[str]:
        return frozenset(self._conn.execute(_PERMISSIONS, {"uid": user_id}).scalars())

    def grant(self, user_id: int, role: str, *, by: str, now: datetime) -> bool:
        exists = self._conn.execute(select(user_roles.c.user_id).where(
            user_roles.c.user_id == user_id, user_roles.c.role_code == role)).first()
        if exists:
            return False
        self._conn.execute(insert(user_roles).values(user_id=user_id, role_code=role, granted_at=now, granted_by=by))
        return True

    def revoke(self, user_id: int, role: str) -> bool:
        result = self._conn.execute(delete(user_roles).where(
            user_roles.c.user_id == user_id, user_roles.c.role_code == role))
        return bool(result.rowcount)

    def roles(self) -> dict[str, tuple[str, frozenset[str]]]:
        result: dict[str, tuple[str, frozenset[str]]] = {}
        for row in self._conn.execute(select(roles).order_by(roles.c.code)):
            perms = frozenset(self._conn.execute(
                select(role_permissions.c.permission).where(role_permissions.c.role_code == row.code)).scalars())
            result[row.code] = (row.name, perms)
        return result

    def ensure_roles(self, wanted: dict[str, tuple[str, frozenset[str]]]) -> None:
        """Create the built-in roles, or bring their permissions back to the definition."""
        existing = self.roles()
        for code, (name, perms) in wanted.items():
            if code not in existing:
                self._conn.execute(insert(roles).values(code=code, name=name, builtin=True))
            elif existing[code][1] == perms:
                continue
            self._conn.execute(delete(role_permissions).where(role_permissions.c.role_code == code))
            self._conn.execute(insert(role_permissions), [{"role_code": code, "permission": str(p)} for p in sorted(perms)])

    # -- passwords ------------------------------------------------------
    def password_history(self, user_id: int, count: int) -> list[str]:
        return list(self._conn.execute(
            select(password_history.c.password_hash).where(password_history.c.user_id == user_id)
            .order_by(password_history.c.id.desc()).limit(count)
        ).scalars())

    def add_password_history(self, user_id: int, password_hash: str, now: datetime) -> None:
        self._conn.execute(insert(password_history).values(user_id=user_id, password_hash=password_hash, changed_at=now))

    # -- terminals ------------------------------------------------------
    @staticmethod
    def _to_terminal(row: Any) -> Terminal:
        return Terminal(id=row.id, name=row.name, can_export=bool(row.can_export),
                        is_counter=bool(row.is_counter), disabled=bool(row.disabled))

    def terminal(self, terminal_id: str) -> Terminal | None:
        row = self._conn.execute(_TERMINAL, {"tid": terminal_id}).one_or_none()
        return self._to_terminal(row) if row is not None else None

    def terminals(self) -> list[Terminal]:
        return [self._to_terminal(r) for r in self._conn.execute(select(terminals).order_by(terminals.c.id))]

    def add_terminal(self, terminal: Terminal, *, by: str, now: datetime) -> None:
        self._conn.execute(insert(terminals).values(
            id=terminal.id, name=terminal.name, can_export=terminal.can_export, is_counter=terminal.is_counter,
            disabled=terminal.disabled, created_at=now, created_by=by))

    def set_terminal_disabled(self, terminal_id: str, disabled: bool) -> None:
        self._conn.execute(update(terminals).where(terminals.c.id == terminal_id).values(disabled=disabled))

    # -- sessions -------------------------------------------------------
    @staticmethod
    def _to_session(row: Any) -> SessionRecord:
        return SessionRecord(id=row.id, user_id=int(row.user_id), terminal_id=row.terminal_id,
                             client_address=row.client_address, started_at=row.started_at,
                             last_seen_at=row.last_seen_at, locked=bool(row.locked), ended_at=row.ended_at,
                             end_reason=row.end_reason)

    def create_session(self, record: SessionRecord) -> None:
        self._conn.execute(insert(sessions).values(
            id=record.id, user_id=record.user_id, terminal_id=record.terminal_id,
            client_address=record.client_address, started_at=record.started_at,
            last_seen_at=record.last_seen_at, locked=record.locked))

    def session(self, session_id: str, *, lock: bool = False) -> SessionRecord | None:
        row = self._conn.execute(_SESSION_LOCKED if lock else _SESSION, {"sid": session_id}).one_or_none()
        return self._to_session(row) if row is not None else None

    def session_standing(self, session_id: str) -> SessionStanding | None:
        rows = self._conn.execute(_STANDING, {"sid": session_id}).all()
        if not rows:
            return None
        r = rows[0]
        return SessionStanding(
            session=self._to_session(r), login_id=r.login_id, user_disabled=bool(r.user_disabled),
            locked_until=r.locked_until, must_change_password=bool(r.must_change_password),
            password_changed_at=r.password_changed_at,
            terminal_disabled=None if r.terminal_found is None else bool(r.terminal_disabled),
            permissions=frozenset(row.permission for row in rows if row.permission is not None))

    def end_sessions(self, user_id: int, reason: str, now: datetime) -> int:
        """End every open session of a user (disable, credential resets)."""
        result = self._conn.execute(
            update(sessions).where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason))
        return int(result.rowcount or 0)

    def update_session(self, session_id: str, **values: Any) -> None:
        self._conn.execute(update(sessions).where(sessions.c.id == session_id).values(**values))
