"""口座振替 (SPEC §7) on a real store: registering an account, the 請求 run for a debit
date as a 全銀 種別91 file, and the bank's 結果 file posted back (all or nothing, once)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from core.domain.assessment import TaxCode
from core.domain.identity import Terminal
from core.errors import PermissionDenied, ValidationError
from core.security.permissions import Actor, Permission
from core.services.account import taxpayer_account
from core.services.transfer import (
    CONSIGNOR_KEY,
    ResultLine,
    apply_transfer_results,
    register_account,
    request_transfers,
)
from storage.demo.activity import DEMO_CONSIGNOR
from storage.files import zengin
from storage.files.transfer_request import render_transfer_request
from storage.schema import audit_events, payments, transfer_accounts, transfer_runs
from storage.store import Store
from tests.collection.helpers import CLERK, NOBODY, balances, conserved, pay, seed
from tests.collection.test_posting import _post

DUE = date(2025, 6, 30)
ACCOUNT_NO = "7654321"
HOLDER = "ヤマダ　タロウ"


# --- set-up ------------------------------------------------------------------------------


def _terminals(store: Store) -> None:
    """T01 may export (CLERK's terminal); T02 is registered but may not."""
    with store.uow("admin") as uow:
        now = datetime.now(UTC)
        uow.identity.add_terminal(Terminal("T01", "収納1", can_export=True, is_counter=False, disabled=False),
                                  by="admin", now=now)
        uow.identity.add_terminal(Terminal("T02", "窓口2", can_export=False, is_counter=True, disabled=False),
                                  by="admin", now=now)
        uow.settings.set(CONSIGNOR_KEY, DEMO_CONSIGNOR, by="admin")
        uow.commit()


def _register(store: Store, tid: int, *, tax_codes: tuple[str, ...] = ("01",), start: date = date(2025, 4, 1),
              **overrides: Any) -> int:
    values: dict[str, Any] = {"bank_code": "0001", "branch_code": "123", "account_type": "1",
                              "account_no": ACCOUNT_NO, "holder_kana": HOLDER}
    values.update(overrides)
    return register_account(store.uow("clerk1"), CLERK, tid, tax_codes=list(tax_codes), start_on=start, **values)


@pytest.fixture
def ready(store: Store) -> Store:
    _terminals(store)
    return store


def _request(store: Store, on: date = DUE, actor: Actor = CLERK):  # type: ignore[no-untyped-def]
    return request_transfers(store.uow(actor.user_id), actor, debit_on=on, render=render_transfer_request)


def _records(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def _bank_result(data: bytes, codes: dict[str, str]) -> bytes:
    """The bank's 結果 file: the 請求 with 振替結果コード per 顧客番号 and the trailer's totals."""
    return zengin.bank_result(data, codes)


def _apply(store: Store, result: bytes, *, lines: list[ResultLine] | None = None):  # type: ignore[no-untyped-def]
    parsed = zengin.read_transfer_result(result)
    if lines is None:
        lines = [ResultLine(i.customer_number.strip(), i.amount, i.result_code) for i in parsed.items]
    return apply_transfer_results(store.uow("clerk1"), CLERK, lines, sha256=hashlib.sha256(result).hexdigest(),
                                  file_name="result.txt")


def _last_audit(store: Store) -> Any:
    with store.reading() as conn:
        return conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).one()


def _count(store: Store, table: Any) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --- registration --------------------------------------------------------------------------


class TestRegisteringAnAccount:
    @pytest.mark.parametrize(("field", "value"), [
        ("bank_code", "001"), ("bank_code", "00a1"), ("branch_code", "1234"), ("branch_code", "12"),
        ("account_no", "123456"), ("account_no", "12345678"), ("account_no", "１２３４５６７"),
        ("account_type", "3"), ("account_type", ""), ("holder_kana", "山田太郎"), ("holder_kana", "　"),
        ("holder_kana", "ア" * 31),
    ])
    def test_a_malformed_field_is_refused_and_nothing_is_stored(self, store: Store, field: str, value: str) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        with pytest.raises(ValidationError):
            _register(store, tid, **{field: value})
        assert _count(store, transfer_accounts) == 0

    def test_an_account_with_no_tax_codes_is_refused(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        with pytest.raises(ValidationError):
            _register(store, tid, tax_codes=())

    def test_an_unknown_tax_code_is_a_validation_error(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        with pytest.raises(ValidationError):
            _register(store, tid, tax_codes=("99",))

    def test_an_end_date_before_the_start_is_refused(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        with pytest.raises(ValidationError):
            _register(store, tid, end_on=date(2025, 3, 31))

    def test_a_holder_name_in_hiragana_or_half_width_kana_is_accepted(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        _register(store, tid, holder_kana="やまだ たろう", tax_codes=("01",))
        _register(store, tid, holder_kana="ﾔﾏﾀﾞ ﾀﾛｳ", tax_codes=("03",))
        with store.uow() as uow:
            assert len(uow.transfers.accounts(tid)) == 2

    def test_registering_needs_its_permission(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        with pytest.raises(PermissionDenied):
            register_account(store.uow(), NOBODY, tid, bank_code="0001", branch_code="123", account_type="1",
                             account_no=ACCOUNT_NO, holder_kana=HOLDER, tax_codes=["01"], start_on=DUE)
        assert _count(store, transfer_accounts) == 0

    def test_a_new_registration_for_the_same_tax_ends_the_old_one_the_day_before(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        old = _register(store, tid, start=date(2025, 4, 1))
        new = _register(store, tid, start=date(2025, 9, 1), account_no="1111111")
        with store.uow() as uow:
            by_id = {a.id: a for a in uow.transfers.accounts(tid)}
        assert (by_id[old].status, by_id[old].end_on) == ("ended", date(2025, 8, 31))
        assert (by_id[new].status, by_id[new].end_on, by_id[new].account_no) == ("active", None, "1111111")

    def test_a_registration_for_another_tax_leaves_the_first_active(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        first = _register(store, tid, tax_codes=("01",))
        _register(store, tid, tax_codes=("03", "04"))
        with store.uow() as uow:
            by_id = {a.id: a for a in uow.transfers.accounts(tid)}
        assert by_id[first].status == "active" and len(by_id) == 2

    def test_the_account_number_and_holder_are_not_stored_in_plaintext(self, store: Store) -> None:
        tid, _ = seed(store, {"notice_no": "N1"})
        _register(store, tid)
        with store.reading() as conn:
            (row,) = conn.execute(select(transfer_accounts)).all()
        raw = b"|".join(v if isinstance(v, bytes) else str(v).encode("utf-8") for v in row)
        half = "ﾔﾏﾀﾞ".encode()
        for secret in (ACCOUNT_NO.encode(), "ヤマダ".encode(), "ヤマダ".encode("cp932"), half, half.decode().encode("cp932")):
            assert secret not in raw
        with store.uow() as uow:
            (account,) = uow.transfers.accounts(tid)
        assert (account.account_no, account.holder_kana) == (ACCOUNT_NO, HOLDER)


# --- the 請求 run --------------------------------------------------------------------------


class TestTheExportRule:
    def test_an_actor_without_export_permission_is_refused_and_the_refusal_is_audited(self, ready: Store) -> None:
        tid, _ = seed(ready, {"notice_no": "N1"})
        _register(ready, tid)
        actor = Actor("clerk2", frozenset(p.value for p in Permission) - {Permission.EXPORT_FILES.value},
                      terminal_id="T01")
        with pytest.raises(PermissionDenied):
            _request(ready, actor=actor)
        last = _last_audit(ready)
        assert (last.user_id, last.action, last.outcome) == ("clerk2", "permission.denied", "denied")
        assert _count(ready, transfer_runs) == 0

    @pytest.mark.parametrize("terminal", ["T02", "NOWHERE", None])
    def test_a_terminal_that_may_not_export_is_refused_and_audited(self, ready: Store, terminal: str | None) -> None:
        tid, _ = seed(ready, {"notice_no": "N1"})
        _register(ready, tid)
        actor = Actor("clerk1", CLERK.permissions, terminal_id=terminal)
        with pytest.raises(PermissionDenied):
            _request(ready, actor=actor)
        last = _last_audit(ready)
        assert (last.action, last.outcome) == ("export.refused", "denied")
        assert _count(ready, transfer_runs) == 0

    def test_a_disabled_terminal_is_refused(self, ready: Store) -> None:
        tid, _ = seed(ready, {"notice_no": "N1"})
        _register(ready, tid)
        with ready.uow("admin") as uow:
            uow.identity.set_terminal_disabled("T01", True)
            uow.commit()
        with pytest.raises(PermissionDenied):
            _request(ready)

    def test_the_request_needs_transfer_manage(self, ready: Store) -> None:
        actor = Actor("viewer", frozenset({Permission.EXPORT_FILES.value}), terminal_id="T01")
        with pytest.raises(PermissionDenied):
            _request(ready, actor=actor)

    def test_without_a_consignor_setting_nothing_is_recorded(self, store: Store) -> None:
        with store.uow("admin") as uow:
            uow.identity.add_terminal(Terminal("T01", "収納1", True, False, False), by="admin", now=datetime.now(UTC))
            uow.commit()
        tid, _ = seed(store, {"notice_no": "N1"})
        _register(store, tid)
        with pytest.raises(ValidationError):
            _request(store)
        assert _count(store, transfer_runs) == 0


class TestTheRequestRun:
    def test_only_unpaid_periods_due_that_day_with_an_account_covering_the_tax_are_selected(self, ready: Store) -> None:
        tid, (due, later, other_tax) = seed(ready, {"notice_no": "N1", "period": 1, "amount": 30_000},
                                            {"notice_no": "N1", "period": 2, "due": date(2025, 8, 31)},
                                            {"notice_no": "N2", "tax_code": TaxCode.KOTEI_SHISANZEI, "amount": 50_000})
        _register(ready, tid, tax_codes=("01",))
        t2, (paid,) = seed(ready, {"notice_no": "N3", "amount": 20_000}, n=2)
        _register(ready, t2)
        _post(ready, pay("K1", 20_000, date(2025, 6, 1), notice="N3"))
        seed(ready, {"notice_no": "N4"}, n=3)  # no account at all
        request, _ = _request(ready)
        assert [(line.customer_no[6:], line.amount) for line in request.lines] == [(f"{due:014d}", 30_000)]
        assert (request.debit_on, request.total) == (DUE, 30_000)

    def test_a_partly_paid_period_is_requested_for_the_tax_still_owing(self, ready: Store) -> None:
        tid, _ = seed(ready, {"notice_no": "N1", "amount": 30_000})
        _register(ready, tid)
        _post(ready, pay("K1", 12_000, date(2025, 6, 10)))
        request, _ = _request(ready)
        assert [line.amount for line in request.lines] == [18_000]

    def test_an_account_that_starts_after_the_debit_date_is_not_used(self, ready: Store) -> None:
        tid, _ = seed(ready, {"notice_no": "N1"}, {"notice_no": "N2", "due": date(2025, 8, 31)})
        _register(ready, tid, start=date(2025, 7, 1))
        assert [line.amount for line in _request(ready, on=date(2025, 8, 31))[0].lines] == [30_000]
        with pytest.raises(ValidationError):  # nothing to request on 6/30: no empty file is written
            _request(ready)

    def test_an_account_being_replaced_from_a_later_date_still_covers_debits_before_then(self, ready: Store) -> None:
        tid, _ = seed(ready, {"notice_no": "N1"})
        _register(ready, tid, start=date(2025, 4, 1))
        _register(ready, tid, start=date(2025, 8, 1), account_no="1111111")  # old one ends 7/31
        request, _ = _request(ready)
        assert [(line.account_no, line.amount) for line in request.lines] == [(ACCOUNT_NO, 30_000)]

    def test_asking_again_for_the_same_date_returns_the_same_lines_without_a_second_run(self, ready: Store) -> None:
        tid, _ = seed(ready, {"notice_no": "N1"}, {"notice_no": "N2", "amount": 40_000})
        _register(ready, tid)
        first, data = _request(ready)
        t2, _ = seed(ready, {"notice_no": "N5"}, n=2)  # a newcomer after the run is not added to it
        _register(ready, t2)
        again, data2 = _request(ready)
        assert again.lines == first.lines and data2 == data
        assert _count(ready, transfer_runs) == 1
        with ready.reading() as conn:
            (sha,) = conn.execute(select(transfer_runs.c.request_sha256)).one()
        assert sha == hashlib.sha256(data).hexdigest()
        last = _last_audit(ready)
        assert last.action == "transfer.request" and json.loads(last.details)["reissue"] is True

    def test_the_first_request_from_an_account_is_marked_new_and_later_ones_are_not(self, ready: Store) -> None:
        tid, _ = seed(ready, {"notice_no": "N1"}, {"notice_no": "N1", "period": 2, "due": date(2025, 8, 31)})
        _register(ready, tid)
        first, _ = _request(ready)
        second, _ = _request(ready, on=date(2025, 8, 31))
        assert ([line.new_code for line in first.lines], [line.new_code for line in second.lines]) == (["1"], ["0"])

    def test_the_file_is_a_valid_zengin_91_file(self, ready: Store) -> None:
        tid, (aid,) = seed(ready, {"notice_no": "N1", "amount": 30_000})
        _register(ready, tid)
        request, data = _request(ready)
        records = _records(data)
        assert all(len(r) == 120 for r in records)
        assert [r[:1] for r in records] == [b"1", b"2", b"8", b"9"]
        header, item, trailer, _end = records
        assert (header[1:3], header[4:14], header[54:58]) == (b"91", DEMO_CONSIGNOR["code"].encode(), b"0630")
        (line,) = request.lines
        assert item[91:111] == line.customer_no.encode() and line.customer_no.endswith(f"{aid:014d}")
        assert (item[1:5], item[20:23], item[42:43], item[43:50]) == (b"0001", b"123", b"1", ACCOUNT_NO.encode())
        assert item[50:80].decode("cp932").rstrip() == "ﾔﾏﾀﾞ ﾀﾛｳ"
        assert (int(item[80:90]), item[90:91], item[111:112]) == (30_000, b"1", b"0")
        assert (int(trailer[1:7]), int(trailer[7:19]), trailer[19:55]) == (1, 30_000, b"0" * 36)
        read = zengin.read_transfer_result(_bank_result(data, {}))  # the layout the bank returns filled in
        assert [(i.customer_number, i.amount, i.result_code) for i in read.items] == [(line.customer_no, 30_000, "0")]


# --- the bank's result --------------------------------------------------------------------------


class TestTheBankResult:
    def _two(self, ready: Store) -> tuple[list[int], list[str], bytes]:
        tid, ids = seed(ready, {"notice_no": "N1", "amount": 30_000}, {"notice_no": "N2", "amount": 45_000})
        _register(ready, tid)
        request, data = _request(ready)
        return ids, [line.customer_no for line in request.lines], data

    def test_code_0_pays_the_period_and_code_1_leaves_it_unpaid_and_marked(self, ready: Store) -> None:
        (a1, a2), (c1, c2), data = self._two(ready)
        summary = _apply(ready, _bank_result(data, {c1: "0", c2: "1"}))
        assert (summary.paid, summary.paid_total, summary.failed, summary.failed_total) == (1, 30_000, 1, 45_000)
        assert (summary.debit_on, summary.by_code) == (DUE, {"0": 1, "1": 1})
        b = balances(ready, [a1, a2], date(2025, 7, 1))
        assert (b[a1].total_due, b[a1].fully_paid_on, b[a2].honzei_due) == (0, DUE, 45_000)
        lines = {p.assessment_id: p for p in taxpayer_account(ready.uow(), CLERK, 1, as_of=date(2025, 7, 1)).periods}
        assert (lines[a1].transfer_failed, lines[a2].transfer_failed) == (False, True)
        with ready.reading() as conn:
            (row,) = conn.execute(select(payments.c.channel, payments.c.amount, payments.c.received_on)
                                  .where(payments.c.source_key == f"TRF-{c1}")).all()
        assert tuple(row) == ("transfer", 30_000, DUE)
        with ready.reading() as conn:
            assert conn.execute(select(transfer_runs.c.status)).scalar_one() == "resulted"
        assert conserved(ready)

    def test_the_same_result_file_again_applies_nothing(self, ready: Store) -> None:
        _, (c1, c2), data = self._two(ready)
        result = _bank_result(data, {c1: "0", c2: "0"})
        _apply(ready, result)
        before = _count(ready, payments)
        again = _apply(ready, result)
        assert (again.already_imported, again.paid) == (True, 0)
        assert _count(ready, payments) == before
        assert conserved(ready)

    def test_a_second_file_reporting_the_same_customers_is_refused(self, ready: Store) -> None:
        _, (c1, c2), data = self._two(ready)
        _apply(ready, _bank_result(data, {c1: "0", c2: "1"}))
        before = _count(ready, payments)
        with pytest.raises(ValidationError, match="既に取り込まれています"):
            _apply(ready, _bank_result(data, {c1: "0", c2: "0"}))  # a different file, the same items
        assert _count(ready, payments) == before

    def test_an_unknown_customer_number_applies_nothing_even_for_the_good_records(self, ready: Store) -> None:
        (a1, a2), (c1, c2), data = self._two(ready)
        result = _bank_result(data, {c1: "0", c2: "0"})
        lines = [ResultLine(c1, 30_000, "0"), ResultLine("999999" + "9" * 14, 45_000, "0")]
        with pytest.raises(ValidationError, match="2件目"):
            _apply(ready, result, lines=lines)
        assert _count(ready, payments) == 0
        assert balances(ready, [a1], date(2025, 7, 1))[a1].honzei_due == 30_000
        assert _apply(ready, result).paid == 2  # the corrected file still applies in full

    def test_a_wrong_amount_applies_nothing(self, ready: Store) -> None:
        (a1, a2), (c1, c2), data = self._two(ready)
        result = _bank_result(data, {c1: "0", c2: "0"})
        with pytest.raises(ValidationError, match="一致しません"):
            _apply(ready, result, lines=[ResultLine(c1, 30_000, "0"), ResultLine(c2, 44_999, "0")])
        assert _count(ready, payments) == 0
        lines = {p.assessment_id: p for p in taxpayer_account(ready.uow(), CLERK, 1, as_of=date(2025, 7, 1)).periods}
        assert not lines[a1].transfer_failed and not lines[a2].transfer_failed

    def test_the_same_customer_twice_in_one_file_is_a_listed_problem(self, ready: Store) -> None:
        _, (c1, _c2), data = self._two(ready)
        with pytest.raises(ValidationError, match="2件目"):
            _apply(ready, _bank_result(data, {}), lines=[ResultLine(c1, 30_000, "0"), ResultLine(c1, 30_000, "0")])
        assert _count(ready, payments) == 0

    def test_an_unknown_result_code_applies_nothing(self, ready: Store) -> None:
        _, (c1, c2), data = self._two(ready)
        with pytest.raises(ValidationError):
            _apply(ready, _bank_result(data, {}), lines=[ResultLine(c1, 30_000, "0"), ResultLine(c2, 45_000, "7")])
        assert _count(ready, payments) == 0

    def test_a_result_file_whose_trailer_does_not_add_up_is_refused_by_the_reader(self, ready: Store) -> None:
        _, (c1, _c2), data = self._two(ready)
        records = _records(_bank_result(data, {c1: "1"}))
        records[-2] = records[-2][:19] + b"000002000000075000000000000000000000" + records[-2][55:]
        with pytest.raises(zengin.FileFormatError):
            zengin.read_transfer_result(b"".join(r + b"\r\n" for r in records))

    def test_a_period_paid_at_the_counter_before_the_result_becomes_a_double_payment(self, ready: Store) -> None:
        (a1, _), (c1, c2), data = self._two(ready)
        _post(ready, pay("K1", 30_000, date(2025, 6, 29)))
        _apply(ready, _bank_result(data, {c1: "0", c2: "1"}))
        assert balances(ready, [a1], date(2025, 7, 1))[a1].total_due == 0
        with ready.uow() as uow:
            (over,) = uow.ledger.overpayments_of_taxpayer(1)
        assert over.amount == 30_000
        assert conserved(ready)

    def test_applying_results_needs_its_permission(self, ready: Store) -> None:
        _, (c1, c2), data = self._two(ready)
        with pytest.raises(PermissionDenied):
            apply_transfer_results(ready.uow(), NOBODY, [ResultLine(c1, 30_000, "0")], sha256="f" * 64,
                                   file_name="r.txt")
        assert _count(ready, payments) == 0
