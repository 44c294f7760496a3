"""``nozei calc entaikin`` / ``calc kasankin`` — a clerk's calculators for the
延滞金 (SPEC §4.3, 地方税法326条) and the 還付加算金 (SPEC §4.6, 17条の4).

No login, no personal data: the amounts and dates typed on the command line go
into :func:`core.rules.entaikin.compute_entaikin` or
:func:`core.rules.kasankin.compute_kasankin` with the rate table of the data
directory (the seeded one when there is none), and the result is printed with
every segment (or as JSON with ``--json``). Bad input raises :class:`core.errors.ValidationError`, which
the CLI prints as ``nozei: …`` with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from datetime import date
from typing import Any

from core.config import Config
from core.dates import format_wareki, parse_date
from core.errors import ValidationError
from core.money import format_yen
from core.rules.entaikin import EntaikinResult, Segment, compute_entaikin
from core.rules.kasankin import (
    KasankinCause,
    KasankinResult,
    compute_kasankin,
    parse_cause,
)
from core.rules.rates import DEFAULT_RATE_TABLE, RateTable
from core.text.width import display_width, pad
from tui.i18n import _

__all__ = ["kasankin_json", "parse_payment", "parse_yen", "register", "result_json"]

_YEN_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+", re.ASCII)


def parse_yen(text: str, *, option: str) -> int:
    """``"1,234"``, ``"1234"``, ``"１，２３４円"`` → 1234; anything else is refused."""
    cleaned = unicodedata.normalize("NFKC", text).strip().removesuffix("円").strip()
    digits = cleaned.replace(",", "").lstrip("0")
    if not _YEN_RE.fullmatch(cleaned) or len(digits) > 15:  # int() of 4,301 digits raises a bare ValueError
        raise ValidationError(_("{option} の金額は0以上の整数（円）で入力してください: {value}").format(
            option=option, value=text), field=option)
    return int(digits or "0")


def _parse_day(text: str, *, option: str) -> date:
    try:
        return parse_date(text)
    except ValidationError as exc:
        raise ValidationError(_("{option} の日付が正しくありません（{reason}）: {value}").format(
            option=option, reason=exc, value=text), field=option) from None


def parse_payment(text: str) -> tuple[date, int]:
    """``DATE:YEN`` (e.g. ``R7.8.15:400,000``) → ``(date, yen)``."""
    day, sep, yen = unicodedata.normalize("NFKC", text).rpartition(":")
    if not sep or not day.strip() or not yen.strip():
        raise ValidationError(_("--payment は 日付:金額 の形で入力してください（例: 2025-08-15:400,000）: {value}")
                              .format(value=text), field="--payment")
    return _parse_day(day, option="--payment"), parse_yen(yen, option="--payment")


def result_json(result: EntaikinResult) -> dict[str, Any]:
    """``{"entaikin": int, "segments": [{"from", "to", "days", "base", "rate", "amount"}]}``; rate as a string."""
    return {"entaikin": result.total, "segments": _segments_json(result.segments)}


def _segments_json(segments: tuple[Segment, ...]) -> list[dict[str, Any]]:
    return [
        {"from": s.start.isoformat(), "to": s.end.isoformat(), "days": s.days, "base": s.base,
         "rate": str(s.rate), "amount": s.amount}
        for s in segments
    ]


def kasankin_json(result: KasankinResult) -> dict[str, Any]:
    """``{"kasankin": int, "start", "end", "segments": [{"from", "to", "days", "base", "rate", "amount"}]}``."""
    return {
        "kasankin": result.total,
        "start": result.start.isoformat(),
        "end": result.end.isoformat(),
        "segments": _segments_json(result.segments),
    }


def _wareki(day: date) -> str:
    try:
        return format_wareki(day, short=True)
    except ValueError:  # before 大正: no era to show
        return day.isoformat()


def _right(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def _print_segments(segments: tuple[Segment, ...], raw_total: int) -> None:
    widths = (24, 6, 14, 7, 12)
    head = (_("期間"), _("日数"), _("基礎額"), _("割合"), _("金額"))
    print("  " + pad(head[0], widths[0]) + "".join(_right(h, w) for h, w in zip(head[1:], widths[1:])))
    for s in segments:
        cells = (f"{s.days:,}", format_yen(s.base), f"{s.rate}%", format_yen(s.amount))
        span = f"{_wareki(s.start)}〜{_wareki(s.end)}"
        print("  " + pad(span, widths[0]) + "".join(_right(c, w) for c, w in zip(cells, widths[1:])))
    print(f"  {_('各期間の合計')}: {format_yen(raw_total)}")


def _print_human(result: EntaikinResult, amount: int, due: date, paid: date,
                 payments: list[tuple[date, int]]) -> None:
    print(_("延滞金の計算（地方税法326条）"))
    print(f"  {_('本税額')}: {format_yen(amount)}  {_('納期限')}: {_wareki(due)}  {_('納付日')}: {_wareki(paid)}")
    for day, yen in sorted(payments):
        print(f"  {_('一部納付')}: {_wareki(day)} {format_yen(yen)}")
    if result.segments:
        _print_segments(result.segments, result.raw_total)
    else:
        print(f"  {_('延滞金が生じる期間はありません')}")
    print(f"{_('延滞金（総額）')}: {format_yen(result.total)}")
    if result.total == 0 and result.raw_total > 0:
        print(f"  {_('1,000円未満のため0円です（地方税法20条の4の2⑤）')}")


def _cause_label(cause: KasankinCause) -> str:
    labels = {
        KasankinCause.GENGAKU: _("減額更正"),
        KasankinCause.TORIKESHI: _("賦課決定の取消"),
        KasankinCause.SEIKYU: _("更正の請求"),
        KasankinCause.GONO: _("誤納"),
        KasankinCause.DOUBLE: _("二重納付"),
        KasankinCause.KANO: _("過納"),
    }
    return labels[cause]


def _print_kasankin(result: KasankinResult, amount: int, cause: KasankinCause, dates: dict[str, date | None]) -> None:
    print(_("還付加算金の計算（地方税法17条の4）"))
    print(f"  {_('還付金額')}: {format_yen(amount)}  {_('原因')}: {_cause_label(cause)}（{cause.value}）")
    labels = {"paid": _("納付日"), "due": _("納期限"), "request": _("更正の請求日"), "correction": _("更正日"),
              "notified": _("通知日"), "claimed": _("還付請求日")}
    given = [f"{labels[key]}: {_wareki(day)}" for key, day in dates.items() if day is not None]
    print("  " + "  ".join(given))
    print(f"  {_('起算日')}: {_wareki(result.start)}  {_('終期（支出決定日・充当日）')}: {_wareki(result.end)}")
    if result.excluded is not None:
        first, last = result.excluded
        print(f"  {_('除外期間（地方税法17条の4②）')}: {_wareki(first)}〜{_wareki(last)}")
    if result.segments:
        _print_segments(result.segments, result.raw_total)
    else:
        print(f"  {_('還付加算金が生じる期間はありません')}")
    print(f"{_('還付加算金（総額）')}: {format_yen(result.total)}")
    if result.total == 0 and result.raw_total > 0:
        print(f"  {_('1,000円未満のため0円です（地方税法20条の4の2⑤）')}")


def rate_table(config: Config) -> RateTable:
    """The table in force in this data directory's database, or the SPEC's when there is none."""
    from core.services.rates import load_rate_table
    from tui import compose

    if config.database_url is None and not (config.data_dir / "nozei.db").exists():
        return DEFAULT_RATE_TABLE
    store = compose.open_wired(config)
    try:
        with store.uow(readonly=True) as uow:
            return load_rate_table(uow)
    finally:
        store.close()


def _entaikin(config: Config, args: argparse.Namespace) -> int:
    amount = parse_yen(args.amount, option="--amount")
    due = _parse_day(args.due, option="--due")
    paid = _parse_day(args.paid, option="--paid")
    payments = [parse_payment(text) for text in args.payment]
    result = compute_entaikin(amount=amount, due=due, until=paid, payments=payments, rates=rate_table(config))
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        _print_human(result, amount, due, paid, payments)
    return 0


def _optional_day(text: str | None, *, option: str) -> date | None:
    return None if text is None else _parse_day(text, option=option)


def _kasankin(config: Config, args: argparse.Namespace) -> int:
    amount = parse_yen(args.amount, option="--amount")
    cause = parse_cause(unicodedata.normalize("NFKC", args.cause))
    paid = _parse_day(args.paid, option="--paid")
    dates: dict[str, date | None] = {"paid": paid}
    for key in ("due", "request", "correction", "notified", "claimed"):
        dates[key] = _optional_day(getattr(args, key), option=f"--{key}")
    decided = _parse_day(args.decided, option="--decided")
    result = compute_kasankin(amount=amount, cause=cause, paid=paid, decided=decided, due=dates["due"],
                              request=dates["request"], correction=dates["correction"],
                              notified=dates["notified"], claimed=dates["claimed"], rates=rate_table(config))
    if args.json:
        print(json.dumps(kasankin_json(result), ensure_ascii=False, indent=2))
    else:
        _print_kasankin(result, amount, cause, dates)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    calc = sub.add_parser("calc", help=_("計算機（ログイン不要・個人情報なし）"))
    calc_sub = calc.add_subparsers(dest="calc_command", required=True)
    entaikin = calc_sub.add_parser("entaikin", help=_("延滞金を計算し、期間ごとの内訳を表示する"))
    entaikin.add_argument("--amount", required=True, metavar="YEN", help=_("納期限時点の未納の本税額（円）"))
    entaikin.add_argument("--due", required=True, metavar="DATE", help=_("納期限（例: 2025-06-30, R7.6.30）"))
    entaikin.add_argument("--paid", required=True, metavar="DATE", help=_("納付日（この日まで延滞金がかかる）"))
    entaikin.add_argument("--payment", action="append", default=[], metavar="DATE:YEN",
                          help=_("本税の一部納付（日付:金額、繰り返し指定可）"))
    entaikin.add_argument("--json", action="store_true", help=_("JSON で出力する"))
    entaikin.set_defaults(handler=_entaikin)

    kasankin = calc_sub.add_parser("kasankin", help=_("還付加算金を計算し、期間ごとの内訳を表示する"))
    kasankin.add_argument("--amount", required=True, metavar="YEN", help=_("還付（充当）する過誤納金の額（円）"))
    kasankin.add_argument("--cause", required=True, metavar="gengaku|torikeshi|seikyu|gono",
                          help=_("過誤納の原因: gengaku（減額更正）、torikeshi（賦課決定の取消）、"
                                 "seikyu（更正の請求）、gono（誤納・二重納付）"))
    kasankin.add_argument("--paid", required=True, metavar="DATE", help=_("過誤納金の納付日（例: 2025-07-15, R7.7.15）"))
    kasankin.add_argument("--due", metavar="DATE", help=_("納期限（gengaku・torikeshi で納期限前に納付したとき）"))
    kasankin.add_argument("--request", metavar="DATE", help=_("更正の請求があった日（seikyu では必須）"))
    kasankin.add_argument("--correction", metavar="DATE", help=_("更正があった日（seikyu では必須）"))
    kasankin.add_argument("--notified", metavar="DATE", help=_("過誤納の通知を発した日（--claimed と共に）"))
    kasankin.add_argument("--claimed", metavar="DATE", help=_("還付請求があった日（--notified と共に）"))
    kasankin.add_argument("--decided", required=True, metavar="DATE",
                          help=_("支出決定日または充当日（この日まで還付加算金がかかる）"))
    kasankin.add_argument("--json", action="store_true", help=_("JSON で出力する"))
    kasankin.set_defaults(handler=_kasankin)
