"""滞納整理の案件: the header (番号・宛名・状態・担当・付箋) and six tabs — 1 滞納（期別）,
2 経過記録, 3 分納, 4 財産調査, 5 差押・交付要求, 6 執行停止・猶予. r / F2 records a 経過記録
from any tab, t puts on or takes off a 付箋; F3–F8 are the case's work (F3 also cancels a plan, F6 also
grants and cancels a 猶予 for those who decide); what the user may not do is not offered."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from core.security.permissions import Permission
from core.services.case_view import CaseDetail, case_detail
from tui.i18n import N_, _
from tui.screens.base import BusinessScreen
from tui.screens.case_actions import CaseWork
from tui.screens.case_tabs import (
    COLUMNS,
    fill_deferrals,
    fill_dispositions,
    fill_investigations,
    fill_periods,
    fill_plans,
    fill_records,
    fill_schedule,
    fill_suspensions,
    record_text,
    shown_periods,
)
from tui.screens.case_text import (
    CASE_STATUSES,
    RECORD_KINDS,
    jst,
    label,
    tag_labels,
)
from tui.text import safe, wareki, yen

__all__ = ["CaseScreen"]

_PERMISSIONS = {"record": Permission.CASE_EDIT, "plan": Permission.PLAN_EDIT, "investigate": Permission.CASE_EDIT,
                "dispose": Permission.SEIZURE_RECORD, "suspend": Permission.CASE_EDIT, "edit": Permission.CASE_EDIT,
                "decide": Permission.DISPOSITION_APPROVE, "tag": Permission.CASE_EDIT}
_EMPTY = {"records": N_("記録はありません"), "plans": N_("分納誓約はありません"),
          "investigations": N_("財産調査はありません"), "dispositions": N_("差押・交付要求はありません"),
          "suspensions": N_("執行停止はありません")}


class CaseScreen(CaseWork, BusinessScreen):
    TABS_ID = "case-tabs"
    DEFAULT_CSS = """
    CaseScreen #case-head { padding: 0 1; height: auto; }
    CaseScreen #case-tabs { height: 1fr; }
    CaseScreen #case-tabs TabPane { height: 1fr; padding: 0; }
    CaseScreen .case-status { padding: 0 1; color: $text-muted; height: auto; }
    CaseScreen DataTable { height: 1fr; }
    CaseScreen #plans-table, CaseScreen #suspensions-table { height: auto; max-height: 7; }
    CaseScreen #schedule-table, CaseScreen #deferrals-status { margin-top: 1; }
    CaseScreen #records-detail { padding: 0 1; height: auto; max-height: 4; margin-top: 1; }
    """
    BINDINGS = [
        Binding("1", "tab('periods')", _("滞納（期別）の一覧"), id="case.tab.periods", show=False),
        Binding("2", "tab('records')", _("経過記録の一覧"), id="case.tab.records", show=False),
        Binding("3", "tab('plans')", _("分納の一覧"), id="case.tab.plans", show=False),
        Binding("4", "tab('investigations')", _("財産調査の一覧"), id="case.tab.investigations", show=False),
        Binding("5", "tab('dispositions')", _("差押・交付要求の一覧"), id="case.tab.dispositions", show=False),
        Binding("6", "tab('suspensions')", _("執行停止・猶予の一覧"), id="case.tab.suspensions", show=False),
        Binding("r", "record", _("経過記録の入力"), id="case.record"),
        Binding("f2", "record", _("経過記録の入力"), id="case.record.f2", show=False),
        Binding("t", "tag", _("付箋"), id="case.tag", show=False),  # in F1 and the palette (the footer is full)
        Binding("f3", "plan", _("分納誓約"), id="case.plan"),
        Binding("f4", "investigate", _("財産調査"), id="case.investigate"),
        Binding("f5", "dispose", _("差押等"), id="case.dispose"),
        Binding("f6", "suspend", _("執行停止"), id="case.suspend"),
        Binding("f7", "edit", _("案件変更"), id="case.edit"),
        Binding("f8", "decide", _("決裁"), id="case.decide"),
        Binding("ctrl+r", "reload", _("再表示"), id="case.reload", show=False),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.detail: CaseDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("読み込み中…"), id="case-head")
        with TabbedContent(id="case-tabs", initial="periods"):
            with TabPane(_("1 滞納"), id="periods"):
                yield Static("", id="periods-status", classes="case-status")
                yield DataTable(id="periods-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("2 経過記録"), id="records"):
                yield Static("", id="records-status", classes="case-status")
                yield DataTable(id="records-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="records-detail", markup=False)
            with TabPane(_("3 分納"), id="plans"):
                yield Static("", id="plans-status", classes="case-status")
                yield DataTable(id="plans-table", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="schedule-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("4 財産調査"), id="investigations"):
                yield Static("", id="investigations-status", classes="case-status")
                yield DataTable(id="investigations-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("5 差押等"), id="dispositions"):
                yield Static("", id="dispositions-status", classes="case-status")
                yield DataTable(id="dispositions-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("6 停止・猶予"), id="suspensions"):
                yield Static("", id="suspensions-status", classes="case-status")
                yield DataTable(id="suspensions-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="deferrals-status", classes="case-status")
                yield DataTable(id="deferrals-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for table_id, columns in COLUMNS.items():
            self.query_one(f"#{table_id}", DataTable).add_columns(*[_(c) for c in columns])
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._may(action) if action in _PERMISSIONS else True

    def _may(self, action: str) -> bool:
        actor = getattr(self.app, "actor", None)
        return actor is not None and actor.can(_PERMISSIONS[action])

    # -- showing ----------------------------------------------------------
    def action_reload(self) -> None:
        self.call(case_detail, self.case_id, as_of=self._today(), then=self._show)

    def _today(self) -> date:
        return self.app.services.today()  # type: ignore[attr-defined,no-any-return]

    def _show(self, detail: CaseDetail) -> None:
        self.detail = detail
        c = detail.case
        head = Text(_("案件 {id}　宛名番号 {a}　{kana}").format(
            id=c.id, a=detail.atena_no, kana=safe(detail.name_kana)), style="bold")
        head.append("\n" + _("{status}　担当 {officer}　優先度 {p}　次回対応日 {next}　滞納額 {total}円").format(
            status=label(CASE_STATUSES, c.status), officer=safe(c.officer) or _("未割当"), p=c.priority,
            next=wareki(c.next_action_on) or "—", total=yen(detail.delinquent_total)))
        if detail.tags:
            head.append("\n")
            head.append_text(tag_labels(detail.tags))
        self.query_one("#case-head", Static).update(head)
        self._fill(detail)
        self.refresh_bindings()

    def _fill(self, d: CaseDetail) -> None:
        fill_periods(self._table("periods"), d)
        overdue = [p for p in d.owed if p.due_date < d.as_of]
        totals = _("滞納 本税 {h}円　延滞金 {e}円　督促手数料 {f}円（延滞金は本日 {d} 現在、*は見込み）").format(
            h=yen(sum(p.honzei_due for p in overdue)), e=yen(sum(p.entaikin_due for p in overdue)),
            f=yen(sum(p.fee_due for p in overdue)), d=wareki(d.as_of))
        self._status("periods", totals if shown_periods(d) else _("未納の期別はありません"))
        fill_records(self._table("records"), d.records)
        more = _("　さらに古い記録があります") if d.more_records else ""
        self._status("records", _("{n}件（新しい順）").format(n=len(d.records)) + more if d.records
                     else _(_EMPTY["records"]))
        self._record_detail(0)
        fill_plans(self._table("plans"), d.plans)
        self._status("plans", _("{n}件").format(n=len(d.plans)) if d.plans else _(_EMPTY["plans"]))
        fill_schedule(self.query_one("#schedule-table", DataTable), d.plans[0] if d.plans else None)
        fill_investigations(self._table("investigations"), d)
        self._status("investigations", _("{n}件　F4: 照会の登録・回答の入力").format(n=len(d.investigations))
                     if d.investigations else _(_EMPTY["investigations"]))
        fill_dispositions(self._table("dispositions"), d)
        keys = _("F5: 起案・取立/換価・解除") + ("　" + _("F8: 決裁") if self._may("decide") else "")
        self._status("dispositions", _("{n}件").format(n=len(d.dispositions)) + "　" + keys if d.dispositions
                     else _(_EMPTY["dispositions"]))
        fill_suspensions(self._table("suspensions"), d)
        self._status("suspensions", _("執行停止 {n}件").format(n=len(d.suspensions))
                     if d.suspensions else _(_EMPTY["suspensions"]))
        fill_deferrals(self.query_one("#deferrals-table", DataTable), d)
        self.query_one("#deferrals-status", Static).update(
            _("猶予 {n}件").format(n=len(d.deferrals)) if d.deferrals else _("猶予はありません"))
        for table in self.query(DataTable):
            table.display = table.row_count > 0

    def _table(self, tab: str) -> DataTable:  # type: ignore[type-arg]
        return self.query_one(f"#{tab}-table", DataTable)

    def _status(self, tab: str, text: str) -> None:
        self.query_one(f"#{tab}-status", Static).update(text)

    def _record_detail(self, row: int) -> None:
        records = self.detail.records if self.detail else ()
        text = ""
        if 0 <= row < len(records):
            r = records[row]
            text = f"{jst(r.occurred_at)} {label(RECORD_KINDS, r.kind)}: {record_text(r)}"
        self.query_one("#records-detail", Static).update(text)

    def action_tab(self, tab: str) -> None:
        self.query_one("#case-tabs", TabbedContent).active = tab

    def _selected(self, tab: str, items: tuple[Any, ...]) -> Any:
        """The item under the cursor when *tab* is the one showing."""
        if self._active() != tab or not items:
            return None
        row = self._table(tab).cursor_row
        return items[row] if 0 <= row < len(items) else None

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._table(event.pane.id).focus()

    @on(DataTable.RowHighlighted, "#records-table")
    def _record_row(self, event: DataTable.RowHighlighted) -> None:
        self._record_detail(event.cursor_row)

    @on(DataTable.RowHighlighted, "#plans-table")
    def _plan_row(self, event: DataTable.RowHighlighted) -> None:
        plans = self.detail.plans if self.detail else ()
        if 0 <= event.cursor_row < len(plans):
            fill_schedule(self.query_one("#schedule-table", DataTable), plans[event.cursor_row])
