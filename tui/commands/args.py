"""Argument types shared by the commands."""

from __future__ import annotations

import argparse
from datetime import date

from core.dates import parse_date

__all__ = ["date_arg"]


def date_arg(text: str) -> date:
    """A date in any form :func:`core.dates.parse_date` accepts; argparse reports the Japanese reason."""
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
