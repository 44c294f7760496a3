"""What the case screen does: 経過記録, 分納誓約, 財産調査, 差押・交付要求, 執行停止, 案件の変更
and the supervisor's 決裁 — each through its service in a worker, then the case is read again.
A mixin of :class:`tui.screens.case.CaseScreen` (kept apart to keep each file short)."""


from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from core.rules.installments import equal_schedule
from core.security.permissions import Permission
from core.services.case_view import CaseDetail
from core.services.cases import (
    add_record,
    add_tag,
    assign_case,
    close_case,
    remove_tag,
    update_case,
)
from core.services.dispositions import (
    answer_investigation,
    approve_disposition,
    propose_disposition,
    realise_disposition,
    reject_disposition,
    release_disposition,
    request_investigation,
)
from core.services.plans import cancel_plan, create_plan
from core.services.suspensions import (
    cancel_deferral,
    cancel_suspension,
    decide_suspension,
    grant_deferral,
    propose_suspension,
    reject_suspension,
)
from tui.i18n import _
from tui.screens.case_forms import (
    answer_form,
    case_edit_form,
    deferral_cancel_form,
    deferral_form,
    describe_periods,
    disposition_form,
    investigation_form,
    plan_form,
    plan_total,
    realise_form,
    record_form,
    suspension_form,
    tag_form,
)
from tui.screens.case_text import (
    DEFERRAL_KINDS,
    DISPOSITION_KINDS,
    GROUNDS,
    PLAN_STATES,
    PROPERTY_KINDS,
    REDUCTIONS,
    TAG_COLOUR_NAMES,
    label,
)
from tui.screens.choice import ChoiceScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import safe, wareki, yen

__all__ = ["CaseWork"]


class CaseWork:
    """The actions of the case screen (``self`` is the CaseScreen)."""

    detail: CaseDetail | None
    case_id: int
    app: Any
    call: Callable[..., None]
    notify: Callable[..., None]
    show_error: Callable[[str], None]
    action_tab: Callable[[str], None]
    action_reload: Callable[[], None]
    _today: Callable[[], date]
    _active: Callable[[], str]
    _selected: Callable[[str, tuple[Any, ...]], Any]

    def _done(self, message: str, tab: str) -> None:
        self.notify(message)
        self.action_tab(tab)
        self.action_reload()

    def _failed(self, message: str) -> None:
        self.show_error(message)
        self.action_reload()

    def _run(self, service: Callable[..., Any], *args: Any, done: tuple[str, str], **kwargs: Any) -> None:
        self.call(service, *args, **kwargs, then=lambda _r: self._done(*done), failed=self._failed)

    def _choose(self, heading: str, options: list[tuple[str, str, Callable[[], None]]], detail: str = "") -> None:
        """One option runs at once; several are offered by digit."""
        if len(options) == 1:
            options[0][2]()
            return
        actions = {key: act for key, _text, act in options}

        def chosen(key: str | None) -> None:
            if key in actions:
                actions[key]()

        self.app.push_screen(ChoiceScreen(heading, [(k, t) for k, t, _a in options], detail), callback=chosen)

    def _owed(self) -> CaseDetail | None:
        if self.detail is not None and not self.detail.owed:
            self.notify(_("未納の期別はありません"))
            return None
        return self.detail

    def action_record(self) -> None:
        if self.detail is None:
            return

        def entered(values: dict[str, Any] | None) -> None:
            if values is not None:
                self._run(add_record, self.case_id, **values, done=(_("経過記録を保存しました"), "records"))

        self.app.push_screen(record_form(self._today()), callback=entered)

    def action_tag(self) -> None:
        d = self.detail
        if d is None:
            return
        options = [("add", _("付箋を付ける"), self._add_tag)]
        if d.tags:
            options.append(("remove", _("付箋をはがす"), self._remove_tag))
        self._choose(_("付箋"), options)

    def _add_tag(self) -> None:
        def entered(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            detail = _("{colour}　{text}　終了日 {end}").format(
                colour=label(TAG_COLOUR_NAMES, v["colour"]), text=safe(v["text"]), end=wareki(v["end_on"]) or "—")
            self.app.push_screen(ConfirmScreen(_("この付箋を付けますか？"), detail), callback=lambda yes: yes and self._run(
                add_tag, self.case_id, **v, done=(_("付箋を付けました"), self._active())))

        self.app.push_screen(tag_form(self._today()), callback=entered)

    def _remove_tag(self) -> None:
        tags = list(self.detail.tags[:9]) if self.detail else []
        by_id = {str(t.id): t for t in tags}

        def chosen(key: str | None) -> None:
            tag = by_id.get(key or "")
            if tag is None:
                return
            question = _("付箋「{text}」をはがしますか？").format(text=safe(tag.text))
            self.app.push_screen(ConfirmScreen(question), callback=lambda yes: yes and self._run(
                remove_tag, self.case_id, tag.id, done=(_("付箋をはがしました"), self._active())))

        options = [(str(t.id), f"{label(TAG_COLOUR_NAMES, t.colour)}　{safe(t.text)}") for t in tags]
        self.app.push_screen(ChoiceScreen(_("はがす付箋"), options), callback=chosen)

    def action_plan(self) -> None:
        d = self.detail
        if d is None:
            return
        live = [v for v in d.plans if v.status in ("active", "defaulted")]
        options = [("new", _("分納誓約の登録"), self._new_plan)]
        if live:
            selected = self._selected("plans", d.plans)
            plan = selected if selected in live else live[0]
            today = self._today()

            def cancel() -> None:
                question = _("分納誓約（番号 {id}）を本日 {d} 付けで取り消しますか？").format(
                    id=plan.plan.id, d=wareki(today))
                detail = _("誓約日 {p}　状態 {s}").format(p=wareki(plan.plan.pledged_on), s=label(PLAN_STATES, plan.status))
                self.app.push_screen(ConfirmScreen(question, detail), callback=lambda yes: yes and self._run(
                    cancel_plan, plan.plan.id, on=today, done=(_("分納誓約を取り消しました"), "plans")))

            options.append(("cancel", _("分納誓約の取消（番号 {id}）").format(id=plan.plan.id), cancel))
        self._choose(_("分納誓約"), options)

    def _new_plan(self) -> None:
        d = self._owed()
        if d is None:
            return

        def entered(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            lines = [describe_periods(d, values["assessment_ids"])]
            if values["pledged_on"] == d.as_of:
                try:
                    schedule = equal_schedule(plan_total(d, values["assessment_ids"]), values["count"],
                                              values["first_on"], interval_months=values["interval_months"])
                except ValueError as exc:
                    self.show_error(str(exc))
                    return
                shown = schedule if len(schedule) <= 12 else [*schedule[:10], None, schedule[-1]]
                lines.append(_("総額 {t}円　{n}回").format(t=yen(sum(i.amount for i in schedule)), n=len(schedule)))
                lines += ["…" if i is None else _("第{k}回 {d}　{a}円").format(k=i.seq, d=wareki(i.due_on),
                                                                             a=yen(i.amount)) for i in shown]

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._run(create_plan, self.case_id, **values, done=(_("分納誓約を登録しました"), "plans"))

            self.app.push_screen(ConfirmScreen(_("この内容で分納誓約を登録しますか？"), "\n".join(lines)),
                                 callback=confirmed)

        self.app.push_screen(plan_form(d), callback=entered)

    def action_investigate(self) -> None:
        if self.detail is None:
            return
        today = self._today()
        pending = self._selected("investigations", self.detail.investigations)
        options = [("request", _("照会の登録"), self._request_investigation)]
        if pending is not None and pending.result == "pending":
            def answer() -> None:
                self.app.push_screen(answer_form(pending, today), callback=lambda v: v is not None and self._run(
                    answer_investigation, pending.id, **v, done=(_("回答を記録しました"), "investigations")))

            options.append(("answer", _("選択中の照会に回答を入力"), answer))
        self._choose(_("財産調査"), options)

    def _request_investigation(self) -> None:
        self.app.push_screen(investigation_form(self._today()), callback=lambda v: v is not None and self._run(
            request_investigation, self.case_id, **v, done=(_("財産調査の照会を登録しました"), "investigations")))

    def action_dispose(self) -> None:
        if self.detail is None:
            return
        today = self._today()
        chosen = self._selected("dispositions", self.detail.dispositions)
        options = [("propose", _("差押・交付要求の起案"), self._propose_disposition)]
        if chosen is not None and chosen.in_force:
            def realise() -> None:
                def entered(v: dict[str, Any] | None) -> None:
                    if v is None:
                        return
                    question = _("{d} に {a}円 を受領したことを記録しますか？").format(d=wareki(v["on"]),
                                                                                 a=yen(v["proceeds"]))
                    self.app.push_screen(ConfirmScreen(question, _("対象の期別へ古い順に充てます")),
                                         callback=lambda yes: yes and self._run(
                                             realise_disposition, chosen.id, **v,
                                             done=(_("取立・換価を記録しました"), "dispositions")))

                self.app.push_screen(realise_form(chosen, today), callback=entered)

            def release() -> None:
                what = f"{label(DISPOSITION_KINDS, chosen.kind)} {label(PROPERTY_KINDS, chosen.property_kind)}"
                self.app.push_screen(
                    ConfirmScreen(_("{what} を本日 {d} 付けで解除しますか？").format(what=what, d=wareki(today))),
                    callback=lambda yes: yes and self._run(release_disposition, chosen.id, on=today,
                                                           done=(_("解除しました"), "dispositions")))

            options += [("realise", _("取立・換価の記録（選択中の差押）"), realise),
                        ("release", _("解除（選択中の差押）"), release)]
        self._choose(_("差押・交付要求"), options)

    def _propose_disposition(self) -> None:
        d = self._owed()
        if d is not None:
            done = (_("差押・交付要求を起案しました（決裁待ち）"), "dispositions")
            self.app.push_screen(disposition_form(d), callback=lambda v: v is not None and self._run(
                propose_disposition, self.case_id, **v, done=done))

    def action_suspend(self) -> None:
        if self.detail is None:
            return
        today = self._today()
        chosen = self._selected("suspensions", self.detail.suspensions)
        options = [("propose", _("執行停止の起案"), self._propose_suspension)]
        actor = getattr(self.app, "actor", None)
        if (chosen is not None and chosen.state.value == "in_force" and actor is not None
                and actor.can(Permission.DISPOSITION_APPROVE)):
            options.append(("cancel", _("執行停止の取消（15条の8・選択中）"), lambda: self.app.push_screen(
                ConfirmScreen(_("執行停止を本日 {d} 付けで取り消しますか？").format(d=wareki(today)),
                              _("延滞金は取消日から再び計算されます")),
                callback=lambda yes: yes and self._run(cancel_suspension, chosen.id, on=today,
                                                       done=(_("執行停止を取り消しました"), "suspensions")))))
        if actor is not None and actor.can(Permission.DISPOSITION_APPROVE):
            options.append(("defer", _("猶予の決定"), self._grant_deferral))
            if self._live_deferrals():
                options.append(("undefer", _("猶予の取消"), self._cancel_deferral))
        self._choose(_("執行停止・猶予"), options)

    def _live_deferrals(self) -> list[Any]:
        d = self.detail
        return [t for t in d.deferrals if t.id is not None and t.end_on >= d.as_of] if d is not None else []

    def _grant_deferral(self) -> None:
        d = self._owed()
        if d is None:
            return

        def entered(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            detail = _("{kind}　{start} 〜 {end}　延滞金 {r}\n対象 {periods}").format(
                kind=label(DEFERRAL_KINDS, v["kind"]), start=wareki(v["start_on"]), end=wareki(v["end_on"]),
                r=label(REDUCTIONS, v["reduction"]), periods=describe_periods(d, v["assessment_ids"]))
            self.app.push_screen(ConfirmScreen(_("この内容で猶予を決定しますか？"), detail),
                                 callback=lambda yes: yes and self._run(
                                     grant_deferral, self.case_id, **v, done=(_("猶予を決定しました"), "suspensions")))

        self.app.push_screen(deferral_form(d), callback=entered)

    def _cancel_deferral(self) -> None:
        d = self.detail
        terms = self._live_deferrals()
        if d is None or not terms:
            return

        def entered(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            t = v["term"]
            question = _("{kind}（{start} 〜 {end}）を {on} 付けで取り消しますか？").format(
                kind=label(DEFERRAL_KINDS, t.kind), start=wareki(t.start_on), end=wareki(t.end_on), on=wareki(v["on"]))
            self.app.push_screen(ConfirmScreen(question, _("猶予は取消日の前日で終わります")),
                                 callback=lambda yes: yes and self._run(
                                     cancel_deferral, t.id, on=v["on"], done=(_("猶予を取り消しました"), "suspensions")))

        self.app.push_screen(deferral_cancel_form(d, terms), callback=entered)

    def _propose_suspension(self) -> None:
        d = self._owed()
        if d is not None:
            self.app.push_screen(suspension_form(d), callback=lambda v: v is not None and self._run(
                propose_suspension, self.case_id, **v, done=(_("執行停止を起案しました（決裁待ち）"), "suspensions")))

    def action_edit(self) -> None:
        d = self.detail
        if d is None:
            return
        actor = getattr(self.app, "actor", None)
        can_assign = actor is not None and actor.can(Permission.CASE_ASSIGN)

        def entered(v: dict[str, Any] | None) -> None:
            if v is None:
                return
            steps: list[tuple[Callable[..., Any], dict[str, Any]]] = []
            if can_assign and v.get("officer") != d.case.officer:
                steps.append((assign_case, {"officer": v.get("officer")}))
            closing = v["status"] == "closed"
            steps.append((update_case, {"status": None if closing else v["status"], "priority": v["priority"],
                                        "next_action_on": v["next_action_on"],
                                        "clear_next_action": v["next_action_on"] is None}))
            if closing:
                steps.append((close_case, {"on": self._today()}))
            self._chain(steps)

        self.app.push_screen(case_edit_form(d, can_assign=can_assign), callback=entered)

    def _chain(self, steps: list[tuple[Callable[..., Any], dict[str, Any]]]) -> None:
        if not steps:
            self._done(_("案件を変更しました"), self._active())
            return
        service, kwargs = steps[0]
        self.call(service, self.case_id, **kwargs, then=lambda _r: self._chain(steps[1:]), failed=self._failed)

    def action_decide(self) -> None:
        d = self.detail
        if d is None:
            return
        today = self._today()
        disposition = self._selected("dispositions", d.dispositions)
        suspension = self._selected("suspensions", d.suspensions)
        if disposition is None or disposition.state.value != "proposed":
            disposition = None if suspension is not None and suspension.state.value == "proposed" else next(
                (x for x in d.dispositions if x.state.value == "proposed"), None)
        if disposition is not None:
            detail = _("{k}　{p}：{text}\n差押日 {d}　金額 {a}　起案 {by}\n対象 {periods}").format(
                k=label(DISPOSITION_KINDS, disposition.kind), p=label(PROPERTY_KINDS, disposition.property_kind),
                text=safe(disposition.property), d=wareki(disposition.start_on),
                a=_("{a}円").format(a=yen(disposition.amount)) if disposition.amount is not None else "—",
                by=safe(disposition.proposed_by), periods=describe_periods(d, list(disposition.assessment_ids)))
            self._decide(_("差押・交付要求の決裁"), detail, lambda: self._run(
                approve_disposition, disposition.id, done=(_("承認しました"), "dispositions")), lambda: self._run(
                reject_disposition, disposition.id, done=(_("否決しました"), "dispositions")))
            return
        if suspension is None or suspension.state.value != "proposed":
            suspension = next((x for x in d.suspensions if x.state.value == "proposed"), None)
        if suspension is None:
            self.notify(_("決裁待ちの起案はありません"))
            return
        detail = _("{g}{imm}\n理由: {reason}\n起案 {by}　対象 {periods}").format(
            g=_(GROUNDS.get(suspension.ground, "")), imm=_("（即時消滅）") if suspension.immediate else "",
            reason=safe(suspension.reason), by=safe(suspension.proposed_by),
            periods=describe_periods(d, list(suspension.assessment_ids)))
        self._decide(_("執行停止の決定"), detail, lambda: self._run(
            decide_suspension, suspension.id, on=today, done=(_("執行停止を決定しました"), "suspensions")),
            lambda: self._run(reject_suspension, suspension.id, done=(_("否決しました"), "suspensions")))

    def _decide(self, heading: str, detail: str, approve: Callable[[], None], reject: Callable[[], None]) -> None:
        self._choose(heading, [("approve", _("承認（決裁）"), approve), ("reject", _("否決"), reject)], detail)
