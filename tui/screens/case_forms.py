"""The entry forms of the case screen (経過記録, 分納誓約, 財産調査, 差押・交付要求, 執行停止,
案件の変更). Each returns the keyword arguments of its service; the screen calls it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core.dates import parse_date
from core.domain.delinquency import TAG_COLOURS, Disposition, Investigation
from core.domain.ledger import DeferralTerm
from core.rules.prescription import period_end
from core.services.account import PeriodLine
from core.services.case_view import CaseDetail
from core.services.dunning import seizure_possible_on
from tui.i18n import _
from tui.screens.case_text import (
    CASE_STATUSES,
    COUNTERPARTS,
    DEFERRAL_KINDS,
    DISPOSITION_KINDS,
    GROUNDS,
    MANUAL_KINDS,
    PROPERTY_KINDS,
    RECORD_KINDS,
    REDUCTIONS,
    TAG_COLOUR_NAMES,
    choice_help,
    label,
    numbered,
    parse_numbers,
    period_name,
)
from tui.screens.form import Field, FormScreen
from tui.text import wareki

__all__ = [
    "answer_form",
    "case_edit_form",
    "deferral_cancel_form",
    "deferral_form",
    "describe_periods",
    "disposition_form",
    "investigation_form",
    "plan_form",
    "plan_total",
    "realise_form",
    "record_form",
    "seizable",
    "suspension_form",
    "tag_form",
]

_COUNTERPARTS = tuple(COUNTERPARTS)
_PROPERTIES = tuple(PROPERTY_KINDS)
_DISPOSITIONS = tuple(DISPOSITION_KINDS)
_STATUSES = tuple(CASE_STATUSES)
_DEFERRALS = tuple(DEFERRAL_KINDS)
_REDUCTIONS = tuple(REDUCTIONS)


def _pick(text: str, options: tuple[str, ...], what: str, *, optional: bool = False) -> str | None:
    text = text.strip()
    if not text and optional:
        return None
    if text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= len(options):
        return options[int(text) - 1]
    raise ValueError(_("{what}は1〜{n}の番号で選んでください").format(what=what, n=len(options)))


def _date(text: str, what: str, *, optional: bool = False) -> date | None:
    if not text.strip():
        if optional:
            return None
        raise ValueError(_("{what}を入力してください").format(what=what))
    try:
        return parse_date(text)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _yen(text: str, what: str, *, optional: bool = False) -> int | None:
    cleaned = text.replace(",", "").replace("円", "").strip()
    if not cleaned and optional:
        return None
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned.lstrip("0")) > 15:  # "²", 4,301 digits
        raise ValueError(_("{what}は円単位の数字で入力してください").format(what=what))
    return int(cleaned.lstrip("0") or "0")


def _numbers(indexes: list[int]) -> str:
    """0-based indexes as the 1-based numbers a clerk types (runs compressed: ``1-3,5``)."""
    parts: list[str] = []
    for k in sorted(indexes):
        n = k + 1
        if parts and parts[-1].split("-")[-1] == str(n - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{n}"
        else:
            parts.append(str(n))
    return ",".join(parts)


def _periods(values: dict[str, str], owed: tuple[PeriodLine, ...]) -> list[int]:
    return [owed[k].assessment_id for k in parse_numbers(values.get("periods", ""), len(owed))]


def seizable(detail: CaseDetail, on: date) -> list[int]:
    """Indexes (in ``detail.owed``) of the periods dunned long enough ago for 331条①."""
    return [k for k, p in enumerate(detail.owed)
            if p.dunning_on is not None and seizure_possible_on(p.dunning_on) <= on and p.due_date < on]


def record_form(today: date) -> FormScreen:
    kinds = choice_help(RECORD_KINDS, MANUAL_KINDS)
    people = choice_help(COUNTERPARTS, _COUNTERPARTS)

    def parse(v: dict[str, str]) -> dict[str, Any]:
        return {"kind": _pick(v["kind"], MANUAL_KINDS, _("種類")),
                "who": _pick(v["who"], _COUNTERPARTS, _("相手"), optional=True),
                "content": v["content"] or None,
                "next_action_on": _date(v["next"], _("次回対応日"), optional=True)}

    return FormScreen(_("経過記録の入力"), [
        Field("kind", _("種類（番号）"), "2", max_length=2),
        Field("who", _("相手（番号）"), "1", hint=_("空欄可"), max_length=2),
        Field("content", _("内容"), max_length=2000),
        Field("next", _("次回対応日"), hint=_("空欄可　例: {d}").format(d=wareki(today + timedelta(days=7)))),
    ], parse, notes=_("種類: {k}\n相手: {p}").format(k=kinds, p=people))


def plan_form(detail: CaseDetail) -> FormScreen:
    owed = detail.owed
    default = [k for k, p in enumerate(owed) if p.due_date < detail.as_of] or list(range(len(owed)))

    def parse(v: dict[str, str]) -> dict[str, Any]:
        count = v["count"]
        if not count.isdigit() or int(count) < 1:
            raise ValueError(_("回数は1以上の数字で入力してください"))
        interval = v["interval"] or "1"
        if not interval.isdigit() or not 1 <= int(interval) <= 12:
            raise ValueError(_("間隔は1〜12（月）です"))
        return {"assessment_ids": _periods(v, owed), "pledged_on": _date(v["pledged"], _("誓約日")),
                "count": int(count), "first_on": _date(v["first"], _("初回納付日")),
                "interval_months": int(interval)}

    return FormScreen(_("分納誓約の登録"), [
        Field("periods", _("対象の期別（番号）"), _numbers(default)),
        Field("pledged", _("誓約日"), wareki(detail.as_of)),
        Field("count", _("回数"), "", max_length=3),
        Field("first", _("初回納付日")),
        Field("interval", _("間隔（月）"), "1", max_length=2),
    ], parse, notes=_("総額は誓約日現在の未納額（本税・延滞金・督促手数料）です"), listing=numbered(owed))


def investigation_form(today: date) -> FormScreen:
    def parse(v: dict[str, str]) -> dict[str, Any]:
        return {"target": _pick(v["target"], _PROPERTIES, _("対象の財産")), "institution": v["institution"],
                "requested_on": _date(v["on"], _("照会日"))}

    return FormScreen(_("財産調査の照会"), [
        Field("target", _("対象の財産（番号）"), "1", max_length=2),
        Field("institution", _("照会先"), max_length=100),
        Field("on", _("照会日"), wareki(today)),
    ], parse, notes=_("財産: {k}").format(k=choice_help(PROPERTY_KINDS, _PROPERTIES)))


def answer_form(inv: Investigation, today: date) -> FormScreen:
    def parse(v: dict[str, str]) -> dict[str, Any]:
        found = _pick(v["found"], ("yes", "no"), _("財産の有無"))
        return {"answered_on": _date(v["on"], _("回答日")), "found": found == "yes",
                "finding": v["finding"] or None, "value": _yen(v["value"], _("見積額"), optional=True)}

    return FormScreen(_("財産調査の回答　照会 {d}").format(d=wareki(inv.requested_on)), [
        Field("on", _("回答日"), wareki(today)),
        Field("found", _("財産（1 あり 2 なし）"), "1", max_length=1),
        Field("finding", _("回答内容"), max_length=1000),
        Field("value", _("見積額（円）"), hint=_("空欄可")),
    ], parse)


def disposition_form(detail: CaseDetail) -> FormScreen:
    owed = detail.owed

    def parse(v: dict[str, str]) -> dict[str, Any]:
        if not v["description"]:
            raise ValueError(_("財産の表示を入力してください"))
        return {"kind": _pick(v["kind"], _DISPOSITIONS, _("種類")),
                "property_kind_": _pick(v["property"], _PROPERTIES, _("財産の種類")),
                "description": v["description"], "start_on": _date(v["start"], _("差押日・要求日")),
                "amount": _yen(v["amount"], _("見積価額・要求額"), optional=True),
                "assessment_ids": _periods(v, owed)}

    notes = "\n".join([_("種類: {k}").format(k=choice_help(DISPOSITION_KINDS, _DISPOSITIONS)),
                       _("財産: {k}").format(k=choice_help(PROPERTY_KINDS, _PROPERTIES)),
                       _("督促状の発付から10日を経過した期別に限ります（地方税法331条①）")])
    return FormScreen(_("差押・交付要求の起案"), [
        Field("kind", _("種類（番号）"), "1", max_length=1),
        Field("property", _("財産の種類（番号）"), "1", max_length=1),
        Field("description", _("財産の表示"), max_length=400),
        Field("start", _("差押日・要求日"), wareki(detail.as_of)),
        Field("amount", _("見積価額・要求額（円）"), hint=_("空欄可")),
        Field("periods", _("対象の期別（番号）"), _numbers(seizable(detail, detail.as_of))),
    ], parse, notes=notes, listing=numbered(owed))


def realise_form(d: Disposition, today: date) -> FormScreen:
    def parse(v: dict[str, str]) -> dict[str, Any]:
        proceeds = _yen(v["proceeds"], _("取立・換価の金額"))
        if not proceeds:
            raise ValueError(_("金額は1円以上です"))
        return {"on": _date(v["on"], _("受領日")), "proceeds": proceeds}

    return FormScreen(_("取立・換価の記録　{k} {p}").format(k=_(DISPOSITION_KINDS[d.kind.value]),
                                                        p=_(PROPERTY_KINDS[d.property_kind.value])), [
        Field("on", _("受領日"), wareki(today)),
        Field("proceeds", _("取立・換価の金額（円）")),
    ], parse, notes=_("受け取った金額は対象の期別へ古い順に充てます。残りは過誤納になります"))


def suspension_form(detail: CaseDetail) -> FormScreen:
    owed = detail.owed
    default = [k for k, p in enumerate(owed) if p.due_date < detail.as_of] or list(range(len(owed)))

    def parse(v: dict[str, str]) -> dict[str, Any]:
        ground = _pick(v["ground"], ("1", "2", "3"), _("停止の根拠"))
        immediate = _pick(v["immediate"], ("yes", "no"), _("即時消滅"), optional=True) == "yes"
        if immediate and ground != "1":
            raise ValueError(_("即時消滅（15条の7⑤）は1号の場合に限ります"))
        if not v["reason"]:
            raise ValueError(_("停止の理由を入力してください"))
        return {"ground": int(str(ground)), "immediate": immediate, "reason": v["reason"],
                "assessment_ids": _periods(v, owed), "on": _date(v["on"], _("起案日"))}

    grounds = "　".join(_(label) for label in GROUNDS.values())
    return FormScreen(_("執行停止の起案（地方税法15条の7）"), [
        Field("ground", _("停止の根拠（1〜3）"), "1", max_length=1),
        Field("immediate", _("即時消滅（1 する 2 しない）"), "2", max_length=1),
        Field("reason", _("停止の理由（事実）"), max_length=2000),
        Field("periods", _("対象の期別（番号）"), _numbers(default)),
        Field("on", _("起案日"), wareki(detail.as_of)),
    ], parse, notes=grounds + "\n" + _("即時消滅（15条の7⑤）は1号の場合に限ります"), listing=numbered(owed))


def case_edit_form(detail: CaseDetail, *, can_assign: bool) -> FormScreen:
    c = detail.case
    status_no = str(_STATUSES.index(c.status.value) + 1)

    def parse(v: dict[str, str]) -> dict[str, Any]:
        priority = v["priority"]
        if not priority.isdigit() or not 1 <= int(priority) <= 5:
            raise ValueError(_("優先度は1（高）〜5（低）です"))
        out: dict[str, Any] = {"status": _pick(v["status"], _STATUSES, _("状態")), "priority": int(priority),
                               "next_action_on": _date(v["next"], _("次回対応日"), optional=True)}
        if can_assign:
            out["officer"] = v.get("officer") or None
        return out

    fields = [Field("status", _("状態（番号）"), status_no, max_length=1),
              Field("priority", _("優先度（1 高〜5 低）"), str(c.priority), max_length=1),
              Field("next", _("次回対応日"), wareki(c.next_action_on), hint=_("空欄で取消"))]
    if can_assign:
        fields.append(Field("officer", _("担当（利用者ID）"), c.officer or "", hint=_("空欄で未割当")))
    notes = _("状態: {k}").format(k=choice_help(CASE_STATUSES, _STATUSES))
    return FormScreen(_("案件の変更　{a}").format(a=detail.atena_no), fields, parse,
                      notes=notes + "\n" + _("完結は未納がなく差押等が終わっているときに限ります"))


def tag_form(today: date) -> FormScreen:
    def parse(v: dict[str, str]) -> dict[str, Any]:
        text = v["text"].strip()
        if not text:
            raise ValueError(_("付箋の文言を入力してください"))
        if len(text) > 60:
            raise ValueError(_("付箋の文言は60文字以内です"))
        end_on = _date(v["end"], _("終了日"), optional=True)
        if end_on is not None and end_on < today:
            raise ValueError(_("終了日が過去の日付です"))
        return {"colour": _pick(v["colour"], TAG_COLOURS, _("色")), "text": text, "end_on": end_on}

    return FormScreen(_("付箋を付ける"), [
        Field("colour", _("色（番号）"), "1", max_length=1),
        Field("text", _("文言"), max_length=60),
        Field("end", _("終了日"), hint=_("空欄可　例: {d}").format(d=wareki(today + timedelta(days=30)))),
    ], parse, notes=_("色: {k}").format(k=choice_help(TAG_COLOUR_NAMES, TAG_COLOURS)))


def deferral_form(detail: CaseDetail) -> FormScreen:
    owed = detail.owed

    def parse(v: dict[str, str]) -> dict[str, Any]:
        start = _date(v["start"], _("開始日"))
        end = _date(v["end"], _("終了日"))
        assert start is not None and end is not None
        if end < start:
            raise ValueError(_("終了日が開始日より前です"))
        if end > period_end(start, 1):
            raise ValueError(_("猶予期間は1年以内です"))
        return {"kind": _pick(v["kind"], _DEFERRALS, _("猶予の種類")), "start_on": start, "end_on": end,
                "reduction": _pick(v["reduction"], _REDUCTIONS, _("延滞金の免除")),
                "assessment_ids": _periods(v, owed)}

    notes = "\n".join([_("種類: {k}").format(k=choice_help(DEFERRAL_KINDS, _DEFERRALS)),
                       _("延滞金: {k}").format(k=choice_help(REDUCTIONS, _REDUCTIONS)),
                       _("猶予期間は1年以内です")])
    return FormScreen(_("猶予の決定（地方税法15条・15条の5）"), [
        Field("kind", _("猶予の種類（番号）"), "1", max_length=1),
        Field("start", _("開始日"), wareki(detail.as_of)),
        Field("end", _("終了日"), wareki(period_end(detail.as_of, 1))),
        Field("reduction", _("延滞金の免除（番号）"), "1", max_length=1),
        Field("periods", _("対象の期別（番号）"), _numbers(list(range(len(owed))))),
    ], parse, notes=notes, listing=numbered(owed))


def deferral_cancel_form(detail: CaseDetail, terms: list[DeferralTerm], chosen: int = 0) -> FormScreen:
    names = {p.assessment_id: period_name(p) for p in detail.periods}

    def parse(v: dict[str, str]) -> dict[str, Any]:
        k = v["term"].strip()
        if not k.isdigit() or not 1 <= int(k) <= len(terms):
            raise ValueError(_("猶予は1〜{n}の番号で選んでください").format(n=len(terms)))
        return {"term": terms[int(k) - 1], "on": _date(v["on"], _("取消日"))}

    listing = "\n".join(_("{k}: {kind}　{name}　{start} 〜 {end}").format(
        k=k, kind=label(DEFERRAL_KINDS, t.kind), name=names.get(t.assessment_id, str(t.assessment_id)),
        start=wareki(t.start_on), end=wareki(t.end_on)) for k, t in enumerate(terms, start=1))
    return FormScreen(_("猶予の取消"), [
        Field("term", _("猶予（番号）"), str(chosen + 1), max_length=3),
        Field("on", _("取消日"), wareki(detail.as_of)),
    ], parse, notes=_("猶予は取消日の前日で終わります"), listing=listing)


def describe_periods(detail: CaseDetail, ids: list[int]) -> str:
    """The periods by name (a few) or by count with the oldest and the newest."""
    names = {p.assessment_id: period_name(p) for p in detail.periods}
    named = [names.get(a, str(a)) for a in ids]
    if len(named) <= 3:
        return "、".join(named)
    return _("{n}期別（{first} 〜 {last}）").format(n=len(named), first=named[0], last=named[-1])


def plan_total(detail: CaseDetail, ids: list[int]) -> int:
    """What the chosen periods owe today (the plan's default total when pledged today)."""
    return sum(p.total_due for p in detail.owed if p.assessment_id in ids)

