"""``nozei import | transfer | batch | report`` — the collection section's batch work.

Every command authenticates its operator (password + OTP, or NOZEI_USER /
NOZEI_PASSWORD / NOZEI_OTP), validates the whole file before anything is
applied and prints a summary of counts and totals (never personal data).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import NozeiError, ValidationError
from core.security.permissions import Actor
from core.services.account import collection_statistics
from core.services.auth import AuthTools
from core.services.dunning import SKIP_REASONS, run_dunning
from core.services.imports import (
    AssessmentRow,
    AtenaRow,
    import_assessments,
    import_atena,
)
from core.services.payments import ImportSummary, import_payments
from core.services.transfer import ResultLine, apply_transfer_results, request_transfers
from core.text.width import pad
from storage.files import zengin
from storage.files.assessments_csv import parse_assessments
from storage.files.atena_csv import parse_atena
from storage.files.csvread import FileFormatError
from storage.files.export import sha256_of, write_private
from storage.files.payments_csv import read_mapping
from storage.files.payments_stream import PaymentStream
from storage.files.transfer_request import render_transfer_request
from storage.store import Store
from tui.commands.admin import as_operator
from tui.commands.args import date_arg, subcommands
from tui.i18n import _
from tui.text import file_label

__all__ = ["register"]

_MAX_FILE = 2 * 1024**3


def _size(path: Path) -> None:
    try:
        if path.stat().st_size > _MAX_FILE:
            raise ValidationError(_("ファイルが大きすぎます（2GiBまで）"))
        if path.is_dir():
            raise IsADirectoryError(path)
    except FileNotFoundError:
        raise NozeiError(_("ファイルがありません: {name}").format(name=path)) from None
    except IsADirectoryError:
        raise NozeiError(_("フォルダではなくファイルを指定してください: {name}").format(name=path)) from None


def _read(path: Path) -> bytes:
    _size(path)
    return path.read_bytes()


def _bad_file(exc: FileFormatError, path: Path) -> None:
    print(_("{name}: 取り込めません（何も反映していません）").format(name=path.name), file=sys.stderr)
    print(exc.report(), file=sys.stderr)


def _progress(n: int) -> None:
    if sys.stderr.isatty():
        print(f"\r{n:,}", end="", file=sys.stderr, flush=True)


def _print_payments(s: ImportSummary) -> None:
    if s.already_imported:
        print(_("このファイルは取込済みです（{n:,}件）。何も反映していません").format(n=s.records))
        return
    print(_("収納データを取り込みました: {name}").format(name=s.file_name))
    print(_("  件数 {n:,}（登録 {p:,}・重複 {d:,}）  合計 {t:,}円").format(n=s.records, p=s.posted, d=s.duplicates,
                                                                      t=s.total))
    print(_("  消込 {m:,}件 {a:,}円").format(m=s.matched, a=s.allocated_total))
    print(_("  過誤納 {o:,}件 {ot:,}円  未消込 {u:,}件 {ut:,}円").format(
        o=s.overpayments, ot=s.overpayment_total, u=s.suspense, ut=s.suspense_total))
    print(f"  SHA-256 {s.sha256}")


def _import(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    path: Path = args.file
    try:
        if args.kind == "payments":
            _size(path)
            mapping = read_mapping(_read(args.mapping)) if args.mapping else None  # MappingError, never a traceback
            stream = PaymentStream(path, mapping)  # checked whole; read again while posting
            summary = import_payments(store.uow(actor.user_id), actor, stream, sha256=stream.sha256,
                                      file_name=file_label(path), progress=_progress)
            _print_payments(summary)
            return
        data = _read(path)
        if args.kind == "atena":
            atena = parse_atena(data, today=tools.clock.today())
            rows = [AtenaRow(r.line, r.to_taxpayer()) for r in atena.records]
            result = import_atena(store.uow(actor.user_id), actor, rows, sha256=atena.sha256, file_name=file_label(path),
                                  progress=_progress)
        else:
            assessed = parse_assessments(data)
            arows = [AssessmentRow(r.line, r.atena_no, r.to_assessment(0), r.reason) for r in assessed.records]
            result = import_assessments(store.uow(actor.user_id), actor, arows, sha256=assessed.sha256,
                                        file_name=file_label(path), on=tools.clock.today(), progress=_progress)
    except FileFormatError as exc:
        _bad_file(exc, path)
        raise SystemExit(2) from None
    if result.already_imported:
        print(_("このファイルは取込済みです（{n:,}件）。何も反映していません").format(n=result.records))
        return
    print(_("取り込みました: {name}（{n:,}件）").format(name=path.name, n=result.records))
    if result.kind == "atena":
        print(_("  新規 {a:,}  更新 {u:,}  変更なし {s:,}").format(a=result.added, u=result.updated, s=result.unchanged))
    else:
        print(_("  新規 {a:,}  更正 {m:,}  変更なし {s:,}  調定額合計 {t:,}円").format(
            a=result.added, m=result.amended, s=result.unchanged, t=result.assessed_total))
        if result.released:
            print(_("  減額更正による過誤納 {r:,}円（充当・還付の対象）").format(r=result.released))
    print(f"  SHA-256 {result.sha256}")


def _transfer_request(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    out: Path = args.out
    if out.exists():
        raise ValidationError(_("出力先のファイルが既にあります: {name}").format(name=out.name))
    request, data = request_transfers(store.uow(actor.user_id), actor, debit_on=args.due,
                                      render=render_transfer_request)
    sha = write_private(out, data)
    print(_("口座振替請求ファイルを作成しました: {name}").format(name=out))
    print(_("  引落日 {d}  件数 {n:,}  合計 {t:,}円").format(d=request.debit_on.isoformat(), n=len(request.lines),
                                                          t=request.total))
    print(f"  SHA-256 {sha}")


def _transfer_result(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    path: Path = args.file
    data = _read(path)
    try:
        parsed = zengin.read_transfer_result(data)
    except FileFormatError as exc:
        _bad_file(exc, path)
        raise SystemExit(2) from None
    lines = [ResultLine(i.customer_number.strip(), i.amount, i.result_code) for i in parsed.items]
    s = apply_transfer_results(store.uow(actor.user_id), actor, lines, sha256=sha256_of(data), file_name=file_label(path))
    if s.already_imported:
        print(_("このファイルは取込済みです。何も反映していません"))
        return
    print(_("振替結果を取り込みました: {name}").format(name=path.name))
    print(_("  振替済 {p:,}件 {pt:,}円  振替不能 {f:,}件 {ft:,}円").format(
        p=s.paid, pt=s.paid_total, f=s.failed, ft=s.failed_total))
    for code, count in sorted(s.by_code.items()):
        print(f"    {code} {zengin.RESULT_CODES[code]}: {count:,}")


def _dunning(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    run = run_dunning(store.uow(actor.user_id), actor, on=args.date)
    print(_("督促: {d} 発付 {n:,}件  本税 {h:,}円  督促手数料 {f:,}円  指定期限 {z}").format(
        d=run.on.isoformat(), n=run.issued, h=run.honzei_total, f=run.fee_total, z=run.designated_on.isoformat()))
    if run.public_notice:
        print(_("  うち公示送達 {n:,}件").format(n=run.public_notice))
    for reason, count in sorted(run.skipped.items()):
        print(_("  対象外（{why}） {n:,}件").format(why=SKIP_REASONS[reason], n=count))
    if run.missed:
        print(_("  注意: 納期限後20日を過ぎて督促のない未納の期別が {n:,}件あります").format(n=run.missed))


def _report(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    stats = collection_statistics(store.uow(actor.user_id), actor, fiscal_year=args.year, as_of=tools.clock.today())
    print(_("{y}年度 収納状況").format(y=stats.fiscal_year))
    heads = (_("調定額"), _("収納額"), _("未納額"), _("収納率"))
    print("  " + pad(_("区分"), 12) + pad(_("税目"), 24) + "".join(pad(h, 16, right=True) for h in heads[:3])
          + pad(heads[3], 10, right=True))
    sections = {"現年度分": _("現年度分"), "滞納繰越分": _("滞納繰越分")}
    for section, label in sections.items():
        for r in [r for r in stats.rows if r.section == section] + [stats.total(section)]:
            print("  " + pad(label, 12) + pad(r.tax_name, 24)
                  + "".join(pad(f"{v:,}", 16, right=True) for v in (r.assessed, r.collected, r.unpaid))
                  + pad(f"{r.rate:.2f}%", 10, right=True))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser("import", help=_("宛名・調定・収納データを取り込む"))
    kinds = imp.add_subparsers(dest="kind", required=True)
    for kind, text in (("atena", _("宛名CSVを取り込む（宛名番号で追加・更新、履歴を保存）")),
                       ("assessments", _("調定CSVを取り込む（通知書番号・期別で追加・更正）")),
                       ("payments", _("収納データCSVを取り込み消込する"))):
        p = kinds.add_parser(kind, help=text)
        p.add_argument("file", type=Path)
        if kind == "payments":
            p.add_argument("--mapping", type=Path, help=_("列の対応表（TOML）"))
        p.set_defaults(handler=as_operator(_import), kind=kind)
    transfer = sub.add_parser("transfer", help=_("口座振替の請求・結果"))
    t = transfer.add_subparsers(dest="transfer_command", required=True)
    req = t.add_parser("request", help=_("引落日の口座振替請求ファイル（全銀 種別91）を作成する"))
    req.add_argument("--due", type=date_arg, required=True, help=_("引落日（納期限）"))
    req.add_argument("--out", type=Path, required=True)
    req.set_defaults(handler=as_operator(_transfer_request))
    res = t.add_parser("result", help=_("金融機関の振替結果ファイルを取り込む"))
    res.add_argument("file", type=Path)
    res.set_defaults(handler=as_operator(_transfer_result))
    b = subcommands(sub, "batch", help=_("一括処理"), dest="batch_command")
    dun = b.add_parser("dunning", help=_("督促（納期限後20日以内の未納の期別）"))
    dun.add_argument("--date", type=date_arg, required=True, help=_("発付日"))
    dun.set_defaults(handler=as_operator(_dunning))
    r = subcommands(sub, "report", help=_("統計"), dest="report_command")
    col = r.add_parser("collection", help=_("年度・税目別の調定額・収納額・収納率"))
    col.add_argument("--year", type=int, required=True, help=_("年度（西暦）"))
    col.set_defaults(handler=as_operator(_report))
