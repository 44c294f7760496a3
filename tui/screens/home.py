"""メインメニュー (for now: who is signed in, the municipality, the demo banner, the way out)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tui.compose import AppContext
from tui.i18n import _

__all__ = ["HomeScreen"]


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+l", "app.logout", _("ログアウト"), id="home.logout"),
        Binding("f1", "app.help", _("ヘルプ"), id="home.help"),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header(show_clock=True)
        if self.context.is_demo:
            yield Static(_("デモ") + "　" + _("これは架空の団体のデモデータです"), id="demo-banner")
        with Vertical(id="home-body"):
            yield Static(
                f"{self.context.municipality_name}（{_('団体コード')} {self.context.municipality_code}）",
                id="municipality",
            )
            yield Static(_("収滞納管理システム"), id="system-name")
            actor = getattr(app, "actor", None)
            if actor is not None:
                yield Static(f"{_('利用者')}: {getattr(app, 'display_name', '')}（{actor.user_id}）", id="user")
            yield Static(f"{_('データベース')}: {self.context.database_label}", id="database")
            yield Static(f"{_('端末')}: {self.context.terminal_id}", id="terminal")
        yield Footer()
