"""Composition root: the only place that wires storage and logs into core services."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Config
from storage.store import Store, open_store

__all__ = ["AppContext", "open_context"]


@dataclass(frozen=True, slots=True)
class AppContext:
    """Plain facts the screens show; no connection, no keys."""

    municipality_code: str
    municipality_name: str
    is_demo: bool
    database_label: str
    terminal_id: str


def describe(store: Store) -> AppContext:
    municipality = store.setting("municipality", {}) or {}
    url = store.engine.url
    label = f"SQLite {url.database}" if url.get_backend_name() == "sqlite" else f"PostgreSQL {url.host}/{url.database}"
    return AppContext(
        municipality_code=str(municipality.get("code", "")),
        municipality_name=str(municipality.get("name", "")),
        is_demo=store.is_demo,
        database_label=label,
        terminal_id=store.config.terminal_id,
    )


def open_context(config: Config) -> tuple[Store, AppContext]:
    store = open_store(config)
    try:
        return store, describe(store)
    except BaseException:
        store.close()
        raise
