"""Clocks: the real one, and a settable one for tests and batch replays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

__all__ = ["JST", "SystemClock", "FixedClock"]

JST = timezone(timedelta(hours=9), "JST")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(JST).date()


class FixedClock:
    """A clock that stands still until moved."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.astimezone(JST).date()

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)
