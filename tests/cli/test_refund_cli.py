"""``nozei refund list | transfer-file`` on a small demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main


def _run(data: Path, *argv: str) -> int:
    return main(["--data-dir", str(data), *argv])


class TestRefundCommands:
    def test_the_list_shows_the_demo_workflow_states(self, demo_data: Path, capsys: pytest.CaptureFixture[str],
                                                     operator) -> None:  # type: ignore[no-untyped-def]
        operator("refund")
        assert _run(demo_data, "refund", "list") == 0
        out = capsys.readouterr().out
        assert "起案" in out and "決裁済" in out and "支出済" in out

    def test_a_second_transfer_file_for_the_same_date_pays_nothing_again(
            self, demo_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:  # type: ignore[no-untyped-def]
        operator("refund")
        assert _run(demo_data, "refund", "transfer-file", "--date", "2026-11-22", "--out",
                    str(tmp_path / "f.txt")) == 0
        assert "ありません" in capsys.readouterr().out  # the demo already paid that day's refunds
        assert not (tmp_path / "f.txt").exists()

    def test_an_approver_cannot_pay(self, demo_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    operator) -> None:  # type: ignore[no-untyped-def]
        operator("approver")
        assert _run(demo_data, "refund", "transfer-file", "--date", "2026-11-22", "--out",
                    str(tmp_path / "f.txt")) == 2
        assert "権限" in capsys.readouterr().err
