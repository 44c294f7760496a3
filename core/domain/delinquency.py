"""滞納整理 records (SPEC §3): cases, 経過記録, plans, investigations, dispositions,
suspensions, write-offs. Free text is personal data: reprs never show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from core.rules.installments import Instalment

__all__ = [
    "CaseStatus", "RecordKind", "Counterpart", "PropertyKind", "DispositionKind", "DispositionState",
    "SuspensionState", "WriteoffReason", "TAG_COLOURS",
    "Case", "Tag", "CaseRecord", "Plan", "Investigation", "Disposition", "Suspension", "WriteoffItem",
    "WriteoffRun", "SavedFilter",
]


class CaseStatus(StrEnum):
    OPEN = "open"  # 未着手
    CONTACT = "contact"  # 折衝中
    PLAN = "plan"  # 分納中
    DISPOSITION = "disposition"  # 処分中
    SUSPENDED = "suspended"  # 執行停止中
    CLOSED = "closed"  # 完結


class RecordKind(StrEnum):
    VISIT = "visit"  # 来庁
    PHONE = "phone"  # 電話
    HOME_VISIT = "home_visit"  # 訪問
    LETTER = "letter"  # 文書送付
    REMINDER = "reminder"  # 催告
    INVESTIGATION = "investigation"  # 財産調査
    SEIZURE = "seizure"  # 差押
    DEMAND = "demand"  # 交付要求
    PLAN = "plan"  # 分納
    SUSPENSION = "suspension"  # 執行停止
    CALLCENTER = "callcenter"  # センター
    NOTE = "note"  # メモ


class Counterpart(StrEnum):
    SELF = "self"  # 本人
    FAMILY = "family"  # 家族
    AGENT = "agent"  # 代理人
    EMPLOYER = "employer"  # 勤務先
    INSTITUTION = "institution"  # 金融機関等
    OTHER = "other"  # その他


class PropertyKind(StrEnum):
    DEPOSIT = "deposit"  # 預金
    SALARY = "salary"  # 給与
    INSURANCE = "insurance"  # 生命保険
    REAL_ESTATE = "real_estate"  # 不動産
    VEHICLE = "vehicle"  # 自動車
    RECEIVABLE = "receivable"  # 債権
    OTHER = "other"  # その他


class DispositionKind(StrEnum):
    SEIZURE = "seizure"  # 差押
    PARTICIPATION = "participation"  # 参加差押
    DEMAND = "demand"  # 交付要求


class DispositionState(StrEnum):
    PROPOSED = "proposed"  # 起案
    IN_FORCE = "in_force"  # 差押中
    COLLECTED = "collected"  # 取立済
    REALISED = "realised"  # 換価済
    RELEASED = "released"  # 解除
    REJECTED = "rejected"  # 否決


class SuspensionState(StrEnum):
    PROPOSED = "proposed"
    IN_FORCE = "in_force"
    CANCELLED = "cancelled"  # 15条の8
    EXTINGUISHED = "extinguished"  # 15条の7④⑤
    REJECTED = "rejected"


class WriteoffReason(StrEnum):
    PRESCRIPTION = "prescription"  # 時効 (18条)
    SUSPENSION_3Y = "suspension_3y"  # 執行停止3年 (15条の7④)
    IMMEDIATE = "immediate"  # 即時消滅 (15条の7⑤)


TAG_COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "gray")


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    taxpayer_id: int
    status: CaseStatus
    officer: str | None
    team: str | None
    priority: int
    next_action_on: date | None
    opened_on: date
    opened_reason: str
    closed_on: date | None
    version: int


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    case_id: int
    colour: str
    text: str
    end_on: date | None

    def __repr__(self) -> str:
        return f"Tag(id={self.id}, colour={self.colour!r})"

    def live(self, today: date) -> bool:
        return self.end_on is None or today <= self.end_on


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: int
    case_id: int
    kind: RecordKind
    occurred_at: datetime
    counterpart: Counterpart | None
    content: str | None
    next_action_on: date | None
    source: str
    created_by: str

    def __repr__(self) -> str:
        return f"CaseRecord(id={self.id}, kind={self.kind.value!r})"


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    case_id: int
    taxpayer_id: int
    pledged_on: date
    status: str  # active | defaulted | completed | cancelled (as last recorded)
    total: int
    grace_days: int
    assessment_ids: tuple[int, ...]
    schedule: tuple[Instalment, ...]
    ended_on: date | None
    version: int


@dataclass(frozen=True, slots=True)
class Investigation:
    id: int
    case_id: int
    target: PropertyKind
    institution: str
    requested_on: date
    answered_on: date | None
    result: str  # pending | found | none
    finding: str | None
    value: int | None

    def __repr__(self) -> str:
        return f"Investigation(id={self.id}, target={self.target.value!r}, result={self.result!r})"


@dataclass(frozen=True, slots=True)
class Disposition:
    id: int
    case_id: int
    taxpayer_id: int
    kind: DispositionKind
    property_kind: PropertyKind
    property: str
    start_on: date
    amount: int | None
    state: DispositionState
    proposed_by: str
    approved_by: str | None
    ended_on: date | None
    proceeds: int | None
    payment_id: int | None
    assessment_ids: tuple[int, ...]
    version: int

    def __repr__(self) -> str:
        return f"Disposition(id={self.id}, kind={self.kind.value!r}, state={self.state.value!r})"

    @property
    def in_force(self) -> bool:
        return self.state is DispositionState.IN_FORCE


@dataclass(frozen=True, slots=True)
class Suspension:
    id: int
    case_id: int
    taxpayer_id: int
    ground: int
    immediate: bool
    reason: str
    state: SuspensionState
    proposed_by: str
    decided_by: str | None
    decided_on: date | None
    cancelled_on: date | None
    extinguished_on: date | None
    assessment_ids: tuple[int, ...]
    version: int

    def __repr__(self) -> str:
        return f"Suspension(id={self.id}, ground={self.ground}, state={self.state.value!r})"


@dataclass(frozen=True, slots=True)
class WriteoffItem:
    assessment_id: int
    component: str
    amount: int
    reason: WriteoffReason
    extinguished_on: date


@dataclass(frozen=True, slots=True)
class WriteoffRun:
    id: int
    fiscal_year: int
    status: str
    items: int
    total: int
    proposed_by: str
    approved_by: str | None
    lines: tuple[WriteoffItem, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SavedFilter:
    id: int
    name: str
    owner: str
    shared: bool
    criteria: dict[str, object]
