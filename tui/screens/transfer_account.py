"""口座振替の登録 (from the taxpayer's 口座振替依頼書): bank, branch, type, number,
holder kana, the 税目 it pays and the first debit date."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.i18n import N_, _
from tui.widgets import FieldInput, field_values, focus_next

__all__ = ["TransferAccountScreen", "FIELDS"]

FIELDS: tuple[tuple[str, str], ...] = (
    ("bank_code", N_("金融機関コード（4桁）")), ("branch_code", N_("支店コード（3桁）")),
    ("account_type", N_("預金種目（1普通 2当座）")), ("account_no", N_("口座番号（7桁）")),
    ("holder_kana", N_("口座名義（カナ）")), ("tax_codes", N_("税目（例: 01,03）")), ("start_on", N_("開始日")),
)


class TransferAccountScreen(ModalScreen[dict[str, str] | None]):
    BINDINGS = [Binding("escape", "cancel", _("やめる"), id="transfer_account.cancel")]

    def __init__(self, today: str) -> None:
        super().__init__()
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(id="resolve-box"):
            yield Static(_("口座振替の登録（口座振替依頼書から）"), id="resolve-title")
            yield Static(_("税目: 01 個人住民税　02 法人市民税　03 固定資産税　04 軽自動車税　05 国保税"))
            for key, label in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(_(label), classes="field-label")
                    yield FieldInput(id=f"t-{key}", classes="field-input",
                                     value=self.today if key == "start_on" else "")
            yield Static(_("Enter: 次へ／登録　Esc: やめる"))

    def on_mount(self) -> None:
        self.query_one("#t-bank_code", Input).focus()

    def advance_from(self, field: Input) -> None:
        if not focus_next(self, field):
            self.dismiss(field_values(self, "t-"))

    def action_cancel(self) -> None:
        self.dismiss(None)
