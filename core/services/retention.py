"""保存期間を経過したデータの消去 (seeds: 収納データは年に1度、保管期間の経過後に
システムで判別して消去する; 廃棄は様式に記録し承認を受ける).

Kinds and their retention (setting ``retention_policy``, years):

* ``taxpayer`` (default 7) — the whole taxpayer file: the 宛名 and every row that
  hangs off it (賦課・更正, 収納・消込, 督促, 過誤納・充当・還付, 口座振替, 未消込,
  滞納案件 and all its records, 証明書発行, 宛名履歴…).
* ``certificate`` (default 5) — one 納税証明書 issuance record, by its issue date.
* ``taxpayer_history`` (default 5) — one superseded 宛名 snapshot, by its change date.

The rule (年度単位): a record's date falls in a fiscal year (April–March); it is kept
through the end of the N-th following fiscal year and is due from the 1 April after.
So with N = 7 on 基準日 2026-04-01 everything dated up to 2019-03-31 is due. For a
taxpayer file the date is its **last activity** — the latest business date anywhere
in the file: a period's 納期限 and the end of its 年度, 更正, 収納 (領収日・計上日),
消込, 督促, 過誤納, 充当, 還付 (支払予定・決定・支払・通知), 口座振替 (開始・終了),
案件 (開始・終結) and its 経過記録, 分納, 差押, 執行停止, 猶予, 不納欠損, 証明書発行 and
宛名の異動; a 宛名 without any period counts from its registration.

A taxpayer with anything open is never due, for any kind: a period still owing
本税・延滞金・督促手数料 (the ledger's own balances; an obligation extinguished by
時効 or 執行停止 stops counting once its 不納欠損 is approved — until then the file
is kept for the write-off), a case not closed, a 過誤納 not used up, a refund
not finished, an active 口座振替, an open 未消込, a decision pending (差押・執行停止・
不納欠損), an active 分納.

An administrator proposes a run (``admin.settings``); a supervisor other than the
proposer approves it (``disposition.approve``) and the rows are deleted in the same
transaction as the run's decision and its audit event, which keeps counts and
keyed hashes of what was deleted — never the ids or 宛名番号 themselves. Anything
no longer due on approval is skipped and reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.errors import ConflictError, ValidationError
from core.rules.rates import MissingRate
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission, require_other_checker
from core.services.ledger import load_policy, period_views
from core.services.registry import refuse_own, service

__all__ = [
    "runs_awaiting_approval",
    "RETENTION_POLICY_KEY", "KINDS", "RetentionPolicy", "load_retention_policy", "cutoff_for", "DueItem",
    "RetentionPlan", "RetentionRun", "PurgeResult", "retention_plan", "propose_purge", "purge", "cancel_run",
    "list_runs",
]

RETENTION_POLICY_KEY = "retention_policy"
KINDS: tuple[str, ...] = ("taxpayer", "certificate", "taxpayer_history")
_LEDGER_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    taxpayer: int = 7
    certificate: int = 5
    taxpayer_history: int = 5

    def years(self, kind: str) -> int:
        return int(getattr(self, kind))


def load_retention_policy(uow: Any) -> RetentionPolicy:
    raw = uow.settings.get(RETENTION_POLICY_KEY) or {}
    if not isinstance(raw, dict):
        raise ValidationError(f"設定「{RETENTION_POLICY_KEY}」が辞書形式ではありません", field=RETENTION_POLICY_KEY)
    unknown = set(raw) - set(KINDS)
    if unknown:
        raise ValidationError(f"設定「{RETENTION_POLICY_KEY}」に不明な項目があります（{', '.join(sorted(unknown))}）",
                              field=RETENTION_POLICY_KEY)
    values: dict[str, int] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
            raise ValidationError(f"設定「{RETENTION_POLICY_KEY}.{key}」は1〜100の整数（年）です", field=key)
        values[key] = value
    return RetentionPolicy(**values)


def cutoff_for(as_of: date, years: int) -> date:
    """The last date whose records are due on *as_of*: the end of the fiscal year *years*
    fiscal years before *as_of*'s one (records of that year or earlier are due)."""
    fiscal_year = as_of.year if as_of.month >= 4 else as_of.year - 1
    return date(fiscal_year - years, 3, 31)


@dataclass(frozen=True, slots=True)
class DueItem:
    kind: str
    record_id: int
    ref: str  # 宛名番号 for a taxpayer file, the record id otherwise (internal references)


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    as_of: date
    cutoffs: dict[str, date]
    items: tuple[DueItem, ...]

    @property
    def counts(self) -> dict[str, int]:
        return {k: sum(1 for i in self.items if i.kind == k) for k in KINDS}


@dataclass(frozen=True, slots=True)
class RetentionRun:
    id: int
    as_of: date
    status: str  # proposed | purged | cancelled
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # proposed / purged / skipped → kind → n
    proposed_by: str = ""
    proposed_at: datetime | None = None
    approved_by: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PurgeResult:
    run: RetentionRun
    purged: dict[str, int]
    skipped: dict[str, int]
    rows: dict[str, int]  # rows deleted per table


def _run(raw: Mapping[str, Any]) -> RetentionRun:
    return RetentionRun(int(raw["id"]), raw["as_of"], raw["status"], dict(raw["counts"]), raw["proposed_by"],
                        raw["proposed_at"], raw["approved_by"], raw["decided_at"])


def _open_taxpayers(uow: UnitOfWork, taxpayer_ids: Iterable[int], on: date, *, preview: bool = False) -> set[int]:
    """Those of *taxpayer_ids* with a period still owing on *on*: unpaid and not both extinct
    and written off (an extinct period waits for its 不納欠損 before the file can go)."""
    policy = load_policy(uow)
    ids = sorted(set(taxpayer_ids))
    owing: set[int] = set()
    for i in range(0, len(ids), _LEDGER_CHUNK):
        periods = uow.ledger.periods_of_taxpayers(ids[i:i + _LEDGER_CHUNK])  # type: ignore[attr-defined]
        views = (_views_as_far_as_rates_go(uow, periods, on, policy) if preview
                 else period_views(uow, periods, on, policy))
        owing |= {v.assessment.taxpayer_id for v in views
                  if v.balance.total_due > 0 and not (v.extinct and v.written_off > 0)}
    return owing


def _views_as_far_as_rates_go(uow: UnitOfWork, periods: Any, on: date, policy: Any) -> Any:
    """The period views on *on*; for a plan (a preview) dated beyond the rate table, on the
    last day the table covers instead — what is owed then is still owed later, and what is
    settled then stays settled unless new work arrives (which the purge re-checks)."""
    while True:
        try:
            return period_views(uow, periods, on, policy)
        except MissingRate as missing:
            last = date(missing.year - 1, 12, 31)
            if last >= on or missing.year <= 2000:
                raise
            on = last


def _due(uow: UnitOfWork, as_of: date, on: date, *, preview: bool = False) -> RetentionPlan:
    """What is due on *as_of* (retention counted to it), balances taken on *on*."""
    policy = load_retention_policy(uow)
    cutoffs = {k: cutoff_for(as_of, policy.years(k)) for k in KINDS}
    found = uow.retention.candidates(cutoffs)
    owing = _open_taxpayers(uow, {t for rows in found.values() for _, t in rows}, on, preview=preview)
    keep = {k: [r for r, t in found.get(k, []) if t not in owing] for k in KINDS}
    atena = uow.retention.atena_numbers(keep["taxpayer"])
    items = tuple(DueItem(k, r, atena[r] if k == "taxpayer" else str(r)) for k in KINDS for r in keep[k])
    return RetentionPlan(as_of, cutoffs, items)


def _as_of(value: date) -> date:
    if not isinstance(value, date) or not 2000 <= value.year <= 2100:
        raise ValidationError("基準日は2000年〜2100年の日付で指定してください", field="as_of")
    return value


@service(Permission.ADMIN_SETTINGS)
def retention_plan(uow: UnitOfWork, actor: Actor, as_of: date) -> RetentionPlan:
    """What is due on *as_of*, per kind (nothing is recorded but the audit event)."""
    as_of = _as_of(as_of)
    with uow:
        plan = _due(uow, as_of, as_of, preview=True)
        uow.audit.record(actor, AuditEvent(action="retention.plan", target_type="batch", target_ref=as_of.isoformat(),
                                           details={"counts": plan.counts}))
        uow.commit()
    return plan


@service(Permission.ADMIN_SETTINGS)
def propose_purge(uow: UnitOfWork, actor: Actor, as_of: date) -> RetentionRun:
    """起案: a run of everything due on *as_of*, for a supervisor's approval."""
    as_of = _as_of(as_of)
    with uow:
        plan = _due(uow, as_of, as_of)
        if not plan.items:
            raise ConflictError("保存期間を経過したデータはありません")
        run_id = uow.retention.add_run(as_of, plan.counts, [(i.kind, i.record_id) for i in plan.items],
                                       by=actor.user_id)
        uow.audit.record(actor, AuditEvent(action="retention.propose", target_type="batch", target_ref=str(run_id),
                                           details={"as_of": as_of.isoformat(), "counts": plan.counts}))
        uow.commit()
        return _run(uow.retention.run(run_id))


def _proposer(uow: UnitOfWork, run_id: int) -> str:
    return str(uow.retention.run(run_id)["proposed_by"])


@service(Permission.DISPOSITION_APPROVE)
def purge(uow: UnitOfWork, actor: Actor, run_id: int, today: date) -> PurgeResult:
    """決裁 and 消去 in one transaction: every item is checked again (what is no longer due
    is skipped), the rows are deleted, the run is marked purged and audited."""
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, name=f"{__name__}.purge",
               maker=lambda u: _proposer(u, run_id))
    with uow:
        run = _run(uow.retention.run(run_id, lock=True))
        require_other_checker(actor, Permission.DISPOSITION_APPROVE, maker=run.proposed_by)
        if run.status != "proposed":
            raise ConflictError("この消去の起案は既に決定されています")
        if run.as_of > today:
            raise ConflictError(f"基準日（{run.as_of.isoformat()}）が来ていない起案は決裁できません")
        proposed = uow.retention.items(run_id)
        uow.retention.lock_taxpayers([r for k, r in proposed if k == "taxpayer"])
        now_due = _due(uow, run.as_of, today)
        due = {(i.kind, i.record_id): i for i in now_due.items}
        chosen = [due[p] for p in proposed if p in due]
        purged = {k: sum(1 for i in chosen if i.kind == k) for k in KINDS}
        skipped = {k: sum(1 for kind, _ in proposed if kind == k) - purged[k] for k in KINDS}
        rows = uow.retention.purge_taxpayers([i.record_id for i in chosen if i.kind == "taxpayer"])
        for kind, table in (("certificate", "certificates"), ("taxpayer_history", "taxpayer_history")):
            n = uow.retention.purge_records(kind, [i.record_id for i in chosen if i.kind == kind])
            if n:
                rows[table] = rows.get(table, 0) + n
        hashes = {k: sorted(uow.retention.keyed_hashes([f"{k}|{i.ref}" for i in chosen if i.kind == k]))
                  for k in KINDS}
        counts = {"proposed": run.counts.get("proposed", {}), "purged": purged, "skipped": skipped}
        uow.retention.decide(run_id, "purged", by=actor.user_id, counts=counts)
        uow.audit.record(actor, AuditEvent(
            action="retention.purge", target_type="batch", target_ref=str(run_id),
            details={"as_of": run.as_of.isoformat(), "kinds": [k for k in KINDS if purged[k]], "counts": purged,
                     "skipped": skipped, "rows": rows, "hashes": hashes, "hash": "hmac-sha256/128 of kind|ref",
                     "approved_by": actor.user_id, "proposed_by": run.proposed_by}))
        uow.commit()
        return PurgeResult(_run(uow.retention.run(run_id)), purged, skipped, rows)


@service(Permission.ADMIN_SETTINGS)
def cancel_run(uow: UnitOfWork, actor: Actor, run_id: int) -> RetentionRun:
    """取下げ: a proposed run is cancelled; nothing is deleted."""
    with uow:
        run = _run(uow.retention.run(run_id, lock=True))
        if run.status != "proposed":
            raise ConflictError("この消去の起案は既に決定されています")
        uow.retention.decide(run_id, "cancelled", by=None, counts=run.counts)
        uow.audit.record(actor, AuditEvent(action="retention.cancel", target_type="batch", target_ref=str(run_id),
                                           details={"proposed_by": run.proposed_by}))
        uow.commit()
        return _run(uow.retention.run(run_id))


@service(Permission.ADMIN_SETTINGS)
def list_runs(uow: UnitOfWork, actor: Actor) -> list[RetentionRun]:
    return _listed(uow, actor, awaiting=False)


@service(Permission.DISPOSITION_APPROVE)
def runs_awaiting_approval(uow: UnitOfWork, actor: Actor) -> list[RetentionRun]:
    """The runs a supervisor may decide: proposed, not by them (with their counts per kind)."""
    return _listed(uow, actor, awaiting=True)


def _listed(uow: UnitOfWork, actor: Actor, *, awaiting: bool) -> list[RetentionRun]:
    with uow:
        runs = [_run(r) for r in uow.retention.runs()]
        if awaiting:
            runs = [r for r in runs if r.status == "proposed" and r.proposed_by != actor.user_id]
        uow.audit.record(actor, AuditEvent(action="retention.list", target_type="batch",
                                           details={"runs": len(runs), "awaiting": awaiting}))
        uow.commit()
    return runs
