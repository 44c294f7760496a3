"""Printing from the ledger (SQLite and PostgreSQL): 督促状 and 催告書 batches, 差押調書, 還付・充当通知書,
領収証書 — each found in the extracted text, written 0600 into documents/ and audited with its SHA-256;
and the export rule refusing (and auditing) a user without export.files or a terminal without export."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import date

import pytest

from core.errors import ConflictError
from core.services.appropriation import appropriate, preview_appropriation
from core.services.counter import counter_pay, counter_quote
from core.services.dispositions import approve_disposition, propose_disposition
from core.services.documents import (
    print_appropriation_notice,
    print_dunning_notices,
    print_receipt,
    print_refund_notice,
    print_reminder_notices,
    print_seizure_record,
)
from core.services.dunning import run_dunning
from core.services.export import ExportRefused
from core.services.refunds import approve_refund, draft_refund
from core.services.reminders import run_reminders
from storage.store import Store
from tests.collection.helpers import balances, seed
from tests.delinquency.helpers import OFFICER, SUPERVISOR, delinquent
from tests.documents.helpers import CLERK, ELSEWHERE, NO_EXPORT, events, index_rows, pages_text, terminals, writer
from tests.refunds.helpers import APPROVER, overpayment

DUE = date(2025, 6, 30)
DUNNED = date(2025, 7, 15)


def _flat(text: str) -> str:
    return text.replace("\n", "")


def _dunned(store: Store, count: int = 3) -> None:
    with store.uow() as uow:
        uow.settings.set("dunning_policy", {"fee": 100}, by="t")
        uow.commit()
    for n in range(1, count + 1):
        seed(store, {"notice_no": f"N{n}", "amount": 10_000 * n + 234, "due": DUE}, n=n)
    assert run_dunning(store.uow(), CLERK, on=DUNNED).issued == count


class TestBatches:
    def test_the_dunning_batch_has_a_page_per_taxpayer_an_index_and_an_audited_hash(self, store: Store) -> None:
        terminals(store)
        _dunned(store)
        run = print_dunning_notices(store.uow(CLERK.user_id), CLERK, on=DUNNED, writer=writer(store))
        pdf = store.config.documents_dir / run.written.file_name
        texts = [_flat(t) for t in pages_text(pdf)]
        assert len(texts) == run.written.pages == run.written.documents == 3
        for n, text in enumerate(texts, start=1):
            for field in ("督促状", "令和7年7月15日", "令和7年7月25日", f"{10_000 * n + 234:,}",
                          f"{10_000 * n + 334:,}円", "テスト市", "団体コード 999999", f"{n:010d}", "山田　太郎"):
                assert field in text, (n, field)
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
        rows = index_rows(store.config.documents_dir / str(run.written.index_file))
        assert [r[:4] for r in rows[1:]] == [[str(n), "1", f"{n:010d}", f"TK20250715-{n:010d}"] for n in (1, 2, 3)]
        [(outcome, user, _, details)] = events(store, "export.file")
        audit = json.loads(details)
        assert (outcome, user, audit["document"], audit["records"], audit["pages"]) == ("ok", "clerk1", "dunning", 3, 3)
        assert audit["file"] == pdf.name and audit["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
        assert audit["index_sha256"] == run.written.index_sha256

    def test_the_reminder_batch_prints_what_each_reminded_case_owes(self, store: Store) -> None:
        terminals(store)
        cases = [delinquent(store, n=n) for n in (1, 2)]
        on = date(2021, 10, 1)
        assert run_reminders(store.uow(), CLERK, on=on).recorded == 2
        run = print_reminder_notices(store.uow(CLERK.user_id), CLERK, on=on, writer=writer(store))
        texts = [_flat(t) for t in pages_text(store.config.documents_dir / run.written.file_name)]
        assert len(texts) == run.written.pages == 2
        entaikin = balances(store, cases[0][1], on)[cases[0][1][0]].entaikin_due
        assert entaikin > 0
        for text in texts:
            for field in ("催告書", "令和3年10月1日", "指定期限", "令和3年10月11日", "100,000", f"{entaikin:,}",
                          "テスト市", "999999"):
                assert field in text, field
        assert len(index_rows(store.config.documents_dir / str(run.written.index_file))) == 3


class TestSingleDocuments:
    def test_the_seizure_record_of_an_approved_seizure(self, store: Store) -> None:
        terminals(store)
        _, ids, case_id = delinquent(store)
        assert case_id is not None
        did = propose_disposition(store.uow(), OFFICER, case_id, kind="seizure", property_kind_="deposit",
                                  description="みなと銀行 本店 普通預金", start_on=date(2021, 9, 1),
                                  assessment_ids=ids, amount=80_000)
        with pytest.raises(ConflictError, match="決裁"):
            print_seizure_record(store.uow(), CLERK, did, on=date(2021, 9, 2), writer=writer(store))
        approve_disposition(store.uow(), SUPERVISOR, did)
        written = print_seizure_record(store.uow(), CLERK, did, on=date(2021, 9, 2), writer=writer(store))
        (text,) = [_flat(t) for t in pages_text(store.config.documents_dir / written.file_name)]
        for field in ("差押調書", "令和3年9月1日", "令和3年9月2日", "みなと銀行 本店 普通預金", "80,000円", "100,000",
                      "預金", "徴収職員", "officer1", "テスト市", "999999"):
            assert field in text, field

    def test_the_appropriation_and_refund_notices(self, store: Store) -> None:
        terminals(store)
        on, pay_on = date(2025, 10, 1), date(2025, 10, 20)
        tid, _ = seed(store, {"notice_no": "N1", "amount": 50_000, "due": date(2025, 4, 30)})
        oid = overpayment(store, tid, 80_000, arisen=on)
        plan = preview_appropriation(store.uow(), CLERK, oid, on=on)
        appropriate(store.uow(), CLERK, oid, on=on, expected_total=plan.total)
        rid = draft_refund(store.uow(), CLERK, oid, method="cash", pay_on=pay_on, today=on)
        with pytest.raises(ConflictError, match="決裁"):
            print_refund_notice(store.uow(), CLERK, rid, on=on, writer=writer(store))
        approve_refund(store.uow(), APPROVER, rid, on=on)
        appr = print_appropriation_notice(store.uow(), CLERK, oid, on=on, writer=writer(store))
        refund = print_refund_notice(store.uow(), CLERK, rid, on=on, writer=writer(store))
        (a_text,) = [_flat(t) for t in pages_text(store.config.documents_dir / appr.file_name)]
        (r_text,) = [_flat(t) for t in pages_text(store.config.documents_dir / refund.file_name)]
        for field in ("充当通知書", "N1", "80,000円", f"{plan.total:,}円", f"{80_000 - plan.total:,}円", "二重納付"):
            assert field in a_text, field
        for field in ("還付通知書", "80,000円", f"{plan.total:,}円", f"{80_000 - plan.total:,}円", "窓口現金",
                      "令和7年10月20日", "テスト市", "999999"):
            assert field in r_text, field
        assert [json.loads(d)["document"] for _, _, _, d in events(store, "export.file")] == ["appropriation",
                                                                                              "refund"]

    def test_the_receipt_of_a_counter_payment(self, store: Store) -> None:
        terminals(store)
        on = date(2025, 6, 20)
        tid, ids = seed(store, {"notice_no": "N1", "amount": 31_000, "due": DUE})
        quote = counter_quote(store.uow(), CLERK, tid, ids, on=on)
        receipt = counter_pay(store.uow(), CLERK, tid, ids, on=on, amount=quote.total, received=quote.total + 4_000,
                              expected_total=quote.total)
        written = print_receipt(store.uow(), CLERK, receipt.payment_id, received=quote.total + 4_000,
                                writer=writer(store))
        (text,) = [_flat(t) for t in pages_text(store.config.documents_dir / written.file_name)]
        for field in ("領収証書", receipt.receipt_no, "¥31,000-", "おつり 4,000円", "令和7年6月20日", "山田　太郎",
                      "N1", "テスト市", "999999"):
            assert field in text, field


class TestExportRule:
    def test_refused_without_the_permission_or_on_a_terminal_that_may_not_export_and_audited(
            self, store: Store) -> None:
        terminals(store)
        _dunned(store, 1)
        for actor in (NO_EXPORT, ELSEWHERE):
            with pytest.raises(ExportRefused):
                print_dunning_notices(store.uow(actor.user_id), actor, on=DUNNED, writer=writer(store))
        folder = store.config.documents_dir
        assert not folder.exists() or list(folder.iterdir()) == []
        [(outcome, user, _, details)] = events(store, "permission.denied")
        assert (outcome, user) == ("denied", "clerk2") and "export.files" in details and "documents.dunning" in details
        [(outcome, user, _, details)] = events(store, "export.refused")
        assert (outcome, user, json.loads(details)["what"]) == ("denied", "clerk3", "documents.dunning")
        assert events(store, "export.file") == []
