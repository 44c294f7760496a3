"""領収証書 (the receipt data of a counter payment), shown after the payment."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from core.services.counter import Receipt
from tui.i18n import _
from tui.text import safe, wareki, yen

__all__ = ["ReceiptScreen"]


class ReceiptScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", _("閉じる"), id="receipt.close"),
        Binding("enter", "close", _("閉じる"), id="receipt.close.enter", show=False),
    ]

    def __init__(self, receipt: Receipt) -> None:
        super().__init__()
        self.receipt = receipt

    def compose(self) -> ComposeResult:
        r = self.receipt
        with Vertical(id="receipt-box"):
            yield Static(_("領収証書"), id="receipt-title")
            yield Static(_("領収番号 {no}　領収日 {d}").format(no=r.receipt_no, d=wareki(r.on)), markup=False)
            yield Static(_("宛名番号 {a}　{n} 様").format(a=r.atena_no, n=safe(r.taxpayer_name)), markup=False)
            for line in r.lines:
                yield Static(_("{y}年度 {tax} 第{p}期（{no}）本税 {h}円 延滞金 {e}円 督促手数料 {f}円").format(
                    y=line.fiscal_year, tax=line.tax_name, p=line.period, no=line.notice_no, h=yen(line.honzei),
                    e=yen(line.entaikin), f=yen(line.fee)), markup=False)
            yield Static(_("合計 {a}円　預り金 {r}円　お釣り {c}円").format(
                a=yen(r.amount), r=yen(r.received), c=yen(r.change)), id="receipt-total", markup=False)
            yield Static(_("取扱者 {o}　端末 {t}").format(o=r.operator, t=r.terminal or ""), markup=False)
            yield Static(_("Enter / Esc: 閉じる"), id="receipt-keys")

    def action_close(self) -> None:
        self.dismiss(None)
