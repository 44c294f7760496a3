"""``nozei batch reminders | callcenter export | callcenter import | report delinquency | case filter``
— the 滞納整理 section's batch work. Output is counts and yen, never personal data.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import sys
from pathlib import Path

from core.domain.callcenter import CallTarget
from core.errors import NozeiError, ValidationError
from core.security.permissions import Actor
from core.services.auth import AuthTools
from core.services.delinquency_stats import UnpaidRow, delinquency_statistics, unpaid_statistics
from core.services.reminders import (
    Criteria,
    callcenter_targets,
    delete_filter,
    import_call_records,
    list_filters,
    run_reminders,
    save_filter,
)
from core.text.width import pad
from storage.files.callcenter import parse_call_records, render_call_targets
from storage.files.csvread import FileFormatError
from storage.files.export import write_private
from storage.store import Store
from tui.commands.admin import as_operator
from tui.commands.args import date_arg, subcommands
from tui.i18n import N_, _
from tui.text import file_label

__all__ = ["register"]

_MAX_FILE = 256 * 1024**2
CASE_STATUSES: dict[str, str] = {"open": N_("未着手"), "contact": N_("折衝中"), "plan": N_("分納中"),
                                 "disposition": N_("処分中"), "suspended": N_("執行停止中"), "closed": N_("完結")}
CRITERIA_LABELS: dict[str, str] = {
    "min_amount": N_("滞納額の下限"), "max_amount": N_("滞納額の上限"), "min_age_days": N_("経過日数"),
    "tax_codes": N_("税目"), "team": N_("地区"), "officer": N_("担当者"), "statuses": N_("状態"),
    "not_reminded_days": N_("未催告日数")}
WRITEOFF_REASONS: dict[str, str] = {"prescription": N_("時効"), "suspension_3y": N_("執行停止3年"),
                                    "immediate": N_("即時消滅")}


def _criteria_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-amount", type=int, help=_("本税の滞納額がこの金額（円）以上"))
    p.add_argument("--max-amount", type=int, help=_("本税の滞納額がこの金額（円）以下"))
    p.add_argument("--min-age-days", type=int, help=_("最古の納期限からこの日数以上"))
    p.add_argument("--tax-code", action="append", help=_("税目コード（01〜05、複数指定可）"))
    p.add_argument("--team", help=_("地区"))
    p.add_argument("--officer", help=_("担当者（利用者ID）"))
    p.add_argument("--status", action="append", choices=[s for s in CASE_STATUSES if s != "closed"],
                   help=_("案件の状態（複数指定可）"))
    p.add_argument("--not-reminded-days", type=int, help=_("この日数以内に催告していない案件"))


def _criteria(args: argparse.Namespace) -> Criteria:
    return Criteria(min_amount=args.min_amount, max_amount=args.max_amount, min_age_days=args.min_age_days,
                    tax_codes=tuple(args.tax_code or ()), team=args.team, officer=args.officer,
                    statuses=tuple(args.status or ()), not_reminded_days=args.not_reminded_days)


def _reminders(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    criteria = _criteria(args)
    if args.filter and criteria.to_dict():
        raise ValidationError(_("--filter と条件は同時に指定できません"))
    run = run_reminders(store.uow(actor.user_id), actor, on=args.date, filter_name=args.filter,
                        criteria=None if args.filter else criteria)
    print(_("催告: {d} 対象 {n:,}件  記録 {r:,}件").format(d=run.on.isoformat(), n=run.selected, r=run.recorded))
    if run.already:
        print(_("  同じ日に記録済み {n:,}件").format(n=run.already))
    if run.stopped:
        print(_("  催告停止 {n:,}件").format(n=run.stopped))


def _export(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    out: Path = args.out
    if out.exists():
        raise ValidationError(_("出力先のファイルが既にあります: {name}").format(name=out.name))
    digest: list[str] = []

    def write(rows: list[CallTarget]) -> str:
        digest.append(write_private(out, render_call_targets(rows)))
        return digest[0]

    targets = callcenter_targets(store.uow(actor.user_id), actor, month=args.month, criteria=_criteria(args),
                                 on=tools.clock.today(), write=write, file_name=out.name)
    print(_("催告センター向けファイルを作成しました: {name}").format(name=out))
    print(_("  対象月 {m}  件数 {n:,}  滞納額合計 {t:,}円").format(m=args.month, n=len(targets),
                                                            t=sum(t.total_due for t in targets)))
    print(f"  SHA-256 {digest[0]}")


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > _MAX_FILE:
            raise ValidationError(_("ファイルが大きすぎます（256MiBまで）"))
        return path.read_bytes()
    except FileNotFoundError:
        raise NozeiError(_("ファイルがありません: {name}").format(name=path)) from None
    except IsADirectoryError:
        raise NozeiError(_("フォルダではなくファイルを指定してください: {name}").format(name=path)) from None


def _import(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    path: Path = args.file
    now = tools.clock.now()
    try:
        parsed = parse_call_records(_read(path), now=now)
    except FileFormatError as exc:
        print(_("{name}: 取り込めません（何も反映していません）").format(name=path.name), file=sys.stderr)
        print(exc.report(), file=sys.stderr)
        raise SystemExit(2) from None
    s = import_call_records(store.uow(actor.user_id), actor, parsed.records, sha256=parsed.sha256,
                            file_name=file_label(path), now=now)
    if s.already_imported:
        print(_("このファイルは取込済みです（{n:,}件）。何も反映していません").format(n=s.records))
        return
    print(_("折衝記録を取り込みました: {name}").format(name=path.name))
    print(_("  件数 {n:,}（登録 {a:,}・登録済みの記録キー {k:,}）  案件 {c:,}件").format(
        n=s.records, a=s.applied, k=s.skipped, c=s.cases))
    print(f"  SHA-256 {s.sha256}")


def _unpaid_rows(rows: Sequence[UnpaidRow]) -> None:
    print("  " + pad(_("年度"), 8) + pad(_("税目"), 24) + pad(_("人数"), 10, right=True)
          + pad(_("期別数"), 10, right=True) + pad(_("本税"), 16, right=True) + pad(_("延滞金"), 14, right=True))
    for r in rows:
        print("  " + pad(str(r.fiscal_year), 8) + pad(r.tax_name, 24) + pad(f"{r.taxpayers:,}", 10, right=True)
              + pad(f"{r.periods:,}", 10, right=True) + pad(f"{r.honzei_due:,}", 16, right=True)
              + pad(f"{r.entaikin_due:,}", 14, right=True))


def _unpaid(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    st = unpaid_statistics(store.uow(actor.user_id), actor, as_of=args.date or tools.clock.today())
    print(_("滞納額と延滞金（{d}現在）").format(d=st.as_of.isoformat()))
    print(_("  滞納者 {n:,}人  滞納本税 {t:,}円  延滞金 {e:,}円（未納の期別 {p:,}件を計算）").format(
        n=st.delinquent_taxpayers, t=st.honzei_due, e=st.entaikin_due, p=st.periods_examined))
    _unpaid_rows(st.rows)


def _report(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    st = delinquency_statistics(store.uow(actor.user_id), actor, as_of=args.date or tools.clock.today())
    print(_("滞納統計（{d}現在・{y}年度）").format(d=st.as_of.isoformat(), y=st.fiscal_year))
    print(_("  滞納者 {n:,}人  滞納本税 {t:,}円  延滞金 {e:,}円").format(
        n=st.delinquent_taxpayers, t=st.honzei_due, e=sum(r.entaikin_due for r in st.unpaid)))
    _unpaid_rows(st.unpaid)
    print(_("{y}年度 滞納繰越分の収納").format(y=st.fiscal_year))
    for r in [*st.carried, st.carried_total]:
        print("  " + pad(_("合計") if r.tax_name == "合計" else r.tax_name, 24)
              + _("  調定 {a:,}円  収納 {c:,}円  収納率 {p:.2f}%").format(a=r.assessed, c=r.collected, p=r.rate))
    print(_("滞納案件（状態別）"))
    print("  " + "  ".join(f"{_(CASE_STATUSES[s])} {n:,}" for s, n in st.cases_by_status))
    print(_("滞納案件（担当者別・完結を除く）"))
    for officer, n in st.cases_by_officer:
        print("  " + pad(officer or _("未割当"), 16) + pad(f"{n:,}", 10, right=True))
    print(_("不納欠損（決裁済）"))
    if not st.writeoffs:
        print(_("  なし"))
    for w in st.writeoffs:
        print(_("  {y}年度  {why}  {a:,}円").format(y=w.fiscal_year, why=_(WRITEOFF_REASONS.get(w.reason, w.reason)),
                                                  a=w.amount))


def _filter_save(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    save_filter(store.uow(actor.user_id), actor, args.name, _criteria(args), shared=args.shared)
    print(_("検索条件を保存しました: {name}").format(name=args.name))


def _filter_list(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    found = list_filters(store.uow(actor.user_id), actor)
    if not found:
        print(_("保存された検索条件はありません"))
    for f in found:
        shared = _("共有") if f.shared else _("個人")
        terms = "  ".join(f"{_(CRITERIA_LABELS.get(k, k))} {','.join(map(str, v)) if isinstance(v, list) else v}"
                          for k, v in f.criteria.items())
        print(f"{pad(f.name, 24)} {pad(f.owner, 12)} {pad(shared, 6)} {terms}")


def _filter_delete(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    delete_filter(store.uow(actor.user_id), actor, args.name)
    print(_("検索条件を削除しました: {name}").format(name=args.name))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = subcommands(sub, "batch", help=_("一括処理"), dest="batch_command")
    rem = b.add_parser("reminders", help=_("条件に合う滞納案件に催告を記録する（1日1回）"))
    rem.add_argument("--date", type=date_arg, required=True, help=_("催告日"))
    rem.add_argument("--filter", help=_("保存した検索条件の名前"))
    _criteria_flags(rem)
    rem.set_defaults(handler=as_operator(_reminders))

    cc = sub.add_parser("callcenter", help=_("納税催告センター（対象の出力・折衝記録の取込）"))
    c = cc.add_subparsers(dest="callcenter_command", required=True)
    exp = c.add_parser("export", help=_("月の催告対象をCSVに出力する"))
    exp.add_argument("--month", required=True, help=_("対象月（YYYY-MM）"))
    exp.add_argument("--out", type=Path, required=True)
    _criteria_flags(exp)
    exp.set_defaults(handler=as_operator(_export))
    imp = c.add_parser("import", help=_("センターの折衝記録CSVを取り込む"))
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=as_operator(_import))

    r = subcommands(sub, "report", help=_("統計"), dest="report_command")
    rep = r.add_parser("delinquency", help=_("滞納額・滞納繰越分の収納・案件・不納欠損"))
    rep.add_argument("--date", type=date_arg, help=_("基準日（既定: 今日）"))
    rep.set_defaults(handler=as_operator(_report))
    unp = r.add_parser("unpaid", help=_("滞納本税と延滞金（年度・税目別、基準日現在）"))
    unp.add_argument("--date", type=date_arg, help=_("基準日（既定: 今日）"))
    unp.set_defaults(handler=as_operator(_unpaid))

    case = subcommands(sub, "case", help=_("滞納案件"), dest="case_command")
    flt = case.add_parser("filter", help=_("案件の検索条件（保存・一覧・削除）"))
    f = flt.add_subparsers(dest="filter_command", required=True)
    save = f.add_parser("save", help=_("検索条件を保存する（同じ名前は置き換え）"))
    save.add_argument("name")
    save.add_argument("--shared", action="store_true", help=_("他の職員にも見えるようにする"))
    _criteria_flags(save)
    save.set_defaults(handler=as_operator(_filter_save))
    f.add_parser("list", help=_("自分の条件と共有された条件")).set_defaults(handler=as_operator(_filter_list))
    delete = f.add_parser("delete", help=_("自分の検索条件を削除する"))
    delete.add_argument("name")
    delete.set_defaults(handler=as_operator(_filter_delete))
