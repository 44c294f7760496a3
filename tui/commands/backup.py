"""``nozei backup create | check | restore`` (administrators: ``admin.keys``).

The archive is encrypted and authenticated with a key derived from the key file,
which is never part of it: keep the key file and the backups in different places.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.config import Config
from core.errors import NozeiError
from core.services.backups import check_backup_file, create_backup, restore_backup
from tui import compose
from tui.commands.login import operator_session
from tui.i18n import _

__all__ = ["register"]


def _rows(rows: dict[str, int]) -> str:
    return _("{tables} 表・{rows:,} 行").format(tables=len(rows), rows=sum(rows.values()))


def _create(config: Config, args: argparse.Namespace) -> int:
    store = compose.open_wired(config)
    try:
        with operator_session(store, config, compose.auth_tools()) as actor:
            summary = create_backup(store.uow(), actor, compose.backups(store), args.file)
        print(_("バックアップを作成しました: {path}").format(path=summary.path))
        print(f"  {_rows(summary.rows)}, {summary.size:,} bytes")
        print(f"  SHA-256 {summary.sha256}")
        print(_("鍵ファイルはバックアップに含まれません。鍵ファイルは別の場所に保管してください"))
    finally:
        store.close()
    return 0


def _check(config: Config, args: argparse.Namespace) -> int:
    store = compose.open_wired(config)
    try:
        with operator_session(store, config, compose.auth_tools()) as actor:
            summary = check_backup_file(store.uow(), actor, compose.backups(store), args.file)
        print(_("バックアップは完全です（{created} 作成、スキーマ {schema}）: {rows}").format(
            created=summary.created_at, schema=summary.schema, rows=_rows(summary.rows)))
    finally:
        store.close()
    return 0


def _confirm(args: argparse.Namespace) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise NozeiError(_("復元はデータベースの全行を置き換えます。確認のため --yes を付けてください"))
    answer = input(_("データベースの全行をバックアップの内容で置き換えます。よろしいですか [y/N]: "))
    if answer.strip().lower() not in ("y", "yes"):
        raise NozeiError(_("復元を取りやめました（何も変更していません）"))


def _restore(config: Config, args: argparse.Namespace) -> int:
    store = compose.open_wired(config)
    try:
        with operator_session(store, config, compose.auth_tools()) as actor:
            backups = compose.backups(store)
            summary = check_backup_file(store.uow(), actor, backups, args.file)
            print(_("バックアップは完全です（{created} 作成）: {rows}").format(
                created=summary.created_at, rows=_rows(summary.rows)))
            _confirm(args)
            restored = restore_backup(store.uow(), actor, backups, args.file)
        print(_("復元しました: {rows}（SHA-256 {sha}）").format(rows=_rows(restored.rows), sha=restored.sha256))
        if restored.audit_log == "kept":
            print(_("監査ログは現在のものを保持し、復元の記録を追加しました（バックアップ後の記録も残っています）"))
        else:
            print(_("監査ログはバックアップのものに戻しました。置き換えた監査ログの末尾は復元の記録にあります"))
            print(_("復元前のチェックポイントファイルは .before-restore-… として残しています"))
        if restored.purges_undone:
            print(_("注意: バックアップの後に行った保存期間経過データの消去 {n} 回が取り消されました。"
                    "`nozei retention plan --propose` で改めて起案してください").format(n=restored.purges_undone))
    finally:
        store.close()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser("backup", help=_("暗号化バックアップの作成・検査・復元"))
    backup_sub = backup.add_subparsers(dest="backup_command", required=True)
    create = backup_sub.add_parser("create", help=_("全表の暗号化バックアップを作る（鍵ファイルは含まない）"))
    create.add_argument("file", type=Path)
    create.set_defaults(handler=_create)
    check = backup_sub.add_parser("check", help=_("バックアップを検査する（データベースは変更しない）"))
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_check)
    restore = backup_sub.add_parser("restore", help=_("バックアップを検査してから全行を置き換える"))
    restore.add_argument("file", type=Path)
    restore.add_argument("--yes", action="store_true", help=_("確認を省く（スクリプト用）"))
    restore.set_defaults(handler=_restore)
