"""還付 workflow (SPEC §4.7): 起案 → 決裁 → 支出 → 通知, under maker–checker.

- 起案 (``refund.draft``): only when the taxpayer has no unpaid debt left to
  appropriate (17条の2); the overpayment's remainder is reserved at once.
- 決裁 (``refund.approve``, never the drafter — also a database CHECK): the
  debts are checked again and the 還付加算金 is computed to the 支出決定日.
- A change of method, account, payee or date returns it to 起案; 取消 gives the
  money back to the overpayment.
- 支出: the 総合振込 file for a date (``refund.pay`` + the export rule) or cash
  at a counter terminal; then 通知.
Every move is a compare-and-set on (state, version): two sessions cannot both win.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from core.domain.ledger import OverpaymentItem
from core.domain.refund import Refund, RefundMethod, RefundState
from core.errors import ConflictError, NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.rules.prescription import period_end
from core.security.permissions import Actor, Permission, require_other_checker
from core.services.appropriation import kasankin_of, plan_appropriation
from core.services.export import check_export
from core.services.ledger import load_policy
from core.services.transfer import CONSIGNOR_KEY
from core.services.registry import refuse_own, service
from core.text.kana import to_bank_halfwidth_kana

__all__ = ["Account", "draft_refund", "approve_refund", "return_refund", "amend_refund", "cancel_refund",
           "pay_cash", "mark_notified", "list_refunds", "approval_queue", "PaymentRun", "refund_payment_run",
           "reissue_refund_payment_file",
           "lapsed_claims", "claim_lapses_on", "OverpaymentLine", "list_overpayments"]


@dataclass(frozen=True, slots=True)
class Account:
    """A payee account (personal data: never logged)."""

    bank_code: str
    branch_code: str
    account_type: str
    account_no: str
    holder_kana: str

    def __repr__(self) -> str:
        return f"Account(bank_code={self.bank_code!r})"

    def validated(self) -> Account:
        for value, width, label in ((self.bank_code, 4, "金融機関コード"), (self.branch_code, 3, "支店コード"),
                                    (self.account_no, 7, "口座番号")):
            if not isinstance(value, str) or not re.fullmatch(rf"[0-9]{{{width}}}", value):
                raise ValidationError(f"{label}は{width}桁の数字です", field="account")
        if self.account_type not in ("1", "2"):
            raise ValidationError("預金種目は 1（普通）か 2（当座）です", field="account")
        try:
            kana = to_bank_halfwidth_kana(self.holder_kana, strict=True)
        except ValueError:
            raise ValidationError("口座名義はカナで入力してください", field="holder_kana") from None
        if not kana.strip() or len(kana.encode("cp932")) > 30:
            raise ValidationError("口座名義（半角カナ）は30バイト以内です", field="holder_kana")
        return self


def claim_lapses_on(item: OverpaymentItem) -> date:
    """18条の3: the refund claim lapses 5 years after it could first be exercised."""
    return period_end(item.arisen_on + timedelta(days=1))


def _require_no_debts(uow: UnitOfWork, item: OverpaymentItem, on: date) -> None:
    plan = plan_appropriation(uow, item, on, load_policy(uow))
    if plan.lines:
        raise ConflictError("未納の徴収金があります。先に充当してください（地方税法17条の2）")


def _account_values(uow: UnitOfWork, taxpayer_id: int, method: RefundMethod,
                    account: Account | None) -> dict[str, str | None]:
    if method is RefundMethod.CASH:
        if account is not None:
            raise ValidationError("窓口現金の還付に口座は指定しません", field="account")
        return {}
    if method is RefundMethod.REGISTERED:
        if account is not None:
            raise ValidationError("登録口座を使う場合、口座は入力しません", field="account")
        active = [a for a in uow.transfers.accounts(taxpayer_id) if a.status == "active"]  # type: ignore[attr-defined]
        if not active:
            raise ValidationError("登録された口座がありません", field="method")
        reg = active[-1]
        account = Account(reg.bank_code, reg.branch_code, reg.account_type, reg.account_no, reg.holder_kana)
    if account is None:
        raise ValidationError("振込先の口座を入力してください", field="account")
    a = account.validated()
    return {"bank_code": a.bank_code, "branch_code": a.branch_code, "account_type": a.account_type,
            "account_no": a.account_no, "holder_kana": a.holder_kana}


def _method(value: RefundMethod | str) -> RefundMethod:
    try:
        return RefundMethod(value)
    except ValueError:
        raise ValidationError("支払方法は registered / submitted / koukin / cash のいずれかです", field="method") from None


@service(Permission.REFUND_DRAFT)
def draft_refund(uow: UnitOfWork, actor: Actor, overpayment_id: int, *, method: RefundMethod | str, pay_on: date,
                 today: date, account: Account | None = None, payee: str | None = None) -> int:
    """起案. ``koukin``: the 公金受取口座 the taxpayer asked for, typed from the
    中間サーバー terminal's answer (this system never calls out); audited as such."""
    method = _method(method)
    if pay_on < today:
        raise ValidationError("支払予定日が過去です", field="pay_on")
    with uow:
        item = uow.refunds.overpayment(overpayment_id, lock=True)  # type: ignore[attr-defined]
        if item.state == "cancelled":
            raise ConflictError("取り消された過誤納です")
        if today > claim_lapses_on(item):
            raise ConflictError("還付請求権が時効により消滅しています（地方税法18条の3）")
        _require_no_debts(uow, item, today)
        values = _account_values(uow, item.taxpayer_id, method, account)
        if payee is not None:
            values["payee"] = payee.strip() or None
        if uow.refunds.live_refund(item.id) is not None:  # type: ignore[attr-defined]
            raise ConflictError("この過誤納には処理中の還付があります")
        carried = uow.refunds.appropriation_kasankin(item.id)  # type: ignore[attr-defined]
        if item.remaining + carried == 0:
            raise ConflictError("還付する額がありません（全額充当済みです）")
        if item.remaining:
            uow.refunds.take(item.id, item.remaining)  # type: ignore[attr-defined]
        refund_id = uow.refunds.add_refund(  # type: ignore[attr-defined]
            overpayment_id=item.id, taxpayer_id=item.taxpayer_id, amount=item.remaining, kasankin=carried,
            method=method, pay_on=pay_on, account=values, drafted_by=actor.user_id)
        uow.audit.record(actor, AuditEvent(action="refund.draft", target_type="refund", target_ref=str(refund_id),
                                           details={"overpayment_id": item.id, "amount": item.remaining,
                                                    "method": method.value, "koukin": method is RefundMethod.KOUKIN,
                                                    "other_payee": payee is not None}))
        uow.commit()
    return refund_id


def _load(uow: UnitOfWork, refund_id: int, *expected: RefundState) -> Refund:
    refund: Refund = uow.refunds.refund(refund_id, lock=True)  # type: ignore[attr-defined]
    if refund.state not in expected:
        raise ConflictError(f"この還付は「{refund.state.value}」の状態のため、この操作はできません")
    return refund


@service(Permission.REFUND_APPROVE)
def approve_refund(uow: UnitOfWork, actor: Actor, refund_id: int, *, on: date) -> Refund:
    """決裁 on *on* (the 支出決定日): the 還付加算金 is computed to that day."""
    refuse_own(uow, actor, Permission.REFUND_APPROVE, name=f"{__name__}.approve_refund",
               maker=lambda u: u.refunds.refund(refund_id).drafted_by)  # type: ignore[attr-defined]
    with uow:
        refund = _load(uow, refund_id, RefundState.DRAFTED)
        require_other_checker(actor, Permission.REFUND_APPROVE, maker=refund.drafted_by)
        item = uow.refunds.overpayment(refund.overpayment_id)  # type: ignore[attr-defined]
        if on > claim_lapses_on(item):
            raise ConflictError("還付請求権が時効により消滅しています（地方税法18条の3）。取り消してください")
        # The reserved amount must still find no debt (one may have fallen due since the draft).
        if refund.amount and plan_appropriation(uow, replace(item, remaining=refund.amount), on,
                                                load_policy(uow)).lines:
            raise ConflictError("起案後に未納が生じました。この還付を取り消して先に充当してください（地方税法17条の2）")
        policy = load_policy(uow)
        kasankin = uow.refunds.appropriation_kasankin(item.id) + kasankin_of(item, refund.amount, on, policy)  # type: ignore[attr-defined]
        uow.refunds.move(refund, RefundState.APPROVED, approved_by=actor.user_id,  # type: ignore[attr-defined]
                         approved_at=datetime.now(UTC), decided_on=on, kasankin=kasankin)
        uow.audit.record(actor, AuditEvent(action="refund.approve", target_type="refund", target_ref=str(refund_id),
                                           details={"amount": refund.amount, "kasankin": kasankin}))
        uow.commit()
        return uow.refunds.refund(refund_id)  # type: ignore[attr-defined,no-any-return]


@service(Permission.REFUND_APPROVE)
def return_refund(uow: UnitOfWork, actor: Actor, refund_id: int, *, reason: str) -> None:
    """差戻し: the approver sends a draft (or an approved refund) back to 起案."""
    with uow:
        refund = _load(uow, refund_id, RefundState.DRAFTED, RefundState.APPROVED)
        uow.refunds.move(refund, RefundState.DRAFTED, approved_by=None, approved_at=None, decided_on=None)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="refund.return", target_type="refund", target_ref=str(refund_id),
                                           details={"reason_length": len(reason or "")}))
        uow.commit()


@service(Permission.REFUND_DRAFT)
def amend_refund(uow: UnitOfWork, actor: Actor, refund_id: int, *, method: RefundMethod | str, pay_on: date,
                 today: date, account: Account | None = None, payee: str | None = None) -> None:
    """Change how or when it is paid; an approved refund goes back to 起案 (SPEC §4.7)."""
    method = _method(method)
    if pay_on < today:
        raise ValidationError("支払予定日が過去です", field="pay_on")
    with uow:
        refund = _load(uow, refund_id, RefundState.DRAFTED, RefundState.APPROVED)
        values = _account_values(uow, refund.taxpayer_id, method, account)
        # Whoever changes it becomes its maker: they may not approve it (maker–checker).
        uow.refunds.move(refund, RefundState.DRAFTED, approved_by=None, approved_at=None, decided_on=None,  # type: ignore[attr-defined]
                         drafted_by=actor.user_id, method=method.value, pay_on=pay_on, bank_code=values.get("bank_code"),
                         branch_code=values.get("branch_code"), account_type=values.get("account_type"),
                         account_no=values.get("account_no"), holder_kana=values.get("holder_kana"),
                         payee=(payee or "").strip() or None)
        uow.audit.record(actor, AuditEvent(action="refund.amend", target_type="refund", target_ref=str(refund_id),
                                           details={"method": method.value, "was": refund.state.value}))
        uow.commit()


@service(Permission.REFUND_DRAFT)
def cancel_refund(uow: UnitOfWork, actor: Actor, refund_id: int, *, reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError("取消の理由を入力してください", field="reason")
    with uow:
        refund = _load(uow, refund_id, RefundState.DRAFTED, RefundState.APPROVED)
        uow.refunds.move(refund, RefundState.CANCELLED, cancel_reason=reason.strip()[:200])  # type: ignore[attr-defined]
        # (the reason is stored encrypted: free text may name people)
        uow.refunds.give_back(refund.overpayment_id, refund.amount)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="refund.cancel", target_type="refund", target_ref=str(refund_id),
                                           details={"amount": refund.amount}))
        uow.commit()


@service(Permission.REFUND_PAY)
def pay_cash(uow: UnitOfWork, actor: Actor, refund_id: int, *, on: date) -> Refund:
    with uow:
        terminal = uow.identity.terminal(actor.terminal_id or "")
        if terminal is None or terminal.disabled or not terminal.is_counter:
            raise ConflictError("現金の還付は窓口端末でのみ行えます")
        refund = _load(uow, refund_id, RefundState.APPROVED)
        if refund.method is not RefundMethod.CASH:
            raise ConflictError("口座振込の還付です（振込ファイルで支払います）")
        uow.refunds.move(refund, RefundState.PAID, paid_on=on)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="refund.pay", target_type="refund", target_ref=str(refund_id),
                                           details={"method": "cash", "total": refund.total}))
        uow.commit()
        return uow.refunds.refund(refund_id)  # type: ignore[attr-defined,no-any-return]


@service(Permission.REFUND_PAY)
def mark_notified(uow: UnitOfWork, actor: Actor, refund_id: int, *, on: date) -> None:
    with uow:
        refund = _load(uow, refund_id, RefundState.PAID)
        uow.refunds.move(refund, RefundState.NOTIFIED, notified_on=on)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="refund.notify", target_type="refund", target_ref=str(refund_id)))
        uow.commit()


@service(Permission.REFUND_DRAFT)
def list_refunds(uow: UnitOfWork, actor: Actor, *, state: RefundState | None = None,
                 taxpayer_id: int | None = None) -> list[Refund]:
    with uow:
        return uow.refunds.refunds(state=state, taxpayer_id=taxpayer_id)  # type: ignore[attr-defined,no-any-return]


@service(Permission.REFUND_APPROVE)
def approval_queue(uow: UnitOfWork, actor: Actor) -> list[Refund]:
    """Drafts waiting for a 決裁 this user may give (not their own)."""
    with uow:
        drafts = uow.refunds.refunds(state=RefundState.DRAFTED)  # type: ignore[attr-defined]
    return [r for r in drafts if r.drafted_by != actor.user_id]


@dataclass(frozen=True, slots=True)
class PaymentRun:
    pay_on: date
    refunds: tuple[Refund, ...]
    lapsed: tuple[OverpaymentItem, ...]
    requester: dict[str, str]  # the municipality's paying account (setting transfer_consignor)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.refunds)


def lapsed_claims(uow: UnitOfWork, on: date) -> list[OverpaymentItem]:
    items, _ = uow.refunds.open_overpayments(limit=100_000)  # type: ignore[attr-defined]
    return [i for i in items if i.remaining > 0 and on > claim_lapses_on(i)]


@service(Permission.REFUND_PAY)
def refund_payment_run(uow: UnitOfWork, actor: Actor, *, pay_on: date,
                       render: Callable[[PaymentRun], bytes]) -> tuple[PaymentRun, bytes]:
    """The 総合振込 data for approved refunds due *pay_on* (by transfer); they become 支出済.
    Claims older than 5 years are listed as lapsed (18条の3)."""
    check_export(uow, actor, "refund.transfer_file")
    with uow:
        due = [r for r in uow.refunds.refunds(state=RefundState.APPROVED, pay_on=pay_on)  # type: ignore[attr-defined]
               if r.method is not RefundMethod.CASH]
        requester = uow.settings.get(CONSIGNOR_KEY) if due else {}
        if due and not isinstance(requester, dict):
            raise ValidationError("依頼人（設定 transfer_consignor）が登録されていません", field=CONSIGNOR_KEY)
        run = PaymentRun(pay_on, tuple(due), tuple(lapsed_claims(uow, pay_on)),
                         {k: str(v) for k, v in (requester or {}).items()})
        data = render(run) if due else b""
        sha = hashlib.sha256(data).hexdigest()
        for refund in due:
            uow.refunds.move(refund, RefundState.PAID, paid_on=pay_on, transfer_run=sha)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="refund.transfer_file", details={
            "pay_on": pay_on.isoformat(), "records": len(due), "total": run.total,
            "sha256": sha, "lapsed": len(run.lapsed)}))
        uow.commit()
    return run, data


@dataclass(frozen=True, slots=True)
class OverpaymentLine:
    item: OverpaymentItem
    atena_no: str
    lapses_on: date


@service(Permission.REFUND_PAY)
def reissue_refund_payment_file(uow: UnitOfWork, actor: Actor, *, pay_on: date,
                                render: Callable[[PaymentRun], bytes],
                                run: str | None = None) -> tuple[PaymentRun, bytes]:
    """The same 総合振込 file again for one run already made 支出済 on *pay_on*.

    The payment run commits before its file is written, so that a crash can never
    leave a file for refunds that are not recorded as paid (sent twice, refunded
    twice). A crash in between loses only the file: this rebuilds the file of that
    run — the refunds it paid, whatever their state since — and refuses unless it is
    byte for byte the file the run made (same SHA-256). Several runs on one day: name
    one by the start of its SHA-256 (*run*). Audited as a reissue.
    """
    check_export(uow, actor, "refund.transfer_file")
    with uow:
        runs = uow.refunds.transfer_runs(pay_on)  # type: ignore[attr-defined]
        chosen = [r for r in runs if run is None or r[0].startswith(run.lower())]
        if not runs:
            raise NotFound(f"{pay_on.isoformat()} に総合振込で支出済とした還付はありません")
        if len(chosen) != 1:
            listed = "、".join(f"{sha[:12]}（{n}件）" for sha, n in runs)
            raise ValidationError(f"{pay_on.isoformat()} の総合振込は {listed} です。どれを作り直すか指定してください",
                                  field="run")
        sha, _count = chosen[0]
        paid = uow.refunds.refunds(transfer_run=sha, limit=1_000_000)  # type: ignore[attr-defined]
        requester = uow.settings.get(CONSIGNOR_KEY) or {}
        rebuilt = PaymentRun(pay_on, tuple(paid), (), {k: str(v) for k, v in requester.items()})
        data = render(rebuilt)
        if hashlib.sha256(data).hexdigest() != sha:
            raise ConflictError("元のファイルと同じ内容を作れません（依頼人の設定が変わったなど）。"
                                "金融機関に送る前に担当者で確認してください")
        uow.audit.record(actor, AuditEvent(action="refund.transfer_file.reissue", details={
            "pay_on": pay_on.isoformat(), "records": len(paid), "total": rebuilt.total, "sha256": sha}))
        uow.commit()
    return rebuilt, data


@service(Permission.REFUND_DRAFT)
def list_overpayments(uow: UnitOfWork, actor: Actor, *, offset: int = 0,
                      limit: int = 200) -> tuple[list[OverpaymentLine], bool]:
    """Open overpayments (過誤納) waiting for 充当 or 還付, oldest first."""
    with uow:
        items, more = uow.refunds.open_overpayments(offset=offset, limit=limit)  # type: ignore[attr-defined]
        atena = {t: uow.taxpayers.get_by_id_atena(t) for t in {i.taxpayer_id for i in items}}  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="overpayment.list", details={"count": len(items)}))
        uow.commit()
    return [OverpaymentLine(i, atena.get(i.taxpayer_id) or "", claim_lapses_on(i)) for i in items], more
