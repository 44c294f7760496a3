"""Labels and small formatting helpers of the 滞納整理 screens (no computation of tax)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from rich.text import Text

from core.domain.delinquency import Tag
from core.services.account import PeriodLine
from tui.i18n import N_, _
from tui.text import safe, wareki

__all__ = [
    "CASE_STATUSES",
    "COUNTERPARTS",
    "DEFERRAL_KINDS",
    "DISPOSITION_KINDS",
    "DISPOSITION_STATES",
    "GROUNDS",
    "INVESTIGATION_RESULTS",
    "MANUAL_KINDS",
    "PLAN_STATES",
    "PROPERTY_KINDS",
    "RECORD_KINDS",
    "REDUCTIONS",
    "SECTION_LABELS",
    "SUSPENSION_STATES",
    "TAG_COLOUR_NAMES",
    "choice_help",
    "jst",
    "label",
    "numbered",
    "parse_numbers",
    "period_name",
    "period_notes",
    "tag_labels",
]

JST = timezone(timedelta(hours=9), "JST")

CASE_STATUSES: dict[str, str] = {"open": N_("未着手"), "contact": N_("折衝中"), "plan": N_("分納中"),
                                 "disposition": N_("処分中"), "suspended": N_("執行停止中"), "closed": N_("完結")}
#: The kinds an officer records by hand (digit → value); the others are written by the system.
RECORD_KINDS: dict[str, str] = {"visit": N_("来庁"), "phone": N_("電話"), "home_visit": N_("訪問"),
                                "letter": N_("文書送付"), "reminder": N_("催告"), "note": N_("メモ"),
                                "investigation": N_("財産調査"), "seizure": N_("差押"), "demand": N_("交付要求"),
                                "plan": N_("分納"), "suspension": N_("執行停止"), "callcenter": N_("センター")}
MANUAL_KINDS = ("visit", "phone", "home_visit", "letter", "reminder", "note")
COUNTERPARTS: dict[str, str] = {"self": N_("本人"), "family": N_("家族"), "agent": N_("代理人"),
                                "employer": N_("勤務先"), "institution": N_("金融機関等"), "other": N_("その他")}
PROPERTY_KINDS: dict[str, str] = {"deposit": N_("預金"), "salary": N_("給与"), "insurance": N_("生命保険"),
                                  "real_estate": N_("不動産"), "vehicle": N_("自動車"), "receivable": N_("債権"),
                                  "other": N_("その他")}
DISPOSITION_KINDS: dict[str, str] = {"seizure": N_("差押"), "participation": N_("参加差押"),
                                     "demand": N_("交付要求")}
DISPOSITION_STATES: dict[str, str] = {"proposed": N_("決裁待ち"), "in_force": N_("差押中"),
                                      "collected": N_("取立済"), "realised": N_("換価済"), "released": N_("解除"),
                                      "rejected": N_("否決")}
SUSPENSION_STATES: dict[str, str] = {"proposed": N_("決裁待ち"), "in_force": N_("執行停止中"),
                                     "cancelled": N_("取消（15条の8）"), "extinguished": N_("納付義務消滅"),
                                     "rejected": N_("否決")}
PLAN_STATES: dict[str, str] = {"active": N_("履行中"), "defaulted": N_("不履行"), "completed": N_("完了"),
                               "cancelled": N_("取消")}
GROUNDS: dict[int, str] = {1: N_("1号 財産なし"), 2: N_("2号 生活の著しい窮迫"), 3: N_("3号 所在・財産ともに不明")}
DEFERRAL_KINDS: dict[str, str] = {"choshu": N_("徴収猶予"), "kanka": N_("換価の猶予")}
REDUCTIONS: dict[str, str] = {"none": N_("免除なし"), "half": N_("2分の1免除"), "full": N_("全額免除")}
INVESTIGATION_RESULTS: dict[str, str] = {"pending": N_("回答待ち"), "found": N_("財産あり"), "none": N_("財産なし")}
#: officer_worklist's section ids, in its order (the labels translated here).
SECTION_LABELS: dict[str, str] = {
    "due": N_("対応予定日が来た案件"), "broken_plans": N_("分納の不履行"),
    "prescription": N_("時効完成が近い期別のある案件"), "suspension_3y": N_("執行停止3年が近い案件"),
    "seizures": N_("差押中（取立・換価待ち）"), "approvals": N_("決裁待ち（差押・執行停止・不納欠損）"),
}
#: 付箋の色 (TAG_COLOURS' order: the digit a clerk types).
TAG_COLOUR_NAMES: dict[str, str] = {"red": N_("赤"), "orange": N_("橙"), "yellow": N_("黄"), "green": N_("緑"),
                                    "blue": N_("青"), "purple": N_("紫"), "gray": N_("灰")}
_TAG_STYLES = {"red": "bold white on red", "orange": "bold black on dark_orange", "yellow": "bold black on yellow",
               "green": "bold white on green", "blue": "bold white on blue", "purple": "bold white on purple",
               "gray": "bold white on grey50"}


def label(table: dict[str, str], value: object) -> str:
    """The translated label of *value* (an enum or its string); the value itself when unknown."""
    key = getattr(value, "value", value)
    return _(table[key]) if isinstance(key, str) and key in table else str(key or "")


def jst(moment: datetime) -> str:
    """A stored moment shown in Japan time (stored naive moments are UTC)."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(JST)
    return f"{wareki(local.date())} {local:%H:%M}"


def tag_labels(tags: tuple[Tag, ...]) -> Text:
    """The case's 付箋 as coloured labels (stored text neutralised, never read as markup)."""
    out = Text()
    for tag in tags:
        out.append(f" {safe(tag.text)} ", style=_TAG_STYLES.get(tag.colour, "reverse"))
        out.append(" ")
    return out


def period_notes(p: PeriodLine, as_of: date) -> str:
    notes = []
    if p.extinction == "prescription" or p.prescribed:
        notes.append(_("時効完成"))
    elif p.extinction is not None:
        notes.append(_("納付義務消滅"))
    elif p.prescription_near:
        notes.append(_("時効近し"))
    if p.suspended:
        notes.append(_("執行停止中"))
    if p.deferred:
        notes.append(_("猶予中"))
    if p.written_off:
        notes.append(_("欠損済"))
    if p.due_date >= as_of and p.total_due:
        notes.append(_("納期未到来"))
    return "・".join(notes)


def period_name(p: PeriodLine) -> str:
    return _("{y}年度 {tax} 第{n}期").format(y=p.fiscal_year, tax=p.tax_name, n=p.period)


def numbered(periods: tuple[PeriodLine, ...] | list[PeriodLine]) -> str:
    """The periods a form may choose from, one per line with its number."""
    return "\n".join(_("{k}: {name}　未納 {amount}円　督促 {d}").format(
        k=k, name=period_name(p), amount=f"{p.total_due:,}", d=wareki(p.dunning_on) or "—")
        for k, p in enumerate(periods, start=1))


def parse_numbers(text: str, count: int) -> list[int]:
    """``"1,3"`` / ``"1 3"`` / ``"1-3"`` → 0-based indexes; ValueError in Japanese."""
    picked: set[int] = set()
    for part in text.replace("、", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        low, _sep, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(_("期別は番号で入力してください（例: 1,2 または 1-3）"))
        for k in range(int(low), int(high or low) + 1):
            if not 1 <= k <= count:
                raise ValueError(_("期別の番号は1〜{n}です").format(n=count))
            picked.add(k - 1)
    if not picked:
        raise ValueError(_("対象の期別を選んでください"))
    return sorted(picked)


def choice_help(table: dict[str, str], keys: tuple[str, ...] | list[str]) -> str:
    """``1 来庁　2 電話　…`` for a digit field."""
    return "　".join(f"{k} {_(table[v])}" for k, v in enumerate(keys, start=1))
