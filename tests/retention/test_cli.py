"""``nozei retention plan | purge | list | cancel`` on a small demo with one old settled file,
run in-process as the administrator and the supervisor would from a shell."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import load_config
from storage.schema import taxpayers
from tests.cli.conftest import demo_data, demo_template, fast_tools, operator  # noqa: F401 - fixtures
from tests.retention.helpers import atena, taxpayer_file
from tui import compose
from tui.cli import main


@pytest.fixture
def data(demo_data: Path) -> Path:  # noqa: F811
    store = compose.open_wired(load_config(data_dir=demo_data))
    try:
        taxpayer_file(store, 990_001, fy=2015)
    finally:
        store.close()
    return demo_data


def _run(data: Path, *argv: str) -> int:
    return main(["--data-dir", str(data), *argv])


def _atena_numbers(data: Path) -> list[str]:
    store = compose.open_wired(load_config(data_dir=data))
    try:
        with store.reading() as conn:
            return list(conn.execute(select(taxpayers.c.atena_no)).scalars())
    finally:
        store.close()


class TestRetentionCommands:
    def test_the_administrator_proposes_and_a_supervisor_purges(self, data: Path, capsys: pytest.CaptureFixture[str],
                                                                operator) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        operator("admin")
        assert _run(data, "retention", "plan", "--as-of", "2026-11-22") == 0
        out = capsys.readouterr().out
        assert "基準日 2026-11-22 に保存期間を経過したデータ" in out and "納税証明書の発行記録" in out
        assert int(re.search(r"納税者ファイル.*?([0-9,]+)件", out).group(1)) >= 1  # type: ignore[union-attr]

        operator("admin")
        assert _run(data, "retention", "plan", "--as-of", "2026-11-22", "--propose") == 0
        run = re.search(r"起案しました: 起案 ([0-9]+)", capsys.readouterr().out).group(1)  # type: ignore[union-attr]

        operator("admin")
        assert _run(data, "retention", "purge", run) == 2
        assert "disposition.approve" in capsys.readouterr().err
        assert atena(990_001) in _atena_numbers(data)

        operator("supervisor")
        assert _run(data, "retention", "purge", run) == 0
        assert f"消去しました: 起案 {run}" in capsys.readouterr().out
        assert atena(990_001) not in _atena_numbers(data)

        operator("admin")
        assert _run(data, "retention", "list") == 0
        assert re.search(rf"起案 {run}: 消去済 .*決裁者 supervisor", capsys.readouterr().out)
        operator("admin")
        assert _run(data, "retention", "cancel", run) == 2
        assert "既に決定されています" in capsys.readouterr().err

    def test_bad_input_gets_a_japanese_message(self, data: Path, capsys: pytest.CaptureFixture[str],
                                               operator) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        with pytest.raises(SystemExit):
            _run(data, "retention", "plan", "--as-of", "2026-13-45")
        assert "日付" in capsys.readouterr().err
        operator("admin")
        assert _run(data, "retention", "plan", "--as-of", "2099-04-01", "--propose") == 2
        assert "未来の基準日では起案できません" in capsys.readouterr().err
        operator("supervisor")
        assert _run(data, "retention", "purge", "77") == 2
        assert "消去の起案が見つかりません" in capsys.readouterr().err
