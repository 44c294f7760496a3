"""Staff identity: users, roles, terminals, sessions, password history."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from storage.schema.base import Id, Ts, metadata

__all__ = ["users", "roles", "role_permissions", "user_roles", "terminals", "sessions", "password_history"]


users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("login_id", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("password_changed_at", Ts, nullable=False),
    Column("must_change_password", Boolean, nullable=False),
    Column("failed_count", Integer, nullable=False, default=0),
    Column("locked_until", Ts),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("otp_secret_ct", LargeBinary),
    Column("otp_last_step", BigInteger, nullable=False, default=0),
    Column("enc_version", Integer, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("updated_at", Ts, nullable=False),
    CheckConstraint("failed_count >= 0", name="failed_nonneg"),
)

roles = Table(
    "roles",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("builtin", Boolean, nullable=False),
)

role_permissions = Table(
    "role_permissions",
    metadata,
    Column("role_code", String(40), ForeignKey("roles.code"), primary_key=True),
    Column("permission", String(40), primary_key=True),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("role_code", String(40), ForeignKey("roles.code"), primary_key=True),
    Column("granted_at", Ts, nullable=False),
    Column("granted_by", String(64), nullable=False),
)

terminals = Table(
    "terminals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("can_export", Boolean, nullable=False),
    Column("is_counter", Boolean, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", Ts, nullable=False),
    Column("created_by", String(64), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("terminal_id", String(64), ForeignKey("terminals.id"), nullable=False),
    Column("client_address", String(64)),
    Column("started_at", Ts, nullable=False),
    Column("last_seen_at", Ts, nullable=False),
    Column("locked", Boolean, nullable=False),
    Column("ended_at", Ts),
    Column("end_reason", String(20)),
    Index("ix_sessions_user_id", "user_id"),
)

password_history = Table(
    "password_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("changed_at", Ts, nullable=False),
    Index("ix_password_history_user_id", "user_id"),
)
