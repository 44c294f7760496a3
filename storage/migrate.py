"""Alembic migrations, driven from code (no alembic.ini needed).

The application refuses to run on an out-of-date schema: :func:`check_schema`
raises :class:`SchemaOutOfDate` naming the command that fixes it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from core.errors import NozeiError

__all__ = ["SchemaOutOfDate", "upgrade", "current_revision", "head_revision", "check_schema"]

_HERE = Path(__file__).parent / "migrations"


class SchemaOutOfDate(NozeiError):
    """The database schema is older (or newer) than this program."""


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(_config(engine), revision)


def head_revision() -> str:
    head = ScriptDirectory(str(_HERE)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_schema(engine: Engine) -> None:
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        raise SchemaOutOfDate(
            "データベースが初期化されていません。`nozei init`（本番）または `nozei demo`（デモ）を実行してください"
        )
    if current != head:
        known = {s.revision for s in ScriptDirectory(str(_HERE)).walk_revisions()}
        if current not in known:
            raise SchemaOutOfDate(
                f"データベースのスキーマ（{current}）がこのプログラムより新しいです。nozei を更新してください"
            )
        raise SchemaOutOfDate(
            f"データベースのスキーマが古いです（{current} → {head}）。`nozei db upgrade` を実行してください"
        )
