"""ログイン: ID とパスワード、次に確認コード。失敗の理由は言わない。"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from tui.widgets import FieldInput

from core.errors import NozeiError
from core.services.auth import LoginResult
from tui.i18n import _

__all__ = ["LoginScreen"]


class LoginScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "restart", _("やり直す"), id="login.restart"),
        Binding("ctrl+q", "app.quit", _("終了"), id="login.quit"),
    ]

    def __init__(self, *, notice: str | None = None) -> None:
        super().__init__()
        self.notice = notice

    def compose(self) -> ComposeResult:
        context = self.app.context  # type: ignore[attr-defined]
        yield Header()
        if context.is_demo:
            yield Static(_("デモ") + "　" + _("これは架空の団体のデモデータです"), id="demo-banner")
        with Vertical(id="login-box"):
            yield Static(f"{context.municipality_name}　{_('収滞納管理システム')}", id="login-title")
            yield Label(_("ログインID"))
            yield FieldInput(id="login-id", max_length=64)
            yield Label(_("パスワード"))
            yield FieldInput(id="password", password=True, max_length=256)
            yield Label(_("確認コード（6桁）"), id="otp-label")
            yield Input(id="otp", password=True, max_length=8, restrict=r"[0-9０-９]*")
            yield Static(self.notice or "", id="login-message")
            if context.is_demo:
                yield Static(_("デモ: ID clerk など、パスワード nozei-demo-2026、確認コードは `nozei demo-otp clerk`"),
                             id="demo-hint")
        yield Footer()

    def on_mount(self) -> None:
        self._show_otp(False)
        self.query_one("#login-id", Input).focus()

    def _show_otp(self, shown: bool) -> None:
        for selector in ("#otp", "#otp-label"):
            self.query_one(selector).display = shown
        for selector in ("#login-id", "#password"):
            self.query_one(selector, Input).disabled = shown

    def _message(self, text: str) -> None:
        self.query_one("#login-message", Static).update(text)

    def advance_from(self, field: Input) -> None:
        """Enter in the ID or password field: move on at once (type-ahead lands in the next field)."""
        if field.id == "login-id":
            self.query_one("#password", Input).focus()
        elif field.id == "password":
            if not self.query_one("#login-id", Input).value.strip():
                self._message(_("ログインIDを入力してください"))
                self.query_one("#login-id", Input).focus()
                return
            self._message("")
            self._show_otp(True)
            self.query_one("#otp", Input).focus()

    @on(Input.Submitted, "#otp")
    def _submit(self) -> None:
        self.query_one("#otp", Input).disabled = True
        self._message(_("確認しています…"))
        self._login(self.query_one("#login-id", Input).value.strip(),
                    self.query_one("#password", Input).value, self.query_one("#otp", Input).value)

    @work(thread=True, exclusive=True, group="login")
    def _login(self, login_id: str, password: str, otp: str) -> None:
        try:
            result = self.app.services.login(login_id, password, otp)  # type: ignore[attr-defined]
        except NozeiError as exc:
            self.app.call_from_thread(self._failed, str(exc))
        else:
            self.app.call_from_thread(self._succeeded, result)

    def _failed(self, message: str) -> None:
        self.action_restart()
        self._message(message)

    def _succeeded(self, result: LoginResult) -> None:
        self.app.signed_in(result)  # type: ignore[attr-defined]

    def action_restart(self) -> None:
        for selector in ("#password", "#otp"):
            self.query_one(selector, Input).value = ""
        self.query_one("#otp", Input).disabled = False
        self._show_otp(False)
        self._message("")
        self.query_one("#password" if self.query_one("#login-id", Input).value else "#login-id", Input).focus()
