"""パスワード変更（初回・リセット後・有効期限切れは必須）。"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from core.errors import NozeiError
from tui.i18n import _

__all__ = ["ChangePasswordScreen"]



def _reason_text(reason: str | None) -> str:
    if reason == "initial_or_reset":
        return _("初回ログインまたはリセット後のため、パスワードの変更が必要です")
    if reason == "expired":
        return _("パスワードの有効期限が切れました。変更してください")
    return _("パスワードを変更します")


class ChangePasswordScreen(Screen[None]):
    BINDINGS = [Binding("ctrl+q", "app.logout", _("ログアウト"), id="passwd.logout")]

    def __init__(self, reason: str | None) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="login-box"):
            yield Static(_reason_text(self.reason), id="passwd-reason")
            yield Label(_("現在のパスワード"))
            yield Input(id="current", password=True)
            yield Label(_("新しいパスワード（12文字以上。よく使われるもの・IDや氏名を含むもの・直近5回のものは不可）"))
            yield Input(id="new", password=True)
            yield Label(_("新しいパスワード（確認）"))
            yield Input(id="again", password=True)
            yield Static("", id="passwd-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#current", Input).focus()

    @on(Input.Submitted, "#current")
    def _next1(self) -> None:
        self.query_one("#new", Input).focus()

    @on(Input.Submitted, "#new")
    def _next2(self) -> None:
        self.query_one("#again", Input).focus()

    @on(Input.Submitted, "#again")
    def _submit(self) -> None:
        current, new, again = (self.query_one(f"#{i}", Input).value for i in ("current", "new", "again"))
        if new != again:
            self._fail(_("確認のパスワードが一致しません"))
            return
        self._change(current, new)

    @work(thread=True, exclusive=True, group="passwd")
    def _change(self, current: str, new: str) -> None:
        try:
            self.app.services.change_password(self.app.session_id, current, new)  # type: ignore[attr-defined]
        except NozeiError as exc:
            self.app.call_from_thread(self._fail, str(exc))
        else:
            self.app.call_from_thread(self.app.password_changed)  # type: ignore[attr-defined]

    def _fail(self, message: str) -> None:
        for i in ("new", "again"):
            self.query_one(f"#{i}", Input).value = ""
        self.query_one("#passwd-message", Static).update(message)
        self.query_one("#new", Input).focus()
