"""還付・充当: open overpayments; c: 充当 (preview, then confirm), d: 起案 of the refund,
w: the refund workflow list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from core.services.appropriation import AppropriationPlan, appropriate, preview_appropriation
from core.services.refunds import Account, OverpaymentLine, draft_refund, list_overpayments
from tui.i18n import N_, _
from tui.screens.base import BusinessScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import CAUSE_LABELS, wareki, yen
from tui.widgets import FieldInput, field_values, focus_next

__all__ = ["OverpaymentsScreen", "DraftScreen", "METHODS"]

METHODS: dict[str, tuple[str, str]] = {
    "1": ("registered", N_("登録口座（口座振替の口座）")),
    "2": ("submitted", N_("口座振込依頼書の口座")),
    "3": ("koukin", N_("公金受取口座（本人の申出・中間サーバー端末の回答を入力）")),
    "4": ("cash", N_("窓口で現金")),
}
_ACCOUNT_FIELDS = (("bank_code", N_("金融機関コード（4桁）")), ("branch_code", N_("支店コード（3桁）")),
                   ("account_type", N_("預金種目（1普通 2当座）")), ("account_no", N_("口座番号（7桁）")),
                   ("holder_kana", N_("口座名義（カナ）")))


class DraftScreen(ModalScreen[dict[str, str] | None]):
    """起案: choose the method (1–4), then the account when one is typed in, then the date."""

    BINDINGS = [Binding("escape", "cancel", _("やめる"), id="draft.cancel")]

    def __init__(self, line: OverpaymentLine, today: str) -> None:
        super().__init__()
        self.line = line
        self.today = today
        self.method: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="resolve-box"):
            yield Static(_("還付の起案　過誤納 {id}　{amount}円").format(
                id=self.line.item.id, amount=yen(self.line.item.remaining)), id="resolve-title")
            yield Static("\n".join(f"{k}: {_(label)}" for k, (_m, label) in METHODS.items()), id="draft-methods")
            with Horizontal(classes="field-row"):
                yield Label(_("支払方法（1〜4）"), classes="field-label")
                yield FieldInput(id="d-method", classes="field-input")
            for key, label in _ACCOUNT_FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(_(label), classes="field-label")
                    yield FieldInput(id=f"d-{key}", classes="field-input", disabled=True)
            with Horizontal(classes="field-row"):
                yield Label(_("支払予定日"), classes="field-label")
                yield FieldInput(id="d-pay_on", classes="field-input", value=self.today)
            yield Static(_("Enter: 次へ／起案　Esc: やめる"))

    def on_mount(self) -> None:
        self.query_one("#d-method", Input).focus()

    def advance_from(self, field: Input) -> None:
        if field.id == "d-method":
            choice = METHODS.get(field.value.strip())
            if choice is None:
                self.notify(_("1〜4で選んでください"), severity="error")
                return
            self.method = choice[0]
            typed = self.method in ("submitted", "koukin")
            for key, _label in _ACCOUNT_FIELDS:
                self.query_one(f"#d-{key}", Input).disabled = not typed
            self.query_one("#d-bank_code" if typed else "#d-pay_on", Input).focus()
            return
        if not focus_next(self, field) and self.method is not None:
            values = field_values(self, "d-")
            values.pop("method", None)
            self.dismiss({"method": self.method, **values})

    def action_cancel(self) -> None:
        self.dismiss(None)


class OverpaymentsScreen(BusinessScreen):
    BINDINGS = [
        Binding("c", "appropriate", _("充当"), id="overpayments.appropriate"),
        Binding("d", "draft", _("還付の起案"), id="overpayments.draft"),
        Binding("w", "workflow", _("還付の状況"), id="overpayments.workflow"),
        Binding("f5", "reload", _("再表示"), id="overpayments.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[OverpaymentLine] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("過誤納（充当・還付待ち）"), id="suspense-title")
        yield DataTable(id="over-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="suspense-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#over-table", DataTable).add_columns(
            _("番号"), _("宛名番号"), _("原因"), _("発生日"), _("過誤納額"), _("残額"), _("請求権の消滅"))
        self.action_reload()

    def action_reload(self) -> None:
        self.call(list_overpayments, then=self._show)

    def _show(self, result: tuple[list[OverpaymentLine], bool]) -> None:
        self.lines, more = result
        table = self.query_one("#over-table", DataTable)
        table.clear()
        for line in self.lines:
            i = line.item
            table.add_row(str(i.id), line.atena_no, _(CAUSE_LABELS.get(i.cause.value, i.cause.value)),
                          wareki(i.arisen_on), yen(i.amount), yen(i.remaining), wareki(line.lapses_on), key=str(i.id))
        self.query_one("#suspense-status", Static).update(
            _("{n}件").format(n=len(self.lines)) + (_("（ほかにもあります）") if more else "") + "　"
            + _("c: 充当（未納があれば必須）　d: 還付の起案　w: 還付の状況"))
        table.focus()

    def _current(self) -> OverpaymentLine | None:
        table = self.query_one("#over-table", DataTable)
        return self.lines[table.cursor_row] if self.lines else None

    def action_appropriate(self) -> None:
        line = self._current()
        if line is None:
            return
        today = self.app.services.today()  # type: ignore[attr-defined]
        self.call(preview_appropriation, line.item.id, on=today, then=lambda plan: self._confirm(plan, today))

    def _confirm(self, plan: AppropriationPlan, today: object) -> None:
        if not plan.lines:
            self.notify(_("充当する未納はありません。還付を起案できます（d）"))
            return
        detail = "\n".join(_("{y}年度 {tax} 第{p}期　充当適状日 {d}　本税 {h}円 延滞金 {e}円 手数料 {f}円").format(
            y=x.fiscal_year, tax=x.tax_name, p=x.period, d=wareki(x.on), h=yen(x.honzei), e=yen(x.entaikin),
            f=yen(x.fee)) for x in plan.lines)
        detail += "\n" + _("充当計 {t}円　残り（還付へ） {r}円").format(t=yen(plan.total), r=yen(plan.remainder))

        def answer(yes: bool | None) -> None:
            if yes:
                self.call(appropriate, plan.overpayment_id, on=today, expected_total=plan.total,
                          then=lambda _p: (self.notify(_("充当しました")), self.action_reload()))

        self.app.push_screen(ConfirmScreen(_("この内容で充当しますか？"), detail), callback=answer)

    def action_draft(self) -> None:
        line = self._current()
        if line is None:
            return
        today = self.app.services.today()  # type: ignore[attr-defined]

        def drafted(values: dict[str, str] | None) -> None:
            if values is None:
                return
            from core.dates import parse_date

            try:
                pay_on = parse_date(values.get("pay_on", ""))
            except ValueError as exc:
                self.show_error(str(exc))
                return
            account = None
            if values["method"] in ("submitted", "koukin"):
                account = Account(values.get("bank_code", ""), values.get("branch_code", ""),
                                  values.get("account_type", ""), values.get("account_no", ""),
                                  values.get("holder_kana", ""))
            self.call(draft_refund, line.item.id, method=values["method"], pay_on=pay_on, today=today,
                      account=account, then=lambda rid: (self.notify(_("還付 {id} を起案しました（決裁待ち）").format(id=rid)),
                                                         self.action_reload()))

        self.app.push_screen(DraftScreen(line, today.isoformat()), callback=drafted)

    def action_workflow(self) -> None:
        from tui.screens.refunds import RefundsScreen

        self.app.push_screen(RefundsScreen())
