"""The menu screen and the banners, with a stand-in for the session services."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.widgets import Static

from core.security.permissions import Actor
from core.services.auth import LoginResult
from tui.app import NozeiApp
from tui.compose import AppContext
from tui.screens.change_password import ChangePasswordScreen
from tui.screens.home import HomeScreen
from tui.screens.lock import LockScreen
from tui.screens.login import LoginScreen

DEMO = AppContext(municipality_code="999991", municipality_name="みなと市", is_demo=True,
                  database_label="SQLite /tmp/x.db", terminal_id="T01")
PRODUCTION = AppContext(municipality_code="242039", municipality_name="伊勢市", is_demo=False,
                        database_label="PostgreSQL db/nozei", terminal_id="T02")


class StandInServices:
    """Accepts any login; enough to reach the menu without a database."""

    idle_seconds = 600

    def login(self, login_id: str, password: str, otp_code: str) -> LoginResult:
        return LoginResult("sess", Actor(login_id, frozenset({"taxpayer.search"})), "照会　次郎", False)

    def logout(self, session_id: str) -> None:
        pass


def _text(app: NozeiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _signed_in(app: NozeiApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    app.signed_in(StandInServices().login("inquiry", "", ""))
    await app.workers.wait_for_complete()
    await pilot.pause()


class TestHomeScreen:
    async def test_it_shows_the_municipality_its_code_and_the_user(self) -> None:
        app = NozeiApp(PRODUCTION, StandInServices())  # type: ignore[arg-type]
        async with app.run_test() as pilot:
            await _signed_in(app, pilot)
            assert isinstance(app.screen, HomeScreen)
            assert _text(app, "#municipality") == "伊勢市（団体コード 242039）"
            assert "照会　次郎（inquiry）" in _text(app, "#user")
            assert "T02" in _text(app, "#terminal")

    async def test_a_demo_database_shows_the_demo_banner(self) -> None:
        app = NozeiApp(DEMO, StandInServices())  # type: ignore[arg-type]
        async with app.run_test() as pilot:
            await _signed_in(app, pilot)
            assert _text(app, "#demo-banner").startswith("デモ")

    async def test_a_production_database_never_shows_the_banner_or_demo_hints(self) -> None:
        app = NozeiApp(PRODUCTION, StandInServices())  # type: ignore[arg-type]
        async with app.run_test() as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen)
            assert not app.screen.query("#demo-banner") and not app.screen.query("#demo-hint")
            await _signed_in(app, pilot)
            assert not app.screen.query("#demo-banner")

    async def test_ctrl_q_ends_the_app_cleanly(self) -> None:
        app = NozeiApp(DEMO, StandInServices())  # type: ignore[arg-type]
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press("ctrl+q")
            await pilot.pause()
        assert app.return_code == 0

    @pytest.mark.parametrize("screen", [NozeiApp, HomeScreen, LoginScreen, ChangePasswordScreen, LockScreen])
    def test_every_binding_of_ours_has_an_id_and_a_description(self, screen: type) -> None:
        bindings = list(screen.BINDINGS)
        assert bindings
        assert all(isinstance(b, Binding) and b.id and b.description for b in bindings)
