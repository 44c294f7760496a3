"""未消込の処理: the open items; a: assign to a notice's period, r: 誤納 of a taxpayer,
t: returned to the payer (with its reference number). Each asks for confirmation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from core.domain.ledger import SuspenseItem
from core.services.payments import list_suspense, resolve_suspense
from tui.i18n import N_, _
from tui.screens.base import BusinessScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import CHANNEL_LABELS, wareki, yen
from tui.widgets import FieldInput, field_values, focus_next

__all__ = ["SuspenseScreen", "ResolveScreen"]

REASONS = {"unknown_notice": N_("通知書番号不明"), "already_paid": N_("完納済"), "amount_mismatch": N_("金額相違")}
_ACTIONS = {
    "assign": (N_("期別へ充当"), (("notice_no", N_("通知書番号")), ("period", N_("期別（空欄: 古い期から）")))),
    "refund": (N_("誤納として納税者へ"), (("atena_no", N_("宛名番号")),)),
    "return": (N_("払込人へ返還"), (("note", N_("返還の整理番号")),)),
}


class ResolveScreen(ModalScreen[dict[str, str] | None]):
    """The values one resolution needs; Enter on the last field submits, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", _("やめる"), id="resolve.cancel")]

    def __init__(self, action: str, item: SuspenseItem) -> None:
        super().__init__()
        self.action_name = action
        self.item = item

    def compose(self) -> ComposeResult:
        title, fields = _ACTIONS[self.action_name]
        with Vertical(id="resolve-box"):
            yield Static(_("{title}　{amount}円（{day} 領収）").format(
                title=_(title), amount=yen(self.item.amount), day=wareki(self.item.received_on)), id="resolve-title")
            for key, label in fields:
                with Horizontal(classes="field-row"):
                    yield Label(_(label), classes="field-label")
                    yield FieldInput(id=f"r-{key}", classes="field-input")
            yield Static(_("Enter: 次へ／実行　Esc: やめる"))

    def on_mount(self) -> None:
        self.query(FieldInput).first().focus()

    def advance_from(self, field: Input) -> None:
        if not focus_next(self, field):
            self.dismiss(field_values(self, "r-"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SuspenseScreen(BusinessScreen):
    BINDINGS = [
        Binding("a", "resolve('assign')", _("期別へ充当"), id="suspense.assign"),
        Binding("r", "resolve('refund')", _("誤納として納税者へ"), id="suspense.refund"),
        Binding("t", "resolve('return')", _("返還"), id="suspense.return"),
        Binding("f5", "reload", _("再表示"), id="suspense.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[SuspenseItem] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("未消込の一覧"), id="suspense-title")
        yield DataTable(id="suspense-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="suspense-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#suspense-table", DataTable).add_columns(
            _("番号"), _("領収日"), _("経路"), _("通知書番号"), _("期"), _("金額"), _("理由"), _("レコードキー"))
        self.action_reload()

    def action_reload(self) -> None:
        self.call(list_suspense, limit=500, then=self._show)

    def _show(self, result: tuple[list[SuspenseItem], bool]) -> None:
        self.items, more = result
        table = self.query_one("#suspense-table", DataTable)
        table.clear()
        for item in self.items:
            table.add_row(str(item.id), wareki(item.received_on), _(CHANNEL_LABELS.get(item.channel, item.channel)),
                          item.notice_no or "", str(item.period or ""), yen(item.amount),
                          _(REASONS.get(item.reason.value, item.reason.value)), item.source_key, key=str(item.id))
        status = _("{n}件").format(n=len(self.items)) + (_("（ほかにもあります）") if more else "")
        self.query_one("#suspense-status", Static).update(
            status + "　" + _("a: 期別へ充当　r: 誤納として納税者へ　t: 返還"))
        table.focus()

    def _current(self) -> SuspenseItem | None:
        table = self.query_one("#suspense-table", DataTable)
        return self.items[table.cursor_row] if self.items else None

    def action_resolve(self, action: str) -> None:
        item = self._current()
        if item is None:
            return

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            period_text = values.get("period", "")
            if period_text and not period_text.isdigit():
                self.show_error(_("期別は数字で入力してください"))
                return
            today = self.app.services.today()  # type: ignore[attr-defined]

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.call(resolve_suspense, item.id, action, on=today,
                              notice_no=values.get("notice_no") or None,
                              period=int(period_text) if period_text else None,
                              atena_no=values.get("atena_no") or None, note=values.get("note") or None,
                              then=self._resolved)

            detail = "　".join(v for v in values.values() if v)
            self.app.push_screen(ConfirmScreen(_("{what}（{amount}円）を実行しますか？").format(
                what=_(_ACTIONS[action][0]), amount=yen(item.amount)), detail), callback=confirmed)

        self.app.push_screen(ResolveScreen(action, item), callback=done)

    def _resolved(self, _posting: object) -> None:
        self.notify(_("未消込を処理しました"))
        self.action_reload()

    @on(DataTable.RowSelected, "#suspense-table")
    def _enter(self, _event: DataTable.RowSelected) -> None:
        self.notify(_("a: 期別へ充当　r: 誤納として納税者へ　t: 返還"))
