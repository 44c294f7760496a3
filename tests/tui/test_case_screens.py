"""滞納整理 screens on the small demo database: the worklist, a case, 経過記録, a 差押
proposed by the officer and decided by the supervisor, permissions and small terminals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from textual.binding import Binding
from textual.widgets import DataTable, Input, OptionList, Static, TabbedContent

from core.security.permissions import Actor, Permission
from core.services.account import taxpayer_account
from core.services.cases import assign_case, open_case, update_case
from storage.schema import cases, dunnings
from storage.store import Store
from tests.tui.business import AS_OF, keys, open_taxpayer, settle, signed_in_app, start
from tui.screens.case import CaseScreen
from tui.screens.cases import CasesScreen
from tui.screens.choice import ChoiceScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.form import FormScreen
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen

EVERYTHING = Actor("officer", frozenset(p.value for p in Permission))


def _case(store: Store) -> int:
    """A case of "officer", due today, whose taxpayer owes a period dunned long enough ago to seize."""
    cutoff = AS_OF - timedelta(days=11)
    with store.reading() as conn:
        candidates = [int(r.taxpayer_id) for r in conn.execute(
            select(dunnings.c.taxpayer_id).where(dunnings.c.issued_on <= cutoff)
            .group_by(dunnings.c.taxpayer_id).order_by(dunnings.c.taxpayer_id))]
    for tid in candidates:
        account = taxpayer_account(store.uow(), EVERYTHING, tid, as_of=AS_OF)
        if not any(p.honzei_due > 0 and p.dunning_on is not None and p.dunning_on <= cutoff and not p.suspended
                   for p in account.periods):
            continue
        with store.reading() as conn:
            found = conn.execute(select(cases.c.id).where(cases.c.taxpayer_id == tid,
                                                          cases.c.status != "closed")).first()
        if found is None:
            case_id = open_case(store.uow(), EVERYTHING, tid, on=AS_OF, officer="officer")
        else:
            case_id = int(found.id)
            assign_case(store.uow(), EVERYTHING, case_id, officer="officer")
        update_case(store.uow(), EVERYTHING, case_id, next_action_on=AS_OF)
        return case_id
    raise AssertionError("the demo has no seizable debtor")


def _text(widget: Static) -> str:
    return str(widget.render())


def _cells(table: DataTable, row: int = 0) -> str:  # type: ignore[type-arg]
    return " ".join(str(c) for c in table.get_row_at(row))


async def _open_from_worklist(app, pilot, case_id: int) -> None:  # type: ignore[no-untyped-def]
    """On the worklist: the case's row in the highlighted section, then Enter."""
    screen = app.screen
    assert isinstance(screen, CasesScreen)
    row = next(k for k, r in enumerate(screen.rows) if r.case_id == case_id)
    table = screen.query_one("#cases-table", DataTable)
    table.focus()
    table.move_cursor(row=row)
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, CaseScreen) and app.screen.case_id == case_id


async def _officer_on_case(app, pilot, case_id: int) -> None:  # type: ignore[no-untyped-def]
    await start(app, pilot)
    app.push_screen(CaseScreen(case_id))
    await settle(app, pilot)


class TestWorklist:
    async def test_f9_and_7_open_the_worklist_with_a_count_per_section(self, demo_store: Store) -> None:
        _case(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f9")
            await settle(app, pilot)
            assert isinstance(app.screen, CasesScreen)
            sections = app.screen.query_one("#sections", OptionList)
            prompts = [str(sections.get_option_at_index(i).prompt) for i in range(sections.option_count)]
            assert prompts[0].startswith("対応予定日が来た案件") and prompts[0].endswith("件")
            assert app.screen.worklist is not None and app.screen.worklist.count("due") >= 1
            assert f"{app.screen.worklist.count('due'):,}件" in prompts[0]
            await pilot.press("escape")
            await pilot.press("7")
            await settle(app, pilot)
            assert isinstance(app.screen, CasesScreen)
            assert "a" not in app.screen.active_bindings  # all officers: for those who assign cases

    async def test_an_inquiry_user_has_no_delinquency_area(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "inquiry")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            options = app.screen.query_one("#areas", OptionList)
            assert "cases" not in [options.get_option_at_index(i).id for i in range(options.option_count)]
            await pilot.press("f9", "7")
            await settle(app, pilot)
            assert isinstance(app.screen, HomeScreen)


class TestCase:
    async def test_enter_opens_the_case_and_r_records_a_note_shown_first_on_tab_2(self, demo_store: Store) -> None:
        case_id = _case(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f9")
            await settle(app, pilot)
            await _open_from_worklist(app, pilot, case_id)
            assert f"案件 {case_id}" in _text(app.screen.query_one("#case-head", Static))
            assert app.screen.query_one("#periods-table", DataTable).row_count > 0
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await pilot.press("enter", "enter")  # 種類 2 電話, 相手 1 本人
            await keys(pilot, "納付相談 来週電話")
            await pilot.press("enter", "enter")  # 次回対応日: none, saves
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            assert screen.query_one("#case-tabs", TabbedContent).active == "records"
            first = _cells(screen.query_one("#records-table", DataTable))
            assert "電話" in first and "本人" in first and "納付相談 来週電話" in first
            assert screen.detail is not None and screen.detail.case.status.value == "contact"  # first contact
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, CasesScreen)  # read again on return

    async def test_a_plan_shows_its_instalments_on_tab_3(self, demo_store: Store) -> None:
        case_id = _case(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await _officer_on_case(app, pilot, case_id)
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await pilot.press("enter", "enter")  # every period past due, pledged today
            await keys(pilot, "3")
            await pilot.press("enter")
            await keys(pilot, "2026-12-25")
            await pilot.press("enter", "enter")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert "第3回" in " ".join(_text(w) for w in app.screen.query(Static))  # the schedule, before saving
            await pilot.press("y")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen) and screen.query_one("#case-tabs", TabbedContent).active == "plans"
            assert "履行中" in _cells(screen.query_one("#plans-table", DataTable))
            assert screen.query_one("#schedule-table", DataTable).row_count == 3


class TestSeizure:
    async def test_the_officer_proposes_a_seizure_and_the_supervisor_approves_it_with_f8(
            self, demo_store: Store) -> None:
        case_id = _case(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await _officer_on_case(app, pilot, case_id)
            assert "f8" not in app.screen.active_bindings  # no decisions for an officer
            await pilot.press("f5")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await pilot.press("enter", "enter")  # 1 差押, 1 預金
            await keys(pilot, "みなと銀行 本店 普通預金")
            await pilot.press("enter", "enter", "enter", "enter")  # today, no amount, the seizable periods
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen), _text(app.screen.query_one("#form-error", Static))
            assert "決裁待ち" in _cells(screen.query_one("#dispositions-table", DataTable))

        boss = signed_in_app(demo_store, "supervisor")
        async with boss.run_test(size=(120, 40)) as pilot:
            await start(boss, pilot)
            await pilot.press("f9")
            await settle(boss, pilot)
            assert "全担当者" in _text(boss.screen.query_one("#cases-title", Static))  # every officer's cases
            sections = boss.screen.query_one("#sections", OptionList)
            sections.highlighted = list(boss.screen.worklist.sections).index("approvals")
            await settle(boss, pilot)
            await _open_from_worklist(boss, pilot, case_id)
            await pilot.press("f8")
            await pilot.pause()
            assert isinstance(boss.screen, ChoiceScreen)
            await pilot.press("1")  # 承認
            await settle(boss, pilot)
            screen = boss.screen
            assert isinstance(screen, CaseScreen)
            assert "差押中" in _cells(screen.query_one("#dispositions-table", DataTable))
            assert "処分中" in _text(screen.query_one("#case-head", Static))

    async def test_the_supervisor_is_told_they_cannot_decide_their_own_proposal(self, demo_store: Store) -> None:
        case_id = _case(demo_store)
        app = signed_in_app(demo_store, "supervisor")
        async with app.run_test(size=(120, 40)) as pilot:
            await _officer_on_case(app, pilot, case_id)
            await pilot.press("f5")
            await pilot.pause()
            await pilot.press("enter", "enter")
            await keys(pilot, "軽自動車")
            await pilot.press("enter", "enter", "enter", "enter")
            await settle(app, pilot)
            await pilot.press("f8")
            await pilot.pause()
            await pilot.press("1")
            await settle(app, pilot)
            messages = [n.message for n in app._notifications]  # noqa: SLF001
            assert any("起案者本人は決裁できません" in m for m in messages)
            assert "決裁待ち" in _cells(app.screen.query_one("#dispositions-table", DataTable))


class TestSizes:
    @pytest.mark.parametrize("size", [(80, 24), (120, 40)])
    async def test_the_worklist_every_tab_and_the_record_form_render(self, demo_store: Store,
                                                                     size: tuple[int, int]) -> None:
        case_id = _case(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=size) as pilot:
            await start(app, pilot)
            await pilot.press("7")
            await settle(app, pilot)
            await _open_from_worklist(app, pilot, case_id)
            for tab in "123456":
                await pilot.press(tab)
                await pilot.pause()
            assert app.screen.query_one("#case-tabs", TabbedContent).active == "suspensions"
            assert "執行停止はありません" in _text(app.screen.query_one("#suspensions-status", Static))
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await pilot.press("escape")
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert "経過記録の入力" in " ".join(_text(w) for w in app.screen.query(Static))


@pytest.mark.parametrize("screen", [CasesScreen, CaseScreen, FormScreen, ChoiceScreen])
def test_every_binding_has_an_id_and_a_description(screen: type) -> None:
    assert all(isinstance(b, Binding) and b.id and b.description for b in screen.BINDINGS)


def _a_case_taxpayer(store: Store) -> int:
    """A demo taxpayer who has an open case."""
    with store.uow() as uow:
        return int(uow.cases.summaries(limit=1)[0][0]["case"].taxpayer_id)


class TestFromTheTaxpayer:
    async def test_k_on_a_taxpayer_opens_their_case_and_tab_6_lists_certificates(self, demo_store: Store) -> None:
        from tui.screens.taxpayer import TaxpayerScreen

        tid = _a_case_taxpayer(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_taxpayer(app, pilot, tid)
            await pilot.press("6")
            await settle(app, pilot)
            assert app.screen.query_one("#tabs").active == "certificates"
            await pilot.press("k")
            await settle(app, pilot)
            assert isinstance(app.screen, CaseScreen)
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, TaxpayerScreen)

    async def test_an_inquiry_user_has_no_case_key(self, demo_store: Store) -> None:
        from tui.screens.taxpayer import TaxpayerScreen

        tid = _a_case_taxpayer(demo_store)
        app = signed_in_app(demo_store, "inquiry")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_taxpayer(app, pilot, tid)
            await pilot.press("k")
            await settle(app, pilot)
            assert isinstance(app.screen, TaxpayerScreen)


class TestDelinquencyBatch:
    async def test_a_supervisor_runs_the_case_batch_the_plan_check_and_sees_statistics(self, demo_store: Store) -> None:
        from tui.screens.delinquency_batch import DelinquencyBatchScreen

        app = signed_in_app(demo_store, "supervisor")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("7")
            await settle(app, pilot)
            await pilot.press("b")
            await settle(app, pilot)
            assert isinstance(app.screen, DelinquencyBatchScreen)
            result = app.screen.query_one("#dbatch-result", Static)
            await pilot.press("f9")
            await settle(app, pilot)
            text = str(result.render())
            assert "滞納者" in text and "█" in text and "年度" in text
            await pilot.press("f6")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(app, pilot)
            assert "分納の点検" in str(result.render())
            await pilot.press("f5")
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            assert "案件を開始しました" in str(result.render())

    async def test_an_officer_cannot_open_cases_in_bulk(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("7")
            await settle(app, pilot)
            await pilot.press("b")
            await settle(app, pilot)
            await pilot.press("f5")
            await settle(app, pilot)
            assert not isinstance(app.screen, ConfirmScreen)  # case.assign only

    def test_the_bars_scale_to_the_largest_value(self) -> None:
        from tui.screens.delinquency_batch import bar_chart

        lines = bar_chart([("a", 100), ("b", 50), ("c", 0)], width=10)
        assert lines[0].count("█") == 10 and lines[1].count("█") == 5 and "█" not in lines[2]


class TestTaxpayerArrearsTab:
    async def test_tab_7_summarises_the_open_case_for_an_officer(self, demo_store: Store) -> None:
        tid = _a_case_taxpayer(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_taxpayer(app, pilot, tid)
            await pilot.press("7")
            await settle(app, pilot)
            text = str(app.screen.query_one("#case-body", Static).render())
            assert "案件" in text and "滞納額" in text and "k: 案件を開く" in text

    async def test_a_clerk_has_no_arrears_tab(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_taxpayer(app, pilot, 1)
            assert not app.screen.query("#case-body")


class TestTagsPlansDeferrals:
    async def test_the_officer_puts_a_red_tag_on_the_case_and_sees_it_in_the_header(self, demo_store: Store) -> None:
        case_id = _case(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await _officer_on_case(app, pilot, case_id)
            assert "t" in app.screen.active_bindings
            await pilot.press("t")
            await pilot.pause()
            if isinstance(app.screen, ChoiceScreen):  # the case already has a tag: 1 add
                await pilot.press("1")
                await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await pilot.press("enter")  # 1 赤
            await keys(pilot, "弁護士介入")
            await pilot.press("enter", "enter")  # no end date, saves
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            assert "弁護士介入" in _text(screen.query_one("#case-head", Static))
            assert screen.detail is not None and any(t.colour == "red" and t.text == "弁護士介入"
                                                     for t in screen.detail.tags)

    async def test_the_supervisor_grants_a_kanka_deferral_with_half_reduction_listed_on_tab_6(
            self, demo_store: Store) -> None:
        case_id = _case(demo_store)
        officer = signed_in_app(demo_store, "officer")
        async with officer.run_test(size=(120, 40)) as pilot:
            await _officer_on_case(officer, pilot, case_id)
            await pilot.press("6", "f6")
            await pilot.pause()
            assert isinstance(officer.screen, FormScreen)  # an officer only proposes a 執行停止
        app = signed_in_app(demo_store, "supervisor")
        async with app.run_test(size=(120, 40)) as pilot:
            await _officer_on_case(app, pilot, case_id)
            await pilot.press("6", "f6")
            await pilot.pause()
            choice = app.screen
            assert isinstance(choice, ChoiceScreen)
            await pilot.press(str([k for k, _t in choice.options].index("defer") + 1))
            await pilot.pause()
            form = app.screen
            assert isinstance(form, FormScreen)
            form.query_one("#form-kind", Input).value = "2"  # 換価の猶予
            form.query_one("#form-reduction", Input).value = "2"  # 2分の1免除
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen), _text(form.query_one("#form-error", Static))
            await pilot.press("y")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            assert screen.query_one("#case-tabs", TabbedContent).active == "suspensions"
            table = screen.query_one("#deferrals-table", DataTable)
            rows = [_cells(table, k) for k in range(table.row_count)]
            assert any("換価の猶予" in r and "2分の1免除" in r for r in rows)

    async def test_f3_cancels_the_live_plan_and_tab_3_shows_it_cancelled(self, demo_store: Store) -> None:
        case_id = _case(demo_store)
        app = signed_in_app(demo_store, "officer")
        async with app.run_test(size=(120, 40)) as pilot:
            await _officer_on_case(app, pilot, case_id)
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await pilot.press("enter", "enter")
            await keys(pilot, "3")
            await pilot.press("enter")
            await keys(pilot, "2026-12-25")
            await pilot.press("enter", "enter")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen)
            await pilot.press("2")  # 取消
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen) and screen.query_one("#case-tabs", TabbedContent).active == "plans"
            assert "取消" in _cells(screen.query_one("#plans-table", DataTable))
