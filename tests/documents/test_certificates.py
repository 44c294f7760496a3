"""納税証明書 (SPEC §4.11) on SQLite and PostgreSQL: the printed fields, the issue record and its
audit, refusals (滞納なし / 完納 for a delinquent taxpayer, an agent under 発行抑止, a terminal that
may not export), and the applicant's name and purpose never stored in plaintext."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import ConflictError
from core.services.certificates import issue_certificate, list_certificates
from core.services.export import ExportRefused
from storage.schema import certificates
from storage.store import Store
from tests.collection.helpers import pay, seed
from tests.documents.helpers import CLERK, ELSEWHERE, events, pages_text, terminals, writer

ON = date(2025, 11, 4)
APPLICANT = "代理　花子"
PURPOSE = "住宅ローン申込（みなと信用金庫）"


def _issue(store: Store, atena: str = "0000000001", **kw: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {"kind": "nozei", "purpose": PURPOSE, "applicant_kind": "agent",
                                 "applicant_name": APPLICANT, "id_document": "driver_license",
                                 "fiscal_years": (2024, 2025), "on": ON}
    values.update(kw)
    actor = values.pop("actor", CLERK)
    return issue_certificate(store.uow(actor.user_id), actor, atena, writer=writer(store), **values)  # type: ignore[union-attr, arg-type]


def _taxpayer(store: Store, n: int = 1, *, unpaid_2025: bool = True) -> int:
    """2024: 48,000 paid; 2025: 30,000 of which 12,000 paid (or all of it) — due 2025-06-30."""
    tid, _ = seed(store, {"notice_no": f"A{n}", "fiscal_year": 2024, "amount": 48_000, "due": date(2024, 6, 28)},
                  {"notice_no": f"B{n}", "fiscal_year": 2025, "amount": 30_000, "due": date(2025, 6, 30)}, n=n)
    from core.services.payments import import_payments

    payments = [pay(f"p{n}a", 48_000, date(2024, 6, 20), notice=f"A{n}"),
                pay(f"p{n}b", 30_000 if not unpaid_2025 else 12_000, date(2025, 6, 20), notice=f"B{n}")]
    import_payments(store.uow(), CLERK, payments, sha256=f"{n}" * 64, file_name="p.csv")
    return tid


class TestIssue:
    def test_the_certificate_shows_purpose_and_amounts_per_year_and_is_recorded_and_audited(
            self, store: Store) -> None:
        terminals(store)
        tid = _taxpayer(store)
        issued = _issue(store)
        pdf = store.config.documents_dir / issued.written.file_name
        (text,) = [t.replace("\n", "") for t in pages_text(pdf)]
        for field in ("納税証明書", "納税証明", PURPOSE, "令和6年度", "令和7年度", "48,000", "30,000", "12,000",
                      "18,000", "78,000", "60,000", "令和7年11月4日", "テスト市長", "団体コード 999999", "山田　太郎",
                      f"第 {issued.certificate_no} 号"):
            assert field in text, field
        assert APPLICANT not in text  # the applicant is recorded, not printed
        [row] = list_certificates(store.uow(), CLERK, tid)
        assert (row.certificate_no, row.label, row.fiscal_years, row.applicant_label, row.applicant_name,
                row.purpose, row.id_document_label, row.checked_by, row.file_name) == (
            issued.certificate_no, "納税証明", (2024, 2025), "代理人", APPLICANT, PURPOSE, "運転免許証", "clerk1",
            pdf.name)
        assert APPLICANT not in repr(row) and PURPOSE not in repr(row)
        [(outcome, _, target, details)] = events(store, "certificate.issue")
        assert (outcome, target) == ("ok", "0000000001")
        assert APPLICANT not in details and PURPOSE not in details
        [(_, _, _, export)] = events(store, "export.file")
        assert json.loads(export)["sha256"] == issued.written.sha256

    def test_no_delinquency_and_paid_in_full_are_refused_for_a_delinquent_taxpayer(self, store: Store) -> None:
        terminals(store)
        _taxpayer(store, 1)
        _taxpayer(store, 2, unpaid_2025=False)
        for kind in ("mitai", "kanno"):
            with pytest.raises(ConflictError, match="未納|滞納"):
                _issue(store, kind=kind)
        denied = [json.loads(d) for outcome, _, _, d in events(store, "certificate.issue") if outcome == "denied"]
        assert [(d["kind"], d["reason"], d["periods"]) for d in denied] == [("mitai", "delinquent", 1),
                                                                              ("kanno", "unpaid", 1)]
        clean = _issue(store, "0000000002", kind="mitai", applicant_kind="self", applicant_name="山田　太郎",
                       id_document="mynumber_card")
        (text,) = [t.replace("\n", "") for t in pages_text(store.config.documents_dir / clean.written.file_name)]
        assert "滞納なし証明" in text and "令和7年11月4日現在" in text and "滞納がないことを証明します" in text
        assert _issue(store, "0000000002", kind="kanno").fiscal_years == (2024, 2025)
        with store.reading() as conn:
            assert conn.execute(select(certificates.c.kind).order_by(certificates.c.id)).scalars().all() == [
                "mitai", "kanno"]

    def test_an_agent_is_refused_under_hakko_yokushi_and_a_terminal_without_export_issues_nothing(
            self, store: Store) -> None:
        terminals(store)
        tid = _taxpayer(store, unpaid_2025=False)
        with store.uow() as uow:
            t = uow.taxpayers.get(tid)
            assert t is not None
            uow.taxpayers.update(replace(t, flags=replace(t.flags, hakko_yokushi=True)), reason="支援措置")
            uow.commit()
        with pytest.raises(ConflictError, match="発行抑止"):
            _issue(store)
        with pytest.raises(ExportRefused):
            _issue(store, applicant_kind="self", actor=ELSEWHERE)
        assert [e[0] for e in events(store, "export.refused")] == ["denied"]
        with store.reading() as conn:
            assert conn.execute(select(certificates.c.id)).all() == []


class TestPrivacy:
    def test_the_certificates_table_holds_no_plaintext_applicant_or_purpose(self, store: Store) -> None:
        terminals(store)
        _taxpayer(store)
        _issue(store)
        needles = [APPLICANT.encode(), PURPOSE.encode(), "代理".encode(), "みなと信用金庫".encode()]
        if store.engine.url.get_backend_name() == "sqlite":
            path = Path(str(store.engine.url.database))
            store.engine.dispose()
            raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        else:
            connection = store.engine.raw_connection()
            try:
                with connection.cursor().copy("COPY certificates TO STDOUT (FORMAT binary)") as copy:  # type: ignore[attr-defined]
                    raw = b"".join(bytes(chunk) for chunk in copy)
            finally:
                connection.close()
        assert raw and [n.decode() for n in needles if n in raw] == []
        with store.reading() as conn:
            row = conn.execute(select(certificates.c.applicant_name_ct, certificates.c.purpose_ct)).one()
        assert APPLICANT.encode() not in row.applicant_name_ct and PURPOSE.encode() not in row.purpose_ct
