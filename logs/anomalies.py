"""Anomaly rules over the audit log (SPEC §5.4 監査), each finding with its evidence.

:func:`find_anomalies` reads the period once, in chain order, streaming; only
rule (d) needs a second query (the business actions within ±N days). Findings
name staff users, times, counts and purposes, never personal values of
taxpayers (not even atena numbers: the evidence events carry those).

Rules (``Finding.rule``):

``many_taxpayers``
    (a) one user opened (``taxpayer.view``, outcome ok) at least
    ``distinct_taxpayers_per_hour`` different taxpayers within a sliding
    60-minute window (events less than 60 minutes apart). Overlapping qualifying
    windows are merged into one finding; evidence: every view in them.
``off_hours``
    (b) any event by a user (not ``system``/``demo``, not without user) before
    ``business_start_hour`` or from ``business_end_hour`` (JST), or on Saturday/
    Sunday when ``business_weekdays_only``. One finding per user and JST day.
    National holidays are not known yet (no holiday calendar in core).
``mynumber_reveal``
    (c) every ``mynumber.reveal`` (any outcome), with its purpose.
``no_work_item``
    (d) a ``taxpayer.view`` (ok) of atena X by user U with no *business action*
    by U on the same taxpayer (``target_type='taxpayer'``, ``target_ref=X``,
    outcome ok) within ±``work_item_days`` days. A business action is any action
    except ``taxpayer.view``, ``taxpayer.search``, ``mynumber.reveal``,
    ``permission.denied``, ``logout``, ``login.*`` and ``session.*``. One finding
    per user and JST day. When 滞納整理 cases exist, case assignments to U will
    count as work items too.
``failed_logins``
    (e) at least ``failed_login_burst`` ``login.failure``/``login.otp_replay``
    events for the same login id (``details.login_id``, else the event's user)
    or from the same terminal, less than ``failed_login_window_minutes`` apart.
    A terminal burst with exactly the same evidence as a login-id burst is not
    listed twice.
``export``
    (f) every ``export.file`` event (any outcome).
``permission_change``
    (g) every user/terminal administration or settings change (any outcome).
``flagged_record``
    (h) every ``taxpayer.view`` whose details carry ``"flagged": true``.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from core.errors import ValidationError
from logs import actions as A
from logs.review import JST, parse_details
from storage.schema import audit_events

__all__ = [
    "RULES",
    "SYSTEM_USERS",
    "PERMISSION_CHANGE_ACTIONS",
    "NON_WORK_ACTIONS",
    "Thresholds",
    "Finding",
    "find_anomalies",
]

#: rule code → Japanese label, in the order findings are listed.
RULES: dict[str, str] = {
    "many_taxpayers": "短時間の大量照会",
    "off_hours": "業務時間外のアクセス",
    "mynumber_reveal": "個人番号の表示",
    "no_work_item": "業務記録のない照会",
    "failed_logins": "ログイン失敗の集中",
    "export": "ファイル出力",
    "permission_change": "権限・設定の変更",
    "flagged_record": "要注意記録の照会",
}
_ORDER = {code: i for i, code in enumerate(RULES)}

#: Technical actors that are not people (never "outside business hours").
SYSTEM_USERS = frozenset({"system", "demo"})
PERMISSION_CHANGE_ACTIONS = frozenset({
    A.USER_GRANT, A.USER_REVOKE, A.USER_ADD, A.USER_DISABLE, A.USER_ENABLE, A.USER_RESET_PASSWORD,
    A.USER_UNLOCK, A.TERMINAL_ADD, A.TERMINAL_DISABLE, A.SETTINGS_CHANGE,
})
#: Actions that are not evidence of work on a taxpayer (rule d); plus login.* and session.*.
NON_WORK_ACTIONS = frozenset({
    A.TAXPAYER_VIEW, A.TAXPAYER_SEARCH, A.MYNUMBER_REVEAL, A.PERMISSION_DENIED, A.LOGOUT,
})
_NON_WORK_PREFIXES = ("login.", "session.")
_FAILED_LOGIN_ACTIONS = frozenset({A.LOGIN_FAILURE, A.LOGIN_OTP_REPLAY})
_VIEW_WINDOW = timedelta(minutes=60)
_WEEKDAYS = "月火水木金土日"
_OUTCOMES = {"denied": "拒否", "error": "エラー"}


@dataclass(frozen=True)
class Thresholds:
    distinct_taxpayers_per_hour: int = 30
    business_start_hour: int = 8
    business_end_hour: int = 19  # JST, exclusive
    business_weekdays_only: bool = True
    failed_login_burst: int = 5
    failed_login_window_minutes: int = 10
    work_item_days: int = 30

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "business_weekdays_only":
                if not isinstance(value, bool):
                    raise ValidationError(f"{f.name} は true/false で指定してください", field=f.name)
            elif isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"{f.name} は整数で指定してください", field=f.name)
        for name in ("distinct_taxpayers_per_hour", "failed_login_burst", "failed_login_window_minutes"):
            if getattr(self, name) < 1:
                raise ValidationError(f"{name} は1以上です", field=name)
        if self.work_item_days < 0:
            raise ValidationError("work_item_days は0以上です", field="work_item_days")
        if not 0 <= self.business_start_hour < self.business_end_hour <= 24:
            raise ValidationError("業務時間は 0 ≦ 開始 < 終了 ≦ 24 で指定してください", field="business_start_hour")

    @classmethod
    def from_settings(cls, mapping: Mapping[str, Any] | None) -> Thresholds:
        """Thresholds from a settings table (keys = field names); unknown keys are refused."""
        if not mapping:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ValidationError(f"不明な閾値の項目です: {', '.join(map(str, unknown))}")
        return cls(**dict(mapping))


@dataclass(frozen=True)
class Finding:
    rule: str
    label: str
    user: str | None
    summary: str
    evidence: tuple[int, ...]


def _hm(t: datetime) -> str:
    return t.astimezone(JST).strftime("%H:%M")


def _day(d: date) -> str:
    return f"{d:%Y-%m-%d}（{_WEEKDAYS[d.weekday()]}）"


def _outcome_note(outcome: str) -> str:
    return f"［結果: {_OUTCOMES[outcome]}］" if outcome in _OUTCOMES else ""


def _clean(text: Any, limit: int = 100) -> str:
    s = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return s if len(s) <= limit else s[:limit] + "…"


def _finding(rule: str, user: str | None, summary: str, evidence: list[int]) -> Finding:
    return Finding(rule, RULES[rule], user, summary, tuple(sorted(evidence)))


def _bursts(items: list[tuple[datetime, int, str]], window: timedelta, threshold: int,
            *, distinct: bool) -> list[tuple[int, int, int]]:
    """Merged runs of windows (spans < ``window``) holding ≥ threshold items / distinct keys.

    ``items`` are sorted (time, seq, key); returns (first index, last index, peak size).
    """
    out: list[tuple[int, int, int]] = []
    keys: Counter[str] = Counter()
    left = 0
    run: list[int] | None = None
    for right, (t, _seq, key) in enumerate(items):
        keys[key] += 1
        while t - items[left][0] >= window:
            old = items[left][2]
            keys[old] -= 1
            if not keys[old]:
                del keys[old]
            left += 1
        size = len(keys) if distinct else right - left + 1
        if size < threshold:
            continue
        if run is not None and left <= run[1]:
            run[1], run[2] = right, max(run[2], size)
        else:
            if run is not None:
                out.append((run[0], run[1], run[2]))
            run = [left, right, size]
    if run is not None:
        out.append((run[0], run[1], run[2]))
    return out


class _Scan:
    """State of the single pass over the period's events."""

    def __init__(self, th: Thresholds) -> None:
        self.th = th
        self.views: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
        self.off_hours: dict[tuple[str, date], list[tuple[datetime, int]]] = defaultdict(list)
        self.by_login: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
        self.by_terminal: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
        self.singles: list[Finding] = []

    def feed(self, r: Any) -> None:
        t: datetime = r.occurred_at
        user: str | None = r.user_id
        action: str = r.action
        local = t.astimezone(JST)
        if user is not None and user not in SYSTEM_USERS:
            th = self.th
            weekend = th.business_weekdays_only and local.weekday() >= 5
            if weekend or not th.business_start_hour <= local.hour < th.business_end_hour:
                self.off_hours[(user, local.date())].append((t, r.seq))
        if action == A.TAXPAYER_VIEW:
            details = parse_details(r.details)
            if user is not None and r.outcome == "ok" and r.target_ref is not None:
                self.views[user].append((t, r.seq, r.target_ref))
            if details.get("flagged") is True:
                self.singles.append(_finding(
                    "flagged_record", user,
                    f"要注意として登録された納税者の記録を照会しました（{local:%Y-%m-%d %H:%M}）"
                    f"{_outcome_note(r.outcome)}", [r.seq]))
        elif action == A.MYNUMBER_REVEAL:
            purpose = parse_details(r.details).get("purpose")
            shown = _clean(purpose) if purpose not in (None, "") else "未記入"
            self.singles.append(_finding(
                "mynumber_reveal", user,
                f"個人番号を表示しました（目的: {shown}、{local:%Y-%m-%d %H:%M}）{_outcome_note(r.outcome)}",
                [r.seq]))
        elif action in _FAILED_LOGIN_ACTIONS:
            login_id = parse_details(r.details).get("login_id")
            key = str(login_id) if login_id not in (None, "") else user
            if key is not None:
                self.by_login[key].append((t, r.seq, key))
            if r.terminal_id is not None:
                self.by_terminal[r.terminal_id].append((t, r.seq, r.terminal_id))
        elif action == A.EXPORT_FILE:
            d = parse_details(r.details)
            parts = [_clean(d["file_name"], 80)] if d.get("file_name") else []
            if isinstance(d.get("records"), int):
                parts.append(f"{d['records']} 件")
            parts.append(f"{local:%Y-%m-%d %H:%M}")
            self.singles.append(_finding(
                "export", user, f"ファイルを出力しました（{'、'.join(parts)}）{_outcome_note(r.outcome)}",
                [r.seq]))
        elif action in PERMISSION_CHANGE_ACTIONS:
            target = _clean(f"{r.target_type}:{r.target_ref}", 80) if r.target_ref else "対象なし"
            self.singles.append(_finding(
                "permission_change", user,
                f"{A.action_label(action)}（対象: {target}、{local:%Y-%m-%d %H:%M}）{_outcome_note(r.outcome)}",
                [r.seq]))

    # ---------------------------------------------------------------- rules after the pass

    def many_taxpayers(self) -> list[Finding]:
        out = []
        threshold = self.th.distinct_taxpayers_per_hour
        for user, views in self.views.items():
            views.sort()
            for first, last, peak in _bursts(views, _VIEW_WINDOW, threshold, distinct=True):
                span = views[first:last + 1]
                out.append(_finding(
                    "many_taxpayers", user,
                    f"60分以内に {peak} 人の異なる納税者を照会しました（閾値 {threshold} 人、"
                    f"{span[0][0].astimezone(JST):%Y-%m-%d %H:%M}〜{_hm(span[-1][0])}）",
                    [seq for _, seq, _ in span]))
        return out

    def off_hours_findings(self) -> list[Finding]:
        th = self.th
        hours = f"{th.business_start_hour}時〜{th.business_end_hour}時"
        if th.business_weekdays_only:
            hours = f"平日 {hours}"
        out = []
        for (user, day), events in self.off_hours.items():
            events.sort()
            out.append(_finding(
                "off_hours", user,
                f"業務時間（{hours}）外に {len(events)} 件の操作がありました"
                f"（{_day(day)} {_hm(events[0][0])}〜{_hm(events[-1][0])}）",
                [seq for _, seq in events]))
        return out

    def failed_logins(self) -> list[Finding]:
        th = self.th
        window = timedelta(minutes=th.failed_login_window_minutes)
        out: list[Finding] = []
        seen: set[tuple[int, ...]] = set()
        for by_terminal, groups in ((False, self.by_login), (True, self.by_terminal)):
            for key, items in groups.items():
                items.sort()
                for first, last, peak in _bursts(items, window, th.failed_login_burst, distinct=False):
                    span = items[first:last + 1]
                    evidence = tuple(sorted(seq for _, seq, _ in span))
                    if evidence in seen:
                        continue
                    seen.add(evidence)
                    who = f"端末 {_clean(key, 64)} から" if by_terminal else f"ログイン ID {_clean(key, 64)} で"
                    out.append(_finding(
                        "failed_logins", None if by_terminal else key,
                        f"{who}{th.failed_login_window_minutes}分以内に {peak} 回ログインに失敗しました"
                        f"（計 {len(span)} 回、{span[0][0].astimezone(JST):%Y-%m-%d %H:%M}〜{_hm(span[-1][0])}）",
                        list(evidence)))
        return out

    def no_work_item(self, work: Mapping[tuple[str, str], list[datetime]]) -> list[Finding]:
        margin = timedelta(days=self.th.work_item_days)
        unmatched: dict[tuple[str, date], list[tuple[datetime, int, str]]] = defaultdict(list)
        for user, views in self.views.items():
            for t, seq, ref in views:
                times = work.get((user, ref), [])
                i = bisect.bisect_left(times, t - margin)
                if i < len(times) and times[i] <= t + margin:
                    continue
                unmatched[(user, t.astimezone(JST).date())].append((t, seq, ref))
        out = []
        for (user, day), items in unmatched.items():
            items.sort()
            out.append(_finding(
                "no_work_item", user,
                f"前後 {self.th.work_item_days} 日に業務記録のない納税者を照会しました"
                f"（{len({ref for _, _, ref in items})} 人、{len(items)} 回、{_day(day)}）",
                [seq for _, seq, _ in items]))
        return out


def _work_items(
    conn: Connection, users: set[str], lo: datetime, hi: datetime
) -> dict[tuple[str, str], list[datetime]]:
    """Times of business actions on taxpayers per (user, atena), sorted."""
    c = audit_events.c
    stmt = select(c.user_id, c.target_ref, c.occurred_at).where(
        c.target_type == "taxpayer", c.target_ref.is_not(None), c.outcome == "ok",
        c.action.not_in(sorted(NON_WORK_ACTIONS)),
        *(~c.action.startswith(p, autoescape=True) for p in _NON_WORK_PREFIXES),
        c.occurred_at >= lo, c.occurred_at <= hi,
    )
    if len(users) <= 500:
        stmt = stmt.where(c.user_id.in_(sorted(users)))
    work: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for user_id, ref, t in conn.execute(stmt.execution_options(yield_per=2_000)):
        if user_id in users:
            work[(user_id, ref)].append(t)
    for times in work.values():
        times.sort()
    return work


def find_anomalies(conn: Connection, *, start: datetime, end: datetime,
                   thresholds: Thresholds | None = None) -> list[Finding]:
    """Every rule's findings for events in ``[start, end)``, by rule then first evidence."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("開始・終了にはタイムゾーン付きの日時を指定してください")
    if start >= end:
        raise ValueError("開始日時は終了日時より前にしてください")
    th = thresholds or Thresholds()
    c = audit_events.c
    stmt = (
        select(c.seq, c.occurred_at, c.user_id, c.terminal_id, c.action, c.target_type, c.target_ref,
               c.outcome, c.details)
        .where(c.occurred_at >= start, c.occurred_at < end)
        .order_by(c.seq)
    )
    scan = _Scan(th)
    for row in conn.execute(stmt.execution_options(yield_per=2_000)):
        scan.feed(row)
    findings = [*scan.singles, *scan.many_taxpayers(), *scan.off_hours_findings(), *scan.failed_logins()]
    if scan.views:
        margin = timedelta(days=th.work_item_days)
        work = _work_items(conn, set(scan.views), start - margin, end + margin)
        findings += scan.no_work_item(work)
    findings.sort(key=lambda f: (_ORDER[f.rule], f.evidence[0] if f.evidence else 0, f.user or ""))
    return findings
