"""メインメニュー: the areas this user's roles allow, each on an F-key with a plain-key
alternative (some terminals and SSH clients swallow F-keys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from core.errors import NozeiError
from core.security.permissions import Permission
from core.services.worklist import worklist
from tui.compose import AppContext
from tui.i18n import N_, _

__all__ = ["HomeScreen", "AREAS", "Area"]


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    label: str
    fkey: str
    key: str
    permission: Permission
    open: Callable[[], Screen[None]]


def _search() -> Screen[None]:
    from tui.screens.search import SearchScreen

    return SearchScreen()


def _suspense() -> Screen[None]:
    from tui.screens.suspense import SuspenseScreen

    return SuspenseScreen()


def _import() -> Screen[None]:
    from tui.screens.batch_import import ImportScreen

    return ImportScreen()


def _batch() -> Screen[None]:
    from tui.screens.batch import BatchScreen

    return BatchScreen()


def _overpayments() -> Screen[None]:
    from tui.screens.overpayments import OverpaymentsScreen

    return OverpaymentsScreen()


def _cases() -> Screen[None]:
    from tui.screens.cases import CasesScreen

    return CasesScreen()


def _admin() -> Screen[None]:
    from tui.screens.admin import AdminScreen

    return AdminScreen()


def _audit() -> Screen[None]:
    from tui.screens.audit import AuditScreen

    return AuditScreen()


def _approvals() -> Screen[None]:
    from tui.screens.refunds import RefundsScreen

    return RefundsScreen(approvals=True)


WORK_LABELS: dict[str, str] = {"approvals": N_("還付の決裁待ち"), "suspense": N_("未消込"),
                               "overpayments": N_("充当・還付待ちの過誤納"), "to_pay": N_("支出待ちの還付（決裁済）"),
                               "cases_due": N_("対応予定日が来た案件"), "broken_plans": N_("分納の不履行"),
                               "prescription": N_("時効完成が近い案件"),
                               "dispositions": N_("決裁待ち（差押・執行停止・不納欠損）")}

AREAS: tuple[Area, ...] = (
    Area("search", _("照会（納税者の検索）"), "f2", "1", Permission.TAXPAYER_SEARCH, _search),
    Area("suspense", _("未消込の処理"), "f3", "2", Permission.SUSPENSE_RESOLVE, _suspense),
    Area("overpayments", _("過誤納の充当・還付"), "f4", "3", Permission.REFUND_DRAFT, _overpayments),
    Area("approvals", _("還付の決裁"), "f6", "4", Permission.REFUND_APPROVE, _approvals),
    Area("import", _("ファイルの取込（収納データ・宛名・調定・口座振替結果）"), "f7", "5", Permission.PAYMENT_IMPORT,
         _import),
    Area("batch", _("一括処理（督促・口座振替の請求）"), "f8", "6", Permission.DUNNING_RUN, _batch),
    Area("cases", _("滞納整理（作業一覧・案件）"), "f9", "7", Permission.CASE_VIEW, _cases),
    Area("admin", _("管理（利用者・端末・設定・税率）"), "f10", "8", Permission.ADMIN_USERS, _admin),
    Area("audit", _("監査（ログ・異常・検証・利用状況）"), "f11", "9", Permission.AUDIT_REVIEW, _audit),
)


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+l", "app.logout", _("ログアウト"), id="home.logout"),
        Binding("f1", "app.help", _("ヘルプ"), id="home.help"),
        *[Binding(a.fkey, f"open('{a.id}')", a.label, id=f"home.{a.id}") for a in AREAS],
        *[Binding(a.key, f"open('{a.id}')", a.label, id=f"home.{a.id}.key", show=False) for a in AREAS],
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context

    def allowed(self) -> list[Area]:
        actor = getattr(self.app, "actor", None)
        return [a for a in AREAS if actor is not None and actor.can(a.permission)]

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header(show_clock=True)
        if self.context.is_demo:
            yield Static(_("デモ") + "　" + _("これは架空の団体のデモデータです"), id="demo-banner")
        with Vertical(id="home-body"):
            yield Static(
                f"{self.context.municipality_name}（{_('団体コード')} {self.context.municipality_code}）",
                id="municipality",
            )
            yield Static(_("収滞納管理システム"), id="system-name")
            actor = getattr(app, "actor", None)
            if actor is not None:
                yield Static(f"{_('利用者')}: {getattr(app, 'display_name', '')}（{actor.user_id}）", id="user")
            yield Static(f"{_('データベース')}: {self.context.database_label}", id="database")
            yield Static(f"{_('端末')}: {self.context.terminal_id}", id="terminal")
            yield Static("", id="worklist")
            areas = self.allowed()
            if areas:
                yield OptionList(*[Option(f"{a.fkey.upper()} / {a.key}  {a.label}", id=a.id) for a in areas],
                                 id="areas")
            else:
                yield Static(_("この利用者に開ける業務はありません"), id="no-areas")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_worklist()

    def on_screen_resume(self) -> None:
        self.refresh_worklist()

    def refresh_worklist(self) -> None:
        actor = getattr(self.app, "actor", None)
        if actor is not None and actor.can(Permission.REPORT_VIEW) and self.allowed():
            self._worklist()

    @work(thread=True, exclusive=True, group="worklist")
    def _worklist(self) -> None:
        app: Any = self.app
        try:
            items = app.services.run(app.session_id, worklist, today=app.services.today())
        except NozeiError:
            return  # the counts are a convenience; a locked or ended session is handled elsewhere
        text = "　".join(f"{_(WORK_LABELS.get(i.id, i.label))} {i.count:,}" for i in items)
        app.call_from_thread(self.query_one("#worklist", Static).update, _("本日の作業: ") + text if text else "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return any(a.id == parameters[0] for a in self.allowed())
        return True

    def action_open(self, area_id: str) -> None:
        for area in self.allowed():
            if area.id == area_id:
                self.app.push_screen(area.open())

    @on(OptionList.OptionSelected, "#areas")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.action_open(event.option.id)
