"""滞納案件 (SPEC §3, issue 6): opening, assignment, status, 付箋 and 経過記録.

- A case is opened by hand (``case.edit``) or by the daily batch
  (``case.assign``): a taxpayer gets one when a period is still unpaid
  ``open_after_days`` (setting) after its 督促's 指定期限. A taxpayer has at most
  one case that is not closed (a partial unique index).
- 経過記録 are free text: encrypted at rest, never in the audit log (which
  records the kind and length only). Newest first.
- Every change is audited in the same transaction; a case moves by
  compare-and-set on its version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.domain.delinquency import TAG_COLOURS, Case, CaseRecord, CaseStatus, Counterpart, RecordKind
from core.errors import ConflictError, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.ledger import load_policy, period_views
from core.services.registry import service

__all__ = [
    "DELINQUENCY_POLICY_KEY", "DelinquencyPolicy", "load_delinquency_policy", "open_case", "open_due_cases",
    "assign_case", "update_case", "close_case", "add_tag", "remove_tag", "add_record", "list_records",
    "record_kind", "counterpart", "JST", "at_noon", "case_periods", "text_value",
]

DELINQUENCY_POLICY_KEY = "delinquency_policy"
JST = ZoneInfo("Asia/Tokyo")
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class DelinquencyPolicy:
    open_after_days: int = 30  # case opened this many days after the 督促's 指定期限
    plan_grace_days: int = 10  # 分納: 不履行 this many days after a missed instalment
    suspension_watch_days: int = 90  # warn this many days before 15条の7④
    default_priority: int = 3


def load_delinquency_policy(uow: Any) -> DelinquencyPolicy:
    raw = uow.settings.get(DELINQUENCY_POLICY_KEY) or {}
    if not isinstance(raw, dict):
        raise ValidationError(f"設定「{DELINQUENCY_POLICY_KEY}」が辞書形式ではありません", field=DELINQUENCY_POLICY_KEY)
    limits = {"open_after_days": (0, 3650), "plan_grace_days": (0, 365), "suspension_watch_days": (0, 1095),
              "default_priority": (1, 5)}
    unknown = set(raw) - set(limits)
    if unknown:
        raise ValidationError(f"設定「{DELINQUENCY_POLICY_KEY}」に不明な項目があります（{', '.join(sorted(unknown))}）",
                              field=DELINQUENCY_POLICY_KEY)
    values: dict[str, int] = {}
    for key, (low, high) in limits.items():
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
                raise ValidationError(f"設定「{DELINQUENCY_POLICY_KEY}.{key}」は{low}〜{high}の整数です", field=key)
            values[key] = v
    return DelinquencyPolicy(**values)


def record_kind(value: RecordKind | str) -> RecordKind:
    try:
        return RecordKind(value)
    except ValueError:
        raise ValidationError(f"記録の種類は {', '.join(k.value for k in RecordKind)} のいずれかです",
                              field="kind") from None


def counterpart(value: Counterpart | str | None) -> Counterpart | None:
    if value is None or value == "":
        return None
    try:
        return Counterpart(value)
    except ValueError:
        raise ValidationError(f"相手は {', '.join(c.value for c in Counterpart)} のいずれかです",
                              field="counterpart") from None


def at_noon(day: date) -> datetime:
    """A record dated by day only is placed at 12:00 JST of that day."""
    return datetime.combine(day, time(12, 0), tzinfo=JST).astimezone(UTC)


def _text(value: str | None, label: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    if value is None or not value.strip():
        if required:
            raise ValidationError(f"{label}を入力してください", field=label)
        return None
    if len(value) > limit:
        raise ValidationError(f"{label}は{limit}文字以内です", field=label)
    return value


def case_periods(uow: Any, case_: Case, assessment_ids: Sequence[int]) -> list[Any]:
    """Inside the caller's unit of work: the chosen periods, locked, each the case's taxpayer's."""
    if not assessment_ids:
        raise ValidationError("対象の期別を選んでください", field="assessment_ids")
    periods = uow.ledger.lock_periods(sorted(set(assessment_ids)))
    if len(periods) != len(set(assessment_ids)) or any(a.taxpayer_id != case_.taxpayer_id for a in periods):
        raise ValidationError("選んだ期別がこの案件の納税者の調定にありません", field="assessment_ids")
    return list(periods)


def text_value(value: str | None, label: str, *, limit: int) -> str:
    """Required free text of at most *limit* characters (a Japanese message names *label*)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{label}を入力してください", field=label)
    if len(value) > limit:
        raise ValidationError(f"{label}は{limit}文字以内です", field=label)
    return value


def _priority(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError("優先度は1（高）〜5（低）です", field="priority")
    return value


def _case_event(action: str, case_: Case | int, **details: Any) -> AuditEvent:
    case_id = case_ if isinstance(case_, int) else case_.id
    return AuditEvent(action=action, target_type="case", target_ref=str(case_id), details=details)


@service(Permission.CASE_EDIT)
def open_case(uow: UnitOfWork, actor: Actor, taxpayer_id: int, *, on: date, officer: str | None = None,
              priority: int | None = None, next_action_on: date | None = None) -> int:
    """Open a case by hand (the officer becomes its officer unless another is named)."""
    with uow:
        policy = load_delinquency_policy(uow)
        if uow.taxpayers.get(taxpayer_id) is None:
            raise ValidationError("宛名が見つかりません", field="taxpayer_id")
        case_id = uow.cases.open_case(  # type: ignore[attr-defined]
            taxpayer_id, on=on, reason="manual", officer=officer or actor.user_id,
            priority=_priority(priority if priority is not None else policy.default_priority),
            next_action_on=next_action_on or on)
        uow.audit.record(actor, AuditEvent(action="case.open", target_type="case", target_ref=str(case_id),
                                           details={"reason": "manual"}))
        uow.commit()
    return case_id


@service(Permission.CASE_ASSIGN)
def open_due_cases(uow: UnitOfWork, actor: Actor, *, on: date) -> list[int]:
    """The daily batch: a case for every taxpayer with a period unpaid
    ``open_after_days`` after its 督促's 指定期限 and no case yet. Unassigned."""
    with uow:
        policy = load_delinquency_policy(uow)
        collection = load_policy(uow)
        cutoff = on - timedelta(days=policy.open_after_days)
        candidates = uow.ledger.dunned_unpaid(cutoff)  # type: ignore[attr-defined]
        have = uow.cases.taxpayers_with_open_cases(sorted({a.taxpayer_id for a in candidates}))  # type: ignore[attr-defined]
        views = period_views(uow, [a for a in candidates if a.taxpayer_id not in have], on, collection)
        due = sorted({v.assessment.taxpayer_id for v in views
                      if v.balance.honzei_due > 0 and not v.extinct and not v.deferred and not v.suspended})
        opened: list[int] = []
        skipped = 0
        for t in due:
            try:  # a savepoint: a case opened meanwhile (by hand, or a second run) leaves the batch usable
                opened.append(uow.cases.open_case(t, on=on, reason="auto", priority=policy.default_priority,  # type: ignore[attr-defined]
                                                  next_action_on=on))
            except ConflictError:
                skipped += 1
        uow.audit.record(actor, AuditEvent(action="case.open_batch", target_type="batch", target_ref=on.isoformat(),
                                           details={"opened": len(opened), "open_after_days": policy.open_after_days,
                                                    "already_open": skipped}))
        uow.commit()
    return opened


@service(Permission.CASE_ASSIGN)
def assign_case(uow: UnitOfWork, actor: Actor, case_id: int, *, officer: str | None, team: str | None = None) -> Case:
    with uow:
        case_ = uow.cases.get(case_id, lock=True)  # type: ignore[attr-defined]
        if officer is not None and uow.identity.user_by_login(officer) is None:
            raise ValidationError("担当者（利用者ID）が見つかりません", field="officer")
        updated = uow.cases.update(case_, officer=officer, team=team if team is not None else case_.team)  # type: ignore[attr-defined]
        uow.audit.record(actor, _case_event("case.assign", case_, officer=officer, team=updated.team,
                                            previous=case_.officer))
        uow.commit()
    return updated


@service(Permission.CASE_EDIT)
def update_case(uow: UnitOfWork, actor: Actor, case_id: int, *, status: CaseStatus | str | None = None,
                priority: int | None = None, next_action_on: date | None = None,
                clear_next_action: bool = False) -> Case:
    """Status (not to 完結: :func:`close_case`), priority, next action date."""
    with uow:
        case_ = uow.cases.get(case_id, lock=True)  # type: ignore[attr-defined]
        if case_.status is CaseStatus.CLOSED:
            raise ConflictError("完結した案件は変更できません")
        values: dict[str, Any] = {}
        if status is not None:
            try:
                new = CaseStatus(status)
            except ValueError:
                raise ValidationError("案件の状態が不明です", field="status") from None
            if new is CaseStatus.CLOSED:
                raise ValidationError("完結は「完結」の操作で行います", field="status")
            values["status"] = new.value
        if priority is not None:
            values["priority"] = _priority(priority)
        if next_action_on is not None or clear_next_action:
            values["next_action_on"] = next_action_on
        if not values:
            return case_
        updated = uow.cases.update(case_, **values)  # type: ignore[attr-defined]
        uow.audit.record(actor, _case_event("case.update", case_, **{k: str(v) for k, v in values.items()}))
        uow.commit()
    return updated


@service(Permission.CASE_EDIT)
def close_case(uow: UnitOfWork, actor: Actor, case_id: int, *, on: date) -> Case:
    """完結: refused while anything collectable is still owed or a disposition is open."""
    with uow:
        case_ = uow.cases.get(case_id, lock=True)  # type: ignore[attr-defined]
        if case_.status is CaseStatus.CLOSED:
            raise ConflictError("この案件は既に完結しています")
        periods = uow.assessments.for_taxpayer(case_.taxpayer_id)
        owed = [v for v in period_views(uow, periods, on, load_policy(uow))
                if v.balance.total_due > 0 and not v.extinct]
        if owed:
            raise ConflictError(f"未納の期別が{len(owed)}件あるため完結できません")
        live = uow.dispositions.dispositions(case_id=case_id, states=("proposed", "in_force"))  # type: ignore[attr-defined]
        if live:
            raise ConflictError("差押・交付要求が継続中のため完結できません（解除または換価を先に記録します）")
        if uow.dispositions.suspensions(case_id=case_id, states=("proposed",)):  # type: ignore[attr-defined]
            raise ConflictError("決定待ちの執行停止があるため完結できません（先に決定または却下します）")
        updated = uow.cases.update(case_, status=CaseStatus.CLOSED.value, closed_on=on, next_action_on=None)  # type: ignore[attr-defined]
        uow.audit.record(actor, _case_event("case.close", case_))
        uow.commit()
    return updated


@service(Permission.CASE_EDIT)
def add_tag(uow: UnitOfWork, actor: Actor, case_id: int, *, colour: str, text: str,
            end_on: date | None = None) -> int:
    if colour not in TAG_COLOURS:
        raise ValidationError(f"付箋の色は {', '.join(TAG_COLOURS)} のいずれかです", field="colour")
    body = _text(text, "付箋の文言", required=True, limit=60)
    assert body is not None
    with uow:
        uow.cases.get(case_id)  # type: ignore[attr-defined]
        tag_id = uow.cases.add_tag(case_id, colour, body, end_on)  # type: ignore[attr-defined]
        uow.audit.record(actor, _case_event("case.tag", case_id, colour=colour, length=len(body)))
        uow.commit()
    return tag_id


@service(Permission.CASE_EDIT)
def remove_tag(uow: UnitOfWork, actor: Actor, case_id: int, tag_id: int) -> None:
    with uow:
        uow.cases.remove_tag(case_id, tag_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, _case_event("case.untag", case_id, tag=tag_id))
        uow.commit()


def append_record(uow: Any, actor: Actor, case_id: int, kind: RecordKind, occurred_at: datetime, *,
                  content: str | None, who: Counterpart | None = None, next_action_on: date | None = None,
                  source: str = "manual", source_key: str | None = None) -> int:
    """Inside the caller's unit of work: store a 経過記録, move the case's next action."""
    case_ = uow.cases.get(case_id, lock=True)
    if case_.status is CaseStatus.CLOSED:
        raise ConflictError("完結した案件には記録できません")
    record_id = uow.cases.add_record(case_id, kind, occurred_at, content=content, counterpart=who,
                                     next_action_on=next_action_on, source=source, source_key=source_key)
    values: dict[str, Any] = {}
    if next_action_on is not None:
        values["next_action_on"] = next_action_on
    if case_.status is CaseStatus.OPEN and kind in (RecordKind.VISIT, RecordKind.PHONE, RecordKind.HOME_VISIT,
                                                    RecordKind.CALLCENTER):
        values["status"] = CaseStatus.CONTACT.value  # first contact: 折衝中
    if values:
        uow.cases.update(case_, **values)
    return int(record_id)


@service(Permission.CASE_EDIT)
def add_record(uow: UnitOfWork, actor: Actor, case_id: int, *, kind: RecordKind | str, content: str | None,
               occurred_at: datetime | None = None, who: Counterpart | str | None = None,
               next_action_on: date | None = None, now: datetime | None = None) -> int:
    """経過記録 — fast entry: kind and text; the time defaults to now."""
    kind = record_kind(kind)
    body = _text(content, "内容")
    current = now or datetime.now(UTC)
    when = occurred_at or current
    if when.tzinfo is None:
        raise ValidationError("日時にはタイムゾーンが必要です", field="occurred_at")
    if when > current + timedelta(minutes=5):
        raise ValidationError("未来の日時は記録できません", field="occurred_at")
    with uow:
        record_id = append_record(uow, actor, case_id, kind, when, content=body, who=counterpart(who),
                                  next_action_on=next_action_on)
        uow.audit.record(actor, _case_event("case.record", case_id, kind=kind.value,
                                            length=len(body) if body else 0))
        uow.commit()
    return record_id


@service(Permission.CASE_VIEW)
def list_records(uow: UnitOfWork, actor: Actor, case_id: int, *, offset: int = 0,
                 limit: int = 100) -> tuple[list[CaseRecord], bool]:
    with uow:
        rows, more = uow.cases.records(case_id, offset=offset, limit=limit)  # type: ignore[attr-defined]
        uow.audit.record(actor, _case_event("case.records", case_id, rows=len(rows)))
        uow.commit()
    return rows, more
