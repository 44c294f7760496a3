"""F1 ヘルプ: the keys of the screen underneath, each with its description."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.i18n import _

__all__ = ["HelpScreen", "key_label"]


def key_label(key: str) -> str:
    return "+".join(part.capitalize() if len(part) > 1 else part for part in key.split("+"))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1", "close", _("閉じる"), id="help.close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        rows: list[str] = []
        seen: set[tuple[str, str]] = set()
        bindings = [b for bs in self.under._bindings.key_to_bindings.values() for b in bs]  # noqa: SLF001
        bindings += [b for bs in self.app._bindings.key_to_bindings.values() for b in bs]  # noqa: SLF001
        for binding in bindings:
            if not binding.description or (binding.key, binding.description) in seen:
                continue
            seen.add((binding.key, binding.description))
            rows.append(f"{key_label(binding.key):<14} {binding.description}")
        with VerticalScroll(id="help-box"):
            yield Static(_("キー操作"), id="help-title")
            yield Static("\n".join(rows) or _("この画面に固有のキーはありません"), markup=False)
            yield Static(_("Esc / F1: 閉じる"))

    def action_close(self) -> None:
        self.dismiss(None)
