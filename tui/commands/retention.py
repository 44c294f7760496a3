"""``nozei retention plan | purge | list | cancel`` — 保存期間を経過したデータの消去.

An administrator counts what is due and proposes a run; a supervisor other than
the proposer approves it, which deletes the rows. Output is counts, run numbers
and (with ``--items``) internal references only."""

from __future__ import annotations

import argparse

from core.errors import ValidationError
from core.security.permissions import Actor
from core.services.auth import AuthTools
from core.security.permissions import Permission
from core.services.retention import (KINDS, cancel_run, list_runs, propose_purge, purge, retention_plan,
                                     runs_awaiting_approval)
from core.text.width import pad
from storage.store import Store
from tui.commands.admin import as_operator
from tui.commands.args import date_arg, subcommands
from tui.i18n import N_, _

__all__ = ["register", "KIND_LABELS", "STATUS_LABELS"]

KIND_LABELS = {"taxpayer": N_("納税者ファイル（宛名・賦課・収納・滞納整理の一式）"),
               "certificate": N_("納税証明書の発行記録"), "taxpayer_history": N_("宛名の異動履歴")}
KIND_SHORT = {"taxpayer": N_("納税者"), "certificate": N_("証明書"), "taxpayer_history": N_("宛名履歴")}
STATUS_LABELS = {"proposed": N_("決裁待ち"), "purged": N_("消去済"), "cancelled": N_("取下げ")}


def _plan(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    today = tools.clock.today()
    as_of = args.as_of or today
    if args.propose and as_of > today:
        raise ValidationError(_("未来の基準日では起案できません（基準日 {d}）").format(d=as_of.isoformat()))
    plan = retention_plan(store.uow(actor.user_id), actor, as_of)
    print(_("基準日 {d} に保存期間を経過したデータ").format(d=as_of.isoformat()))
    for kind in KINDS:
        print("  " + pad(_(KIND_LABELS[kind]), 52) + _("{n:,}件（{c} 以前の記録）").format(
            n=plan.counts[kind], c=plan.cutoffs[kind].isoformat()))
        if args.items:
            for item in plan.items:
                if item.kind == kind:
                    print(f"      {item.ref}")
    if not args.propose:
        return
    if not plan.items:
        print(_("消去の対象はありません"))
        return
    run = propose_purge(store.uow(actor.user_id), actor, as_of)
    print(_("起案しました: 起案 {r}（起案者以外の統括者の決裁が必要です: nozei retention purge {r}）").format(r=run.id))


def _purge(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    result = purge(store.uow(actor.user_id), actor, args.run, tools.clock.today())
    print(_("消去しました: 起案 {r}（基準日 {d}）").format(r=result.run.id, d=result.run.as_of.isoformat()))
    for kind in KINDS:
        print("  " + pad(_(KIND_LABELS[kind]), 52) + _("消去 {n:,}件  対象外になったもの {s:,}件").format(
            n=result.purged[kind], s=result.skipped[kind]))


def _list(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    # an administrator sees every run; a supervisor those awaiting their decision
    lister = list_runs if actor.can(Permission.ADMIN_SETTINGS) else runs_awaiting_approval
    runs = lister(store.uow(actor.user_id), actor)
    if not runs:
        print(_("消去の起案はありません"))
    for run in runs:
        done = run.counts.get("purged") or run.counts.get("proposed", {})
        print(_("起案 {r}: {s}  基準日 {d}  起案者 {p}  決裁者 {a}  件数 {n}").format(
            r=run.id, s=_(STATUS_LABELS.get(run.status, run.status)), d=run.as_of.isoformat(), p=run.proposed_by,
            a=run.approved_by or "-", n="・".join(f"{_(KIND_SHORT[k])} {done.get(k, 0):,}" for k in KINDS)))


def _cancel(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    run = cancel_run(store.uow(actor.user_id), actor, args.run)
    print(_("取り下げました: 起案 {r}").format(r=run.id))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = subcommands(sub, "retention", help=_("保存期間を経過したデータの消去"), dest="retention_command")
    plan = r.add_parser("plan", help=_("消去の対象を数える（--propose で起案する）"))
    plan.add_argument("--as-of", type=date_arg, help=_("基準日（既定: 今日）"))
    plan.add_argument("--propose", action="store_true", help=_("対象のすべてを起案する"))
    plan.add_argument("--items", action="store_true", help=_("対象の宛名番号・記録番号も表示する"))
    plan.set_defaults(handler=as_operator(_plan))
    pg = r.add_parser("purge", help=_("起案を決裁して消去する（起案者以外の統括者）"))
    pg.add_argument("run", type=int, metavar="RUN", help=_("起案番号"))
    pg.set_defaults(handler=as_operator(_purge))
    ls = r.add_parser("list", help=_("消去の起案の一覧"))
    ls.set_defaults(handler=as_operator(_list))
    cancel = r.add_parser("cancel", help=_("起案を取り下げる"))
    cancel.add_argument("run", type=int, metavar="RUN", help=_("起案番号"))
    cancel.set_defaults(handler=as_operator(_cancel))
