"""管理: 1 利用者, 2 端末, 3 設定, 4 税率 — only the tabs the administrator's permissions
allow. Every change goes through the administration services (which check the
permission and audit it) after a y/n confirmation; F-keys act on the current tab."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from core.clock import JST
from core.domain.identity import Terminal
from core.rules.rates import RateTable, YearRates
from core.security.permissions import Actor, Permission
from core.services import admin
from core.services.auth import AuthTools
from core.services.policy_settings import POLICY_KEYS, set_policy, show_policies
from core.services.rates import RateProposal, approve_rates, list_rate_proposals, propose_rates, rates_in_force
from core.services.rates import reject_rates
from tui.i18n import N_, _
from tui.screens.admin_forms import (
    CredentialsScreen,
    confirm_then,
    policy_form,
    rates_form,
    role_form,
    terminal_form,
    user_form,
)
from tui.screens.base import BusinessScreen
from tui.text import safe, wareki

__all__ = ["AdminScreen", "session_tools"]

#: tab id → (label, permission)
TABS: dict[str, tuple[str, Permission]] = {
    "users": (N_("1 利用者"), Permission.ADMIN_USERS),
    "terminals": (N_("2 端末"), Permission.ADMIN_TERMINALS),
    "settings": (N_("3 設定"), Permission.ADMIN_SETTINGS),
    "rates": (N_("4 税率"), Permission.ADMIN_SETTINGS),
}
#: action → the tab it works on
_ACTION_TAB = {"add_user": "users", "toggle_user": "users", "unlock": "users", "reset_password": "users",
               "reset_otp": "users", "grant": "users", "revoke": "users",
               "add_terminal": "terminals", "disable_terminal": "terminals",
               "edit_setting": "settings",
               "propose": "rates", "approve": "rates", "reject": "rates"}


def session_tools(app: Any) -> AuthTools:
    """The session's authentication tools (hasher, OTP engine, clock) from the composition root."""
    tools: AuthTools = app.services.tools
    return tools


def _pct(value: Any) -> str:
    return f"{value}%"


class AdminScreen(BusinessScreen):
    TABS_ID = "admin-tabs"
    ACTION_TAB = _ACTION_TAB
    DEFAULT_CSS = """
    AdminScreen #admin-tabs { height: 1fr; }
    AdminScreen #admin-tabs TabPane { height: 1fr; padding: 0; }
    AdminScreen .admin-status { padding: 0 1; color: $text-muted; height: auto; }
    AdminScreen DataTable { height: 1fr; }
    AdminScreen #rates-table { height: 1fr; }
    AdminScreen #proposals-table { height: auto; max-height: 8; }
    """
    BINDINGS = [
        *[Binding(str(k), f"tab('{tab}')", _("タブの切替"), id=f"admin.tab.{tab}", show=False)
          for k, tab in enumerate(TABS, start=1)],
        Binding("f2", "add_user", _("追加"), id="admin.user.add"),
        Binding("f3", "toggle_user", _("停止・再開"), id="admin.user.toggle"),
        Binding("f4", "unlock", _("ロック解除"), id="admin.user.unlock"),
        Binding("f5", "reset_password", _("パスワード再発行"), id="admin.user.password"),
        Binding("f6", "reset_otp", _("OTP再発行"), id="admin.user.otp"),
        Binding("f7", "grant", _("ロール付与"), id="admin.user.grant"),
        Binding("f8", "revoke", _("ロール取消"), id="admin.user.revoke"),
        Binding("f2", "add_terminal", _("端末の登録"), id="admin.terminal.add"),
        Binding("f3", "disable_terminal", _("端末の停止"), id="admin.terminal.disable"),
        Binding("f2", "edit_setting", _("設定の変更"), id="admin.setting.edit"),
        Binding("f2", "propose", _("変更案"), id="admin.rates.propose"),
        Binding("f3", "approve", _("承認"), id="admin.rates.approve"),
        Binding("f4", "reject", _("却下"), id="admin.rates.reject"),
        Binding("ctrl+r", "reload", _("再表示"), id="admin.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.users: list[admin.UserSummary] = []
        self.roles: dict[str, tuple[str, Any]] = {}
        self.terminals: list[Terminal] = []
        self.policies: list[tuple[str, Any]] = []
        self.rate_table: RateTable | None = None
        self.proposals: list[RateProposal] = []

    # ------------------------------------------------------------------ layout

    def tabs(self) -> list[str]:
        actor: Actor | None = getattr(self.app, "actor", None)
        return [t for t, (_label, perm) in TABS.items() if actor is not None and actor.can(perm)]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        tabs = self.tabs()
        with TabbedContent(id="admin-tabs", initial=tabs[0] if tabs else ""):
            if "users" in tabs:
                with TabPane(_(TABS["users"][0]), id="users"):
                    yield Static(_("読み込み中…"), id="users-status", classes="admin-status")
                    yield DataTable(id="users-table", cursor_type="row", zebra_stripes=True)
            if "terminals" in tabs:
                with TabPane(_(TABS["terminals"][0]), id="terminals"):
                    yield Static(_("読み込み中…"), id="terminals-status", classes="admin-status")
                    yield DataTable(id="terminals-table", cursor_type="row", zebra_stripes=True)
            if "settings" in tabs:
                with TabPane(_(TABS["settings"][0]), id="settings"):
                    yield Static(_("読み込み中…"), id="settings-status", classes="admin-status")
                    yield DataTable(id="settings-table", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="settings-detail", classes="admin-status", markup=False)
            if "rates" in tabs:
                with TabPane(_(TABS["rates"][0]), id="rates"):
                    yield Static(_("延滞金・還付加算金の割合（年率）"), id="rates-status", classes="admin-status")
                    yield DataTable(id="rates-table", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="proposals-status", classes="admin-status")
                    yield DataTable(id="proposals-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        columns = {
            "users-table": (_("ログインID"), _("氏名"), _("ロール"), _("状態"), _("パスワード変更日")),
            "terminals-table": (_("端末ID"), _("名称"), _("ファイル出力"), _("窓口"), _("状態")),
            "settings-table": (_("項目"), _("内容"), _("値")),
            "rates-table": (_("年"), _("1月以内"), _("1月超"), _("還付加算金")),
            "proposals-table": (_("年"), _("1月以内"), _("1月超"), _("還付加算金"), _("提案者"), _("提案日時")),
        }
        for table_id, cols in columns.items():
            for table in self.query(f"#{table_id}").results(DataTable):
                table.add_columns(*cols)
        self.action_reload()
        self._focus_tab()

    def _focus_tab(self) -> None:
        tab = self._active()
        table_id = "proposals-table" if tab == "rates" and self.proposals else f"{tab}-table"
        for table in self.query(f"#{table_id}").results(DataTable):
            table.focus()

    def action_tab(self, tab: str) -> None:
        if tab in self.tabs():
            self.query_one("#admin-tabs", TabbedContent).active = tab
            self._focus_tab()
            self.refresh_bindings()

    @on(TabbedContent.TabActivated, "#admin-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        gate = self._tab_gate(action)
        return True if gate is None else gate

    # ------------------------------------------------------------------ loading

    def action_reload(self) -> None:
        tabs = self.tabs()
        if "users" in tabs:
            self.call(admin.list_roles, then=self._roles)
            self.call(admin.list_users, then=self._users)
        if "terminals" in tabs:
            self.call(admin.list_terminals, then=self._terminals)
        if "settings" in tabs:
            self.call(show_policies, then=self._policies)
        if "rates" in tabs:
            self.call(rates_in_force, then=self._rates)
            self.call(list_rate_proposals, then=self._proposals)

    def _roles(self, roles: dict[str, tuple[str, Any]]) -> None:
        self.roles = dict(roles)
        self._users(self.users)

    def _role_names(self, codes: tuple[str, ...]) -> str:
        return "・".join(safe(self.roles[c][0]) if c in self.roles else safe(c) for c in codes)

    def _users(self, users: list[admin.UserSummary]) -> None:
        self.users = list(users)
        table = self.query_one("#users-table", DataTable)
        row = table.cursor_row
        table.clear()
        now = datetime.now(UTC)
        for k, u in enumerate(self.users):
            if u.disabled:
                state = _("停止")
            elif u.locked_until is not None and u.locked_until > now:
                state = _("ロック中")
            else:
                state = _("有効")
            if u.must_change_password and not u.disabled:
                state += _("（要変更）")
            table.add_row(safe(u.login_id), safe(u.display_name), self._role_names(u.roles), state,
                          wareki(u.password_changed_at.astimezone(JST).date()), key=str(k))
        if self.users:
            table.move_cursor(row=min(row, len(self.users) - 1))
        self.query_one("#users-status", Static).update(
            _("利用者 {n}人　F2: 追加　F3: 停止・再開　F4: ロック解除　F5: パスワード再発行　F6: OTP再発行　"
              "F7/F8: ロール付与・取消").format(n=len(self.users)))

    def _terminals(self, terminals: list[Terminal]) -> None:
        self.terminals = list(terminals)
        table = self.query_one("#terminals-table", DataTable)
        table.clear()
        for k, t in enumerate(self.terminals):
            table.add_row(safe(t.id), safe(t.name), _("可") if t.can_export else "—",
                          _("窓口") if t.is_counter else "—", _("停止") if t.disabled else _("有効"), key=str(k))
        self.query_one("#terminals-status", Static).update(
            _("登録端末 {n}台　F2: 登録　F3: 停止").format(n=len(self.terminals)) if self.terminals
            else _("登録された端末はありません　F2: 登録"))

    def _policies(self, policies: dict[str, Any]) -> None:
        self.policies = list(policies.items())
        table = self.query_one("#settings-table", DataTable)
        table.clear()
        for k, (key, value) in enumerate(self.policies):
            shown = json.dumps(value, ensure_ascii=False) if value is not None else _("（既定値）")
            table.add_row(key, safe(POLICY_KEYS[key].split(" ")[0]), safe(shown[:60]), key=str(k))
        self.query_one("#settings-status", Static).update(_("F2 / Enter: 選んだ設定を JSON で変更"))
        self._setting_detail()

    @on(DataTable.RowHighlighted, "#settings-table")
    def _setting_detail(self, event: DataTable.RowHighlighted | None = None) -> None:
        row = self.query_one("#settings-table", DataTable).cursor_row
        if 0 <= row < len(self.policies):
            key, value = self.policies[row]
            text = _("形式: {form}").format(form=POLICY_KEYS[key])
            if value is not None:
                text += "\n" + _("現在値: {value}").format(value=json.dumps(value, ensure_ascii=False))
            self.query_one("#settings-detail", Static).update(safe(text).replace("␣", "\n"))

    def _rates(self, table: RateTable) -> None:
        self.rate_table = table
        widget = self.query_one("#rates-table", DataTable)
        widget.clear()
        for year in sorted(table, reverse=True):
            r = table[year]
            widget.add_row(str(year), _pct(r.within_month), _pct(r.after_month), _pct(r.refund_interest),
                           key=str(year))

    def _proposals(self, proposals: list[RateProposal]) -> None:
        self.proposals = list(proposals)
        widget = self.query_one("#proposals-table", DataTable)
        widget.clear()
        for k, p in enumerate(self.proposals):
            r = p.rates
            when = datetime.fromisoformat(p.proposed_at).astimezone(JST).strftime("%Y-%m-%d %H:%M")
            widget.add_row(str(r.year), _pct(r.within_month), _pct(r.after_month), _pct(r.refund_interest),
                           safe(p.proposed_by), when, key=str(k))
        self.query_one("#proposals-status", Static).update(
            _("承認待ちの変更案 {n}件　F3: 承認　F4: 却下（提案者以外の管理者）").format(n=len(self.proposals))
            if self.proposals else _("承認待ちの変更案はありません　F2: 変更案の登録"))

    # ------------------------------------------------------------------ users

    def _selected_user(self) -> admin.UserSummary | None:
        row = self.query_one("#users-table", DataTable).cursor_row
        if 0 <= row < len(self.users):
            return self.users[row]
        self.show_error(_("利用者を選んでください"))
        return None

    def _done(self, message: str) -> Any:
        def then(_result: object = None) -> None:
            self.notify(message, title=_("管理"))
            self.action_reload()

        return then

    def _show_credentials(self, creds: admin.NewCredentials) -> None:
        self.app.push_screen(CredentialsScreen(creds.login_id, creds.one_time_password, creds.enrolment))
        self.action_reload()

    def action_add_user(self) -> None:
        def save(result: tuple[str, str, list[str]] | None) -> None:
            if result is not None:
                login_id, name, roles = result
                self.call(admin.add_user, session_tools(self.app), login_id, name, roles,
                          then=self._show_credentials)

        self.app.push_screen(user_form(self.roles), save)

    def action_toggle_user(self) -> None:
        user = self._selected_user()
        if user is None:
            return
        login_id = user.login_id
        if user.disabled:
            confirm_then(self, _("{id} の利用を再開しますか？").format(id=safe(login_id)), "",
                         lambda: self.call(admin.enable_user, login_id,
                                           then=self._done(_("{id} の利用を再開しました").format(id=login_id))))
        else:
            confirm_then(self, _("{id} を利用停止にしますか？").format(id=safe(login_id)),
                         _("開いているセッションはすぐに終了します"),
                         lambda: self.call(admin.disable_user, login_id,
                                           then=self._done(_("{id} を利用停止にしました").format(id=login_id))))

    def action_unlock(self) -> None:
        user = self._selected_user()
        if user is not None:
            login_id = user.login_id
            confirm_then(self, _("{id} のロックを解除しますか？").format(id=safe(login_id)), "",
                         lambda: self.call(admin.unlock_user, login_id,
                                           then=self._done(_("{id} のロックを解除しました").format(id=login_id))))

    def action_reset_password(self) -> None:
        user = self._selected_user()
        if user is not None:
            login_id = user.login_id
            confirm_then(self, _("{id} のパスワードを再発行しますか？").format(id=safe(login_id)),
                         _("新しい初期パスワードを表示します。次回ログイン時に変更が必要です"),
                         lambda: self.call(admin.reset_password, session_tools(self.app), login_id,
                                           then=self._show_credentials))

    def action_reset_otp(self) -> None:
        user = self._selected_user()
        if user is not None:
            login_id = user.login_id
            confirm_then(self, _("{id} のワンタイムパスワードを再発行しますか？").format(id=safe(login_id)),
                         _("今の端末・アプリのコードは使えなくなります"),
                         lambda: self.call(admin.reset_otp, session_tools(self.app), login_id,
                                           then=self._show_credentials))

    def _role_change(self, grant: bool) -> None:
        user = self._selected_user()
        if user is None:
            return
        login_id = user.login_id
        service = admin.grant_role if grant else admin.revoke_role

        def chosen(role: str | None) -> None:
            if role is None:
                return
            name = self.roles.get(role, (role, None))[0]
            question = (_("{id} にロール「{role}」を付与しますか？") if grant
                        else _("{id} のロール「{role}」を取り消しますか？")).format(id=safe(login_id), role=name)
            message = (_("ロール「{role}」を付与しました") if grant
                       else _("ロール「{role}」を取り消しました")).format(role=name)
            confirm_then(self, question, "", lambda: self.call(service, session_tools(self.app), login_id, role,
                                                               then=self._done(message)))

        self.app.push_screen(role_form(login_id, self.roles, grant=grant), chosen)

    def action_grant(self) -> None:
        self._role_change(True)

    def action_revoke(self) -> None:
        self._role_change(False)

    # ------------------------------------------------------------------ terminals

    def action_add_terminal(self) -> None:
        def save(result: tuple[str, str, bool, bool] | None) -> None:
            if result is None:
                return
            terminal_id, name, export, counter = result
            detail = _("ファイル出力: {e}　窓口: {c}").format(e=_("可") if export else _("不可"),
                                                         c=_("窓口") if counter else _("窓口以外"))
            confirm_then(self, _("端末 {id} を登録しますか？").format(id=safe(terminal_id)), detail,
                         lambda: self.call(admin.add_terminal, session_tools(self.app), terminal_id, name,
                                           can_export=export, is_counter=counter,
                                           then=self._done(_("端末 {id} を登録しました").format(id=terminal_id))))

        self.app.push_screen(terminal_form(), save)

    def action_disable_terminal(self) -> None:
        row = self.query_one("#terminals-table", DataTable).cursor_row
        if not 0 <= row < len(self.terminals):
            return
        terminal_id = self.terminals[row].id
        confirm_then(self, _("端末 {id} を停止しますか？").format(id=safe(terminal_id)),
                     _("この端末からはログインできなくなります"),
                     lambda: self.call(admin.disable_terminal, terminal_id,
                                       then=self._done(_("端末 {id} を停止しました").format(id=terminal_id))))

    # ------------------------------------------------------------------ settings

    @on(DataTable.RowSelected, "#settings-table")
    def _setting_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit_setting()

    def action_edit_setting(self) -> None:
        row = self.query_one("#settings-table", DataTable).cursor_row
        if not 0 <= row < len(self.policies):
            return
        key, value = self.policies[row]

        def save(new: Any) -> None:
            if new is None:
                return
            detail = _("新しい値: {value}").format(value=safe(json.dumps(new, ensure_ascii=False)))
            confirm_then(self, _("設定 {key} を変更しますか？").format(key=key), detail,
                         lambda: self.call(set_policy, key, new, failed=self._setting_failed,
                                           then=self._done(_("設定 {key} を変更しました").format(key=key))))

        self.app.push_screen(policy_form(key, POLICY_KEYS[key], value), save)

    def _setting_failed(self, message: str) -> None:
        self.query_one("#settings-status", Static).update(_("変更できません: {reason}").format(reason=message))
        self.show_error(message)

    # ------------------------------------------------------------------ rates

    def action_propose(self) -> None:
        table = self.rate_table
        latest: YearRates | None = table[max(table)] if table else None
        year = datetime.now(JST).year + 1
        if latest is not None:
            year = max(year, latest.year + 1)

        def save(rates: YearRates | None) -> None:
            if rates is None:
                return
            detail = _("{year}年: 1月以内 {w}%　1月超 {a}%　還付加算金 {k}%").format(
                year=rates.year, w=rates.within_month, a=rates.after_month, k=rates.refund_interest)
            confirm_then(self, _("この変更案を登録しますか？"), detail,
                         lambda: self.call(propose_rates, rates, now=datetime.now(UTC),
                                           then=self._done(_("{year}年の変更案を登録しました。別の管理者の承認で反映されます")
                                                           .format(year=rates.year))))

        self.app.push_screen(rates_form(year, latest), save)

    def _selected_proposal(self) -> RateProposal | None:
        row = self.query_one("#proposals-table", DataTable).cursor_row
        if 0 <= row < len(self.proposals):
            return self.proposals[row]
        self.show_error(_("承認待ちの変更案はありません"))
        return None

    def _proposal_detail(self, p: RateProposal) -> str:
        r = p.rates
        text = _("{year}年: 1月以内 {w}%　1月超 {a}%　還付加算金 {k}%（提案 {who}）").format(
            year=r.year, w=r.within_month, a=r.after_month, k=r.refund_interest, who=safe(p.proposed_by))
        if p.replaces is not None:
            o = p.replaces
            text += "\n" + _("現行: 1月以内 {w}%　1月超 {a}%　還付加算金 {k}%").format(
                w=o.within_month, a=o.after_month, k=o.refund_interest)
        return text

    def action_approve(self) -> None:
        p = self._selected_proposal()
        if p is not None:
            year = p.rates.year
            confirm_then(self, _("{year}年の割合の変更案を承認して反映しますか？").format(year=year),
                         self._proposal_detail(p),
                         lambda: self.call(approve_rates, year, failed=self._rates_failed,
                                           then=self._done(_("{year}年の割合を反映しました").format(year=year))))

    def action_reject(self) -> None:
        p = self._selected_proposal()
        if p is not None:
            year = p.rates.year
            confirm_then(self, _("{year}年の割合の変更案を却下しますか？").format(year=year), self._proposal_detail(p),
                         lambda: self.call(reject_rates, year, failed=self._rates_failed,
                                           then=self._done(_("{year}年の変更案を却下しました").format(year=year))))

    def _rates_failed(self, message: str) -> None:
        self.query_one("#proposals-status", Static).update(safe(message))
        self.show_error(message)
