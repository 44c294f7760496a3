"""The hash chain: each event stores ``SHA-256(prev_hash ‖ canonical JSON)``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = ["GENESIS_HASH", "canonical_json", "event_hash"]

GENESIS_HASH = "0" * 64

#: The fields covered by the hash, in the order they are stored.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "user_id",
    "session_id",
    "terminal_id",
    "client_address",
    "action",
    "target_type",
    "target_ref",
    "outcome",
    "details",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def canonical_json(event: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 text: the bytes the hash covers."""
    body = {name: _plain(event.get(name)) for name in HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(event).encode("utf-8")).hexdigest()
