"""画面ロック: 何も見せず、パスワードだけを求める。"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from core.errors import NozeiError
from core.services.auth import SessionEnded
from tui.i18n import _

__all__ = ["LockScreen"]


class LockScreen(Screen[None]):
    """Covers everything; the screen below is not rendered while this one is active."""

    BINDINGS = [Binding("ctrl+q", "app.logout", _("ログアウト"), id="lock.logout")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static(_("画面ロック中"), id="lock-title")
            yield Static(self.message, id="lock-reason")
            yield Label(_("パスワード"))
            yield Input(id="unlock-password", password=True)
            yield Static("", id="lock-message")

    def on_mount(self) -> None:
        self.query_one("#unlock-password", Input).focus()

    @on(Input.Submitted, "#unlock-password")
    def _submit(self, event: Input.Submitted) -> None:
        self._unlock(event.value)
        event.input.value = ""

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self, password: str) -> None:
        try:
            self.app.services.unlock(self.app.session_id, password)  # type: ignore[attr-defined]
        except SessionEnded as exc:
            self.app.call_from_thread(self.app.session_over, str(exc))  # type: ignore[attr-defined]
        except NozeiError as exc:
            self.app.call_from_thread(self.query_one("#lock-message", Static).update, str(exc))
        else:
            self.app.call_from_thread(self.dismiss)
