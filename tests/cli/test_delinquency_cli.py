"""``nozei batch reminders | callcenter export/import | report delinquency | case filter`` on a small
demo with its 滞納案件 opened, run in-process as the 滞納整理担当 would from a shell."""

from __future__ import annotations

import csv
import io
import re
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from core.config import load_config
from core.security.permissions import Actor, Permission
from core.services.cases import open_due_cases
from storage.schema import case_records
from tui import compose
from tui.cli import main

AS_OF = date(2026, 11, 22)


@pytest.fixture
def data(demo_data: Path) -> Path:
    """The demo with a case for every taxpayer still unpaid after the 督促's 指定期限."""
    store = compose.open_wired(load_config(data_dir=demo_data))
    try:
        opened = open_due_cases(store.uow("setup"), Actor("setup", frozenset(p.value for p in Permission),
                                                          terminal_id="console"), on=AS_OF)
    finally:
        store.close()
    assert opened
    return demo_data


def _run(data: Path, *argv: str) -> int:
    return main(["--data-dir", str(data), *argv])


def _records(data: Path, kind: str) -> int:
    engine = create_engine(f"sqlite:///{data}/nozei.db")
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(case_records)
                                    .where(case_records.c.kind == kind)).scalar_one())
    finally:
        engine.dispose()


def test_reminders_are_recorded_once_a_day(data: Path, capsys: pytest.CaptureFixture[str], operator) -> None:  # type: ignore[no-untyped-def]
    operator("officer")
    assert _run(data, "batch", "reminders", "--date", "2026-11-22", "--min-amount", "1") == 0
    recorded = int(re.search(r"記録 ([0-9,]+)件", capsys.readouterr().out).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert recorded > 0 and _records(data, "reminder") == recorded
    operator("officer")
    assert _run(data, "batch", "reminders", "--date", "2026-11-22") == 0
    out = capsys.readouterr().out
    assert "記録 0件" in out and f"同じ日に記録済み {recorded:,}件" in out
    operator("officer")
    assert _run(data, "batch", "reminders", "--date", "2026-11-22", "--filter", "x", "--team", "北") == 2
    assert "同時に指定できません" in capsys.readouterr().err


def test_callcenter_export_then_import_once(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           operator) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "taisho.csv"
    operator("officer")
    assert _run(data, "callcenter", "export", "--month", "2026-11", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and "SHA-256" in printed
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["案件番号", "宛名番号"] and len(rows) > 1
    assert f"件数 {len(rows) - 1:,}" in printed
    case_no, atena_no = rows[1][0], rows[1][1]

    header = "記録キー,案件番号,宛名番号,架電日時,区分,結果,相手,内容,約束日,約束額\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + f"R-1,{case_no},{atena_no},2026-11-20 10:00,架電,不明,本人,,,\n", encoding="utf-8")
    operator("officer")
    with pytest.raises(SystemExit) as exited:
        _run(data, "callcenter", "import", str(bad))
    assert exited.value.code == 2 and "何も反映していません" in capsys.readouterr().err

    wrong = tmp_path / "wrong.csv"
    wrong.write_text(header + f"R-1,99999999,{atena_no},2026-11-20 10:00,架電,不在,,,,\n", encoding="utf-8")
    operator("officer")
    assert _run(data, "callcenter", "import", str(wrong)) == 2
    assert "記録キー R-1: 案件番号が見つかりません" in capsys.readouterr().err

    good = tmp_path / "kiroku.csv"
    good.write_text(header + f"R-1,{case_no},{atena_no},2026-11-20 10:00,架電,不在,,,,\n"
                    f"R-2,{case_no},{atena_no},2026-11-21 14:30,受電,納付約束,本人,月末に納付,2026-11-30,5000\n",
                    encoding="utf-8")
    operator("officer")
    assert _run(data, "callcenter", "import", str(good)) == 0
    assert "登録 2" in capsys.readouterr().out and _records(data, "callcenter") == 2
    operator("officer")
    assert _run(data, "callcenter", "import", str(good)) == 0
    assert "取込済み" in capsys.readouterr().out and _records(data, "callcenter") == 2


def test_report_and_saved_filters(data: Path, capsys: pytest.CaptureFixture[str], operator) -> None:  # type: ignore[no-untyped-def]
    operator("supervisor")
    assert _run(data, "report", "delinquency", "--date", "2026-11-22") == 0
    out = capsys.readouterr().out
    assert "滞納統計（2026-11-22現在・2026年度）" in out and "滞納者" in out and "未着手" in out
    assert "延滞金" in out
    operator("supervisor")
    assert _run(data, "report", "unpaid", "--date", "2026-11-22") == 0
    unpaid = capsys.readouterr().out
    # the same 本税 and 延滞金 as the 滞納 report, which computes them the same way
    assert "滞納額と延滞金（2026-11-22現在）" in unpaid
    total = next(line for line in out.splitlines() if "滞納本税" in line).split("滞納本税")[1].split("円")[0]
    assert f"滞納本税 {total.strip()}円" in unpaid
    operator("officer")
    assert _run(data, "case", "filter", "save", "高額", "--min-amount", "100000", "--shared") == 0
    operator("supervisor")
    assert _run(data, "case", "filter", "list") == 0
    assert "高額" in capsys.readouterr().out
    operator("supervisor")
    assert _run(data, "case", "filter", "delete", "高額") == 2
    assert "自分の条件のみ" in capsys.readouterr().err
    operator("officer")
    assert _run(data, "case", "filter", "delete", "高額") == 0
    operator("officer")
    assert _run(data, "case", "filter", "list") == 0
    assert "ありません" in capsys.readouterr().out
