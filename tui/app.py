"""The Textual application."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from tui.compose import AppContext
from tui.i18n import _
from tui.screens.home import HomeScreen

__all__ = ["NozeiApp"]


class NozeiApp(App[None]):
    TITLE = "nozei"
    CSS = """
    #demo-banner { background: $warning; color: $text; text-style: bold; padding: 0 1; }
    #home-body { padding: 1 2; }
    #municipality { text-style: bold; }
    """
    BINDINGS = [Binding("ctrl+q", "quit", _("終了"), id="app.quit", priority=True)]

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.title = f"nozei — {context.municipality_name}"
        self.sub_title = _("デモ") if context.is_demo else _("収滞納管理システム")

    def on_mount(self) -> None:
        self.push_screen(HomeScreen(self.context))

    def action_help(self) -> None:
        self.notify(_("q: 終了　F1: ヘルプ"), title=_("ヘルプ"))
