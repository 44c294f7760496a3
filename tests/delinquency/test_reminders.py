"""催告: criteria and saved filters, the 催告 batch, the 納税催告センター exchange and the
滞納統計 — on the real store (SQLite and PostgreSQL).

Three delinquent taxpayers, each with a case opened 2021-09-01 for OFFICER:
A 100,000 円 個人住民税 due 2021-06-30; B 30,000 円 固定資産税 due 2021-06-30 (地区 北, unassigned);
C 50,000 円 個人住民税 due 2021-08-31.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.domain.assessment import TaxCode
from core.domain.callcenter import CallRecord
from core.domain.delinquency import CaseStatus, Counterpart, RecordKind
from core.errors import NotFound, PermissionDenied, ValidationError
from core.services.cases import JST, assign_case, list_records
from core.services.delinquency_stats import delinquency_statistics
from core.services.export import ExportRefused
from core.services.reminders import (
    Criteria,
    callcenter_targets,
    delete_filter,
    find_cases,
    import_call_records,
    list_filters,
    run_reminders,
    save_filter,
)
from storage.schema import audit_events, case_records, import_batches
from storage.store import Store
from tests.delinquency.helpers import NOBODY, OFFICER, SUPERVISOR, VIEWER, delinquent, terminal
from tests.delinquency.test_timeline import post
from tests.factories import period

ON = date(2021, 10, 1)
NOW = datetime(2021, 10, 5, 18, 0, tzinfo=JST)


def three(store: Store) -> dict[str, tuple[int, int]]:
    """{"A"|"B"|"C": (taxpayer id, case id)}."""
    out = {}
    for n, (key, amount, due, code) in enumerate((("A", 100_000, date(2021, 6, 30), TaxCode.KOJIN_JUMINZEI),
                                                  ("B", 30_000, date(2021, 6, 30), TaxCode.KOTEI_SHISANZEI),
                                                  ("C", 50_000, date(2021, 8, 31), TaxCode.KOJIN_JUMINZEI)), 1):
        tid, _, case_id = delinquent(store, {"notice_no": f"D{n:06d}", "amount": amount, "due": due,
                                             "fiscal_year": 2021, "tax_code": code}, n=n)
        assert case_id is not None
        out[key] = (tid, case_id)
    assign_case(store.uow(), SUPERVISOR, out["B"][1], officer=None, team="北")
    return out


def change(store: Store, taxpayer_id: int, **values: Any) -> None:
    with store.uow() as uow:
        t = uow.taxpayers.get(taxpayer_id)
        assert t is not None
        uow.taxpayers.update(replace(t, **values), reason="テスト")
        uow.commit()


def stop_reminders(store: Store, taxpayer_id: int) -> None:
    with store.uow() as uow:
        t = uow.taxpayers.get(taxpayer_id)
        assert t is not None
    change(store, taxpayer_id, flags=replace(t.flags, saikoku_teishi=True))


def found(store: Store, on: date = ON, **criteria: Any) -> set[int]:
    rows, _ = find_cases(store.uow(), VIEWER, criteria=Criteria(**criteria), on=on)
    return {r.case.id for r in rows}


def last_audit(store: Store, action: str) -> tuple[str | None, dict[str, Any]]:
    with store.reading() as conn:
        row = conn.execute(select(audit_events.c.outcome, audit_events.c.details)
                           .where(audit_events.c.action == action).order_by(audit_events.c.seq.desc())).first()
    assert row is not None
    return row.outcome, json.loads(row.details)


def record(key: str, case_no: int, atena_no: str, **values: Any) -> CallRecord:
    base: dict[str, Any] = {"called_at": datetime(2021, 10, 4, 10, 30, tzinfo=JST), "direction": "outbound",
                            "result": "talked", "counterpart": "self", "content": None, "promised_on": None,
                            "promised_amount": None}
    return CallRecord(key, case_no, atena_no, **(base | values))


def atena(store: Store, taxpayer_id: int) -> str:
    with store.uow() as uow:
        value = uow.taxpayers.get_by_id_atena(taxpayer_id)
    assert value is not None
    return value


class TestCriteria:
    def test_a_saved_form_round_trips_and_bad_values_are_refused_in_japanese(self) -> None:
        c = Criteria(min_amount=1_000, min_age_days=60, tax_codes=("01", "03"), team="北", statuses=("open",),
                     not_reminded_days=30)
        assert c.to_dict()["tax_codes"] == ["01", "03"] and "officer" not in c.to_dict()
        assert Criteria.from_dict(json.loads(json.dumps(c.to_dict()))) == c
        for bad in ({"colour": "red"}, {"tax_codes": ["99"]}, {"min_amount": "1000"}, {"min_amount": True},
                    {"min_amount": 5, "max_amount": 4}, {"statuses": ["closed"]}, {"min_age_days": -1},
                    {"team": ""}, {"tax_codes": "01"}):
            with pytest.raises(ValidationError) as refused:
                Criteria.from_dict(bad)
            assert any("\u3040" <= ch <= "\u9fff" for ch in str(refused.value))

    def test_cases_are_selected_by_amount_age_tax_team_and_officer(self, store: Store) -> None:
        cases = three(store)
        a, b, c = (cases[k][1] for k in "ABC")
        assert found(store) == {a, b, c}
        assert found(store, min_amount=50_000) == {a, c}
        assert found(store, min_amount=40_000, max_amount=60_000) == {c}
        assert found(store, min_age_days=60) == {a, b}  # C's 納期限 is only 31 days back
        assert found(store, tax_codes=("03",)) == {b}
        assert found(store, team="北") == {b}
        assert found(store, officer=OFFICER.user_id) == {a, c}
        assert found(store, statuses=("contact",)) == set()
        rows, more = find_cases(store.uow(), VIEWER, criteria=Criteria(min_amount=40_000), on=ON, limit=1)
        assert len(rows) == 1 and more and rows[0].name_kana == "ヤマダ　タロウ" and "ヤマダ" not in repr(rows[0])
        outcome, details = last_audit(store, "case.search")
        assert details == {"count": 1, "matched": 2}

    def test_not_reminded_looks_at_the_last_reminder(self, store: Store) -> None:
        cases = three(store)
        run_reminders(store.uow(), OFFICER, criteria=Criteria(min_amount=100_000), on=ON)
        a = cases["A"][1]
        assert a not in found(store, on=ON + timedelta(days=10), not_reminded_days=30)
        assert a in found(store, on=ON + timedelta(days=30), not_reminded_days=30)
        assert len(found(store, on=ON + timedelta(days=10), not_reminded_days=30)) == 2


class TestSavedFilters:
    def test_shared_filters_are_seen_by_others_and_deleted_only_by_their_owner(self, store: Store) -> None:
        cases = three(store)
        save_filter(store.uow(), OFFICER, "高額", Criteria(min_amount=50_000), shared=True)
        save_filter(store.uow(), OFFICER, "自分用", Criteria(team="北"))
        assert [f.name for f in list_filters(store.uow(), SUPERVISOR)] == ["高額"]
        assert {f.name for f in list_filters(store.uow(), OFFICER)} == {"高額", "自分用"}
        rows, _ = find_cases(store.uow(), SUPERVISOR, filter_name="高額", on=ON)
        assert {r.case.id for r in rows} == {cases["A"][1], cases["C"][1]}
        with pytest.raises(NotFound):
            find_cases(store.uow(), SUPERVISOR, filter_name="自分用", on=ON)
        with pytest.raises(NotFound, match="自分の条件のみ"):
            delete_filter(store.uow(), SUPERVISOR, "高額")
        run = run_reminders(store.uow(), SUPERVISOR, filter_name="高額", on=ON)
        assert set(run.case_ids) == {cases["A"][1], cases["C"][1]}
        delete_filter(store.uow(), OFFICER, "高額")
        assert [f.name for f in list_filters(store.uow(), SUPERVISOR)] == []
        for bad in ("", " ", "x" * 61, "改\n行"):
            with pytest.raises(ValidationError):
                save_filter(store.uow(), OFFICER, bad, Criteria())
        _, details = last_audit(store, "case.filter_save")
        assert details == {"keys": ["team"], "shared": False}


class TestReminders:
    def test_one_reminder_per_case_and_day_and_none_under_saikoku_teishi(self, store: Store) -> None:
        cases = three(store)
        stop_reminders(store, cases["B"][0])
        first = run_reminders(store.uow(), OFFICER, on=ON)
        assert (first.selected, first.recorded, first.already, first.stopped) == (3, 2, 0, 1)
        assert set(first.case_ids) == {cases["A"][1], cases["C"][1]}
        again = run_reminders(store.uow(), OFFICER, on=ON)
        assert (again.recorded, again.already, again.stopped, again.case_ids) == (0, 2, 1, ())
        assert run_reminders(store.uow(), OFFICER, on=ON + timedelta(days=1)).recorded == 2
        records, _ = list_records(store.uow(), VIEWER, cases["A"][1])
        assert [(r.kind, r.source, r.occurred_at.astimezone(JST).hour) for r in records] == \
            [(RecordKind.REMINDER, "system", 12)] * 2
        assert list_records(store.uow(), VIEWER, cases["B"][1])[0] == []
        _, details = last_audit(store, "case.reminders")
        assert details == {"selected": 3, "recorded": 2, "already": 0, "stopped": 1}

    def test_a_case_that_owes_nothing_gets_no_reminder(self, store: Store) -> None:
        cases = three(store)
        post(store, "P-1", 30_000, date(2021, 9, 20), notice="D000002")  # B pays its 本税
        run = run_reminders(store.uow(), OFFICER, on=ON)
        assert run.selected == 2 and cases["B"][1] not in run.case_ids


class TestCallCentreExport:
    def test_targets_leave_out_saikoku_teishi_no_phone_and_other_statuses(self, store: Store) -> None:
        cases = three(store)
        change(store, cases["B"][0], phone=None)
        stop_reminders(store, cases["C"][0])
        (target,) = callcenter_targets(store.uow(), VIEWER, month="2021-10", on=ON)
        assert (target.case_no, target.atena_no, target.phone, target.periods, target.oldest_due, target.officer) \
            == (cases["A"][1], atena(store, cases["A"][0]), "0312345678", 1, date(2021, 6, 30), OFFICER.user_id)
        assert target.total_due > 100_000  # 本税 + 延滞金 + 督促手数料
        assert callcenter_targets(store.uow(), VIEWER, month="2021-10", on=ON,
                                  criteria=Criteria(statuses=("contact",))) == []
        outcome, details = last_audit(store, "callcenter.export")
        assert outcome == "ok" and details == {"records": 0}
        with pytest.raises(ValidationError, match="YYYY-MM"):
            callcenter_targets(store.uow(), VIEWER, month="2021-13", on=ON)

    def test_writing_the_file_follows_the_export_rule(self, store: Store) -> None:
        three(store)
        terminal(store, export=False)
        written: list[int] = []
        with pytest.raises(ExportRefused):
            callcenter_targets(store.uow(), OFFICER, month="2021-10", on=ON, file_name="t.csv",
                               write=lambda rows: str(written.append(len(rows))))
        assert written == []


class TestCallCentreImport:
    def test_every_problem_is_reported_and_nothing_is_applied(self, store: Store) -> None:
        cases = three(store)
        with store.uow() as uow:
            uow.cases.update(uow.cases.get(cases["C"][1]), status="closed", closed_on=ON)
            uow.commit()
        batch = [record("K-ok", cases["A"][1], atena(store, cases["A"][0])),
                 record("K-unknown", 99_999, atena(store, cases["A"][0])),
                 record("K-closed", cases["C"][1], atena(store, cases["C"][0])),
                 record("K-atena", cases["A"][1], atena(store, cases["B"][0])),
                 record("K-later", cases["A"][1], atena(store, cases["A"][0]), called_at=NOW + timedelta(hours=1))]
        with pytest.raises(ValidationError) as refused:
            import_call_records(store.uow(), OFFICER, batch, sha256="a" * 64, file_name="c.csv", now=NOW)
        message = str(refused.value)
        assert all(f"記録キー {k}:" in message for k in ("K-unknown", "K-closed", "K-atena", "K-later"))
        assert "K-ok" not in message and "何も反映していません" in message
        with store.reading() as conn:
            assert conn.execute(select(func.count()).select_from(case_records)
                                 .where(case_records.c.kind == "callcenter")).scalar_one() == 0
            assert conn.execute(select(func.count()).select_from(import_batches)).scalar_one() == 0

    def test_records_are_stored_once_with_counterpart_promise_and_encrypted_text(self, store: Store) -> None:
        cases = three(store)
        a_case, a_atena = cases["A"][1], atena(store, cases["A"][0])
        batch = [record("C-1", a_case, a_atena, counterpart="family", result="no_answer",
                        content="夕方に再架電希望"),
                 record("C-2", a_case, a_atena, called_at=datetime(2021, 10, 4, 15, 0, tzinfo=JST),
                        result="promise", content="賞与で一括納付", promised_on=date(2021, 10, 15),
                        promised_amount=30_000)]
        s = import_call_records(store.uow(), OFFICER, batch, sha256="b" * 64, file_name="c.csv", now=NOW)
        assert (s.applied, s.skipped, s.cases, s.already_imported) == (2, 0, 1, False)
        records, _ = list_records(store.uow(), VIEWER, a_case)
        assert [(r.kind, r.counterpart, r.source, r.next_action_on) for r in records] == [
            (RecordKind.CALLCENTER, Counterpart.SELF, "callcenter", date(2021, 10, 15)),
            (RecordKind.CALLCENTER, Counterpart.FAMILY, "callcenter", None)]
        assert records[0].content == "架電・納付約束：賞与で一括納付（約束日 2021-10-15、約束額 30,000円）"
        assert records[1].content == "架電・不在：夕方に再架電希望"
        with store.uow() as uow:
            case_ = uow.cases.get(a_case)
        assert case_.status is CaseStatus.CONTACT and case_.next_action_on == date(2021, 10, 15)
        with store.reading() as conn:
            blobs = b"".join(bytes(b) for b in conn.execute(select(case_records.c.content_ct)).scalars() if b)
        assert blobs and all(t.encode() not in blobs for t in ("賞与", "夕方", "納付約束"))
        _, details = last_audit(store, "callcenter.import")
        assert details["applied"] == 2 and "賞与" not in json.dumps(details, ensure_ascii=False)

        same_file = import_call_records(store.uow(), OFFICER, batch, sha256="b" * 64, file_name="c.csv", now=NOW)
        assert same_file.already_imported and same_file.applied == 0
        other_file = import_call_records(store.uow(), OFFICER, batch, sha256="c" * 64, file_name="d.csv", now=NOW)
        assert (other_file.applied, other_file.skipped) == (0, 2)
        assert len(list_records(store.uow(), VIEWER, a_case)[0]) == 2


class TestStatistics:
    def test_unpaid_by_year_and_tax_carried_collection_cases_and_writeoffs(self, store: Store) -> None:
        cases = three(store)
        with store.uow() as uow:  # A also owes a 令和2年度 period; 5,000 of it comes in during 令和3年度
            uow.assessments.add(period(cases["A"][0], notice_no="P000001", fiscal_year=2020, amount=20_000,
                                       due=date(2020, 6, 30)))
            uow.commit()
        post(store, "P-2020", 5_000, date(2021, 8, 2), notice="P000001")
        st = delinquency_statistics(store.uow(), VIEWER, as_of=date(2021, 8, 31))
        assert st.fiscal_year == 2021 and st.delinquent_taxpayers == 2  # C is not yet past its 納期限
        assert [(r.fiscal_year, r.tax_code, r.taxpayers, r.periods, r.honzei_due) for r in st.unpaid] == [
            (2021, "01", 1, 1, 100_000), (2021, "03", 1, 1, 30_000), (2020, "01", 1, 1, 15_000)]
        assert [(r.tax_code, r.assessed, r.collected) for r in st.carried] == [("01", 20_000, 5_000)]
        assert dict(st.cases_by_status)["open"] == 3 and dict(st.cases_by_status)["closed"] == 0
        assert dict(st.cases_by_officer) == {OFFICER.user_id: 2, None: 1}
        assert st.writeoffs == ()
        assert last_audit(store, "report.delinquency")[1] == {"as_of": "2021-08-31"}


class TestPermissions:
    def test_each_service_refuses_without_its_permission(self, store: Store) -> None:
        cases = three(store)
        calls = {
            "find": lambda who: find_cases(store.uow(), who, on=ON),
            "save": lambda who: save_filter(store.uow(), who, "x", Criteria()),
            "list": lambda who: list_filters(store.uow(), who),
            "targets": lambda who: callcenter_targets(store.uow(), who, month="2021-10", on=ON),
            "stats": lambda who: delinquency_statistics(store.uow(), who, as_of=ON),
            "remind": lambda who: run_reminders(store.uow(), who, on=ON),
            "import": lambda who: import_call_records(
                store.uow(), who, [record("Z", cases["A"][1], atena(store, cases["A"][0]))], sha256="d" * 64,
                file_name="z.csv", now=NOW),
        }
        for name, call in calls.items():
            with pytest.raises(PermissionDenied):
                call(NOBODY)
            if name in ("remind", "import"):
                with pytest.raises(PermissionDenied, match="case.edit"):
                    call(VIEWER)
        with store.reading() as conn:
            assert conn.execute(select(func.count()).select_from(case_records)).scalar_one() == 0
