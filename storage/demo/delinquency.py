"""The demo's 滞納整理 (issue 6) by the real services after :func:`add_activity`: cases opened by the
案件化 batch up to a month ago (later ones are left for today's run) or by hand, assigned to ``officer`` /
``officer2``; 経過記録, 付箋, 分納誓約, 財産調査, 差押, 執行停止 proposed by the officers and decided by the
supervisor (maker–checker), a 換価の猶予, 不納欠損 runs. Seeded; the costly treatments touch a bounded number."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from core.domain.assessment import Assessment
from core.domain.delinquency import TAG_COLOURS
from core.domain.payment import Channel, Payment
from core.errors import ConflictError
from core.rules.suspension import extinguished_from
from core.security.permissions import Actor, Permission
from core.services import cases as cs
from core.services import dispositions as ds
from core.services import suspensions as ss
from core.services.dunning import seizure_possible_on
from core.services.ledger import load_policy, period_views
from core.services.plans import check_plans, create_plan
from core.services.posting import post_payment
from core.services.writeoff import approve_writeoff, propose_writeoff
from storage.demo.synthetic import fiscal_year_of
from storage.schema import cases, dunnings
from storage.store import Store

__all__ = ["add_delinquency"]

TEAMS = {"officer": "第1班", "officer2": "第2班"}
MAX_RECORDED = 300  # cases that get 経過記録, priorities and 付箋
_NOTES = {  # kind → (相手, 内容): no personal data, as an officer would type it
    "phone": (("self", "本人と電話。月末に一部納付の意向"), ("self", "本人と電話。来週来庁して分納を相談したいとのこと"),
              ("family", "家族が応対。本人へ折返しを依頼"), (None, "留守番電話に折返しを依頼"), (None, "電話催告。応答なし")),
    "visit": (("self", "本人来庁。収入減を理由に分納を希望"), ("agent", "代理人来庁。生活状況を聴取")),
    "home_visit": ((None, "不在。差置通知を投函"), ("self", "本人と面談。生活状況を聴取")),
    "letter": ((None, "催告書を送付"), (None, "最終催告書を送付"), (None, "差押予告書を送付"), (None, "納付相談の案内を送付")),
}  # 催告 as letters and calls: the kind "reminder" is the 催告 batch's (one a day, counted by it)
_KINDS = ("phone",) * 8 + ("letter",) * 6 + ("visit",) * 3 + ("home_visit",) * 3
_TAGS = ("分納相談中", "夜間のみ連絡可", "差押予告済", "生活困窮の申出", "代理人あり", "転居予定", "勤務先判明")
_PROPERTY = {  # kind → (照会先, 財産の表示, 回答)
    "deposit": ("みなと銀行 本店", "預金債権（みなと銀行 本店 普通預金）", "普通預金 残高あり"),
    "salary": ("勤務先（給与支払報告書による）", "給与債権（勤務先から支払を受ける給料等）", "月額給与の支払あり"),
    "insurance": ("みなと生命保険", "生命保険契約の解約返戻金請求権", "解約返戻金あり"),
    "real_estate": ("法務局（登記事項証明）", "土地・建物（市内、居宅）", "居宅の土地・建物（抵当権設定あり）"),
    "vehicle": ("軽自動車検査協会", "軽自動車（軽四輪乗用）", "軽四輪 1台"),
}
_PLANS = {"kept": ((100, 240), 3, 3), "broken": ((65, 200), 6, 1), "active": ((7, 90), 8, 99)}  # back, count, paid
_DAY = timedelta(days=1)


@dataclass
class _Case:
    id: int
    taxpayer_id: int
    opened_on: date
    debts: list[tuple[Assessment, date]]  # dunned periods with nothing paid: (period, 督促 issue), oldest first
    officer: str | None = None

    def owed(self, day: date | None, *, seizable: bool = False) -> list[Assessment]:  # dunned (331条① met) by *day*
        return [] if day is None else [a for a, issued in self.debts
                                       if (seizure_possible_on(issued) if seizable else issued + _DAY) <= day]


class _Demo:
    def __init__(self, store: Store, as_of: date, terminal_id: str, seed: int) -> None:
        everything = frozenset(p.value for p in Permission)
        self.store, self.as_of, self.rnd = store, as_of, random.Random(seed)
        self.batch, self.boss = (Actor(user, everything, terminal_id=terminal_id) for user in ("demo", "supervisor"))
        self.officers = {o: Actor(o, everything - {Permission.DISPOSITION_APPROVE.value}, terminal_id=terminal_id)
                         for o in TEAMS}
        self.counts: Counter[str] = Counter()
        self.extinct_on: list[date] = []
        self.investigated: set[int] = set()

    def call(self, service: Callable[..., Any], actor: Actor, *args: Any, **kwargs: Any) -> Any:
        return service(self.store.uow(actor.user_id), actor, *args, **kwargs)

    def maker(self, c: _Case) -> Actor:
        return self.officers[c.officer or "officer"]

    def day(self, lo: date, hi: date) -> date | None:
        return None if lo > hi else lo + timedelta(days=self.rnd.randint(0, (hi - lo).days))

    def ago(self, days: int) -> date:
        return self.as_of - timedelta(days=days)

    def when(self, c: _Case, lo: date, hi: date, gap: int = 1, seizable: bool = False) -> date | None:
        """A day in [lo, hi], *gap* days after the case opened, when some of its debts were owed (and seizable)."""
        owed = [seizure_possible_on(issued) if seizable else issued + _DAY for _, issued in c.debts] or [hi + _DAY]
        return self.day(max(lo, c.opened_on + timedelta(days=gap), min(owed)), hi)

    def each(self, pool: list[_Case], want: int, treat: Callable[..., bool], *args: Any) -> None:
        """Treat up to *want* cases of *pool*; a misfit stays for the next, one a rule refuses halfway is dropped."""
        for c in list(pool):
            try:
                if want <= 0 or not treat(c, *args):
                    continue
                want -= 1
            except ConflictError:
                self.counts["refused"] += 1
            pool.remove(c)

    def open_cases(self) -> list[_Case]:
        with self.store.uow("demo") as uow:
            wait = cs.load_delinquency_policy(uow).open_after_days
            first = uow.connection.execute(select(func.min(dunnings.c.designated_on))).scalar_one()
            dunned = uow.ledger.dunned_unpaid(self.as_of + timedelta(days=366))
            due = {a.taxpayer_id for a in uow.ledger.dunned_unpaid(self.ago(wait))}
            issued = {aid: d.issued_on for aid, d in uow.ledger.dunnings([a.id for a in dunned]).items()}
        runs = [self.ago(30 + 182 * k) for k in range(12)]  # the 案件化 batch; today's run is left to the user
        for on in sorted(on for on in runs if first is not None and on >= first + timedelta(days=wait)):
            self.counts["cases"] += len(self.call(cs.open_due_cases, self.batch, on=on))
        recent = {a.taxpayer_id: issued[a.id] for a in reversed(dunned) if a.taxpayer_id not in due}  # to the counter
        for tid in sorted(recent)[:max(2, 12 - self.counts["cases"])]:
            on = min(self.as_of, max(recent[tid] + _DAY, self.ago(self.rnd.randint(1, 5))))
            self.counts["cases"] += bool(self.call(cs.open_case, self.officers["officer"], tid, on=on))
        with self.store.uow("demo") as uow:
            rows = uow.connection.execute(select(cases.c.id, cases.c.taxpayer_id, cases.c.opened_on)
                                          .where(cases.c.status != "closed").order_by(cases.c.id)).all()
            periods = uow.ledger.unpaid_periods(sorted({int(r.taxpayer_id) for r in rows}))
            views = period_views(uow, periods, self.as_of, load_policy(uow))
            issued = {aid: d.issued_on for aid, d in uow.ledger.dunnings([a.id for a in periods]).items()}
        debts: dict[int, list[tuple[Assessment, date]]] = {}
        for v in sorted(views, key=lambda v: (v.assessment.due_date, v.assessment.id)):
            a, b = v.assessment, v.balance
            if a.id in issued and b.honzei_paid == 0 and b.honzei_due > 0 and not (v.extinct or v.deferred):
                debts.setdefault(a.taxpayer_id, []).append((a, issued[a.id]))
        self.rnd.shuffle(found := [_Case(int(r.id), int(r.taxpayer_id), r.opened_on, debts.get(int(r.taxpayer_id), []))
                                   for r in rows])
        return found

    def assign(self, c: _Case) -> None:
        r = self.rnd.random()
        c.officer = "officer" if r < 0.45 else "officer2" if r < 0.9 else None
        if team := TEAMS[c.officer] if c.officer else self.rnd.choice((None, *TEAMS.values())):
            self.call(cs.assign_case, self.boss, c.id, officer=c.officer, team=team)

    def history(self, c: _Case) -> None:
        """1–4 経過記録 (sometimes typed in late, out of order), a priority, a next action, a 付箋."""
        rnd, actor, now = self.rnd, self.maker(c), datetime.combine(self.as_of, time(18), tzinfo=cs.JST)
        lo = min(max(c.opened_on + _DAY, self.ago(180)), self.ago(1))
        days = sorted(self.day(lo, self.ago(1)) or lo for _ in range(rnd.randint(1, 4)))
        order = rnd.sample(range(len(days)), len(days)) if rnd.random() < 0.3 else list(range(len(days)))
        r = rnd.random()  # the next action: today, overdue, ahead or none
        nxt = (self.day(max(days[-1], self.ago(22)) + _DAY, self.ago(1)) if 0.25 <= r < 0.55 else None) or \
            (self.as_of if r < 0.55 else self.ago(-rnd.randint(1, 45)) if r < 0.9 else None)
        for i in order:
            who, text = rnd.choice(_NOTES[kind := rnd.choice(_KINDS)])
            at = datetime.combine(days[i], time(rnd.randint(9, 17), rnd.choice((0, 15, 30, 45))), tzinfo=cs.JST)
            self.call(cs.add_record, actor, c.id, kind=kind, content=text, occurred_at=at, who=who, now=now,
                      next_action_on=nxt if i == len(days) - 1 else None)
            self.counts["case_records"] += 1
        if (priority := rnd.choice((1, 2, 2, 3, 3, 3, 3, 4, 5))) != 3 or nxt is None:
            self.call(cs.update_case, actor, c.id, priority=priority, clear_next_action=nxt is None)
        if rnd.random() < 0.1:
            end = rnd.choice((None, None, self.ago(-rnd.randint(10, 90)), self.ago(rnd.randint(1, 30))))
            self.call(cs.add_tag, actor, c.id, colour=rnd.choice(TAG_COLOURS), text=rnd.choice(_TAGS), end_on=end)
            self.counts["tags"] += 1

    def suspend(self, c: _Case, span: tuple[date, date], ground: int, reason: str, immediate: bool = False,
                cancel: bool = False) -> bool:
        """執行停止 proposed and decided on a day in *span*; extinguished by now if it was long enough ago."""
        if (decided := self.when(c, *span, gap=7)) is None or not (periods := c.owed(decided)):
            return False
        sid = self.call(ss.propose_suspension, self.maker(c), c.id, ground=ground, reason=reason, on=decided,
                        immediate=immediate, assessment_ids=[a.id for a in periods])
        self.call(ss.decide_suspension, self.boss, sid, on=decided)
        gone = extinguished_from(decided, immediate=immediate)
        if cancel and (end := self.day(decided + timedelta(days=60), self.ago(5))) is not None:
            self.call(ss.cancel_suspension, self.boss, sid, on=end)  # 15条の8: means again
        elif gone is not None and gone <= self.as_of:
            self.extinct_on.append(gone)
        self.counts["suspensions"] += 1
        return True

    def defer(self, c: _Case) -> bool:
        if (start := self.when(c, self.ago(120), self.ago(10), gap=7)) is None or not (periods := c.owed(start)):
            return False
        self.call(ss.grant_deferral, self.boss, c.id, kind="kanka", start_on=start, reduction="half",
                  end_on=start + timedelta(days=182), assessment_ids=[a.id for a in periods])
        self.counts["deferrals"] += 1
        return True

    def investigate(self, c: _Case, target: str | None = None, on: date | None = None) -> bool:
        rnd, maker, kind = self.rnd, self.maker(c), target or self.rnd.choice(tuple(_PROPERTY))
        asked = on or self.day(max(c.opened_on + _DAY, self.ago(150)), self.ago(3))
        if asked is None or asked < c.opened_on:
            return False
        inv = self.call(ds.request_investigation, maker, c.id, target=kind, institution=_PROPERTY[kind][0],
                        requested_on=asked)
        self.counts["investigations"] += 1
        self.investigated.add(c.id)
        if target is not None or rnd.random() < 0.7:  # else no answer yet
            found = target is not None or rnd.random() < 0.45
            self.call(ds.answer_investigation, maker, inv, found=found,
                      answered_on=min(asked + timedelta(days=rnd.randint(3, 20)), self.as_of),
                      finding=_PROPERTY[kind][2] if found else "該当なし",
                      value=rnd.randint(5, 80) * 10_000 if found else None)
        return True

    def seize(self, c: _Case, kind: str, state: str, back: tuple[int, int]) -> bool:
        start = self.when(c, self.ago(back[1]), self.ago(back[0]), gap=21, seizable=True)
        if start is None or not (periods := c.owed(start, seizable=True)):
            return False
        if not (demand := kind == "demand"):
            self.investigate(c, kind, start - timedelta(days=14))
        did = self.call(ds.propose_disposition, maker := self.maker(c), c.id, kind="demand" if demand else "seizure",
                        property_kind_="real_estate" if demand else kind, start_on=start,
                        description="競売事件（地方裁判所）への交付要求" if demand else _PROPERTY[kind][1],
                        assessment_ids=[a.id for a in periods])
        self.counts["dispositions"] += 1
        if state != "proposed":  # the proposed one awaits the supervisor
            self.call(ds.approve_disposition, self.boss, did)
        end = self.day(start + timedelta(days=7), self.ago(1))
        if state in ("surplus", "partial") and end is not None:  # 取立: all owed and more, or half
            with self.store.uow("demo") as uow:
                owed = sum(v.balance.total_due for v in period_views(uow, periods, end, load_policy(uow)))
            proceeds = owed + self.rnd.randint(2, 30) * 1_000 if state == "surplus" else max(1_000, owed // 2000 * 1000)
            self.call(ds.realise_disposition, maker, did, on=end, proceeds=proceeds, source_key=f"demo-seizure-{did}")
        elif state == "released" and end is not None:
            self.call(ds.release_disposition, maker, did, on=end)
        return True

    def plan(self, c: _Case, kind: str) -> bool:
        back, count, paid = _PLANS[kind]
        pledged = self.when(c, self.ago(back[1]), self.ago(back[0]))
        if pledged is None or not (periods := c.owed(pledged)[:4]):
            return False
        plan_id = self.call(create_plan, self.maker(c), c.id, pledged_on=pledged, assessment_ids=[a.id for a in periods],
                            count=count, first_on=pledged + timedelta(days=self.rnd.randint(3, 20)))
        with self.store.uow(self.maker(c).user_id) as uow:  # paid at the bank, on time or a little early
            policy = load_policy(uow)
            for inst in [i for i in uow.dispositions.plan(plan_id).schedule[:paid] if i.due_on <= self.as_of]:
                on = max(pledged, inst.due_on - timedelta(days=self.rnd.randint(0, 3)))
                post_payment(uow, Payment(source_key=f"demo-plan-{plan_id}-{inst.seq}", channel=Channel.BANK,
                                          amount=inst.amount, received_on=on, accounted_on=on,
                                          notice_no=periods[0].notice_no, period=periods[0].period),
                             policy, batch_id="demo-plan", periods=periods)
                self.counts["plan_payments"] += 1
            uow.commit()
        self.counts["plans"] += 1
        return True

    def write_off(self) -> None:
        """不納欠損 of what is extinguished: the earliest year's run approved, a later one awaiting approval."""
        fy, maker = fiscal_year_of(self.as_of), self.officers["officer"]
        last_year = [d <= date(fy, 3, 31) for d in self.extinct_on]
        for n, year in enumerate(y for y, has in ((fy - 1, any(last_year)), (fy, not all(last_year))) if has):
            run = self.call(propose_writeoff, maker, fiscal_year=year, today=self.as_of)
            self.counts["writeoff_runs"] += 1
            if n == 0:
                self.call(approve_writeoff, self.boss, run, today=self.as_of)


def _three_years_before(lo: date, hi: date) -> tuple[date, date]:  # decided then: extinct (15条の7④) in [lo, hi]
    lo, hi = (d.replace(year=d.year - 3, day=min(d.day, 28)) for d in (lo, hi))
    return lo - _DAY, hi - 2 * _DAY


def add_delinquency(store: Store, *, as_of: date, terminal_id: str, seed: int = 1) -> dict[str, int]:
    """Cases and their history through the services; returns counts per kind."""
    demo = _Demo(store, as_of, terminal_id, seed)
    found = demo.open_cases()
    for c in found:
        demo.assign(c)
    for c in found[:MAX_RECORDED]:
        demo.history(c)
    year_end, ago, seize, plan, suspend = date(fiscal_year_of(as_of), 3, 31), demo.ago, demo.seize, demo.plan, demo.suspend
    treatments: list[tuple[Callable[..., bool], tuple[Any, ...]]] = [  # what a small town must show first
        (suspend, (_three_years_before(year_end.replace(year=year_end.year - 1), year_end), 2, "生活保護受給中")),
        (suspend, ((ago(60), ago(5)), 1, "事業廃止・滞納処分の執行可能な財産なし", True)),
        (suspend, ((ago(500), ago(20)), 2, "生活保護受給中（滞納処分により生活を著しく窮迫させるおそれ）")),
        (seize, ("deposit", "in_force", (10, 300))), (seize, ("vehicle", "proposed", (0, 10))),
        (seize, ("deposit", "surplus", (30, 200))), (seize, ("real_estate", "released", (60, 400))),
        (plan, ("kept",)), (plan, ("broken",)), (plan, ("active",)),
        (suspend, (_three_years_before(year_end + _DAY, as_of), 2, "病気療養のため収入なし")),
        (suspend, ((ago(500), ago(20)), 3, "所在及び財産がともに不明")), (seize, ("insurance", "partial", (30, 300))),
        (suspend, ((ago(700), ago(200)), 2, "病気療養のため収入なし", False, True)),
        (demo.defer, ()), (seize, ("salary", "in_force", (10, 300))), (seize, ("demand", "in_force", (30, 300))),
    ] + [(plan, (("kept", "broken", "active")[n % 3],)) for n in range(min(60, len(found) // 5) - 3)]
    pool = [c for c in found if c.debts]
    spare = len(pool) - max(1, len(found) // 2)  # half the cases at most: the others stay plain, for the 催告
    for treat, args in treatments:
        if len(pool) > spare:
            demo.each(pool, 1, treat, *args)
    rest = [c for c in found if c.id not in demo.investigated]
    demo.each(rest, min(40, max(1, len(found) * 3 // 20)), demo.investigate)
    check = demo.call(check_plans, demo.officers["officer"], on=as_of)
    demo.counts.update(plans_defaulted=len(check.defaulted), plans_completed=len(check.completed))
    demo.write_off()
    return dict(demo.counts)
