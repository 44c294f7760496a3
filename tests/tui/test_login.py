"""Login, forced password change, idle lock and logout — driven by the keys a clerk presses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from core.clock import FixedClock
from core.config import Config
from core.services.admin import SeedUser, seed_users
from core.services.auth import AuthTools
from logs.writer import AuditWriter
from storage.crypto.passwords import FAST_TEST_PARAMETERS, Argon2Hasher
from storage.crypto.totp import TotpEngine
from storage.store import Store, create_store
from tui.app import NozeiApp
from tui.compose import SessionServices, describe
from tui.screens.change_password import ChangePasswordScreen
from tui.screens.home import HomeScreen
from tui.screens.lock import LockScreen
from tui.screens.login import LoginScreen

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "minato harbour 2026"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))


@pytest.fixture
def tools(clock: FixedClock) -> AuthTools:
    return AuthTools(hasher=Argon2Hasher(**FAST_TEST_PARAMETERS), otp=TotpEngine(), clock=clock)


@pytest.fixture
def store(tmp_path: Path, tools: AuthTools) -> Iterator[Store]:
    s = create_store(Config(data_dir=tmp_path), municipality_code="999991", municipality_name="みなと市",
                     demo=True, audit_factory=AuditWriter)
    seed_users(s.uow(), tools, [SeedUser("clerk", "収納　一郎", ("collection",), PASSWORD, SECRET)],
               terminal_ids=["console"])
    with s.uow() as uow:
        user = uow.identity.user_by_login("clerk")
        assert user is not None
    try:
        yield s
    finally:
        s.close()


def app_for(store: Store, tools: AuthTools) -> NozeiApp:
    return NozeiApp(describe(store), SessionServices(store, tools, "console"))


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for ch in text:
        await pilot.press(ch)


async def log_in(pilot, tools: AuthTools, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    await type_text(pilot, "clerk")
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await type_text(pilot, tools.otp.code(SECRET, tools.otp.step_at(tools.clock.now())))
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


class TestLoginScreen:
    async def test_id_password_then_code_opens_the_menu(self, store: Store, tools: AuthTools) -> None:
        app = app_for(store, tools)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen)
            assert not app.screen.query_one("#otp", Input).display  # the code comes second
            await log_in(pilot, tools)
            assert isinstance(app.screen, HomeScreen)
            assert "収納　一郎（clerk）" in str(app.screen.query_one("#user", Static).render())

    async def test_a_wrong_password_gets_the_generic_message_and_a_fresh_start(
        self, store: Store, tools: AuthTools
    ) -> None:
        app = app_for(store, tools)
        async with app.run_test() as pilot:
            await pilot.pause()
            await log_in(pilot, tools, password="not the password")
            assert isinstance(app.screen, LoginScreen)
            message = str(app.screen.query_one("#login-message", Static).render())
            assert "ID・パスワード・確認コード" in message
            assert app.screen.query_one("#password", Input).value == ""
            assert app.screen.query_one("#otp", Input).value == ""

    async def test_five_failures_lock_the_account_and_then_the_right_password_gets_the_same_message(
        self, store: Store, tools: AuthTools
    ) -> None:
        from core.services.auth import AuthFailed, authenticate

        for _n in range(5):  # the service's lockout: 5 failures (SPEC §5.2)
            with pytest.raises(AuthFailed):
                authenticate(store.uow(), tools, login_id="clerk", password="wrong password", otp_code="000000",
                             terminal_id=store.config.terminal_id, client_address=None)
        app = app_for(store, tools)
        async with app.run_test() as pilot:
            await pilot.pause()
            await log_in(pilot, tools)  # now with the right password and code
            assert isinstance(app.screen, LoginScreen)
            message = str(app.screen.query_one("#login-message", Static).render())
            assert "ID・パスワード・確認コード" in message  # generic: no hint that the account is locked

    async def test_the_demo_hint_is_shown_on_a_demo_database_only(self, store: Store, tools: AuthTools) -> None:
        app = app_for(store, tools)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert app.screen.query("#demo-hint") and app.screen.query("#demo-banner")


class TestForcedChange:
    async def test_a_reset_password_must_be_changed_before_the_menu(
        self, store: Store, tools: AuthTools, clock: FixedClock
    ) -> None:
        with store.uow() as uow:
            user = uow.identity.user_by_login("clerk")
            assert user is not None
            uow.identity.update_user(user.id, must_change_password=True)
            uow.commit()
        app = app_for(store, tools)
        async with app.run_test() as pilot:
            await pilot.pause()
            await log_in(pilot, tools)
            assert isinstance(app.screen, ChangePasswordScreen)
            assert app.actor is not None and app.actor.permissions == frozenset()
            await type_text(pilot, PASSWORD)
            await pilot.press("enter")
            for _ in range(2):
                await type_text(pilot, "quiet evening tide 7")
                await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert app.actor is not None and "payment.post" in app.actor.permissions


class TestIdleLockAndLogout:
    async def test_idle_time_locks_the_screen_hides_the_data_and_the_password_unlocks(
        self, store: Store, tools: AuthTools, clock: FixedClock
    ) -> None:
        app = app_for(store, tools)
        async with app.run_test() as pilot:
            await pilot.pause()
            await log_in(pilot, tools)
            clock.advance(minutes=11)
            app.last_input -= 11 * 60
            app.check_idle_lock()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, LockScreen)
            assert not app.screen.query("#user")  # nothing of the menu is on the lock screen
            await type_text(pilot, "wrong password!")
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, LockScreen)
            await type_text(pilot, PASSWORD)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)

    async def test_logout_returns_to_the_login_screen(self, store: Store, tools: AuthTools) -> None:
        app = app_for(store, tools)
        async with app.run_test() as pilot:
            await pilot.pause()
            await log_in(pilot, tools)
            await pilot.press("ctrl+l")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, LoginScreen)
            assert "ログアウトしました" in str(app.screen.query_one("#login-message", Static).render())
            assert app.session_id is None
