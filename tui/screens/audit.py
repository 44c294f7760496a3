"""監査: 1 ログ (the audit log through the review service, filtered and paged, newest
first), 2 異常 (the anomaly rules with their evidence seqs), 3 検証 (the hash chain and
signed checkpoints, checked in a worker), 4 利用状況 (events per user per JST hour,
a text bar chart built from the reviewed rows). Filters are set in a form (F2), so
the screen's own keys stay single keystrokes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from core.clock import JST
from core.dates import parse_date
from core.errors import ValidationError
from core.ports import UnitOfWork
from core.security.permissions import Actor
from core.services.audit import ReviewQuery, VerifyOutcome, find_audit_anomalies, review_audit_log
from core.services.audit import verify_audit_log
from core.text.width import display_width, pad
from tui.i18n import N_, _
from tui.screens.base import BusinessScreen
from tui.screens.admin_forms import Form
from tui.screens.form import Field
from tui.text import safe

__all__ = ["AuditScreen", "LogFilter", "hourly_chart"]

PAGE = 100
LIMIT = 10_000
TABS = {"log": N_("1 ログ"), "anomalies": N_("2 異常"), "verify": N_("3 検証"), "usage": N_("4 利用状況")}
OUTCOMES = {"ok": N_("成功"), "denied": N_("拒否"), "error": N_("エラー")}
_ACTION_TAB = {"filter": None, "older": "log", "newer": "log", "verify": "verify"}
_LEVELS = " ▁▂▃▄▅▆▇█"


def _audit_log(services: Any) -> Any:
    """The audit log port, from the composition root (the screen never opens the database)."""
    return services.audit_log()


def review_rows(uow: UnitOfWork, actor: Actor, services: Any, query: ReviewQuery) -> list[dict[str, Any]]:
    """The reviewed events as plain dicts (the review service's JSON output)."""
    return list(json.loads(review_audit_log(uow, actor, _audit_log(services), query, fmt="json")))


def anomalies(uow: UnitOfWork, actor: Actor, services: Any, start: datetime, end: datetime) -> list[Any]:
    return find_audit_anomalies(uow, actor, _audit_log(services), start=start, end=end)


def verify(uow: UnitOfWork, actor: Actor, services: Any) -> VerifyOutcome:
    return verify_audit_log(uow, actor, _audit_log(services))


@dataclass(frozen=True, slots=True)
class LogFilter:
    start: datetime
    end: datetime
    user: str | None = None
    action: str | None = None
    outcome: str | None = None

    @classmethod
    def last_week(cls) -> LogFilter:
        now = datetime.now(JST)
        today = datetime(now.year, now.month, now.day, tzinfo=JST)
        return cls(start=today - timedelta(days=6), end=today + timedelta(days=1))

    def query(self) -> ReviewQuery:
        return ReviewQuery(user=self.user, action=self.action, start=self.start, end=self.end, limit=LIMIT)

    def describe(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        parts = [f"{self.start.date():%Y-%m-%d}〜{last:%Y-%m-%d}"]
        if self.user:
            parts.append(_("利用者 {user}").format(user=safe(self.user)))
        if self.action:
            parts.append(_("操作 {action}").format(action=safe(self.action)))
        if self.outcome:
            parts.append(_("結果 {outcome}").format(outcome=_(OUTCOMES[self.outcome])))
        return "　".join(parts)


def _day(text: str, default: datetime) -> datetime:
    if not text:
        return default
    try:
        d = parse_date(text)
    except (ValueError, ValidationError) as exc:
        raise ValueError(str(exc)) from None
    return datetime(d.year, d.month, d.day, tzinfo=JST)


def filter_form(current: LogFilter) -> Form:
    def parse(v: dict[str, str]) -> LogFilter:
        start = _day(v["start"], current.start)
        end = _day(v["end"], current.end - timedelta(days=1)) + timedelta(days=1)
        if start >= end:
            raise ValueError(_("開始日は終了日以前にしてください"))
        outcome = v["outcome"] or None
        if outcome is not None:
            by_label = {_(label): code for code, label in OUTCOMES.items()} | {label: code for code, label in
                                                                              OUTCOMES.items()}
            outcome = by_label.get(outcome, outcome)
            if outcome not in OUTCOMES:
                raise ValueError(_("結果は ok / denied / error（成功・拒否・エラー）のいずれかです"))
        return LogFilter(start, end, v["user"] or None, v["action"] or None, outcome)

    last = current.end - timedelta(days=1)
    return Form(_("監査ログの絞り込み"), [
        Field("start", _("開始日"), value=f"{current.start:%Y-%m-%d}", hint="2026-11-01 / R8.11.1"),
        Field("end", _("終了日"), value=f"{last:%Y-%m-%d}"),
        Field("user", _("利用者"), value=current.user or "", hint=_("ログインID（空欄: 全員）")),
        Field("action", _("操作"), value=current.action or "", hint=_("例: taxpayer.view / login.*（空欄: 全部）")),
        Field("outcome", _("結果"), value=current.outcome or "", hint=_("ok / denied / error（空欄: 全部）")),
    ], parse, notes=_("期間は異常の検出にも使います"))


def hourly_chart(rows: list[dict[str, Any]]) -> str:
    """One line per user: 24 hourly cells (JST) drawn ▁…█ against the busiest hour of all, and the total."""
    counts: dict[str, list[int]] = {}
    for r in rows:
        hour = datetime.fromisoformat(r["occurred_at"]).astimezone(JST).hour
        counts.setdefault(r.get("user_id") or _("（なし）"), [0] * 24)[hour] += 1
    if not counts:
        return _("該当する記録はありません")
    peak = max(max(c) for c in counts.values())
    names = {u: safe(u) for u in counts}
    width = max(8, *(display_width(n) for n in names.values()))
    ruler = pad("", width) + "  " + "".join(f"{h:<6d}" for h in range(0, 24, 6)) + "  " + _("計")
    lines = [_("時間帯（日本時間）ごとの件数。最大 {peak}件/時").format(peak=peak), ruler,
             pad("", width) + "  " + "┬─────" * 4 + "┐"]
    for user in sorted(counts, key=lambda u: -sum(counts[u])):
        cells = "".join(_LEVELS[0 if n == 0 else max(1, round(n * 8 / peak))] for n in counts[user])
        lines.append(f"{pad(names[user], width)}  {cells}  {sum(counts[user]):,}")
    return "\n".join(lines)


class AuditScreen(BusinessScreen):
    TABS_ID = "audit-tabs"
    ACTION_TAB = _ACTION_TAB
    DEFAULT_CSS = """
    AuditScreen #audit-tabs { height: 1fr; }
    AuditScreen #audit-tabs TabPane { height: 1fr; padding: 0; }
    AuditScreen .audit-status { padding: 0 1; color: $text-muted; height: auto; }
    AuditScreen DataTable { height: 1fr; }
    AuditScreen #anomaly-detail { padding: 0 1; height: auto; max-height: 5; }
    AuditScreen #verify-result, AuditScreen #usage-chart { padding: 0 1; }
    """
    BINDINGS = [
        *[Binding(str(k), f"tab('{tab}')", _("タブの切替"), id=f"audit.tab.{tab}", show=False)
          for k, tab in enumerate(TABS, start=1)],
        Binding("f2", "filter", _("絞り込み"), id="audit.filter"),
        Binding("f7", "newer", _("新しいページ"), id="audit.page.newer"),
        Binding("f8", "older", _("古いページ"), id="audit.page.older"),
        Binding("f5", "verify", _("検証を実行"), id="audit.verify"),
        Binding("ctrl+r", "reload", _("再表示"), id="audit.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = LogFilter.last_week()
        self.rows: list[dict[str, Any]] = []  # newest first, after the outcome filter
        self.page = 0
        self.findings: list[Any] = []
        self.outcome: VerifyOutcome | None = None
        self.capped = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield Static("", id="audit-filter", classes="audit-status", markup=False)
        with TabbedContent(id="audit-tabs", initial="log"):
            with TabPane(_(TABS["log"]), id="log"):
                yield Static(_("読み込み中…"), id="log-status", classes="audit-status")
                yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_(TABS["anomalies"]), id="anomalies"):
                yield Static(_("読み込み中…"), id="anomalies-status", classes="audit-status")
                yield DataTable(id="anomalies-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="anomaly-detail", markup=False)
            with TabPane(_(TABS["verify"]), id="verify"):
                yield Static(_("F5: ハッシュ連鎖と署名付きチェックポイントを検証します（記録されます）"),
                             id="verify-result", markup=False)
            with TabPane(_(TABS["usage"]), id="usage"):
                with VerticalScroll(id="usage-scroll"):
                    yield Static("", id="usage-chart", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#log-table", DataTable).add_columns(
            _("番号"), _("日時（日本時間）"), _("利用者"), _("操作"), _("結果"), _("対象"), _("操作コード"))
        self.query_one("#anomalies-table", DataTable).add_columns(_("規則"), _("利用者"), _("概要"), _("根拠 seq"))
        self.action_reload()
        self.query_one("#log-table", DataTable).focus()

    def action_tab(self, tab: str) -> None:
        self.query_one("#audit-tabs", TabbedContent).active = tab
        self.refresh_bindings()
        for table in self.query(f"#{tab}-table").results(DataTable):
            table.focus()

    @on(TabbedContent.TabActivated, "#audit-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        gate = self._tab_gate(action)
        if not gate:
            return True if gate is None else False
        if action == "older":
            return (self.page + 1) * PAGE < len(self.rows)
        if action == "newer":
            return self.page > 0
        return True

    # ------------------------------------------------------------------ log

    def action_reload(self) -> None:
        self.query_one("#audit-filter", Static).update(_("期間・条件: ") + self.filter.describe())
        self.query_one("#log-status", Static).update(_("読み込み中…"))
        self.call(review_rows, self.app.services, self.filter.query(), then=self._log)  # type: ignore[attr-defined]
        self.call(anomalies, self.app.services, self.filter.start, self.filter.end,  # type: ignore[attr-defined]
                  then=self._anomalies)

    def action_filter(self) -> None:
        def chosen(new: LogFilter | None) -> None:
            if new is not None:
                self.filter = new
                self.action_reload()

        self.app.push_screen(filter_form(self.filter), chosen)

    def _log(self, rows: list[dict[str, Any]]) -> None:
        self.capped = len(rows) >= LIMIT
        wanted = self.filter.outcome
        self.rows = [r for r in reversed(rows) if wanted is None or r.get("outcome") == wanted]
        self.page = 0
        self._page()
        self.query_one("#usage-chart", Static).update(
            hourly_chart(self.rows) + "\n\n" + _("対象: {what}（{n:,}件）").format(
                what=self.filter.describe(), n=len(self.rows)))

    def _page(self) -> None:
        table = self.query_one("#log-table", DataTable)
        table.clear()
        shown = self.rows[self.page * PAGE:(self.page + 1) * PAGE]
        for k, r in enumerate(shown):
            when = datetime.fromisoformat(r["occurred_at"]).astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")
            target = ":".join(safe(str(x)) for x in (r.get("target_type"), r.get("target_ref")) if x)
            outcome = r.get("outcome") or ""
            table.add_row(str(r["seq"]), when, safe(r.get("user_id")), safe(r.get("action_label")),
                          _(OUTCOMES[outcome]) if outcome in OUTCOMES else safe(outcome), target,
                          safe(r.get("action")), key=str(k))
        total = f"{len(self.rows):,}" + (_("件超") if self.capped else _("件"))
        if not self.rows:
            status = _("該当する記録はありません　F2: 絞り込み")
        else:
            status = _("{total}中 {a:,}〜{b:,}件目（新しい順）　F2: 絞り込み　F7/F8: ページ").format(
                total=total, a=self.page * PAGE + 1, b=self.page * PAGE + len(shown))
        self.query_one("#log-status", Static).update(status)
        self.refresh_bindings()

    def action_older(self) -> None:
        if (self.page + 1) * PAGE < len(self.rows):
            self.page += 1
            self._page()

    def action_newer(self) -> None:
        if self.page > 0:
            self.page -= 1
            self._page()

    # ------------------------------------------------------------------ anomalies

    def _anomalies(self, findings: list[Any]) -> None:
        self.findings = list(findings)
        table = self.query_one("#anomalies-table", DataTable)
        table.clear()
        for k, f in enumerate(self.findings):
            seqs = ", ".join(str(s) for s in f.evidence[:8]) + (" …" if len(f.evidence) > 8 else "")
            table.add_row(safe(f.label), safe(f.user) or "—", safe(f.summary), seqs, key=str(k))
        self.query_one("#anomalies-status", Static).update(
            _("{n}件の所見（{period}）").format(n=len(self.findings), period=self.filter.describe())
            if self.findings else _("異常は見つかりませんでした（{period}）").format(period=self.filter.describe()))
        self._finding_detail()

    @on(DataTable.RowHighlighted, "#anomalies-table")
    def _finding_detail(self, event: DataTable.RowHighlighted | None = None) -> None:
        row = self.query_one("#anomalies-table", DataTable).cursor_row
        detail = ""
        if 0 <= row < len(self.findings):
            f = self.findings[row]
            detail = f"{safe(f.summary)}\n" + _("根拠 seq: {seqs}").format(
                seqs=", ".join(str(s) for s in f.evidence[:60]) + (" …" if len(f.evidence) > 60 else ""))
        self.query_one("#anomaly-detail", Static).update(detail)

    # ------------------------------------------------------------------ verification

    def action_verify(self) -> None:
        self.query_one("#verify-result", Static).update(_("検証中…"))
        self.call(verify, self.app.services, then=self._verified)  # type: ignore[attr-defined]

    def _verified(self, outcome: VerifyOutcome) -> None:
        self.outcome = outcome
        if outcome.ok:
            text = _("改ざんなし: 監査ログは改ざんされていません（{n:,}件、先頭 seq {head}、チェックポイント {c}件）").format(
                n=outcome.checked, head=outcome.head_seq, c=outcome.checkpoints_checked)
        else:
            text = "\n".join([
                _("改ざんの疑い: 監査ログの異常を検出しました"),
                _("最初の異常: seq {seq}").format(seq=outcome.first_bad_seq),
                _("種類: {kind}").format(kind=safe(outcome.problem)),
                _("内容: {detail}").format(detail=safe(outcome.detail)),
            ])
        self.query_one("#verify-result", Static).update(text)
        self.query_one("#verify-result", Static).set_class(not outcome.ok, "-bad")

