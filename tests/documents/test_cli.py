"""``nozei print`` and ``nozei certificate`` on a small demo, run in-process as staff would from a shell."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from storage.schema import dunnings
from tests.cli.conftest import demo_data, demo_template, fast_tools, operator  # noqa: F401 - fixtures
from tui.cli import main


def _latest_batch(data: Path) -> tuple[str, int]:
    engine = create_engine(f"sqlite:///{data}/nozei.db")
    try:
        with engine.connect() as conn:
            row = conn.execute(select(dunnings.c.batch_on, func.count(func.distinct(dunnings.c.taxpayer_id)))
                               .group_by(dunnings.c.batch_on).order_by(dunnings.c.batch_on.desc()).limit(1)).one()
    finally:
        engine.dispose()
    return row[0].isoformat(), int(row[1])


def test_print_a_dunning_batch_and_issue_a_certificate(demo_data: Path, operator: Callable[..., None],  # noqa: F811
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    day, taxpayers = _latest_batch(demo_data)
    operator("clerk")
    assert main(["--data-dir", str(demo_data), "print", "dunning", "--date", day]) == 0
    out = capsys.readouterr().out
    path = Path(re.search(r"出力しました: (\S+\.pdf)", out).group(1))  # type: ignore[union-attr]
    assert path.parent == demo_data / "documents"
    assert f"文書 {taxpayers:,}件  {taxpayers:,}ページ" in out
    assert f"SHA-256 {hashlib.sha256(path.read_bytes()).hexdigest()}" in out
    assert "印刷業者向け索引" in out

    operator("cert")
    assert main(["--data-dir", str(demo_data), "certificate", "issue", "--atena", "0000000001", "--type", "nozei",
                 "--purpose", "融資申込", "--applicant-kind", "self", "--applicant", "本人", "--id-document",
                 "mynumber_card", "--years", "2025,2026"]) == 0
    out = capsys.readouterr().out
    assert "納税証明書を発行しました" in out and "文書 1件  1ページ" in out
    operator("cert")
    assert main(["--data-dir", str(demo_data), "certificate", "list", "--atena", "0000000001"]) == 0
    assert "納税証明" in capsys.readouterr().out

    operator("inquiry")  # no export.files: refused with the reason
    assert main(["--data-dir", str(demo_data), "print", "dunning", "--date", day]) == 2
    assert "権限がありません" in capsys.readouterr().err
