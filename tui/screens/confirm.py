"""はい／いいえ の確認 (y / n / Escape)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.i18n import _

__all__ = ["ConfirmScreen"]


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", _("はい"), id="confirm.yes"),
        Binding("n", "answer(False)", _("いいえ"), id="confirm.no"),
        Binding("escape", "answer(False)", _("やめる"), id="confirm.cancel"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question")
            if self.detail:
                yield Static(self.detail, id="confirm-detail")
            yield Static(_("y: はい　n: いいえ　Esc: やめる"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
