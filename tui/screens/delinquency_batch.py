"""滞納整理の一括処理 (opened with `b` from the worklist): F5 today's 案件化, F6 the 分納
check, F7 催告 for a saved filter (and its 催告書), F8 不納欠損 candidates and runs,
F9 statistics with a bar chart of 本税 unpaid by 年度. Each run asks for confirmation."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Input, Label, Static

from core.security.permissions import Permission
from core.services.cases import open_due_cases
from core.services.delinquency_stats import DelinquencyStatistics, delinquency_statistics
from core.services.documents import PrintRun, print_reminder_notices
from core.services.plans import PlanCheck, check_plans
from core.services.reminders import ReminderRun, run_reminders
from core.services.writeoff import (
    Candidate,
    approve_writeoff,
    list_writeoffs,
    propose_writeoff,
    writeoff_candidates,
)
from core.services.account import fiscal_year_of
from tui.i18n import N_, _
from tui.screens.base import BusinessScreen
from tui.screens.case_text import CASE_STATUSES
from tui.screens.confirm import ConfirmScreen
from tui.text import wareki, yen
from tui.widgets import FieldInput

__all__ = ["DelinquencyBatchScreen", "bar_chart"]

RUN_STATES = {"proposed": N_("決裁待ち"), "approved": N_("決裁済"), "rejected": N_("否決")}
REASONS = {"prescription": N_("時効"), "suspension_3y": N_("執行停止3年"), "immediate": N_("即時消滅")}


def bar_chart(rows: list[tuple[str, int]], width: int = 40, fmt: Any = yen, top: int | None = None) -> list[str]:
    """Text bars (█ and the eighth blocks) scaled to *top* (default: the largest value); labels
    padded by display width; each value shown with *fmt*."""
    from core.text.width import pad

    top = top if top is not None else max((v for _, v in rows), default=0)
    out = []
    for label, value in rows:
        eighths = round(value * width * 8 / top) if top else 0
        bar = "█" * (eighths // 8) + ("▏▎▍▌▋▊▉"[eighths % 8 - 1] if eighths % 8 else "")
        out.append(f"{pad(label, 28)} {bar} {fmt(value)}")
    return out


class DelinquencyBatchScreen(BusinessScreen):
    BINDINGS = [
        Binding("f5", "open_cases", _("案件化"), id="dbatch.cases"),
        Binding("f6", "check_plans", _("分納の点検"), id="dbatch.plans"),
        Binding("f7", "reminders", _("催告"), id="dbatch.reminders"),
        Binding("f8", "writeoff", _("不納欠損"), id="dbatch.writeoff"),
        Binding("f9", "statistics", _("統計"), id="dbatch.statistics"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("滞納整理の一括処理"), id="dbatch-title")
        yield Static(_("F5: 案件化　F6: 分納の点検　F7: 催告（保存した条件）と催告書　F8: 不納欠損の候補・起案　"
                       "F9: 統計"), id="dbatch-help")
        with Horizontal(classes="field-row"):
            yield Label(_("催告の条件名"), classes="field-label")
            yield FieldInput(id="filter-name", classes="field-input", placeholder=_("保存した条件の名前"))
        with VerticalScroll():
            yield Static("", id="dbatch-result", markup=False)
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        actor = getattr(self.app, "actor", None)
        need = {"open_cases": Permission.CASE_ASSIGN, "check_plans": Permission.PLAN_EDIT,
                "reminders": Permission.CASE_EDIT, "writeoff": Permission.CASE_VIEW,
                "statistics": Permission.REPORT_VIEW}.get(action)
        return True if need is None else actor is not None and actor.can(need)

    @property
    def today(self) -> Any:
        return self.app.services.today()  # type: ignore[attr-defined]

    def _show(self, text: str) -> None:
        self.query_one("#dbatch-result", Static).update(text)

    def _confirm(self, question: str, then: Any) -> None:
        self.app.push_screen(ConfirmScreen(question), callback=lambda yes: then() if yes else None)

    def advance_from(self, field: Input) -> None:
        self.action_reminders()

    def action_open_cases(self) -> None:
        self._confirm(_("{d} 付で、督促の指定期限後も未納の納税者に案件を開始しますか？").format(d=wareki(self.today)),
                      lambda: self.call(open_due_cases, on=self.today, then=self._opened))

    def _opened(self, ids: list[int]) -> None:
        self._show(_("案件を開始しました: {n}件（担当は未割当）").format(n=len(ids)))

    def action_check_plans(self) -> None:
        self._confirm(_("{d} 現在で分納誓約の履行を点検しますか？").format(d=wareki(self.today)),
                      lambda: self.call(check_plans, on=self.today, then=self._checked))

    def _checked(self, c: PlanCheck) -> None:
        self._show(_("分納の点検: {n}件　不履行 {b}件　完了 {d}件").format(
            n=c.checked, b=len(c.defaulted), d=len(c.completed)))

    def action_reminders(self) -> None:
        name = self.query_one("#filter-name", Input).value.strip()
        if not name:
            self.show_error(_("催告の対象を選ぶ保存した条件の名前を入れてください（nozei case filter save で作成）"))
            self.query_one("#filter-name", Input).focus()
            return
        self._confirm(_("条件「{f}」の案件に {d} 付で催告を記録しますか？").format(f=name, d=wareki(self.today)),
                      lambda: self.call(run_reminders, filter_name=name, on=self.today, then=self._reminded))

    def _reminded(self, run: ReminderRun) -> None:
        self._show(_("催告: 対象 {s}件　記録 {r}件　本日記録済み {a}件　催告停止 {x}件").format(
            s=run.selected, r=run.recorded, a=run.already, x=run.stopped))
        if run.recorded and self.app.actor.can(Permission.EXPORT_FILES):  # type: ignore[attr-defined]
            self._confirm(_("催告書（{n}件）を出力しますか？").format(n=run.recorded), self._print_reminders)

    def _print_reminders(self) -> None:
        writer = self.app.services.document_writer()  # type: ignore[attr-defined]
        self.call(print_reminder_notices, on=self.today, writer=writer, then=self._printed)

    def _printed(self, run: PrintRun) -> None:
        w = run.written
        self._show(_("催告書を出力しました: documents/{f}　{n}件 {p}ページ").format(
            f=w.file_name, n=w.documents, p=w.pages))

    def action_writeoff(self) -> None:
        year = fiscal_year_of(self.today) - 1
        self.call(writeoff_candidates, fiscal_year=year, today=self.today,
                  then=lambda found: self._candidates(year, found))

    def _candidates(self, year: int, found: list[Candidate]) -> None:
        totals: dict[str, int] = {}
        for c in found:
            totals[c.item.reason.value] = totals.get(c.item.reason.value, 0) + c.item.amount
        lines = [_("{y}年度 不納欠損の候補 {n}件").format(y=year, n=len(found))]
        lines += [f"  {_(REASONS[k])}: {yen(v)}円" for k, v in sorted(totals.items())]
        self._show("\n".join(lines))
        self.call(list_writeoffs, then=lambda runs: self._runs(lines, runs))
        actor: Any = self.app.actor  # type: ignore[attr-defined]
        if found and actor.can(Permission.CASE_EDIT):
            self._confirm(_("{y}年度の候補 {n}件を不納欠損として起案しますか？（決裁は別の統括者）").format(
                y=year, n=len(found)), lambda: self.call(propose_writeoff, fiscal_year=year, today=self.today,
                                                       then=lambda run_id: self.notify(
                                                           _("起案しました（起案 {r}）").format(r=run_id))))

    def _runs(self, lines: list[str], runs: list[Any]) -> None:
        lines = lines + [_("  {y}年度 起案 {r}: {s}　{n}件 {t}円　起案者 {p}").format(
            y=r.fiscal_year, r=r.id, s=_(RUN_STATES.get(r.status, r.status)), n=r.items, t=yen(r.total),
            p=r.proposed_by) for r in runs]
        self._show("\n".join(lines))
        actor: Any = self.app.actor  # type: ignore[attr-defined]
        waiting = [r for r in runs if r.status == "proposed" and r.proposed_by != actor.user_id]
        if waiting and actor.can(Permission.DISPOSITION_APPROVE):
            run = waiting[0]
            self._confirm(_("{y}年度の不納欠損（起案 {r}: {n}件 {t}円）を決裁しますか？").format(
                y=run.fiscal_year, r=run.id, n=run.items, t=yen(run.total)),
                lambda: self.call(approve_writeoff, run.id, today=self.today, then=lambda done: self.notify(
                    _("決裁しました（起案 {r}）").format(r=done.id))))

    def action_statistics(self) -> None:
        self.call(delinquency_statistics, as_of=self.today, then=self._statistics)

    def _statistics(self, s: DelinquencyStatistics) -> None:
        by_year: dict[int, int] = {}
        for row in s.unpaid:
            by_year[row.fiscal_year] = by_year.get(row.fiscal_year, 0) + row.honzei_due
        lines = [_("{d} 現在　滞納者 {n}人").format(d=wareki(s.as_of), n=s.delinquent_taxpayers),
                 _("延滞金（基準日現在）: {e}円").format(e=yen(sum(r.entaikin_due for r in s.unpaid))),
                 _("本税の未納額（年度別）")]
        lines += bar_chart([(_("{y}年度").format(y=y), v) for y, v in sorted(by_year.items())])
        lines += ["", _("案件（状態別）")]
        lines += bar_chart([(_(CASE_STATUSES.get(status, status)), n) for status, n in s.cases_by_status], width=30)
        self._show("\n".join(lines))
