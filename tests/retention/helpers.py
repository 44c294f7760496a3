"""A complete taxpayer file written straight into the tables (every kind of dependent row,
dated in one fiscal year and settled), actors, and row counts per table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, update

from core.security.permissions import Actor, Permission
from storage.schema import (
    allocations,
    appropriations,
    assessment_amendments,
    case_records,
    case_tags,
    cases,
    certificates,
    deferrals,
    disposition_periods,
    dispositions,
    dunnings,
    investigations,
    overpayments,
    payments,
    plan_instalments,
    plan_periods,
    plans,
    refunds,
    suspense_items,
    suspension_periods,
    suspensions,
    taxpayer_history,
    taxpayers,
    transfer_accounts,
    transfer_items,
    transfer_runs,
    writeoff_runs,
    writeoffs,
)
from storage.store import Store
from tests.factories import period, person

ALL = frozenset(p.value for p in Permission)
ADMIN = Actor("admin1", frozenset({Permission.ADMIN_SETTINGS.value}), terminal_id="T01")
#: Holds both permissions: may propose, and may approve what someone else proposed.
BOTH = Actor("admin2", frozenset({Permission.ADMIN_SETTINGS.value, Permission.DISPOSITION_APPROVE.value}),
             terminal_id="T01")
SUPERVISOR = Actor("super1", ALL - {Permission.ADMIN_SETTINGS.value}, terminal_id="T01")
CLERK = Actor("clerk1", ALL - {Permission.DISPOSITION_APPROVE.value, Permission.ADMIN_SETTINGS.value},
              terminal_id="T01")

AS_OF = date(2026, 11, 23)  # 令和8年度: 7年 → activity up to 2019-03-31 is due, 5年 → up to 2021-03-31

#: Every table a taxpayer file has rows in (the shared batch tables stay).
FILE_TABLES: tuple[Table, ...] = (
    taxpayers, taxpayer_history, assessment_amendments, payments, allocations, suspense_items, overpayments,
    appropriations, refunds, dunnings, deferrals, transfer_accounts, transfer_items, cases, case_tags,
    case_records, investigations, plans, plan_periods, plan_instalments, dispositions, disposition_periods,
    suspensions, suspension_periods, writeoffs, certificates,
)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


def counts(store: Store, tables: tuple[Table, ...] = FILE_TABLES) -> dict[str, int]:
    with store.reading() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables}


def taxpayer_file(store: Store, n: int, *, fy: int = 2015) -> dict[str, int]:
    """Taxpayer *n* with one fully paid period of 年度 *fy* and a settled row in every
    dependent table, every date inside that 年度. Returns the ids."""
    d = lambda month, day: date(fy + (1 if month < 4 else 0), month, day)  # noqa: E731
    ts = at(d(12, 1))
    with store.uow() as uow:
        tid = uow.taxpayers.add(person(n))
        aid = uow.assessments.add(period(tid, notice_no=f"R{n:06d}", amount=10_500, due=d(6, 30), fiscal_year=fy))
        conn = uow.connection

        cipher = uow._crypto.cipher

        def add(table: Table, **values: Any) -> int:
            """Insert; ``*_ct`` values given as bytes are replaced by real ciphertexts of that text."""
            secret = {k: v.decode() for k, v in values.items() if k.endswith("_ct")}
            result = conn.execute(insert(table).values(**{**values, **{k: b"-" for k in secret}}))
            key = result.inserted_primary_key
            rid = int(key[0]) if key and key[0] is not None else 0
            if secret:
                conn.execute(update(table).where(table.c.id == rid).values(**{
                    k: cipher.encrypt(v, table=table.name, column=k, record_id=rid) for k, v in secret.items()}))
            return rid

        add(taxpayer_history, taxpayer_id=tid, version=1, changed_at=at(d(5, 1)), changed_by="t", reason="転居",
            snapshot_ct=b"snapshot", enc_version=1)
        add(assessment_amendments, assessment_id=aid, amended_on=d(5, 20), old_amount=10_500, new_amount=10_500,
            reason="更正", recorded_at=ts)
        pay = dict(kind="receipt", channel="bank", notice_no=f"R{n:06d}", period=1, taxpayer_id=tid,
                   received_on=d(6, 20), accounted_on=d(6, 20), operator="t", created_at=ts)
        p1 = add(payments, source_key=f"p1-{n}", amount=10_000, allocated_amount=10_000, **pay)
        p2 = add(payments, source_key=f"p2-{n}", amount=500, allocated_amount=0, **pay)
        p3 = add(payments, source_key=f"p3-{n}", amount=500, allocated_amount=0, reverses_id=p2,
                 **{**pay, "kind": "reversal"})
        p4 = add(payments, source_key=f"p4-{n}", amount=500, allocated_amount=500, **{**pay, "channel": "offset"})
        alloc = dict(assessment_id=aid, component="honzei", entry="allocate", policy_version="2026-01",
                     allocated_on=d(6, 20), created_at=ts)
        add(allocations, payment_id=p1, amount=10_000, **alloc)
        add(allocations, payment_id=p4, amount=500, **alloc)
        add(suspense_items, payment_id=p2, reason="unmatched", amount=500, status="resolved", resolution="returned",
            resolved_at=ts, resolved_by="t", created_at=ts)
        assert p3
        oid = add(overpayments, taxpayer_id=tid, payment_id=p1, cause="double", amount=1_000, remaining=0,
                  arisen_on=d(7, 1), state="settled", created_at=ts)
        add(appropriations, overpayment_id=oid, payment_id=p4, assessment_id=aid, amount=500, kasankin=0,
            appropriated_on=d(7, 1), created_at=ts, created_by="t")
        add(refunds, overpayment_id=oid, taxpayer_id=tid, amount=500, kasankin=0, state="notified", method="cash",
            pay_on=d(8, 1), decided_on=d(7, 20), paid_on=d(8, 1), notified_on=d(8, 2), drafted_by="a",
            drafted_at=ts, approved_by="b", approved_at=ts, version=1, enc_version=1)
        add(dunnings, assessment_id=aid, taxpayer_id=tid, issued_on=d(7, 15), designated_on=d(7, 25), fee=0,
            honzei_due=100, delivery="delivered", batch_on=d(7, 15), created_at=ts, created_by="t")
        acc = add(transfer_accounts, taxpayer_id=tid, bank_code="0001", branch_code="001", account_type="1",
                  account_no_ct=b"acc", holder_kana_ct=b"kana", tax_codes="01", start_on=d(4, 1),
                  end_on=d(3, 1), status="ended", enc_version=1, created_at=ts)
        run = add(transfer_runs, debit_on=date(fy, 4, 1) + timedelta(days=n % 5000), records=1, total=10_000, request_sha256="0" * 64,
                  status="resulted", created_at=ts, created_by="t")
        add(transfer_items, run_id=run, assessment_id=aid, account_id=acc, customer_no=f"C{n:08d}", amount=10_000,
            result_code="1", payment_id=None)
        cid = add(cases, taxpayer_id=tid, status="closed", priority=3, opened_on=d(8, 1), opened_reason="manual",
                  closed_on=d(2, 1), version=1, created_at=ts, created_by="t")
        add(deferrals, assessment_id=aid, kind="choshu", start_on=d(8, 1), end_on=d(9, 1), status="cancelled",
            decided_by="t", created_at=ts, case_id=cid)
        rec = dict(enc_version=1, created_at=ts, created_by="t")
        add(case_tags, case_id=cid, colour="red", text_ct=b"tag", end_on=d(9, 1), **rec)
        add(case_records, case_id=cid, kind="phone", occurred_at=at(d(9, 1)), content_ct=b"rec", source="manual",
            **rec)
        add(investigations, case_id=cid, target="deposit", institution_ct=b"bank", requested_on=d(9, 1),
            answered_on=d(9, 10), result="none", **rec)
        plan = add(plans, case_id=cid, taxpayer_id=tid, pledged_on=d(9, 1), status="completed", total=100,
                   grace_days=10, ended_on=d(10, 1), version=1, created_at=ts, created_by="t")
        add(plan_periods, plan_id=plan, assessment_id=aid)
        add(plan_instalments, plan_id=plan, seq=1, due_on=d(10, 1), amount=100)
        dis = add(dispositions, case_id=cid, taxpayer_id=tid, kind="seizure", property_kind="deposit",
                  property_ct=b"prop", start_on=d(10, 1), status="released", proposed_by="a", approved_by="b",
                  decided_at=ts, ended_on=d(11, 1), version=1, enc_version=1, created_at=ts)
        add(disposition_periods, disposition_id=dis, assessment_id=aid)
        sus = add(suspensions, case_id=cid, taxpayer_id=tid, ground=1, immediate=False, reason_ct=b"why",
                  status="cancelled", proposed_by="a", decided_by="b", decided_on=d(11, 1), cancelled_on=d(12, 1),
                  version=1, enc_version=1, created_at=ts)
        add(suspension_periods, suspension_id=sus, assessment_id=aid)
        wr = add(writeoff_runs, fiscal_year=fy, status="rejected", items=1, total=1, proposed_by="a",
                 created_at=ts, decided_at=ts)
        add(writeoffs, run_id=wr, assessment_id=aid, component="honzei", amount=1, reason="prescription",
            extinguished_on=d(12, 1), fiscal_year=fy, state="rejected")
        cert = add(certificates, taxpayer_id=tid, kind="nozei", issued_on=d(1, 10), fiscal_years=str(fy),
                   applicant_kind="self", applicant_name_ct=b"name", purpose_ct=b"purpose",
                   id_document="passport", checked_by="t", enc_version=1, created_at=ts)
        uow.commit()
    return {"taxpayer": tid, "assessment": aid, "case": cid, "overpayment": oid, "account": acc, "certificate": cert,
            "payment": p1}


def atena(n: int) -> str:
    return person(n).atena_no


__all__ = ["ALL", "ADMIN", "BOTH", "SUPERVISOR", "CLERK", "AS_OF", "FILE_TABLES", "at", "counts", "taxpayer_file",
           "atena"]
