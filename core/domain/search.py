"""Taxpayer search criteria and results (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["SearchCriteria", "TaxpayerSummary", "SearchPage", "SEARCH_KINDS"]

#: The kinds of criteria, as recorded in the audit log (never the values).
SEARCH_KINDS = (
    "atena_no",
    "notice_no",
    "my_number",
    "kana_name",
    "kana_surname",
    "birth_date",
    "phone",
)


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """Normalised criteria: every given field must match (AND).

    ``kana_name`` and ``kana_surname`` are search keys (see
    :func:`core.text.kana.kana_search_key`), ``phone`` digits only.
    """

    atena_no: str | None = None
    notice_no: str | None = None
    my_number: str | None = None
    kana_name: str | None = None
    kana_surname: str | None = None
    birth_date: date | None = None
    phone: str | None = None

    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in SEARCH_KINDS if getattr(self, k) is not None)

    def is_empty(self) -> bool:
        return not self.kinds()


@dataclass(frozen=True, slots=True)
class TaxpayerSummary:
    """One result row: enough to pick the right person, nothing more."""

    id: int
    atena_no: str
    kind: str
    name: str
    name_kana: str
    birth_date: date | None
    address: str | None
    resident_status: str
    deceased: bool


@dataclass(frozen=True, slots=True)
class SearchPage:
    rows: tuple[TaxpayerSummary, ...] = field(default_factory=tuple)
    offset: int = 0
    limit: int = 0
    has_more: bool = False

    def count_label(self) -> str:
        """``"12件"`` or ``"500件超"`` (the limit + 1 rule)."""
        shown = self.offset + len(self.rows)
        return f"{shown:,}件超" if self.has_more else f"{shown:,}件"
