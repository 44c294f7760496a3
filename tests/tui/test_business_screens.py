"""The business screens on a small demo database, driven by the keys a clerk presses."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from textual.widgets import DataTable, Input, Static

from core.security.permissions import Actor
from core.services.account import taxpayer_account
from storage.schema import dunnings, taxpayers
from storage.store import Store
from tests.tui.business import AS_OF, keys, open_taxpayer, settle, signed_in_app, start
from tui.screens.counter import CounterScreen, parse_yen
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.search import SearchScreen
from tui.screens.suspense import SuspenseScreen
from tui.screens.taxpayer import TaxpayerScreen
from tui.text import safe


def _debtor(store: Store) -> tuple[int, str]:
    with store.reading() as conn:
        row = conn.execute(select(taxpayers.c.id, taxpayers.c.atena_no).join(dunnings)
                           .order_by(taxpayers.c.id).limit(1)).one()
    return int(row.id), row.atena_no


def _areas(app) -> list[str]:  # type: ignore[no-untyped-def]
    found = app.screen.query("#areas")
    if not found:
        return []
    options = found.first()
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


class TestMenu:
    async def test_a_collection_clerk_is_offered_inquiry_suspense_and_imports(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            assert isinstance(app.screen, HomeScreen) and _areas(app) == ["search", "suspense", "import", "batch"]

    async def test_an_inquiry_user_is_offered_inquiry_only_and_f3_does_nothing(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "inquiry")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            assert _areas(app) == ["search"]
            await pilot.press("f3")
            await settle(app, pilot)
            assert isinstance(app.screen, HomeScreen)

    async def test_an_administrator_gets_no_business_area_only_administration(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "admin")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            assert _areas(app) == ["admin"] and not app.screen.query("#no-areas")

    async def test_f1_lists_the_keys_of_the_screen(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = " ".join(str(w.render()) for w in app.screen.query(Static))
            assert "照会（納税者の検索）" in text and "ログアウト" in text
            await pilot.press("escape")
            assert isinstance(app.screen, HomeScreen)


class TestInquiry:
    async def test_searching_by_atena_number_and_opening_the_taxpayer_shows_the_periods(self, demo_store: Store) -> None:
        tid, atena = _debtor(demo_store)
        app = signed_in_app(demo_store, "clerk-mn")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("1")
            assert isinstance(app.screen, SearchScreen)
            assert app.screen.query("#f-my_number")  # the My Number role may search by it
            await keys(pilot, atena)
            await pilot.press("f5")
            await settle(app, pilot)
            table = app.screen.query_one("#results", DataTable)
            assert table.row_count == 1
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, TaxpayerScreen)
            periods = app.screen.query_one("#periods-table", DataTable)
            account = taxpayer_account(demo_store.uow(), Actor("t", frozenset({"taxpayer.view"})), tid, as_of=AS_OF)
            assert periods.row_count == len(account.periods) > 0
            assert "滞納" in str(app.screen.query_one("#periods-total", Static).render())
            await pilot.press("1")
            await pilot.pause()
            basic = " ".join(str(w.render()) for w in app.screen.query("#basic-body Static"))
            assert atena in basic and "****-****-" in basic

    async def test_an_inquiry_user_has_no_my_number_field_and_sees_no_my_number(self, demo_store: Store) -> None:
        _, atena = _debtor(demo_store)
        app = signed_in_app(demo_store, "inquiry")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("1")
            assert not app.screen.query("#f-my_number")
            await keys(pilot, atena)
            await pilot.press("f5")
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            await pilot.press("1")
            await pilot.pause()
            basic = " ".join(str(w.render()) for w in app.screen.query("#basic-body Static"))
            assert "個人番号" not in basic
            await pilot.press("p")  # no 窓口収納 for an inquiry user
            await settle(app, pilot)
            assert isinstance(app.screen, TaxpayerScreen)

    async def test_a_search_without_criteria_says_so_in_japanese(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "inquiry")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("1")
            await pilot.press("f5")
            await settle(app, pilot)
            assert "検索条件を1つ以上" in str(app.screen.query_one("#search-status", Static).render())


class TestCounterPayment:
    async def test_select_quote_confirm_and_the_receipt_then_the_periods_are_paid(self, demo_store: Store) -> None:
        tid, atena = _debtor(demo_store)
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("1")
            await keys(pilot, atena)
            await pilot.press("f5")
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            await pilot.press("p")
            await settle(app, pilot)
            assert isinstance(app.screen, CounterScreen)
            await pilot.press("a", "f5")
            await settle(app, pilot)
            total = app.screen.quote.total
            assert app.screen.query_one("#amount", Input).value == str(total)
            await pilot.press("enter", "enter")  # amount as quoted, cash = amount
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            assert isinstance(app.screen, ReceiptScreen)
            assert app.screen.receipt.amount == total
            await pilot.press("o")  # the 領収証書 as a PDF into documents/
            await settle(app, pilot)
            assert [p for p in demo_store.config.documents_dir.iterdir() if p.suffix == ".pdf"]
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, TaxpayerScreen)
        account = taxpayer_account(demo_store.uow(), Actor("t", frozenset({"taxpayer.view"})), tid,
                                   as_of=date.today() if date.today() > AS_OF else AS_OF)
        assert all(p.honzei_due == 0 for p in account.periods if p.due_date <= AS_OF)

    async def test_answering_no_posts_nothing(self, demo_store: Store) -> None:
        tid, atena = _debtor(demo_store)
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await open_taxpayer(app, pilot, tid)
            await pilot.press("p")
            await settle(app, pilot)
            await pilot.press("a", "f5")
            await settle(app, pilot)
            await pilot.press("f9")
            await pilot.pause()
            await pilot.press("n")
            await settle(app, pilot)
            assert isinstance(app.screen, CounterScreen)
        account = taxpayer_account(demo_store.uow(), Actor("t", frozenset({"taxpayer.view"})), tid, as_of=AS_OF)
        assert account.honzei_due > 0


class TestSuspense:
    async def test_recording_a_return_closes_the_item(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("2")
            await settle(app, pilot)
            assert isinstance(app.screen, SuspenseScreen)
            before = app.screen.query_one("#suspense-table", DataTable).row_count
            assert before > 0
            await pilot.press("t")
            await pilot.pause()
            await keys(pilot, "RET-2026-001")
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert app.screen.query_one("#suspense-table", DataTable).row_count == before - 1


class TestDisplayHelpers:
    def test_stored_control_characters_are_shown_neutralised(self) -> None:
        assert safe("山田\x1b[31m太郎\u202e\n") == "山田�[31m太郎�␣"

    def test_amounts_typed_with_commas_or_full_width_digits_are_read(self) -> None:
        assert (parse_yen("12,300"), parse_yen("１２３００"), parse_yen("12a")) == (12_300, 12_300, None)


class TestRefundScreens:
    async def test_appropriate_then_draft_then_approve_then_pay_cash(self, demo_store: Store) -> None:
        from core.domain.payment import OverpaymentCause
        from core.domain.refund import RefundState
        from tui.screens.overpayments import DraftScreen, OverpaymentsScreen
        from tui.screens.refunds import RefundsScreen

        tid, _ = _debtor(demo_store)
        with demo_store.uow() as uow:
            oid = uow.ledger.add_overpayment(taxpayer_id=tid, payment_id=None, assessment_id=None,
                                             cause=OverpaymentCause.DOUBLE_PAYMENT, amount=9_000_000,
                                             arisen_on=date(2026, 10, 1))
            uow.commit()
        app = signed_in_app(demo_store, "refund")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("3")
            await settle(app, pilot)
            assert isinstance(app.screen, OverpaymentsScreen)
            index = [line.item.id for line in app.screen.lines].index(oid)
            app.screen.query_one("#over-table", DataTable).move_cursor(row=index)
            await pilot.press("c")
            await settle(app, pilot)
            await pilot.press("y")  # 充当 first: the taxpayer has debts
            await settle(app, pilot)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, DraftScreen)
            await pilot.press("4", "enter", "enter")  # cash, today's date
            await settle(app, pilot)
            assert isinstance(app.screen, OverpaymentsScreen)
        with demo_store.uow() as uow:
            refund = uow.refunds.live_refund(oid)
            assert refund is not None and refund.state is RefundState.DRAFTED and refund.drafted_by == "refund"
            assert uow.refunds.appropriations(oid)
        approver = signed_in_app(demo_store, "approver", at=datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
        async with approver.run_test(size=(160, 45)) as pilot:
            await start(approver, pilot)
            await pilot.press("4")
            await settle(approver, pilot)
            assert isinstance(approver.screen, RefundsScreen)
            ids = [r.id for r in approver.screen.refunds]
            approver.screen.query_one("#refunds-list", DataTable).move_cursor(row=ids.index(refund.id))
            await pilot.press("y")
            await pilot.pause()
            await pilot.press("y")
            await settle(approver, pilot)
        with demo_store.uow() as uow:
            assert uow.refunds.refund(refund.id).state is RefundState.APPROVED
        clerk = signed_in_app(demo_store, "refund", at=datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
        async with clerk.run_test(size=(160, 45)) as pilot:
            await start(clerk, pilot)
            await pilot.press("3")
            await settle(clerk, pilot)
            await pilot.press("w")
            await settle(clerk, pilot)
            ids = [r.id for r in clerk.screen.refunds]
            clerk.screen.query_one("#refunds-list", DataTable).move_cursor(row=ids.index(refund.id))
            await pilot.press("g")
            await pilot.pause()
            await pilot.press("y")
            await settle(clerk, pilot)
        with demo_store.uow() as uow:
            assert uow.refunds.refund(refund.id).state is RefundState.PAID


class TestTransferRegistration:
    async def test_a_clerk_registers_an_account_and_sees_it_masked(self, demo_store: Store) -> None:
        from tui.screens.transfer_account import TransferAccountScreen

        tid, _ = _debtor(demo_store)
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await open_taxpayer(app, pilot, tid)
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, TransferAccountScreen)
            for value in ("0005", "123", "1", "7654321", "ﾔﾏﾀﾞ ﾀﾛｳ", "01,03"):
                await keys(pilot, value)
                await pilot.press("enter")
            await pilot.press("enter")  # the start date as offered
            await settle(app, pilot)
            await pilot.press("5")
            await settle(app, pilot)
            table = app.screen.query_one("#accounts-table", DataTable)
            cells = [table.get_row_at(i) for i in range(table.row_count)]
            assert any(row[0] == "0005" and row[3] == "****321" for row in cells)
            assert not any("7654321" in str(cell) for row in cells for cell in row)


class TestWorklist:
    async def test_the_menu_counts_what_waits_for_an_approver(self, demo_store: Store) -> None:
        from core.services.refunds import approval_queue

        waiting = len(approval_queue(demo_store.uow(), Actor("approver", frozenset({"refund.approve"}))))
        app = signed_in_app(demo_store, "approver")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await settle(app, pilot)
            text = str(app.screen.query_one("#worklist", Static).render())
            assert f"還付の決裁待ち {waiting:,}" in text

    async def test_a_clerk_sees_the_open_suspense_count(self, demo_store: Store) -> None:
        with demo_store.uow() as uow:
            open_items = uow.ledger.count_open_suspense()
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await settle(app, pilot)
            assert f"未消込 {open_items:,}" in str(app.screen.query_one("#worklist", Static).render())


class TestImportScreen:
    async def _import(self, demo_store: Store, content: str) -> str:  # type: ignore[no-untyped-def]
        from tui.screens.batch_import import ImportScreen

        inbox = demo_store.config.inbox_dir
        inbox.mkdir(parents=True, exist_ok=True)
        (inbox / "shuno.csv").write_text(content, encoding="utf-8")
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("5")
            await settle(app, pilot)
            assert isinstance(app.screen, ImportScreen)
            await pilot.press("down", "enter")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            return str(app.screen.query_one("#import-status", Static).render())

    async def test_a_payments_file_from_the_inbox_is_imported_with_a_summary(self, demo_store: Store) -> None:
        header = "record_key,channel,notice_no,period,amount,received_on,accounted_on,bank_code,branch_code\n"
        status = await self._import(demo_store, header + "T-1,bank,NOPE1,1,1200,2026-11-20,2026-11-20,,\n")
        assert "取り込みました: 1件" in status and "未消込 1件 1,200円" in status

    async def test_a_malformed_file_lists_its_bad_lines_and_applies_nothing(self, demo_store: Store) -> None:
        header = "record_key,channel,notice_no,period,amount,received_on,accounted_on,bank_code,branch_code\n"
        with demo_store.uow() as uow:
            before = uow.ledger.count_open_suspense()
        status = await self._import(demo_store, header + "T-1,bank,NOPE1,1,abc,2026-11-20,2026-11-20,,\n"
                                    "T-2,bank,NOPE1,1,100,2026-13-01,2026-11-20,,\n")
        assert "何も反映していません" in status and "2行目" in status and "3行目" in status
        with demo_store.uow() as uow:
            assert uow.ledger.count_open_suspense() == before


class TestBatchScreen:
    async def test_dunning_then_a_transfer_request_file_in_the_documents_folder(self, demo_store: Store) -> None:
        import stat

        from storage.schema import transfer_runs
        from tui.screens.batch import BatchScreen

        with demo_store.reading() as conn:
            debit_on = conn.execute(select(transfer_runs.c.debit_on).where(transfer_runs.c.status == "requested")
                                    ).scalar_one()
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("6")
            await settle(app, pilot)
            assert isinstance(app.screen, BatchScreen)
            await pilot.press("f5")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert "督促" in str(app.screen.query_one("#batch-result", Static).render())
            app.screen.query_one("#debit-on", Input).focus()
            await keys(pilot, debit_on.isoformat())
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("y")
            for _ in range(20):
                await pilot.pause(0.1)
                if "請求ファイル" in str(app.screen.query_one("#batch-result", Static).render()):
                    break
        (written,) = list(demo_store.config.documents_dir.glob("kouhuri-*.txt"))
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert all(len(r) == 120 for r in written.read_bytes().split(b"\r\n") if r)


class TestReversal:
    async def test_a_payment_is_reversed_with_a_reason_and_a_confirmation(self, demo_store: Store) -> None:
        tid, _ = _debtor(demo_store)
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(160, 45)) as pilot:
            await open_taxpayer(app, pilot, tid)
            await pilot.press("3")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, TaxpayerScreen) and screen.account is not None
            from storage.schema import overpayments

            with demo_store.reading() as conn:
                with_overpayment = set(conn.execute(select(overpayments.c.payment_id)).scalars())
            receipts = [p for p in screen.account.payments if p.kind == "receipt" and not p.reversed
                        and p.channel not in ("offset", "seizure") and p.received_on <= AS_OF
                        and p.payment_id not in with_overpayment]
            before = len([p for p in screen.account.payments if p.kind == "reversal"])
            index = screen.account.payments.index(receipts[0])
            screen.query_one("#payments-table", DataTable).move_cursor(row=index)
            await pilot.press("x")
            await pilot.pause()
            await keys(pilot, "duplicate")
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert [n.message for n in app._notifications if n.severity == "error"] == []
            assert len([p for p in screen.account.payments if p.kind == "reversal"]) == before + 1


class TestCollectionStatisticsChart:
    async def test_f10_on_the_batch_screen_draws_the_collection_rate_by_tax(self, demo_store: Store) -> None:
        from textual.widgets import Static

        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("6")
            await settle(app, pilot)
            await pilot.press("f10")
            await settle(app, pilot)
            text = str(app.screen.query_one("#batch-result", Static).render())
            assert "収納率" in text and "現年度分" in text and "█" in text and "%" in text


class TestRefundFiles:
    async def test_f9_writes_the_transfer_file_and_o_prints_the_notice_of_an_approved_refund(
            self, demo_store: Store) -> None:
        from tui.screens.refunds import RefundsScreen

        app = signed_in_app(demo_store, "refund")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            app.push_screen(RefundsScreen())
            await settle(app, pilot)
            screen = app.screen
            states = [r.state.value for r in screen.refunds]
            await pilot.press("f9")
            await settle(app, pilot)
            await pilot.press("y")
            await settle(app, pilot)
            folder = demo_store.config.documents_dir
            assert any(p.name.startswith("sogo-furikomi-") for p in folder.iterdir())
            target = next((i for i, r in enumerate(app.screen.refunds) if r.state.value in ("approved", "paid")), None)
            assert target is not None, states
            app.screen.query_one("#refunds-list").move_cursor(row=target)
            await pilot.press("o")
            await settle(app, pilot)
            assert any(p.suffix == ".pdf" for p in folder.iterdir())
