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
        monkeypatch.setattr(migrate, "head_revision", lambda: "9999")
        monkeypatch.setattr(migrate, "HEAD_REVISION", "9999")  # what start-up compares the stamp with
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
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator
    ) -> None:
        data = _demo(tmp_path, capsys)
        operator("admin")
        assert main(["--data-dir", str(data), "keys", "rotate"]) == 0
        assert "版 2" in capsys.readouterr().out
        assert main(["--data-dir", str(data), "keys", "status"]) == 0
        assert "taxpayers: 再暗号化待ち 30" in capsys.readouterr().out
        operator("admin")
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


class TestKeysNeedAnAdministrator:
    def test_a_clerk_cannot_rotate_keys(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        data = _demo(tmp_path, capsys)
        operator("clerk")
        assert main(["--data-dir", str(data), "keys", "rotate"]) == 2
        assert "admin.keys" in capsys.readouterr().err

    def test_wrong_credentials_get_the_generic_message(self, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       operator) -> None:
        data = _demo(tmp_path, capsys)
        operator("admin", password="not-the-password")
        assert main(["--data-dir", str(data), "keys", "rotate"]) == 2
        assert "ID・パスワード・確認コード" in capsys.readouterr().err


class TestUserAdministration:
    def test_an_administrator_adds_a_user_who_must_change_the_password_first(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        data = _demo(tmp_path, capsys)
        operator("admin")
        assert main(["--data-dir", str(data), "user", "add", "tanaka", "--name", "田中　一", "--role", "inquiry"]) == 0
        out = capsys.readouterr().out
        one_time = out.split("初回パスワード（一度だけ表示）: ")[1].split()[0]
        secret = out.split("OTP秘密鍵（base32）: ")[1].split()[0]
        assert "otpauth://totp/" in out and "█" in out  # the QR code is drawn
        operator("tanaka", password=one_time, secret=secret)
        assert main(["--data-dir", str(data), "user", "list"]) == 2
        assert "nozei passwd" in capsys.readouterr().err
        operator("tanaka", password=one_time, secret=secret)
        monkeypatch.setenv("NOZEI_NEW_PASSWORD", "harbour lights 1988")
        assert main(["--data-dir", str(data), "passwd"]) == 0
        assert "パスワードを変更しました" in capsys.readouterr().out

    def test_list_disable_enable_grant_revoke_and_unlock(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator
    ) -> None:
        data = _demo(tmp_path, capsys)
        for command in (["user", "disable", "clerk"], ["user", "enable", "clerk"], ["user", "grant", "clerk", "mynumber"],
                        ["user", "revoke", "clerk", "mynumber"], ["user", "unlock", "clerk"],
                        ["user", "reset-password", "clerk"], ["user", "reset-otp", "clerk"]):
            operator("admin")
            assert main(["--data-dir", str(data), *command]) == 0, command
        operator("admin")
        assert main(["--data-dir", str(data), "user", "list"]) == 0
        listing = capsys.readouterr().out
        clerk_line = next(line for line in listing.splitlines() if line.startswith("clerk "))
        assert "collection" in clerk_line and "mynumber" not in clerk_line and "パスワード変更待ち" in clerk_line

    def test_roles_and_terminals(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        data = _demo(tmp_path, capsys)
        operator("admin")
        assert main(["--data-dir", str(data), "role", "list"]) == 0
        assert "個人番号利用事務" in capsys.readouterr().out
        operator("admin")
        assert main(["--data-dir", str(data), "terminal", "add", "SHUNO-01", "--name", "収納窓口1",
                     "--export", "--counter"]) == 0
        operator("admin")
        assert main(["--data-dir", str(data), "terminal", "disable", "SHUNO-01"]) == 0
        operator("admin")
        assert main(["--data-dir", str(data), "terminal", "list"]) == 0
        listing = capsys.readouterr().out
        assert "SHUNO-01" in listing and "停止" in listing

    def test_a_non_administrator_cannot_add_users(self, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  operator) -> None:
        data = _demo(tmp_path, capsys)
        operator("auditor")
        assert main(["--data-dir", str(data), "user", "add", "x123", "--name", "某"]) == 2
        assert "admin.users" in capsys.readouterr().err


class TestDemoCredentials:
    def test_demo_prints_every_demo_user_and_demo_otp_gives_a_working_code(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        data = tmp_path / "var"
        assert main(["demo", "--data-dir", str(data), "--taxpayers", "10"]) == 0
        out = capsys.readouterr().out
        for login in ("admin", "auditor", "inquiry", "clerk", "clerk-mn", "refund", "approver", "officer",
                      "supervisor", "cert"):
            assert f"  {login} " in out
        assert main(["--data-dir", str(data), "demo-otp", "clerk"]) == 0
        assert capsys.readouterr().out.strip().isdigit()

    def test_demo_otp_refuses_a_production_database(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        data = tmp_path / "prod"
        assert main(["init", "--data-dir", str(data), "--municipality-code", "242039",
                     "--municipality-name", "伊勢市"]) == 0
        capsys.readouterr()
        assert main(["--data-dir", str(data), "demo-otp", "admin"]) == 2
        assert "デモ用データベースではありません" in capsys.readouterr().err


class TestAuditCommands:
    def test_verify_passes_on_an_untouched_log_and_fails_with_the_first_bad_seq(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator
    ) -> None:
        data = _demo(tmp_path, capsys)
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "verify"]) == 0
        assert "改ざんされていません" in capsys.readouterr().out
        import sqlite3

        with sqlite3.connect(data / "nozei.db") as db:
            db.execute("update audit_events set action = 'nothing.happened' where seq = 2")
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "verify"]) == 1
        out = capsys.readouterr().out
        assert "seq 2" in out and "modified" in out

    def test_review_filters_and_formats(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        data = _demo(tmp_path, capsys)
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "review", "--action", "login.*", "--format", "csv"]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        assert len(lines) == 2 and "login.success" in lines[1]  # header + this run's own login
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "review", "--user", "auditor", "--chart"]) == 0
        assert "auditor" in capsys.readouterr().out

    def test_only_auditors_review(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        data = _demo(tmp_path, capsys)
        operator("admin")
        assert main(["--data-dir", str(data), "audit", "verify"]) == 2
        assert "audit.review" in capsys.readouterr().err

    def test_anomalies_lists_findings_with_evidence(self, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    operator) -> None:
        data = _demo(tmp_path, capsys)
        for _ in range(5):
            operator("clerk", password="wrong password!")
            assert main(["--data-dir", str(data), "audit", "verify"]) == 2
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "anomalies", "--from", "2000-01-01", "--to", "2100-01-01"]) == 0
        out = capsys.readouterr().out
        assert "clerk" in out and "根拠 seq" in out

    def test_archive_refuses_events_inside_the_retention_period(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator
    ) -> None:
        data = _demo(tmp_path, capsys)
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "archive", "--before", "2026-01-01"]) == 2
        assert "保存期間（7年）" in capsys.readouterr().err
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "archive", "--before", "2019-01-01"]) == 0
        assert "保存庫に移す記録はありません" in capsys.readouterr().out

    def test_the_json_mirror_and_checkpoint_file_are_written(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator
    ) -> None:
        data = _demo(tmp_path, capsys)
        operator("auditor")
        assert main(["--data-dir", str(data), "audit", "verify"]) == 0
        mirror = (data / "logs" / "nozei-audit.jsonl").read_text("utf-8")
        assert '"action": "audit.verify"' in mirror and '"action": "logout"' in mirror
        checkpoints = (data / "logs" / "audit-checkpoints.jsonl").read_text("utf-8")
        assert '"reason":"logout"' in checkpoints


class TestNoHangingPrompts:
    def test_passwd_without_a_terminal_or_new_password_fails_before_spending_a_code(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        data = _demo(tmp_path, capsys)
        operator("clerk")
        monkeypatch.delenv("NOZEI_NEW_PASSWORD", raising=False)
        monkeypatch.setattr("sys.stdin", __import__("io").StringIO(""))
        assert main(["--data-dir", str(data), "passwd"]) == 2
        assert "NOZEI_NEW_PASSWORD" in capsys.readouterr().err


class TestRatesCommands:
    def test_two_administrators_add_a_year_and_the_calculator_uses_it(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator
    ) -> None:
        data = _demo(tmp_path, capsys)
        calc = ["--data-dir", str(data), "calc", "entaikin", "--amount", "1000000", "--due", "2026-11-30",
                "--paid", "2027-03-01"]
        assert main(calc) == 2
        assert "2027年" in capsys.readouterr().err
        operator("admin")
        assert main(["--data-dir", str(data), "rates", "propose", "--year", "2027", "--within-month", "2.9",
                     "--after-month", "9.2", "--refund-interest", "1.4"]) == 0
        operator("admin")
        assert main(["--data-dir", str(data), "rates", "approve", "--year", "2027"]) == 2
        assert "起案者本人" in capsys.readouterr().err
        operator("admin2")
        assert main(["--data-dir", str(data), "rates", "approve", "--year", "2027"]) == 0
        assert main(["--data-dir", str(data), "rates", "list"]) == 0
        assert "2027" in capsys.readouterr().out
        assert main(calc) == 0
        assert "9.2%" in capsys.readouterr().out
