"""Workloads 1 and 2: taxpayer search by each kind, and opening a taxpayer (照会).

Queries are made from taxpayers drawn at random (fixed seed) from the dataset;
each search must find the taxpayer it was made from (a miss is counted and
reported, so a fast wrong answer cannot pass). Every call goes the way the
screens go: ``SessionServices.run`` (session check), then the service (its
permission, the query, decrypt-and-compare, the audit event, the commit and the
JSON-lines mirror). The service alone — without the session check — is timed
too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from core.services.account import taxpayer_account
from core.services.certificates import list_certificates
from core.services.taxpayer_search import SearchForm, search_taxpayers
from core.services.taxpayer_view import view_taxpayer
from core.services.transfer import transfer_accounts
from core.domain.taxpayer import Taxpayer
from bench.datasets import AS_OF
from bench.session import Bench
from bench.stats import latency
from core.text.kana import split_kana_name
from storage.schema import assessments

__all__ = ["KINDS", "search_workload", "detail_workload", "sample_taxpayers"]

KINDS = ("atena_no", "notice_no", "my_number", "kana_name", "kana_surname_birth", "phone")


def sample_taxpayers(bench: Bench, count: int, *, seed: int = 7) -> list[tuple[Taxpayer, str | None]]:
    """*count* taxpayers at random, each with one of its notice numbers."""
    with bench.store.uow(readonly=True) as uow:
        total = uow.taxpayers.count()
        ids = random.Random(seed).sample(range(1, total + 1), min(count, total))
        out = []
        for tid in ids:
            t = uow.taxpayers.get(tid)
            assert t is not None
            notice = uow.connection.execute(
                select(assessments.c.notice_no).where(assessments.c.taxpayer_id == tid).limit(1)).scalar()
            out.append((t, notice))
    return out


def _form(kind: str, t: Taxpayer, notice: str | None) -> SearchForm | None:
    if kind == "atena_no":
        return SearchForm(atena_no=t.atena_no)
    if kind == "notice_no":
        return SearchForm(notice_no=notice) if notice else None
    if kind == "my_number":
        return SearchForm(my_number=t.my_number) if t.my_number else None
    if kind == "kana_name":
        return SearchForm(kana_name=t.name_kana) if t.name_kana else None
    if kind == "kana_surname_birth":
        if not (t.name_kana and t.birth_date):
            return None
        return SearchForm(kana_surname=split_kana_name(t.name_kana)[0], birth_date=t.birth_date.isoformat())
    if kind == "phone":
        return SearchForm(phone=t.phone) if t.phone else None
    raise ValueError(kind)


def search_workload(bench: Bench, *, per_kind: int) -> dict[str, Any]:
    people = sample_taxpayers(bench, per_kind * 3)
    out: dict[str, Any] = {}
    actor = bench.actor
    for kind in KINDS:
        cases = [(t, f) for t, n in people if (f := _form(kind, t, n)) is not None][:per_kind]
        full: list[Callable[[], Any]] = [lambda f=f: bench.run(search_taxpayers, f, limit=50) for _, f in cases]
        alone: list[Callable[[], Any]] = [
            lambda f=f: search_taxpayers(bench.store.uow(actor.user_id), actor, f, limit=50) for _, f in cases]
        stats, pages = latency(full, warmup=10)
        out[f"search.{kind}"] = stats
        out[f"search_service.{kind}"], _ = latency(alone, warmup=10)
        misses = sum(1 for (t, _), page in zip(cases, pages, strict=True)
                     if not any(r.atena_no == t.atena_no for r in page.rows) and not page.has_more)
        rows = [len(p.rows) for p in pages]
        out[f"search.{kind}"].update({"misses": misses, "rows_mean": round(sum(rows) / len(rows), 1),
                                      "rows_max": max(rows), "pages_with_more": sum(p.has_more for p in pages)})
    return out


def detail_workload(bench: Bench, *, count: int) -> dict[str, Any]:
    """What the taxpayer screen calls when it opens: the person, every period with its
    balance, 延滞金 and 時効完成日 as of the day, the accounts and the certificates."""
    people = sample_taxpayers(bench, count, seed=11)
    as_of = AS_OF
    periods: list[int] = []

    def open_one(tid: int) -> None:
        bench.run(view_taxpayer, tid)
        account = bench.run(taxpayer_account, tid, as_of=as_of)
        periods.append(len(account.periods))
        bench.run(transfer_accounts, tid)
        bench.run(list_certificates, tid)

    def account_only(tid: int) -> None:
        bench.run(taxpayer_account, tid, as_of=as_of)

    ids = [t.id for t, _ in people if t.id is not None]
    screen, _ = latency([lambda tid=tid: open_one(tid) for tid in ids], warmup=5)
    account, _ = latency([lambda tid=tid: account_only(tid) for tid in ids], warmup=5)
    screen.update({"periods_mean": round(sum(periods) / len(periods), 1), "periods_max": max(periods)})
    return {"detail.screen": screen, "detail.account": account}
