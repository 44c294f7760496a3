"""Audit-log verification, review, anomalies and archiving (SPEC §5.4), for auditors.

The log itself lives in ``logs/``; these services are the permission gate and
record that the review happened, through the :class:`AuditLog` port.
"""

from __future__ import annotations

import hashlib

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from core.errors import ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.export import check_export
from core.services.registry import service

__all__ = [
    "AuditLog",
    "ReviewQuery",
    "VerifyOutcome",
    "verify_audit_log",
    "review_audit_log",
    "find_audit_anomalies",
    "archive_audit_log",
    "DEFAULT_RETENTION_YEARS",
]

DEFAULT_RETENTION_YEARS = 7


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    """What to review. ``start`` is inclusive, ``end`` exclusive; both aware.

    ``atena`` matches events whose target is that taxpayer (``target_type =
    'taxpayer'``). ``action`` is an exact name, or a prefix written ``login.*``
    or ``login.`` (``*`` alone matches everything).
    """

    user: str | None = None
    atena: str | None = None
    action: str | None = None
    terminal: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 10_000

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValidationError(f"{name} にはタイムゾーン付きの日時を指定してください")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError("開始日時は終了日時より前にしてください")
        if self.limit < 1:
            raise ValidationError("件数の上限は1以上です")

    def kinds(self) -> list[str]:
        return [k for k in ("user", "atena", "action", "terminal", "start", "end") if getattr(self, k) is not None]


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    detail: str
    head_seq: int
    checkpoints_checked: int


class AuditLog(Protocol):
    def verify(self, from_seq: int) -> VerifyOutcome: ...

    def review(self, query: ReviewQuery, fmt: str) -> tuple[str, int]: ...

    def chart(self, query: ReviewQuery) -> str: ...

    def anomalies(self, start: datetime, end: datetime, thresholds: dict[str, Any]) -> list[Any]: ...

    def archive(self, actor: Actor, before: datetime) -> Any: ...


def _note(uow: UnitOfWork, actor: Actor, action: str, outcome: str = "ok", **details: Any) -> None:
    with uow:
        uow.audit.record(actor, AuditEvent(action=action, outcome=outcome, details=details))
        uow.commit()


@service(Permission.AUDIT_REVIEW)
def verify_audit_log(uow: UnitOfWork, actor: Actor, log: AuditLog, *, from_seq: int = 1) -> VerifyOutcome:
    """Re-hash the chain; the run itself is recorded (after the check, so it is not checked against itself)."""
    if from_seq < 1:
        raise ValidationError("--from は1以上です")
    outcome = log.verify(from_seq)
    _note(uow, actor, "audit.verify", "ok" if outcome.ok else "error", checked=outcome.checked,
          problem=outcome.problem, first_bad_seq=outcome.first_bad_seq, from_seq=from_seq)
    return outcome


@service(Permission.AUDIT_REVIEW)
def review_audit_log(uow: UnitOfWork, actor: Actor, log: AuditLog, query: ReviewQuery, *,
                     fmt: str = "table", chart: bool = False) -> str:
    """The log as a table for the screen, or as CSV / JSON — an export of the log, which
    follows the export rule (SPEC §5.3): ``export.files`` on an export terminal, and
    the output's SHA-256 audited with its row count."""
    if fmt not in ("table", "csv", "json"):
        raise ValidationError("--format は table, csv, json のいずれかです")
    if fmt != "table":
        check_export(uow, actor, "audit.review")
    text, count = log.review(query, fmt)
    if chart:
        text += "\n" + log.chart(query)
    extra = {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()} if fmt != "table" else {}
    _note(uow, actor, "audit.review", filters=query.kinds(), count=count, format=fmt, **extra)
    return text


@service(Permission.AUDIT_REVIEW)
def find_audit_anomalies(uow: UnitOfWork, actor: Actor, log: AuditLog, *, start: datetime,
                         end: datetime) -> list[Any]:
    if start >= end:
        raise ValidationError("期間の開始は終了より前にしてください")
    with uow:
        thresholds = uow.settings.get("audit_anomaly_thresholds", {}) or {}
    findings = log.anomalies(start, end, thresholds)
    _note(uow, actor, "audit.review", kind="anomalies", count=len(findings))
    return findings


@service(Permission.AUDIT_REVIEW)
def archive_audit_log(uow: UnitOfWork, actor: Actor, log: AuditLog, *, before: datetime, today: date) -> Any:
    """Archive (signed, compressed) and purge events older than ``before`` — only past the retention period."""
    with uow:
        years = int(uow.settings.get("audit_retention_years", DEFAULT_RETENTION_YEARS))
    try:
        limit = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - years, day=28)
    if before.date() > limit:
        raise ValidationError(
            f"保存期間（{years}年）内の記録は保存庫に移せません。{limit.isoformat()} 以前の日付を指定してください")
    return log.archive(actor, before)
