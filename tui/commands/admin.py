"""``nozei user … | role list | terminal … | passwd`` — each run authenticates its operator."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from core.clock import JST
from core.config import Config
from core.errors import ValidationError
from core.security.permissions import DEFAULT_ROLES, Actor
from core.services import admin
from core.text.width import pad
from core.services.auth import AuthTools, authenticate, change_password, logout
from storage.store import Store
from tui import compose
from tui.commands.login import ask, client_address, operator_session
from tui.commands.setup import print_enrolment
from tui.i18n import _

__all__ = ["register", "as_operator"]

Work = Callable[[Store, Actor, AuthTools, argparse.Namespace], None]


def as_operator(work: Work) -> Callable[[Config, argparse.Namespace], int]:
    def handler(config: Config, args: argparse.Namespace) -> int:
        store = compose.open_wired(config)
        tools = compose.auth_tools()
        try:
            with operator_session(store, config, tools) as actor:
                work(store, actor, tools, args)
        finally:
            store.close()
        return 0

    return handler


def _user_add(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    creds = admin.add_user(store.uow(), actor, tools, args.login_id, args.name, args.role or [])
    print(_("ユーザーを登録しました: {login}").format(login=creds.login_id))
    assert creds.enrolment is not None
    print_enrolment(creds.enrolment, one_time_password=creds.one_time_password)


def _user_list(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    for u in admin.list_users(store.uow(), actor):
        state = [_("停止") if u.disabled else _("有効")]
        if u.locked_until is not None and u.locked_until > tools.clock.now():
            state.append(_("ロック中（{t}まで）").format(t=u.locked_until.astimezone(JST).strftime("%H:%M")))
        if u.must_change_password:
            state.append(_("パスワード変更待ち"))
        print(f"{u.login_id:<16} {pad(u.display_name, 12)} {','.join(u.roles):<32} {' '.join(state)}")


def _simple(fn: Callable[..., object], message: str) -> Work:
    def work(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
        fn(store.uow(), actor, args.login_id)
        print(message.format(login=args.login_id))

    return work


def _reset_password(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    creds = admin.reset_password(store.uow(), actor, tools, args.login_id)
    print(_("一時パスワード（一度だけ表示。次回ログイン時に変更）: {p}").format(p=creds.one_time_password))


def _reset_otp(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    creds = admin.reset_otp(store.uow(), actor, tools, args.login_id)
    assert creds.enrolment is not None
    print(_("確認コードの秘密鍵を再発行しました: {login}").format(login=args.login_id))
    print_enrolment(creds.enrolment)


def _grant(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    fn = admin.grant_role if args.user_command == "grant" else admin.revoke_role
    changed = fn(store.uow(), actor, tools, args.login_id, args.role)
    if not changed:
        message = _("{login}: 変更はありません")
    elif args.user_command == "grant":
        message = _("{login}: {role} を付与しました")
    else:
        message = _("{login}: {role} を外しました")
    print(message.format(login=args.login_id, role=args.role))


def _role_list(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    for code, (name, perms) in admin.list_roles(store.uow(), actor).items():
        print(f"{code:<24} {name}")
        print(f"    {' '.join(sorted(perms))}")


def _terminal_add(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    admin.add_terminal(store.uow(), actor, tools, args.terminal_id, args.name or args.terminal_id,
                       can_export=args.export, is_counter=args.counter)
    print(_("端末を登録しました: {t}").format(t=args.terminal_id))


def _terminal_list(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    for t in admin.list_terminals(store.uow(), actor):
        flags = [_("出力可") if t.can_export else "", _("窓口") if t.is_counter else "", _("停止") if t.disabled else ""]
        print(f"{t.id:<24} {pad(t.name, 16)} {' '.join(f for f in flags if f)}")


def _terminal_disable(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    admin.disable_terminal(store.uow(), actor, args.terminal_id)
    print(_("端末を停止しました: {t}").format(t=args.terminal_id))


def _passwd(config: Config, args: argparse.Namespace) -> int:
    """Change one's own password (also the way through a forced change).

    Everything is asked before the login, so a one-time code is never spent on
    a run that then waits (``NOZEI_NEW_PASSWORD`` for scripted runs).
    """
    login_id = ask("NOZEI_USER", _("ログインID: "), secret=False).strip()
    current = ask("NOZEI_PASSWORD", _("現在のパスワード: "), secret=True)
    new = ask("NOZEI_NEW_PASSWORD", _("新しいパスワード（12文字以上）: "), secret=True)
    again = os.environ.get("NOZEI_NEW_PASSWORD") or ask("NOZEI_NEW_PASSWORD", _("新しいパスワード（確認）: "),
                                                         secret=True)
    if new != again:
        raise ValidationError(_("確認のパスワードが一致しません"))
    otp = ask("NOZEI_OTP", _("確認コード（6桁）: "), secret=True)
    store = compose.open_wired(config)
    tools = compose.auth_tools()
    try:
        result = authenticate(store.uow(), tools, login_id=login_id, password=current, otp_code=otp,
                              terminal_id=config.terminal_id, client_address=client_address())
        try:
            change_password(store.uow(), tools, result.session_id, current=current, new=new)
            print(_("パスワードを変更しました"))
        finally:
            logout(store.uow(), tools, result.session_id)
            compose.checkpoint(store, "logout")
    finally:
        store.close()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help=_("職員ユーザーの管理（管理者）"))
    us = user.add_subparsers(dest="user_command", required=True)
    add = us.add_parser("add", help=_("ユーザーを登録する"))
    add.add_argument("login_id")
    add.add_argument("--name", required=True)
    add.add_argument("--role", action="append", choices=sorted(DEFAULT_ROLES))
    add.set_defaults(handler=as_operator(_user_add))
    us.add_parser("list", help=_("ユーザーの一覧")).set_defaults(handler=as_operator(_user_list))
    for name, fn, message, help_text in (
        ("disable", admin.disable_user, _("利用停止にしました: {login}"), _("利用停止にする")),
        ("enable", admin.enable_user, _("利用を再開しました: {login}"), _("利用を再開する")),
        ("unlock", admin.unlock_user, _("ロックを解除しました: {login}"), _("ロックを解除する")),
    ):
        p = us.add_parser(name, help=help_text)
        p.add_argument("login_id")
        p.set_defaults(handler=as_operator(_simple(fn, message)))
    for name, work, help_text in (("reset-password", _reset_password, _("一時パスワードを発行する")),
                                  ("reset-otp", _reset_otp, _("確認コードの秘密鍵を再発行する"))):
        p = us.add_parser(name, help=help_text)
        p.add_argument("login_id")
        p.set_defaults(handler=as_operator(work))
    for name, help_text in (("grant", _("ロールを付与する")), ("revoke", _("ロールを外す"))):
        p = us.add_parser(name, help=help_text)
        p.add_argument("login_id")
        p.add_argument("role", choices=sorted(DEFAULT_ROLES))
        p.set_defaults(handler=as_operator(_grant))

    role = sub.add_parser("role", help=_("ロール（管理者）"))
    rs = role.add_subparsers(dest="role_command", required=True)
    rs.add_parser("list", help=_("ロールと権限の一覧")).set_defaults(handler=as_operator(_role_list))

    terminal = sub.add_parser("terminal", help=_("端末の管理（管理者）"))
    ts = terminal.add_subparsers(dest="terminal_command", required=True)
    tadd = ts.add_parser("add", help=_("端末を登録する"))
    tadd.add_argument("terminal_id")
    tadd.add_argument("--name")
    tadd.add_argument("--export", action="store_true", help=_("ファイル出力・印刷を許可する"))
    tadd.add_argument("--counter", action="store_true", help=_("窓口端末"))
    tadd.set_defaults(handler=as_operator(_terminal_add))
    ts.add_parser("list", help=_("端末の一覧")).set_defaults(handler=as_operator(_terminal_list))
    tdis = ts.add_parser("disable", help=_("端末を停止する"))
    tdis.add_argument("terminal_id")
    tdis.set_defaults(handler=as_operator(_terminal_disable))

    sub.add_parser("passwd", help=_("自分のパスワードを変更する")).set_defaults(handler=_passwd)
