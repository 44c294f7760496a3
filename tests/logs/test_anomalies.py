"""Anomaly rules over crafted audit streams (SQLite and PostgreSQL).

Thresholds are lowered (3 taxpayers per hour, 3 failed logins in 10 minutes) so
that each stream stays small; each rule has a stream that triggers it, with its
evidence, and one just short of it. Days: 2025-04-01 is a Tuesday (JST).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event

from core.errors import ValidationError
from logs.anomalies import RULES, Finding, Thresholds, find_anomalies
from storage.store import Store
from tests.logs.crafted import JST, add_event, jst, view

TH = Thresholds(distinct_taxpayers_per_hour=3, failed_login_burst=3, failed_login_window_minutes=10)
PERIOD = (datetime(2025, 3, 1, tzinfo=JST), datetime(2025, 5, 1, tzinfo=JST))


def work(conn: Connection, at: datetime, atena: str, **kw: Any) -> int:
    return add_event(conn, at, "payment.post", target_type="taxpayer", target_ref=atena, **kw)


def fail(conn: Connection, at: datetime, login_id: str, terminal: str = "T01") -> int:
    return add_event(conn, at, "login.failure", user=None, terminal=terminal, outcome="denied",
                     details={"login_id": login_id, "reason": "password"})


def found(store: Store, rule: str, *, th: Thresholds = TH,
          period: tuple[datetime, datetime] = PERIOD) -> list[Finding]:
    with store.reading() as conn:
        return [f for f in find_anomalies(conn, start=period[0], end=period[1], thresholds=th) if f.rule == rule]


class TestManyTaxpayersPerHour:
    def test_three_taxpayers_within_sixty_minutes_are_reported_with_their_views(self, store: Store) -> None:
        with store.engine.begin() as c:
            ev = [view(c, jst(2025, 4, 1, 10, 0), "0000000001"), view(c, jst(2025, 4, 1, 10, 20), "0000000002"),
                  view(c, jst(2025, 4, 1, 10, 59), "0000000003")]
            view(c, jst(2025, 4, 1, 13, 0), "0000000004")
        [f] = found(store, "many_taxpayers")
        assert (f.user, f.evidence, f.label) == ("clerk01", tuple(ev), "短時間の大量照会")
        assert "3 人" in f.summary and "10:00〜10:59" in f.summary

    def test_the_window_slides_rather_than_following_clock_hours(self, store: Store) -> None:
        with store.engine.begin() as c:
            ev = [view(c, jst(2025, 4, 1, 10, 30), "0000000001"), view(c, jst(2025, 4, 1, 10, 50), "0000000002"),
                  view(c, jst(2025, 4, 1, 11, 20), "0000000003")]
        assert [f.evidence for f in found(store, "many_taxpayers")] == [tuple(ev)]

    def test_overlapping_windows_make_one_finding(self, store: Store) -> None:
        with store.engine.begin() as c:
            ev = [view(c, jst(2025, 4, 1, 10, m), f"000000000{m // 10}") for m in (0, 10, 20, 30, 40)]
        [f] = found(store, "many_taxpayers")
        assert f.evidence == tuple(ev) and "5 人" in f.summary

    def test_repeated_views_and_views_sixty_minutes_apart_stay_below_the_threshold(self, store: Store) -> None:
        with store.engine.begin() as c:
            view(c, jst(2025, 4, 1, 10, 0), "0000000001")
            view(c, jst(2025, 4, 1, 10, 10), "0000000001")
            view(c, jst(2025, 4, 1, 10, 30), "0000000002")
            view(c, jst(2025, 4, 1, 11, 10), "0000000003")  # exactly 60 minutes after the second view
            view(c, jst(2025, 4, 1, 10, 30), "0000000009", user="clerk02")
            view(c, jst(2025, 4, 1, 10, 35), "0000000008", outcome="denied")
        assert found(store, "many_taxpayers") == []


class TestOutsideBusinessHours:
    def test_an_event_before_eight_is_reported(self, store: Store) -> None:
        with store.engine.begin() as c:
            seq = add_event(c, jst(2025, 4, 1, 7, 59), "login.success")
        [f] = found(store, "off_hours")
        assert (f.user, f.evidence) == ("clerk01", (seq,)) and "2025-04-01（火）" in f.summary

    def test_one_finding_per_user_and_japan_day(self, store: Store) -> None:
        with store.engine.begin() as c:
            evening = [add_event(c, jst(2025, 4, 1, 19, 0), "login.success"),
                       view(c, jst(2025, 4, 1, 23, 30), "0000000001")]
            night = add_event(c, jst(2025, 4, 2, 0, 30), "logout")
            other = add_event(c, jst(2025, 4, 1, 20, 0), "login.success", user="clerk02")
        assert sorted((f.user, f.evidence) for f in found(store, "off_hours")) == [
            ("clerk01", tuple(evening)), ("clerk01", (night,)), ("clerk02", (other,))]

    def test_weekend_events_are_reported_even_in_the_daytime(self, store: Store) -> None:
        with store.engine.begin() as c:
            seq = add_event(c, jst(2025, 4, 5, 10, 0), "login.success")
        [f] = found(store, "off_hours")
        assert f.evidence == (seq,) and "（土）" in f.summary

    def test_business_hours_and_system_actors_are_not_reported(self, store: Store) -> None:
        with store.engine.begin() as c:
            add_event(c, jst(2025, 4, 1, 8, 0), "login.success")
            add_event(c, jst(2025, 4, 1, 18, 59, 59), "logout")
            add_event(c, jst(2025, 4, 1, 3, 0), "demo.build", user="demo")
            add_event(c, jst(2025, 4, 1, 3, 0), "audit.verify", user="system")
            add_event(c, jst(2025, 4, 1, 3, 0), "login.failure", user=None)
        assert found(store, "off_hours") == []

    def test_weekends_are_business_days_when_configured(self, store: Store) -> None:
        with store.engine.begin() as c:
            add_event(c, jst(2025, 4, 5, 10, 0), "login.success")
        assert found(store, "off_hours", th=Thresholds(business_weekdays_only=False)) == []


class TestMyNumberReveals:
    def test_every_reveal_is_listed_with_its_purpose(self, store: Store) -> None:
        with store.engine.begin() as c:
            a = add_event(c, jst(2025, 4, 1, 10), "mynumber.reveal", target_type="taxpayer",
                          target_ref="0000000001", details={"purpose": "情報照会"})
            b = add_event(c, jst(2025, 4, 1, 11), "mynumber.reveal", target_type="taxpayer",
                          target_ref="0000000001", details={"purpose": "本人確認"}, user="clerk02")
        fs = found(store, "mynumber_reveal")
        assert [(f.user, f.evidence) for f in fs] == [("clerk01", (a,)), ("clerk02", (b,))]
        assert "目的: 情報照会" in fs[0].summary and "目的: 本人確認" in fs[1].summary

    def test_views_and_searches_are_not_reveals(self, store: Store) -> None:
        with store.engine.begin() as c:
            view(c, jst(2025, 4, 1, 10), "0000000001")
            add_event(c, jst(2025, 4, 1, 10), "taxpayer.search", details={"criteria": ["my_number"]})
        assert found(store, "mynumber_reveal") == []


class TestViewsWithoutWorkItem:
    def test_a_view_with_no_business_action_is_reported(self, store: Store) -> None:
        with store.engine.begin() as c:
            seq = view(c, jst(2025, 4, 1, 10), "0000000001")
        [f] = found(store, "no_work_item")
        assert (f.user, f.evidence) == ("clerk01", (seq,)) and "1 人" in f.summary

    def test_a_business_action_within_the_days_covers_the_view_even_outside_the_period(
        self, store: Store
    ) -> None:
        with store.engine.begin() as c:
            work(c, jst(2025, 4, 1, 10) - timedelta(days=30), "0000000001")
            view(c, jst(2025, 4, 1, 10), "0000000001")
            view(c, jst(2025, 4, 1, 11), "0000000002")
            work(c, jst(2025, 4, 1, 11) + timedelta(days=29), "0000000002")
        assert found(store, "no_work_item", period=(jst(2025, 4, 1), jst(2025, 4, 2))) == []

    def test_reading_denied_late_or_other_peoples_actions_are_no_work_item(self, store: Store) -> None:
        with store.engine.begin() as c:
            at = jst(2025, 4, 1, 10)
            seq = view(c, at, "0000000001")
            work(c, at, "0000000001", user="clerk02")
            work(c, at, "0000000002")
            work(c, at, "0000000001", outcome="denied")
            work(c, at - timedelta(days=30, seconds=1), "0000000001")
            add_event(c, at, "mynumber.reveal", target_type="taxpayer", target_ref="0000000001")
            add_event(c, at, "permission.denied", target_type="taxpayer", target_ref="0000000001")
            add_event(c, at, "session.idle_lock", target_type="taxpayer", target_ref="0000000001")
            add_event(c, at, "payment.post", target_type="case", target_ref="0000000001")
        fs = found(store, "no_work_item", period=(jst(2025, 4, 1), jst(2025, 4, 2)))
        assert [(f.user, f.evidence) for f in fs] == [("clerk01", (seq,))]


class TestFailedLoginBursts:
    def test_failures_for_one_login_id_within_the_window_are_reported(self, store: Store) -> None:
        with store.engine.begin() as c:
            ev = [fail(c, jst(2025, 4, 1, 10, m), "clerk01", terminal=f"T0{m}") for m in (0, 4, 9)]
        [f] = found(store, "failed_logins")
        assert (f.user, f.evidence) == ("clerk01", tuple(ev)) and "ログイン ID clerk01" in f.summary

    def test_failures_from_one_terminal_are_reported_across_login_ids(self, store: Store) -> None:
        with store.engine.begin() as c:
            ev = [fail(c, jst(2025, 4, 1, 10, m), f"user{m}", terminal="T09") for m in (0, 1, 2)]
        [f] = found(store, "failed_logins")
        assert (f.user, f.evidence) == (None, tuple(ev)) and "端末 T09" in f.summary

    def test_otp_replays_count_and_a_burst_is_listed_once(self, store: Store) -> None:
        with store.engine.begin() as c:
            ev = [fail(c, jst(2025, 4, 1, 10, 0), "clerk01"), fail(c, jst(2025, 4, 1, 10, 1), "clerk01"),
                  add_event(c, jst(2025, 4, 1, 10, 2), "login.otp_replay", outcome="denied")]
        assert [(f.user, f.evidence) for f in found(store, "failed_logins")] == [("clerk01", tuple(ev))]

    def test_fewer_failures_or_a_wider_spread_are_not_reported(self, store: Store) -> None:
        with store.engine.begin() as c:
            fail(c, jst(2025, 4, 1, 10, 0), "a", terminal="T01")
            fail(c, jst(2025, 4, 1, 10, 1), "a", terminal="T02")
            for m in (0, 5, 10):
                fail(c, jst(2025, 4, 1, 12, m), "b", terminal=f"T1{m}")
            add_event(c, jst(2025, 4, 1, 10, 2), "login.lockout", user=None, details={"login_id": "a"})
        assert found(store, "failed_logins") == []


class TestExports:
    def test_every_export_is_listed_with_file_and_count(self, store: Store) -> None:
        with store.engine.begin() as c:
            seq = add_event(c, jst(2025, 4, 1, 10), "export.file",
                            details={"file_name": "tokusoku.csv", "records": 12, "sha256": "ab" * 32})
        [f] = found(store, "export")
        assert f.evidence == (seq,) and "tokusoku.csv" in f.summary and "12 件" in f.summary

    def test_imports_are_not_exports(self, store: Store) -> None:
        with store.engine.begin() as c:
            add_event(c, jst(2025, 4, 1, 10), "file.import", details={"file_name": "shuno.csv"})
        assert found(store, "export") == []


CHANGES = ["user.grant", "user.revoke", "user.add", "user.disable", "user.enable", "user.reset_password",
           "user.unlock", "terminal.add", "terminal.disable", "settings.change"]


class TestPermissionChanges:
    def test_each_administration_change_is_listed(self, store: Store) -> None:
        with store.engine.begin() as c:
            ev = [add_event(c, jst(2025, 4, 1, 10), a, user="admin01", target_type="user", target_ref="clerk01",
                            details={"role": "collection"}) for a in CHANGES]
        fs = found(store, "permission_change")
        assert [(f.user, f.evidence) for f in fs] == [("admin01", (s,)) for s in ev]
        assert "権限の付与" in fs[0].summary and "user:clerk01" in fs[0].summary

    def test_other_administration_is_not_a_permission_change(self, store: Store) -> None:
        with store.engine.begin() as c:
            for a in ("keys.rotate", "audit.verify", "password.change", "otp.reset", "login.success"):
                add_event(c, jst(2025, 4, 1, 10), a, user="admin01")
        assert found(store, "permission_change") == []


class TestFlaggedRecords:
    def test_opening_a_flagged_record_is_listed(self, store: Store) -> None:
        with store.engine.begin() as c:
            seq = view(c, jst(2025, 4, 1, 10), "0000000001", details={"flagged": True})
        [f] = found(store, "flagged_record")
        assert (f.user, f.evidence) == ("clerk01", (seq,))

    def test_unflagged_views_are_not_listed(self, store: Store) -> None:
        with store.engine.begin() as c:
            view(c, jst(2025, 4, 1, 10), "0000000001", details={"flagged": False})
            view(c, jst(2025, 4, 1, 10), "0000000002")
            add_event(c, jst(2025, 4, 1, 10), "taxpayer.search", details={"flagged": True})
        assert found(store, "flagged_record") == []


class TestThresholds:
    def test_settings_override_the_defaults(self) -> None:
        th = Thresholds.from_settings({"distinct_taxpayers_per_hour": 50, "business_weekdays_only": False})
        assert (th.distinct_taxpayers_per_hour, th.business_weekdays_only, th.failed_login_burst) == (50, False, 5)
        assert Thresholds.from_settings(None) == Thresholds()

    def test_unknown_settings_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="不明な閾値"):
            Thresholds.from_settings({"distinct_taxpayer_per_hour": 50})

    @pytest.mark.parametrize("values", [
        {"business_start_hour": 19, "business_end_hour": 8}, {"failed_login_burst": 0},
        {"work_item_days": "30"}, {"business_weekdays_only": 1}, {"business_end_hour": 25},
    ])
    def test_impossible_values_are_refused(self, values: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            Thresholds.from_settings(values)


class TestFindAnomalies:
    def test_findings_are_ordered_by_rule_then_evidence_with_japanese_labels(self, store: Store) -> None:
        with store.engine.begin() as c:
            add_event(c, jst(2025, 4, 1, 10), "export.file")
            view(c, jst(2025, 4, 1, 6), "0000000042", details={"flagged": True})
            add_event(c, jst(2025, 4, 1, 10), "mynumber.reveal", details={"purpose": "照会"})
        with store.reading() as conn:
            fs = find_anomalies(conn, start=PERIOD[0], end=PERIOD[1], thresholds=TH)
        order = list(RULES)
        assert [order.index(f.rule) for f in fs] == sorted(order.index(f.rule) for f in fs)
        assert {f.rule for f in fs} == {"off_hours", "mynumber_reveal", "no_work_item", "export", "flagged_record"}
        assert all(f.label == RULES[f.rule] for f in fs)
        assert not any("0000000042" in f.summary for f in fs)

    def test_events_outside_the_period_are_ignored(self, store: Store) -> None:
        with store.engine.begin() as c:
            add_event(c, jst(2025, 2, 28, 23, 59), "export.file")
            add_event(c, PERIOD[1], "export.file")
        assert found(store, "export") == []

    def test_the_log_is_read_in_two_queries_however_many_events(self, store: Store) -> None:
        with store.engine.begin() as c:
            for i in range(40):
                view(c, jst(2025, 4, 1, 9) + timedelta(minutes=i), f"{i:010d}")
                add_event(c, jst(2025, 4, 1, 9) + timedelta(minutes=i), "mynumber.reveal")
        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "audit_events" in statement:
                statements.append(statement)

        event.listen(store.engine, "before_cursor_execute", count)
        try:
            assert len(found(store, "many_taxpayers")) == 1
        finally:
            event.remove(store.engine, "before_cursor_execute", count)
        assert len(statements) == 2

    def test_a_period_without_a_zone_is_refused(self, store: Store) -> None:
        with store.reading() as conn, pytest.raises(ValueError, match="タイムゾーン"):
            find_anomalies(conn, start=datetime(2025, 4, 1), end=datetime(2025, 4, 2))
