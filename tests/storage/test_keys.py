"""Key rotation and the resumable re-encryption batch, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from core.domain.delinquency import PropertyKind, RecordKind
from core.security.permissions import Actor, Permission
from core.services.taxpayer_search import SearchForm, search_taxpayers
from storage.crypto.fields import ciphertext_version
from storage.reencrypt import pending_rows, reencrypt, rotate
from storage.schema import audit_events, taxpayer_history, taxpayers
from logs.writer import AuditWriter
from storage.store import Store, open_store
from tests.factories import person

ADMIN = Actor("admin")
CLERK = Actor("clerk", frozenset({Permission.TAXPAYER_SEARCH, Permission.MYNUMBER_SEARCH}))


def _people(store: Store, n: int = 12) -> list[int]:
    ids = []
    with store.uow() as uow:
        for i in range(1, n + 1):
            tid = uow.taxpayers.add(person(i, phone=f"03{i:08d}"))
            t = uow.taxpayers.get(tid)
            assert t is not None
            uow.taxpayers.update(replace(t, address=f"みなと市港町{i}番"), reason="転居")
            ids.append(tid)
        uow.commit()
    return ids


def _versions(store: Store) -> set[int]:
    with store.engine.connect() as conn:
        blobs = conn.execute(select(taxpayers.c.name_ct)).scalars().all()
        blobs += conn.execute(select(taxpayer_history.c.snapshot_ct)).scalars().all()
    return {ciphertext_version(bytes(b)) for b in blobs}


class TestRotation:
    def test_new_writes_use_the_new_version_and_old_rows_stay_readable(self, store: Store) -> None:
        ids = _people(store, 3)
        assert rotate(store, ADMIN) == 2
        with store.uow() as uow:
            new_id = uow.taxpayers.add(person(99))
            uow.commit()
        with store.engine.connect() as conn:
            row = conn.execute(select(taxpayers.c.name_ct, taxpayers.c.enc_version).where(taxpayers.c.id == new_id)).one()
        assert ciphertext_version(bytes(row.name_ct)) == 2 and row.enc_version == 2
        with store.uow() as uow:
            assert all(uow.taxpayers.get(i) is not None for i in ids)
        assert pending_rows(store)["taxpayers"] == 3

    def test_rotate_and_reencrypt_leave_every_value_readable_and_every_search_working(
        self, store: Store
    ) -> None:
        ids = _people(store)
        with store.uow() as uow:
            uow.identity.add_user("clerk01", "収納　花子", "x", "JBSWY3DPEHPK3PXP", must_change=False,
                                  now=datetime.now(UTC))
            case_id = uow.cases.open_case(ids[0], on=date(2026, 1, 5), reason="manual")
            uow.cases.add_record(case_id, RecordKind.PHONE, datetime.now(UTC), content="本人と電話、来月から分納希望")
            uow.cases.add_tag(case_id, "red", "要注意", None)
            inv = uow.dispositions.add_investigation(case_id, PropertyKind.DEPOSIT, "みなと銀行", date(2026, 1, 6))
            uow.dispositions.answer_investigation(inv, answered_on=date(2026, 1, 9), result="found",
                                                  finding="普通預金あり", value=1)
            uow.documents.add_certificate(taxpayer_id=ids[0], kind="nozei", issued_on=date(2026, 1, 7),
                                          fiscal_years=[2025], applicant_kind="agent", applicant_name="代理　次郎",
                                          purpose="融資申込", id_document="driver_license", checked_by="clerk01",
                                          terminal=None)
            uow.commit()
            before = {i: uow.taxpayers.get(i) for i in ids}
            history_before = {i: uow.taxpayers.history(i) for i in ids}
        rotate(store, ADMIN)
        report = reencrypt(store, ADMIN, batch_size=5)
        assert report.rows == {"taxpayers": 12, "taxpayer_history": 12, "transfer_accounts": 0, "refunds": 0,
                               "case_tags": 1, "case_records": 1, "investigations": 1, "dispositions": 0,
                               "suspensions": 0, "users": 1, "certificates": 1}
        assert report.remaining == 0 and _versions(store) == {2}
        store.close()
        reopened = open_store(store.config, audit_factory=AuditWriter)
        try:
            with reopened.uow() as uow:
                clerk = uow.identity.user_by_login("clerk01")
                assert clerk is not None and clerk.otp_secret == "JBSWY3DPEHPK3PXP"
                assert {i: uow.taxpayers.get(i) for i in ids} == before
                assert {i: uow.taxpayers.history(i) for i in ids} == history_before
                assert uow.cases.records(case_id)[0][0].content == "本人と電話、来月から分納希望"
                assert uow.cases.tags([case_id])[case_id][0].text == "要注意"
                assert uow.dispositions.investigations(case_id=case_id)[0].finding == "普通預金あり"
                [certificate] = uow.documents.certificates(ids[0])
                assert (certificate.applicant_name, certificate.purpose) == ("代理　次郎", "融資申込")
            for t in before.values():
                assert t is not None
                for form in (SearchForm(my_number=t.my_number or ""), SearchForm(kana_name=t.name_kana),
                             SearchForm(phone=t.phone or ""),
                             SearchForm(kana_surname="ヤマダ", birth_date=t.birth_date.isoformat() if t.birth_date else "")):
                    page = search_taxpayers(reopened.uow(), CLERK, form, limit=100)
                    assert t.atena_no in [r.atena_no for r in page.rows]
        finally:
            reopened.close()

    def test_an_interrupted_reencrypt_resumes_where_it_stopped(self, store: Store) -> None:
        ids = _people(store)
        rotate(store, ADMIN)

        class Crash(Exception):
            pass

        def crash_in_second_batch(report: object) -> None:
            if getattr(report, "batches") == 2:
                raise Crash

        with pytest.raises(Crash):
            reencrypt(store, ADMIN, batch_size=4, on_batch=crash_in_second_batch)
        # the first batch committed, the second rolled back whole
        assert pending_rows(store)["taxpayers"] == 8
        assert _versions(store) == {1, 2}
        with store.uow() as uow:
            assert all(uow.taxpayers.get(i) is not None for i in ids)
        report = reencrypt(store, ADMIN, batch_size=4)
        assert report.rows["taxpayers"] == 8 and report.remaining == 0
        assert _versions(store) == {2}

    def test_key_operations_are_audited(self, store: Store) -> None:
        _people(store, 2)
        rotate(store, ADMIN)
        reencrypt(store, ADMIN)
        with store.engine.connect() as conn:
            actions = conn.execute(
                select(audit_events.c.action).where(audit_events.c.user_id == "admin").order_by(audit_events.c.seq)
            ).scalars().all()
            count = conn.execute(select(func.count()).select_from(audit_events)).scalar_one()
        assert actions == ["keys.rotate", "keys.reencrypt.start", "keys.reencrypt.done"]
        assert count == 3


class TestKeyNeverPrinted:
    def test_the_store_repr_never_shows_the_key_encryption_key(self, store: Store) -> None:
        # Hypothesis and pytest print fixtures' reprs in failure reports.
        assert repr(store.kek) not in repr(store) and "kek" not in repr(store)
