"""A small demo database and a signed-in app over it, for the business screens."""

from __future__ import annotations

from datetime import UTC, date, datetime

from textual.worker import WorkerCancelled, WorkerFailed

from core.clock import FixedClock
from core.services.auth import AuthTools, authenticate
from storage.crypto.passwords import FAST_TEST_PARAMETERS, Argon2Hasher
from storage.crypto.totp import TotpEngine
from storage.demo.users import DEMO_PASSWORD, demo_otp_secret
from storage.store import Store
from tui.app import NozeiApp
from tui.compose import SessionServices, describe

AS_OF = date(2026, 11, 22)


def tools_at(moment: datetime) -> AuthTools:
    return AuthTools(hasher=Argon2Hasher(**FAST_TEST_PARAMETERS), otp=TotpEngine(), clock=FixedClock(moment))


def signed_in_app(store: Store, login_id: str, at: datetime | None = None) -> NozeiApp:
    """The app with *login_id* already signed in (the login screens are tested elsewhere)."""
    tools = tools_at(at or datetime(2026, 11, 22, 1, 0, tzinfo=UTC))
    services = SessionServices(store, tools, store.config.terminal_id)
    app = NozeiApp(describe(store), services)
    code = tools.otp.code(demo_otp_secret(login_id), tools.otp.step_at(tools.clock.now()))
    result = authenticate(store.uow(), tools, login_id=login_id, password=DEMO_PASSWORD, otp_code=code,
                          terminal_id=store.config.terminal_id, client_address=None)
    app.pending_login = result  # type: ignore[attr-defined]
    return app


async def start(app: NozeiApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    app.signed_in(app.pending_login)  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()


#: Our worker groups (a DirectoryTree keeps a loader worker alive for good: not waited for).
_GROUPS = {"service", "session", "import", "worklist", "reveal", "idle"}


async def settle(app: NozeiApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let our workers finish (a cancelled one — an exclusive worker replaced — is fine)."""
    for _ in range(3):
        for worker in [w for w in app.workers if w.group in _GROUPS]:
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass
        await pilot.pause()


async def keys(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for ch in text:
        await pilot.press(ch)


async def open_taxpayer(app: NozeiApp, pilot, taxpayer_id: int) -> None:  # type: ignore[no-untyped-def]
    """Sign in and open one taxpayer's screen directly."""
    from tui.screens.taxpayer import TaxpayerScreen

    await start(app, pilot)
    app.push_screen(TaxpayerScreen(taxpayer_id))
    await settle(app, pilot)
