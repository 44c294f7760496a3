"""Audit review: filters, output formats and hourly activity (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from logs.chain import GENESIS_HASH, event_hash
from logs.review import (
    EventRow,
    ReviewFilter,
    display_width,
    format_events,
    hourly_activity,
    render_hourly_chart,
    review_events,
)
from storage.schema import audit_events, audit_head
from storage.store import Store
from tests.logs.crafted import add_event, jst, view



def seqs(rows: list[EventRow]) -> list[int]:
    return [r.seq for r in rows]


def review(store: Store, **kw: Any) -> list[EventRow]:
    with store.reading() as conn:
        return review_events(conn, ReviewFilter(**kw))


@pytest.fixture
def sample(store: Store) -> dict[str, int]:
    """A small mixed log on Tuesday 2025-04-01 (JST)."""
    with store.engine.begin() as conn:
        return {
            "login": add_event(conn, jst(2025, 4, 1, 8, 30), "login.success"),
            "view": view(conn, jst(2025, 4, 1, 9, 0), "0000000001"),
            "case": add_event(conn, jst(2025, 4, 1, 9, 5), "case.note", target_type="case",
                              target_ref="0000000001"),
            "other": view(conn, jst(2025, 4, 1, 9, 10), "0000000002", user="clerk02", terminal="T02"),
            "fail": add_event(conn, jst(2025, 4, 1, 9, 15), "login.failure", user=None, terminal="T02",
                              outcome="denied", details={"login_id": "clerk09", "reason": "password"}),
            "odd": add_event(conn, jst(2025, 4, 1, 9, 20), "login.otpxreplay"),
            "otp": add_event(conn, jst(2025, 4, 1, 9, 25), "login.otp_replay", outcome="denied"),
            "logout": add_event(conn, jst(2025, 4, 1, 10, 0), "logout"),
        }


class TestReviewFilter:
    def test_a_time_without_a_zone_is_refused(self) -> None:
        with pytest.raises(ValueError, match="タイムゾーン"):
            ReviewFilter(start=datetime(2025, 4, 1))

    def test_a_start_after_the_end_is_refused(self) -> None:
        with pytest.raises(ValueError, match="開始"):
            ReviewFilter(start=jst(2025, 4, 2), end=jst(2025, 4, 1))

    def test_a_limit_below_one_is_refused(self) -> None:
        with pytest.raises(ValueError, match="上限"):
            ReviewFilter(limit=0)


class TestReviewEvents:
    def test_events_come_back_in_chain_order_with_every_column(self, store: Store, sample: dict[str, int]) -> None:
        rows = review(store)
        assert seqs(rows) == sorted(sample.values())
        fail = next(r for r in rows if r.seq == sample["fail"])
        assert fail.details == {"login_id": "clerk09", "reason": "password"}
        assert (fail.user_id, fail.terminal_id, fail.outcome, fail.session_id, fail.client_address) == (
            None, "T02", "denied", "s1", "10.0.0.5")
        assert fail.occurred_at == jst(2025, 4, 1, 9, 15) and fail.occurred_at.tzinfo is not None
        assert len(fail.hash) == 64 and fail.prev_hash == rows[rows.index(fail) - 1].hash

    def test_the_crafted_events_form_an_unbroken_chain(self, store: Store, sample: dict[str, int]) -> None:
        prev = GENESIS_HASH
        with store.reading() as conn:
            for row in conn.execute(select(audit_events).order_by(audit_events.c.seq)).mappings():
                assert row["prev_hash"] == prev and event_hash(prev, row) == row["hash"]
                prev = row["hash"]
            assert conn.execute(select(audit_head.c.hash)).scalar_one() == prev

    def test_the_user_filter_keeps_only_that_users_events(self, store: Store, sample: dict[str, int]) -> None:
        assert seqs(review(store, user="clerk02")) == [sample["other"]]

    def test_the_subject_filter_matches_only_taxpayer_targets(self, store: Store, sample: dict[str, int]) -> None:
        assert seqs(review(store, atena="0000000001")) == [sample["view"]]

    def test_an_exact_action_matches_only_that_action(self, store: Store, sample: dict[str, int]) -> None:
        assert seqs(review(store, action="logout")) == [sample["logout"]]
        assert review(store, action="login") == []

    @pytest.mark.parametrize("pattern", ["login.*", "login."])
    def test_a_prefix_pattern_matches_the_action_family(
        self, store: Store, sample: dict[str, int], pattern: str
    ) -> None:
        assert seqs(review(store, action=pattern)) == [sample[k] for k in ("login", "fail", "odd", "otp")]

    def test_an_underscore_in_a_prefix_is_taken_literally(self, store: Store, sample: dict[str, int]) -> None:
        assert seqs(review(store, action="login.otp_*")) == [sample["otp"]]

    def test_the_terminal_filter_keeps_only_that_terminal(self, store: Store, sample: dict[str, int]) -> None:
        assert seqs(review(store, terminal="T02")) == [sample["other"], sample["fail"]]

    def test_the_time_range_includes_its_start_and_excludes_its_end(
        self, store: Store, sample: dict[str, int]
    ) -> None:
        rows = review(store, start=jst(2025, 4, 1, 9, 0), end=jst(2025, 4, 1, 9, 15))
        assert seqs(rows) == [sample["view"], sample["case"], sample["other"]]

    def test_filters_combine(self, store: Store, sample: dict[str, int]) -> None:
        rows = review(store, user="clerk01", action="login.*", start=jst(2025, 4, 1, 9))
        assert seqs(rows) == [sample["odd"], sample["otp"]]

    def test_the_limit_caps_the_rows_from_the_start_of_the_chain(
        self, store: Store, sample: dict[str, int]
    ) -> None:
        assert seqs(review(store, limit=2)) == [sample["login"], sample["view"]]


def row(seq: int = 1, **kw: Any) -> EventRow:
    values: dict[str, Any] = dict(
        seq=seq, occurred_at=datetime(2025, 4, 1, 0, 30, tzinfo=UTC), user_id="clerk01", session_id="s1",
        terminal_id="T01", client_address="10.0.0.5", action="taxpayer.view", target_type="taxpayer",
        target_ref="0000000001", outcome="ok", details={}, prev_hash="0" * 64, hash="a" * 64,
    )
    values.update(kw)
    return EventRow(**values)


class TestFormatEvents:
    def test_the_table_aligns_columns_after_wide_characters(self) -> None:
        rows = [row(1, user_id="山田係長"), row(2, user_id="c1", action="mynumber.reveal"),
                row(3, user_id="ｶﾅ半角", action="login.failure", outcome="denied")]
        lines = format_events(rows, "table").splitlines()
        header, body = lines[0], lines[2:5]
        column = display_width(header[: header.index("端末")])
        for line in body:
            assert display_width(line[: line.index("T01")]) == column
        results = {display_width(line[: line.index(word)]) for line, word in zip(body, ["成功", "成功", "拒否"])}
        assert results == {display_width(header[: header.index("結果")])}
        assert lines[-1] == "計 3 件"

    def test_the_table_shows_times_in_japan_time_and_japanese_labels(self) -> None:
        text = format_events([row()], "table")
        assert "2025-04-01 09:30:00" in text and "納税者照会" in text and "taxpayer:0000000001" in text

    def test_control_characters_never_reach_the_terminal(self) -> None:
        text = format_events([row(user_id="\x1b[31mevil\n")], "table")
        assert "\x1b" not in text and "?[31mevil?" in text

    def test_csv_has_a_header_row_and_one_record_per_event(self) -> None:
        text = format_events([row(1, details={"flagged": True}), row(2, user_id="山田")], "csv")
        records = list(csv.DictReader(io.StringIO(text)))
        assert [r["seq"] for r in records] == ["1", "2"]
        assert records[0]["occurred_at"] == "2025-04-01T09:30:00.000000+09:00"
        assert json.loads(records[0]["details"]) == {"flagged": True}
        assert records[1]["user_id"] == "山田" and records[1]["action_label"] == "納税者照会"
        assert text.encode("utf-8").decode("utf-8") == text

    def test_csv_cells_that_look_like_formulas_are_neutralised(self) -> None:
        text = format_events([row(user_id="=HYPERLINK(\"x\")")], "csv")
        assert list(csv.DictReader(io.StringIO(text)))[0]["user_id"].startswith("'=")

    def test_json_is_a_list_of_objects_with_details_as_objects(self) -> None:
        data = json.loads(format_events([row(details={"purpose": "滞納整理"})], "json"))
        assert isinstance(data, list) and data[0]["details"] == {"purpose": "滞納整理"}
        assert data[0]["seq"] == 1 and data[0]["occurred_at"].endswith("+09:00")

    def test_an_unknown_format_is_refused(self) -> None:
        with pytest.raises(ValueError, match="出力形式"):
            format_events([row()], "xml")  # type: ignore[arg-type]


class TestDisplayWidth:
    def test_wide_characters_count_two_columns_and_narrow_ones_one(self) -> None:
        assert display_width("山田　太郎") == 10
        assert display_width("ｱｲｳ abc") == 7


class TestHourlyActivity:
    def test_events_are_counted_per_user_and_japan_hour(self, store: Store, sample: dict[str, int]) -> None:
        with store.reading() as conn:
            activity = hourly_activity(conn, ReviewFilter())
        assert set(activity) == {"clerk01", "clerk02", "（なし）"}
        assert activity["clerk01"][8] == 1 and activity["clerk01"][9] == 4 and activity["clerk01"][10] == 1
        assert sum(activity["clerk01"]) == 6 and len(activity["clerk01"]) == 24
        assert activity["clerk02"][9] == 1

    def test_the_filter_applies_to_the_activity(self, store: Store, sample: dict[str, int]) -> None:
        with store.reading() as conn:
            activity = hourly_activity(conn, ReviewFilter(action="taxpayer.view", limit=1))
        assert {u: sum(c) for u, c in activity.items()} == {"clerk01": 1, "clerk02": 1}

    def test_an_event_late_in_the_utc_day_lands_in_the_next_japan_morning(self, store: Store) -> None:
        with store.engine.begin() as conn:
            add_event(conn, datetime(2025, 3, 31, 23, 30, tzinfo=UTC), "login.success")
        with store.reading() as conn:
            assert hourly_activity(conn, ReviewFilter())["clerk01"][8] == 1


class TestHourlyChart:
    def test_each_user_gets_one_row_per_hour_with_proportional_bars(self) -> None:
        counts = [0] * 24
        counts[9], counts[10] = 8, 4
        chart = render_hourly_chart({"山田": counts, "c2": [1] + [0] * 23}, width=8)
        rows = [line for line in chart.splitlines() if "時 │" in line]
        assert len(rows) == 48
        nine = next(r for r in rows if r.startswith("山田") and "09時" in r)
        ten = next(r for r in rows if r.startswith("山田") and "10時" in r)
        assert nine.count("█") == 8 and ten.count("█") == 4 and nine.endswith(" 8")
        assert {display_width(r[: r.index("│")]) for r in rows} == {display_width("山田  09時 ")}

    def test_a_small_count_still_shows_a_sliver(self) -> None:
        counts = [0] * 24
        counts[0], counts[1] = 100, 1
        chart = render_hourly_chart({"u": counts}, width=10)
        assert "01時 │▏" in chart

    def test_an_empty_activity_says_so(self) -> None:
        assert "ありません" in render_hourly_chart({})
        assert "ありません" in render_hourly_chart({"u": [0] * 24})


class TestReviewExportRule:
    """CSV / JSON of the log leave the application: the export rule applies (SPEC §5.3)."""

    def _run(self, store: Store, terminal_export: bool, fmt: str) -> str:
        from core.domain.identity import Terminal
        from core.security.permissions import Actor, Permission
        from core.services.audit import review_audit_log
        from logs.review import ReviewQuery
        from tui.compose import audit_log

        with store.uow() as uow:
            uow.identity.add_terminal(Terminal("A1", "監査", can_export=terminal_export, is_counter=False,
                                               disabled=False), by="t", now=datetime.now(UTC))
            uow.commit()
        auditor = Actor("auditor1", frozenset({Permission.AUDIT_REVIEW.value, Permission.EXPORT_FILES.value}),
                        terminal_id="A1")
        return review_audit_log(store.uow(), auditor, audit_log(store), ReviewQuery(), fmt=fmt)

    def test_a_csv_review_on_an_export_terminal_is_audited_with_its_hash(self, store: Store) -> None:
        import hashlib
        text = self._run(store, True, "csv")
        with store.reading() as conn:
            details = conn.execute(select(audit_events.c.details).where(audit_events.c.action == "audit.review")
                                   ).scalars().all()[-1]
        assert hashlib.sha256(text.encode()).hexdigest() in str(details)

    def test_a_csv_review_on_a_terminal_without_export_is_refused_and_audited(self, store: Store) -> None:
        from core.services.export import ExportRefused
        with pytest.raises(ExportRefused):
            self._run(store, False, "json")
        with store.reading() as conn:
            actions = conn.execute(select(audit_events.c.action)).scalars().all()
        assert "export.refused" in actions

    def test_the_table_on_the_screen_is_not_an_export(self, store: Store) -> None:
        assert self._run(store, False, "table") is not None
