"""The first screen, driven with Textual's Pilot."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.widgets import Static

from tui.app import NozeiApp
from tui.compose import AppContext
from tui.screens.home import HomeScreen

DEMO = AppContext(municipality_code="999991", municipality_name="みなと市", is_demo=True,
                  database_label="SQLite /tmp/x.db", terminal_id="T01")
PRODUCTION = AppContext(municipality_code="242039", municipality_name="伊勢市", is_demo=False,
                        database_label="PostgreSQL db/nozei", terminal_id="T02")


def _text(app: NozeiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


class TestHomeScreen:
    async def test_it_shows_the_municipality_and_its_code(self) -> None:
        app = NozeiApp(PRODUCTION)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert _text(app, "#municipality") == "伊勢市（団体コード 242039）"
            assert "T02" in _text(app, "#terminal")

    async def test_a_demo_database_shows_the_demo_banner(self) -> None:
        app = NozeiApp(DEMO)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert _text(app, "#demo-banner").startswith("デモ")

    async def test_a_production_database_never_shows_the_banner(self) -> None:
        app = NozeiApp(PRODUCTION)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert not app.screen.query("#demo-banner")

    @pytest.mark.parametrize("key", ["q", "ctrl+q"])
    async def test_the_quit_key_ends_the_app_cleanly(self, key: str) -> None:
        app = NozeiApp(DEMO)
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
        assert app.return_code == 0

    def test_every_binding_of_ours_has_an_id_and_a_description(self) -> None:
        bindings = [b for cls in (NozeiApp, HomeScreen) for b in cls.BINDINGS]
        assert bindings
        assert all(isinstance(b, Binding) and b.id and b.description for b in bindings)
