"""Argument types shared by the commands."""

from __future__ import annotations

import argparse
from datetime import date

from core.dates import parse_date

__all__ = ["date_arg", "subcommands"]


def date_arg(text: str) -> date:
    """A date in any form :func:`core.dates.parse_date` accepts; argparse reports the Japanese reason."""
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def subcommands(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, *, help: str,
                dest: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The sub-command group *name* (``batch``, ``report``…), created by whichever
    module registers first, so several modules can add commands to one group."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help)
        return parser.add_subparsers(dest=dest, required=True)
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
