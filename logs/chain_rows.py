"""Audit rows as verification reads them, and their hashes: the reference, and a fast path.

Shared by the single-process walk (:mod:`logs.verify`) and the segment workers
(:mod:`logs.verify_segments`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import Text, type_coerce

from logs.chain import event_hash
from storage.schema import audit_events

__all__ = ["COLUMNS", "SEQ", "PREV", "HASH", "fast_hash", "ref_hash", "valid"]

#: Sorted like the canonical JSON; occurred_at raw (SQLite: text, PostgreSQL: datetime).
_NAMES = ("action", "client_address", "details", "occurred_at", "outcome", "seq", "session_id",
          "target_ref", "target_type", "terminal_id", "user_id", "prev_hash", "hash")
_COLUMNS = [type_coerce(audit_events.c.occurred_at, Text) if n == "occurred_at"
            else audit_events.c[n] for n in _NAMES]
_TEMPLATE = ('{"action":%s,"client_address":%s,"details":%s,"occurred_at":"%s","outcome":%s,'
             '"seq":%d,"session_id":%s,"target_ref":%s,"target_type":%s,"terminal_id":%s,'
             '"user_id":%s}')
_SEQ, _PREV, _HASH = 5, 11, 12
COLUMNS, SEQ, PREV, HASH = _COLUMNS, _SEQ, _PREV, _HASH


def _q(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def fast_hash(r: Any) -> str:
    """``event_hash`` of a raw row, specialised; any doubt falls back to :func:`ref_hash`."""
    ts = r[3]
    iso = (ts[:10] + "T" + ts[11:] + "+00:00" if ts.__class__ is str
           else ts.astimezone(UTC).isoformat(timespec="microseconds"))
    text = _TEMPLATE % (_q(r[0]), _q(r[1]), _q(r[2]), iso, _q(r[4]), r[5], _q(r[6]), _q(r[7]),
                        _q(r[8]), _q(r[9]), _q(r[10]))
    return hashlib.sha256((r[_PREV] + text).encode("utf-8")).hexdigest()


def ref_hash(r: Any, *, seq: int | None = None, prev: str | None = None) -> str | None:
    """The reference hash (logs.chain) of raw row ``r``, optionally at another seq / link."""
    event: dict[str, Any] = dict(zip(_NAMES, r, strict=True))
    ts = event["occurred_at"]
    try:
        when = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
        event["occurred_at"] = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        event["seq"] = event["seq"] if seq is None else seq
        return event_hash(r[_PREV] if prev is None else prev, event)
    except (TypeError, ValueError, AttributeError):  # unreadable values: no valid hash
        return None


def valid(r: Any) -> bool:
    try:
        if fast_hash(r) == r[_HASH]:
            return True
    except (TypeError, ValueError, AttributeError):
        pass
    return ref_hash(r) == r[_HASH]
