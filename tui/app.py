"""The Textual application: login first, then the menu; idle lock and logout throughout."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from textual import events, work
from textual.app import App
from textual.binding import Binding

from core.errors import NozeiError
from core.security.permissions import Actor
from core.services.auth import LoginResult, SessionEnded, SessionLocked
from tui.compose import AppContext, SessionServices
from tui.i18n import _
from tui.keymap import load_keymap
from tui.palette import AreaCommands
from tui.screens.change_password import ChangePasswordScreen
from tui.screens.home import HomeScreen
from tui.screens.lock import LockScreen
from tui.screens.login import LoginScreen

__all__ = ["NozeiApp"]

IDLE_CHECK_SECONDS = 15.0


def _configured_keymap(services: SessionServices) -> dict[str, str]:
    store: Any = getattr(services, "_store", None)
    config = getattr(store, "config", None)
    if config is None:
        return {}
    return load_keymap(config.keymap_file, required=config.keymap is not None)


class NozeiApp(App[None]):
    TITLE = "nozei"
    CSS = """
    #demo-banner { background: $warning; color: $text; text-style: bold; padding: 0 1; }
    #home-body { padding: 1 2; }
    #municipality { text-style: bold; }
    #login-box { width: 72; height: auto; margin: 1 4; padding: 1 2; border: round $accent; }
    #login-title, #lock-title { text-style: bold; margin-bottom: 1; }
    #login-message, #passwd-message, #lock-message { color: $error; margin-top: 1; }
    #demo-hint { color: $text-muted; margin-top: 1; }
    #worklist { margin-top: 1; color: $warning; }
    #areas { margin-top: 1; height: auto; max-height: 12; width: 60; }
    #search-form { height: auto; padding: 0 1; }
    .field-row { height: auto; }
    .field-label { width: 26; padding: 0 1 0 0; }
    .field-input { width: 44; height: 1; border: none; padding: 0 1; background: $boost; }
    .field-input:focus { background: $accent 40%; }
    #search-status, #counter-status, #suspense-status, #periods-total { padding: 0 1; color: $text-muted; }
    #taxpayer-title, #counter-title, #suspense-title { text-style: bold; padding: 0 1; }
    #basic-body { padding: 1 2; height: auto; }
    #confirm-box, #receipt-box, #reveal-box, #resolve-box, #help-box {
        width: 84; height: auto; max-height: 90%; padding: 1 2; border: round $accent; background: $surface;
    }
    ConfirmScreen, ReceiptScreen, RevealScreen, ResolveScreen, HelpScreen { align: center middle; }
    #confirm-question, #receipt-title, #reveal-title, #resolve-title, #help-title { text-style: bold; margin-bottom: 1; }
    #confirm-keys, #receipt-keys, #reveal-keys { color: $text-muted; margin-top: 1; }
    #reveal-number { text-style: bold; margin-top: 1; }
    """
    BINDINGS = [
        Binding("ctrl+q", "quit", _("終了"), id="app.quit", priority=True),
        Binding("ctrl+p", "command_palette", _("コマンド"), id="app.palette", show=False, priority=True),
    ]
    #: The command palette offers the user's areas (as the menu does) and the screen's actions;
    #: Textual's own system commands (themes, screenshots to files) are left out.
    COMMANDS = {AreaCommands}

    def __init__(self, context: AppContext, services: SessionServices,
                 keymap: Mapping[str, str] | None = None) -> None:
        """*keymap* (binding id → keys) defaults to the user's keymap file from the configuration
        (``keymap`` / ``NOZEI_KEYMAP`` / ``<data dir>/keymap.toml``); a bad file stops the start."""
        if keymap is None:
            keymap = _configured_keymap(services)
        super().__init__()
        if keymap:
            self.set_keymap(dict(keymap))
        self.context = context
        self.services = services
        self.session_id: str | None = None
        self.actor: Actor | None = None
        self.display_name = ""
        self.idle_seconds = 600
        self.last_input = time.monotonic()
        self.locked = False
        self.title = f"nozei — {context.municipality_name}"
        self.sub_title = _("デモ") if context.is_demo else _("収滞納管理システム")

    def _fatal_error(self) -> None:
        """An unexpected error ends the app without Textual's default report, which
        prints every frame's local variables — personal data would reach the terminal
        and its scrollback. Only the error's type and where it happened are shown."""
        import sys
        import traceback

        from rich.text import Text

        exc = sys.exc_info()[1] or self._exception
        where = ""
        if exc is not None and exc.__traceback__ is not None:
            frames = traceback.extract_tb(exc.__traceback__)
            where = "\n".join(f"  {f.filename}:{f.lineno} {f.name}" for f in frames[-6:])
        kind = type(exc).__name__ if exc is not None else "Error"
        self.bell()
        self._exit_renderables.append(Text(
            _("内部エラーのため終了しました（{kind}）。システム管理者に連絡してください").format(kind=kind) + "\n" + where))
        self._close_messages_no_wait()

    def on_mount(self) -> None:
        self.push_screen(LoginScreen())
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.last_input = time.monotonic()
        await super().on_event(event)

    # -- signing in and out ---------------------------------------------
    def signed_in(self, result: LoginResult) -> None:
        self.session_id = result.session_id
        self.actor = result.actor
        self.display_name = result.display_name
        self.last_input = time.monotonic()
        self._load_idle()
        if result.must_change_password:
            self.switch_screen(ChangePasswordScreen(result.change_reason))
        else:
            self.switch_screen(HomeScreen(self.context))

    @work(thread=True, group="session")
    def _load_idle(self) -> None:
        self.idle_seconds = self.services.idle_seconds

    def password_changed(self) -> None:
        self.notify(_("パスワードを変更しました"))
        self._refresh_actor()

    @work(thread=True, group="session")
    def _refresh_actor(self) -> None:
        self._guarded(lambda actor: self.call_from_thread(self._to_home, actor))

    def _to_home(self, actor: Actor) -> None:
        self.actor = actor
        self.switch_screen(HomeScreen(self.context))

    def _guarded(self, then: object) -> None:
        """Run the session guard (in a worker thread) and route its outcome."""
        assert self.session_id is not None
        try:
            actor = self.services.guard(self.session_id)
        except SessionLocked as exc:
            self.call_from_thread(self._lock, str(exc))
        except SessionEnded as exc:
            self.call_from_thread(self.session_over, str(exc))
        else:
            if callable(then):
                then(actor)

    def session_over(self, message: str) -> None:
        self.session_id = None
        self.actor = None
        self.locked = False
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen(notice=message))

    def action_logout(self) -> None:
        if self.session_id is None:
            return
        self._logout(self.session_id)

    @work(thread=True, group="session")
    def _logout(self, session_id: str) -> None:
        try:
            self.services.logout(session_id)
        except NozeiError as exc:  # the session may already be over
            self.call_from_thread(self.notify, str(exc), severity="warning")
        self.call_from_thread(self.session_over, _("ログアウトしました"))

    # -- idle lock -------------------------------------------------------
    def check_idle_lock(self) -> None:
        if self.session_id is None or self.locked:
            return
        if time.monotonic() - self.last_input >= self.idle_seconds:
            self._idle_guard()

    @work(thread=True, exclusive=True, group="idle")
    def _idle_guard(self) -> None:
        self._guarded(None)

    def _lock(self, message: str) -> None:
        if self.locked:
            return
        self.locked = True
        self.push_screen(LockScreen(message), callback=self._unlocked)

    def _unlocked(self, _result: None) -> None:
        self.locked = False
        self.last_input = time.monotonic()

    def action_command_palette(self) -> None:
        """Ctrl+P: only for a signed-in, unlocked session (the palette opens areas)."""
        if self.actor is None or self.locked:
            return
        super().action_command_palette()

    def action_help(self) -> None:
        """F1: every key of the current screen with what it does."""
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))
