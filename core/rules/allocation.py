"""消込 — how a payment is split over the periods and components it pays (SPEC §4.4).

Two situations:

- **A payment naming its period** (納付書, 口座振替, eL-QR): :func:`allocate_to_period`
  fills that period's components in the policy order; whatever is left is
  ``excess`` — an overpayment (過納; for a period already fully paid 誤納 / 二重納付),
  never a negative balance (SPEC §4.4, §4.5).
- **A payment naming no period** (窓口 lump sum, seizure proceeds — SPEC §4.10):
  :func:`allocate_oldest_first` fills whole periods, oldest 法定納期限 first
  (ties: earlier 納期限, then the lower assessment id), each period in the
  policy order, before anything goes to a newer period. The remainder is
  ``excess``.

Component order (:class:`AllocationPolicy`) is municipal policy, stored as a
setting; the default is 本税 → 延滞金 → 督促手数料. Paying 本税 first is what
地方税法326条② rewards: every yen of 本税 paid lowers the base of the 延滞金 from
the day after the payment, so the taxpayer's 延滞金 stops growing on that part,
whereas a yen applied to 延滞金 first leaves the base — and the accrual — where
it was. (For national taxes 国税通則法62条② makes 本税-first statutory.) The
version of the policy used is carried on every plan so each allocation can
record it.

The 延滞金 in :class:`Due` is computed by the caller for the payment date
(:func:`core.rules.entaikin.compute_entaikin` with ``until`` = that date);
this module only splits money. Guarantees: no part exceeds what its component
owes, no part is zero or negative, each (period, component) appears at most
once, and ``sum(parts) + excess == amount``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from core.domain.payment import Component
from core.errors import ValidationError

__all__ = [
    "DEFAULT_POLICY",
    "AllocationPlan",
    "AllocationPolicy",
    "Due",
    "Part",
    "allocate_oldest_first",
    "allocate_to_period",
]

_LABELS: dict[Component, str] = {
    Component.HONZEI: "本税",
    Component.ENTAIKIN: "延滞金",
    Component.DUNNING_FEE: "督促手数料",
}


def _component(value: object, field_name: str) -> Component:
    if isinstance(value, Component):
        return value
    if isinstance(value, str):
        try:
            return Component(value)
        except ValueError:
            pass
    raise ValidationError(f"充当区分「{value}」は本税・延滞金・督促手数料のいずれでもありません", field=field_name)


def _yen(value: object, label: str, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{label}は整数（円）で指定してください", field=field_name)
    if value < 0:
        raise ValidationError(f"{label}は0円以上で指定してください", field=field_name)
    return value


def _date(value: object, label: str, field_name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(f"{label}は日付で指定してください", field=field_name)
    return value


@dataclass(frozen=True, slots=True)
class AllocationPolicy:
    """The order in which a period's components are filled, with its version.

    *order* names every :class:`~core.domain.payment.Component` exactly once
    (strings such as ``"honzei"`` are accepted and converted).
    """

    version: str
    order: tuple[Component, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise ValidationError("充当順序の版（version）を指定してください", field="version")
        if isinstance(self.order, (str, bytes)) or not isinstance(self.order, Sequence):
            raise ValidationError("充当順序は区分の並びで指定してください", field="order")
        order = tuple(_component(item, "order") for item in self.order)
        for comp in Component:
            count = order.count(comp)
            if count > 1:
                raise ValidationError(f"充当順序に{_LABELS[comp]}が重複しています", field="order")
            if count == 0:
                raise ValidationError(f"充当順序に{_LABELS[comp]}がありません", field="order")
        object.__setattr__(self, "order", order)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AllocationPolicy:
        """From the stored setting ``{"version": "2026-01", "order": ["honzei", …]}``."""
        if not isinstance(data, Mapping):
            raise ValidationError("充当順序の設定が辞書形式ではありません", field="allocation_policy")
        for key in ("version", "order"):
            if key not in data:
                raise ValidationError(f"充当順序の設定に「{key}」がありません", field=key)
        unknown = sorted(set(data) - {"version", "order"})
        if unknown:
            raise ValidationError(f"充当順序の設定に不明な項目があります（{', '.join(map(str, unknown))}）",
                                  field="allocation_policy")
        order = data["order"]
        if isinstance(order, (str, bytes)) or not isinstance(order, Sequence):
            raise ValidationError("充当順序は区分の並びで指定してください", field="order")
        return cls(version=data["version"], order=tuple(order))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready setting (inverse of :meth:`from_dict`)."""
        return {"version": self.version, "order": [comp.value for comp in self.order]}


#: SPEC §4.4: 本税 → 延滞金 → 督促手数料.
DEFAULT_POLICY = AllocationPolicy("2026-01", (Component.HONZEI, Component.ENTAIKIN, Component.DUNNING_FEE))


@dataclass(frozen=True, slots=True)
class Due:
    """What one period (期別) still owes, per component, on the payment date.

    Missing components owe 0. ``outstanding`` is copied into a read-only mapping.
    """

    assessment_id: int
    statutory_due_date: date
    due_date: date
    outstanding: Mapping[Component, int]

    def __post_init__(self) -> None:
        if isinstance(self.assessment_id, bool) or not isinstance(self.assessment_id, int):
            raise ValidationError("調定（期別）のIDは整数で指定してください", field="assessment_id")
        _date(self.statutory_due_date, "法定納期限", "statutory_due_date")
        _date(self.due_date, "納期限", "due_date")
        if self.statutory_due_date > self.due_date:
            raise ValidationError("法定納期限が納期限より後です", field="statutory_due_date")
        if not isinstance(self.outstanding, Mapping):
            raise ValidationError("未納額は区分ごとの金額で指定してください", field="outstanding")
        owed: dict[Component, int] = {comp: 0 for comp in Component}
        for key, value in self.outstanding.items():
            comp = _component(key, "outstanding")
            owed[comp] = _yen(value, f"{_LABELS[comp]}の未納額", "outstanding")
        object.__setattr__(self, "outstanding", MappingProxyType(owed))

    @property
    def total(self) -> int:
        """Everything the period still owes."""
        return sum(self.outstanding.values())


@dataclass(frozen=True, slots=True)
class Part:
    """``amount`` 円 of a payment applied to one component of one period."""

    assessment_id: int
    component: Component
    amount: int


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    """The parts a payment is split into; ``excess`` is the overpayment (過納・誤納)."""

    parts: tuple[Part, ...]
    excess: int
    policy_version: str

    @property
    def allocated(self) -> int:
        """The amount applied to debts (``amount - excess``)."""
        return sum(part.amount for part in self.parts)

    def for_assessment(self, assessment_id: int) -> dict[Component, int]:
        """The amounts applied to one period, by component (absent → not listed)."""
        return {p.component: p.amount for p in self.parts if p.assessment_id == assessment_id}


def _policy(policy: object) -> AllocationPolicy:
    if not isinstance(policy, AllocationPolicy):
        raise ValidationError("充当順序（AllocationPolicy）を指定してください", field="policy")
    return policy


def _fill(remaining: int, due: Due, policy: AllocationPolicy, parts: list[Part]) -> int:
    """Apply up to *remaining* 円 to *due* in policy order; return what is left."""
    for comp in policy.order:
        if remaining == 0:
            break
        take = min(remaining, due.outstanding[comp])
        if take > 0:
            parts.append(Part(due.assessment_id, comp, take))
            remaining -= take
    return remaining


def allocate_to_period(amount: int, due: Due, policy: AllocationPolicy = DEFAULT_POLICY) -> AllocationPlan:
    """Split a payment that names its period (SPEC §4.4).

    The period's components are filled in ``policy.order``, each up to what it
    owes; the rest is ``excess`` (過納). A period already fully paid takes
    nothing: the whole amount is ``excess`` (誤納 / 二重納付). *amount* ≥ 0.
    """
    amount = _yen(amount, "納付額", "amount")
    if not isinstance(due, Due):
        raise ValidationError("充当先の期別（Due）を指定してください", field="due")
    policy = _policy(policy)
    parts: list[Part] = []
    excess = _fill(amount, due, policy, parts)
    return AllocationPlan(tuple(parts), excess, policy.version)


def allocate_oldest_first(
    amount: int, dues: Sequence[Due], policy: AllocationPolicy = DEFAULT_POLICY
) -> AllocationPlan:
    """Split a payment naming no period over *dues*, oldest first (SPEC §4.4, §4.10).

    Periods are taken by 法定納期限, then 納期限, then assessment id; each is
    filled completely in ``policy.order`` before the next receives anything.
    The rest is ``excess``. The same assessment may not appear twice in *dues*.
    """
    amount = _yen(amount, "納付額", "amount")
    if isinstance(dues, (str, bytes)) or not isinstance(dues, Sequence):
        raise ValidationError("充当先の期別は並びで指定してください", field="dues")
    seen: set[int] = set()
    for due in dues:
        if not isinstance(due, Due):
            raise ValidationError("充当先の期別（Due）を指定してください", field="dues")
        if due.assessment_id in seen:
            raise ValidationError(f"充当先に同じ期別（ID {due.assessment_id}）が重複しています", field="dues")
        seen.add(due.assessment_id)
    policy = _policy(policy)
    ordered = sorted(dues, key=lambda d: (d.statutory_due_date, d.due_date, d.assessment_id))
    parts: list[Part] = []
    remaining = amount
    for due in ordered:
        if remaining == 0:
            break
        remaining = _fill(remaining, due, policy, parts)
    return AllocationPlan(tuple(parts), remaining, policy.version)
