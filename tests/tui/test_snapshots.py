"""Text snapshots of the main screens at 120×40 (issue 7, acceptance 1).

Each screen is rendered on the small demo database (fixed seed, as-of date and clock), its
text taken the way Textual exports a screenshot, the clock and run-dependent times masked,
and compared with ``tests/tui/snapshots/<name>.txt``. After a deliberate change to a screen::

    NOZEI_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/tui/test_snapshots.py

rewrites the files; review them like code.
"""

from __future__ import annotations

import difflib
import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select

from core.security.permissions import Actor, Permission
from core.services.taxpayer_view import view_taxpayer
from storage.schema import cases
from storage.store import Store
from tests.tui.business import keys, open_taxpayer, settle, signed_in_app, start

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZE = (120, 40)
UPDATE = os.environ.get("NOZEI_UPDATE_SNAPSHOTS") == "1"
EVERYTHING = Actor("officer", frozenset(p.value for p in Permission))

_MASKS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?([+-]\d{2}:?\d{2}|Z)?"), "YYYY-MM-DD hh:mm"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}\b"), "hh:mm:ss"),
    (re.compile(r"SQLite \S+"), "SQLite <data dir>/nozei.db"),
    (re.compile(r"\d{4}-\d{2}-\d{2}〜\d{4}-\d{2}-\d{2}"), "<last week>"),  # the audit filter: the real week
)


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """The screen as plain text, as ``App.export_screenshot`` composes it (modals over their background)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(  # noqa: SLF001
        full=True, screen_stack=app._background_screens))  # noqa: SLF001
    text = console.export_text()
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def check(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, "utf-8")
        if not UPDATE:
            pytest.fail(f"new snapshot written: {path} (review it and run again)")
        return
    expected = path.read_text("utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                            f"{name}.txt (expected)", f"{name} (rendered)"))
        pytest.fail(f"snapshot {name} differs (NOZEI_UPDATE_SNAPSHOTS=1 to accept):\n{diff}")


async def _quiet(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Settle workers, let toasts go, and blur the focused input so no cursor is drawn."""
    await settle(app, pilot)
    app.clear_notifications()
    await pilot.pause()


def _kana_surname(store: Store) -> str:
    """The kana surname of the demo's first individual (a corporation's kana has no space)."""
    for taxpayer_id in range(1, 41):
        kana = view_taxpayer(store.uow(), EVERYTHING, taxpayer_id).taxpayer.name_kana.replace("　", " ")
        if " " in kana:
            return kana.split(" ")[0]
    raise AssertionError("no individual in the demo")


class TestSnapshots:
    async def test_login(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await _quiet(app, pilot)
            check("login", screen_text(app))

    async def test_menu(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            await _quiet(app, pilot)
            check("menu", screen_text(app))

    async def test_search_results(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        kana = _kana_surname(demo_store)
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            app.screen.query_one("#f-kana_surname").value = kana
            await pilot.press("f5")
            await _quiet(app, pilot)
            check("search_results", screen_text(app))

    async def test_taxpayer_detail(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=SIZE) as pilot:
            await open_taxpayer(app, pilot, 1)
            await _quiet(app, pilot)
            check("taxpayer_basic", screen_text(app))
            await keys(pilot, "2")
            await _quiet(app, pilot)
            check("taxpayer_periods", screen_text(app))

    async def test_case_screen(self, demo_store: Store) -> None:
        from tui.screens.case import CaseScreen

        with demo_store.reading() as conn:
            case_id = conn.execute(select(cases.c.id).order_by(cases.c.id).limit(1)).scalar_one()
        app = signed_in_app(demo_store, "officer", at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC))
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            app.push_screen(CaseScreen(int(case_id)))
            await _quiet(app, pilot)
            check("case", screen_text(app))

    async def test_audit_browser(self, demo_store: Store) -> None:
        try:
            from tui.screens.audit import AuditScreen
        except ImportError:
            pytest.skip("the audit browser (tui/screens/audit.py) is not there yet")
        app = signed_in_app(demo_store, "auditor")
        async with app.run_test(size=SIZE) as pilot:
            await start(app, pilot)
            app.push_screen(AuditScreen())
            await _quiet(app, pilot)
            # The rows are the demo build's own events, whose number (checkpoints by elapsed time)
            # and column widths vary with how the build ran: the frame and footer are compared,
            # the rows only checked to be there, newest first.
            lines = screen_text(app).splitlines()
            frame = lines[:4] + [re.sub(r"[0-9]+", "N", lines[4]), lines[-1]]
            check("audit", "\n".join(frame) + "\n")
            seqs = [int(m.group(1)) for m in (re.match(r"\s*([0-9]+)\s+YYYY", line) for line in lines[6:]) if m]
            assert len(seqs) > 10 and seqs == sorted(seqs, reverse=True)
