"""窓口収納: pick the periods (Space), quote them as of today with 延滞金 (F5), enter the
amount and the cash handed over, confirm (y/n), and the receipt (領収証書) is shown."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from core.services.account import TaxpayerAccount
from core.services.counter import CounterQuote, Receipt, counter_pay, counter_quote
from core.services.taxpayer_view import TaxpayerView
from tui.i18n import _
from tui.screens.base import BusinessScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import safe, wareki, yen
from tui.widgets import FieldInput

__all__ = ["CounterScreen", "parse_yen"]


def parse_yen(text: str) -> int | None:
    """``12,300`` / ``１２３００`` → 12300; anything else (also 1000億円 or more) → None."""
    import unicodedata

    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    digits = cleaned.lstrip("0")
    if not (cleaned.isascii() and cleaned.isdigit()) or len(digits) > 11:  # int() of 4,301 digits raises
        return None
    return int(digits or "0")


class CounterScreen(BusinessScreen):
    BINDINGS = [
        Binding("space", "toggle", _("選択"), id="counter.toggle"),
        Binding("a", "select_all", _("全選択"), id="counter.all"),
        Binding("f5", "quote", _("見積"), id="counter.quote"),
        Binding("f9", "pay", _("収納"), id="counter.pay"),
        Binding("ctrl+s", "pay", _("収納"), id="counter.pay.alt", show=False),
    ]

    def __init__(self, view: TaxpayerView, account: TaxpayerAccount) -> None:
        super().__init__()
        self.view = view
        self.lines = sorted((p for p in account.periods if p.total_due > 0 and not p.prescribed),
                            key=lambda p: (p.statutory_due_date, p.due_date, p.assessment_id))  # oldest first
        self.selected: set[int] = set()
        self.quote: CounterQuote | None = None

    def compose(self) -> ComposeResult:
        t = self.view.taxpayer
        yield Header(show_clock=True)
        yield Static(_("窓口収納　{atena}　{name}").format(atena=t.atena_no, name=safe(t.name)), id="counter-title",
                     markup=False)
        yield DataTable(id="counter-table", cursor_type="row", zebra_stripes=True)
        yield Static(_("Space: 期別を選ぶ　a: 全部　F5: 本日の延滞金で見積"), id="counter-status")
        with Horizontal(classes="field-row"):
            yield Label(_("納付額"), classes="field-label")
            yield FieldInput(id="amount", classes="field-input")
        with Horizontal(classes="field-row"):
            yield Label(_("預り金"), classes="field-label")
            yield FieldInput(id="received", classes="field-input")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#counter-table", DataTable)
        table.add_columns(" ", _("年度"), _("税目"), _("期"), _("納期限"), _("本税"), _("延滞金"), _("手数料"), _("計"))
        self._fill_table()
        table.focus()
        if not self.lines:
            self.query_one("#counter-status", Static).update(_("未納の期別はありません"))

    def _fill_table(self) -> None:
        table = self.query_one("#counter-table", DataTable)
        row = table.cursor_row
        table.clear()
        quoted = {q.assessment_id: q for q in self.quote.lines} if self.quote else {}
        for p in self.lines:
            q = quoted.get(p.assessment_id)
            honzei, entaikin, fee = (q.honzei, q.entaikin, q.fee) if q else (p.honzei_due, p.entaikin_due, p.fee_due)
            table.add_row("●" if p.assessment_id in self.selected else "", str(p.fiscal_year), p.tax_name,
                          str(p.period), wareki(p.due_date), yen(honzei), yen(entaikin), yen(fee),
                          yen(honzei + entaikin + fee), key=str(p.assessment_id))
        if self.lines:
            table.move_cursor(row=min(row, len(self.lines) - 1))

    def action_toggle(self) -> None:
        table = self.query_one("#counter-table", DataTable)
        if not self.lines or not table.has_focus:
            return
        aid = self.lines[table.cursor_row].assessment_id
        self.selected.symmetric_difference_update({aid})
        self.quote = None
        self._fill_table()

    def action_select_all(self) -> None:
        if self.query_one("#counter-table", DataTable).has_focus:
            self.selected = {p.assessment_id for p in self.lines}
            self.quote = None
            self._fill_table()

    def action_quote(self) -> None:
        if not self.selected:
            self.show_error(_("納付する期別を Space で選んでください"))
            return
        today = self.app.services.today()  # type: ignore[attr-defined]
        self.call(counter_quote, self.view.taxpayer.id, sorted(self.selected), on=today, then=self._quoted)

    def _quoted(self, quote: CounterQuote) -> None:
        self.quote = quote
        self._fill_table()
        self.query_one("#counter-status", Static).update(
            _("合計 {t}円（本日 {d} 現在の延滞金を含む）　納付額と預り金を入れて F9").format(
                t=yen(quote.total), d=wareki(quote.on)))
        amount = self.query_one("#amount", Input)
        amount.value = str(quote.total)
        amount.focus()

    def advance_from(self, field: Input) -> None:
        if field.id == "amount":
            self.query_one("#received", Input).focus()
        else:
            self.action_pay()

    def action_pay(self) -> None:
        if self.quote is None:
            self.show_error(_("先に F5 で見積もってください"))
            return
        amount = parse_yen(self.query_one("#amount", Input).value)
        received_text = self.query_one("#received", Input).value
        received = parse_yen(received_text) if received_text.strip() else amount
        if amount is None or amount <= 0 or received is None:
            self.show_error(_("金額は数字で入力してください"))
            return
        quote = self.quote
        detail = _("納付額 {a}円　預り金 {r}円　お釣り {c}円").format(
            a=yen(amount), r=yen(received), c=yen(max(0, received - amount)))

        def answer(yes: bool | None) -> None:
            if yes:
                self.call(counter_pay, self.view.taxpayer.id, sorted(self.selected), on=quote.on, amount=amount,
                          received=received, expected_total=quote.total, then=self._paid, failed=self._refused)

        self.app.push_screen(ConfirmScreen(_("この内容で収納しますか？"), detail), callback=answer)

    def _refused(self, message: str) -> None:
        self.quote = None
        self.show_error(message)

    def _paid(self, receipt: Receipt) -> None:
        from tui.screens.receipt import ReceiptScreen

        self.app.push_screen(ReceiptScreen(receipt), callback=lambda _r: self.dismiss(None))

    @on(DataTable.RowSelected, "#counter-table")
    def _enter(self, _event: DataTable.RowSelected) -> None:
        self.action_toggle()
