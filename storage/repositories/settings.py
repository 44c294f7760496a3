"""Settings table: JSON values by key, with who changed them last."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from storage.schema import settings

__all__ = ["SqlSettingsRepository"]

_GET = select(settings.c.value).where(settings.c.key == bindparam("key"))


class SqlSettingsRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, key: str, default: Any = None) -> Any:
        value = self._conn.execute(_GET, {"key": key}).scalar_one_or_none()
        return default if value is None else json.loads(value)

    def set(self, key: str, value: Any, *, by: str) -> None:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        now = datetime.now(UTC)
        exists = self._conn.execute(
            select(settings.c.key).where(settings.c.key == key).with_for_update()
        ).scalar_one_or_none()
        if exists is None:
            self._conn.execute(insert(settings).values(key=key, value=text, updated_at=now, updated_by=by))
        else:
            self._conn.execute(
                update(settings).where(settings.c.key == key).values(value=text, updated_at=now, updated_by=by)
            )

    def all(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self._conn.execute(select(settings.c.key, settings.c.value))}
