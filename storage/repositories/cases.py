"""滞納案件, 付箋, 経過記録 and saved filters. Free text is encrypted with the
record id as associated data; a case moves by compare-and-set on its version."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.domain.delinquency import (
    Case,
    CaseRecord,
    CaseStatus,
    Counterpart,
    RecordKind,
    SavedFilter,
    Tag,
)
from core.errors import ConflictError, NotFound
from storage.crypto.context import Crypto
from storage.repositories.encrypted import EncryptedText
from storage.schema import assessments, case_records, case_tags, cases, saved_filters, taxpayers

__all__ = ["SqlCaseRepository", "case_from_row"]


def case_from_row(r: Any) -> Case:
    return Case(id=int(r.id), taxpayer_id=int(r.taxpayer_id), status=CaseStatus(r.status), officer=r.officer,
                team=r.team, priority=int(r.priority), next_action_on=r.next_action_on, opened_on=r.opened_on,
                opened_reason=r.opened_reason, closed_on=r.closed_on, version=int(r.version))


class SqlCaseRepository(EncryptedText):
    def __init__(self, conn: Connection, crypto: Crypto, operator: str = "system") -> None:
        self._conn = conn
        self._crypto = crypto
        self._operator = operator

    # -- cases ---------------------------------------------------------------
    def open_case(self, taxpayer_id: int, *, on: date, reason: str, officer: str | None = None,
                  team: str | None = None, priority: int = 3, next_action_on: date | None = None) -> int:
        """A new case; refused when the taxpayer already has one that is not closed."""
        try:
            with self._conn.begin_nested():
                return int(self._conn.execute(insert(cases).values(
                    taxpayer_id=taxpayer_id, status=CaseStatus.OPEN.value, officer=officer, team=team,
                    priority=priority, next_action_on=next_action_on, opened_on=on, opened_reason=reason,
                    version=1, created_at=datetime.now(UTC), created_by=self._operator,
                ).returning(cases.c.id)).scalar_one())
        except IntegrityError:
            raise ConflictError("この納税者には既に進行中の滞納案件があります") from None

    def get(self, case_id: int, *, lock: bool = False) -> Case:
        query = select(cases).where(cases.c.id == case_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"滞納案件が見つかりません（案件番号 {case_id}）")
        return case_from_row(row)

    def open_of_taxpayer(self, taxpayer_id: int) -> Case | None:
        row = self._conn.execute(select(cases).where(cases.c.taxpayer_id == taxpayer_id,
                                                     cases.c.status != CaseStatus.CLOSED.value)).one_or_none()
        return case_from_row(row) if row is not None else None

    def of_taxpayer(self, taxpayer_id: int) -> list[Case]:
        rows = self._conn.execute(select(cases).where(cases.c.taxpayer_id == taxpayer_id).order_by(cases.c.id))
        return [case_from_row(r) for r in rows]

    def update(self, case_: Case, **values: Any) -> Case:
        """Compare-and-set on the version: a concurrent change makes this fail."""
        done = self._conn.execute(update(cases).where(cases.c.id == case_.id, cases.c.version == case_.version)
                                  .values(version=case_.version + 1, **values))
        if done.rowcount != 1:
            raise ConflictError("この案件は他の職員が更新しました。画面を更新してください")
        return self.get(case_.id)

    def taxpayers_with_open_cases(self, taxpayer_ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        ids = list(taxpayer_ids)
        for i in range(0, len(ids), 500):  # bounded IN lists (SQLite / PostgreSQL parameter caps)
            found |= {int(r.taxpayer_id) for r in self._conn.execute(select(cases.c.taxpayer_id).where(
                cases.c.taxpayer_id.in_(ids[i:i + 500]), cases.c.status != CaseStatus.CLOSED.value))}
        return found

    def case_taxpayers(self) -> set[int]:
        """Every taxpayer who has or had a case."""
        return {int(r[0]) for r in self._conn.execute(select(cases.c.taxpayer_id).distinct())}

    def summaries(self, *, officer: str | None = None, team: str | None = None,
                  statuses: Sequence[str] = (), due_by: date | None = None, case_ids: Sequence[int] | None = None,
                  offset: int = 0, limit: int = 200, past_due_on: date | None = None
                  ) -> tuple[list[dict[str, Any]], bool]:
        """Open cases with their taxpayer's 本税 outstanding, unpaid period count and oldest 納期限.

        Amounts here are 本税 only (SQL aggregate, for filtering and sorting); the case
        screen shows full balances with 延滞金 from the ledger. With *past_due_on* only
        periods whose 納期限 is before that day count (滞納, not 納期未到来)."""
        unpaid = assessments.c.assessed_amount - assessments.c.honzei_paid
        per = (select(assessments.c.taxpayer_id,
                      func.sum(case((unpaid > 0, unpaid), else_=0)).label("honzei_due"),
                      func.sum(case((unpaid > 0, 1), else_=0)).label("periods"),
                      func.min(case((unpaid > 0, assessments.c.due_date), else_=None)).label("oldest_due"))
               .select_from(assessments)
               .where(assessments.c.status == "active",
                      assessments.c.due_date < (past_due_on or date.max),
                      assessments.c.taxpayer_id.in_(select(cases.c.taxpayer_id).where(
                          cases.c.status != CaseStatus.CLOSED.value)))
               .group_by(assessments.c.taxpayer_id).subquery())
        query = (select(cases, taxpayers.c.atena_no, func.coalesce(per.c.honzei_due, 0).label("honzei_due"),
                        func.coalesce(per.c.periods, 0).label("periods"), per.c.oldest_due)
                 .join(taxpayers, taxpayers.c.id == cases.c.taxpayer_id)
                 .outerjoin(per, per.c.taxpayer_id == cases.c.taxpayer_id)
                 .where(cases.c.status != CaseStatus.CLOSED.value))
        if officer is not None:
            query = query.where(cases.c.officer == officer)
        if team is not None:
            query = query.where(cases.c.team == team)
        if statuses:
            query = query.where(cases.c.status.in_(list(statuses)))
        if due_by is not None:
            query = query.where(cases.c.next_action_on <= due_by)
        if case_ids is not None:
            query = query.where(cases.c.id.in_(list(case_ids)) if case_ids else cases.c.id < 0)
        query = query.order_by(cases.c.next_action_on.is_(None), cases.c.next_action_on, cases.c.priority,
                               cases.c.id).offset(offset).limit(limit + 1)
        rows = self._conn.execute(query).all()
        out = [{"case": case_from_row(r), "atena_no": r.atena_no, "honzei_due": int(r.honzei_due),
                "periods": int(r.periods), "oldest_due": r.oldest_due} for r in rows[:limit]]
        return out, len(rows) > limit

    def counts(self) -> list[tuple[str, str | None, int]]:
        """(status, officer, count) over every case."""
        rows = self._conn.execute(select(cases.c.status, cases.c.officer, func.count())
                                  .group_by(cases.c.status, cases.c.officer))
        return [(r[0], r[1], int(r[2])) for r in rows]

    def count_due(self, *, officer: str | None, on: date) -> int:
        query = select(func.count()).select_from(cases).where(
            cases.c.status != CaseStatus.CLOSED.value, cases.c.next_action_on <= on)
        if officer is not None:
            query = query.where(cases.c.officer == officer)
        return int(self._conn.execute(query).scalar_one())

    # -- tags ----------------------------------------------------------------
    def add_tag(self, case_id: int, colour: str, text: str, end_on: date | None) -> int:
        tag_id = int(self._conn.execute(insert(case_tags).values(
            case_id=case_id, colour=colour, text_ct=b"", end_on=end_on, enc_version=self._crypto.cipher.version,
            created_at=datetime.now(UTC), created_by=self._operator).returning(case_tags.c.id)).scalar_one())
        self._conn.execute(update(case_tags).where(case_tags.c.id == tag_id).values(
            text_ct=self._enc(text, "case_tags", "text_ct", tag_id)))
        return tag_id

    def remove_tag(self, case_id: int, tag_id: int) -> None:
        done = self._conn.execute(update(case_tags).where(
            case_tags.c.id == tag_id, case_tags.c.case_id == case_id, case_tags.c.removed_at.is_(None))
            .values(removed_at=datetime.now(UTC)))
        if done.rowcount != 1:
            raise NotFound("付箋が見つかりません")

    def tags(self, case_ids: Sequence[int]) -> dict[int, list[Tag]]:
        out: dict[int, list[Tag]] = {i: [] for i in case_ids}
        if not case_ids:
            return out
        rows = self._conn.execute(select(case_tags).where(case_tags.c.case_id.in_(list(case_ids)),
                                                          case_tags.c.removed_at.is_(None))
                                  .order_by(case_tags.c.id))
        for r in rows:
            text = self._dec(r.text_ct, "case_tags", "text_ct", int(r.id)) or ""
            out[int(r.case_id)].append(Tag(int(r.id), int(r.case_id), r.colour, text, r.end_on))
        return out

    # -- 経過記録 -------------------------------------------------------------
    def add_record(self, case_id: int, kind: RecordKind, occurred_at: datetime, *, content: str | None,
                   counterpart: Counterpart | None = None, next_action_on: date | None = None,
                   source: str = "manual", source_key: str | None = None) -> int:
        record_id = int(self._conn.execute(insert(case_records).values(
            case_id=case_id, kind=kind.value, occurred_at=occurred_at,
            counterpart=counterpart.value if counterpart else None, next_action_on=next_action_on,
            source=source, source_key=source_key, enc_version=self._crypto.cipher.version,
            created_at=datetime.now(UTC), created_by=self._operator).returning(case_records.c.id)).scalar_one())
        if content is not None:
            self._conn.execute(update(case_records).where(case_records.c.id == record_id).values(
                content_ct=self._enc(content, "case_records", "content_ct", record_id)))
        return record_id

    def known_source_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = list(keys[i:i + 500])
            found |= {r.source_key for r in self._conn.execute(
                select(case_records.c.source_key).where(case_records.c.source_key.in_(chunk)))}
        return found

    def records(self, case_id: int, *, offset: int = 0, limit: int = 100) -> tuple[list[CaseRecord], bool]:
        """Newest first."""
        rows = self._conn.execute(select(case_records).where(case_records.c.case_id == case_id)
                                  .order_by(case_records.c.occurred_at.desc(), case_records.c.id.desc())
                                  .offset(offset).limit(limit + 1)).all()
        out = [CaseRecord(int(r.id), int(r.case_id), RecordKind(r.kind), r.occurred_at,
                          Counterpart(r.counterpart) if r.counterpart else None,
                          self._dec(r.content_ct, "case_records", "content_ct", int(r.id)),
                          r.next_action_on, r.source, r.created_by) for r in rows[:limit]]
        return out, len(rows) > limit

    def last_record_kinds(self, case_ids: Sequence[int], kind: RecordKind) -> dict[int, datetime]:
        """The latest record of *kind* per case (for "not reminded since")."""
        if not case_ids:
            return {}
        rows = self._conn.execute(select(case_records.c.case_id, func.max(case_records.c.occurred_at))
                                  .where(case_records.c.case_id.in_(list(case_ids)),
                                         case_records.c.kind == kind.value)
                                  .group_by(case_records.c.case_id))
        return {int(r[0]): r[1] for r in rows}

    # -- saved filters -------------------------------------------------------
    def save_filter(self, name: str, owner: str, shared: bool, criteria: dict[str, object]) -> int:
        existing = self._conn.execute(select(saved_filters.c.id).where(
            saved_filters.c.owner == owner, saved_filters.c.name == name)).scalar_one_or_none()
        body = json.dumps(criteria, ensure_ascii=False, sort_keys=True)
        if existing is not None:
            self._conn.execute(update(saved_filters).where(saved_filters.c.id == existing)
                               .values(shared=shared, criteria=body))
            return int(existing)
        return int(self._conn.execute(insert(saved_filters).values(
            name=name, owner=owner, shared=shared, criteria=body, created_at=datetime.now(UTC))
            .returning(saved_filters.c.id)).scalar_one())

    def filters(self, user: str) -> list[SavedFilter]:
        rows = self._conn.execute(select(saved_filters).where(
            or_(saved_filters.c.owner == user, saved_filters.c.shared.is_(True)))
            .order_by(saved_filters.c.name, saved_filters.c.id))
        return [SavedFilter(int(r.id), r.name, r.owner, bool(r.shared), json.loads(r.criteria)) for r in rows]

    def find_filter(self, user: str, name: str) -> SavedFilter:
        mine = [f for f in self.filters(user) if f.name == name]
        mine.sort(key=lambda f: f.owner != user)  # the user's own first
        if not mine:
            raise NotFound(f"保存された条件「{name}」が見つかりません")
        return mine[0]

    def delete_filter(self, owner: str, name: str) -> None:
        done = self._conn.execute(saved_filters.delete().where(and_(saved_filters.c.owner == owner,
                                                                    saved_filters.c.name == name)))
        if done.rowcount != 1:
            raise NotFound(f"保存された条件「{name}」が見つかりません（自分の条件のみ削除できます）")
