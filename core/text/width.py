"""Terminal display width, so that Japanese text lines up in tables."""

from __future__ import annotations

import unicodedata

__all__ = ["display_width", "pad"]


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal columns of ``text`` (wide/fullwidth characters count two; ambiguous one)."""
    return sum(_char_width(ch) for ch in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` left-aligned (or right-aligned) to ``width`` display columns."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill
