"""A deterministic synthetic municipality for ``nozei demo`` (SPEC §9).

:func:`generate` yields taxpayers (individuals grouped into households, and
corporations) with five fiscal years of assessment periods and the payments
received against them up to ``as_of``. Everything is drawn from a single
``random.Random(seed)``, so the same ``(count, seed, as_of)`` always gives the
same data. Pure Python: storing the result is the caller's business.

Due dates falling on a Saturday, Sunday or 12/29–1/3 move to the next business
day (地方税法20条の5); national holidays are not modelled. A payment's
収納日 is 1–3 business days after its 領収日 but never later than ``as_of``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar

from core.domain.assessment import TaxCode
from core.domain.payment import Channel
from core.domain.taxpayer import ResidentStatus, Sex, Taxpayer, TaxpayerFlags, TaxpayerKind
from core.identifiers import make_corporate_number, make_my_number
from storage.demo import names as N

__all__ = [
    "DemoPayment", "DemoPeriod", "DemoAccount", "DemoTaxpayer", "PROFILES",
    "fiscal_year_of", "is_business_day", "next_business_day", "generate",
]  # fmt: skip

PROFILES: tuple[str, ...] = ("ontime", "late", "partial", "delinquent", "overpaid")
_PROFILE_POOL = ("ontime",) * 80 + ("late",) * 7 + ("partial",) * 4 + ("delinquent",) * 6 + ("overpaid",) * 3

_CORPORATE_SHARE = 0.07
_NON_RESIDENT_SHARE = 0.05  # of individuals
_HOUSEHOLD_SIZES = (1,) * 34 + (2,) * 30 + (3,) * 17 + (4,) * 14 + (5,) * 5
_ACCOUNT_RATE = 0.30  # of individuals with any assessment: ≈ 25% of all individuals

_C = Channel
_PERSON_CHANNELS = (_C.BANK,) * 25 + (_C.CONVENIENCE,) * 35 + (_C.ELTAX,) * 8 + (_C.SMARTPHONE,) * 17 + (_C.COUNTER,) * 15
_CORPORATE_CHANNELS = (_C.ELTAX,) * 45 + (_C.BANK,) * 45 + (_C.COUNTER,) * 10
_LATE_CHANNELS = (_C.BANK,) * 25 + (_C.CONVENIENCE,) * 40 + (_C.SMARTPHONE,) * 10 + (_C.COUNTER,) * 25
#: 軽自動車税種別割 annual rates (軽四輪乗用・貨物, 重課, 旧税率, 二輪, 原付).
_KEI_RATES = (10800,) * 8 + (7200,) * 4 + (12900,) * 2 + (5000,) * 3 + (3800,) * 2 + (6900, 3600, 6000, 2000, 2000)

_ONE_DAY = timedelta(days=1)
_NO_FLAGS = TaxpayerFlags()
_FW_SPACE = "\u3000"
_T = TypeVar("_T")
_Spec = tuple[str, TaxCode, int, int, int, date, date]  # notice, tax, fy, period, amount, due, nominal


@dataclass(frozen=True, slots=True)
class DemoPayment:
    source_key: str  # globally unique, "DEMO-P-000123-01"
    channel: Channel
    amount: int  # yen, > 0
    received_on: date  # 領収日
    accounted_on: date  # 収納日


@dataclass(frozen=True, slots=True)
class DemoPeriod:
    notice_no: str  # one notice per taxpayer × tax × fiscal year
    tax_code: TaxCode
    fiscal_year: int
    period: int
    amount: int  # 調定額
    due_date: date  # 納期限 (after the holiday shift)
    statutory_due_date: date  # 法定納期限 (the nominal date)
    payments: tuple[DemoPayment, ...]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    bank_code: str
    branch_code: str
    account_type: str  # "1" 普通 / "2" 当座
    account_no: str
    holder_kana: str  # full-width katakana, "ヤマダ タロウ"
    tax_codes: tuple[TaxCode, ...]
    start_on: date


@dataclass(frozen=True, slots=True)
class DemoTaxpayer:
    taxpayer: Taxpayer
    periods: tuple[DemoPeriod, ...]
    account: DemoAccount | None
    profile: str  # one of PROFILES


# --- calendar -------------------------------------------------------------------


def fiscal_year_of(d: date) -> int:
    """The Japanese fiscal year (April–March) containing *d*."""
    return d.year if d.month >= 4 else d.year - 1


def is_business_day(d: date) -> bool:
    """Not a Saturday, Sunday or 12/29–1/3 (national holidays are not modelled)."""
    if d.weekday() >= 5:
        return False
    return not ((d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3))


@lru_cache(maxsize=8192)
def next_business_day(d: date, step: int = 1) -> date:
    """*d* itself if a business day, else the next one (20条の5); the previous with ``step=-1``."""
    while not is_business_day(d):
        d += timedelta(days=step)
    return d


@lru_cache(maxsize=32768)
def _add_business_days(d: date, n: int) -> date:
    for _ in range(n):
        d = next_business_day(d + _ONE_DAY)
    return d


def _nominal_due_dates(tax: TaxCode, fy: int) -> tuple[date, ...]:
    if tax is TaxCode.KOJIN_JUMINZEI:
        return date(fy, 6, 30), date(fy, 8, 31), date(fy, 10, 31), date(fy + 1, 1, 31)
    if tax is TaxCode.KOTEI_SHISANZEI:
        return date(fy, 4, 30), date(fy, 7, 31), date(fy, 12, 25), date(fy + 1, 3, 1) - _ONE_DAY
    return (date(fy, 5, 31),)  # 軽自動車税, 法人市民税


def _split_annual(total: int, n: int) -> list[int]:
    """Periods 2..n in 1,000-yen units, the remainder (端数) on period 1."""
    share = total // n
    unit = 1000 if share >= 1000 else 100 if share >= 100 else 1
    rest = share // unit * unit
    return [total - rest * (n - 1)] + [rest] * (n - 1)


# --- generator ------------------------------------------------------------------


def generate(
    count: int, *, seed: int = 1, as_of: date, municipality_name: str = "みなと市"
) -> Iterator[DemoTaxpayer]:
    """Yield *count* synthetic taxpayers of *municipality_name* as of *as_of*."""
    if count < 0:
        raise ValueError("count must be >= 0")
    return _Generator(seed, as_of, municipality_name).run(count)


class _Generator:
    def __init__(self, seed: int, as_of: date, city: str) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.rnd = self.rng.random
        self.as_of = as_of
        self.city = city
        last_fy = fiscal_year_of(as_of)
        self.years = tuple(range(last_fy - 4, last_fy + 1))
        self.schedules = {  # (tax, fy) → ((period, nominal, due), ...)
            (tax, fy): tuple((p, d, next_business_day(d)) for p, d in enumerate(_nominal_due_dates(tax, fy), 1))
            for tax in TaxCode
            if tax is not TaxCode.KOKUHOZEI
            for fy in self.years
        }
        self.youngest = as_of.year - 19  # birth years of adults
        self.oldest = as_of.year - 95
        self.jan1 = {y: date(y, 1, 1).toordinal() for y in range(self.oldest - 1, self.youngest + 1)}
        self.index = self.household_seq = self.key_seq = 0
        self.company_names: set[str] = set()
        # Per-draw probabilities of a corporation / a 住登外 person / a household that
        # give the wanted per-person shares, households having several members.
        corp, nonres = _CORPORATE_SHARE, (1 - _CORPORATE_SHARE) * _NON_RESIDENT_SHARE
        households = (1 - corp - nonres) * len(_HOUSEHOLD_SIZES) / sum(_HOUSEHOLD_SIZES)
        self.p_corp = corp / (corp + nonres + households)
        self.p_nonres = (corp + nonres) / (corp + nonres + households)

    # small helpers -----------------------------------------------------------------

    def pick(self, seq: Sequence[_T]) -> _T:
        return seq[int(self.rnd() * len(seq))]

    def between(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi]."""
        return lo + int(self.rnd() * (hi - lo + 1))

    def birth_date(self, year: int) -> date:
        year = min(max(year, self.oldest), self.youngest)
        return date.fromordinal(self.jan1[year] + int(self.rnd() * 365))

    def town_address(self) -> tuple[str, str]:
        i = int(self.rnd() * len(N.TOWNS))
        address = f"{self.city}{N.TOWNS[i]}{self.between(1, 5)}丁目{self.between(1, 30)}番{self.between(1, 20)}号"
        if self.rnd() < 0.15:
            address += f"{_FW_SPACE}{self.pick(N.BUILDINGS)}{self.between(1, 5)}0{self.between(1, 8)}号室"
        return address, f"2900{i + 1:03d}"

    def other_address(self) -> tuple[str, str]:
        prefix, postal = self.pick(N.OTHER_CITIES)
        return f"{prefix}{self.between(1, 4)}丁目{self.between(1, 20)}番{self.between(1, 15)}号", postal

    def phone(self, *, mobile_share: float = 0.6) -> str:
        if self.rnd() < mobile_share:
            return f"0{self.pick('987')}0{int(self.rnd() * 10**8):08d}"
        return f"0436{self.between(10, 99)}{int(self.rnd() * 10**4):04d}"

    def flags(self) -> TaxpayerFlags:
        r = self.rnd()
        if r >= 0.01:
            return _NO_FLAGS
        if r < 0.005:
            return TaxpayerFlags(tokusoku_teishi=True, saikoku_teishi=self.rnd() < 0.5)
        return TaxpayerFlags(hakko_yokushi=True) if r < 0.008 else TaxpayerFlags(koji_sotatsu=True)

    def given_name(self, sex: Sex, taken: set[str]) -> tuple[str, str]:
        pool = N.MALE_GIVEN_NAMES if sex is Sex.MALE else N.FEMALE_GIVEN_NAMES
        name = self.pick(pool)
        if name[0] in taken:
            name = self.pick(pool)
        taken.add(name[0])
        return name

    # taxpayers ------------------------------------------------------------------------

    def run(self, count: int) -> Iterator[DemoTaxpayer]:
        rnd = self.rnd
        while self.index < count:
            r = rnd()
            if r < self.p_corp:
                yield self.corporation()
            elif r < self.p_nonres:
                yield from self.household(1, resident=False)
            else:
                size = min(self.pick(_HOUSEHOLD_SIZES), count - self.index)
                yield from self.household(size, resident=True)

    def household(self, size: int, *, resident: bool) -> Iterator[DemoTaxpayer]:
        rnd, pick, between = self.rnd, self.pick, self.between
        surname, surname_kana = pick(N.SURNAMES)
        if resident:
            self.household_seq += 1
            household_no: str | None = f"{self.household_seq:010d}"
            address, postal = self.town_address()
        else:
            household_no = None
            address, postal = self.other_address()
        phone = None if rnd() < 0.2 else self.phone()
        young, old = self.youngest, self.oldest
        # Head's birth year: with 3+ members there is room for an adult child.
        head_year = between(*((old, young), (old + 3, young - 3), (old + 5, young - 22))[min(size, 3) - 1])
        head_sex = Sex.MALE if rnd() < (0.8 if size > 1 else 0.5) else Sex.FEMALE
        members: list[tuple[Sex, int, str | None]] = [(head_sex, head_year, "世帯主" if resident else None)]
        parents: list[str] = ["父", "母"]
        for k in range(1, size):
            if k == 1 and rnd() < 0.85:
                sex = Sex.FEMALE if head_sex is Sex.MALE else Sex.MALE
                members.append((sex, head_year + between(-3, 5), "妻" if sex is Sex.FEMALE else "夫"))
            elif parents and head_year - 22 >= old and (head_year + 22 > young or rnd() < 0.25):
                relationship = parents.pop(int(rnd() * len(parents)))
                sex = Sex.MALE if relationship == "父" else Sex.FEMALE
                members.append((sex, max(head_year - between(22, 32), old), relationship))
            else:  # the head's ranges guarantee that a child or a parent fits
                members.append((Sex.MALE if rnd() < 0.5 else Sex.FEMALE, min(head_year + between(22, 36), young), "子"))
        taken: set[str] = set()
        head_name: str | None = None
        for sex, year, relationship in members:
            given, given_kana = self.given_name(sex, taken)
            name = f"{surname}{_FW_SPACE}{given}"
            head_name = head_name or name
            index = self.index
            birth = self.birth_date(year)
            deceased = max(self.as_of - timedelta(days=between(1, 1800)), birth + _ONE_DAY) if rnd() < 0.01 else None
            # A bijection of the index: unique My Numbers; about 3% have none (未取得).
            base = (index * 7919 + 10_000_000_000 + self.seed) % 10**11
            my_number = make_my_number(f"{base:011d}") if rnd() >= 0.03 else None
            taxpayer = Taxpayer(
                atena_no=f"{index + 1:010d}", kind=TaxpayerKind.INDIVIDUAL,
                name=name, name_kana=f"{surname_kana}{_FW_SPACE}{given_kana}",
                my_number=my_number, sex=sex, birth_date=birth,
                postal_code=postal, address=address, phone=phone,
                household_no=household_no, relationship=relationship,
                household_head_name=head_name if resident else None,
                mailing_address=self.other_address()[0] if rnd() < 0.03 else None,
                resident_status=ResidentStatus.RESIDENT if resident else ResidentStatus.NON_RESIDENT,
                deceased_date=deceased, flags=self.flags(),
            )  # fmt: skip
            yield self.finish(taxpayer, self.individual_taxes(birth.year, resident), deceased)

    def individual_taxes(self, birth_year: int, resident: bool) -> list[tuple[TaxCode, int, int]]:
        """(tax, base annual amount, first fiscal year of liability)."""
        rnd, between = self.rnd, self.between
        first = self.years[0] if rnd() >= 0.12 else self.pick(self.years)  # moved in / newly liable
        taxes = []
        if resident and rnd() < 0.60:
            base = int(30_000 * 20 ** (rnd() ** 1.6))  # 30,000 .. 600,000, skewed low
            taxes.append((TaxCode.KOJIN_JUMINZEI, base, max(first, birth_year + 20)))
        if rnd() < (0.35 if resident else 0.9):
            taxes.append((TaxCode.KOTEI_SHISANZEI, int(20_000 * 20 ** (rnd() ** 1.4)), first))
        if rnd() < (0.30 if resident else 0.05):
            amount = self.pick(_KEI_RATES) + (self.pick(_KEI_RATES) if rnd() < 0.15 else 0)
            taxes.append((TaxCode.KEIJIDOSHAZEI, amount, between(first, self.years[-1]) if rnd() < 0.2 else first))
        return taxes

    def corporation(self) -> DemoTaxpayer:
        rnd, pick = self.rnd, self.pick
        for _attempt in range(4):  # avoid (most) duplicate company names
            form, form_kana, prefix, _weight = pick(_CORPORATE_FORM_POOL)
            body, body_kana = pick(N.CORPORATE_BODIES) if rnd() < 0.5 else pick(N.SURNAMES)
            business, business_kana = pick(N.CORPORATE_BUSINESSES)
            stem, stem_kana = body + business, body_kana + business_kana
            name = f"{form}{stem}" if prefix else f"{stem}{form}"
            if name not in self.company_names:
                break
        self.company_names.add(name)
        kana = f"{form_kana}{stem_kana}" if prefix else f"{stem_kana}{form_kana}"
        address, postal = self.town_address()
        index = self.index
        taxpayer = Taxpayer(
            atena_no=f"{index + 1:010d}", kind=TaxpayerKind.CORPORATION, name=name, name_kana=kana,
            corporate_number=make_corporate_number(f"{(index * 7919 + 300_000_000_000 + self.seed) % 10**12:012d}"),
            postal_code=postal, address=address, phone=self.phone(mobile_share=0.05),
            mailing_address=self.other_address()[0] if rnd() < 0.03 else None, flags=self.flags(),
        )  # fmt: skip
        first = self.years[0] if rnd() >= 0.1 else pick(self.years)
        taxes = []
        if rnd() < 0.92:
            equal_share = pick((50_000,) * 12 + (130_000, 160_000, 410_000))  # 均等割
            taxes.append((TaxCode.HOJIN_SHIMINZEI, equal_share, first))
        if rnd() < 0.65:
            taxes.append((TaxCode.KOTEI_SHISANZEI, int(50_000 * 24 ** (rnd() ** 1.5)), first))
        if rnd() < 0.2:
            taxes.append((TaxCode.KEIJIDOSHAZEI, sum(pick(_KEI_RATES) for _ in range(self.between(1, 4))), first))
        return self.finish(taxpayer, taxes, None)

    # assessments and payments ------------------------------------------------------

    def finish(self, taxpayer: Taxpayer, taxes: list[tuple[TaxCode, int, int]], deceased: date | None) -> DemoTaxpayer:
        rnd = self.rnd
        self.index += 1
        seq = self.index
        specs: list[_Spec] = []
        for fy in self.years:
            if deceased is not None and date(fy, 1, 1) > deceased:
                break
            for tax, base, first in taxes:
                if fy < first:
                    continue
                if tax is TaxCode.KEIJIDOSHAZEI:
                    annual = base
                elif tax is TaxCode.HOJIN_SHIMINZEI:  # 均等割 + a 法人税割 that varies a lot
                    annual = min(base + (int(rnd() ** 3 * 2_000_000) if rnd() < 0.6 else 0), 3_000_000)
                else:
                    annual = int(base * (0.92 + 0.16 * rnd()))
                annual = max(annual // 100 * 100, 100)
                schedule = self.schedules[tax, fy]
                notice_no = f"{fy}{tax.value}{seq:08d}"
                for (period, nominal, due), amount in zip(schedule, _split_annual(annual, len(schedule))):
                    specs.append((notice_no, tax, fy, period, amount, due, nominal))
        account = None
        if taxpayer.kind is TaxpayerKind.INDIVIDUAL and specs and rnd() < _ACCOUNT_RATE:
            account = self.account(taxpayer, specs)
        profile = self.pick(_PROFILE_POOL)
        due = [i for i, s in enumerate(specs) if s[5] <= self.as_of]
        if not due:
            profile = "ontime"
        payments = self.payments(specs, due, profile, account, taxpayer.kind is TaxpayerKind.CORPORATION)
        periods = tuple(
            DemoPeriod(s[0], s[1], s[2], s[3], s[4], s[5], s[6], tuple(payments.get(i, ()))) for i, s in enumerate(specs)
        )
        return DemoTaxpayer(taxpayer, periods, account, profile)

    def account(self, taxpayer: Taxpayer, specs: list[_Spec]) -> DemoAccount:
        rnd, between = self.rnd, self.between
        codes = sorted({s[1] for s in specs}, key=lambda c: c.value)
        if len(codes) > 1 and rnd() < 0.15:
            codes = [self.pick(codes)]
        if rnd() < 0.6:
            start = date(self.years[0] - between(0, 10), 4, 1)
        else:
            start = min(date(self.years[0], 4, 1) + timedelta(days=between(0, 5 * 365)), self.as_of)
        return DemoAccount(
            bank_code=self.pick(N.BANK_CODES), branch_code=f"{between(1, 450):03d}",
            account_type="2" if rnd() < 0.03 else "1", account_no=f"{between(1_000_000, 9_999_999):07d}",
            holder_kana=taxpayer.name_kana.replace(_FW_SPACE, " "), tax_codes=tuple(codes), start_on=start,
        )  # fmt: skip

    def pay(self, channel: Channel, amount: int, received: date) -> DemoPayment:
        if channel is Channel.BANK or channel is Channel.COUNTER:  # open on business days only
            received = next_business_day(received, -1)
        self.key_seq += 1
        accounted = _add_business_days(received, 1 + int(self.rnd() * 3))
        if accounted > self.as_of:
            accounted = max(received, self.as_of)
        return DemoPayment(f"DEMO-P-{self.index:06d}-{self.key_seq:02d}", channel, amount, received, accounted)

    def payments(
        self, specs: list[_Spec], due: list[int], profile: str, account: DemoAccount | None, corporate: bool
    ) -> dict[int, list[DemoPayment]]:
        """Payments per spec index for the periods already due."""
        rnd, between, pick, as_of = self.rnd, self.between, self.pick, self.as_of
        channels = _CORPORATE_CHANNELS if corporate else _PERSON_CHANNELS
        self.key_seq = 0
        out: dict[int, list[DemoPayment]] = {}
        lump: dict[str, tuple[date, Channel] | None] = {}  # notice → 全期前納 (date, channel)

        def on_time(i: int) -> DemoPayment:
            notice, tax, _fy, period, amount, due_date, _nominal = specs[i]
            if account is not None and tax in account.tax_codes and due_date >= account.start_on:
                return self.pay(Channel.TRANSFER, amount, due_date)
            if notice not in lump:
                first_due = specs[i - period + 1][5]  # a notice's periods are consecutive from 1
                lump[notice] = (first_due - timedelta(days=between(0, 15)), pick(channels)) if rnd() < 0.15 else None
            paid = lump[notice] or (due_date - timedelta(days=between(0, 20)), pick(channels))
            return self.pay(paid[1], amount, paid[0])

        def late(i: int, low: int = 10, high: int = 300) -> DemoPayment | None:
            received = specs[i][5] + timedelta(days=between(low, high))
            return self.pay(pick(_LATE_CHANNELS), specs[i][4], received) if received <= as_of else None

        def put(i: int, payment: DemoPayment | None) -> None:
            if payment is not None:
                out.setdefault(i, []).append(payment)

        if profile == "delinquent":
            recent = set(sorted(due, key=lambda i: specs[i][5])[-between(1, 8):])
            for i in due:
                if i not in recent:
                    put(i, on_time(i) if rnd() < 0.7 else late(i))
                elif rnd() < 0.3 and specs[i][4] >= 200:
                    part = max(int(specs[i][4] * (0.2 + 0.5 * rnd())) // 100 * 100, 100)
                    received = specs[i][5] + timedelta(days=between(0, 120))
                    if received <= as_of:
                        put(i, self.pay(pick(_LATE_CHANNELS), part, received))
            return out
        for i in due:
            if profile == "late" and rnd() < 0.7:
                put(i, late(i))
            elif profile == "partial" and rnd() < 0.5 and specs[i][4] >= 300:
                k = between(2, 3)
                amount = specs[i][4]
                part = amount // k // 100 * 100
                parts = [part] * (k - 1) + [amount - part * (k - 1)]
                if rnd() < 0.3:
                    parts.pop()  # stopped paying: the sum is less than owed
                received = specs[i][5] + timedelta(days=between(-10, 30))
                for value in parts:
                    if received > as_of:
                        break
                    put(i, self.pay(pick(_LATE_CHANNELS), value, received))
                    received += timedelta(days=between(20, 60))
            else:
                put(i, on_time(i))
        if profile == "overpaid":
            i = pick(due)
            first = out[i][0]
            if first.channel is Channel.TRANSFER or rnd() < 0.6:  # 二重納付: paid again by another route
                second = min(first.received_on + timedelta(days=between(0, 20)), as_of)
                other = [c for c in _LATE_CHANNELS if c is not first.channel]
                put(i, self.pay(pick(other), specs[i][4], second))
            else:  # paid more than owed
                out[i][0] = self.pay(first.channel, specs[i][4] + 100 * between(1, 100), first.received_on)
        return out


_CORPORATE_FORM_POOL = tuple(form for form in N.CORPORATE_FORMS for _ in range(form[3]))
