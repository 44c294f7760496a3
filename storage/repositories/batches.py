"""Imported files, once per kind and SHA-256 (SPEC §7 idempotency)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from storage.schema import import_batches

__all__ = ["SqlImportBatchRepository"]


class SqlImportBatchRepository:
    def __init__(self, conn: Connection, operator: str = "system") -> None:
        self._conn = conn
        self._operator = operator

    def find(self, kind: str, sha256: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            select(import_batches).where(import_batches.c.kind == kind, import_batches.c.sha256 == sha256)
        ).one_or_none()
        if row is None:
            return None
        return {"id": int(row.id), "file_name": row.file_name, "records": int(row.records),
                "created_at": row.created_at, "created_by": row.created_by, "summary": json.loads(row.summary)}

    def add(self, kind: str, sha256: str, file_name: str, records: int, summary: dict[str, Any]) -> int:
        return int(self._conn.execute(insert(import_batches).values(
            kind=kind, sha256=sha256, file_name=file_name[:200], records=records,
            summary=json.dumps(summary, ensure_ascii=False, sort_keys=True),
            created_at=datetime.now(UTC), created_by=self._operator,
        ).returning(import_batches.c.id)).scalar_one())
