"""``nozei print …`` and ``nozei certificate …`` — printed documents (SPEC §4.11, §8).

Every document is a PDF written into the data directory's ``documents/``
(mode 0600, never over an existing file) under the export rule: the operator
needs ``export.files`` and this terminal must be registered as export-enabled.
Each command prints the file, its page count and its SHA-256 (what the audit
log records); batches also write the printing contractor's index CSV and show
a progress bar on a terminal.
"""

from __future__ import annotations

import argparse
import sys
import time

from core.documents.model import APPLICANT_KINDS, CERTIFICATE_KINDS, ID_DOCUMENTS, Written
from core.security.permissions import Actor
from core.services.auth import AuthTools
from core.services.certificates import issue_certificate, list_certificates
from core.services.documents import (
    PrintRun,
    print_appropriation_notice,
    print_dunning_notices,
    print_receipt,
    print_refund_notice,
    print_reminder_notices,
    print_seizure_record,
)
from core.text.width import pad
from storage.documents import PdfDocumentWriter, load_fonts
from storage.store import Store
from tui.commands.admin import as_operator
from tui.commands.args import date_arg, subcommands
from tui.i18n import _

__all__ = ["register", "ProgressBar"]


class ProgressBar:
    """``[#####-----]  1,234 / 10,000`` on stderr when it is a terminal (at most ten redraws a second)."""

    def __init__(self, stream=None) -> None:  # type: ignore[no-untyped-def]
        self._stream = stream or sys.stderr
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self._stream.isatty():
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done != total:
            return
        self._last = now
        if total:
            filled = min(30, 30 * done // total)
            bar = "#" * filled + "-" * (30 - filled)
            self._stream.write(f"\r[{bar}] {done:,} / {total:,}")
        else:
            self._stream.write(f"\r{done:,}")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()


def _writer(store: Store, bar: ProgressBar | None = None) -> PdfDocumentWriter:
    fonts = load_fonts(store.config.font_path)
    if not fonts.embedded:
        print(_("注意: 日本語のTrueTypeフォントがないため、フォントを埋め込まずに出力します"
                "（fonts-ipaexfont を導入するか、設定 font_path を指定してください）"), file=sys.stderr)
    return PdfDocumentWriter(store.config.documents_dir, fonts=fonts, progress=bar)


def _show(store: Store, written: Written) -> None:
    folder = store.config.documents_dir
    print(_("出力しました: {path}").format(path=folder / written.file_name))
    print(_("  文書 {n:,}件  {p:,}ページ").format(n=written.documents, p=written.pages))
    print(f"  SHA-256 {written.sha256}")
    if written.index_file:
        print(_("  印刷業者向け索引: {path}").format(path=folder / written.index_file))
        print(f"  SHA-256 {written.index_sha256}")


def _batch(store: Store, run: PrintRun) -> None:
    _show(store, run.written)
    if run.held:
        print(_("  発行抑止のため除いた納税者 {n:,}件").format(n=run.held))
    if run.settled:
        print(_("  催告の後に完納したため除いた案件 {n:,}件").format(n=run.settled))


def _dunning(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    bar = ProgressBar()
    try:
        run = print_dunning_notices(store.uow(actor.user_id), actor, on=args.date, writer=_writer(store, bar))
    finally:
        bar.close()
    _batch(store, run)


def _reminders(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    bar = ProgressBar()
    try:
        run = print_reminder_notices(store.uow(actor.user_id), actor, on=args.date, designated_on=args.deadline,
                                     writer=_writer(store, bar))
    finally:
        bar.close()
    _batch(store, run)


def _seizure(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    written = print_seizure_record(store.uow(actor.user_id), actor, args.id, on=args.date or tools.clock.today(),
                                   writer=_writer(store))
    _show(store, written)


def _notice(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    on = args.date or tools.clock.today()
    if args.refund is not None:
        written = print_refund_notice(store.uow(actor.user_id), actor, args.refund, on=on, writer=_writer(store))
    else:
        written = print_appropriation_notice(store.uow(actor.user_id), actor, args.appropriation, on=on,
                                             writer=_writer(store))
    _show(store, written)


def _receipt(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    written = print_receipt(store.uow(actor.user_id), actor, args.payment_id, received=args.received,
                            writer=_writer(store))
    _show(store, written)


def _years(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace("、", ",").split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(_("年度は西暦をカンマで区切って指定します（例: 2024,2025）")) from None


def _issue(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    issued = issue_certificate(store.uow(actor.user_id), actor, args.atena, kind=args.type, purpose=args.purpose,
                               applicant_kind=args.applicant_kind, applicant_name=args.applicant,
                               id_document=args.id_document, fiscal_years=args.years or (),
                               on=tools.clock.today(), writer=_writer(store))
    print(_("納税証明書を発行しました: 第 {no} 号（{kind}）").format(no=issued.certificate_no,
                                                          kind=CERTIFICATE_KINDS[issued.certificate_kind]))
    _show(store, issued.written)


def _history(store: Store, actor: Actor, tools: AuthTools, args: argparse.Namespace) -> None:
    rows = list_certificates(store.uow(actor.user_id), actor, atena_no=args.atena)
    if not rows:
        print(_("発行履歴はありません"))
    for r in rows:
        years = ",".join(str(y) for y in r.fiscal_years) or "-"
        print(f"{r.certificate_no}  {r.issued_on.isoformat()}  {pad(r.label, 14)} {years:<15} "
              f"{pad(r.applicant_label, 7)} {pad(r.id_document_label, 18)} {r.checked_by}")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subcommands(sub, "print", help=_("帳票をPDFで出力する（documents/ に出力、出力権限と出力可能な端末が必要）"),
                    dest="print_command")
    dun = p.add_parser("dunning", help=_("督促状（その日に発付した督促の一括印刷と索引CSV）"))
    dun.add_argument("--date", type=date_arg, required=True, help=_("督促の発付日"))
    dun.set_defaults(handler=as_operator(_dunning))
    rem = p.add_parser("reminders", help=_("催告書（その日に記録した催告の案件の一括印刷と索引CSV）"))
    rem.add_argument("--date", type=date_arg, required=True, help=_("催告の日"))
    rem.add_argument("--deadline", type=date_arg, help=_("指定期限（既定: 督促の指定期限と同じ日数の後）"))
    rem.set_defaults(handler=as_operator(_reminders))
    sei = p.add_parser("seizure", help=_("差押調書"))
    sei.add_argument("id", type=int, help=_("差押の番号"))
    sei.add_argument("--date", type=date_arg, help=_("作成日（既定: 今日）"))
    sei.set_defaults(handler=as_operator(_seizure))
    note = p.add_parser("notice", help=_("還付通知書・充当通知書"))
    which = note.add_mutually_exclusive_group(required=True)
    which.add_argument("--refund", type=int, metavar="ID", help=_("還付の番号（還付通知書）"))
    which.add_argument("--appropriation", type=int, metavar="OVERPAYMENT_ID", help=_("過誤納の番号（充当通知書）"))
    note.add_argument("--date", type=date_arg, help=_("通知日（既定: 今日）"))
    note.set_defaults(handler=as_operator(_notice))
    rec = p.add_parser("receipt", help=_("領収証書（窓口収納）"))
    rec.add_argument("payment_id", type=int, help=_("収納の番号"))
    rec.add_argument("--received", type=int, help=_("預り金（円）"))
    rec.set_defaults(handler=as_operator(_receipt))

    c = subcommands(sub, "certificate", help=_("納税証明書"), dest="certificate_command")
    iss = c.add_parser("issue", help=_("納税証明書を発行する（申請者・本人確認・使用目的を記録）"))
    iss.add_argument("--atena", required=True, help=_("宛名番号"))
    iss.add_argument("--type", required=True, choices=sorted(CERTIFICATE_KINDS),
                     help=_("nozei（納税証明）/ kanno（完納証明）/ mitai（滞納なし証明）"))
    iss.add_argument("--purpose", required=True, help=_("使用目的"))
    iss.add_argument("--applicant-kind", required=True, choices=sorted(APPLICANT_KINDS),
                     help=_("self（本人）/ agent（代理人）"))
    iss.add_argument("--applicant", required=True, help=_("申請者の氏名"))
    iss.add_argument("--id-document", required=True, choices=list(ID_DOCUMENTS), help=_("確認した本人確認書類"))
    iss.add_argument("--years", type=_years, help=_("年度（西暦、カンマ区切り。既定: 今年度と前年度）"))
    iss.set_defaults(handler=as_operator(_issue))
    hist = c.add_parser("list", help=_("納税証明書の発行履歴"))
    hist.add_argument("--atena", required=True, help=_("宛名番号"))
    hist.set_defaults(handler=as_operator(_history))

