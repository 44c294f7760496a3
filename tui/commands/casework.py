"""``nozei batch cases | plans | writeoff`` and ``nozei case worklist`` — the
delinquency section's daily batches. Output is counts, ids and amounts only."""

from __future__ import annotations

import argparse

from core.security.permissions import Actor
from core.services.auth import AuthTools
from core.services.case_view import officer_worklist
from core.services.cases import open_due_cases
from core.services.plans import check_plans
from core.services.writeoff import (
    approve_writeoff,
    list_writeoffs,
    propose_writeoff,
    reject_writeoff,
    writeoff_candidates,
)
from core.text.width import pad
from storage.store import Store
from tui.commands.admin import as_operator
from tui.commands.args import date_arg, subcommands
from tui.i18n import N_, _

__all__ = ["register", "REASONS", "COMPONENTS"]

REASONS = {"prescription": _("時効（18条）"), "suspension_3y": _("執行停止3年（15条の7④）"),
           "immediate": _("即時消滅（15条の7⑤）")}
COMPONENTS = {"honzei": _("本税"), "entaikin": _("延滞金"), "dunning_fee": _("督促手数料")}
#: The worklist's sections (core.services.case_view.SECTIONS), translatable.
SECTIONS = {"due": N_("対応予定日が来た案件"), "broken_plans": N_("分納の不履行"),
            "prescription": N_("時効完成が近い期別のある案件"), "suspension_3y": N_("執行停止3年が近い案件"),
            "seizures": N_("差押中（取立・換価待ち）"), "approvals": N_("決裁待ち（差押・執行停止・不納欠損）")}


def _cases(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    on = args.date or tools.clock.today()
    opened = open_due_cases(store.uow(actor.user_id), actor, on=on)
    print(_("滞納案件の開始: {d} {n:,}件").format(d=on.isoformat(), n=len(opened)))


def _plans(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    on = args.date or tools.clock.today()
    check = check_plans(store.uow(actor.user_id), actor, on=on)
    print(_("分納の点検: {d} 点検 {n:,}件  不履行 {b:,}件  完了 {c:,}件").format(
        d=on.isoformat(), n=check.checked, b=len(check.defaulted), c=len(check.completed)))


def _writeoff(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    today = tools.clock.today()
    uow = store.uow(actor.user_id)
    if args.approve is not None:
        run = approve_writeoff(uow, actor, args.approve, today=today)
        print(_("不納欠損を決裁しました: 起案 {r}  {n:,}件  {t:,}円").format(r=run.id, n=run.items, t=run.total))
        return
    if args.reject is not None:
        reject_writeoff(uow, actor, args.reject)
        print(_("不納欠損を否決しました: 起案 {r}").format(r=args.reject))
        return
    if args.fiscal_year is None:
        raise SystemExit(_("--fiscal-year, --approve, --reject のいずれかを指定してください"))
    found = writeoff_candidates(uow, actor, fiscal_year=args.fiscal_year, today=today)
    print(_("{y}年度 不納欠損の候補 {n:,}件").format(y=args.fiscal_year, n=len(found)))
    totals: dict[tuple[str, str], int] = {}
    for c in found:
        key = (c.item.reason.value, c.item.component)
        totals[key] = totals.get(key, 0) + c.item.amount
    for (reason, component), yen in sorted(totals.items()):
        print("  " + pad(REASONS[reason], 28) + pad(COMPONENTS[component], 12) + pad(f"{yen:,}", 14, right=True))
    if args.propose and found:
        run_id = propose_writeoff(store.uow(actor.user_id), actor, fiscal_year=args.fiscal_year, today=today)
        print(_("起案しました: 起案 {r}（別の統括者の決裁が必要です: nozei batch writeoff --approve {r}）").format(r=run_id))
    for run in list_writeoffs(store.uow(actor.user_id), actor, fiscal_year=args.fiscal_year):
        print(_("  起案 {r}: {s}  {n:,}件  {t:,}円  起案者 {p}  決裁者 {a}").format(
            r=run.id, s=run.status, n=run.items, t=run.total, p=run.proposed_by, a=run.approved_by or "-"))


def _worklist(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    today = args.date or tools.clock.today()
    wl = officer_worklist(store.uow(actor.user_id), actor, today=today, officer=args.officer, everyone=args.all)
    print(_("作業一覧 {d}（担当 {o}）").format(d=today.isoformat(), o=wl.officer or _("全員")))
    for key, label in SECTIONS.items():
        rows = wl.sections.get(key, ())
        print(f"  {_(label)}: {len(rows):,}")
        for r in rows[: args.limit]:
            print("    " + pad(f"#{r.case_id}", 8) + pad(r.atena_no, 12) + pad(f"{r.honzei_due:,}", 12, right=True)
                  + "  " + r.note)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = subcommands(sub, "batch", help=_("一括処理"), dest="batch_command")
    cases = b.add_parser("cases", help=_("督促の指定期限後も未納の納税者に滞納案件を開始する"))
    cases.add_argument("--date", type=date_arg, help=_("基準日（既定: 今日）"))
    cases.set_defaults(handler=as_operator(_cases))
    plans = b.add_parser("plans", help=_("分納誓約の履行を点検する（不履行・完了の記録）"))
    plans.add_argument("--date", type=date_arg, help=_("基準日（既定: 今日）"))
    plans.set_defaults(handler=as_operator(_plans))
    wo = b.add_parser("writeoff", help=_("不納欠損の候補・起案・決裁"))
    wo.add_argument("--fiscal-year", type=int, help=_("欠損処分の年度（西暦）"))
    wo.add_argument("--propose", action="store_true", help=_("候補のすべてを起案する"))
    wo.add_argument("--approve", type=int, metavar="RUN", help=_("起案を決裁する（起案者以外）"))
    wo.add_argument("--reject", type=int, metavar="RUN", help=_("起案を否決する（起案者以外）"))
    wo.set_defaults(handler=as_operator(_writeoff))
    c = subcommands(sub, "case", help=_("滞納案件"), dest="case_command")
    wl = c.add_parser("worklist", help=_("担当者の作業一覧（対応日・不履行・時効・執行停止・差押・決裁待ち）"))
    wl.add_argument("--date", type=date_arg, help=_("基準日（既定: 今日）"))
    wl.add_argument("--officer", help=_("担当者（既定: 自分）"))
    wl.add_argument("--all", action="store_true", help=_("全担当者"))
    wl.add_argument("--limit", type=int, default=20, help=_("各区分の表示件数"))
    wl.set_defaults(handler=as_operator(_worklist))
