"""A short reason asked before an action that changes money (取消 etc.)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.i18n import _

__all__ = ["ReasonScreen"]


class ReasonScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", _("やめる"), id="reason.cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(id="resolve-box"):
            yield Static(self.heading, id="resolve-title", markup=False)
            yield Label(_("理由"))
            yield Input(id="reason-text", max_length=200)
            yield Static(_("Enter: 次へ　Esc: やめる"))

    def on_mount(self) -> None:
        self.query_one("#reason-text", Input).focus()

    @on(Input.Submitted, "#reason-text")
    def _done(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
