"""Calendar-year rates for 延滞金 and 還付加算金 (地方税法附則3条の2, SPEC §4.3).

The statute fixes 延滞金 at 7.3% a year up to the day one month has elapsed
after the 納期限 and 14.6% afterwards (326条①), and 還付加算金 at 7.3%
(17条の4①). For each calendar year 附則3条の2 substitutes special rates derived
from the 延滞金特例基準割合 announced for that year:

- lower tier: 特例基準割合 + 1% (never above 7.3%),
- higher tier: 特例基準割合 + 7.3% (never above 14.6%),
- 還付加算金: 還付加算金特例基準割合 (never above 7.3%).

The rates are *data*: a table keyed by calendar year, stored as settings JSON
(``to_rows`` / ``from_rows``) and editable by an administrator. A year without
a row is an error (:class:`MissingRate`), never a silent zero. Rates are
``Decimal`` percent per year, e.g. ``Decimal("2.4")`` for 2.4%.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from core.errors import NozeiError, ValidationError

__all__ = [
    "DEFAULT_RATES",
    "DEFAULT_RATE_TABLE",
    "STATUTORY_AFTER_MONTH",
    "STATUTORY_REFUND_INTEREST",
    "STATUTORY_WITHIN_MONTH",
    "MissingRate",
    "RateTable",
    "YearRates",
]

#: 326条①: up to the day one month has elapsed after the 納期限.
STATUTORY_WITHIN_MONTH = Decimal("7.3")
#: 326条①: afterwards.
STATUTORY_AFTER_MONTH = Decimal("14.6")
#: 17条の4①: 還付加算金.
STATUTORY_REFUND_INTEREST = Decimal("7.3")

_FIELDS = ("within_month", "after_month", "refund_interest")
_LABELS = {
    "within_month": "1か月以内の割合",
    "after_month": "1か月経過後の割合",
    "refund_interest": "還付加算金の割合",
}
#: The special rate never exceeds the statutory one (附則3条の2①④).
_CAPS = {
    "within_month": STATUTORY_WITHIN_MONTH,
    "after_month": STATUTORY_AFTER_MONTH,
    "refund_interest": STATUTORY_REFUND_INTEREST,
}


class MissingRate(NozeiError):
    """No row for a calendar year in the rate table: never computed as zero."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}年の延滞金・還付加算金の割合が割合表にありません（管理者が{year}年の行を登録してください）"
        )
        self.year = year


def _as_rate(value: object, name: str, year: object) -> Decimal:
    """A finite Decimal percent from a Decimal, int or numeric string (float refused)."""
    if isinstance(value, (bool, float)):
        raise ValidationError(f"{year}年の{_LABELS[name]}は文字列か整数で指定してください", field=name)
    if isinstance(value, Decimal):
        rate = value
    elif isinstance(value, (int, str)):
        try:
            rate = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(f"{year}年の{_LABELS[name]}が数値ではありません", field=name) from None
    else:
        raise ValidationError(f"{year}年の{_LABELS[name]}が数値ではありません", field=name)
    if not rate.is_finite():
        raise ValidationError(f"{year}年の{_LABELS[name]}が数値ではありません", field=name)
    return rate


@dataclass(frozen=True, slots=True)
class YearRates:
    """The rates (percent per year) applying to the days of one calendar year.

    ``within_month``: 延滞金 up to the day one month has elapsed (326条①,
    附則3条の2①); ``after_month``: 延滞金 afterwards; ``refund_interest``:
    還付加算金 (17条の4, 附則3条の2④).
    """

    year: int
    within_month: Decimal
    after_month: Decimal
    refund_interest: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not 1900 <= self.year <= 9999:
            raise ValidationError(f"年が正しくありません: {self.year!r}", field="year")
        for name in _FIELDS:
            rate = _as_rate(getattr(self, name), name, self.year)
            if rate < 0:
                raise ValidationError(f"{self.year}年の{_LABELS[name]}が負です", field=name)
            if rate > _CAPS[name]:
                raise ValidationError(
                    f"{self.year}年の{_LABELS[name]}が法定の上限（{_CAPS[name]}%）を超えています", field=name
                )
            object.__setattr__(self, name, rate)

    def to_row(self) -> dict[str, Any]:
        """A JSON-safe row; rates as strings to keep their precision."""
        return {"year": self.year, **{name: str(getattr(self, name)) for name in _FIELDS}}


class RateTable(Mapping[int, YearRates]):
    """An immutable mapping calendar year → :class:`YearRates`."""

    __slots__ = ("_hash", "_rows")

    def __init__(self, rows: Iterable[YearRates] = ()) -> None:
        table: dict[int, YearRates] = {}
        for row in rows:
            if not isinstance(row, YearRates):
                raise ValidationError("割合表の行が正しくありません")
            if row.year in table:
                raise ValidationError(f"割合表に{row.year}年の行が重複しています", field="year")
            table[row.year] = row
        self._rows: Mapping[int, YearRates] = MappingProxyType(dict(sorted(table.items())))
        self._hash = hash(tuple(self._rows.values()))

    def __hash__(self) -> int:
        """Immutable, so hashable (equal tables have equal rows, hence equal hashes): results
        computed from a table can be remembered by it."""
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RateTable):
            return self._hash == other._hash and dict(self._rows) == dict(other._rows)
        return super().__eq__(other)

    def __getitem__(self, year: int) -> YearRates:
        return self._rows[year]

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        years = list(self._rows)
        span = f"{years[0]}–{years[-1]}" if years else "empty"
        return f"RateTable({span}, {len(years)} rows)"

    def for_year(self, year: int) -> YearRates:
        """The rates of *year*; :class:`MissingRate` if the table has no row for it."""
        try:
            return self._rows[year]
        except KeyError:
            raise MissingRate(year) from None

    def with_year(self, rates: YearRates) -> RateTable:
        """A new table with *rates* added or replacing that year's row."""
        return RateTable([*(r for r in self._rows.values() if r.year != rates.year), rates])

    def to_rows(self) -> list[dict[str, Any]]:
        """JSON-safe rows for the settings store, ordered by year."""
        return [row.to_row() for row in self._rows.values()]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> RateTable:
        """Build a table from stored rows (``to_rows`` output); every field is checked."""
        parsed: list[YearRates] = []
        for row in rows:
            if not isinstance(row, Mapping):
                raise ValidationError("割合表の行が正しくありません")
            missing = [key for key in ("year", *_FIELDS) if key not in row]
            if missing:
                raise ValidationError(f"割合表の行に項目がありません: {', '.join(missing)}")
            extra = sorted(set(row) - {"year", *_FIELDS})
            if extra:
                raise ValidationError(f"割合表の行に不明な項目があります: {', '.join(map(str, extra))}")
            year = row["year"]
            parsed.append(YearRates(year, *(_as_rate(row[name], name, year) for name in _FIELDS)))
        return cls(parsed)


def _seed(first: int, last: int, within: str, after: str, refund: str) -> list[YearRates]:
    return [YearRates(y, Decimal(within), Decimal(after), Decimal(refund)) for y in range(first, last + 1)]


#: The SPEC §4.3 table, one row per calendar year (2014 = 平成26 … 2026 = 令和8).
DEFAULT_RATES: tuple[YearRates, ...] = tuple(
    _seed(2014, 2014, "2.9", "9.2", "1.9")
    + _seed(2015, 2016, "2.8", "9.1", "1.8")
    + _seed(2017, 2017, "2.7", "9.0", "1.7")
    + _seed(2018, 2020, "2.6", "8.9", "1.6")
    + _seed(2021, 2021, "2.5", "8.8", "1.0")
    + _seed(2022, 2025, "2.4", "8.7", "0.9")
    + _seed(2026, 2026, "2.8", "9.1", "1.3")
)

#: :data:`DEFAULT_RATES` as a table: the seed of the settings row.
DEFAULT_RATE_TABLE = RateTable(DEFAULT_RATES)
