"""``nozei refund transfer-file | list`` — paying approved refunds and listing the workflow."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.domain.refund import RefundState
from core.errors import ValidationError
from core.security.permissions import Actor
from core.services.auth import AuthTools
from core.services.refunds import claim_lapses_on, list_refunds, refund_payment_run, reissue_refund_payment_file
from storage.files.export import write_private
from storage.files.refund_transfer import render_refund_run
from storage.store import Store
from tui.commands.admin import as_operator
from tui.commands.args import date_arg
from tui.i18n import _
from tui.text import REFUND_METHODS, REFUND_STATES

__all__ = ["register"]


def _transfer_file(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    if args.out.exists():
        raise ValidationError(_("出力先のファイルが既にあります: {name}").format(name=args.out.name))
    if args.reissue is not None:
        run, data = reissue_refund_payment_file(store.uow(actor.user_id), actor, pay_on=args.date,
                                                render=render_refund_run, run=args.reissue or None)
        sha = write_private(args.out, data)
        print(_("総合振込ファイルを再作成しました（支出済の {n:,}件、合計 {t:,}円）: {name}").format(
            n=len(run.refunds), t=run.total, name=args.out))
        print(f"  SHA-256 {sha}")
        return
    run, data = refund_payment_run(store.uow(actor.user_id), actor, pay_on=args.date, render=render_refund_run)
    if run.refunds:
        sha = write_private(args.out, data)
        print(_("総合振込ファイルを作成しました: {name}").format(name=args.out))
        print(_("  振込日 {d}  件数 {n:,}  合計 {t:,}円（支出済にしました）").format(
            d=run.pay_on.isoformat(), n=len(run.refunds), t=run.total))
        print(f"  SHA-256 {sha}")
    else:
        print(_("{d} に振り込む決裁済の還付はありません").format(d=run.pay_on.isoformat()))
    if run.lapsed:
        print(_("時効（地方税法18条の3）により還付請求権が消滅した過誤納 {n:,}件:").format(n=len(run.lapsed)))
        for item in run.lapsed:
            print(_("  過誤納 {id}  残額 {r:,}円  発生 {a}  消滅 {z}").format(
                id=item.id, r=item.remaining, a=item.arisen_on.isoformat(), z=claim_lapses_on(item).isoformat()))


def _list(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    state = RefundState(args.state) if args.state else None
    refunds = list_refunds(store.uow(actor.user_id), actor, state=state)
    if not refunds:
        print(_("該当する還付はありません"))
    for r in refunds:
        print(_("還付 {id}  {state}  {method}  本税等 {a:,}円  加算金 {k:,}円  支払予定 {d}  起案 {who}").format(
            id=r.id, state=_(REFUND_STATES[r.state.value]), method=_(REFUND_METHODS[r.method.value]), a=r.amount, k=r.kasankin,
            d=r.pay_on.isoformat(), who=r.drafted_by))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    refund = sub.add_parser("refund", help=_("還付（総合振込ファイル・一覧）"))
    s = refund.add_subparsers(dest="refund_command", required=True)
    tf = s.add_parser("transfer-file", help=_("振込日の決裁済還付の総合振込ファイル（全銀 種別21）を作成し支出済にする"))
    tf.add_argument("--date", type=date_arg, required=True, help=_("振込日"))
    tf.add_argument("--out", type=Path, required=True)
    tf.add_argument("--reissue", nargs="?", const="", metavar="SHA",
                    help=_("支出済にした日のファイルを作り直す（作成中に中断してファイルが残らなかったとき）。"
                           "その日の振込が複数回あるときは SHA-256 の先頭を指定する"))
    tf.set_defaults(handler=as_operator(_transfer_file))
    ls = s.add_parser("list", help=_("還付の一覧"))
    ls.add_argument("--state", choices=[st.value for st in RefundState])
    ls.set_defaults(handler=as_operator(_list))
