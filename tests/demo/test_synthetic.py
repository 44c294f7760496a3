"""Tests for storage.demo.synthetic — the synthetic demo municipality (SPEC §9)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from core.domain.assessment import TaxCode
from core.domain.payment import Channel
from core.domain.taxpayer import ResidentStatus, TaxpayerKind
from core.identifiers import is_valid_corporate_number, is_valid_my_number
from core.text.kana import is_kana_name
from storage.demo import names
from storage.demo.synthetic import (
    PROFILES,
    DemoTaxpayer,
    fiscal_year_of,
    generate,
    is_business_day,
    next_business_day,
)

AS_OF = date(2025, 11, 20)
FW_SPACE = "\u3000"


@pytest.fixture(scope="module")
def town() -> list[DemoTaxpayer]:
    return list(generate(2000, seed=7, as_of=AS_OF))


@pytest.fixture(scope="module")
def early_town() -> list[DemoTaxpayer]:
    """As of just after the start of a fiscal year: most current-year periods not yet due."""
    return list(generate(600, seed=11, as_of=date(2026, 4, 3)))


def individuals(town: list[DemoTaxpayer]) -> list[DemoTaxpayer]:
    return [d for d in town if d.taxpayer.kind is TaxpayerKind.INDIVIDUAL]


def share(items: list[DemoTaxpayer], predicate) -> float:  # type: ignore[no-untyped-def]
    return sum(1 for item in items if predicate(item)) / len(items)


class TestCalendar:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2025, 11, 20), True),  # Thursday
            (date(2025, 11, 22), False),  # Saturday
            (date(2025, 11, 23), False),  # Sunday
            (date(2025, 12, 26), True),  # Friday
            (date(2025, 12, 29), False),  # 年末
            (date(2026, 1, 2), False),  # 年始
            (date(2026, 1, 5), True),
        ],
    )
    def test_weekends_and_the_year_end_holidays_are_not_business_days(self, day: date, expected: bool) -> None:
        assert is_business_day(day) is expected

    def test_a_date_on_a_holiday_moves_to_the_next_business_day(self) -> None:
        assert next_business_day(date(2025, 8, 31)) == date(2025, 9, 1)  # Sunday → Monday
        assert next_business_day(date(2025, 12, 29)) == date(2026, 1, 5)  # 年末年始 and a weekend
        assert next_business_day(date(2025, 6, 30)) == date(2025, 6, 30)

    def test_a_negative_step_finds_the_previous_business_day(self) -> None:
        assert next_business_day(date(2026, 1, 3), -1) == date(2025, 12, 26)

    def test_the_fiscal_year_starts_on_the_first_of_april(self) -> None:
        assert fiscal_year_of(date(2025, 3, 31)) == 2024
        assert fiscal_year_of(date(2025, 4, 1)) == 2025


class TestNameLists:
    def test_the_lists_are_large_enough(self) -> None:
        assert len(names.SURNAMES) >= 150
        assert len(names.MALE_GIVEN_NAMES) >= 100
        assert len(names.FEMALE_GIVEN_NAMES) >= 100
        assert len(names.TOWNS) >= 30

    def test_every_reading_is_a_valid_kana_name(self) -> None:
        pairs = (
            names.SURNAMES
            + names.MALE_GIVEN_NAMES
            + names.FEMALE_GIVEN_NAMES
            + names.CORPORATE_BODIES
            + names.CORPORATE_BUSINESSES
        )
        assert all(len(pair) == 2 and is_kana_name(pair[1]) for pair in pairs)

    def test_readings_include_small_kana(self) -> None:
        readings = {kana for _, kana in names.SURNAMES + names.MALE_GIVEN_NAMES + names.FEMALE_GIVEN_NAMES}
        assert {"ハットリ", "ショウタ", "リョウコ", "キョウコ", "ジュンイチ"} <= readings


class TestDeterminism:
    def test_the_same_seed_gives_the_same_town(self) -> None:
        assert list(generate(300, seed=5, as_of=AS_OF)) == list(generate(300, seed=5, as_of=AS_OF))

    def test_a_different_seed_gives_a_different_town(self) -> None:
        assert list(generate(300, seed=5, as_of=AS_OF)) != list(generate(300, seed=6, as_of=AS_OF))

    def test_exactly_count_taxpayers_are_generated(self) -> None:
        for count in (0, 1, 2, 7, 123):
            assert len(list(generate(count, as_of=AS_OF))) == count

    def test_a_negative_count_is_refused(self) -> None:
        with pytest.raises(ValueError):
            generate(-1, as_of=AS_OF)

    def test_the_municipality_name_heads_resident_addresses(self) -> None:
        town = list(generate(50, seed=2, as_of=AS_OF, municipality_name="さくら町"))
        residents = [d for d in town if d.taxpayer.resident_status is ResidentStatus.RESIDENT]
        assert residents and all(d.taxpayer.address.startswith("さくら町") for d in residents)


class TestUniqueness:
    def test_atena_numbers_are_unique_and_sequential(self, town: list[DemoTaxpayer]) -> None:
        assert [d.taxpayer.atena_no for d in town] == [f"{i:010d}" for i in range(1, len(town) + 1)]

    def test_my_numbers_are_unique(self, town: list[DemoTaxpayer]) -> None:
        numbers = [d.taxpayer.my_number for d in town if d.taxpayer.my_number]
        assert len(numbers) == len(set(numbers))

    def test_corporate_numbers_are_unique(self, town: list[DemoTaxpayer]) -> None:
        numbers = [d.taxpayer.corporate_number for d in town if d.taxpayer.corporate_number]
        assert len(numbers) == len(set(numbers))

    def test_notice_number_and_period_identify_one_period(self, town: list[DemoTaxpayer]) -> None:
        keys = [(p.notice_no, p.period) for d in town for p in d.periods]
        assert len(keys) == len(set(keys))

    def test_one_notice_is_one_taxpayer_tax_and_fiscal_year(self, town: list[DemoTaxpayer]) -> None:
        owners: dict[str, set[tuple[str, TaxCode, int]]] = defaultdict(set)
        for d in town:
            for p in d.periods:
                owners[p.notice_no].add((d.taxpayer.atena_no, p.tax_code, p.fiscal_year))
        assert all(len(owner) == 1 for owner in owners.values())

    def test_payment_source_keys_are_unique(self, town: list[DemoTaxpayer]) -> None:
        keys = [pay.source_key for d in town for p in d.periods for pay in p.payments]
        assert keys and len(keys) == len(set(keys))


class TestValidity:
    def test_every_taxpayer_validates_unchanged(self, town: list[DemoTaxpayer]) -> None:
        for d in town:
            assert d.taxpayer.validated() == d.taxpayer
            assert d.taxpayer.id is None

    def test_my_numbers_have_valid_check_digits(self, town: list[DemoTaxpayer]) -> None:
        numbers = [d.taxpayer.my_number for d in town if d.taxpayer.my_number]
        assert numbers and all(is_valid_my_number(n) for n in numbers)

    def test_corporations_have_a_valid_corporate_number_and_no_my_number(self, town: list[DemoTaxpayer]) -> None:
        corporations = [d.taxpayer for d in town if d.taxpayer.kind is TaxpayerKind.CORPORATION]
        assert corporations
        for t in corporations:
            assert t.my_number is None and is_valid_corporate_number(t.corporate_number or "")
            assert t.sex is None and t.birth_date is None and t.household_no is None

    def test_individual_names_are_surname_and_given_name_with_a_full_width_space(
        self, town: list[DemoTaxpayer]
    ) -> None:
        for d in individuals(town):
            assert d.taxpayer.name.count(FW_SPACE) == 1
            assert d.taxpayer.name_kana.count(FW_SPACE) == 1

    def test_corporate_names_carry_their_legal_form(self, town: list[DemoTaxpayer]) -> None:
        forms = ("株式会社", "有限会社", "合同会社")
        kana_forms = ("カブシキガイシャ", "ユウゲンガイシャ", "ゴウドウガイシャ")
        for d in town:
            if d.taxpayer.kind is TaxpayerKind.CORPORATION:
                assert any(f in d.taxpayer.name for f in forms)
                assert any(f in d.taxpayer.name_kana for f in kana_forms)

    def test_sex_matches_the_given_name(self, town: list[DemoTaxpayer]) -> None:
        male = {kanji for kanji, _ in names.MALE_GIVEN_NAMES}
        female = {kanji for kanji, _ in names.FEMALE_GIVEN_NAMES}
        for d in individuals(town):
            given = d.taxpayer.name.split(FW_SPACE)[1]
            assert given in (male if d.taxpayer.sex and d.taxpayer.sex.value == "1" else female)

    def test_adults_are_born_between_1930_and_2006(self, town: list[DemoTaxpayer]) -> None:
        years = [d.taxpayer.birth_date.year for d in individuals(town)]  # type: ignore[union-attr]
        assert min(years) >= 1930 and max(years) <= 2006

    def test_phones_and_postal_codes_are_digits_of_the_right_length(self, town: list[DemoTaxpayer]) -> None:
        for d in town:
            t = d.taxpayer
            assert t.phone is None or (t.phone.isdigit() and len(t.phone) in (10, 11))
            assert t.postal_code is not None and t.postal_code.isdigit() and len(t.postal_code) == 7

    def test_a_deceased_date_is_after_birth_and_not_in_the_future(self, town: list[DemoTaxpayer]) -> None:
        deceased = [d.taxpayer for d in town if d.taxpayer.deceased_date]
        assert deceased
        assert all(t.birth_date < t.deceased_date <= AS_OF for t in deceased)  # type: ignore[operator]


class TestPopulationMix:
    def test_about_seven_percent_are_corporations(self, town: list[DemoTaxpayer]) -> None:
        assert 0.04 <= share(town, lambda d: d.taxpayer.kind is TaxpayerKind.CORPORATION) <= 0.10

    def test_about_five_percent_of_individuals_are_non_residents(self, town: list[DemoTaxpayer]) -> None:
        people = individuals(town)
        assert 0.025 <= share(people, lambda d: d.taxpayer.resident_status is ResidentStatus.NON_RESIDENT) <= 0.08

    def test_a_few_individuals_have_no_my_number(self, town: list[DemoTaxpayer]) -> None:
        assert 0.01 <= share(individuals(town), lambda d: d.taxpayer.my_number is None) <= 0.06

    def test_a_few_taxpayers_are_deceased_or_flagged_or_have_a_mailing_address(self, town: list[DemoTaxpayer]) -> None:
        assert 0.002 <= share(town, lambda d: d.taxpayer.deceased_date is not None) <= 0.025
        assert 0.003 <= share(town, lambda d: d.taxpayer.flags.tokusoku_teishi or d.taxpayer.flags.hakko_yokushi
                              or d.taxpayer.flags.koji_sotatsu) <= 0.025  # fmt: skip
        assert 0.01 <= share(town, lambda d: d.taxpayer.mailing_address is not None) <= 0.06

    def test_the_payer_profiles_are_mostly_on_time(self, town: list[DemoTaxpayer]) -> None:
        profiles = Counter(d.profile for d in town)
        assert set(profiles) <= set(PROFILES)
        assert 0.72 <= profiles["ontime"] / len(town) <= 0.90
        assert 0.03 <= profiles["late"] / len(town) <= 0.11
        assert 0.015 <= profiles["partial"] / len(town) <= 0.07
        assert 0.03 <= profiles["delinquent"] / len(town) <= 0.10
        assert 0.01 <= profiles["overpaid"] / len(town) <= 0.05

    def test_about_a_quarter_of_individuals_pay_by_account_transfer(self, town: list[DemoTaxpayer]) -> None:
        assert 0.17 <= share(individuals(town), lambda d: d.account is not None) <= 0.33
        assert all(d.account is None for d in town if d.taxpayer.kind is TaxpayerKind.CORPORATION)


class TestHouseholds:
    def test_members_share_surname_address_phone_and_head(self, town: list[DemoTaxpayer]) -> None:
        households: dict[str, list[DemoTaxpayer]] = defaultdict(list)
        for d in individuals(town):
            if d.taxpayer.household_no is not None:
                households[d.taxpayer.household_no].append(d)
        sizes = Counter(len(members) for members in households.values())
        assert set(sizes) <= {1, 2, 3, 4, 5} and sizes[1] and sizes[2] and sizes[3]
        for members in households.values():
            people = [d.taxpayer for d in members]
            heads = [t for t in people if t.relationship == "世帯主"]
            assert len(heads) == 1 and people[0] is heads[0]
            assert len({t.name.split(FW_SPACE)[0] for t in people}) == 1
            assert len({t.name_kana.split(FW_SPACE)[0] for t in people}) == 1
            assert len({(t.address, t.postal_code, t.phone) for t in people}) == 1
            assert all(t.household_head_name == heads[0].name for t in people)
            assert all(t.relationship in {"世帯主", "妻", "夫", "子", "父", "母"} for t in people)

    def test_children_are_younger_and_parents_older_than_the_head(self, town: list[DemoTaxpayer]) -> None:
        heads = {d.taxpayer.household_no: d.taxpayer for d in town if d.taxpayer.relationship == "世帯主"}
        for d in individuals(town):
            t = d.taxpayer
            head = heads.get(t.household_no)
            if t.relationship == "子":
                assert t.birth_date.year - head.birth_date.year >= 18  # type: ignore[union-attr]
            elif t.relationship in ("父", "母"):
                assert head.birth_date.year - t.birth_date.year >= 18  # type: ignore[union-attr]

    def test_non_residents_live_elsewhere_and_have_no_household(self, town: list[DemoTaxpayer]) -> None:
        outsiders = [d.taxpayer for d in town if d.taxpayer.resident_status is ResidentStatus.NON_RESIDENT]
        assert outsiders
        for t in outsiders:
            assert t.household_no is None and not t.address.startswith("みなと市")  # type: ignore[union-attr]

    def test_some_households_have_no_phone(self, town: list[DemoTaxpayer]) -> None:
        assert 0.08 <= share(individuals(town), lambda d: d.taxpayer.phone is None) <= 0.35


class TestAssessments:
    def test_periods_span_the_five_fiscal_years_ending_with_the_current_one(self, town: list[DemoTaxpayer]) -> None:
        years = {p.fiscal_year for d in town for p in d.periods}
        assert years == {2021, 2022, 2023, 2024, 2025}

    def test_the_current_fiscal_year_is_included_even_if_not_yet_due(self, early_town: list[DemoTaxpayer]) -> None:
        current = [p for d in early_town for p in d.periods if p.fiscal_year == 2026]
        assert current and any(p.due_date > date(2026, 4, 3) for p in current)
        assert all(not p.payments for p in current if p.due_date > date(2026, 4, 3))

    def test_each_tax_has_its_periods_and_nominal_due_dates(self, town: list[DemoTaxpayer]) -> None:
        expected = {
            TaxCode.KOJIN_JUMINZEI: {1: (6, 30), 2: (8, 31), 3: (10, 31), 4: (1, 31)},
            TaxCode.KOTEI_SHISANZEI: {1: (4, 30), 2: (7, 31), 3: (12, 25), 4: (2, 28)},
            TaxCode.KEIJIDOSHAZEI: {1: (5, 31)},
            TaxCode.HOJIN_SHIMINZEI: {1: (5, 31)},
        }
        notices: dict[str, list[int]] = defaultdict(list)
        for d in town:
            for p in d.periods:
                notices[p.notice_no].append(p.period)
                month, day = expected[p.tax_code][p.period]
                nominal = p.statutory_due_date
                if (month, day) == (2, 28):
                    day = 29 if nominal.year % 4 == 0 else 28
                assert (nominal.month, nominal.day) == (month, day)
                assert nominal.year == p.fiscal_year + (1 if month < 4 else 0)
        assert all(periods == sorted(periods) and periods[0] == 1 for periods in notices.values())

    def test_due_dates_move_off_weekends_and_year_end_holidays(self, town: list[DemoTaxpayer]) -> None:
        shifted = 0
        for d in town:
            for p in d.periods:
                assert is_business_day(p.due_date)
                assert p.statutory_due_date <= p.due_date
                assert p.due_date == next_business_day(p.statutory_due_date)
                shifted += p.due_date != p.statutory_due_date
        assert shifted > 0

    def test_individual_and_corporate_taxes_are_kept_apart(self, town: list[DemoTaxpayer]) -> None:
        for d in town:
            codes = {p.tax_code for p in d.periods}
            if d.taxpayer.kind is TaxpayerKind.CORPORATION:
                assert TaxCode.KOJIN_JUMINZEI not in codes
            else:
                assert TaxCode.HOJIN_SHIMINZEI not in codes
            if d.taxpayer.resident_status is ResidentStatus.NON_RESIDENT:
                assert TaxCode.KOJIN_JUMINZEI not in codes

    def test_resident_tax_puts_the_remainder_on_the_first_period(self, town: list[DemoTaxpayer]) -> None:
        notices: dict[str, list[int]] = defaultdict(list)
        for d in town:
            for p in d.periods:
                assert isinstance(p.amount, int) and p.amount > 0
                if p.tax_code is TaxCode.KOJIN_JUMINZEI:
                    notices[p.notice_no].append(p.amount)
        assert notices
        for amounts in notices.values():
            assert len(amounts) == 4 and len(set(amounts[1:])) == 1
            assert amounts[1] % 1000 == 0 and amounts[0] >= amounts[1]
            assert sum(amounts) % 100 == 0 and 25_000 <= sum(amounts) <= 700_000

    def test_light_vehicle_tax_uses_real_rates(self, town: list[DemoTaxpayer]) -> None:
        rates = {10800, 7200, 12900, 5000, 3800, 6900, 3600, 6000, 2000}
        amounts = {p.amount for d in individuals(town) for p in d.periods if p.tax_code is TaxCode.KEIJIDOSHAZEI}
        assert amounts and rates & amounts and all(2000 <= a <= 2 * 12900 for a in amounts)

    def test_the_tax_mix_of_individuals_is_as_planned(self, town: list[DemoTaxpayer]) -> None:
        people = individuals(town)

        def has(code: TaxCode):  # type: ignore[no-untyped-def]
            return lambda d: any(p.tax_code is code for p in d.periods)

        assert 0.40 <= share(people, has(TaxCode.KOJIN_JUMINZEI)) <= 0.65
        assert 0.27 <= share(people, has(TaxCode.KOTEI_SHISANZEI)) <= 0.45
        assert 0.20 <= share(people, has(TaxCode.KEIJIDOSHAZEI)) <= 0.38

    def test_amounts_are_stable_across_years(self, town: list[DemoTaxpayer]) -> None:
        for d in individuals(town):
            yearly: dict[int, int] = defaultdict(int)
            for p in d.periods:
                if p.tax_code is TaxCode.KOTEI_SHISANZEI:
                    yearly[p.fiscal_year] += p.amount
            if len(yearly) > 1:
                assert max(yearly.values()) <= 1.25 * min(yearly.values())

    def test_a_deceased_taxpayer_is_not_assessed_for_later_years(self, town: list[DemoTaxpayer]) -> None:
        for d in town:
            died = d.taxpayer.deceased_date
            if died is not None:
                assert all(date(p.fiscal_year, 1, 1) <= died for p in d.periods)


class TestPayments:
    @staticmethod
    def all_payments(town: list[DemoTaxpayer]):  # type: ignore[no-untyped-def]
        return [(d, p, pay) for d in town for p in d.periods for pay in p.payments]

    def test_no_payment_is_received_after_as_of_or_for_a_period_not_yet_due(
        self, town: list[DemoTaxpayer], early_town: list[DemoTaxpayer]
    ) -> None:
        for data, as_of in ((town, AS_OF), (early_town, date(2026, 4, 3))):
            for _d, p, pay in self.all_payments(data):
                assert pay.received_on <= as_of and pay.accounted_on <= as_of
                assert p.due_date <= as_of

    def test_amounts_are_positive_and_accounting_follows_receipt(self, town: list[DemoTaxpayer]) -> None:
        for _d, _p, pay in self.all_payments(town):
            assert isinstance(pay.amount, int) and pay.amount > 0
            assert pay.received_on <= pay.accounted_on
            span = (pay.accounted_on - pay.received_on).days
            business_days = sum(is_business_day(pay.received_on + timedelta(days=n)) for n in range(1, span + 1))
            assert 1 <= business_days <= 3 or pay.accounted_on == AS_OF  # capped at as_of
            assert is_business_day(pay.accounted_on)

    def test_bank_and_counter_payments_fall_on_business_days(self, town: list[DemoTaxpayer]) -> None:
        for _d, _p, pay in self.all_payments(town):
            if pay.channel in (Channel.BANK, Channel.COUNTER, Channel.TRANSFER):
                assert is_business_day(pay.received_on)

    def test_transfers_are_made_on_the_due_date_only_from_registered_accounts(self, town: list[DemoTaxpayer]) -> None:
        transfers = 0
        for d, p, pay in self.all_payments(town):
            if pay.channel is Channel.TRANSFER:
                transfers += 1
                assert d.account is not None and p.tax_code in d.account.tax_codes
                assert pay.received_on == p.due_date >= d.account.start_on
                assert pay.amount == p.amount
        assert transfers > 0

    def test_on_time_payers_pay_every_due_period_in_full_by_the_due_date(self, town: list[DemoTaxpayer]) -> None:
        for d in town:
            if d.profile == "ontime":
                for p in d.periods:
                    if p.due_date <= AS_OF:
                        assert [pay.amount for pay in p.payments] == [p.amount]
                        assert p.payments[0].received_on <= p.due_date

    def test_late_payers_pay_after_the_due_date(self, town: list[DemoTaxpayer]) -> None:
        late = [pay.received_on - p.due_date for d in town if d.profile == "late"
                for p in d.periods for pay in p.payments if pay.received_on > p.due_date]  # fmt: skip
        assert late and all(5 <= delta.days <= 300 for delta in late)

    def test_partial_payers_pay_some_periods_in_instalments_never_beyond_the_amount(
        self, town: list[DemoTaxpayer]
    ) -> None:
        split = 0
        for d in town:
            if d.profile == "partial":
                for p in d.periods:
                    assert sum(pay.amount for pay in p.payments) <= p.amount
                    split += len(p.payments) > 1
        assert split > 0

    def test_delinquent_taxpayers_have_recent_periods_unpaid(self, town: list[DemoTaxpayer]) -> None:
        delinquent = [d for d in town if d.profile == "delinquent"]
        assert delinquent
        for d in delinquent:
            due = sorted((p for p in d.periods if p.due_date <= AS_OF), key=lambda p: p.due_date)
            assert sum(pay.amount for pay in due[-1].payments) < due[-1].amount

    def test_overpaid_taxpayers_paid_one_period_more_than_owed(self, town: list[DemoTaxpayer]) -> None:
        overpaid = [d for d in town if d.profile == "overpaid"]
        assert overpaid
        for d in overpaid:
            excess = [p for p in d.periods if sum(pay.amount for pay in p.payments) > p.amount]
            assert len(excess) == 1

    def test_nobody_else_pays_more_than_owed(self, town: list[DemoTaxpayer]) -> None:
        for d in town:
            if d.profile != "overpaid":
                assert all(sum(pay.amount for pay in p.payments) <= p.amount for p in d.periods)


class TestAccounts:
    def test_accounts_have_zengin_shaped_fields(self, town: list[DemoTaxpayer]) -> None:
        accounts = [d for d in town if d.account is not None]
        assert accounts
        for d in accounts:
            a = d.account
            assert a is not None
            assert len(a.bank_code) == 4 and a.bank_code.isdigit()
            assert len(a.branch_code) == 3 and a.branch_code.isdigit()
            assert a.account_type in ("1", "2")
            assert len(a.account_no) == 7 and a.account_no.isdigit()
            assert is_kana_name(a.holder_kana) and a.holder_kana.replace(" ", FW_SPACE) == d.taxpayer.name_kana
            assert a.tax_codes and set(a.tax_codes) <= {p.tax_code for p in d.periods}
            assert a.start_on <= AS_OF


class TestInvariantsForOtherDatesAndSeeds:
    @pytest.mark.parametrize(
        ("seed", "as_of"),
        [(1, date(2025, 4, 1)), (2, date(2024, 2, 29)), (3, date(2026, 3, 31)), (4, date(2031, 1, 2))],
    )
    def test_every_invariant_holds(self, seed: int, as_of: date) -> None:
        town = list(generate(400, seed=seed, as_of=as_of))
        assert len(town) == 400
        assert len({d.taxpayer.my_number for d in town if d.taxpayer.my_number}) == sum(
            1 for d in town if d.taxpayer.my_number
        )
        periods = [(d, p) for d in town for p in d.periods]
        assert {p.fiscal_year for _d, p in periods} == set(range(fiscal_year_of(as_of) - 4, fiscal_year_of(as_of) + 1))
        assert len({(p.notice_no, p.period) for _d, p in periods}) == len(periods)
        keys = [pay.source_key for _d, p in periods for pay in p.payments]
        assert len(keys) == len(set(keys))
        for d in town:
            assert d.taxpayer.validated() == d.taxpayer
        for _d, p in periods:
            assert p.amount > 0 and p.statutory_due_date <= p.due_date and is_business_day(p.due_date)
            for pay in p.payments:
                assert pay.amount > 0 and p.due_date <= as_of
                assert pay.received_on <= pay.accounted_on <= as_of
