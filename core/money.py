"""Money is an ``int`` of yen everywhere. Helpers for truncation and display."""

from __future__ import annotations

__all__ = ["Yen", "truncate_to", "format_yen", "require_yen"]

Yen = int


def require_yen(value: object, *, allow_negative: bool = False) -> int:
    """Return ``value`` if it is an int amount of yen (bool and float refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"金額は整数（円）でなければなりません: {type(value).__name__}")
    if value < 0 and not allow_negative:
        raise ValueError("金額が負です")
    return value


def truncate_to(amount: int, unit: int) -> int:
    """Truncate a non-negative amount down to a multiple of ``unit`` (e.g. 1,000 円)."""
    require_yen(amount)
    if unit <= 0:
        raise ValueError("unit must be positive")
    return amount - amount % unit


def format_yen(amount: int, *, suffix: str = "円") -> str:
    """``1234567`` → ``1,234,567円``."""
    require_yen(amount, allow_negative=True)
    return f"{amount:,}{suffix}"
