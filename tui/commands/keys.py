"""``nozei keys rotate | reencrypt | status`` (rotate and reencrypt need admin.keys)."""

from __future__ import annotations

import argparse
import sys

from collections.abc import Callable

from core.config import Config
from core.security.permissions import Actor
from core.services.keys import reencrypt_old_rows, rotate_data_key
from storage.reencrypt import ReencryptReport, StoreKeys, pending_rows
from storage.store import Store
from tui import compose
from tui.commands.login import operator_session
from tui.i18n import _

__all__ = ["register"]


def _with_operator(config: Config, work: Callable[[Store, Actor], None]) -> None:
    store = compose.open_wired(config)
    try:
        with operator_session(store, config, compose.auth_tools()) as actor:
            work(store, actor)
    finally:
        store.close()


def _rotate(config: Config, args: argparse.Namespace) -> int:
    def work(store: Store, actor: Actor) -> None:
        version = rotate_data_key(store.uow(), actor, StoreKeys(store))
        print(_("新しいデータ鍵を作成しました: 版 {v}").format(v=version))
        print(_("古い行は `nozei keys reencrypt` で再暗号化してください"))

    _with_operator(config, work)
    return 0


def _reencrypt(config: Config, args: argparse.Namespace) -> int:
    def progress(report: ReencryptReport) -> None:
        print(f"\r  {sum(report.rows.values()):,}", end="", file=sys.stderr, flush=True)

    def work(store: Store, actor: Actor) -> None:
        report = reencrypt_old_rows(store.uow(), actor, StoreKeys(store), batch_size=args.batch_size,
                                    on_batch=progress)
        print("", file=sys.stderr)
        print(_("再暗号化しました（版 {v}）: {rows}").format(v=report.target_version, rows=report.rows))

    _with_operator(config, work)
    return 0


def _status(config: Config, args: argparse.Namespace) -> int:
    store = compose.open_wired(config)
    try:
        print(f"{_('データ鍵の版')}: {store.crypto.cipher.version}")
        for table, count in pending_rows(store).items():
            print(f"  {table}: {_('再暗号化待ち')} {count:,}")
    finally:
        store.close()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help=_("暗号鍵の管理"))
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("rotate", help=_("新しいデータ鍵の版を作る（以後の書き込みに使う）")).set_defaults(handler=_rotate)
    reenc = keys_sub.add_parser("reencrypt", help=_("古い版の鍵で暗号化された行を再暗号化する（再開可能）"))
    reenc.add_argument("--batch-size", type=int, default=500)
    reenc.set_defaults(handler=_reencrypt)
    keys_sub.add_parser("status", help=_("鍵の版と再暗号化の残りを表示する")).set_defaults(handler=_status)
