"""宛名 and 調定 imports (SPEC §7) on a real store: upsert with history, 更正 as amendments,
the whole file checked before anything is applied, and the same file never applied twice."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from core.domain.assessment import Amendment, TaxCode
from core.domain.payment import OverpaymentCause
from core.domain.taxpayer import Taxpayer, TaxpayerKind
from core.errors import PermissionDenied
from core.identifiers import make_corporate_number
from core.security.permissions import Actor, Permission
from core.services.imports import AssessmentRow, AtenaRow, ImportProblems, import_assessments, import_atena
from core.services.registry import SERVICES
from storage.files.atena_csv import parse_atena
from storage.schema import assessments, audit_events, import_batches, taxpayers
from storage.store import Store
from tests.collection.helpers import CLERK, balances, conserved, pay, seed
from tests.collection.test_posting import _post
from tests.factories import period, person

DUE = date(2025, 6, 30)
ON = date(2025, 9, 1)
#: The permission(s) the 宛名・調定 import services name (payment.import, as README documents).
IMPORT_PERMISSIONS = {SERVICES[f"core.services.imports.{name}"].permission.value
                      for name in ("import_atena", "import_assessments")}
NO_IMPORT = Actor("clerk2", frozenset(p.value for p in Permission) - IMPORT_PERMISSIONS, terminal_id="T01")


def _atena(store: Store, *people: Taxpayer, sha: str = "a" * 64, actor: Actor = CLERK):  # type: ignore[no-untyped-def]
    rows = [AtenaRow(n, t) for n, t in enumerate(people, start=2)]
    return import_atena(store.uow(actor.user_id), actor, rows, sha256=sha, file_name="atena.csv")


def _row(line: int, atena_no: str, reason: str | None = None, **overrides: Any) -> AssessmentRow:
    return AssessmentRow(line, atena_no, period(0, **overrides), reason)


def _assess(store: Store, *rows: AssessmentRow, sha: str = "b" * 64, on: date = ON,
            actor: Actor = CLERK, progress: Any = None):  # type: ignore[no-untyped-def]
    return import_assessments(store.uow(actor.user_id), actor, list(rows), sha256=sha, file_name="choutei.csv",
                              on=on, progress=progress)


def _count(store: Store, table: Any) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _history(store: Store, atena_no: str) -> list[tuple[Any, str, Taxpayer]]:
    with store.uow() as uow:
        t = uow.taxpayers.get_by_atena(atena_no)
        assert t is not None and t.id is not None
        return uow.taxpayers.history(t.id)


def _stored(store: Store, atena_no: str) -> Taxpayer:
    with store.uow() as uow:
        t = uow.taxpayers.get_by_atena(atena_no)
    assert t is not None
    return t


class TestAtenaImport:
    def test_new_atena_numbers_are_added(self, store: Store) -> None:
        s = _atena(store, person(1), person(2, name="鈴木　花子", name_kana="スズキ　ハナコ"))
        assert (s.records, s.added, s.updated, s.unchanged, s.already_imported) == (2, 2, 0, 0, False)
        assert _stored(store, f"{2:010d}").name == "鈴木　花子"

    def test_a_changed_record_is_updated_and_the_old_values_kept_as_history(self, store: Store) -> None:
        _atena(store, person(1))
        before = _history(store, f"{1:010d}")
        s = _atena(store, person(1, address="みなと市新町5番"), sha="c" * 64)
        assert (s.added, s.updated, s.unchanged) == (0, 1, 0)
        assert _stored(store, f"{1:010d}").address == "みなと市新町5番"
        after = _history(store, f"{1:010d}")
        assert len(after) == len(before) + 1
        _, reason, old = after[0]
        assert (reason, old.address) == ("宛名取込", "みなと市本町1丁目2番3号")

    def test_an_identical_record_is_left_alone_without_history(self, store: Store) -> None:
        _atena(store, person(1))
        before = _history(store, f"{1:010d}")
        s = _atena(store, person(1), person(2), sha="c" * 64)
        assert (s.added, s.updated, s.unchanged) == (1, 0, 1)
        assert len(_history(store, f"{1:010d}")) == len(before)

    def test_an_identical_record_read_from_a_file_is_left_alone(self, store: Store) -> None:
        head = "宛名番号,個人法人区分,氏名,氏名カナ,個人番号,法人番号,性別,生年月日,郵便番号,住所,電話番号,世帯番号,続柄," \
               "世帯主氏名,送付先住所,住民区分,死亡日,公示送達,督促停止,催告停止,発行抑止\n"
        one = "0000000001,個人,山田　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,,,1,1980-04-01,100-0001,本町1-2,03-1234-5678,,,,,,,,,,\n"
        two = "0000000002,法人,株式会社みなと,カブシキガイシャミナト,,,,,,,,,,,,,,,,,\n"
        first = parse_atena((head + one).encode(), today=ON)
        second = parse_atena((head + one + two).encode(), today=ON)
        _atena(store, *(r.to_taxpayer() for r in first.records), sha=first.sha256)
        s = _atena(store, *(r.to_taxpayer() for r in second.records), sha=second.sha256)
        assert (s.added, s.updated, s.unchanged) == (1, 0, 1)
        assert _stored(store, "0000000002").kind is TaxpayerKind.CORPORATION

    def test_a_change_of_kind_refuses_the_whole_file(self, store: Store) -> None:
        _atena(store, person(1))
        corp = person(1, kind=TaxpayerKind.CORPORATION, my_number=None, sex=None, birth_date=None,
                      corporate_number=make_corporate_number("700110005901"))
        with pytest.raises(ImportProblems) as caught:
            _atena(store, person(3), person(1, address="新住所"), corp, sha="c" * 64)
        assert [line for line, _ in caught.value.problems] == [4]
        assert "4行目" in str(caught.value)
        assert _count(store, taxpayers) == 1 and _history(store, f"{1:010d}") == []
        assert _stored(store, f"{1:010d}").kind is TaxpayerKind.INDIVIDUAL
        assert _atena(store, person(3), sha="c" * 64).added == 1  # the file was not recorded as imported

    def test_the_same_file_twice_is_already_imported_and_changes_nothing(self, store: Store) -> None:
        _atena(store, person(1))
        again = _atena(store, person(1, address="別の住所"))  # same sha256: not even looked at
        assert (again.already_imported, again.records, again.updated) == (True, 1, 0)
        assert _stored(store, f"{1:010d}").address == "みなと市本町1丁目2番3号"
        with store.reading() as conn:
            assert conn.execute(select(func.count()).select_from(import_batches)).scalar_one() == 1
            last = conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).one()
        assert (last.action, last.outcome, json.loads(last.details)["reason"]) == (
            "atena.import", "denied", "already_imported")

    def test_the_audit_summary_has_counts_and_no_personal_values(self, store: Store) -> None:
        _atena(store, person(1))
        with store.reading() as conn:
            last = conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).one()
        assert last.action == "atena.import" and json.loads(last.details)["added"] == 1
        assert "山田" not in last.details and "0000000001" not in last.details

    def test_the_import_needs_its_permission(self, store: Store) -> None:
        with pytest.raises(PermissionDenied):
            _atena(store, person(1), actor=NO_IMPORT)
        assert _count(store, taxpayers) == 0
        with store.reading() as conn:
            last = conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).one()
        assert (last.user_id, last.action) == ("clerk2", "permission.denied")


class TestAssessmentImport:
    def test_new_periods_are_added_to_the_named_taxpayer(self, store: Store) -> None:
        tid, _ = seed(store)
        s = _assess(store, _row(2, f"{1:010d}", notice_no="A1", period=1, amount=10_000),
                    _row(3, f"{1:010d}", notice_no="A1", period=2, amount=12_000, due=date(2025, 8, 31)))
        assert (s.records, s.added, s.amended, s.unchanged, s.assessed_total) == (2, 2, 0, 0, 22_000)
        with store.uow() as uow:
            mine = {(a.notice_no, a.period): a for a in uow.assessments.for_taxpayer(tid)}
        assert mine[("A1", 2)].assessed_amount == 12_000 and mine[("A1", 2)].taxpayer_id == tid

    def test_the_same_period_with_the_same_amount_is_unchanged(self, store: Store) -> None:
        seed(store, {"notice_no": "A1", "amount": 30_000})
        s = _assess(store, _row(2, f"{1:010d}", notice_no="A1", amount=30_000))
        assert (s.added, s.amended, s.unchanged) == (0, 0, 1)

    def test_a_changed_amount_is_a_kosei_kept_as_an_amendment(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "A1", "amount": 30_000})
        s = _assess(store, _row(2, f"{1:010d}", "所得更正", notice_no="A1", amount=36_000))
        assert (s.amended, s.released) == (1, 0)
        with store.uow() as uow:
            assert uow.assessments.amendments(aid) == [Amendment(aid, ON, 30_000, 36_000, "所得更正")]
            assert uow.assessments.get(aid).assessed_amount == 36_000  # type: ignore[union-attr]
        assert balances(store, [aid], ON)[aid].honzei_due == 36_000

    def test_an_amendment_without_a_reason_gets_the_default_one(self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "A1", "amount": 30_000})
        _assess(store, _row(2, f"{1:010d}", notice_no="A1", amount=20_000))
        with store.uow() as uow:
            (amendment,) = uow.assessments.amendments(aid)
        assert amendment.reason == "調定取込による更正"

    def test_a_reduction_below_what_was_paid_releases_the_excess_as_a_gengaku_kosei_overpayment(
            self, store: Store) -> None:
        tid, (aid,) = seed(store, {"notice_no": "A1", "amount": 50_000})
        _post(store, pay("K1", 50_000, DUE, notice="A1"))
        s = _assess(store, _row(2, f"{1:010d}", notice_no="A1", amount=40_000))
        assert (s.amended, s.released) == (1, 10_000)
        with store.uow() as uow:
            (item,) = uow.ledger.overpayments_of_taxpayer(tid)
        assert (item.cause, item.amount, item.assessment_id) == (OverpaymentCause.GENGAKU_KOSEI, 10_000, aid)
        assert balances(store, [aid], date(2025, 12, 1))[aid].total_due == 0
        assert conserved(store)

    def test_a_reduction_above_what_was_paid_releases_nothing(self, store: Store) -> None:
        tid, (aid,) = seed(store, {"notice_no": "A1", "amount": 50_000})
        _post(store, pay("K1", 20_000, DUE, notice="A1"))
        s = _assess(store, _row(2, f"{1:010d}", notice_no="A1", amount=40_000))
        assert s.released == 0
        with store.uow() as uow:
            assert uow.ledger.overpayments_of_taxpayer(tid) == []
        assert balances(store, [aid], DUE)[aid].honzei_due == 20_000
        assert conserved(store)

    def test_unknown_atena_numbers_and_changed_due_dates_are_listed_by_line_and_nothing_is_applied(
            self, store: Store) -> None:
        _, (aid,) = seed(store, {"notice_no": "A1", "amount": 30_000})
        rows = (_row(2, f"{1:010d}", notice_no="A2", amount=5_000),  # fine on its own
                _row(3, "9999999999", notice_no="B1"),
                _row(4, f"{1:010d}", notice_no="A1", amount=31_000, due=date(2025, 7, 31)),
                _row(5, f"{1:010d}", notice_no="A1", period=2, amount=1_000, tax_code=TaxCode.KOKUHOZEI))
        with pytest.raises(ImportProblems) as caught:
            _assess(store, *rows)
        assert [line for line, _ in caught.value.problems] == [3, 4]
        assert "宛名番号" in caught.value.problems[0][1] and "納期限" in caught.value.problems[1][1]
        assert _count(store, assessments) == 1 and _count(store, import_batches) == 0
        with store.uow() as uow:
            assert uow.assessments.amendments(aid) == []

    @pytest.mark.parametrize(("change", "label"), [
        ({"tax_code": TaxCode.KOTEI_SHISANZEI}, "税目"), ({"fiscal_year": 2024}, "年度"),
        ({"statutory_due_date": date(2025, 6, 1)}, "法定納期限"),
    ])
    def test_a_period_whose_identity_changed_is_an_error_not_an_update(self, store: Store, change: dict[str, Any],
                                                                       label: str) -> None:
        seed(store, {"notice_no": "A1"})
        with pytest.raises(ImportProblems) as caught:
            _assess(store, _row(7, f"{1:010d}", notice_no="A1", **change))
        ((line, message),) = caught.value.problems
        assert line == 7 and label in message

    def test_a_notice_moved_to_another_taxpayer_is_an_error(self, store: Store) -> None:
        seed(store, {"notice_no": "A1"})
        seed(store, n=2)
        with pytest.raises(ImportProblems, match="2行目"):
            _assess(store, _row(2, f"{2:010d}", notice_no="A1"))

    def test_the_same_file_twice_is_already_imported(self, store: Store) -> None:
        seed(store)
        first = _assess(store, _row(2, f"{1:010d}", notice_no="A9"))
        again = _assess(store, _row(2, f"{1:010d}", notice_no="A9", amount=1))
        assert (first.added, again.already_imported, again.added, again.amended) == (1, True, 0, 0)
        with store.uow() as uow:
            assert [a.assessed_amount for a in uow.ledger.periods_by_notice("A9")] == [30_000]

    def test_an_interruption_midway_applies_nothing(self, store: Store) -> None:
        seed(store)

        def cancel(n: int) -> None:
            raise KeyboardInterrupt

        rows = [_row(n + 2, f"{1:010d}", notice_no=f"C{n}") for n in range(500)]
        before = _count(store, assessments)
        with pytest.raises(KeyboardInterrupt):
            _assess(store, *rows, progress=cancel)
        assert _count(store, assessments) == before
        assert _assess(store, *rows).added == 500

    def test_the_import_needs_its_permission(self, store: Store) -> None:
        seed(store)
        with pytest.raises(PermissionDenied):
            _assess(store, _row(2, f"{1:010d}", notice_no="A9"), actor=NO_IMPORT)
        assert _count(store, assessments) == 0


class TestImportsTogether:
    def test_a_taxpayer_then_its_assessments_then_a_reduction_keep_the_money_conserved(self, store: Store) -> None:
        _atena(store, person(5))
        _assess(store, _row(2, f"{5:010d}", notice_no="D1", amount=80_000))
        _post(store, pay("K1", 80_000, DUE, notice="D1"))
        s = _assess(store, _row(2, f"{5:010d}", notice_no="D1", amount=0), sha="d" * 64)
        assert s.released == 80_000
        assert conserved(store)
        with store.uow() as uow:
            tid = uow.taxpayers.get_by_atena(f"{5:010d}").id  # type: ignore[union-attr]
            (over,) = uow.ledger.overpayments_of_taxpayer(tid)
        assert (over.cause, over.amount) == (OverpaymentCause.GENGAKU_KOSEI, 80_000)
