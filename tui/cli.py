"""The ``nozei`` command line: start the TUI, build a demo, manage schema and keys."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from core.config import Config, load_config
from core.dates import parse_date
from core.errors import NozeiError
from core.security.permissions import Actor
from tui.i18n import _, set_language

__all__ = ["main", "build_parser"]


def _os_actor(config: Config) -> Actor:
    """The operator of an administrative CLI run (before login exists: the OS user)."""
    ssh = os.environ.get("SSH_CLIENT", "").split(" ")[0] or None
    return Actor(user_id=f"os:{getpass.getuser()}", terminal_id=config.terminal_id, client_address=ssh)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nozei", description=_("収滞納管理システム nozei"))
    parser.add_argument("--data-dir", type=Path, help=_("データディレクトリ（既定: ./var, NOZEI_DATA_DIR）"))
    parser.add_argument("--config", type=Path, help=_("設定ファイル（既定: <データディレクトリ>/nozei.toml, NOZEI_CONFIG）"))
    sub = parser.add_subparsers(dest="command")

    sub.add_parser("run", help=_("端末アプリケーションを起動する（既定）"))

    demo = sub.add_parser("demo", help=_("デモ用の架空の団体を作成する"))
    demo.add_argument("--data-dir", type=Path, dest="sub_data_dir")
    demo.add_argument("--taxpayers", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--as-of", type=parse_date, help=_("基準日（既定: 今日）"))

    init = sub.add_parser("init", help=_("本番用のデータベースと鍵ファイルを作成する"))
    init.add_argument("--data-dir", type=Path, dest="sub_data_dir")
    init.add_argument("--municipality-code", required=True)
    init.add_argument("--municipality-name", required=True)

    db = sub.add_parser("db", help=_("データベースのスキーマ"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=_("スキーマを最新にする"))
    db_sub.add_parser("status", help=_("スキーマの版を表示する"))

    keys = sub.add_parser("keys", help=_("暗号鍵の管理"))
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("rotate", help=_("新しいデータ鍵の版を作る（以後の書き込みに使う）"))
    reenc = keys_sub.add_parser("reencrypt", help=_("古い版の鍵で暗号化された行を再暗号化する（再開可能）"))
    reenc.add_argument("--batch-size", type=int, default=500)
    keys_sub.add_parser("status", help=_("鍵の版と再暗号化の残りを表示する"))
    return parser


def _config(args: argparse.Namespace) -> Config:
    data_dir = getattr(args, "sub_data_dir", None) or args.data_dir
    return load_config(config_path=args.config, data_dir=data_dir)


def _cmd_run(config: Config) -> int:
    from tui.app import NozeiApp
    from tui.compose import open_context

    store, context = open_context(config)
    try:
        NozeiApp(context).run()
    finally:
        store.close()
    return 0


def _cmd_demo(config: Config, args: argparse.Namespace) -> int:
    from storage.demo.build import build_demo

    if args.taxpayers < 1:
        raise NozeiError(_("--taxpayers は1以上です"))

    def progress(n: int) -> None:
        print(f"\r  {n:,} / {args.taxpayers:,}", end="", file=sys.stderr, flush=True)

    store, summary = build_demo(config, taxpayers_count=args.taxpayers, seed=args.seed,
                                as_of=args.as_of, progress=progress)
    store.close()
    print("", file=sys.stderr)
    print(_("デモ用データベースを作成しました"))
    print(f"  {_('データベース')}: {config.resolved_database_url}")
    print(f"  {_('鍵ファイル')}: {config.resolved_key_file}")
    print(f"  {_('ログ')}: {config.log_dir}")
    print(f"  {_('帳票')}: {config.documents_dir}")
    print(f"  {_('宛名')}: {summary.taxpayers:,}  {_('調定')}: {summary.assessments:,}  "
          f"{_('収納')}: {summary.payments:,}  {_('過誤納')}: {summary.overpayments:,}  "
          f"{_('口座振替')}: {summary.accounts:,}")
    print(f"  {_('所要時間')}: {summary.seconds:.1f} s")
    return 0


def _cmd_init(config: Config, args: argparse.Namespace) -> int:
    from storage.store import create_store

    store = create_store(config, municipality_code=args.municipality_code,
                         municipality_name=args.municipality_name, demo=False)
    store.close()
    print(_("本番用データベースを作成しました"))
    print(f"  {_('データベース')}: {config.resolved_database_url}")
    print(f"  {_('鍵ファイル')}: {config.resolved_key_file}")
    print(_("鍵ファイルはバックアップに含まれません。失うとデータを復号できません。別途安全に保管してください。"))
    return 0


def _cmd_db(config: Config, args: argparse.Namespace) -> int:
    from storage.db import make_engine
    from storage.migrate import current_revision, head_revision, upgrade

    engine = make_engine(config.resolved_database_url)
    try:
        if args.db_command == "upgrade":
            before = current_revision(engine)
            upgrade(engine)
            print(f"{_('スキーマ')}: {before or '-'} → {current_revision(engine)}")
        else:
            current, head = current_revision(engine), head_revision()
            state = _("最新") if current == head else _("更新が必要（nozei db upgrade）")
            print(f"{_('スキーマ')}: {current or '-'} / {head}  {state}")
    finally:
        engine.dispose()
    return 0


def _cmd_keys(config: Config, args: argparse.Namespace) -> int:
    from storage.reencrypt import pending_rows, reencrypt, rotate
    from storage.store import open_store

    store = open_store(config)
    actor = _os_actor(config)
    try:
        if args.keys_command == "rotate":
            version = rotate(store, actor)
            print(_("新しいデータ鍵を作成しました: 版 {v}").format(v=version))
            print(_("古い行は `nozei keys reencrypt` で再暗号化してください"))
        elif args.keys_command == "reencrypt":
            def progress(report: object) -> None:
                done = sum(getattr(report, "rows").values())
                print(f"\r  {done:,}", end="", file=sys.stderr, flush=True)

            report = reencrypt(store, actor, batch_size=args.batch_size, on_batch=progress)
            print("", file=sys.stderr)
            print(_("再暗号化しました（版 {v}）: {rows}").format(v=report.target_version, rows=report.rows))
        else:
            print(f"{_('データ鍵の版')}: {store.crypto.cipher.version}")
            for table, count in pending_rows(store).items():
                print(f"  {table}: {_('再暗号化待ち')} {count:,}")
    finally:
        store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    set_language(os.environ.get("NOZEI_LANG", "ja"))
    args = build_parser().parse_args(argv)
    try:
        config = _config(args)
        set_language(config.language)
        match args.command:
            case None | "run":
                return _cmd_run(config)
            case "demo":
                return _cmd_demo(config, args)
            case "init":
                return _cmd_init(config, args)
            case "db":
                return _cmd_db(config, args)
            case "keys":
                return _cmd_keys(config, args)
    except NozeiError as exc:
        print(f"nozei: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("中断しました"), file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
