"""領収証書 (the receipt data of a counter payment), shown after the payment."""

from __future__ import annotations

from typing import Any

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
        Binding("o", "print", _("領収証書を印刷"), id="receipt.print"),
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
            yield Static(_("o: 印刷（PDF）　Enter / Esc: 閉じる"), id="receipt-keys")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_print(self) -> None:
        """The 領収証書 as a PDF in ``documents/`` (export rule; audited by the service)."""
        self.run_worker(self._print, thread=True, group="service")

    def _print(self) -> None:
        from core.errors import NozeiError
        from core.services.documents import print_receipt

        app: Any = self.app
        try:
            written = app.services.run(app.session_id, print_receipt, self.receipt.payment_id,
                                       writer=app.services.document_writer(), received=self.receipt.received)
        except NozeiError as exc:
            app.call_from_thread(self.notify, str(exc), severity="error", title=_("エラー"))
        else:
            app.call_from_thread(self.notify, _("領収証書を出力しました: documents/{f}").format(f=written.file_name))
