"""還付の状況 and 決裁: the refund workflow. An approver sees the drafts of others
(y: 決裁, r: 差戻し); a refund clerk pays cash at a counter (g), writes today's 総合振込 file
(F9), prints the 還付通知書 (o) and records the notice (n). Files go to ``documents/``
under the export rule."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from core.domain.refund import Refund
from core.security.permissions import Permission
from core.services.refunds import approval_queue, approve_refund, list_refunds, mark_notified, pay_cash, return_refund
from tui.i18n import _
from tui.screens.base import BusinessScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import REFUND_METHODS, REFUND_STATES, wareki, yen

__all__ = ["RefundsScreen"]


class RefundsScreen(BusinessScreen):
    BINDINGS = [
        Binding("y", "approve", _("決裁"), id="refunds.approve"),
        Binding("r", "send_back", _("差戻し"), id="refunds.return"),
        Binding("g", "pay_cash", _("現金で支払"), id="refunds.cash"),
        Binding("n", "notified", _("通知済にする"), id="refunds.notified"),
        Binding("o", "notice", _("還付通知書"), id="refunds.notice"),
        Binding("f9", "transfer_file", _("総合振込ファイル"), id="refunds.transfer_file"),
        Binding("f5", "reload", _("再表示"), id="refunds.reload"),
    ]

    def __init__(self, *, approvals: bool = False) -> None:
        super().__init__()
        self.approvals = approvals
        self.refunds: list[Refund] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("還付の決裁待ち") if self.approvals else _("還付の状況"), id="suspense-title")
        yield DataTable(id="refunds-list", cursor_type="row", zebra_stripes=True)
        yield Static("", id="suspense-status")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        actor = getattr(self.app, "actor", None)
        needs = {"approve": Permission.REFUND_APPROVE, "send_back": Permission.REFUND_APPROVE,
                 "pay_cash": Permission.REFUND_PAY, "notified": Permission.REFUND_PAY,
                 "notice": Permission.REFUND_DRAFT, "transfer_file": Permission.REFUND_PAY}
        if action in needs:
            return actor is not None and actor.can(needs[action])
        return True

    def on_mount(self) -> None:
        self.query_one("#refunds-list", DataTable).add_columns(
            _("番号"), _("状態"), _("支払方法"), _("還付額"), _("加算金"), _("支払予定日"), _("起案者"), _("決裁者"))
        self.action_reload()

    def action_reload(self) -> None:
        self.call(approval_queue if self.approvals else list_refunds, then=self._show)

    def _show(self, refunds: list[Refund]) -> None:
        self.refunds = refunds
        table = self.query_one("#refunds-list", DataTable)
        table.clear()
        for r in refunds:
            table.add_row(str(r.id), _(REFUND_STATES[r.state.value]), _(REFUND_METHODS[r.method.value]), yen(r.amount),
                          yen(r.kasankin), wareki(r.pay_on), r.drafted_by, r.approved_by or "", key=str(r.id))
        self.query_one("#suspense-status", Static).update(_("{n}件").format(n=len(refunds)))
        table.focus()

    def _current(self) -> Refund | None:
        table = self.query_one("#refunds-list", DataTable)
        return self.refunds[table.cursor_row] if self.refunds else None

    def _then(self, message: str):  # type: ignore[no-untyped-def]
        return lambda _r: (self.notify(message), self.action_reload())

    def _confirmed(self, question: str, detail: str, run) -> None:  # type: ignore[no-untyped-def]
        self.app.push_screen(ConfirmScreen(question, detail), callback=lambda yes: run() if yes else None)

    def action_approve(self) -> None:
        r = self._current()
        if r is None:
            return
        today = self.app.services.today()  # type: ignore[attr-defined]
        self._confirmed(_("還付 {id} を決裁しますか？").format(id=r.id),
                        _("還付額 {a}円（加算金は決裁日で計算）").format(a=yen(r.amount)),
                        lambda: self.call(approve_refund, r.id, on=today, then=self._then(_("決裁しました"))))

    def action_send_back(self) -> None:
        r = self._current()
        if r is not None:
            self._confirmed(_("還付 {id} を差し戻しますか？").format(id=r.id), "",
                            lambda: self.call(return_refund, r.id, reason="差戻し",
                                              then=self._then(_("差し戻しました"))))

    def action_pay_cash(self) -> None:
        r = self._current()
        if r is None:
            return
        today = self.app.services.today()  # type: ignore[attr-defined]
        self._confirmed(_("還付 {id} を現金で支払いますか？").format(id=r.id),
                        _("支払額 {t}円").format(t=yen(r.total)),
                        lambda: self.call(pay_cash, r.id, on=today, then=self._then(_("支払いました"))))

    def action_notified(self) -> None:
        r = self._current()
        if r is None:
            return
        today = self.app.services.today()  # type: ignore[attr-defined]
        self.call(mark_notified, r.id, on=today, then=self._then(_("通知済にしました")))

    def action_notice(self) -> None:
        r = self._current()
        if r is None:
            return
        from core.services.documents import print_refund_notice

        today = self.app.services.today()  # type: ignore[attr-defined]
        writer = self.app.services.document_writer()  # type: ignore[attr-defined]
        self.call(print_refund_notice, r.id, on=today, writer=writer,
                  then=lambda w: self.notify(_("還付通知書を出力しました: documents/{f}").format(f=w.file_name)))

    def action_transfer_file(self) -> None:
        today = self.app.services.today()  # type: ignore[attr-defined]
        self._confirmed(_("{d} 支払の還付の総合振込ファイルを作成しますか？").format(d=wareki(today)),
                        _("決裁済の口座振込の還付が支出済になります"),
                        lambda: self.run_worker(lambda: self._transfer_file(today), thread=True, group="service"))

    def _transfer_file(self, pay_on) -> None:  # type: ignore[no-untyped-def]
        from core.errors import NozeiError

        app = self.app
        try:
            run, path = app.services.refund_transfer_file(app.session_id, pay_on)  # type: ignore[attr-defined]
        except NozeiError as exc:
            app.call_from_thread(self.show_error, str(exc))
        else:
            app.call_from_thread(self._written, run, path)

    def _written(self, run, path) -> None:  # type: ignore[no-untyped-def]
        self.notify(_("総合振込ファイルを作成しました: {p}（{n}件 {t}円）").format(p=path, n=len(run.refunds),
                                                                      t=yen(run.total)))
        self.action_reload()
