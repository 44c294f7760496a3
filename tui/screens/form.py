"""A small entry form in a modal: labelled fields, Enter moves on (and saves on the
last field), F2 saves from any field, Escape cancels. The caller's *parse* turns the
typed values into what it needs; a ``ValueError`` it raises is shown in the form,
which stays open so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.i18n import _
from tui.widgets import FieldInput, field_values, focus_next

__all__ = ["Field", "FormScreen"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str  # already translated
    value: str = ""
    hint: str = ""  # placeholder
    max_length: int = 0


class FormScreen(ModalScreen[Any]):
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen #form-box { width: 84; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
                           border: round $accent; background: $surface; }
    FormScreen #form-title { text-style: bold; }
    FormScreen #form-notes { color: $text-muted; margin-bottom: 1; }
    FormScreen #form-error { color: $error; }
    FormScreen #form-keys { color: $text-muted; }
    FormScreen #form-listing { margin-top: 1; }
    """
    BINDINGS = [
        Binding("f2", "save", _("保存"), id="form.save"),
        Binding("escape", "cancel", _("やめる"), id="form.cancel"),
    ]

    def __init__(self, heading: str, fields: list[Field], parse: Callable[[dict[str, str]], Any], *,
                 notes: str = "", listing: str = "") -> None:
        super().__init__()
        self.heading = heading
        self.fields = fields
        self.parse = parse
        self.notes = notes  # short: shown above the fields
        self.listing = listing  # long (the numbered periods): shown below them

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-box"):
            yield Static(self.heading, id="form-title", markup=False)
            if self.notes:
                yield Static(self.notes, id="form-notes", markup=False)
            for f in self.fields:
                with Horizontal(classes="field-row"):
                    yield Label(f.label, classes="field-label", markup=False)
                    yield FieldInput(value=f.value, placeholder=f.hint, id=f"form-{f.name}", classes="field-input",
                                     max_length=f.max_length)
            yield Static("", id="form-error", markup=False)
            yield Static(_("Enter: 次へ（最後の欄で保存）　F2: 保存　Esc: やめる"), id="form-keys")
            if self.listing:
                yield Static(self.listing, id="form-listing", markup=False)

    def on_mount(self) -> None:
        self.query(FieldInput).first().focus()

    def advance_from(self, field: Input) -> None:
        if not focus_next(self, field):
            self.action_save()

    def action_save(self) -> None:
        try:
            result = self.parse(field_values(self, "form-"))
        except ValueError as exc:
            self.query_one("#form-error", Static).update(str(exc))
            self.app.bell()
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
