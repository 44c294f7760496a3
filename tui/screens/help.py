"""F1 ヘルプ: the keys of the screen underneath, each with its description — the keys in
effect, i.e. after the user's keymap (``keymap.toml``) has been applied."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.i18n import _
from tui.keymap import effective_keys

__all__ = ["HelpScreen", "key_label", "help_rows"]


def key_label(key: str) -> str:
    return "+".join(part.capitalize() if len(part) > 1 else part for part in key.strip().split("+"))


def help_rows(under: Screen[object]) -> list[tuple[str, str]]:
    """(keys, description) for every described binding of *under* and the app, keymap applied."""
    app = under.app
    keymap = getattr(app, "_keymap", {}) or {}
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    bindings = [b for bs in under._bindings.key_to_bindings.values() for b in bs]  # noqa: SLF001
    bindings += [b for bs in app._bindings.key_to_bindings.values() for b in bs]  # noqa: SLF001
    for binding in bindings:
        keys = effective_keys(binding, keymap)
        if not binding.description or (keys, binding.description) in seen:
            continue
        seen.add((keys, binding.description))
        rows.append((" / ".join(key_label(k) for k in keys.split(",")), binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1", "close", _("閉じる"), id="help.close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        rows = [f"{keys:<14} {description}" for keys, description in help_rows(self.under)]
        with VerticalScroll(id="help-box"):
            yield Static(_("キー操作"), id="help-title")
            yield Static("\n".join(rows) or _("この画面に固有のキーはありません"), markup=False)
            yield Static(_("Esc / F1: 閉じる"))

    def action_close(self) -> None:
        self.dismiss(None)
