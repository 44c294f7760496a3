"""分納誓約, 財産調査, 差押・交付要求, 執行停止 and 不納欠損. Every state move is a
compare-and-set on (state, version), so two supervisors cannot both decide."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.domain.delinquency import (
    Disposition,
    DispositionKind,
    DispositionState,
    Investigation,
    Plan,
    PropertyKind,
    Suspension,
    SuspensionState,
    WriteoffItem,
    WriteoffReason,
    WriteoffRun,
)
from core.domain.ledger import DeferralTerm
from core.errors import ConflictError, NotFound
from core.rules.installments import Instalment
from storage.crypto.context import Crypto
from storage.repositories.encrypted import EncryptedText
from storage.repositories.sqlin import CHUNK, one_of
from storage.schema import (
    cases,
    deferrals,
    disposition_periods,
    dispositions,
    investigations,
    plan_instalments,
    plan_periods,
    plans,
    suspension_periods,
    suspensions,
    writeoff_runs,
    writeoffs,
)

__all__ = ["SqlDispositionRepository"]


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i:i + CHUNK])


class SqlDispositionRepository(EncryptedText):
    def __init__(self, conn: Connection, crypto: Crypto, operator: str = "system") -> None:
        self._conn = conn
        self._crypto = crypto
        self._operator = operator

    def _links(self, table: Table, key: str, ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {i: [] for i in ids}
        for chunk in _chunks(list(ids)):
            for r in self._conn.execute(select(table).where(one_of(self._conn, table.c[key], chunk))
                                        .order_by(table.c.assessment_id)):
                out[int(r._mapping[key])].append(int(r.assessment_id))
        return {k: tuple(v) for k, v in out.items()}

    def _owners(self, table: Table, key: str, assessment_ids: Sequence[int]) -> dict[int, list[int]]:
        """assessment id → ids of the records (plans, dispositions, suspensions) covering it."""
        out: dict[int, list[int]] = {}
        for chunk in _chunks(list(assessment_ids)):
            for r in self._conn.execute(select(table).where(one_of(self._conn, table.c.assessment_id, chunk))):
                out.setdefault(int(r.assessment_id), []).append(int(r._mapping[key]))
        return out

    def _rows(self, query: Any, parent: Table, link: Table, key: str, assessment_ids: Sequence[int] | None,
              order: tuple[Any, ...]) -> list[Any]:
        """Rows of *query*, restricted to the records covering *assessment_ids* if given —
        in chunks, so no statement binds a parameter per record (SQLite and PostgreSQL cap them)."""
        if assessment_ids is None:
            return list(self._conn.execute(query.order_by(*order)).all())
        owners = sorted({o for os in self._owners(link, key, assessment_ids).values() for o in os})
        rows: list[Any] = []
        for chunk in _chunks(owners):
            rows += self._conn.execute(query.where(one_of(self._conn, parent.c.id, chunk))).all()
        return sorted(rows, key=lambda r: tuple(getattr(r, c.key) for c in order))

    def _move(self, table: Table, record: Any, to: str, state_column: str = "status", **values: Any) -> None:
        done = self._conn.execute(update(table).where(
            table.c.id == record.id, table.c[state_column] == _state(record), table.c.version == record.version)
            .values(version=record.version + 1, **{state_column: to}, **values))
        if done.rowcount != 1:
            raise ConflictError("他の職員が先に処理しました。画面を更新してください")

    # -- 分納誓約 -------------------------------------------------------------
    def add_plan(self, *, case_id: int, taxpayer_id: int, pledged_on: date, grace_days: int,
                 assessment_ids: Sequence[int], schedule: Sequence[Instalment]) -> int:
        plan_id = int(self._conn.execute(insert(plans).values(
            case_id=case_id, taxpayer_id=taxpayer_id, pledged_on=pledged_on, status="active",
            total=sum(i.amount for i in schedule), grace_days=grace_days, version=1,
            created_at=datetime.now(UTC), created_by=self._operator).returning(plans.c.id)).scalar_one())
        self._conn.execute(insert(plan_periods), [{"plan_id": plan_id, "assessment_id": a} for a in assessment_ids])
        self._conn.execute(insert(plan_instalments), [
            {"plan_id": plan_id, "seq": i.seq, "due_on": i.due_on, "amount": i.amount} for i in schedule])
        return plan_id

    def _plans(self, rows: Sequence[Any]) -> list[Plan]:
        ids = [int(r.id) for r in rows]
        periods = self._links(plan_periods, "plan_id", ids)
        schedule: dict[int, list[Instalment]] = {i: [] for i in ids}
        for chunk in _chunks(ids):
            for r in self._conn.execute(select(plan_instalments).where(one_of(self._conn, plan_instalments.c.plan_id, chunk))
                                        .order_by(plan_instalments.c.plan_id, plan_instalments.c.seq)):
                schedule[int(r.plan_id)].append(Instalment(int(r.seq), r.due_on, int(r.amount)))
        return [Plan(int(r.id), int(r.case_id), int(r.taxpayer_id), r.pledged_on, r.status, int(r.total),
                     int(r.grace_days), periods[int(r.id)], tuple(schedule[int(r.id)]), r.ended_on, int(r.version))
                for r in rows]

    def plan(self, plan_id: int, *, lock: bool = False) -> Plan:
        query = select(plans).where(plans.c.id == plan_id)
        row = self._conn.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFound(f"分納誓約が見つかりません（id={plan_id}）")
        return self._plans([row])[0]

    def plans(self, *, case_id: int | None = None, statuses: Sequence[str] = (),
              assessment_ids: Sequence[int] | None = None) -> list[Plan]:
        query = select(plans)
        if case_id is not None:
            query = query.where(plans.c.case_id == case_id)
        if statuses:
            query = query.where(plans.c.status.in_(list(statuses)))
        return self._plans(self._rows(query, plans, plan_periods, "plan_id", assessment_ids, (plans.c.id,)))

    def move_plan(self, plan: Plan, to: str, *, ended_on: date | None) -> None:
        self._move(plans, plan, to, ended_on=ended_on)

    def count_defaulted_plans(self, *, officer: str | None) -> int:
        query = select(func.count()).select_from(plans.join(cases, cases.c.id == plans.c.case_id)).where(
            plans.c.status == "defaulted", cases.c.status != "closed")
        if officer is not None:
            query = query.where(cases.c.officer == officer)
        return int(self._conn.execute(query).scalar_one())

    def count_proposals(self, *, not_by: str) -> int:
        """差押等・執行停止・不納欠損 proposed by others, awaiting a decision."""
        return sum(int(self._conn.execute(select(func.count()).select_from(t).where(
            t.c.status == "proposed", t.c.proposed_by != not_by)).scalar_one())
            for t in (dispositions, suspensions, writeoff_runs))

    # -- 財産調査 -------------------------------------------------------------
    def add_investigation(self, case_id: int, target: PropertyKind, institution: str, requested_on: date) -> int:
        inv_id = int(self._conn.execute(insert(investigations).values(
            case_id=case_id, target=target.value, institution_ct=b"", requested_on=requested_on,
            result="pending", enc_version=self._crypto.cipher.version, created_at=datetime.now(UTC),
            created_by=self._operator).returning(investigations.c.id)).scalar_one())
        self._conn.execute(update(investigations).where(investigations.c.id == inv_id).values(
            institution_ct=self._enc(institution, "investigations", "institution_ct", inv_id)))
        return inv_id

    def answer_investigation(self, inv_id: int, *, answered_on: date, result: str, finding: str | None,
                             value: int | None) -> None:
        done = self._conn.execute(update(investigations).where(
            investigations.c.id == inv_id, investigations.c.result == "pending").values(
            answered_on=answered_on, result=result, value=value,
            result_ct=self._enc(finding, "investigations", "result_ct", inv_id)))
        if done.rowcount != 1:
            raise ConflictError("この財産調査には既に回答が記録されています")

    def investigations(self, *, case_id: int | None = None, inv_id: int | None = None) -> list[Investigation]:
        query = select(investigations)
        if case_id is not None:
            query = query.where(investigations.c.case_id == case_id)
        if inv_id is not None:
            query = query.where(investigations.c.id == inv_id)
        out = []
        for r in self._conn.execute(query.order_by(investigations.c.requested_on.desc(), investigations.c.id.desc())):
            rid = int(r.id)
            out.append(Investigation(
                rid, int(r.case_id), PropertyKind(r.target),
                self._dec(r.institution_ct, "investigations", "institution_ct", rid) or "",
                r.requested_on, r.answered_on, r.result, self._dec(r.result_ct, "investigations", "result_ct", rid),
                int(r.value) if r.value is not None else None))
        return out

    # -- 差押・交付要求 --------------------------------------------------------
    def add_disposition(self, *, case_id: int, taxpayer_id: int, kind: DispositionKind, property_kind: PropertyKind,
                        description: str, start_on: date, amount: int | None, assessment_ids: Sequence[int],
                        by: str) -> int:
        did = int(self._conn.execute(insert(dispositions).values(
            case_id=case_id, taxpayer_id=taxpayer_id, kind=kind.value, property_kind=property_kind.value,
            property_ct=b"", start_on=start_on, amount=amount, status=DispositionState.PROPOSED.value,
            proposed_by=by, version=1, enc_version=self._crypto.cipher.version,
            created_at=datetime.now(UTC)).returning(dispositions.c.id)).scalar_one())
        self._conn.execute(update(dispositions).where(dispositions.c.id == did).values(
            property_ct=self._enc(description, "dispositions", "property_ct", did)))
        self._conn.execute(insert(disposition_periods),
                           [{"disposition_id": did, "assessment_id": a} for a in assessment_ids])
        return did

    def _dispositions(self, rows: Sequence[Any]) -> list[Disposition]:
        periods = self._links(disposition_periods, "disposition_id", [int(r.id) for r in rows])
        return [Disposition(
            int(r.id), int(r.case_id), int(r.taxpayer_id), DispositionKind(r.kind), PropertyKind(r.property_kind),
            self._dec(r.property_ct, "dispositions", "property_ct", int(r.id)) or "", r.start_on,
            int(r.amount) if r.amount is not None else None, DispositionState(r.status), r.proposed_by,
            r.approved_by, r.ended_on, int(r.proceeds) if r.proceeds is not None else None,
            int(r.payment_id) if r.payment_id is not None else None, periods[int(r.id)], int(r.version))
            for r in rows]

    def disposition(self, did: int, *, lock: bool = False) -> Disposition:
        query = select(dispositions).where(dispositions.c.id == did)
        row = self._conn.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFound(f"差押・交付要求が見つかりません（id={did}）")
        return self._dispositions([row])[0]

    def dispositions(self, *, case_id: int | None = None, states: Sequence[str] = (),
                     assessment_ids: Sequence[int] | None = None) -> list[Disposition]:
        query = select(dispositions)
        if case_id is not None:
            query = query.where(dispositions.c.case_id == case_id)
        if states:
            query = query.where(dispositions.c.status.in_(list(states)))
        return self._dispositions(self._rows(query, dispositions, disposition_periods, "disposition_id", assessment_ids,
                                            (dispositions.c.start_on, dispositions.c.id)))

    def move_disposition(self, d: Disposition, to: DispositionState, **values: Any) -> None:
        self._move(dispositions, d, to.value, **values)

    # -- 執行停止 -------------------------------------------------------------
    def add_suspension(self, *, case_id: int, taxpayer_id: int, ground: int, immediate: bool, reason: str,
                       assessment_ids: Sequence[int], by: str) -> int:
        sid = int(self._conn.execute(insert(suspensions).values(
            case_id=case_id, taxpayer_id=taxpayer_id, ground=ground, immediate=immediate, reason_ct=b"",
            status=SuspensionState.PROPOSED.value, proposed_by=by, version=1,
            enc_version=self._crypto.cipher.version, created_at=datetime.now(UTC)).returning(suspensions.c.id))
            .scalar_one())
        self._conn.execute(update(suspensions).where(suspensions.c.id == sid).values(
            reason_ct=self._enc(reason, "suspensions", "reason_ct", sid)))
        self._conn.execute(insert(suspension_periods),
                           [{"suspension_id": sid, "assessment_id": a} for a in assessment_ids])
        return sid

    def _suspensions(self, rows: Sequence[Any]) -> list[Suspension]:
        periods = self._links(suspension_periods, "suspension_id", [int(r.id) for r in rows])
        return [Suspension(
            int(r.id), int(r.case_id), int(r.taxpayer_id), int(r.ground), bool(r.immediate),
            self._dec(r.reason_ct, "suspensions", "reason_ct", int(r.id)) or "", SuspensionState(r.status),
            r.proposed_by, r.decided_by, r.decided_on, r.cancelled_on, r.extinguished_on, periods[int(r.id)],
            int(r.version)) for r in rows]

    def suspension(self, sid: int, *, lock: bool = False) -> Suspension:
        query = select(suspensions).where(suspensions.c.id == sid)
        row = self._conn.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFound(f"執行停止が見つかりません（id={sid}）")
        return self._suspensions([row])[0]

    def suspensions(self, *, case_id: int | None = None, states: Sequence[str] = (),
                    assessment_ids: Sequence[int] | None = None) -> list[Suspension]:
        query = select(suspensions)
        if case_id is not None:
            query = query.where(suspensions.c.case_id == case_id)
        if states:
            query = query.where(suspensions.c.status.in_(list(states)))
        return self._suspensions(self._rows(query, suspensions, suspension_periods, "suspension_id", assessment_ids,
                                            (suspensions.c.id,)))

    def move_suspension(self, s: Suspension, to: SuspensionState, **values: Any) -> None:
        self._move(suspensions, s, to.value, **values)

    # -- 徴収猶予・換価の猶予 ---------------------------------------------------
    def add_deferrals(self, *, assessment_ids: Sequence[int], kind: str, start_on: date, end_on: date,
                      reduction: str, case_id: int | None, by: str) -> list[int]:
        return [int(self._conn.execute(insert(deferrals).values(
            assessment_id=a, kind=kind, start_on=start_on, end_on=end_on, status="active", reduction=reduction,
            case_id=case_id, decided_by=by, created_at=datetime.now(UTC)).returning(deferrals.c.id))
            .scalar_one()) for a in assessment_ids]

    def deferrals_of_case(self, case_id: int) -> list[DeferralTerm]:
        rows = self._conn.execute(select(deferrals).where(deferrals.c.case_id == case_id)
                                  .order_by(deferrals.c.start_on, deferrals.c.id))
        return [DeferralTerm(int(r.assessment_id), r.kind, r.start_on, r.end_on, r.reduction, int(r.id))
                for r in rows if r.status == "active"]

    def cancel_deferral(self, deferral_id: int, *, end_on: date) -> DeferralTerm:
        """Ends a deferral early (取消): its term is cut to *end_on*."""
        row = self._conn.execute(select(deferrals).where(deferrals.c.id == deferral_id).with_for_update()
                                 ).one_or_none()
        if row is None or row.status != "active":
            raise NotFound(f"猶予が見つかりません（id={deferral_id}）")
        if end_on < row.start_on:
            self._conn.execute(update(deferrals).where(deferrals.c.id == deferral_id).values(status="cancelled"))
        else:
            self._conn.execute(update(deferrals).where(deferrals.c.id == deferral_id)
                               .values(end_on=min(end_on, row.end_on)))
        return DeferralTerm(int(row.assessment_id), row.kind, row.start_on, min(end_on, row.end_on),
                            row.reduction, int(row.id))

    # -- 不納欠損 -------------------------------------------------------------
    def add_writeoff_run(self, fiscal_year: int, items: Sequence[WriteoffItem], *, by: str) -> int:
        run_id = int(self._conn.execute(insert(writeoff_runs).values(
            fiscal_year=fiscal_year, status="proposed", items=len(items), total=sum(i.amount for i in items),
            proposed_by=by, created_at=datetime.now(UTC)).returning(writeoff_runs.c.id)).scalar_one())
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(writeoffs), [
                    {"run_id": run_id, "assessment_id": i.assessment_id, "component": i.component,
                     "amount": i.amount, "reason": i.reason.value, "extinguished_on": i.extinguished_on,
                     "fiscal_year": fiscal_year, "state": "proposed"} for i in items])
        except IntegrityError:
            raise ConflictError("既に不納欠損の起案・決定がある期別が含まれています") from None
        return run_id

    def writeoff_run(self, run_id: int, *, lock: bool = False) -> WriteoffRun:
        query = select(writeoff_runs).where(writeoff_runs.c.id == run_id)
        row = self._conn.execute(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise NotFound(f"不納欠損の起案が見つかりません（id={run_id}）")
        lines = tuple(WriteoffItem(int(r.assessment_id), r.component, int(r.amount), WriteoffReason(r.reason),
                                   r.extinguished_on)
                      for r in self._conn.execute(select(writeoffs).where(writeoffs.c.run_id == run_id)
                                                  .order_by(writeoffs.c.id)))
        return WriteoffRun(int(row.id), int(row.fiscal_year), row.status, int(row.items), int(row.total),
                           row.proposed_by, row.approved_by, lines)

    def writeoff_runs(self, *, fiscal_year: int | None = None) -> list[WriteoffRun]:
        query = select(writeoff_runs.c.id)
        if fiscal_year is not None:
            query = query.where(writeoff_runs.c.fiscal_year == fiscal_year)
        return [self.writeoff_run(int(r.id)) for r in self._conn.execute(query.order_by(writeoff_runs.c.id))]

    def decide_writeoff_run(self, run: WriteoffRun, to: str, *, by: str) -> None:
        done = self._conn.execute(update(writeoff_runs).where(
            writeoff_runs.c.id == run.id, writeoff_runs.c.status == "proposed").values(
            status=to, approved_by=by if to == "approved" else None, decided_at=datetime.now(UTC)))
        if done.rowcount != 1:
            raise ConflictError("この不納欠損は既に決定されています")
        self._conn.execute(update(writeoffs).where(writeoffs.c.run_id == run.id).values(state=to))

    def written_off(self, assessment_ids: Sequence[int], *,
                    states: Sequence[str] = ("approved",)) -> dict[int, dict[str, int]]:
        """assessment id → component → yen written off (approved runs by default)."""
        out: dict[int, dict[str, int]] = {}
        for chunk in _chunks(list(assessment_ids)):
            for r in self._conn.execute(select(writeoffs.c.assessment_id, writeoffs.c.component,
                                               func.sum(writeoffs.c.amount))
                                        .where(one_of(self._conn, writeoffs.c.assessment_id, chunk),
                                               writeoffs.c.state.in_(list(states)))
                                        .group_by(writeoffs.c.assessment_id, writeoffs.c.component)):
                out.setdefault(int(r[0]), {})[r[1]] = int(r[2])
        return out

    def writeoff_totals(self) -> list[tuple[int, str, int]]:
        """(fiscal year, reason, yen) of approved write-offs."""
        rows = self._conn.execute(select(writeoffs.c.fiscal_year, writeoffs.c.reason, func.sum(writeoffs.c.amount))
                                  .where(writeoffs.c.state == "approved")
                                  .group_by(writeoffs.c.fiscal_year, writeoffs.c.reason))
        return [(int(r[0]), r[1], int(r[2])) for r in rows]


def _state(record: Any) -> str:
    value = getattr(record, "state", None) or getattr(record, "status", None)
    return value.value if hasattr(value, "value") else str(value)
