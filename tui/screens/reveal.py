"""個人番号の表示: the purpose is asked and logged; the number is shown until closed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from core.errors import NozeiError
from core.services.taxpayer_view import reveal_my_number
from tui.i18n import _

__all__ = ["RevealScreen"]


class RevealScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", _("閉じる"), id="reveal.close")]

    def __init__(self, taxpayer_id: int) -> None:
        super().__init__()
        self.taxpayer_id = taxpayer_id

    def compose(self) -> ComposeResult:
        with Vertical(id="reveal-box"):
            yield Static(_("個人番号の表示（記録されます）"), id="reveal-title")
            yield Label(_("利用目的"))
            yield Input(id="purpose", placeholder=_("例: 課税資料との照合"))
            yield Static("", id="reveal-number")
            yield Static(_("Enter: 表示　Esc: 閉じる"), id="reveal-keys")

    def on_mount(self) -> None:
        self.query_one("#purpose", Input).focus()

    @on(Input.Submitted, "#purpose")
    def _submit(self, event: Input.Submitted) -> None:
        purpose = event.value
        app = self.app

        def work() -> None:
            try:
                number = app.services.run(app.session_id, reveal_my_number, self.taxpayer_id, purpose)  # type: ignore[attr-defined]
            except NozeiError as exc:
                app.call_from_thread(self.query_one("#reveal-number", Static).update, str(exc))
            else:
                shown = f"{number[:4]}-{number[4:8]}-{number[8:]}"
                app.call_from_thread(self.query_one("#reveal-number", Static).update, shown)

        self.run_worker(work, thread=True, group="reveal")

    def action_close(self) -> None:
        self.dismiss(None)
