"""滞納整理の作業一覧: the sections of the officer's worklist with their counts, and the
cases of the chosen section; Enter opens a case. ``a`` shows every officer's cases
(for those who assign cases). The list is read again on returning from a case."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from core.security.permissions import Permission
from core.services.case_view import WorkRow, Worklist, officer_worklist
from tui.i18n import _
from tui.screens.base import BusinessScreen
from tui.screens.case_tabs import amount
from tui.screens.case_text import CASE_STATUSES, SECTION_LABELS, label
from tui.text import safe, wareki

__all__ = ["CasesScreen"]


def _note(text: str) -> str:
    """A section's note: a date (shown in 和暦) or a reference such as 差押等#3."""
    try:
        return wareki(date.fromisoformat(text))
    except ValueError:
        return safe(text)


class CasesScreen(BusinessScreen):
    DEFAULT_CSS = """
    CasesScreen #cases-title { text-style: bold; padding: 0 1; }
    CasesScreen #sections { height: auto; max-height: 8; border: none; padding: 0 1; }
    CasesScreen #cases-status { padding: 0 1; color: $text-muted; margin-top: 1; }
    CasesScreen #cases-table { height: 1fr; }
    """
    BINDINGS = [
        Binding("a", "everyone", _("全担当者の案件"), id="cases.everyone"),
        Binding("f5", "reload", _("再表示"), id="cases.reload"),
        Binding("b", "batch", _("一括処理"), id="cases.batch"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.everyone: bool | None = None  # default: every officer's cases for those who assign them
        self.worklist: Worklist | None = None
        self.section = next(iter(SECTION_LABELS))
        self.rows: tuple[WorkRow, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("滞納整理の作業一覧"), id="cases-title")
        yield OptionList(*[Option(_(text), id=key) for key, text in SECTION_LABELS.items()], id="sections")
        yield Static(_("読み込み中…"), id="cases-status")
        yield DataTable(id="cases-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#cases-table", DataTable).add_columns(
            _("案件番号"), _("宛名番号"), _("状態"), _("優先度"), _("対応予定日"), _("本税未納"), _("備考"))
        self.query_one("#sections", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "everyone":
            actor = getattr(self.app, "actor", None)
            return actor is not None and actor.can(Permission.CASE_ASSIGN)
        return True

    def action_reload(self) -> None:
        if self.everyone is None:
            self.everyone = bool(self.check_action("everyone", ()))
        today = self.app.services.today()  # type: ignore[attr-defined]
        self.call(officer_worklist, today=today, everyone=self.everyone, then=self._show)

    def action_batch(self) -> None:
        from tui.screens.delinquency_batch import DelinquencyBatchScreen

        self.app.push_screen(DelinquencyBatchScreen())

    def action_everyone(self) -> None:
        self.everyone = not self.everyone
        self.action_reload()

    def _show(self, worklist: Worklist) -> None:
        self.worklist = worklist
        options = self.query_one("#sections", OptionList)
        for key, text in SECTION_LABELS.items():
            count = f"{worklist.count(key):,}"
            options.replace_option_prompt(key, _("{section}　{n}件").format(section=_(text), n=count))
        who = _("全担当者") if self.everyone else _("担当 {who}").format(who=safe(worklist.officer))
        title = _("滞納整理の作業一覧（{who}・{d} 現在）").format(who=who, d=wareki(worklist.today))
        if worklist.writeoff_runs:
            title += "　" + _("不納欠損の決裁待ち {n}件").format(n=len(worklist.writeoff_runs))
        self.query_one("#cases-title", Static).update(title)
        self._rows()

    def _rows(self) -> None:
        if self.worklist is None:
            return
        self.rows = self.worklist.sections.get(self.section, ())
        table = self.query_one("#cases-table", DataTable)
        table.clear()
        for k, r in enumerate(self.rows):
            same = r.next_action_on is not None and r.note == r.next_action_on.isoformat()
            table.add_row(str(r.case_id), r.atena_no, label(CASE_STATUSES, r.status), str(r.priority),
                          wareki(r.next_action_on), amount(r.honzei_due), "" if same else _note(r.note), key=str(k))
        text = _(SECTION_LABELS[self.section])
        status = (_("{section}: {n}件　Enter: 案件を開く　Tab: 区分と一覧の切替").format(section=text, n=len(self.rows))
                  if self.rows
                  else _("{section}: 該当する案件はありません").format(section=text))
        if self.everyone:
            status += "　" + _("（a: 自分の案件だけに切替）")
        elif self.check_action("everyone", ()):
            status += "　" + _("（a: 全担当者の案件に切替）")
        self.query_one("#cases-status", Static).update(status)

    @on(OptionList.OptionHighlighted, "#sections")
    def _section(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None and event.option.id != self.section:
            self.section = event.option.id
            self._rows()

    @on(OptionList.OptionSelected, "#sections")
    def _to_table(self, event: OptionList.OptionSelected) -> None:
        if self.rows:
            self.query_one("#cases-table", DataTable).focus()

    @on(DataTable.RowSelected, "#cases-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        from tui.screens.case import CaseScreen

        if event.row_key.value is not None and 0 <= int(event.row_key.value) < len(self.rows):
            self.app.push_screen(CaseScreen(self.rows[int(event.row_key.value)].case_id))
