"""The audit log as the core sees it (:class:`core.services.audit.AuditLog`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from core.security.permissions import Actor
from core.services.audit import ReviewQuery, VerifyOutcome
from logs.anomalies import Finding, Thresholds, find_anomalies
from logs.archive import ArchiveResult, archive_before
from logs.checkpoints import Checkpointer
from logs.review import format_events, hourly_activity, render_hourly_chart, review_events
from logs.verify import verify_chain

__all__ = ["ChainAuditLog", "CHECKPOINT_FILE", "origin_for"]

CHECKPOINT_FILE = "audit-checkpoints.jsonl"


def origin_for(municipality_code: str) -> str:
    return f"nozei:{municipality_code or 'unknown'}"


class ChainAuditLog:
    def __init__(self, engine: Engine, kek: bytes, origin: str, log_dir: Path, archive_dir: Path) -> None:
        self._engine = engine
        self._origin = origin
        self._kek = kek
        self._archive_dir = archive_dir
        self.checkpointer = Checkpointer(kek, origin, log_dir / CHECKPOINT_FILE)

    def _reading(self) -> Any:
        conn = self._engine.connect()
        conn.info["nozei_readonly"] = True
        return conn

    def verify(self, from_seq: int) -> VerifyOutcome:
        conn = self._reading()
        try:
            r = verify_chain(conn, public_key=self.checkpointer.public_key,
                             checkpoint_file=self.checkpointer.file, from_seq=from_seq, origin=self._origin)
        finally:
            conn.info["nozei_readonly"] = False
            conn.close()
        return r

    def review(self, query: ReviewQuery, fmt: str) -> tuple[str, int]:
        conn = self._reading()
        try:
            rows = review_events(conn, query)
        finally:
            conn.info["nozei_readonly"] = False
            conn.close()
        return format_events(rows, fmt), len(rows)  # type: ignore[arg-type]

    def chart(self, query: ReviewQuery) -> str:
        conn = self._reading()
        try:
            return render_hourly_chart(hourly_activity(conn, query))
        finally:
            conn.info["nozei_readonly"] = False
            conn.close()

    def anomalies(self, start: datetime, end: datetime, thresholds: dict[str, Any]) -> list[Finding]:
        conn = self._reading()
        try:
            return find_anomalies(conn, start=start, end=end, thresholds=Thresholds.from_settings(thresholds))
        finally:
            conn.info["nozei_readonly"] = False
            conn.close()

    def archive(self, actor: Actor, before: datetime) -> ArchiveResult | None:
        return archive_before(self._engine, kek=self._kek, origin=self._origin, before=before,
                              out_dir=self._archive_dir, actor=actor, checkpointer=self.checkpointer)
