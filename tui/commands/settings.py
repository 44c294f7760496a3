"""``nozei settings show | set KEY JSON`` — collection policies (needs ``admin.settings``)."""

from __future__ import annotations

import argparse
import json

from core.errors import ValidationError
from core.security.permissions import Actor
from core.services.auth import AuthTools
from core.services.policy_settings import POLICY_KEYS, set_policy, show_policies
from storage.store import Store
from tui.commands.admin import as_operator
from tui.i18n import _

__all__ = ["register"]


def _show(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    for key, value in show_policies(store.uow(actor.user_id), actor).items():
        shown = json.dumps(value, ensure_ascii=False) if value is not None else _("（既定値）")
        print(f"{key} = {shown}")
        print(f"    {POLICY_KEYS[key]}")


def _set(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    try:
        value = json.loads(args.value)
    except json.JSONDecodeError:
        raise ValidationError(_("値は JSON で指定してください（例: 100、{\"fee\": 100}）")) from None
    set_policy(store.uow(actor.user_id), actor, args.key, value)
    print(_("{key} を変更しました").format(key=args.key))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    settings = sub.add_parser("settings", help=_("収納の方針（充当順序・督促・未消込・口座振替委託者）"))
    s = settings.add_subparsers(dest="settings_command", required=True)
    s.add_parser("show", help=_("現在の設定を表示する")).set_defaults(handler=as_operator(_show))
    p = s.add_parser("set", help=_("設定を変更する（値は JSON）"))
    p.add_argument("key", choices=sorted(POLICY_KEYS))
    p.add_argument("value")
    p.set_defaults(handler=as_operator(_set))
