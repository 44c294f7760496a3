"""Set-up for the document tests: terminals, actors, a writer, reading PDFs back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from core.domain.identity import Terminal
from core.security.permissions import Actor, Permission
from storage.documents import PdfDocumentWriter
from storage.schema import audit_events
from storage.store import Store

ALL = frozenset(p.value for p in Permission)
#: May do everything, on the export-enabled counter terminal T01.
CLERK = Actor("clerk1", ALL, terminal_id="T01")
#: Everything but export.files.
NO_EXPORT = Actor("clerk2", ALL - {Permission.EXPORT_FILES.value}, terminal_id="T01")
#: Everything, on T02, a terminal registered without the export capability.
ELSEWHERE = Actor("clerk3", ALL, terminal_id="T02")


def terminals(store: Store) -> None:
    with store.uow() as uow:
        now = datetime.now(UTC)
        uow.identity.add_terminal(Terminal("T01", "収納窓口", can_export=True, is_counter=True, disabled=False),
                                  by="t", now=now)
        uow.identity.add_terminal(Terminal("T02", "照会端末", can_export=False, is_counter=False, disabled=False),
                                  by="t", now=now)
        uow.commit()


def writer(store: Store) -> PdfDocumentWriter:
    return PdfDocumentWriter(store.config.documents_dir)


def pages_text(path: Path) -> list[str]:
    """The text of every page, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(path).pages]


def index_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def events(store: Store, action: str) -> list[tuple[str, str, str | None, str]]:
    """(outcome, user, target, details JSON) of the events with *action*, oldest first."""
    with store.reading() as conn:
        rows = conn.execute(select(audit_events.c.outcome, audit_events.c.user_id, audit_events.c.target_ref,
                                   audit_events.c.details).where(audit_events.c.action == action)
                            .order_by(audit_events.c.seq)).all()
    return [(r.outcome, r.user_id, r.target_ref, r.details) for r in rows]


__all__ = ["ALL", "CLERK", "NO_EXPORT", "ELSEWHERE", "terminals", "writer", "pages_text", "index_rows", "events"]
