"""An in-memory unit of work for service tests (no database)."""

from __future__ import annotations

from dataclasses import replace
from types import TracebackType
from typing import Any, Self

from core.domain.search import SearchCriteria, TaxpayerSummary
from core.domain.taxpayer import Taxpayer
from core.ports import AuditEvent
from core.security.permissions import Actor
from core.text.kana import kana_search_key, split_kana_name


class FakeTaxpayers:
    def __init__(self) -> None:
        self.rows: dict[int, Taxpayer] = {}
        self.notices: dict[str, int] = {}

    def add(self, taxpayer: Taxpayer) -> int:
        new_id = len(self.rows) + 1
        self.rows[new_id] = replace(taxpayer.validated(), id=new_id)
        return new_id

    def get(self, taxpayer_id: int) -> Taxpayer | None:
        return self.rows.get(taxpayer_id)

    def search(self, c: SearchCriteria, *, offset: int, limit: int) -> tuple[list[TaxpayerSummary], bool]:
        def hit(t: Taxpayer) -> bool:
            return all([
                c.atena_no is None or t.atena_no == c.atena_no,
                c.notice_no is None or self.notices.get(c.notice_no) == t.id,
                c.my_number is None or t.my_number == c.my_number,
                c.kana_name is None or kana_search_key(t.name_kana) == c.kana_name,
                c.kana_surname is None or kana_search_key(split_kana_name(t.name_kana)[0]) == c.kana_surname,
                c.birth_date is None or t.birth_date == c.birth_date,
                c.phone is None or t.phone == c.phone,
            ])
        found = sorted((t for t in self.rows.values() if hit(t)), key=lambda t: t.atena_no)
        page = found[offset:offset + limit + 1]
        return [TaxpayerSummary(t.id or 0, t.atena_no, t.kind.value, t.name, t.name_kana, t.birth_date,
                                t.address, t.resident_status.value, t.deceased_date is not None)
                for t in page[:limit]], len(page) > limit


class FakeAudit:
    def __init__(self) -> None:
        self.events: list[tuple[Actor, AuditEvent]] = []
        self.pending: list[tuple[Actor, AuditEvent]] = []

    def record(self, actor: Actor, event: AuditEvent) -> int:
        self.pending.append((actor, event))
        return len(self.events) + len(self.pending)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.taxpayers = FakeTaxpayers()
        self.audit = FakeAudit()
        self.settings: Any = None
        self.assessments: Any = None
        self.retention: Any = None
        self.commits = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.audit.pending.clear()  # what was not committed is gone

    def commit(self) -> None:
        self.audit.events += self.audit.pending
        self.audit.pending.clear()
        self.commits += 1

    def rollback(self) -> None:
        self.audit.pending.clear()

    def reader(self) -> Self:
        return self
