"""Choose one of a few actions by its digit (1–9); Escape chooses nothing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.i18n import _

__all__ = ["ChoiceScreen"]


class ChoiceScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen #choice-box { width: 72; max-width: 100%; height: auto; max-height: 100%;
                               padding: 0 1; border: round $accent; background: $surface; }
    ChoiceScreen #choice-title { text-style: bold; }
    ChoiceScreen #choice-detail { margin: 1 0; }
    ChoiceScreen #choice-keys { color: $text-muted; }
    """
    BINDINGS = [
        *[Binding(str(k), f"choose({k})", _("番号で選ぶ"), id=f"choice.{k}", show=False) for k in range(1, 10)],
        Binding("escape", "choose(0)", _("やめる"), id="choice.cancel"),
    ]

    def __init__(self, heading: str, options: list[tuple[str, str]], detail: str = "") -> None:
        super().__init__()
        self.heading = heading
        self.options = options
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box"):
            yield Static(self.heading, id="choice-title", markup=False)
            if self.detail:
                yield Static(self.detail, id="choice-detail", markup=False)
            yield Static("\n".join(f"{k}: {text}" for k, (_value, text) in enumerate(self.options, start=1)),
                         id="choice-options", markup=False)
            yield Static(_("番号: 選ぶ　Esc: やめる"), id="choice-keys")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters and isinstance(parameters[0], int):
            return parameters[0] <= len(self.options)
        return True

    def action_choose(self, k: int) -> None:
        self.dismiss(self.options[k - 1][0] if 1 <= k <= len(self.options) else None)
