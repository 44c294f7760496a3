"""Audit review (監査): filtered event lists, table/CSV/JSON output, hourly activity.

Filtering happens in SQL (``occurred_at`` and ``user_id`` are indexed), so a
review never loads the whole log. Times are stored in UTC and shown in JST.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, select, true

from core.services.audit import ReviewQuery
from core.text.width import display_width, pad
from logs.actions import action_label
from storage.schema import audit_events

__all__ = [
    "JST",
    "ReviewFilter",
    "EventRow",
    "parse_details",
    "review_events",
    "format_events",
    "hourly_activity",
    "render_hourly_chart",
    "display_width",
    "pad",
]

JST = ZoneInfo("Asia/Tokyo")
_NO_USER = "（なし）"
_OUTCOMES = {"ok": "成功", "denied": "拒否", "error": "エラー"}
_BLOCKS = " ▏▎▍▌▋▊▉█"


#: The filter is the core's query type (validated there).
ReviewFilter = ReviewQuery


@dataclass(frozen=True)
class EventRow:
    """One audit event as stored; ``details`` parsed from its JSON text."""

    seq: int
    occurred_at: datetime
    user_id: str | None
    session_id: str | None
    terminal_id: str | None
    client_address: str | None
    action: str
    target_type: str | None
    target_ref: str | None
    outcome: str
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""

    @property
    def occurred_at_jst(self) -> datetime:
        return self.occurred_at.astimezone(JST)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for CSV/JSON (time as JST ISO 8601 with offset)."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at_jst.isoformat(timespec="microseconds"),
            "user_id": self.user_id,
            "session_id": self.session_id,
            "terminal_id": self.terminal_id,
            "client_address": self.client_address,
            "action": self.action,
            "action_label": action_label(self.action),
            "target_type": self.target_type,
            "target_ref": self.target_ref,
            "outcome": self.outcome,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def parse_details(text: str | None) -> dict[str, Any]:
    """The stored details JSON as a dict (never raises: odd values are wrapped)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"_unparsed": text}
    return value if isinstance(value, dict) else {"_value": value}


def _conditions(f: ReviewFilter) -> list[ColumnElement[bool]]:
    c = audit_events.c
    where: list[ColumnElement[bool]] = []
    if f.user is not None:
        where.append(c.user_id == f.user)
    if f.atena is not None:
        where += [c.target_type == "taxpayer", c.target_ref == f.atena]
    if f.action:
        if f.action.endswith("*"):
            prefix = f.action[:-1]
            if prefix:
                where.append(c.action.startswith(prefix, autoescape=True))
        elif f.action.endswith("."):
            where.append(c.action.startswith(f.action, autoescape=True))
        else:
            where.append(c.action == f.action)
    if f.terminal is not None:
        where.append(c.terminal_id == f.terminal)
    if f.start is not None:
        where.append(c.occurred_at >= f.start)
    if f.end is not None:
        where.append(c.occurred_at < f.end)
    return where


def review_events(conn: Connection, f: ReviewFilter) -> list[EventRow]:
    """The events matching ``f`` in chain order (``seq``), at most ``f.limit`` of them."""
    stmt = (
        select(audit_events).where(and_(true(), *_conditions(f))).order_by(audit_events.c.seq).limit(f.limit)
    )
    return [
        EventRow(
            seq=int(r.seq), occurred_at=r.occurred_at, user_id=r.user_id, session_id=r.session_id,
            terminal_id=r.terminal_id, client_address=r.client_address, action=r.action,
            target_type=r.target_type, target_ref=r.target_ref, outcome=r.outcome,
            details=parse_details(r.details), prev_hash=r.prev_hash, hash=r.hash,
        )
        for r in conn.execute(stmt)
    ]


# --------------------------------------------------------------------------- output


def _printable(text: str) -> str:
    """Control characters (e.g. an escape sequence typed as a login id) become ``?``."""
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_TABLE_HEADERS = ("番号", "日時（日本時間）", "利用者", "端末", "接続元", "操作", "操作名", "対象", "結果", "詳細")


def _table_cells(row: EventRow) -> tuple[str, ...]:
    target = f"{row.target_type}:{row.target_ref}" if row.target_type or row.target_ref else ""
    cells = (
        str(row.seq),
        row.occurred_at_jst.strftime("%Y-%m-%d %H:%M:%S"),
        row.user_id or "",
        row.terminal_id or "",
        row.client_address or "",
        row.action,
        action_label(row.action),
        target,
        _OUTCOMES.get(row.outcome, row.outcome),
        _compact_json(row.details) if row.details else "",
    )
    return tuple(_printable(c) for c in cells)


def _format_table(rows: Sequence[EventRow]) -> str:
    body = [_table_cells(r) for r in rows]
    widths = [max([display_width(h)] + [display_width(cells[i]) for cells in body])
              for i, h in enumerate(_TABLE_HEADERS)]

    def line(cells: Sequence[str]) -> str:
        padded = [pad(c, widths[i]) for i, c in enumerate(cells[:-1])]
        return "  ".join([*padded, cells[-1]]).rstrip()

    out = [line(_TABLE_HEADERS), "  ".join("-" * w for w in widths)]
    out += [line(cells) for cells in body]
    out.append(f"計 {len(rows)} 件")
    return "\n".join(out) + "\n"


_CSV_COLUMNS = ("seq", "occurred_at", "user_id", "session_id", "terminal_id", "client_address", "action",
                "action_label", "target_type", "target_ref", "outcome", "details", "prev_hash", "hash")


def _csv_safe(value: Any) -> str:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _format_csv(rows: Sequence[EventRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for r in rows:
        d = r.as_dict()
        d["details"] = _compact_json(r.details)
        writer.writerow([d["seq"], *(_csv_safe(d[name]) for name in _CSV_COLUMNS[1:])])
    return buf.getvalue()


def format_events(rows: Iterable[EventRow], fmt: Literal["table", "csv", "json"] = "table") -> str:
    """Render rows as an aligned table, CSV (header row; UTF-8 text) or a JSON list."""
    rows = list(rows)
    if fmt == "table":
        return _format_table(rows)
    if fmt == "csv":
        return _format_csv(rows)
    if fmt == "json":
        return json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"出力形式が不明です: {fmt}（table, csv, json のいずれか）")


# --------------------------------------------------------------------------- activity


def hourly_activity(conn: Connection, f: ReviewFilter) -> dict[str, list[int]]:
    """Events per user per JST hour of day (24 counts each), over all of ``f`` (no limit).

    Events without a user are counted under ``（なし）``. Rows are streamed, so a
    long period does not load every event at once.
    """
    c = audit_events.c
    stmt = select(c.user_id, c.occurred_at).where(and_(true(), *_conditions(f)))
    activity: dict[str, list[int]] = {}
    for user_id, occurred_at in conn.execute(stmt.execution_options(yield_per=2_000)):
        counts = activity.setdefault(user_id or _NO_USER, [0] * 24)
        counts[occurred_at.astimezone(JST).hour] += 1
    return dict(sorted(activity.items()))


def _bar(count: int, peak: int, width: int) -> str:
    if count <= 0 or peak <= 0:
        return ""
    eighths = max(1, round(count * width * 8 / peak))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_BLOCKS[rest] if rest else "")


def render_hourly_chart(activity: dict[str, list[int]], *, width: int = 40) -> str:
    """A text bar chart: one row per user and JST hour, bars scaled to the overall peak."""
    if not activity or not any(any(v) for v in activity.values()):
        return "（該当する記録はありません）\n"
    peak = max(max(v) for v in activity.values())
    name_width = max(display_width(_printable(u)) for u in activity)
    count_width = len(str(peak))
    lines: list[str] = []
    for user, counts in activity.items():
        name = _printable(user)
        lines.append(f"{name}（計 {sum(counts)} 件）")
        for hour, count in enumerate(counts):
            bar = pad(_bar(count, peak, width), width)
            lines.append(f"{pad(name, name_width)}  {hour:02d}時 │{bar}│ {count:>{count_width}}")
    return "\n".join(lines) + "\n"
