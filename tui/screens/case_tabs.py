"""The tables of the case screen's tabs, filled from a :class:`CaseDetail` (display only)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from core.domain.delinquency import CaseRecord
from core.services.case_view import CaseDetail
from core.services.plans import PlanView
from tui.i18n import N_, _
from tui.screens.case_text import (
    COUNTERPARTS,
    DEFERRAL_KINDS,
    DISPOSITION_KINDS,
    DISPOSITION_STATES,
    GROUNDS,
    INVESTIGATION_RESULTS,
    PLAN_STATES,
    PROPERTY_KINDS,
    RECORD_KINDS,
    REDUCTIONS,
    SUSPENSION_STATES,
    jst,
    label,
    period_name,
    period_notes,
)
from tui.text import safe, wareki, yen

__all__ = ["COLUMNS", "fill_periods", "fill_records", "fill_plans", "fill_schedule", "fill_investigations",
           "fill_dispositions", "fill_suspensions", "fill_deferrals", "shown_periods", "record_text", "clip", "amount"]

#: table id → its column headings (translated when the screen mounts).
COLUMNS: dict[str, tuple[str, ...]] = {
    "periods-table": (N_("年度"), N_("税目"), N_("期"), N_("本税"), N_("延滞金"), N_("督促手数料"), N_("督促日"),
                      N_("時効完成日"), N_("備考"), N_("納期限")),
    "records-table": (N_("日時"), N_("種類"), N_("相手"), N_("内容"), N_("次回"), N_("記録者")),
    "plans-table": (N_("番号"), N_("誓約日"), N_("状態"), N_("総額"), N_("回数"), N_("入金計"), N_("次回納付日"),
                    N_("次回金額")),
    "schedule-table": (N_("回"), N_("納付予定日"), N_("金額"), N_("入金"), N_("状態")),
    "investigations-table": (N_("番号"), N_("照会日"), N_("対象"), N_("照会先"), N_("回答日"), N_("結果"),
                             N_("回答内容"), N_("見積額")),
    "dispositions-table": (N_("番号"), N_("種類"), N_("財産"), N_("財産の表示"), N_("差押日"), N_("金額"), N_("状態"),
                           N_("起案"), N_("決裁"), N_("終了日"), N_("配当額")),
    "suspensions-table": (N_("番号"), N_("根拠"), N_("即時消滅"), N_("状態"), N_("起案"), N_("決定"), N_("決定日"),
                          N_("取消日"), N_("消滅日"), N_("理由")),
    "deferrals-table": (N_("種類"), N_("期別"), N_("開始日"), N_("終了日"), N_("延滞金")),
}
CLIP = 40


def amount(value: int | None, suffix: str = "") -> Text:
    """Yen right-aligned in its column (nothing for no amount)."""
    return Text("" if value is None else yen(value) + suffix, justify="right")


def clip(text: str, width: int = CLIP) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def shown_periods(detail: CaseDetail) -> list:  # type: ignore[type-arg]
    """The periods worth showing on a case: something owed, stopped, extinguished or written off."""
    return [p for p in detail.periods if p.total_due > 0 or p.extinction or p.written_off or p.suspended]


def fill_periods(table: DataTable, detail: CaseDetail) -> None:  # type: ignore[type-arg]
    table.clear()
    seized = {a for d in detail.dispositions if d.in_force for a in d.assessment_ids}
    planned = {a for v in detail.plans if v.status == "active" for a in v.plan.assessment_ids}
    for p in shown_periods(detail):
        notes = [n for n in (period_notes(p, detail.as_of), _("差押中") if p.assessment_id in seized else "",
                             _("分納中") if p.assessment_id in planned else "") if n]
        table.add_row(str(p.fiscal_year), p.tax_name, str(p.period), amount(p.honzei_due),
                      amount(p.entaikin_due, "" if p.entaikin_fixed or not p.entaikin_due else "*"), amount(p.fee_due),
                      wareki(p.dunning_on), wareki(p.prescription_on), "・".join(notes), wareki(p.due_date),
                      key=str(p.assessment_id))


def record_text(r: CaseRecord) -> str:
    return safe(r.content) if r.content else (_("（自動記録）") if r.source != "manual" else "")


def fill_records(table: DataTable, records: tuple[CaseRecord, ...]) -> None:  # type: ignore[type-arg]
    table.clear()
    for r in records:
        table.add_row(jst(r.occurred_at), label(RECORD_KINDS, r.kind), label(COUNTERPARTS, r.counterpart),
                      clip(record_text(r)), wareki(r.next_action_on), safe(r.created_by), key=str(r.id))


def fill_plans(table: DataTable, plans: tuple[PlanView, ...]) -> None:  # type: ignore[type-arg]
    table.clear()
    for v in plans:
        nxt = v.progress.next_due if v.status in ("active", "defaulted") else None
        table.add_row(str(v.plan.id), wareki(v.plan.pledged_on), label(PLAN_STATES, v.status),
                      amount(v.progress.scheduled), str(len(v.plan.schedule)), amount(v.progress.credited),
                      wareki(nxt.instalment.due_on) if nxt else "", amount(nxt.unpaid if nxt else None),
                      key=str(v.plan.id))


def fill_schedule(table: DataTable, view: PlanView | None) -> None:  # type: ignore[type-arg]
    table.clear()
    if view is None:
        return
    as_of = view.progress.as_of
    for s in view.progress.statuses:
        if s.fulfilled_on is not None:
            state = _("履行済（{d}）").format(d=wareki(s.fulfilled_on))
        elif s.missed:
            state = _("不履行")
        elif s.paid:
            state = _("一部入金")
        elif s.instalment.due_on >= as_of:
            state = _("未到来")
        else:
            state = _("未納")
        table.add_row(str(s.instalment.seq), wareki(s.instalment.due_on), amount(s.instalment.amount), amount(s.paid),
                      state, key=str(s.instalment.seq))


def fill_investigations(table: DataTable, detail: CaseDetail) -> None:  # type: ignore[type-arg]
    table.clear()
    for i in detail.investigations:
        table.add_row(str(i.id), wareki(i.requested_on), label(PROPERTY_KINDS, i.target), safe(i.institution),
                      wareki(i.answered_on), label(INVESTIGATION_RESULTS, i.result), clip(safe(i.finding)),
                      amount(i.value), key=str(i.id))


def fill_dispositions(table: DataTable, detail: CaseDetail) -> None:  # type: ignore[type-arg]
    table.clear()
    for d in detail.dispositions:
        table.add_row(str(d.id), label(DISPOSITION_KINDS, d.kind), label(PROPERTY_KINDS, d.property_kind),
                      clip(safe(d.property), 30), wareki(d.start_on), amount(d.amount),
                      label(DISPOSITION_STATES, d.state), safe(d.proposed_by), safe(d.approved_by),
                      wareki(d.ended_on), amount(d.proceeds), key=str(d.id))


def fill_suspensions(table: DataTable, detail: CaseDetail) -> None:  # type: ignore[type-arg]
    table.clear()
    for s in detail.suspensions:
        table.add_row(str(s.id), _(GROUNDS[s.ground]) if s.ground in GROUNDS else str(s.ground),
                      _("する") if s.immediate else "", label(SUSPENSION_STATES, s.state), safe(s.proposed_by),
                      safe(s.decided_by), wareki(s.decided_on), wareki(s.cancelled_on), wareki(s.extinguished_on),
                      clip(safe(s.reason), 30), key=str(s.id))


def fill_deferrals(table: DataTable, detail: CaseDetail) -> None:  # type: ignore[type-arg]
    table.clear()
    names = {p.assessment_id: period_name(p) for p in detail.periods}
    for k, t in enumerate(detail.deferrals):
        table.add_row(label(DEFERRAL_KINDS, t.kind), names.get(t.assessment_id, str(t.assessment_id)),
                      wareki(t.start_on), wareki(t.end_on), label(REDUCTIONS, t.reduction), key=str(t.id or f"n{k}"))
