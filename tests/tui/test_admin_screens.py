"""管理 and 監査 screens on the small demo database: users (add → one-time password,
disable), the rate table's maker–checker, the audit log browser, verification, the
activity chart, permissions and the small terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from textual.widgets import DataTable, OptionList, Static, TabbedContent

from core.rules.rates import YearRates
from core.security.permissions import Actor
from core.services.rates import propose_rates
from storage.store import Store
from tests.tui.business import keys, settle, signed_in_app, start
from tui.screens.admin import AdminScreen
from tui.screens.admin_forms import CredentialsScreen
from tui.screens.audit import AuditScreen, hourly_chart
from tui.screens.confirm import ConfirmScreen
from tui.screens.form import FormScreen
from tui.screens.home import HomeScreen


def _text(widget: Static) -> str:
    return str(widget.render())


def _column(table: DataTable, index: int) -> list[str]:  # type: ignore[type-arg]
    return [str(table.get_row_at(r)[index]) for r in range(table.row_count)]


def _areas(app) -> list[str]:  # type: ignore[no-untyped-def]
    if not app.screen.query("#areas"):
        return []
    options = app.screen.query_one("#areas", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


def _propose_2027(store: Store, by: str) -> None:
    actor = Actor(by, frozenset({"admin.settings"}))
    propose_rates(store.uow(by), actor, YearRates(2027, Decimal("2.9"), Decimal("9.2"), Decimal("1.4")),
                  now=datetime(2026, 11, 22, 1, 0, tzinfo=UTC))


class TestAdministration:
    async def test_f10_and_8_open_administration_with_the_users(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "admin")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            assert "admin" in _areas(app) and "audit" not in _areas(app)
            await pilot.press("f10")
            await settle(app, pilot)
            assert isinstance(app.screen, AdminScreen)
            users = app.screen.query_one("#users-table", DataTable)
            assert "admin2" in _column(users, 0) and "有効" in _column(users, 3)
            assert set(app.screen.tabs()) == {"users", "terminals", "settings", "rates"}
            await pilot.press("escape")
            await pilot.press("8")
            await settle(app, pilot)
            assert isinstance(app.screen, AdminScreen)

    async def test_adding_a_user_shows_the_one_time_password_and_disabling_shows_stopped(
            self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "admin")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f10")
            await settle(app, pilot)
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await keys(pilot, "tanaka")
            await pilot.press("enter")
            await keys(pilot, "田中一郎")
            await pilot.press("enter")
            await keys(pilot, "7")  # 照会 (the listing is in role-code order)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, CredentialsScreen)
            password = _text(app.screen.query_one("#cred-password", Static))
            assert "初期パスワード" in password and app.screen.one_time_password in password
            assert "otpauth://" in _text(app.screen.query_one("#cred-uri", Static))
            assert "█" in _text(app.screen.query_one("#cred-qr", Static))
            await pilot.press("escape")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, AdminScreen)
            table = screen.query_one("#users-table", DataTable)
            row = _column(table, 0).index("tanaka")
            assert "照会" in str(table.get_row_at(row)[2])
            table.move_cursor(row=row)
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(app, pilot)
            table = app.screen.query_one("#users-table", DataTable)
            assert str(table.get_row_at(_column(table, 0).index("tanaka"))[3]) == "停止"

    async def test_a_bad_policy_value_is_refused_in_japanese(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "admin")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f10")
            await settle(app, pilot)
            await pilot.press("3")
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            field = app.screen.query("Input").first()
            field.value = "{broken"
            await pilot.press("f2")
            await pilot.pause()
            assert "JSONとして読めません" in _text(app.screen.query_one("#form-error", Static))


class TestRates:
    async def test_admin2_approves_what_admin_proposed_and_admin_cannot(self, demo_store: Store) -> None:
        _propose_2027(demo_store, "admin")
        app = signed_in_app(demo_store, "admin")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f10")
            await settle(app, pilot)
            await pilot.press("4")
            await settle(app, pilot)
            assert "admin" in _column(app.screen.query_one("#proposals-table", DataTable), 4)
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(app, pilot)
            status = _text(app.screen.query_one("#proposals-status", Static))
            assert "起案者本人は決裁できません" in status

        checker = signed_in_app(demo_store, "admin2")
        async with checker.run_test(size=(120, 40)) as pilot:
            await start(checker, pilot)
            await pilot.press("f10")
            await settle(checker, pilot)
            await pilot.press("4", "f3")
            await pilot.pause()
            assert isinstance(checker.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(checker, pilot)
            screen = checker.screen
            assert isinstance(screen, AdminScreen)
            assert screen.query_one("#proposals-table", DataTable).row_count == 0
            rates = screen.query_one("#rates-table", DataTable)
            assert [str(c) for c in rates.get_row_at(0)] == ["2027", "2.9%", "9.2%", "1.4%"]


class TestAudit:
    async def test_f11_and_9_open_the_log_and_a_filter_by_action_shows_its_rows(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "auditor")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            assert _areas(app) == ["audit"]
            await pilot.press("9")
            await settle(app, pilot)
            assert isinstance(app.screen, AuditScreen)
            await pilot.press("escape", "f11")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, AuditScreen)
            assert screen.query_one("#log-table", DataTable).row_count > 0
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            app.screen.query_one("#form-action").value = "login.success"
            await pilot.press("f2")
            await settle(app, pilot)
            table = screen.query_one("#log-table", DataTable)
            assert table.row_count > 0
            assert set(_column(table, 6)) == {"login.success"} and set(_column(table, 3)) == {"ログイン成功"}
            assert "操作 login.success" in _text(screen.query_one("#audit-filter", Static))
            await pilot.press("4")
            chart = _text(screen.query_one("#usage-chart", Static))
            assert "auditor" in chart and "計" in chart

    async def test_verification_runs_and_reports_an_intact_log(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "auditor")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f11")
            await settle(app, pilot)
            await pilot.press("3", "f5")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, AuditScreen) and screen.outcome is not None and screen.outcome.ok
            assert "改ざんなし" in _text(screen.query_one("#verify-result", Static))
            await pilot.press("2")
            assert screen.query_one("#audit-tabs", TabbedContent).active == "anomalies"

    def test_the_hourly_chart_scales_to_the_peak(self) -> None:
        rows = [{"occurred_at": "2026-11-22T09:15:00+09:00", "user_id": "a"}] * 4 + \
               [{"occurred_at": "2026-11-22T14:00:00+09:00", "user_id": "b"}]
        lines = hourly_chart(rows).splitlines()
        a = next(line for line in lines if line.startswith("a "))
        b = next(line for line in lines if line.startswith("b "))
        start = lines[1].index("0")  # the hour ruler starts over the first cell
        assert a[start + 9] == "█" and a[start:start + 24].strip() == "█" and a.endswith("4")
        assert b[start + 14] == "▂" and b.endswith("1")


class TestPermissionsAndSize:
    async def test_an_officer_has_neither_area_and_f10_f11_do_nothing(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            assert "admin" not in _areas(app) and "audit" not in _areas(app)
            await pilot.press("f10", "f11", "8", "9")
            await settle(app, pilot)
            assert isinstance(app.screen, HomeScreen)

    async def test_both_screens_render_at_80_by_24(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "admin")
        async with app.run_test(size=(80, 24)) as pilot:
            await start(app, pilot)
            await pilot.press("f10")
            await settle(app, pilot)
            assert app.screen.query_one("#users-table", DataTable).size.height >= 5
        auditor = signed_in_app(demo_store, "auditor")
        async with auditor.run_test(size=(80, 24)) as pilot:
            await start(auditor, pilot)
            await pilot.press("f11")
            await settle(auditor, pilot)
            assert auditor.screen.query_one("#log-table", DataTable).size.height >= 5
