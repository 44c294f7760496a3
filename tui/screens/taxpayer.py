"""納税者の照会: 基本情報, 調定・収納 (per period with 延滞金 as of today and 時効完成日),
収納履歴, 還付・充当, 口座振替, 発行履歴. From here: 窓口収納 (p), revealing the My Number (m)
and the taxpayer's 滞納案件 (k)."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from core.security.permissions import Permission
from core.documents.model import CertificateIssue
from core.services.account import TaxpayerAccount, taxpayer_account
from core.services.case_view import CaseDetail, case_detail, case_of_taxpayer
from core.services.certificates import list_certificates
from core.services.taxpayer_view import TaxpayerView, view_taxpayer
from core.services.transfer import AccountLine, register_account, transfer_accounts
from tui.i18n import _
from tui.screens.base import BusinessScreen
from tui.screens.case_text import CASE_STATUSES, JST, RECORD_KINDS
from tui.text import CERTIFICATE_KINDS, CAUSE_LABELS, CHANNEL_LABELS, OVERPAYMENT_STATES, safe, wareki, yen

__all__ = ["TaxpayerScreen"]

_TABS = ("basic", "periods", "payments", "refunds", "accounts", "certificates", "case")


class TaxpayerScreen(BusinessScreen):
    BINDINGS = [
        Binding("1", "tab('basic')", _("基本情報"), id="taxpayer.tab.basic"),
        Binding("2", "tab('periods')", _("調定・収納"), id="taxpayer.tab.periods"),
        Binding("3", "tab('payments')", _("収納履歴"), id="taxpayer.tab.payments"),
        Binding("4", "tab('refunds')", _("還付・充当"), id="taxpayer.tab.refunds"),
        Binding("5", "tab('accounts')", _("口座振替"), id="taxpayer.tab.accounts"),
        Binding("6", "tab('certificates')", _("発行履歴"), id="taxpayer.tab.certificates"),
        Binding("7", "tab('case')", _("滞納"), id="taxpayer.tab.case"),
        Binding("k", "case", _("滞納案件を開く"), id="taxpayer.case"),
        Binding("t", "register_account", _("口座振替の登録"), id="taxpayer.transfer"),
        Binding("x", "reverse", _("収納の取消"), id="taxpayer.reverse"),
        Binding("p", "counter", _("窓口収納"), id="taxpayer.counter"),
        Binding("m", "reveal", _("個人番号表示"), id="taxpayer.reveal"),
        Binding("f5", "reload", _("再表示"), id="taxpayer.reload"),
    ]

    def __init__(self, taxpayer_id: int) -> None:
        super().__init__()
        self.taxpayer_id = taxpayer_id
        self.view: TaxpayerView | None = None
        self.account: TaxpayerAccount | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("読み込み中…"), id="taxpayer-title", markup=False)  # shows the stored name
        with TabbedContent(id="tabs", initial="periods"):
            with TabPane(_("1 基本情報"), id="basic"):
                yield Vertical(id="basic-body")
            with TabPane(_("2 調定・収納"), id="periods"):
                yield Static("", id="periods-total")
                yield DataTable(id="periods-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("3 収納履歴"), id="payments"):
                yield DataTable(id="payments-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("4 還付・充当"), id="refunds"):
                yield DataTable(id="refunds-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("5 口座振替"), id="accounts"):
                yield DataTable(id="accounts-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("6 発行履歴"), id="certificates"):
                yield DataTable(id="certificates-table", cursor_type="row", zebra_stripes=True)
            if self._may_see_cases():
                with TabPane(_("7 滞納"), id="case"):
                    yield Static(_("読み込み中…"), id="case-body", markup=False)
        yield Footer()

    def _may_see_cases(self) -> bool:
        actor = getattr(self.app, "actor", None)
        return actor is not None and actor.can(Permission.CASE_VIEW)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        actor = getattr(self.app, "actor", None)
        if action == "tab" and parameters == ("case",):
            return self._may_see_cases()
        if action == "counter":
            return actor is not None and actor.can(Permission.PAYMENT_POST)
        if action == "reverse":
            return actor is not None and actor.can(Permission.PAYMENT_REVERSE)
        if action == "register_account":
            return actor is not None and actor.can(Permission.TRANSFER_MANAGE)
        if action == "reveal":
            return self.view is not None and self.view.can_reveal
        if action == "case":
            return actor is not None and actor.can(Permission.CASE_VIEW)
        return True

    def on_mount(self) -> None:
        self.query_one("#periods-table", DataTable).add_columns(
            _("年度"), _("税目"), _("期"), _("通知書番号"), _("納期限"), _("調定額"), _("収納額"), _("未納額"),
            _("延滞金"), _("督促"), _("時効完成日"), _("注意"))
        self.query_one("#payments-table", DataTable).add_columns(
            _("領収日"), _("収納日"), _("経路"), _("金額"), _("通知書番号"), _("期"), _("区分"))
        self.query_one("#refunds-table", DataTable).add_columns(
            _("番号"), _("発生日"), _("原因"), _("過誤納額"), _("残額"), _("状態"))
        self.query_one("#accounts-table", DataTable).add_columns(
            _("金融機関"), _("支店"), _("種目"), _("口座番号"), _("税目"), _("開始日"), _("終了日"), _("状態"))
        self.query_one("#certificates-table", DataTable).add_columns(
            _("証明書番号"), _("発行日"), _("種類"), _("年度"), _("申請者"), _("本人確認"), _("使用目的"), _("発行者"))
        self.action_reload()

    def action_reload(self) -> None:
        today: date = self.app.services.today()  # type: ignore[attr-defined]
        self.call(view_taxpayer, self.taxpayer_id, then=self._show_view)
        self.call(taxpayer_account, self.taxpayer_id, as_of=today, then=self._show_account)
        self.call(transfer_accounts, self.taxpayer_id, then=self._show_transfer_accounts)
        self.call(list_certificates, self.taxpayer_id, then=self._show_certificates)

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

    def _show_view(self, view: TaxpayerView) -> None:
        self.view = view
        t = view.taxpayer
        self.query_one("#taxpayer-title", Static).update(
            f"{t.atena_no}　{safe(t.name)}（{safe(t.name_kana)}）")
        body = self.query_one("#basic-body", Vertical)
        body.remove_children()
        kind = _("法人") if t.kind.value == "corporation" else _("個人")
        lines = [
            (_("宛名番号"), t.atena_no), (_("区分"), kind), (_("氏名"), safe(t.name)), (_("カナ"), safe(t.name_kana)),
            (_("生年月日"), wareki(t.birth_date)), (_("郵便番号"), t.postal_code or ""),
            (_("住所"), safe(t.address)), (_("送付先"), safe(t.mailing_address)), (_("電話"), t.phone or ""),
            (_("世帯番号"), t.household_no or ""), (_("住民区分"), _("住登外") if t.resident_status.value == "non_resident"
                                                 else _("住民")),
        ]
        if view.my_number_masked is not None:
            lines.append((_("個人番号"), view.my_number_masked + "　" + _("（m: 表示）")))
        if t.corporate_number:
            lines.append((_("法人番号"), t.corporate_number))
        flags = [label for on_, label in ((t.flags.koji_sotatsu, _("公示送達")), (t.flags.tokusoku_teishi, _("督促停止")),
                                          (t.flags.saikoku_teishi, _("催告停止")), (t.flags.hakko_yokushi, _("発行抑止")))
                 if on_]
        if flags:
            lines.append((_("注意"), "・".join(flags)))
        for label, value in lines:
            body.mount(Static(f"{label}: {value}", markup=False))
        self.refresh_bindings()

    def _show_account(self, account: TaxpayerAccount) -> None:
        self.account = account
        table = self.query_one("#periods-table", DataTable)
        table.clear()
        for p in account.periods:
            notes = []
            if p.prescribed:
                notes.append(_("時効完成"))
            elif p.prescription_near:
                notes.append(_("時効近し"))
            if p.deferred:
                notes.append(_("猶予中"))
            if p.transfer_failed:
                notes.append(_("口振不能"))
            if p.due_date >= account.as_of and p.total_due:
                notes.append(_("納期未到来"))
            if p.status != "active":
                notes.append(_("取消") if p.status == "cancelled" else _("欠損"))
            table.add_row(str(p.fiscal_year), p.tax_name, str(p.period), p.notice_no, wareki(p.due_date),
                          yen(p.assessed), yen(p.honzei_paid), yen(p.honzei_due),
                          yen(p.entaikin_due) + ("" if p.entaikin_fixed or not p.entaikin_due else "*"),
                          wareki(p.dunning_on), wareki(p.prescription_on), "・".join(notes), key=str(p.assessment_id))
        overdue = [p for p in account.periods if p.due_date < account.as_of]
        later = sum(p.total_due for p in account.periods if p.due_date >= account.as_of)
        self.query_one("#periods-total", Static).update(
            _("滞納 本税 {h}円　延滞金 {e}円　督促手数料 {f}円　計 {t}円（延滞金の*は本日 {d} 現在の見込み）　"
              "納期未到来 {l}円").format(
                h=yen(sum(p.honzei_due for p in overdue)), e=yen(sum(p.entaikin_due for p in overdue)),
                f=yen(sum(p.fee_due for p in overdue)), t=yen(sum(p.total_due for p in overdue)),
                d=wareki(account.as_of), l=yen(later)))
        pays = self.query_one("#payments-table", DataTable)
        pays.clear()
        for pay in account.payments:
            kind = _("取消") if pay.kind == "reversal" else (_("取消済") if pay.reversed else "")
            pays.add_row(wareki(pay.received_on), wareki(pay.accounted_on), _(CHANNEL_LABELS.get(pay.channel, pay.channel)),
                         yen(pay.amount), pay.notice_no or "", str(pay.period or ""), kind, key=str(pay.payment_id))
        refunds = self.query_one("#refunds-table", DataTable)
        refunds.clear()
        for item in account.overpayments:
            refunds.add_row(str(item.id), wareki(item.arisen_on), _(CAUSE_LABELS.get(item.cause.value, item.cause.value)),
                            yen(item.amount), yen(item.remaining), _(OVERPAYMENT_STATES.get(item.state, item.state)),
                            key=str(item.id))

    def _show_transfer_accounts(self, lines: list[AccountLine]) -> None:
        table = self.query_one("#accounts-table", DataTable)
        table.clear()
        for a in lines:
            table.add_row(a.bank_code, a.branch_code, _("普通") if a.account_type == "1" else _("当座"), a.account_masked,
                          ",".join(a.tax_codes), wareki(a.start_on), wareki(a.end_on),
                          _("有効") if a.status == "active" else _("終了"), key=str(a.id))

    def _show_certificates(self, rows: list[CertificateIssue]) -> None:
        table = self.query_one("#certificates-table", DataTable)
        table.clear()
        for c in rows:
            applicant = _("本人") if c.applicant_kind == "self" else _("代理人") + " " + safe(c.applicant_name)
            table.add_row(c.certificate_no, wareki(c.issued_on), _(CERTIFICATE_KINDS.get(c.certificate_kind,
                                                                                          c.certificate_kind)),
                          ",".join(str(y) for y in c.fiscal_years), applicant, safe(c.id_document), safe(c.purpose),
                          c.checked_by, key=str(c.id))

    def _case_found(self, case_id: int | None) -> None:
        if case_id is None:
            self.query_one("#case-body", Static).update(_("進行中の滞納案件はありません"))
            return
        self.call(case_detail, case_id, as_of=self.app.services.today(), then=self._show_case)  # type: ignore[attr-defined]

    def _show_case(self, d: CaseDetail) -> None:
        c = d.case
        lines = [_("案件 {n}　{status}　担当 {o}　優先度 {p}　次回対応日 {next}").format(
                     n=c.id, status=_(CASE_STATUSES.get(c.status.value, c.status.value)), o=c.officer or _("未割当"),
                     p=c.priority, next=wareki(c.next_action_on) or "—"),
                 _("滞納額 {t}円（納期未到来を除く）").format(t=yen(d.delinquent_total))]
        if d.tags:
            lines.append(_("付箋: ") + "　".join(safe(t.text) for t in d.tags))
        lines.append(_("経過記録（新しい順）"))
        for r in d.records[:5]:
            lines.append(f"  {wareki(r.occurred_at.astimezone(JST).date())}　{_(RECORD_KINDS.get(r.kind.value, r.kind.value))}"
                         f"　{safe(r.content)}")
        lines.append(_("k: 案件を開く"))
        self.query_one("#case-body", Static).update("\n".join(lines))

    def action_case(self) -> None:
        def opened(case_id: int | None) -> None:
            if case_id is None:
                self.notify(_("この納税者に進行中の滞納案件はありません"))
                return
            from tui.screens.case import CaseScreen

            self.app.push_screen(CaseScreen(case_id))

        self.call(case_of_taxpayer, self.taxpayer_id, then=opened)

    def action_register_account(self) -> None:
        from tui.screens.transfer_account import TransferAccountScreen

        today = self.app.services.today()  # type: ignore[attr-defined]

        def entered(values: dict[str, str] | None) -> None:
            if values is None:
                return
            from core.dates import parse_date

            try:
                start = parse_date(values["start_on"])
            except ValueError as exc:
                self.show_error(str(exc))
                return
            codes = [c.strip().zfill(2) for c in values["tax_codes"].replace("、", ",").split(",") if c.strip()]
            self.call(register_account, self.taxpayer_id, bank_code=values["bank_code"],
                      branch_code=values["branch_code"], account_type=values["account_type"],
                      account_no=values["account_no"], holder_kana=values["holder_kana"], tax_codes=codes,
                      start_on=start, then=lambda _id: (self.notify(_("口座振替を登録しました")), self.action_reload()))

        self.app.push_screen(TransferAccountScreen(today.isoformat()), callback=entered)

    def action_reverse(self) -> None:
        """x on the 収納履歴 tab: reverse the payment under the cursor (reason, then y/n)."""
        if self.account is None or self.query_one("#tabs", TabbedContent).active != "payments":
            self.notify(_("収納履歴（3）で取り消す収納を選んでください"))
            return
        table = self.query_one("#payments-table", DataTable)
        if not self.account.payments:
            return
        pay = self.account.payments[table.cursor_row]
        if pay.kind != "receipt" or pay.reversed:
            self.show_error(_("この行は取り消せません"))
            return
        from core.services.payments import reverse
        from tui.screens.confirm import ConfirmScreen
        from tui.screens.reason import ReasonScreen

        today = self.app.services.today()  # type: ignore[attr-defined]
        title = _("{d} 領収 {a}円 の収納を取り消します").format(d=wareki(pay.received_on), a=yen(pay.amount))

        def reasoned(reason: str | None) -> None:
            if reason is None:
                return

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.call(reverse, pay.payment_id, reason=reason, on=today,
                              then=lambda _r: (self.notify(_("取り消しました")), self.action_reload()))

            self.app.push_screen(ConfirmScreen(_("取り消しますか？（取消の記録が残ります）"), title), callback=confirmed)

        self.app.push_screen(ReasonScreen(title), callback=reasoned)

    def action_counter(self) -> None:
        from tui.screens.counter import CounterScreen

        if self.account is None or self.view is None:
            return
        self.app.push_screen(CounterScreen(self.view, self.account), callback=lambda _r: self.action_reload())

    def action_reveal(self) -> None:
        from tui.screens.reveal import RevealScreen

        if self.view is not None and self.view.can_reveal:
            self.app.push_screen(RevealScreen(self.taxpayer_id))

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id
        if pane == "case":
            self.call(case_of_taxpayer, self.taxpayer_id, then=self._case_found)
        if pane in ("periods", "payments", "refunds", "accounts", "certificates"):
            self.query_one(f"#{pane}-table", DataTable).focus()
