"""The JSON-lines audit mirror: no secrets, no personal values, no exception locals."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import select

from core.ports import AuditEvent
from core.security.permissions import Actor
from logs import jsonlog
from logs.jsonlog import (
    LOG_FILE_NAME,
    REDACTED,
    close_json_log,
    configure_json_log,
    log_event,
    mirror_event,
    redact,
)
from logs.writer import AuditWriter
from storage.schema import audit_events
from storage.store import Store

NAME, KANA = "山田　太郎", "ヤマダ　タロウ"
MY_NUMBER, MY_NUMBER_GROUPED = "123456789018", "1234-5678-9018"
PHONE, ADDRESS = "09012345678", "みなと市本町1丁目2番3号"
PERSONAL = [NAME, KANA, MY_NUMBER, MY_NUMBER_GROUPED, "1234 5678 9018", PHONE, "090-1234-5678", ADDRESS]
HASH = "0123456789012345" + "abcdef" * 8  # digit runs inside a hash are not personal values


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "logs"
    configure_json_log(directory)
    try:
        yield directory
    finally:
        close_json_log()


def raw(log_dir: Path) -> bytes:
    return (log_dir / LOG_FILE_NAME).read_bytes()


def lines(log_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in raw(log_dir).decode("utf-8").splitlines()]


def assert_no_personal_values(data: bytes) -> None:
    for value in PERSONAL:
        assert value.encode("utf-8") not in data, value


def audit_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "seq": 7, "occurred_at": datetime(2025, 4, 1, 1, 2, 3, tzinfo=UTC), "user_id": "clerk01",
        "session_id": "s1", "terminal_id": "T01", "client_address": "192.168.10.20",
        "action": "mynumber.reveal", "target_type": "taxpayer", "target_ref": "0000000012", "outcome": "ok",
        "details": json.dumps({"purpose": "本人確認"}, ensure_ascii=False), "prev_hash": "0" * 64, "hash": HASH,
    }
    row.update(overrides)
    return row


class TestConfiguration:
    def test_the_file_is_created_readable_by_owner_and_group_only(self, tmp_path: Path) -> None:
        old = os.umask(0o077)
        try:
            configure_json_log(tmp_path / "logs")
        finally:
            os.umask(old)
            close_json_log()
        assert stat.S_IMODE((tmp_path / "logs" / LOG_FILE_NAME).stat().st_mode) == 0o640

    def test_an_existing_file_is_appended_to(self, log_dir: Path) -> None:
        log_event("first")
        configure_json_log(log_dir)
        log_event("second")
        assert [line["event"] for line in lines(log_dir)] == ["first", "second"]

    def test_configuring_again_switches_to_the_new_directory(self, log_dir: Path, tmp_path: Path) -> None:
        log_event("old")
        configure_json_log(tmp_path / "other")
        log_event("new")
        assert [line["event"] for line in lines(log_dir)] == ["old"]
        assert [line["event"] for line in lines(tmp_path / "other")] == ["new"]

    def test_the_global_structlog_configuration_is_left_alone(self, tmp_path: Path) -> None:
        before = structlog.get_config()
        configure_json_log(tmp_path)
        log_event("x")
        close_json_log()
        assert structlog.get_config() == before

    def test_without_configuration_mirroring_does_nothing(self, tmp_path: Path) -> None:
        close_json_log()
        mirror_event(audit_row())
        log_event("nothing")
        assert not jsonlog.is_configured() and list(tmp_path.iterdir()) == []


class TestMirrorEvent:
    def test_an_event_is_one_json_line_with_every_column_and_details_as_an_object(self, log_dir: Path) -> None:
        mirror_event(audit_row())
        [line] = lines(log_dir)
        assert line["event"] == "audit" and line["details"] == {"purpose": "本人確認"}
        assert line["occurred_at"] == "2025-04-01T01:02:03+00:00" and line["timestamp"].endswith("Z")
        for key in ("seq", "user_id", "session_id", "terminal_id", "action", "target_type", "outcome", "prev_hash"):
            assert line[key] == audit_row()[key]

    def test_references_hashes_and_client_addresses_survive_redaction(self, log_dir: Path) -> None:
        mirror_event(audit_row())
        [line] = lines(log_dir)
        assert (line["target_ref"], line["hash"], line["client_address"]) == ("0000000012", HASH, "192.168.10.20")

    def test_keys_are_sorted_and_japanese_is_written_as_is(self, log_dir: Path) -> None:
        mirror_event(audit_row())
        text = raw(log_dir).decode("utf-8")
        assert "本人確認" in text
        assert list(json.loads(text)) == sorted(json.loads(text))

    def test_a_row_read_back_from_the_database_mirrors(self, store: Store, log_dir: Path) -> None:
        with store.engine.begin() as conn:
            seq = AuditWriter(conn).record(Actor("clerk01", terminal_id="T01"), AuditEvent(
                action="taxpayer.view", target_type="taxpayer", target_ref="0000000001",
                details={"flagged": True}))
        with store.reading() as conn:
            row = conn.execute(select(audit_events).where(audit_events.c.seq == seq)).mappings().one()
        mirror_event(row)
        [line] = lines(log_dir)
        assert (line["seq"], line["details"], line["hash"]) == (seq, {"flagged": True}, row["hash"])


class TestRedaction:
    def test_personal_values_in_event_fields_are_absent_from_the_file(self, log_dir: Path) -> None:
        log_event(
            "audit", name=NAME, name_kana=KANA, my_number=MY_NUMBER, address=ADDRESS, phone=PHONE,
            details={"note": f"番号{MY_NUMBER}、{MY_NUMBER_GROUPED}、1234 5678 9018、電話{PHONE}、090-1234-5678",
                     "holder": {"kana": KANA, "account_no": "1234567"},
                     "people": [{"name": NAME, "birth_date": "1980-04-01", "address": ADDRESS}]},
        )
        data = raw(log_dir)
        assert_no_personal_values(data)
        assert b"1980-04-01" not in data and b"1234567" not in data
        [line] = lines(log_dir)
        assert line["details"]["note"].count(REDACTED) == 5 and line["details"]["people"][0]["name"] == REDACTED

    @pytest.mark.parametrize("key", [
        "password", "new_passwd", "otp_secret", "otp", "token", "kek", "key", "api_key", "my_number",
        "myNumber", "mynumber", "name", "display_name", "name_kana", "kana", "address", "mailing_address",
        "phone", "birth_date", "account_no", "holder_kana",
    ])
    def test_sensitive_keys_are_redacted_at_any_depth(self, key: str) -> None:
        out = redact(None, "info", {"event": "x", key: "v", "details": {"a": [{key: {"deep": 1}}]}})
        assert out[key] == REDACTED and out["details"]["a"][0][key] == REDACTED

    def test_other_numbers_and_keys_stay_readable(self) -> None:
        text = "記録 12345 件、法人番号 1234567890123、2025-04-01 09:30、13時"
        out = redact(None, "info", {"event": "x", "note": text, "records": 12, "login_id": "clerk01",
                                    "reason": "password", "client_address": "10.0.0.1"})
        assert out == {"event": "x", "note": text, "records": 12, "login_id": "clerk01",
                       "reason": "password", "client_address": "10.0.0.1"}

    def test_bytes_and_twelve_digit_integers_are_never_written(self) -> None:
        out = redact(None, "info", {"event": "x", "blob": b"\x00secret", "n": 123456789018, "ok": True})
        assert (out["blob"], out["n"], out["ok"]) == (REDACTED, REDACTED, True)


def explode() -> None:
    hidden_secret = "local-secret-value-Zq81"  # noqa: F841 - a local that must never be logged
    raise ValueError(f"{NAME} {KANA} {MY_NUMBER} {MY_NUMBER_GROUPED} {PHONE} {ADDRESS}")


class TestExceptions:
    def test_messages_with_personal_values_are_absent(self, log_dir: Path) -> None:
        try:
            explode()
        except ValueError as exc:
            log_event("failure", exc_info=exc)
        assert_no_personal_values(raw(log_dir))
        [line] = lines(log_dir)
        assert "Traceback" in line["exception"] and "in explode" in line["exception"]
        assert "ValueError" in line["exception"]

    def test_locals_never_appear(self, log_dir: Path) -> None:
        try:
            explode()
        except ValueError:
            log_event("failure", exc_info=True)
        data = raw(log_dir)
        assert b"local-secret-value-Zq81" not in data and b"hidden_secret" not in data
        assert b'"locals"' not in data  # no dict-traceback frames with locals

    def test_chained_exceptions_keep_only_their_frames(self, log_dir: Path) -> None:
        try:
            try:
                explode()
            except ValueError as inner:
                raise RuntimeError(f"再試行失敗 {PHONE}") from inner
        except RuntimeError as exc:
            log_event("failure", exc_info=exc)
        assert_no_personal_values(raw(log_dir))
        [line] = lines(log_dir)
        assert line["exception"].index("ValueError") < line["exception"].index("RuntimeError")

    def test_every_line_is_valid_json(self, log_dir: Path) -> None:
        mirror_event(audit_row())
        try:
            explode()
        except ValueError as exc:
            log_event("failure", exc_info=exc, details={"name": NAME})
        log_event("改行\nを含む", note="a\nb")
        text = raw(log_dir).decode("utf-8")
        assert text.endswith("\n") and len(text.splitlines()) == 3
        assert all(isinstance(json.loads(line), dict) for line in text.splitlines())
