"""Alembic migrations, driven from code (no alembic.ini needed).

The application refuses to run on an out-of-date schema: :func:`check_schema`
raises :class:`SchemaOutOfDate` naming the command that fixes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from core.errors import NozeiError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD_REVISION", "SchemaOutOfDate", "upgrade", "current_revision", "head_revision", "check_schema"]

_HERE = Path(__file__).parent / "migrations"
#: The newest migration (a test holds it equal to Alembic's head): checking the schema at
#: start-up then reads one row and loads no migration scripts.
HEAD_REVISION = "0009"


class SchemaOutOfDate(NozeiError):
    """The database schema is older (or newer) than this program."""


def _config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(engine), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(_HERE)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _stamped(engine: Engine) -> str | None:
    """The revision in ``alembic_version`` (None without the table), read directly."""
    with engine.connect() as conn:
        conn.info["nozei_readonly"] = True
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None
        finally:
            conn.info["nozei_readonly"] = False


def check_schema(engine: Engine) -> None:
    if _stamped(engine) == HEAD_REVISION:
        return
    from alembic.script import ScriptDirectory

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
