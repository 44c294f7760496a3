"""一括処理: F5 — the 督促 for today's date; F9 (or Enter on the date) — the 口座振替 請求 file for a debit date
(written to the documents folder under the export rule), each asking for confirmation; F10 — this 年度's
収納率 by 税目 (現年度分, 滞納繰越分) as bar charts."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Label, Static

from core.dates import parse_date
from core.security.permissions import Permission
from core.services.dunning import DunningRun, run_dunning
from tui.i18n import N_, _
from tui.screens.base import BusinessScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import wareki, yen
from tui.widgets import FieldInput

__all__ = ["BatchScreen"]

SKIPPED: dict[str, str] = {"stopped": N_("督促停止"), "deferred": N_("猶予中"), "paid": N_("完納"),
                           "prescribed": N_("時効完成")}


class BatchScreen(BusinessScreen):
    BINDINGS = [
        Binding("f5", "dunning", _("督促を発付"), id="batch.dunning"),
        Binding("f9", "transfer_request", _("口座振替の請求ファイル"), id="batch.transfer"),
        Binding("f10", "statistics", _("収納統計"), id="batch.statistics"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static(_("一括処理"), id="suspense-title")
        yield Static(_("F5: 本日付で督促を発付（納期限後20日以内の未納）　"
                       "引落日を入れて Enter / F9: 口座振替の請求ファイルを作成"), id="batch-help")
        with Horizontal(classes="field-row"):
            yield Label(_("引落日（口座振替）"), classes="field-label")
            yield FieldInput(id="debit-on", classes="field-input", placeholder="2026-12-25")
        yield Static("", id="batch-result", markup=False)
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        actor = getattr(self.app, "actor", None)
        need = {"dunning": Permission.DUNNING_RUN, "transfer_request": Permission.TRANSFER_MANAGE,
                "statistics": Permission.REPORT_VIEW}.get(action)
        return True if need is None else actor is not None and actor.can(need)

    def _show(self, text: str) -> None:
        self.query_one("#batch-result", Static).update(text)

    def advance_from(self, field: Input) -> None:
        self.action_transfer_request()

    def action_dunning(self) -> None:
        today = self.app.services.today()  # type: ignore[attr-defined]

        def answer(yes: bool | None) -> None:
            if yes:
                self.call(run_dunning, on=today, then=self._dunned)

        self.app.push_screen(ConfirmScreen(_("{d} 付で督促を発付しますか？").format(d=wareki(today))), callback=answer)

    def _dunned(self, run: DunningRun) -> None:
        lines = [_("督促 {d}: 発付 {n}件　本税 {h}円　督促手数料 {f}円　指定期限 {z}").format(
            d=wareki(run.on), n=run.issued, h=yen(run.honzei_total), f=yen(run.fee_total), z=wareki(run.designated_on))]
        lines += [_("対象外（{why}） {n}件").format(why=_(SKIPPED.get(k, k)), n=v) for k, v in sorted(run.skipped.items())]
        if run.missed:
            lines.append(_("注意: 納期限後20日を過ぎて督促のない未納の期別が {n}件あります").format(n=run.missed))
        self._show("\n".join(lines))

    def action_transfer_request(self) -> None:
        text = self.query_one("#debit-on", Input).value
        try:
            debit_on = parse_date(text)
        except ValueError as exc:
            self.show_error(str(exc))
            self.query_one("#debit-on", Input).focus()
            return
        app: Any = self.app

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(lambda: self._request(debit_on), thread=True, group="service")

        app.push_screen(ConfirmScreen(_("引落日 {d} の請求ファイルを作成しますか？").format(d=wareki(debit_on))),
                        callback=answer)

    def _request(self, debit_on: Any) -> None:
        from core.errors import NozeiError

        app: Any = self.app
        try:
            request, path = app.services.transfer_request_file(app.session_id, debit_on)
        except NozeiError as exc:
            app.call_from_thread(self.show_error, str(exc))
        else:
            app.call_from_thread(self._show, _("請求ファイルを作成しました: {p}\n件数 {n}件　合計 {t}円").format(
                p=path, n=len(request.lines), t=yen(request.total)))

    def action_statistics(self) -> None:
        from core.services.account import collection_statistics, fiscal_year_of

        today = self.app.services.today()  # type: ignore[attr-defined]
        self.call(collection_statistics, fiscal_year=fiscal_year_of(today), as_of=today,
                  then=lambda stats: self._statistics(stats, today))

    def _statistics(self, stats: Any, today: Any) -> None:
        from tui.screens.delinquency_batch import bar_chart

        lines = [_("{y}年度 収納率（{d} 現在）").format(y=stats.fiscal_year, d=wareki(today))]
        for section, label in (("現年度分", _("現年度分")), ("滞納繰越分", _("滞納繰越分"))):
            rows = [r for r in stats.rows if r.section == section] + [stats.total(section)]
            lines.append(label)
            lines += bar_chart([(r.tax_name, round(r.rate * 10)) for r in rows], width=40, top=1000,
                               fmt=lambda v: f"{v / 10:.1f}%")
        self._show("\n".join(lines))
