"""Workload 7: the terminal application — start to login screen, search to rendered results.

Start-up is timed on the real entry point (``tui.cli.main``, as the ``nozei``
command): from the moment the parent launched this process to the login
screen's first refresh, with Textual's headless driver standing in for the
terminal. Searches are driven by Pilot with the keys a clerk presses: sign in
(ID, password, code), ``1`` for 照会, the kana name typed into its field; then
F5 is delivered as the terminal delivers a key, and the clock stops when the
results are in the table and the screen has been drawn with them (Pilot's own
``press`` would add its wait for the process to go idle). The memory of the
application with the dataset open is read at the end.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.stats import current_rss_mb, peak_rss_mb, summarise

__all__ = ["startup", "search_rendering"]


def startup(data_dir: Path, launched_at: float) -> dict[str, Any]:
    """Run ``nozei --data-dir …`` headless until the login screen has been drawn once."""
    imported_at = time.time()
    from textual.app import App

    from tui import cli
    from tui.screens.login import LoginScreen

    shown: dict[str, float] = {}
    original_run = App.run
    original_mount = LoginScreen.on_mount if hasattr(LoginScreen, "on_mount") else None

    def headless_run(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        kwargs["headless"] = True
        return original_run(self, *args, **kwargs)

    def mounted(self: LoginScreen) -> None:
        if original_mount is not None:
            original_mount(self)

        def drawn() -> None:
            shown["at"] = time.time()
            self.app.exit()

        self.call_after_refresh(drawn)

    App.run = headless_run  # type: ignore[method-assign]
    LoginScreen.on_mount = mounted  # type: ignore[method-assign, assignment]
    try:
        code = cli.main(["--data-dir", str(data_dir)])
    finally:
        App.run = original_run  # type: ignore[method-assign]
    if code != 0 or "at" not in shown:
        raise RuntimeError(f"nozei did not reach the login screen (exit {code})")
    return {"tui.start_to_login": {"seconds": round(shown["at"] - launched_at, 3),
                                   "python_start_seconds": round(imported_at - launched_at, 3),
                                   "peak_rss_mb": peak_rss_mb()}}


async def _search_run(data_dir: Path, queries: list[str], login_id: str) -> dict[str, Any]:
    from textual import events
    from textual.widgets import DataTable

    from bench.session import _otp_step
    from core.config import load_config
    from storage.demo.users import DEMO_PASSWORD, DEMO_USERS
    from tui import compose
    from tui.app import NozeiApp
    from tui.screens.search import SearchScreen

    store, context = compose.open_context(load_config(data_dir=data_dir))
    tools = compose.auth_tools()
    services = compose.SessionServices(store, tools, store.config.terminal_id)
    app = NozeiApp(context, services)
    secret = next(u.otp_secret for u in DEMO_USERS if u.login_id == login_id)
    took: list[float] = []
    rows: list[int] = []
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            code = tools.otp.code(secret, _otp_step(store, login_id))
            for text in (login_id, DEMO_PASSWORD, code):
                for ch in text:
                    await pilot.press(ch)
                await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("1")
            await pilot.pause()
            if not isinstance(app.screen, SearchScreen):
                raise RuntimeError(f"the search screen did not open (at {type(app.screen).__name__})")
            for n, kana in enumerate(queries):
                screen = app.screen
                await pilot.press("ctrl+r")
                screen.query_one("#f-kana_name").focus()
                for ch in kana:
                    await pilot.press(ch)
                table = screen.query_one("#results", DataTable)
                table.clear()
                before = screen.page
                await pilot.pause()
                started = time.perf_counter()
                app._driver.send_message(events.Key("f5", None))  # as the terminal delivers it
                while screen.page is before:  # the search runs in a worker thread, then fills the table
                    await asyncio.sleep(0.001)
                drawn = asyncio.Event()
                screen.call_after_refresh(drawn.set)  # …and the screen is drawn with the rows
                await drawn.wait()
                if n >= 3:  # the first few warm the caches
                    took.append(time.perf_counter() - started)
                    rows.append(table.row_count)
            await pilot.press("enter")  # open the last taxpayer found, then back
            await app.workers.wait_for_complete()
            await pilot.pause()
            rss_now = current_rss_mb()
    finally:
        store.close()
    return {"tui.search_to_rows": {**summarise(took), "rows_mean": round(sum(rows) / max(1, len(rows)), 1)},
            "tui.memory": {"rss_mb": rss_now, "peak_rss_mb": peak_rss_mb()}}


def search_rendering(data_dir: Path, queries: list[str], login_id: str = "clerk") -> dict[str, Any]:
    return asyncio.run(_search_run(data_dir, queries, login_id))
