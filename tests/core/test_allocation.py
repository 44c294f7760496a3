"""消込 (SPEC §4.4, §4.10): worked cases, then properties.

Default policy 本税 → 延滞金 → 督促手数料 (consistent with 地方税法326条②: 本税
paid first lowers the 延滞金 base from the next day). H / E / F below stand for
本税 / 延滞金 / 督促手数料.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.payment import Component
from core.errors import ValidationError
from core.rules.allocation import (
    DEFAULT_POLICY,
    AllocationPlan,
    AllocationPolicy,
    Due,
    Part,
    allocate_oldest_first,
    allocate_to_period,
)

H, E, F = Component.HONZEI, Component.ENTAIKIN, Component.DUNNING_FEE
ENTAIKIN_FIRST = AllocationPolicy("2026-02", (E, H, F))


def due(aid: int, statutory: str, owed: tuple[int, int, int], due_date: str | None = None) -> Due:
    return Due(aid, date.fromisoformat(statutory), date.fromisoformat(due_date or statutory),
               {H: owed[0], E: owed[1], F: owed[2]})


def rows(plan: AllocationPlan) -> list[tuple[int, str, int]]:
    return [(p.assessment_id, p.component.value, p.amount) for p in plan.parts]


class TestPolicy:
    def test_default_is_honzei_entaikin_fee(self) -> None:
        assert DEFAULT_POLICY.order == (H, E, F)
        assert DEFAULT_POLICY.version == "2026-01"

    def test_round_trip_through_the_stored_setting(self) -> None:
        stored = ENTAIKIN_FIRST.to_dict()
        assert stored == {"version": "2026-02", "order": ["entaikin", "honzei", "dunning_fee"]}
        assert AllocationPolicy.from_dict(stored) == ENTAIKIN_FIRST

    def test_strings_are_converted_to_components(self) -> None:
        policy = AllocationPolicy("v", ("dunning_fee", "honzei", "entaikin"))  # type: ignore[arg-type]
        assert policy.order == (F, H, E)
        assert all(isinstance(c, Component) for c in policy.order)

    @pytest.mark.parametrize(
        ("order", "message"),
        [
            ((H, H, E, F), "本税が重複"),
            ((H, E), "督促手数料がありません"),
            ((H, E, F, "penalty"), "充当区分「penalty」"),
            ((), "本税がありません"),
            ("honzei", "並び"),
        ],
    )
    def test_each_component_exactly_once(self, order: object, message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            AllocationPolicy("v", order)  # type: ignore[arg-type]

    @pytest.mark.parametrize("version", ["", "   ", None, 1])
    def test_version_is_required(self, version: object) -> None:
        with pytest.raises(ValidationError, match="版"):
            AllocationPolicy(version, (H, E, F))  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"order": ["honzei", "entaikin", "dunning_fee"]}, "「version」がありません"),
            ({"version": "v"}, "「order」がありません"),
            ({"version": "v", "order": "honzei"}, "並び"),
            ({"version": "v", "order": ["honzei", "entaikin", "dunning_fee"], "x": 1}, "不明な項目"),
            (["version", "order"], "辞書形式"),
        ],
    )
    def test_from_dict_rejects_malformed_settings(self, data: object, message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            AllocationPolicy.from_dict(data)  # type: ignore[arg-type]


class TestDue:
    def test_missing_components_owe_nothing_and_the_mapping_is_frozen(self) -> None:
        d = Due(1, date(2025, 6, 30), date(2025, 6, 30), {H: 5_000})
        assert dict(d.outstanding) == {H: 5_000, E: 0, F: 0}
        assert d.total == 5_000
        with pytest.raises(TypeError):
            d.outstanding[H] = 1  # type: ignore[index]

    def test_string_keys_are_accepted(self) -> None:
        d = Due(1, date(2025, 6, 30), date(2025, 6, 30), {"honzei": 10, "entaikin": 2})  # type: ignore[dict-item]
        assert d.outstanding[H] == 10 and d.outstanding[E] == 2

    @pytest.mark.parametrize(
        ("outstanding", "message"),
        [
            ({H: -1}, "0円以上"),
            ({H: 1.5}, "整数"),
            ({H: True}, "整数"),
            ({"tax": 1}, "充当区分"),
        ],
    )
    def test_bad_amounts(self, outstanding: dict[object, object], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            Due(1, date(2025, 6, 30), date(2025, 6, 30), outstanding)  # type: ignore[arg-type]

    def test_statutory_due_date_after_due_date_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="法定納期限が納期限より後"):
            Due(1, date(2025, 7, 31), date(2025, 6, 30), {H: 1})

    def test_datetime_is_not_a_date(self) -> None:
        with pytest.raises(ValidationError, match="日付"):
            Due(1, datetime(2025, 6, 30), date(2025, 6, 30), {H: 1})


class TestToPeriod:
    """A payment naming its period (納付書, 口座振替, eL-QR)."""

    D = due(7, "2025-06-30", (50_000, 1_200, 100))

    def test_exact_payment_fills_every_component(self) -> None:
        plan = allocate_to_period(51_300, self.D)
        assert rows(plan) == [(7, "honzei", 50_000), (7, "entaikin", 1_200), (7, "dunning_fee", 100)]
        assert plan.excess == 0 and plan.policy_version == "2026-01" and plan.allocated == 51_300

    def test_short_payment_goes_to_honzei_only(self) -> None:
        plan = allocate_to_period(30_000, self.D)
        assert rows(plan) == [(7, "honzei", 30_000)]
        assert plan.excess == 0

    def test_short_payment_past_honzei_reaches_entaikin(self) -> None:
        plan = allocate_to_period(50_500, self.D)
        assert rows(plan) == [(7, "honzei", 50_000), (7, "entaikin", 500)]

    def test_overpayment_is_excess(self) -> None:  # 過納
        plan = allocate_to_period(60_000, self.D)
        assert plan.allocated == 51_300 and plan.excess == 8_700

    def test_period_already_fully_paid_is_all_excess(self) -> None:  # 誤納・二重納付
        plan = allocate_to_period(51_300, due(7, "2025-06-30", (0, 0, 0)))
        assert plan.parts == () and plan.excess == 51_300

    def test_zero_components_are_omitted(self) -> None:
        plan = allocate_to_period(50_100, due(7, "2025-06-30", (50_000, 0, 100)))
        assert rows(plan) == [(7, "honzei", 50_000), (7, "dunning_fee", 100)]

    def test_zero_payment_gives_an_empty_plan(self) -> None:
        plan = allocate_to_period(0, self.D)
        assert plan.parts == () and plan.excess == 0

    def test_custom_policy_entaikin_first(self) -> None:
        plan = allocate_to_period(1_000, self.D, ENTAIKIN_FIRST)
        assert rows(plan) == [(7, "entaikin", 1_000)]
        assert plan.policy_version == "2026-02"
        plan = allocate_to_period(20_000, self.D, ENTAIKIN_FIRST)
        assert rows(plan) == [(7, "entaikin", 1_200), (7, "honzei", 18_800)]

    def test_fee_first_policy(self) -> None:
        plan = allocate_to_period(150, self.D, AllocationPolicy("fee", (F, H, E)))
        assert rows(plan) == [(7, "dunning_fee", 100), (7, "honzei", 50)]

    def test_for_assessment_view(self) -> None:
        plan = allocate_to_period(50_500, self.D)
        assert plan.for_assessment(7) == {H: 50_000, E: 500}
        assert plan.for_assessment(8) == {}

    @pytest.mark.parametrize("amount", [-1, 1.0, True, "100"])
    def test_bad_amount(self, amount: object) -> None:
        with pytest.raises(ValidationError, match="納付額"):
            allocate_to_period(amount, self.D)  # type: ignore[arg-type]

    def test_bad_due_or_policy(self) -> None:
        with pytest.raises(ValidationError, match="Due"):
            allocate_to_period(1, {"honzei": 1})  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="AllocationPolicy"):
            allocate_to_period(1, self.D, (H, E, F))  # type: ignore[arg-type]


class TestOldestFirst:
    """A payment naming no period (窓口 lump sum, seizure proceeds)."""

    def test_lump_sum_over_three_years(self) -> None:
        # Given newest first on purpose; FY2022 → FY2023 → FY2024 by 法定納期限.
        dues = [
            due(30, "2024-06-30", (40_000, 0, 100)),
            due(10, "2022-06-30", (30_000, 4_000, 100)),
            due(20, "2023-06-30", (35_000, 2_000, 100)),
        ]
        plan = allocate_oldest_first(80_000, dues)
        assert rows(plan) == [
            (10, "honzei", 30_000), (10, "entaikin", 4_000), (10, "dunning_fee", 100),  # 34,100
            (20, "honzei", 35_000), (20, "entaikin", 2_000), (20, "dunning_fee", 100),  # 37,100
            (30, "honzei", 8_800),  # 80,000 - 71,200
        ]
        assert plan.excess == 0

    def test_lump_sum_beyond_everything_owed(self) -> None:
        dues = [due(1, "2022-06-30", (1_000, 0, 0)), due(2, "2023-06-30", (2_000, 0, 100))]
        plan = allocate_oldest_first(5_000, dues)
        assert plan.allocated == 3_100 and plan.excess == 1_900

    def test_fully_paid_periods_are_skipped(self) -> None:
        dues = [due(1, "2022-06-30", (0, 0, 0)), due(2, "2023-06-30", (2_000, 0, 0))]
        assert rows(allocate_oldest_first(500, dues)) == [(2, "honzei", 500)]

    def test_no_dues_means_all_excess(self) -> None:
        plan = allocate_oldest_first(500, [])
        assert plan.parts == () and plan.excess == 500

    def test_custom_policy_applies_within_each_period(self) -> None:
        dues = [due(1, "2022-06-30", (3_000, 1_000, 100)), due(2, "2023-06-30", (3_000, 1_500, 0))]
        plan = allocate_oldest_first(5_600, dues, ENTAIKIN_FIRST)
        assert rows(plan) == [(1, "entaikin", 1_000), (1, "honzei", 3_000), (1, "dunning_fee", 100),
                              (2, "entaikin", 1_500)]

    def test_statutory_due_date_decides_before_due_date(self) -> None:
        # 更正 raising an FY2023 period: 法定納期限 2023-04-30 kept, 納期限 2024-01-31.
        late_notice = due(5, "2023-04-30", (1_000, 0, 0), due_date="2024-01-31")
        other = due(4, "2023-05-31", (1_000, 0, 0))
        assert rows(allocate_oldest_first(1_500, [other, late_notice])) == [(5, "honzei", 1_000), (4, "honzei", 500)]

    def test_tie_on_statutory_due_date_goes_to_the_earlier_due_date(self) -> None:
        a = due(1, "2023-04-30", (1_000, 0, 0), due_date="2023-09-30")
        b = due(2, "2023-04-30", (1_000, 0, 0), due_date="2023-06-30")
        assert rows(allocate_oldest_first(1_200, [a, b])) == [(2, "honzei", 1_000), (1, "honzei", 200)]

    def test_full_tie_goes_to_the_lower_assessment_id(self) -> None:
        a = due(9, "2023-04-30", (1_000, 0, 0))
        b = due(3, "2023-04-30", (1_000, 0, 0))
        assert rows(allocate_oldest_first(1_200, [a, b])) == [(3, "honzei", 1_000), (9, "honzei", 200)]

    def test_same_period_twice_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="重複"):
            allocate_oldest_first(100, [due(1, "2022-06-30", (100, 0, 0))] * 2)

    def test_dues_must_be_a_sequence_of_due(self) -> None:
        with pytest.raises(ValidationError, match="並び"):
            allocate_oldest_first(100, "dues")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="Due"):
            allocate_oldest_first(100, [1])  # type: ignore[list-item]

    def test_part_is_a_plain_value(self) -> None:
        assert Part(1, H, 5) == Part(1, H, 5)


# ---------------------------------------------------------------- properties

policies = st.permutations(list(Component)).map(lambda order: AllocationPolicy("p", tuple(order)))
yen = st.integers(min_value=0, max_value=200_000)


@st.composite
def due_lists(draw: st.DrawFn) -> list[Due]:
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=6))
    result = []
    for aid in ids:
        statutory = draw(st.dates(date(2015, 1, 1), date(2026, 12, 31)))
        due_date = statutory + draw(st.timedeltas(min_value=date.resolution * 0, max_value=date.resolution * 400))
        owed = {comp: draw(yen) for comp in draw(st.sets(st.sampled_from(list(Component))))}
        result.append(Due(aid, statutory, due_date, owed))
    return result


def check_invariants(plan: AllocationPlan, amount: int, dues: list[Due]) -> None:
    owed = {(d.assessment_id, c): d.outstanding[c] for d in dues for c in Component}
    keys = [(p.assessment_id, p.component) for p in plan.parts]
    assert sum(p.amount for p in plan.parts) + plan.excess == amount  # money conserved
    assert plan.excess >= 0
    assert len(keys) == len(set(keys))  # each (assessment, component) at most once
    for part in plan.parts:
        assert part.amount > 0  # never zero, never negative
        assert part.amount <= owed[(part.assessment_id, part.component)]  # never more than owed
    if plan.excess > 0:  # an overpayment only once everything is paid
        assert plan.allocated == sum(owed.values())


def remaining(plan: AllocationPlan, d: Due) -> dict[Component, int]:
    got = plan.for_assessment(d.assessment_id)
    return {c: d.outstanding[c] - got.get(c, 0) for c in Component}


@settings(max_examples=300)
@given(st.integers(0, 1_500_000), due_lists(), policies)
def test_oldest_first_properties(amount: int, dues: list[Due], policy: AllocationPolicy) -> None:
    plan = allocate_oldest_first(amount, dues, policy)
    check_invariants(plan, amount, dues)
    assert plan.policy_version == "p"
    ordered = sorted(dues, key=lambda d: (d.statutory_due_date, d.due_date, d.assessment_id))
    for i, earlier in enumerate(ordered):
        if sum(remaining(plan, earlier).values()) > 0:  # still owes after allocation …
            for later in ordered[i + 1:]:  # … so no later period received anything
                assert plan.for_assessment(later.assessment_id) == {}
    # parts come out oldest first, and in policy order within a period
    rank = {d.assessment_id: i for i, d in enumerate(ordered)}
    keys = [(rank[p.assessment_id], policy.order.index(p.component)) for p in plan.parts]
    assert keys == sorted(keys)


@settings(max_examples=300)
@given(st.integers(0, 700_000), due_lists().filter(bool), policies)
def test_to_period_properties(amount: int, dues: list[Due], policy: AllocationPolicy) -> None:
    target = dues[0]
    plan = allocate_to_period(amount, target, policy)
    check_invariants(plan, amount, [target])
    assert {p.assessment_id for p in plan.parts} <= {target.assessment_id}
    left = remaining(plan, target)
    for i, comp in enumerate(policy.order):  # a later component only once earlier ones are paid
        if left[comp] > 0:
            assert all(plan.for_assessment(target.assessment_id).get(c, 0) == 0 for c in policy.order[i + 1:])
    # the same as a lump sum over just that period
    assert allocate_oldest_first(amount, [target], policy) == plan


@given(due_lists(), st.integers(0, 1_500_000))
def test_every_policy_allocates_the_same_total(dues: list[Due], amount: int) -> None:
    totals = {allocate_oldest_first(amount, dues, AllocationPolicy("x", order)).allocated
              for order in permutations(Component)}
    assert len(totals) == 1


@given(st.builds(AllocationPolicy, st.text(min_size=1).filter(str.strip), st.permutations(list(Component)).map(tuple)))
def test_policy_setting_round_trip(policy: AllocationPolicy) -> None:
    assert AllocationPolicy.from_dict(policy.to_dict()) == policy
