"""Date input and 和暦 display (SPEC §4.1).

Accepted input: ``2025-06-27``, ``2025/6/27``, ``2025年6月27日``, ``20250627``,
``R7.6.27``, ``R07.06.27``, ``r7.6.27``, ``令和7年6月27日``, ``令和元年5月1日``,
``H31.4.30``, ``S64.1.7``, ``T15.12.24`` and the same with full-width digits.
A 和暦 date outside its era (``H31.5.1``) is rejected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from core.errors import ValidationError

__all__ = [
    "ERAS",
    "DateParseError",
    "Era",
    "era_of",
    "format_iso",
    "format_wareki",
    "parse_date",
    "require_date",
    "wareki_year",
]


class DateParseError(ValidationError):
    """Text that is not a valid date (a ``ValueError``)."""


@dataclass(frozen=True, slots=True)
class Era:
    """A Japanese era: kanji name, one-letter abbreviation, first and last day."""

    name: str
    letter: str
    start: date
    end: date | None  # None: the current era

    def contains(self, d: date) -> bool:
        """True if *d* falls within this era."""
        return self.start <= d and (self.end is None or d <= self.end)

    def year_of(self, d: date) -> int:
        """The era year of *d* (1 for 元年)."""
        return d.year - self.start.year + 1

    def to_gregorian_year(self, era_year: int) -> int:
        """The Gregorian year of *era_year* of this era."""
        return self.start.year + era_year - 1


#: Supported eras, newest first.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1), None),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
)
_ERA_BY_KEY: dict[str, Era] = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS}

_SEP = r"[-/.]"
_GREGORIAN_RE = re.compile(
    rf"(?P<y>\d{{4}})(?:{_SEP}(?P<m1>\d{{1,2}}){_SEP}(?P<d1>\d{{1,2}})"
    r"|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日?)",
    re.ASCII,
)
_COMPACT_RE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})", re.ASCII)
_WAREKI_RE = re.compile(
    r"(?P<era>令和|平成|昭和|大正|[RHST])(?P<y>\d{1,2}|元)"
    rf"(?:{_SEP}(?P<m1>\d{{1,2}}){_SEP}(?P<d1>\d{{1,2}})"
    r"|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日?)",
    re.ASCII,
)


def _cannot_parse(text: str) -> DateParseError:
    return DateParseError("日付として解釈できません（例: 2025-06-27, R7.6.27, 令和7年6月27日）")


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError("存在しない日付です") from None


def parse_date(text: str) -> date:
    """Parse a date typed in Western or 和暦 notation; raise :class:`DateParseError`."""
    if not isinstance(text, str):
        raise DateParseError("日付は文字列で入力してください")
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not cleaned:
        raise DateParseError("日付が入力されていません")
    if m := _COMPACT_RE.fullmatch(cleaned):
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]), text)
    if m := _GREGORIAN_RE.fullmatch(cleaned):
        month, day = m["m1"] or m["m2"], m["d1"] or m["d2"]
        return _make_date(int(m["y"]), int(month), int(day), text)
    if m := _WAREKI_RE.fullmatch(cleaned.upper()):
        return _parse_wareki(m, text)
    raise _cannot_parse(text)


def _parse_wareki(m: re.Match[str], text: str) -> date:
    era = _ERA_BY_KEY[m["era"]]
    era_year = 1 if m["y"] == "元" else int(m["y"])
    if era_year < 1:
        raise _cannot_parse(text)
    month, day = int(m["m1"] or m["m2"]), int(m["d1"] or m["d2"])
    result = _make_date(era.to_gregorian_year(era_year), month, day, text)
    if not era.contains(result):
        raise DateParseError(f"{era.name}の範囲外の日付です")
    return result


def era_of(d: date) -> Era:
    """The era containing *d*; ``ValueError`` before 大正 (1912-07-30)."""
    for era in ERAS:
        if era.contains(d):
            return era
    raise ValueError(f"大正より前の日付は和暦に変換できません: {d.isoformat()}")


def wareki_year(d: date) -> tuple[str, int]:
    """(era name, era year) of *d*, e.g. ``("令和", 7)``."""
    era = era_of(d)
    return era.name, era.year_of(d)


def format_wareki(d: date, *, short: bool = False) -> str:
    """``令和7年6月27日`` (year 1 as 元年), or with ``short=True`` ``R7.6.27``."""
    era = era_of(d)
    year = era.year_of(d)
    if short:
        return f"{era.letter}{year}.{d.month}.{d.day}"
    year_text = "元" if year == 1 else str(year)
    return f"{era.name}{year_text}年{d.month}月{d.day}日"


def format_iso(d: date) -> str:
    """``2025-06-27``."""
    return d.isoformat()


def require_date(value: object, label: str, field: str, *, first: date = date(1900, 1, 1),
                 last: date = date(9000, 12, 31)) -> date:
    """``value`` if it is a date (not a datetime) within [first, last]; else a Japanese ValidationError."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(f"{label}は日付で指定してください", field=field)
    if not first <= value <= last:
        raise ValidationError(f"{label}が計算できる範囲（{first.year}年〜{last.year}年）の外です", field=field)
    return value
