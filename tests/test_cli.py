"""The ``nozei`` command line, run in-process as an administrator would from a shell."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from storage import migrate
from tui.cli import main


def _demo(tmp_path: Path, capsys: pytest.CaptureFixture[str], n: int = 30) -> Path:
    data = tmp_path / "var"
    assert main(["demo", "--data-dir", str(data), "--taxpayers", str(n), "--as-of", "2026-11-22"]) == 0
    capsys.readouterr()
    return data


class TestDemoCommand:
    def test_it_lays_out_the_data_directory_and_says_where_things_are(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = tmp_path / "var"
        assert main(["demo", "--data-dir", str(data), "--taxpayers", "30", "--as-of", "R8.11.22"]) == 0
        out = capsys.readouterr().out
        assert "デモ用データベースを作成しました" in out and str(data / "keys" / "kek.key") in out
        assert (data / "nozei.db").is_file() and (data / "logs").is_dir() and (data / "documents").is_dir()
        assert stat.S_IMODE((data / "keys").stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "keys" / "kek.key").stat().st_mode) == 0o600

    def test_it_refuses_to_build_over_an_existing_database(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = _demo(tmp_path, capsys)
        assert main(["demo", "--data-dir", str(data), "--taxpayers", "5"]) == 2
        assert "既に作成されています" in capsys.readouterr().err


class TestStartUpChecks:
    def test_a_missing_database_names_the_commands_that_create_one(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--data-dir", str(tmp_path / "nothing")]) == 2
        err = capsys.readouterr().err
        assert "nozei init" in err and "nozei demo" in err

    def test_a_missing_key_file_is_a_clear_error_not_a_traceback(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = _demo(tmp_path, capsys)
        (data / "keys" / "kek.key").unlink()
        assert main(["--data-dir", str(data)]) == 2
        err = capsys.readouterr().err
        assert "鍵ファイルがありません" in err and "Traceback" not in err

    def test_an_out_of_date_schema_names_the_upgrade_command(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        data = _demo(tmp_path, capsys)
        monkeypatch.setattr(migrate, "head_revision", lambda: "0002")
        assert main(["--data-dir", str(data)]) == 2
        assert "`nozei db upgrade` を実行してください" in capsys.readouterr().err

    def test_db_status_reports_an_up_to_date_schema(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = _demo(tmp_path, capsys)
        assert main(["--data-dir", str(data), "db", "status"]) == 0
        assert "最新" in capsys.readouterr().out


class TestKeysCommands:
    def test_rotate_then_reencrypt_leaves_nothing_pending(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = _demo(tmp_path, capsys)
        assert main(["--data-dir", str(data), "keys", "rotate"]) == 0
        assert "版 2" in capsys.readouterr().out
        assert main(["--data-dir", str(data), "keys", "status"]) == 0
        assert "taxpayers: 再暗号化待ち 30" in capsys.readouterr().out
        assert main(["--data-dir", str(data), "keys", "reencrypt", "--batch-size", "7"]) == 0
        assert main(["--data-dir", str(data), "keys", "status"]) == 0
        out = capsys.readouterr().out
        assert "データ鍵の版: 2" in out and "taxpayers: 再暗号化待ち 0" in out


class TestInitCommand:
    def test_init_creates_a_production_database_that_is_not_a_demo(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = tmp_path / "prod"
        assert main(["init", "--data-dir", str(data), "--municipality-code", "242039",
                     "--municipality-name", "伊勢市"]) == 0
        assert "鍵ファイルはバックアップに含まれません" in capsys.readouterr().out
        from core.config import load_config
        from tui.compose import open_context

        store, context = open_context(load_config(data_dir=data))
        store.close()
        assert (context.municipality_name, context.municipality_code, context.is_demo) == ("伊勢市", "242039", False)

    def test_a_malformed_municipality_code_is_refused(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["init", "--data-dir", str(tmp_path / "p"), "--municipality-code", "24203",
                     "--municipality-name", "伊勢市"]) == 2
        assert "団体コードは6桁" in capsys.readouterr().err
