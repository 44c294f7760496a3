"""``nozei run | demo | demo-otp | init | db``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import segno

from core.config import Config
from core.dates import parse_date
from core.domain.identity import OtpEnrolment
from core.errors import NozeiError
from core.services import admin
from core.text.width import pad
from tui import compose
from tui.i18n import _

__all__ = ["register", "print_enrolment"]


def print_enrolment(enrolment: OtpEnrolment, *, one_time_password: str | None = None) -> None:
    """Show the OTP enrolment three ways: base32, otpauth URI, QR drawn in the terminal."""
    if one_time_password:
        print(f"  {_('初回パスワード（一度だけ表示）')}: {one_time_password}")
    print(f"  {_('OTP秘密鍵（base32）')}: {enrolment.secret_base32}")
    print(f"  otpauth URI: {enrolment.uri}")
    segno.make(enrolment.uri, error="m").terminal(out=sys.stdout, compact=True)


def _run(config: Config, args: argparse.Namespace) -> int:
    from tui.app import NozeiApp

    store, context = compose.open_context(config)
    services = compose.SessionServices(store, compose.auth_tools(), config.terminal_id)
    app = NozeiApp(context, services)
    try:
        app.run()
    finally:
        if app.session_id is not None:  # quitting while signed in ends the session
            services.logout(app.session_id)
        compose.checkpoint(store, "shutdown")
        store.close()
    return 0


def _demo(config: Config, args: argparse.Namespace) -> int:
    from storage.demo.build import build_demo
    from storage.demo.users import DEMO_PASSWORD, DEMO_USERS

    if args.taxpayers < 1:
        raise NozeiError(_("--taxpayers は1以上です"))

    def progress(n: int) -> None:
        print(f"\r  {n:,} / {args.taxpayers:,}", end="", file=sys.stderr, flush=True)

    store, summary = build_demo(config, taxpayers_count=args.taxpayers, seed=args.seed, as_of=args.as_of,
                                progress=progress, tools=compose.auth_tools(),
                                audit_factory=compose.AuditWriter)
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
    print(f"  {_('督促')}: {summary.dunnings:,}  {_('振替請求')}: {summary.transfer_items:,}  "
          f"{_('未消込')}: {summary.suspense:,}  {_('取消')}: {summary.reversals:,}  "
          f"{_('充当')}: {summary.appropriations:,}  {_('還付')}: {summary.refunds:,}")
    print(f"  {_('滞納案件')}: {summary.cases:,}  {_('経過記録')}: {summary.case_records:,}  "
          f"{_('分納誓約')}: {summary.plans:,}  {_('財産調査')}: {summary.investigations:,}  "
          f"{_('差押等')}: {summary.dispositions:,}  {_('執行停止')}: {summary.suspensions:,}  "
          f"{_('不納欠損')}: {summary.writeoff_runs:,}")
    print(f"  {_('所要時間')}: {summary.seconds:.1f} s")
    print(_("デモ用の職員（パスワードはすべて {p}、端末 {t}）:").format(p=DEMO_PASSWORD, t=config.terminal_id))
    for u in DEMO_USERS:
        print(f"  {u.login_id:<11} {pad(u.display_name, 12)} {','.join(u.roles):<32} OTP {u.otp_secret}")
    print(_("確認コードは `nozei demo-otp ログインID` で表示できます（デモのみ）"))
    return 0


def _demo_otp(config: Config, args: argparse.Namespace) -> int:
    from storage.demo.users import DEMO_USERS
    store = compose.open_wired(config)
    try:
        if not store.is_demo:
            raise NozeiError(_("デモ用データベースではありません"))
    finally:
        store.close()
    user = next((u for u in DEMO_USERS if u.login_id == args.login_id), None)
    if user is None:
        raise NozeiError(_("デモ用の職員ではありません: {login}").format(login=args.login_id))
    tools = compose.auth_tools()
    print(tools.otp.code(user.otp_secret, tools.otp.step_at(tools.clock.now())))
    return 0


def _init(config: Config, args: argparse.Namespace) -> int:
    tools = compose.auth_tools()
    store = compose.create_wired(config, municipality_code=args.municipality_code,
                         municipality_name=args.municipality_name, demo=False)
    try:
        creds = admin.bootstrap(store.uow(), tools, login_id=args.admin_id, display_name=args.admin_name,
                                terminal_id=config.terminal_id)
    finally:
        store.close()
    print(_("本番用データベースを作成しました"))
    print(f"  {_('データベース')}: {config.resolved_database_url}")
    print(f"  {_('鍵ファイル')}: {config.resolved_key_file}")
    print(_("鍵ファイルはバックアップに含まれません。失うとデータを復号できません。別途安全に保管してください。"))
    print(_("最初の管理者 {login}（端末 {t} を登録しました）:").format(login=creds.login_id, t=config.terminal_id))
    assert creds.enrolment is not None
    print_enrolment(creds.enrolment, one_time_password=creds.one_time_password)
    print(_("初回ログイン時にパスワードの変更が求められます（`nozei passwd`）"))
    return 0


def _db(config: Config, args: argparse.Namespace) -> int:
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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("run", help=_("端末アプリケーションを起動する（既定）")).set_defaults(handler=_run)

    demo = sub.add_parser("demo", help=_("デモ用の架空の団体を作成する"))
    demo.add_argument("--data-dir", type=Path, dest="sub_data_dir")
    demo.add_argument("--taxpayers", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--as-of", type=parse_date, help=_("基準日（既定: 今日）"))
    demo.set_defaults(handler=_demo)

    otp = sub.add_parser("demo-otp", help=_("デモ用職員の現在の確認コードを表示する（デモのみ）"))
    otp.add_argument("login_id")
    otp.set_defaults(handler=_demo_otp)

    init = sub.add_parser("init", help=_("本番用のデータベースと鍵ファイルを作成する"))
    init.add_argument("--data-dir", type=Path, dest="sub_data_dir")
    init.add_argument("--municipality-code", required=True)
    init.add_argument("--municipality-name", required=True)
    init.add_argument("--admin-id", default="admin")
    init.add_argument("--admin-name", default="システム管理者")
    init.set_defaults(handler=_init)

    db = sub.add_parser("db", help=_("データベースのスキーマ"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=_("スキーマを最新にする"))
    db_sub.add_parser("status", help=_("スキーマの版を表示する"))
    db.set_defaults(handler=_db)
