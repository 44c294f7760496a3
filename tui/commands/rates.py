"""``nozei rates list | proposals | propose | approve | reject`` — the rate table (maker–checker)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from core.config import Config
from core.rules.rates import YearRates
from core.security.permissions import Actor
from core.services.auth import AuthTools
from core.services.rates import approve_rates, list_rate_proposals, propose_rates, reject_rates
from storage.store import Store
from tui.commands.admin import as_operator
from tui.commands.calc import rate_table
from tui.i18n import _

__all__ = ["register"]


def _list(config: Config, args: argparse.Namespace) -> int:
    print(_("延滞金・還付加算金の割合（年率%）"))
    print(f"  {_('年')}    {_('1月以内')}  {_('1月超')}  {_('還付加算金')}")
    for year, r in sorted(rate_table(config).items()):
        print(f"  {year}  {r.within_month:>7}  {r.after_month:>6}  {r.refund_interest:>10}")
    return 0


def _proposals(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    proposals = list_rate_proposals(store.uow(), actor)
    if not proposals:
        print(_("承認待ちの変更案はありません"))
    for p in proposals:
        r = p.rates
        print(_("{year}年: {w}% / {a}% / {k}%（提案 {who}、{when}）").format(
            year=r.year, w=r.within_month, a=r.after_month, k=r.refund_interest, who=p.proposed_by,
            when=p.proposed_at[:16]))


def _propose(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    rates = YearRates(args.year, args.within_month, args.after_month, args.refund_interest)
    propose_rates(store.uow(), actor, rates, now=datetime.now(UTC))
    print(_("{year}年の割合の変更案を登録しました。別の管理者の承認で反映されます").format(year=args.year))


def _approve(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    approve_rates(store.uow(), actor, args.year)
    print(_("{year}年の割合を反映しました").format(year=args.year))


def _reject(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    reject_rates(store.uow(), actor, args.year)
    print(_("{year}年の割合の変更案を却下しました").format(year=args.year))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rates = sub.add_parser("rates", help=_("延滞金・還付加算金の割合表（変更は管理者2名で）"))
    s = rates.add_subparsers(dest="rates_command", required=True)
    s.add_parser("list", help=_("適用中の割合表を表示する")).set_defaults(handler=_list)
    s.add_parser("proposals", help=_("承認待ちの変更案")).set_defaults(handler=as_operator(_proposals))
    propose = s.add_parser("propose", help=_("ある年の割合の変更案を登録する"))
    propose.add_argument("--year", type=int, required=True)
    propose.add_argument("--within-month", required=True, help=_("納期限後1月以内の割合（%）"))
    propose.add_argument("--after-month", required=True, help=_("1月経過後の割合（%）"))
    propose.add_argument("--refund-interest", required=True, help=_("還付加算金の割合（%）"))
    propose.set_defaults(handler=as_operator(_propose))
    for name, work, help_text in (("approve", _approve, _("変更案を承認して反映する（提案者以外）")),
                                  ("reject", _reject, _("変更案を却下する"))):
        p = s.add_parser(name, help=help_text)
        p.add_argument("--year", type=int, required=True)
        p.set_defaults(handler=as_operator(work))
