"""The ``nozei`` command line: start the TUI, build a demo, administer schema, keys, users, audit."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from core.config import Config, load_config
from core.errors import NozeiError
from tui.i18n import _, set_language

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from tui.commands import (admin, audit, backup, calc, casework, collection, delinquency, documents, keys, rates, refunds,
                              retention, settings, setup)

    parser = argparse.ArgumentParser(prog="nozei", description=_("収滞納管理システム nozei"))
    parser.add_argument("--data-dir", type=Path, help=_("データディレクトリ（既定: ./var, NOZEI_DATA_DIR）"))
    parser.add_argument("--config", type=Path, help=_("設定ファイル（既定: <データディレクトリ>/nozei.toml, NOZEI_CONFIG）"))
    sub = parser.add_subparsers(dest="command")
    for module in (setup, keys, backup, admin, audit, calc, rates, collection, delinquency, casework, refunds, settings,
                   documents, retention):
        module.register(sub)
    return parser


def _config(args: argparse.Namespace) -> Config:
    data_dir = getattr(args, "sub_data_dir", None) or args.data_dir
    return load_config(config_path=args.config, data_dir=data_dir)


def _plain_start(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """``nozei [--data-dir D] [--config F] [run]``: the terminal application — started without
    loading every administrative command (a clerk waits for this one)."""
    quick = argparse.ArgumentParser(add_help=False)
    quick.add_argument("--data-dir", type=Path)
    quick.add_argument("--config", type=Path)
    try:
        args, rest = quick.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit:
        return None
    if rest not in ([], ["run"]):
        return None
    args.command = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    set_language(os.environ.get("NOZEI_LANG", "ja"))
    args = _plain_start(argv)
    if args is None:
        args = build_parser().parse_args(argv)
    try:
        config = _config(args)
        set_language(config.language)
        if args.command is None:
            from tui.commands.setup import _run

            return _run(config, args)
        return int(args.handler(config, args))
    except NozeiError as exc:
        print(f"nozei: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print(_("中断しました"), file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
