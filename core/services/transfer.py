"""口座振替 (SPEC §7): registration, the 請求 run for a debit date, and the bank's result.

The request service selects every active period due on the debit date whose
taxpayer has an account covering its 税目, with 本税 still unpaid, records a
run with one item per period (its 顧客番号 names the run and the period) and
hands plain items to a *render* function supplied by the caller (the 全銀
writer lives in storage); the file's SHA-256 is stored and audited in the same
transaction. Asking again for the same date re-renders the recorded run.

The result service matches each result record to its item by 顧客番号: code
0 posts a 口座振替 payment to that period, any other code marks the period
口振不能. The whole file is checked first; one bad record applies nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.domain.assessment import TaxCode
from core.domain.payment import Channel, Payment
from core.domain.transfer import RESULT_LABELS, TransferAccount
from core.errors import ConflictError, NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.export import check_export
from core.services.ledger import load_policy, period_views
from core.services.bulk_posting import post_many
from core.services.registry import service
from core.text.kana import to_bank_halfwidth_kana

__all__ = ["RequestLine", "TransferRequest", "ResultLine", "ResultSummary", "register_account",
           "request_transfers", "apply_transfer_results", "CONSIGNOR_KEY", "AccountLine", "transfer_accounts"]

CONSIGNOR_KEY = "transfer_consignor"
_DIGITS = {4: re.compile(r"[0-9]{4}"), 3: re.compile(r"[0-9]{3}"), 7: re.compile(r"[0-9]{7}")}


@dataclass(frozen=True, slots=True)
class RequestLine:
    customer_no: str
    bank_code: str
    branch_code: str
    account_type: str
    account_no: str
    holder_kana: str
    amount: int
    new_code: str  # "1" first debit from this account, else "0"

    def __repr__(self) -> str:
        return f"RequestLine(customer_no={self.customer_no!r}, amount={self.amount})"


@dataclass(frozen=True, slots=True)
class TransferRequest:
    debit_on: date
    consignor: dict[str, str]
    lines: tuple[RequestLine, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True, slots=True)
class ResultLine:
    customer_no: str
    amount: int
    code: str


@dataclass(frozen=True, slots=True)
class ResultSummary:
    debit_on: date | None
    records: int
    paid: int
    paid_total: int
    failed: int
    failed_total: int
    by_code: dict[str, int] = field(default_factory=dict)
    already_imported: bool = False


def _code(value: str, width: int, label: str) -> str:
    if not isinstance(value, str) or not _DIGITS[width].fullmatch(value):
        raise ValidationError(f"{label}は{width}桁の数字です", field=label)
    return value


@service(Permission.TRANSFER_MANAGE)
def register_account(uow: UnitOfWork, actor: Actor, taxpayer_id: int, *, bank_code: str, branch_code: str,
                     account_type: str, account_no: str, holder_kana: str, tax_codes: Sequence[str],
                     start_on: date, end_on: date | None = None) -> int:
    """Register an 口座振替依頼書. An active registration for the same 税目 ends the day before."""
    _code(bank_code, 4, "金融機関コード")
    _code(branch_code, 3, "支店コード")
    _code(account_no, 7, "口座番号")
    if account_type not in ("1", "2"):
        raise ValidationError("預金種目は 1（普通）か 2（当座）です", field="account_type")
    try:
        kana = to_bank_halfwidth_kana(holder_kana, strict=True)
    except ValueError:
        raise ValidationError("口座名義はカナで入力してください", field="holder_kana") from None
    if not kana.strip() or len(kana.encode("cp932")) > 30:
        raise ValidationError("口座名義（半角カナ）は30バイト以内です", field="holder_kana")
    try:
        codes = tuple(sorted({TaxCode(c).value for c in tax_codes})) if tax_codes else ()
    except ValueError:
        raise ValidationError("税目コードが不明です（01〜05）", field="tax_codes") from None
    if not codes:
        raise ValidationError("振替する税目を選んでください", field="tax_codes")
    if end_on is not None and end_on < start_on:
        raise ValidationError("終了日が開始日より前です", field="end_on")
    with uow:
        taxpayer = uow.taxpayers.get(taxpayer_id)
        if taxpayer is None:
            raise NotFound("宛名が見つかりません")
        for old in uow.transfers.accounts(taxpayer_id):  # type: ignore[attr-defined]
            if old.status == "active" and set(old.tax_codes) & set(codes) and old.id is not None:
                uow.transfers.end_account(old.id, max(old.start_on, start_on - timedelta(days=1)))  # type: ignore[attr-defined]
        account_id = uow.transfers.add_account(TransferAccount(  # type: ignore[attr-defined]
            taxpayer_id=taxpayer_id, bank_code=bank_code, branch_code=branch_code, account_type=account_type,
            account_no=account_no, holder_kana=holder_kana, tax_codes=codes, start_on=start_on, end_on=end_on))
        uow.audit.record(actor, AuditEvent(action="transfer.register", target_type="taxpayer",
                                           target_ref=taxpayer.atena_no,
                                           details={"account_id": account_id, "tax_codes": list(codes)}))
        uow.commit()
    return account_id


def _consignor(uow: UnitOfWork) -> dict[str, str]:
    raw = uow.settings.get(CONSIGNOR_KEY)
    if not isinstance(raw, dict) or not raw.get("code"):
        raise ValidationError("委託者情報（設定 transfer_consignor）が登録されていません", field=CONSIGNOR_KEY)
    return {k: str(v) for k, v in raw.items()}


def _request(uow: UnitOfWork, run_id: int, debit_on: date) -> TransferRequest:
    """The run's lines; 新規コード 1 on an account's first request ever, else 0."""
    lines = []
    items = uow.transfers.items(run_id)  # type: ignore[attr-defined]
    accounts = uow.transfers.accounts_by_ids({i.account_id for i in items})  # type: ignore[attr-defined]
    used = uow.transfers.used_before_any(set(accounts), run_id)  # type: ignore[attr-defined]
    for item in items:
        account = accounts[item.account_id]
        lines.append(RequestLine(item.customer_no, account.bank_code, account.branch_code, account.account_type,
                                 account.account_no, account.holder_kana, item.amount,
                                 "0" if item.account_id in used else "1"))
    return TransferRequest(debit_on, _consignor(uow), tuple(lines))


@service(Permission.TRANSFER_MANAGE)
def request_transfers(uow: UnitOfWork, actor: Actor, *, debit_on: date,
                      render: Callable[[TransferRequest], bytes]) -> tuple[TransferRequest, bytes]:
    """Build (or re-render) the 請求 run for *debit_on*; returns its data and the file bytes."""
    check_export(uow, actor, "transfer.request")
    with uow:
        existing = uow.transfers.run(debit_on)  # type: ignore[attr-defined]
        if existing is not None:
            request = _request(uow, existing.id, debit_on)
            data = render(request)
            sha = hashlib.sha256(data).hexdigest()
            uow.audit.record(actor, AuditEvent(action="transfer.request", target_type="transfer_run",
                                               target_ref=str(existing.id), details={
                                                   "debit_on": debit_on.isoformat(), "records": existing.records,
                                                   "total": existing.total, "sha256": sha, "reissue": True}))
            uow.commit()
            return request, data
        policy = load_policy(uow)
        billable = uow.transfers.billable(debit_on)  # type: ignore[attr-defined]
        views = period_views(uow, [a for a, _ in billable], debit_on, policy)
        accounts = {a.id: acc for a, acc in billable}
        items = [(v.assessment.id, accounts[v.assessment.id].id, v.balance.honzei_due)
                 for v in views if v.balance.honzei_due > 0 and not v.deferred]
        run_id = uow.transfers.add_run(debit_on, items, "")  # type: ignore[attr-defined]
        request = _request(uow, run_id, debit_on)
        data = render(request)
        sha = hashlib.sha256(data).hexdigest()
        uow.transfers.set_request_sha(run_id, sha)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="transfer.request", target_type="transfer_run",
                                           target_ref=str(run_id), details={
                                               "debit_on": debit_on.isoformat(), "records": len(items),
                                               "total": request.total, "sha256": sha}))
        uow.commit()
    return request, data


@service(Permission.TRANSFER_MANAGE)
def apply_transfer_results(uow: UnitOfWork, actor: Actor, lines: Sequence[ResultLine], *, sha256: str,
                           file_name: str) -> ResultSummary:
    """Post the bank's 振替結果 (all records checked before anything is applied)."""
    with uow:
        previous = uow.batches.find("transfer_result", sha256)  # type: ignore[attr-defined]
        if previous is not None:
            uow.audit.record(actor, AuditEvent(action="transfer.result", outcome="denied", details={
                "file": file_name, "sha256": sha256, "reason": "already_imported", "first_batch": previous["id"]}))
            uow.commit()
            return ResultSummary(None, len(lines), 0, 0, 0, 0, already_imported=True)
        problems: list[str] = []
        matched = []
        run_ids = set()
        seen: set[str] = set()
        requested = uow.transfers.items_by_customers({line.customer_no for line in lines})  # type: ignore[attr-defined]
        for n, line in enumerate(lines, start=1):
            item = requested.get(line.customer_no)
            if line.customer_no in seen:
                problems.append(f"{n}件目: 同じ顧客番号が重複しています")
                continue
            seen.add(line.customer_no)
            if line.code not in RESULT_LABELS:
                problems.append(f"{n}件目: 振替結果コードが不明です")
            elif item is None:
                problems.append(f"{n}件目: 請求していない顧客番号です")
            elif item.amount != line.amount:
                problems.append(f"{n}件目: 引落金額が請求額と一致しません")
            elif item.result_code is not None:
                problems.append(f"{n}件目: この顧客番号の結果は既に取り込まれています")
            else:
                matched.append((item, line))
                run_ids.add(item.run_id)
        if len(run_ids) > 1:
            problems.append("複数の引落日の結果が混在しています")
        if problems:
            raise ValidationError("振替結果ファイルを取り込めません（何も反映していません）:\n" + "\n".join(problems),
                                  field="file")
        policy = load_policy(uow)
        paid = paid_total = failed = failed_total = 0
        by_code: dict[str, int] = {}
        runs = {run_id: uow.transfers.run_by_id(run_id) for run_id in run_ids}  # type: ignore[attr-defined]
        debit_on = runs[matched[-1][0].run_id].debit_on if matched else None
        periods = {a.id: a for a in uow.ledger.lock_periods([item.assessment_id for item, _ in matched])}  # type: ignore[attr-defined]
        money = [Payment(source_key=f"TRF-{item.customer_no}", channel=Channel.TRANSFER, amount=item.amount,
                         received_on=runs[item.run_id].debit_on, accounted_on=runs[item.run_id].debit_on,
                         notice_no=periods[item.assessment_id].notice_no, period=periods[item.assessment_id].period)
                 for item, line in matched if line.code == "0"]
        postings = iter(post_many(uow, money, policy, batch_id=f"TRF-{next(iter(run_ids))}" if run_ids else None))
        results: list[tuple[int, str, int | None]] = []
        for item, line in matched:
            payment_id = None
            if line.code == "0":
                posting = next(postings)
                if posting is None:
                    raise ConflictError("この振替結果の収納は既に記録されています")
                payment_id = posting.payment_id
                paid, paid_total = paid + 1, paid_total + item.amount
            else:
                failed, failed_total = failed + 1, failed_total + item.amount
            by_code[line.code] = by_code.get(line.code, 0) + 1
            results.append((item.id, line.code, payment_id))
        uow.transfers.set_results(results)  # type: ignore[attr-defined]
        for run_id in run_ids:
            uow.transfers.finish_run(run_id, sha256)  # type: ignore[attr-defined]
        summary = ResultSummary(debit_on, len(lines), paid, paid_total, failed, failed_total, by_code)
        details = {"file": file_name, "sha256": sha256, "records": len(lines), "paid": paid,
                   "paid_total": paid_total, "failed": failed, "failed_total": failed_total, "by_code": by_code}
        uow.batches.add("transfer_result", sha256, file_name, len(lines), details)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="transfer.result", details=details))
        uow.commit()
    return summary


@dataclass(frozen=True, slots=True)
class AccountLine:
    """A registration as a clerk sees it: the account number masked to its last 3 digits."""

    id: int
    bank_code: str
    branch_code: str
    account_type: str
    account_masked: str
    tax_codes: tuple[str, ...]
    start_on: date
    end_on: date | None
    status: str


@service(Permission.TAXPAYER_VIEW)
def transfer_accounts(uow: UnitOfWork, actor: Actor, taxpayer_id: int) -> list[AccountLine]:
    with uow:
        taxpayer = uow.taxpayers.get(taxpayer_id)
        if taxpayer is None:
            raise NotFound("宛名が見つかりません")
        accounts = uow.transfers.accounts(taxpayer_id)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="transfer.accounts", target_type="taxpayer",
                                           target_ref=taxpayer.atena_no, details={"count": len(accounts)}))
        uow.commit()
    return [AccountLine(a.id or 0, a.bank_code, a.branch_code, a.account_type, "****" + a.account_no[-3:],
                        a.tax_codes, a.start_on, a.end_on, a.status) for a in accounts]
