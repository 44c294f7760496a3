"""財産調査 and 差押・参加差押・交付要求 (SPEC §3, §4.10; 地方税法331条, 18条の2).

- 財産調査 (``case.edit``): a request to an institution per property kind and
  its answer; the letter's data for the request.
- 差押 / 参加差押 / 交付要求 (``seizure.record`` proposes, ``disposition.approve``
  decides — never the proposer): possible only once 331条①'s condition holds
  for every period it secures — a 督促状 was issued and the period was not paid
  in full by the day 10 days have elapsed counted from its issue, i.e. from
  issue + 11 days (:func:`core.services.dunning.seizure_possible_on`). Before
  that it is refused with the date it becomes possible; the check runs again at
  approval.
- While in force it suspends 時効 completion, which restarts when it ends
  (18条の2, 民法148条; :mod:`core.services.ledger`).
- 取立 / 換価: the proceeds are a payment (channel ``seizure``, not the
  taxpayer's 承認) distributed to the secured periods oldest first by the
  allocation policy (本税 → 延滞金 → 督促手数料 by default); any surplus is an
  overpayment to the taxpayer (appropriated first, as every overpayment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.domain.assessment import Assessment
from core.domain.delinquency import (
    CaseStatus,
    Disposition,
    DispositionKind,
    DispositionState,
    Investigation,
    PropertyKind,
    RecordKind,
)
from core.domain.ledger import Posting
from core.domain.payment import Channel, Payment
from core.errors import ConflictError, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission, require_other_checker
from core.services.cases import append_record, at_noon, case_periods, text_value
from core.services.dunning import seizure_possible_on
from core.services.ledger import load_policy, period_views
from core.services.posting import post_payment
from core.services.registry import refuse_own, service

__all__ = ["request_investigation", "answer_investigation", "investigation_letter", "InvestigationLetter",
           "propose_disposition", "approve_disposition", "reject_disposition", "release_disposition",
           "realise_disposition", "list_dispositions", "list_investigations", "property_kind"]

#: Property that is collected (取立) rather than sold (換価).
_COLLECTED = (PropertyKind.DEPOSIT, PropertyKind.SALARY, PropertyKind.INSURANCE, PropertyKind.RECEIVABLE)
_RECORD = {DispositionKind.SEIZURE: RecordKind.SEIZURE, DispositionKind.PARTICIPATION: RecordKind.SEIZURE,
           DispositionKind.DEMAND: RecordKind.DEMAND}
_NAMES = {DispositionKind.SEIZURE: "差押", DispositionKind.PARTICIPATION: "参加差押",
          DispositionKind.DEMAND: "交付要求"}


def property_kind(value: PropertyKind | str) -> PropertyKind:
    try:
        return PropertyKind(value)
    except ValueError:
        raise ValidationError(f"財産の種類は {', '.join(k.value for k in PropertyKind)} のいずれかです",
                              field="property_kind") from None




@service(Permission.CASE_EDIT)
def request_investigation(uow: UnitOfWork, actor: Actor, case_id: int, *, target: PropertyKind | str,
                          institution: str, requested_on: date) -> int:
    kind = property_kind(target)
    name = text_value(institution, "照会先", limit=100)
    with uow:
        uow.cases.get(case_id)  # type: ignore[attr-defined]  # NotFound, not a foreign-key error from the insert
        inv_id = uow.dispositions.add_investigation(case_id, kind, name, requested_on)  # type: ignore[attr-defined]
        append_record(uow, actor, case_id, RecordKind.INVESTIGATION, at_noon(requested_on), content=None,
                      source="system")
        uow.audit.record(actor, AuditEvent(action="investigation.request", target_type="case",
                                           target_ref=str(case_id), details={"investigation": inv_id,
                                                                             "target": kind.value}))
        uow.commit()
    return int(inv_id)


@service(Permission.CASE_EDIT)
def answer_investigation(uow: UnitOfWork, actor: Actor, investigation_id: int, *, answered_on: date, found: bool,
                         finding: str | None = None, value: int | None = None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValidationError("見積額は0以上の整数（円）です", field="value")
    if finding is not None and len(finding) > 1000:
        raise ValidationError("回答内容は1000文字以内です", field="finding")
    with uow:
        (inv,) = uow.dispositions.investigations(inv_id=investigation_id) or [None]  # type: ignore[attr-defined]
        if inv is None:
            raise ValidationError("財産調査が見つかりません", field="investigation_id")
        if answered_on < inv.requested_on:
            raise ValidationError("回答日が照会日より前です", field="answered_on")
        uow.dispositions.answer_investigation(  # type: ignore[attr-defined]
            investigation_id, answered_on=answered_on, result="found" if found else "none",
            finding=finding or None, value=value)
        uow.audit.record(actor, AuditEvent(action="investigation.answer", target_type="case",
                                           target_ref=str(inv.case_id),
                                           details={"investigation": investigation_id, "found": found}))
        uow.commit()


@service(Permission.CASE_VIEW)
def list_investigations(uow: UnitOfWork, actor: Actor, case_id: int) -> list[Investigation]:
    with uow:
        rows = uow.dispositions.investigations(case_id=case_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="investigation.list", target_type="case", target_ref=str(case_id),
                                           details={"rows": len(rows)}))
        uow.commit()
    return list(rows)


@dataclass(frozen=True, slots=True)
class InvestigationLetter:
    """The data of a 財産調査の照会書 (国税徴収法141条 via 地方税法331条⑥)."""

    investigation_id: int
    case_id: int
    target: PropertyKind
    institution: str
    requested_on: date
    atena_no: str
    name: str
    name_kana: str
    address: str | None
    birth_date: date | None

    def __repr__(self) -> str:
        return f"InvestigationLetter(investigation_id={self.investigation_id})"


@service(Permission.CASE_VIEW)
def investigation_letter(uow: UnitOfWork, actor: Actor, investigation_id: int) -> InvestigationLetter:
    with uow:
        (inv,) = uow.dispositions.investigations(inv_id=investigation_id) or [None]  # type: ignore[attr-defined]
        if inv is None:
            raise ValidationError("財産調査が見つかりません", field="investigation_id")
        case_ = uow.cases.get(inv.case_id)  # type: ignore[attr-defined]
        t = uow.taxpayers.get(case_.taxpayer_id)
        assert t is not None
        uow.audit.record(actor, AuditEvent(action="investigation.letter", target_type="taxpayer",
                                           target_ref=t.atena_no, details={"investigation": investigation_id}))
        uow.commit()
    return InvestigationLetter(investigation_id, inv.case_id, inv.target, inv.institution, inv.requested_on,
                               t.atena_no, t.name, t.name_kana, t.mailing_address or t.address, t.birth_date)


def _check_enforceable(uow: UnitOfWork, kind: DispositionKind, periods: Sequence[Assessment], on: date, *,
                       later: bool = False) -> None:
    """Something is owed and collectable on every secured period (with *later*, money already
    posted after *on* counts as paid); and for a 差押・参加差押 neither a 執行停止 (15条の7:
    滞納処分の執行を停止) nor a 徴収猶予 (15条の2の3①: no new 滞納処分 except 交付要求) stands
    in the way. Call with the case and the periods locked."""
    views = period_views(uow, periods, on, load_policy(uow), count_later=later)
    if any(v.balance.total_due == 0 or v.extinct for v in views):
        raise ConflictError("完納済みまたは徴収権が消滅した期別は差押・交付要求できません")
    if kind is DispositionKind.DEMAND:
        return
    ids = [a.id for a in periods]
    stopped = uow.dispositions.suspensions(assessment_ids=ids, states=("in_force", "extinguished"))  # type: ignore[attr-defined]
    if stopped or any(v.suspended for v in views):
        raise ConflictError("執行停止中の期別は差押できません（地方税法15条の7。停止を取り消してから差押します）")
    terms = uow.ledger.deferrals(ids)  # type: ignore[attr-defined]
    if any(t.kind == "choshu" and t.end_on >= on for ts in terms.values() for t in ts):
        raise ConflictError("徴収猶予中の期別には新たに差押できません（地方税法15条の2の3①。交付要求は可能です）")


def _check_331(uow: UnitOfWork, periods: Sequence[int], start_on: date) -> None:
    """331条①: every secured period dunned, unpaid, and past issue + 10 days."""
    dunnings = uow.ledger.dunnings(list(periods))  # type: ignore[attr-defined]
    missing = [a for a in periods if a not in dunnings]
    if missing:
        raise ConflictError("督促状を発していない期別は差押・交付要求できません（地方税法331条①）")
    possible = max(seizure_possible_on(d.issued_on) for d in dunnings.values())
    if start_on < possible:
        raise ConflictError(f"督促状の発付日から起算して10日を経過した日までは差押・交付要求できません"
                            f"（地方税法331条①）。{possible.isoformat()} から可能です")


@service(Permission.SEIZURE_RECORD)
def propose_disposition(uow: UnitOfWork, actor: Actor, case_id: int, *, kind: DispositionKind | str,
                        property_kind_: PropertyKind | str, description: str, start_on: date,
                        assessment_ids: Sequence[int], amount: int | None = None) -> int:
    """起案: what is seized (or where the 交付要求 goes), from when, for which periods."""
    try:
        dkind = DispositionKind(kind)
    except ValueError:
        raise ValidationError("種類は seizure（差押）/ participation（参加差押）/ demand（交付要求）です",
                              field="kind") from None
    pkind = property_kind(property_kind_)
    text = text_value(description, "財産の表示", limit=400)
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 0):
        raise ValidationError("見積価額・要求額は0以上の整数（円）です", field="amount")
    with uow:
        case_ = uow.cases.get(case_id, lock=True)  # type: ignore[attr-defined]
        if case_.status is CaseStatus.CLOSED:
            raise ConflictError("完結した案件です")
        periods = case_periods(uow, case_, assessment_ids)
        _check_enforceable(uow, dkind, periods, start_on)
        _check_331(uow, [a.id for a in periods], start_on)
        did = uow.dispositions.add_disposition(  # type: ignore[attr-defined]
            case_id=case_id, taxpayer_id=case_.taxpayer_id, kind=dkind, property_kind=pkind, description=text,
            start_on=start_on, amount=amount, assessment_ids=[a.id for a in periods], by=actor.user_id)
        uow.audit.record(actor, AuditEvent(action="disposition.propose", target_type="case", target_ref=str(case_id),
                                           details={"disposition": did, "kind": dkind.value,
                                                    "property": pkind.value, "periods": len(periods)}))
        uow.commit()
    return int(did)


def _decided(uow: UnitOfWork, actor: Actor, disposition_id: int) -> Disposition:
    d: Disposition = uow.dispositions.disposition(disposition_id, lock=True)  # type: ignore[attr-defined]
    require_other_checker(actor, Permission.DISPOSITION_APPROVE, maker=d.proposed_by)
    if d.state is not DispositionState.PROPOSED:
        raise ConflictError("この差押・交付要求は既に決裁されています")
    return d


@service(Permission.DISPOSITION_APPROVE)
def approve_disposition(uow: UnitOfWork, actor: Actor, disposition_id: int) -> None:
    """決裁 by a supervisor other than the proposer: in force from its 差押日."""
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, name=f"{__name__}.approve_disposition",
               maker=lambda u: u.dispositions.disposition(disposition_id).proposed_by)  # type: ignore[attr-defined]
    with uow:
        d = _decided(uow, actor, disposition_id)
        uow.cases.get(d.case_id, lock=True)  # type: ignore[attr-defined]  # case, then periods: the proposal's order
        periods = uow.ledger.lock_periods(list(d.assessment_ids))  # type: ignore[attr-defined]
        # Again at the decision: paid, extinguished, stopped or deferred since the proposal?
        _check_enforceable(uow, d.kind, periods, d.start_on, later=True)
        _check_331(uow, d.assessment_ids, d.start_on)
        uow.dispositions.move_disposition(d, DispositionState.IN_FORCE, approved_by=actor.user_id,  # type: ignore[attr-defined]
                                          decided_at=datetime.now(UTC))
        append_record(uow, actor, d.case_id, _RECORD[d.kind], at_noon(d.start_on), content=None, source="system")
        case_ = uow.cases.get(d.case_id)  # type: ignore[attr-defined]
        uow.cases.update(case_, status=CaseStatus.DISPOSITION.value)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="disposition.approve", target_type="case", target_ref=str(d.case_id),
                                           details={"disposition": d.id, "kind": d.kind.value,
                                                    "proposed_by": d.proposed_by}))
        uow.commit()


@service(Permission.DISPOSITION_APPROVE)
def reject_disposition(uow: UnitOfWork, actor: Actor, disposition_id: int) -> None:
    refuse_own(uow, actor, Permission.DISPOSITION_APPROVE, name=f"{__name__}.reject_disposition",
               maker=lambda u: u.dispositions.disposition(disposition_id).proposed_by)  # type: ignore[attr-defined]
    with uow:
        d = _decided(uow, actor, disposition_id)
        uow.dispositions.move_disposition(d, DispositionState.REJECTED, decided_at=datetime.now(UTC))  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="disposition.reject", target_type="case", target_ref=str(d.case_id),
                                           details={"disposition": d.id}))
        uow.commit()


def _in_force(uow: UnitOfWork, disposition_id: int, on: date) -> Disposition:
    d: Disposition = uow.dispositions.disposition(disposition_id, lock=True)  # type: ignore[attr-defined]
    if d.state is not DispositionState.IN_FORCE:
        raise ConflictError("この差押・交付要求は効力がありません（未決裁・終了済み）")
    if on < d.start_on:
        raise ValidationError("日付が差押・交付要求の日より前です", field="on")
    return d


@service(Permission.SEIZURE_RECORD)
def release_disposition(uow: UnitOfWork, actor: Actor, disposition_id: int, *, on: date) -> None:
    """解除: ends it without proceeds; 時効 restarts from the next day."""
    with uow:
        d = _in_force(uow, disposition_id, on)
        uow.dispositions.move_disposition(d, DispositionState.RELEASED, ended_on=on)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="disposition.release", target_type="case", target_ref=str(d.case_id),
                                           details={"disposition": d.id}))
        uow.commit()


@service(Permission.SEIZURE_RECORD)
def realise_disposition(uow: UnitOfWork, actor: Actor, disposition_id: int, *, on: date, proceeds: int,
                        source_key: str | None = None) -> Posting:
    """取立 / 換価 / 配当受領: the proceeds distributed oldest first; surplus → 過誤納."""
    if isinstance(proceeds, bool) or not isinstance(proceeds, int) or proceeds <= 0:
        raise ValidationError("配当額は1円以上の整数です", field="proceeds")
    with uow:
        d = _in_force(uow, disposition_id, on)
        policy = load_policy(uow)
        periods = uow.ledger.lock_periods(list(d.assessment_ids))  # type: ignore[attr-defined]
        periods.sort(key=lambda a: (a.statutory_due_date, a.due_date, a.id or 0))
        # 国税徴収法79条①1・84条① (331条⑥): once the secured tax is gone the 差押・交付要求 must be
        # released — proceeds recorded then would all be surplus (a 過誤納 made by the city itself).
        if not any(v.balance.total_due > 0 and not v.extinct
                   for v in period_views(uow, periods, on, policy, count_later=True)):
            raise ConflictError("差押・交付要求に係る期別は完納済み（または徴収権が消滅）です。"
                                "取立・換価ではなく解除を記録してください（国税徴収法79条①1）")
        payment = Payment(source_key=source_key or f"disposition:{d.id}", channel=Channel.SEIZURE, amount=proceeds,
                          received_on=on, accounted_on=on, taxpayer_id=d.taxpayer_id)
        posting = post_payment(uow, payment, policy, periods=periods, allow_suspense=False)
        state = DispositionState.COLLECTED if d.property_kind in _COLLECTED else DispositionState.REALISED
        uow.dispositions.move_disposition(d, state, ended_on=on, proceeds=proceeds,  # type: ignore[attr-defined]
                                          payment_id=posting.payment_id)
        uow.audit.record(actor, AuditEvent(action="disposition.realise", target_type="case", target_ref=str(d.case_id),
                                           details={"disposition": d.id, "proceeds": proceeds,
                                                    "allocated": posting.allocated, "surplus": posting.overpayment,
                                                    "payment": posting.payment_id}))
        uow.commit()
    return posting


@service(Permission.CASE_VIEW)
def list_dispositions(uow: UnitOfWork, actor: Actor, *, case_id: int | None = None,
                      states: Sequence[str] = ()) -> list[Disposition]:
    with uow:
        rows = uow.dispositions.dispositions(case_id=case_id, states=states)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="disposition.list", target_type="case",
                                           target_ref=str(case_id) if case_id else None, details={"rows": len(rows)}))
        uow.commit()
    return list(rows)
