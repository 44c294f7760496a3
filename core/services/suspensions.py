"""執行停止 (15条の7, 15条の8, 15条の9) and 徴収猶予 / 換価の猶予 (15条, 15条の5, 15条の6).

- 執行停止: the officer proposes (``case.edit``) with a ground and the facts;
  a supervisor other than the proposer decides (``disposition.approve``). From
  the decision the 延滞金 is exempted (15条の9①); after 3 continuous years the
  obligation is extinguished (④), or at once under ⑤ (ground 1 only). A
  cancellation (15条の8) ends the exemption and prevents ④; it is refused once
  the obligation is already extinguished. Extinction itself is derived in
  :mod:`core.services.ledger`; :func:`mark_extinctions` records it.
- 猶予: a supervisor's decision (``disposition.approve``) with its term (at most
  one year per decision; an extension is a new decision) and the 延滞金
  reduction decided for the term: ``full`` (15条の9①: 災害等 15条①1・2),
  ``half`` (the other cases), or ``none``. No 督促, time does not run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from core.domain.delinquency import Case, CaseStatus, RecordKind, Suspension, SuspensionState
from core.errors import ConflictError, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.rules.prescription import period_end
from core.rules.suspension import GROUNDS, extinguished_from
from core.security.permissions import Actor, Permission, require_other_checker
from core.services.cases import append_record, at_noon, case_periods
from core.services.ledger import load_policy, period_views
from core.services.registry import refuse_own, service

__all__ = ["propose_suspension", "decide_suspension", "reject_suspension", "cancel_suspension",
           "mark_extinctions", "grant_deferral", "cancel_deferral", "list_suspensions", "DEFERRAL_KINDS",
           "REDUCTIONS"]

DEFERRAL_KINDS = {"choshu": "徴収猶予（15条）", "kanka": "換価の猶予（15条の5・15条の6）"}
REDUCTIONS = {"none": "免除なし", "half": "2分の1免除", "full": "全額免除"}


def _own_periods(uow: UnitOfWork, case_: Case, assessment_ids: Sequence[int], on: date) -> list[int]:
    periods = case_periods(uow, case_, assessment_ids)
    views = period_views(uow, periods, on, load_policy(uow))
    if any(v.extinct or v.balance.total_due == 0 for v in views):
        raise ConflictError("完納済みまたは徴収権が消滅した期別が含まれています")
    return [a.id for a in periods]


@service(Permission.CASE_EDIT)
def propose_suspension(uow: UnitOfWork, actor: Actor, case_id: int, *, ground: int, reason: str,
                       assessment_ids: Sequence[int], on: date, immediate: bool = False) -> int:
    if ground not in GROUNDS:
        raise ValidationError("停止の根拠は 1・2・3（15条の7①各号）のいずれかです", field="ground")
    if immediate and ground != 1:
        raise ValidationError("直ちに消滅させる（15条の7⑤）のは1号（財産なし）の場合に限ります", field="immediate")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 2000:
        raise ValidationError("停止の理由（事実）を2000文字以内で入力してください", field="reason")
    with uow:
        case_ = uow.cases.get(case_id, lock=True)  # type: ignore[attr-defined]
        if case_.status is CaseStatus.CLOSED:
            raise ConflictError("完結した案件です")
        ids = _own_periods(uow, case_, assessment_ids, on)
        live = uow.dispositions.suspensions(assessment_ids=ids, states=("proposed", "in_force"))  # type: ignore[attr-defined]
        if live:
            raise ConflictError("既に執行停止（起案中を含む）の期別があります")
        sid = uow.dispositions.add_suspension(case_id=case_id, taxpayer_id=case_.taxpayer_id, ground=ground,  # type: ignore[attr-defined]
                                              immediate=immediate, reason=reason, assessment_ids=ids,
                                              by=actor.user_id)
        uow.audit.record(actor, AuditEvent(action="suspension.propose", target_type="case", target_ref=str(case_id),
                                           details={"suspension": sid, "ground": ground, "immediate": immediate,
                                                    "periods": len(ids)}))
        uow.commit()
    return int(sid)


def _proposed(uow: UnitOfWork, actor: Actor, sid: int) -> Suspension:
    s: Suspension = uow.dispositions.suspension(sid, lock=True)  # type: ignore[attr-defined]
    require_other_checker(actor, Permission.DISPOSITION_APPROVE, maker=s.proposed_by)
    if s.state is not SuspensionState.PROPOSED:
        raise ConflictError("この執行停止は既に決定されています")
    return s


@service(Permission.DISPOSITION_APPROVE)
def decide_suspension(uow: UnitOfWork, actor: Actor, suspension_id: int, *, on: date) -> None:
    """決定 by a supervisor other than the proposer; ⑤ extinguishes at once."""
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, name=f"{__name__}.decide_suspension",
               maker=lambda u: u.dispositions.suspension(suspension_id).proposed_by)  # type: ignore[attr-defined]
    with uow:
        s = _proposed(uow, actor, suspension_id)
        # Case, then periods (the order every proposal locks them in): a 差押 being approved on
        # the same periods at this moment waits, then sees the 停止 (and vice versa).
        uow.cases.get(s.case_id, lock=True)  # type: ignore[attr-defined]
        uow.ledger.lock_periods(list(s.assessment_ids))  # type: ignore[attr-defined]
        live = uow.dispositions.dispositions(assessment_ids=s.assessment_ids, states=("in_force",))  # type: ignore[attr-defined]
        if live:
            raise ConflictError("差押・交付要求が継続中の期別があります（解除してから執行停止します）")
        if s.immediate:
            uow.dispositions.move_suspension(s, SuspensionState.EXTINGUISHED, decided_by=actor.user_id,  # type: ignore[attr-defined]
                                             decided_on=on, extinguished_on=on)
        else:
            uow.dispositions.move_suspension(s, SuspensionState.IN_FORCE, decided_by=actor.user_id,  # type: ignore[attr-defined]
                                             decided_on=on)
        append_record(uow, actor, s.case_id, RecordKind.SUSPENSION, at_noon(on), content=None, source="system")
        case_ = uow.cases.get(s.case_id)  # type: ignore[attr-defined]
        uow.cases.update(case_, status=CaseStatus.SUSPENDED.value)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="suspension.decide", target_type="case", target_ref=str(s.case_id),
                                           details={"suspension": s.id, "ground": s.ground, "immediate": s.immediate,
                                                    "proposed_by": s.proposed_by}))
        uow.commit()


@service(Permission.DISPOSITION_APPROVE)
def reject_suspension(uow: UnitOfWork, actor: Actor, suspension_id: int) -> None:
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, name=f"{__name__}.reject_suspension",
               maker=lambda u: u.dispositions.suspension(suspension_id).proposed_by)  # type: ignore[attr-defined]
    with uow:
        s = _proposed(uow, actor, suspension_id)
        uow.dispositions.move_suspension(s, SuspensionState.REJECTED)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="suspension.reject", target_type="case", target_ref=str(s.case_id),
                                           details={"suspension": s.id}))
        uow.commit()


@service(Permission.DISPOSITION_APPROVE)
def cancel_suspension(uow: UnitOfWork, actor: Actor, suspension_id: int, *, on: date) -> None:
    """15条の8: the taxpayer can pay again; the 延滞金 runs again from *on*."""
    with uow:
        s: Suspension = uow.dispositions.suspension(suspension_id, lock=True)  # type: ignore[attr-defined]
        if s.state is not SuspensionState.IN_FORCE:
            raise ConflictError("執行停止中ではありません")
        assert s.decided_on is not None
        if on < s.decided_on:
            raise ValidationError("取消日が停止日より前です", field="on")
        gone = extinguished_from(s.decided_on, immediate=False)
        if gone is not None and on >= gone:
            raise ConflictError(f"執行停止が3年継続し、納付義務は {gone.isoformat()} に消滅しています（15条の7④）")
        uow.dispositions.move_suspension(s, SuspensionState.CANCELLED, cancelled_on=on)  # type: ignore[attr-defined]
        case_ = uow.cases.get(s.case_id)  # type: ignore[attr-defined]
        if case_.status is CaseStatus.SUSPENDED:
            uow.cases.update(case_, status=CaseStatus.CONTACT.value, next_action_on=on)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="suspension.cancel", target_type="case", target_ref=str(s.case_id),
                                           details={"suspension": s.id}))
        uow.commit()


def mark_extinctions(uow: UnitOfWork, on: date) -> int:
    """Inside the caller's unit of work: record 15条の7④ extinctions reached by *on*."""
    count = 0
    for s in uow.dispositions.suspensions(states=("in_force",)):  # type: ignore[attr-defined]
        gone = extinguished_from(s.decided_on, immediate=False)
        if gone is not None and gone <= on:
            uow.dispositions.move_suspension(s, SuspensionState.EXTINGUISHED, extinguished_on=gone)  # type: ignore[attr-defined]
            count += 1
    return count


@service(Permission.CASE_VIEW)
def list_suspensions(uow: UnitOfWork, actor: Actor, *, case_id: int | None = None,
                     states: Sequence[str] = ()) -> list[Suspension]:
    with uow:
        rows = uow.dispositions.suspensions(case_id=case_id, states=states)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="suspension.list", target_type="case",
                                           target_ref=str(case_id) if case_id else None, details={"rows": len(rows)}))
        uow.commit()
    return list(rows)


@service(Permission.DISPOSITION_APPROVE)
def grant_deferral(uow: UnitOfWork, actor: Actor, case_id: int, *, kind: str, start_on: date, end_on: date,
                   reduction: str, assessment_ids: Sequence[int]) -> list[int]:
    """徴収猶予・換価の猶予の決定 with its 延滞金 reduction (15条の9)."""
    if kind not in DEFERRAL_KINDS:
        raise ValidationError("猶予の種類は choshu（徴収猶予）/ kanka（換価の猶予）です", field="kind")
    if reduction not in REDUCTIONS:
        raise ValidationError("延滞金の免除は none / half / full です", field="reduction")
    if end_on < start_on:
        raise ValidationError("猶予の終了日が開始日より前です", field="end_on")
    if end_on > period_end(start_on, 1):
        raise ValidationError("猶予期間は1年以内です（延長は改めて決定します）", field="end_on")
    with uow:
        case_ = uow.cases.get(case_id, lock=True)  # type: ignore[attr-defined]
        ids = _own_periods(uow, case_, assessment_ids, start_on)
        made = uow.dispositions.add_deferrals(assessment_ids=ids, kind=kind, start_on=start_on,  # type: ignore[attr-defined]
                                              end_on=end_on, reduction=reduction, case_id=case_id,
                                              by=actor.user_id)
        append_record(uow, actor, case_id, RecordKind.NOTE, at_noon(start_on), content=None, source="system",
                      next_action_on=end_on + timedelta(days=1))
        uow.audit.record(actor, AuditEvent(action="deferral.grant", target_type="case", target_ref=str(case_id),
                                           details={"kind": kind, "reduction": reduction, "periods": len(ids),
                                                    "start": start_on.isoformat(), "end": end_on.isoformat()}))
        uow.commit()
    return list(made)


@service(Permission.DISPOSITION_APPROVE)
def cancel_deferral(uow: UnitOfWork, actor: Actor, deferral_id: int, *, on: date) -> None:
    """猶予の取消: the term ends the day before *on*."""
    with uow:
        term = uow.dispositions.cancel_deferral(deferral_id, end_on=on - timedelta(days=1))  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="deferral.cancel", target_type="assessment",
                                           target_ref=str(term.assessment_id), details={"deferral": deferral_id}))
        uow.commit()
