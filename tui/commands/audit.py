"""``nozei audit verify | review | anomalies | archive`` — for auditors (``audit.review``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime, timedelta

from core.clock import JST
from core.config import Config
from core.security.permissions import Actor
from core.services.audit import (
    ReviewQuery, archive_audit_log, find_audit_anomalies, review_audit_log, verify_audit_log,
)
from storage.store import Store
from tui import compose
from tui.commands.login import operator_session
from tui.commands.args import date_arg
from tui.i18n import _

__all__ = ["register", "parse_when"]


def parse_when(text: str) -> datetime:
    """``2026-11-22`` (start of that day, JST), ``R8.11.22``, or ``2026-11-22T09:30`` (JST unless given)."""
    value = text.strip()
    if "T" in value or " " in value:
        try:
            when = datetime.fromisoformat(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(_("日時として解釈できません")) from exc
        return when if when.tzinfo else when.replace(tzinfo=JST)
    day = date_arg(value)
    return datetime(day.year, day.month, day.day, tzinfo=JST)


def _as_auditor(work: Callable[[Store, Actor, argparse.Namespace], int]) -> Callable[[Config, argparse.Namespace], int]:
    def handler(config: Config, args: argparse.Namespace) -> int:
        store = compose.open_wired(config)
        try:
            with operator_session(store, config, compose.auth_tools()) as actor:
                return work(store, actor, args)
        finally:
            store.close()

    return handler


def _verify(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    outcome = verify_audit_log(store.uow(), actor, compose.audit_log(store), from_seq=args.from_seq)
    if outcome.ok:
        print(_("監査ログは改ざんされていません（{n:,} 件、先頭 seq {head}、チェックポイント {c} 件）").format(
            n=outcome.checked, head=outcome.head_seq, c=outcome.checkpoints_checked))
        return 0
    print(_("監査ログの異常を検出しました"))
    print(f"  {_('最初の異常')}: seq {outcome.first_bad_seq}")
    print(f"  {_('種類')}: {outcome.problem}")
    print(f"  {_('内容')}: {outcome.detail}")
    return 1


def _query(args: argparse.Namespace) -> ReviewQuery:
    return ReviewQuery(user=args.user, atena=args.atena, action=args.action, terminal=args.terminal,
                       start=args.start, end=args.end, limit=args.limit)


def _review(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    print(review_audit_log(store.uow(), actor, compose.audit_log(store), _query(args), fmt=args.format,
                           chart=args.chart), end="")
    return 0


def _anomalies(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    end = args.end or datetime.now(JST)
    start = args.start or end - timedelta(days=7)
    findings = find_audit_anomalies(store.uow(), actor, compose.audit_log(store), start=start, end=end)
    if not findings:
        print(_("異常は見つかりませんでした"))
    for f in findings:
        seqs = ", ".join(str(s) for s in f.evidence[:20]) + (" …" if len(f.evidence) > 20 else "")
        print(f"[{f.label}] {f.user or '-'}: {f.summary}")
        print(f"    {_('根拠')} seq: {seqs}")
    return 0


def _archive(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    today = datetime.now(JST).date()
    result = archive_audit_log(store.uow(), actor, compose.audit_log(store), before=args.before, today=today)
    if result is None:
        print(_("保存庫に移す記録はありません"))
        return 0
    print(_("seq {a}〜{b}（{n:,} 件）を保存庫に移しました: {path}").format(
        a=result.first_seq, b=result.last_seq, n=result.count, path=result.path))
    print(f"  SHA-256: {result.sha256}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help=_("監査ログ（監査担当）"))
    s = audit.add_subparsers(dest="audit_command", required=True)
    verify = s.add_parser("verify", help=_("ハッシュ連鎖と署名付きチェックポイントを検証する"))
    verify.add_argument("--from", dest="from_seq", type=int, default=1)
    verify.set_defaults(handler=_as_auditor(_verify))

    review = s.add_parser("review", help=_("条件で監査ログを表示する"))
    for name in ("user", "atena", "action", "terminal"):
        review.add_argument(f"--{name}")
    review.add_argument("--from", dest="start", type=parse_when)
    review.add_argument("--to", dest="end", type=parse_when)
    review.add_argument("--format", default="table", choices=["table", "csv", "json"])
    review.add_argument("--limit", type=int, default=10_000)
    review.add_argument("--chart", action="store_true", help=_("職員ごと・時間帯ごとの件数をグラフで表示する"))
    review.set_defaults(handler=_as_auditor(_review))

    anomalies = s.add_parser("anomalies", help=_("異常の兆候を規則で洗い出す（既定: 直近7日）"))
    anomalies.add_argument("--from", dest="start", type=parse_when)
    anomalies.add_argument("--to", dest="end", type=parse_when)
    anomalies.set_defaults(handler=_as_auditor(_anomalies))

    archive = s.add_parser("archive", help=_("保存期間を過ぎた記録を署名付きで保存庫に移し、削除する"))
    archive.add_argument("--before", required=True, type=parse_when)
    archive.set_defaults(handler=_as_auditor(_archive))


