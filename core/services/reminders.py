"""催告 (SPEC §3, §7): case criteria and saved filters, the 催告 batch (once per case and day, never
under 催告停止) and the 納税催告センター exchange (every record checked before any is stored; once
per 記録キー and per file). Audit details are counts only."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from core.domain.assessment import TaxCode
from core.domain.callcenter import DIRECTION_LABELS, RESULT_LABELS, CallRecord, CallTarget
from core.domain.delinquency import Case, CaseStatus, Counterpart, RecordKind, SavedFilter
from core.errors import NotFound, ValidationError
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission
from core.services.cases import JST, append_record, at_noon
from core.services.export import check_export
from core.services.ledger import load_policy, period_views
from core.services.registry import service

__all__ = ["Criteria", "CaseRow", "ReminderRun", "CallImportSummary", "CALL_STATUSES", "select_cases",
           "save_filter", "list_filters", "delete_filter", "find_cases", "run_reminders", "callcenter_targets",
           "import_call_records"]

_PAGE, _CHUNK = 500, 200
CALL_STATUSES = ("open", "contact", "plan")  # sent to the call centre unless the criteria name statuses
_LIMITS = {"min_amount": 10**13, "max_amount": 10**13, "min_age_days": 36_500, "not_reminded_days": 36_500}
_LABELS = {"min_amount": "滞納額の下限", "max_amount": "滞納額の上限", "min_age_days": "納期限からの経過日数",
           "tax_codes": "税目", "team": "地区", "officer": "担当者", "statuses": "状態",
           "not_reminded_days": "催告していない日数"}
_STATUSES = {s.value for s in CaseStatus if s is not CaseStatus.CLOSED}
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)


@dataclass(frozen=True, slots=True)
class Criteria:
    """What selects a case; every field left empty selects every open case."""
    min_amount: int | None = None  # 本税 outstanding (yen), at least
    max_amount: int | None = None  # …and at most
    min_age_days: int | None = None  # oldest unpaid 納期限 at least this many days before the date
    tax_codes: tuple[str, ...] = ()  # an unpaid period of one of these 税目
    team: str | None = None  # 地区担当
    officer: str | None = None
    statuses: tuple[str, ...] = ()
    not_reminded_days: int | None = None  # no 催告 within this many days

    def __post_init__(self) -> None:
        for key, limit in _LIMITS.items():
            v = getattr(self, key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= limit):
                raise ValidationError(f"{_LABELS[key]}は0〜{limit:,}の整数です", field=key)
        if self.max_amount is not None and (self.min_amount or 0) > self.max_amount:
            raise ValidationError("滞納額の下限が上限を超えています", field="min_amount")
        for key, allowed in (("tax_codes", {c.value for c in TaxCode}), ("statuses", _STATUSES)):
            v = getattr(self, key)
            if not isinstance(v, tuple) or any(not isinstance(x, str) or x not in allowed for x in v):
                raise ValidationError(f"{_LABELS[key]}は {', '.join(sorted(allowed))} から選びます", field=key)
        for key, limit in (("team", 40), ("officer", 64)):
            v = getattr(self, key)
            if v is not None and (not isinstance(v, str) or not v.strip() or len(v) > limit):
                raise ValidationError(f"{_LABELS[key]}は{limit}文字以内で指定します", field=key)

    @classmethod
    def from_dict(cls, data: Any) -> Criteria:
        """From a saved filter's JSON (lists become tuples); unknown keys and wrong types are refused."""
        if not isinstance(data, dict):
            raise ValidationError("条件が辞書形式ではありません", field="criteria")
        if unknown := set(data) - {f.name for f in fields(cls)}:
            raise ValidationError(f"条件に不明な項目があります（{', '.join(sorted(map(str, unknown)))}）",
                                  field="criteria")
        return cls(**{k: tuple(v) if k in ("tax_codes", "statuses") and isinstance(v, list) else v
                      for k, v in data.items()})

    def to_dict(self) -> dict[str, object]:
        """The fields that are set (tuples as lists), for storing as JSON."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items() if v not in (None, ())}


@dataclass(frozen=True, slots=True)
class CaseRow:
    case: Case
    atena_no: str
    name_kana: str
    honzei_due: int
    periods: int
    oldest_due: date | None

    def __repr__(self) -> str:
        return f"CaseRow(case={self.case.id})"


@dataclass(frozen=True, slots=True)
class ReminderRun:
    on: date
    selected: int
    recorded: int
    already: int  # reminded that day already
    stopped: int  # 催告停止
    case_ids: tuple[int, ...]  # recorded now (for the 催告書)


@dataclass(frozen=True, slots=True)
class CallImportSummary:
    file_name: str
    sha256: str
    records: int
    applied: int = 0
    skipped: int = 0  # 記録キー imported before
    cases: int = 0
    already_imported: bool = False
    batch_id: int | None = None


def _matches(row: dict[str, Any], c: Criteria, on: date, owing: bool) -> bool:
    due, oldest = row["honzei_due"], row["oldest_due"]
    if (owing and due <= 0) or due < (c.min_amount or 0) or (c.max_amount is not None and due > c.max_amount):
        return False
    return c.min_age_days is None or (oldest is not None and oldest <= on - timedelta(days=c.min_age_days))


def select_cases(uow: Any, criteria: Criteria, *, on: date, owing: bool = False) -> list[dict[str, Any]]:
    """Open cases (``uow.cases.summaries`` rows) matching *criteria*; *owing*: only those owing 本税."""
    rows: list[dict[str, Any]] = []
    more, offset = True, 0
    while more:
        page, more = uow.cases.summaries(officer=criteria.officer, team=criteria.team,
                                         statuses=criteria.statuses, offset=offset, limit=_PAGE, past_due_on=on)
        rows += [r for r in page if _matches(r, criteria, on, owing)]
        offset += _PAGE
    if criteria.tax_codes and rows:
        have = {a.taxpayer_id for a in uow.ledger.unpaid_periods(sorted({r["case"].taxpayer_id for r in rows}))
                if a.tax_code.value in criteria.tax_codes}
        rows = [r for r in rows if r["case"].taxpayer_id in have]
    if criteria.not_reminded_days is not None and rows:
        ids = [r["case"].id for r in rows]
        last: dict[int, datetime] = {k: v for i in range(0, len(ids), _PAGE) for k, v in
                                     uow.cases.last_record_kinds(ids[i:i + _PAGE], RecordKind.REMINDER).items()}
        since = on - timedelta(days=criteria.not_reminded_days)
        rows = [r for r in rows if r["case"].id not in last or last[r["case"].id].astimezone(JST).date() <= since]
    return rows


def _chosen(uow: Any, actor: Actor, criteria: Criteria | None, filter_name: str | None) -> Criteria:
    if criteria is not None and filter_name is not None:
        raise ValidationError("条件か保存した条件の名前のどちらか一方を指定します", field="filter")
    if filter_name is not None:
        return Criteria.from_dict(uow.cases.find_filter(actor.user_id, filter_name).criteria)
    if not isinstance(criteria, Criteria | None):
        raise ValidationError("条件の形式が正しくありません", field="criteria")
    return criteria or Criteria()


@service(Permission.CASE_VIEW)
def save_filter(uow: UnitOfWork, actor: Actor, name: str, criteria: Criteria, *, shared: bool = False) -> int:
    """Save (or replace) the user's filter *name* (1–60 characters); a shared one is visible to every user."""
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 60 or not name.isprintable():
        raise ValidationError("条件の名前は1〜60文字です（改行・制御文字は使えません）", field="name")
    criteria = _chosen(uow, actor, criteria, None)
    with uow:
        filter_id = uow.cases.save_filter(name, actor.user_id, bool(shared), criteria.to_dict())  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="case.filter_save", target_type="saved_filter",
                                           target_ref=str(filter_id),
                                           details={"shared": bool(shared), "keys": sorted(criteria.to_dict())}))
        uow.commit()
    return filter_id


@service(Permission.CASE_VIEW)
def list_filters(uow: UnitOfWork, actor: Actor) -> list[SavedFilter]:
    """The user's own filters and those others shared (no personal data: not audited)."""
    with uow:
        return uow.cases.filters(actor.user_id)  # type: ignore[attr-defined, no-any-return]


@service(Permission.CASE_VIEW)
def delete_filter(uow: UnitOfWork, actor: Actor, name: str) -> None:
    """Delete one of the user's own filters (a shared filter of another user is refused)."""
    with uow:
        found = uow.cases.find_filter(actor.user_id, name)  # type: ignore[attr-defined]
        uow.cases.delete_filter(actor.user_id, name)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="case.filter_delete", target_type="saved_filter",
                                           target_ref=str(found.id)))
        uow.commit()


@service(Permission.CASE_VIEW)
def find_cases(uow: UnitOfWork, actor: Actor, *, criteria: Criteria | None = None, filter_name: str | None = None,
               on: date, offset: int = 0, limit: int = 200) -> tuple[list[CaseRow], bool]:
    """Open cases matching the criteria (or a saved filter), in worklist order; (rows, more)."""
    if not (0 <= offset and 1 <= limit <= 1000):
        raise ValidationError("表示範囲が正しくありません", field="limit")
    with uow:
        rows = select_cases(uow, _chosen(uow, actor, criteria, filter_name), on=on)
        out = [CaseRow(r["case"], r["atena_no"], getattr(uow.taxpayers.get(r["case"].taxpayer_id), "name_kana", ""),
                       r["honzei_due"], r["periods"], r["oldest_due"]) for r in rows[offset:offset + limit]]
        uow.audit.record(actor, AuditEvent(action="case.search", details={"count": len(out), "matched": len(rows)}))
        uow.commit()
    return out, len(rows) > offset + limit


def _collectable(uow: Any, rows: Sequence[dict[str, Any]], on: date) -> dict[int, list[Any]]:
    """taxpayer id → the periods past their 納期限 still owing something that may be asked for:
    not extinguished (時効 18条, 15条の7④⑤), not under 執行停止 or 徴収猶予・換価の猶予."""
    policy = load_policy(uow)
    owed: dict[int, list[Any]] = {}
    for i in range(0, len(rows), _CHUNK):
        chunk = rows[i:i + _CHUNK]
        periods = [a for a in uow.ledger.unpaid_periods([r["case"].taxpayer_id for r in chunk]) if a.due_date < on]
        for v in period_views(uow, periods, on, policy):
            if v.balance.total_due > 0 and not (v.extinct or v.deferred or v.suspended):
                owed.setdefault(v.assessment.taxpayer_id, []).append(v)
    return owed


@service(Permission.CASE_EDIT)
def run_reminders(uow: UnitOfWork, actor: Actor, *, criteria: Criteria | None = None,
                  filter_name: str | None = None, on: date) -> ReminderRun:
    """A 催告 経過記録 (12:00 JST of *on*) on every selected case owing 本税, once per day."""
    with uow:
        rows = select_cases(uow, _chosen(uow, actor, criteria, filter_name), on=on, owing=True)
        owed = _collectable(uow, rows, on)
        rows = [r for r in rows if r["case"].taxpayer_id in owed]  # nothing to ask for: no 催告
        keys = {r["case"].id: f"reminder:{on.isoformat()}:{r['case'].id}" for r in rows}
        known = uow.cases.known_source_keys(list(keys.values()))  # type: ignore[attr-defined]
        recorded: list[int] = []
        already = stopped = 0
        for r in rows:
            case_id = r["case"].id
            taxpayer = uow.taxpayers.get(r["case"].taxpayer_id)
            if taxpayer is None or taxpayer.flags.saikoku_teishi:
                stopped += 1
            elif keys[case_id] in known:
                already += 1
            else:
                append_record(uow, actor, case_id, RecordKind.REMINDER, at_noon(on), content=None, source="system",
                              source_key=keys[case_id])
                recorded.append(case_id)
        details = {"selected": len(rows), "recorded": len(recorded), "already": already, "stopped": stopped}
        uow.audit.record(actor, AuditEvent(action="case.reminders", target_type="batch", target_ref=on.isoformat(),
                                           details=details))
        uow.commit()
    return ReminderRun(on, len(rows), len(recorded), already, stopped, tuple(recorded))


def _call_targets(uow: Any, criteria: Criteria | None, on: date) -> list[CallTarget]:
    chosen = criteria if criteria and criteria.statuses else replace(criteria or Criteria(), statuses=CALL_STATUSES)
    rows = select_cases(uow, chosen, on=on, owing=True)
    owed = _collectable(uow, rows, on)
    targets: list[CallTarget] = []
    for r in rows:
        case_, mine = r["case"], owed.get(r["case"].taxpayer_id, [])
        taxpayer = uow.taxpayers.get(case_.taxpayer_id) if mine else None
        if taxpayer is None or taxpayer.flags.saikoku_teishi or not taxpayer.phone:
            continue
        targets.append(CallTarget(case_.id, r["atena_no"], taxpayer.name_kana, taxpayer.phone,
                                  sum(v.balance.total_due for v in mine), len(mine),
                                  min(v.assessment.due_date for v in mine), case_.officer))
    return targets


@service(Permission.CASE_VIEW)
def callcenter_targets(uow: UnitOfWork, actor: Actor, *, month: str, criteria: Criteria | None = None, on: date,
                       write: Callable[[list[CallTarget]], str] | None = None,
                       file_name: str | None = None) -> list[CallTarget]:
    """The month's 催告対象 (statuses 未着手・折衝中・分納中 unless the criteria name others; never
    催告停止 or without a phone). The caller checks the export rule — unless *write* is given: then it
    is checked here and *write(targets)* writes the file, returning its SHA-256 for the audit."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise ValidationError("対象月は YYYY-MM の形式です", field="month")
    if write is not None:
        check_export(uow, actor, "callcenter.export")
    with uow:
        targets = _call_targets(uow, criteria, on)
        written = {"file": file_name, "sha256": write(targets)} if write is not None else {}
        uow.audit.record(actor, AuditEvent(action="callcenter.export", target_type="month", target_ref=month,
                                           details={"records": len(targets), **written}))
        uow.commit()
    return targets


def _problem(uow: Any, record: CallRecord, now: datetime, cases: dict[int, Any]) -> str | None:
    if record.direction not in DIRECTION_LABELS or record.result not in RESULT_LABELS \
            or record.counterpart not in {None, *(c.value for c in Counterpart)}:
        return "区分・結果・相手のいずれかが不明です"
    if record.called_at.tzinfo is None or record.called_at > now + timedelta(minutes=5):
        return "架電日時が未来か、タイムゾーンがありません"  # the file format checks the rest
    if record.case_no not in cases:
        try:
            case_ = uow.cases.get(record.case_no)
            cases[record.case_no] = (case_, uow.taxpayers.get_by_id_atena(case_.taxpayer_id))
        except NotFound:
            cases[record.case_no] = None
    found = cases[record.case_no]
    if found is None:
        return "案件番号が見つかりません"
    if found[0].status is CaseStatus.CLOSED:
        return "案件は完結しています"
    if found[1] != record.atena_no:
        return "宛名番号が案件の納税者と一致しません"
    return None


def _content(r: CallRecord) -> str:
    """区分・結果, the centre's 内容 and the promise, as one line."""
    promise = "、".join(([f"約束日 {r.promised_on.isoformat()}"] if r.promised_on else [])
                       + ([f"約束額 {r.promised_amount:,}円"] if r.promised_amount else []))
    return (f"{DIRECTION_LABELS[r.direction]}・{RESULT_LABELS[r.result]}" + (f"：{r.content}" if r.content else "")
            + (f"（{promise}）" if promise else ""))


@service(Permission.CASE_EDIT)
def import_call_records(uow: UnitOfWork, actor: Actor, records: Sequence[CallRecord], *, sha256: str,
                        file_name: str, now: datetime) -> CallImportSummary:
    """Store the centre's 折衝記録 as センター 経過記録, all or nothing."""
    records = list(records)
    summary = CallImportSummary(file_name, sha256, len(records))
    with uow:
        previous = uow.batches.find("callcenter", sha256)  # type: ignore[attr-defined]
        if previous is not None:
            uow.audit.record(actor, AuditEvent(action="callcenter.import", outcome="denied", details={
                "file": file_name, "sha256": sha256, "reason": "already_imported", "first_batch": previous["id"]}))
            uow.commit()
            return replace(summary, records=previous["records"], already_imported=True, batch_id=previous["id"])
        keys = [f"callcenter:{r.record_key}" for r in records]
        known = uow.cases.known_source_keys(keys)  # type: ignore[attr-defined]
        problems: list[str] = []
        fresh: list[CallRecord] = []
        seen: set[str] = set()
        cases: dict[int, Any] = {}  # case no → (case, atena no) | None
        for record, key in zip(records, keys, strict=True):
            if record.record_key in seen:
                problems.append(f"記録キー {record.record_key}: 記録キーが重複しています")
            elif key not in known and (problem := _problem(uow, record, now, cases)):
                problems.append(f"記録キー {record.record_key}: {problem}")
            elif key not in known:
                fresh.append(record)
            seen.add(record.record_key)
        if problems:
            raise ValidationError("折衝記録を取り込めません（何も反映していません）:\n" + "\n".join(problems),
                                  field="file")
        for record in sorted(fresh, key=lambda r: (r.called_at, r.record_key)):
            append_record(uow, actor, record.case_no, RecordKind.CALLCENTER, record.called_at,
                          content=_content(record), who=Counterpart(record.counterpart) if record.counterpart else None,
                          next_action_on=record.promised_on, source="callcenter",
                          source_key=f"callcenter:{record.record_key}")
        summary = replace(summary, applied=len(fresh), skipped=len(records) - len(fresh),
                          cases=len({r.case_no for r in fresh}))
        details = {k: v for k, v in asdict(summary).items() if k not in ("already_imported", "batch_id")}
        batch_id = uow.batches.add("callcenter", sha256, file_name, len(records), details)  # type: ignore[attr-defined]
        uow.audit.record(actor, AuditEvent(action="callcenter.import", target_type="import_batch",
                                           target_ref=str(batch_id), details=details))
        uow.commit()
    return replace(summary, batch_id=batch_id)
