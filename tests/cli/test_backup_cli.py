"""``nozei backup create | check | restore`` on a small demo, as an administrator would type them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tui.cli import main


def _run(data: Path, *argv: str) -> int:
    return main(["--data-dir", str(data), *argv])


class TestBackupCommands:
    def test_create_check_and_restore_round_trip_and_the_log_still_verifies(
            self, demo_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:  # type: ignore[no-untyped-def]
        target = tmp_path / "nozei.nzb"
        operator("admin")
        assert _run(demo_data, "backup", "create", str(target)) == 0
        out = capsys.readouterr().out
        assert "バックアップを作成しました" in out and "SHA-256" in out and "鍵ファイルはバックアップに含まれません" in out
        operator("admin")
        assert _run(demo_data, "backup", "check", str(target)) == 0
        assert "バックアップは完全です" in capsys.readouterr().out
        operator("admin")
        assert _run(demo_data, "backup", "restore", str(target), "--yes") == 0
        out = capsys.readouterr().out
        assert "復元しました" in out and "監査ログは現在のものを保持" in out
        operator("auditor")
        assert _run(demo_data, "audit", "verify") == 0
        assert "改ざんされていません" in capsys.readouterr().out

    def test_restore_without_yes_from_a_script_changes_nothing(
            self, demo_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator,  # type: ignore[no-untyped-def]
            monkeypatch: pytest.MonkeyPatch) -> None:
        target = tmp_path / "nozei.nzb"
        operator("admin")
        assert _run(demo_data, "backup", "create", str(target)) == 0
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        operator("admin")
        assert _run(demo_data, "backup", "restore", str(target)) == 2
        assert "--yes" in capsys.readouterr().err
        with sqlite3.connect(demo_data / "nozei.db") as db:
            actions = [a for (a,) in db.execute("SELECT action FROM audit_events ORDER BY seq")]
        assert "backup.create" in actions and "backup.restore" not in actions

    def test_a_clerk_may_not_back_up(self, demo_data: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str], operator) -> None:  # type: ignore[no-untyped-def]
        operator("clerk")
        assert _run(demo_data, "backup", "create", str(tmp_path / "b.nzb")) == 2
        assert "権限" in capsys.readouterr().err
        assert not (tmp_path / "b.nzb").exists()

    def test_a_damaged_file_is_reported_in_japanese(self, demo_data: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str], operator) -> None:  # type: ignore[no-untyped-def]
        bad = tmp_path / "bad.nzb"
        bad.write_bytes(b"not a backup")
        operator("admin")
        assert _run(demo_data, "backup", "check", str(bad)) == 2
        assert "nozei のバックアップファイルではありません" in capsys.readouterr().err
