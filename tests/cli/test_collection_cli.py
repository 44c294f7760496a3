"""``nozei import | transfer | batch | report`` on a small demo, run in-process as a clerk would
from a shell — and one real process killed in the middle of an import."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select as sql_select, text

from core.clock import FixedClock
from core.services.auth import AuthTools
from storage.crypto.totp import TotpEngine
from storage.demo.users import DEMO_PASSWORD, demo_otp_secret
from storage.files import zengin
from storage.schema import assessments, dunnings, payments, taxpayers
from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-22"
TRANSFER_DUE = "2027-02-01"  # a 納期限 after the demo's as-of date with 口座振替 holders and no run yet

ATENA_HEADER = ("宛名番号,個人法人区分,氏名,氏名カナ,個人番号,法人番号,性別,生年月日,郵便番号,住所,電話番号,世帯番号,"
                "続柄,世帯主氏名,送付先住所,住民区分,死亡日,公示送達,督促停止,催告停止,発行抑止\n")
ATENA_ROWS = ("9000000001,個人,試験　一郎,シケン　イチロウ,,,1,1970-01-01,100-0001,みなと市試験町1番,,,,,,,,,,,\n"
              "9000000002,法人,株式会社試験,カブシキガイシャシケン,,,,,,みなと市試験町2番,,,,,,,,,,,\n")
ASSESSMENTS = ("notice_no,atena_no,tax_code,fiscal_year,period,amount,due_date,statutory_due_date,reason\n"
               "2026019000000001,9000000001,01,R8,1,12000,2026-12-25,,\n"
               "2026019000000001,9000000001,01,R8,2,12000,2027-01-31,,\n")
PAY_HEADER = "record_key,channel,notice_no,period,amount,received_on,accounted_on,bank_code,branch_code\n"


@pytest.fixture
def data(demo_data: Path) -> Path:
    return demo_data


def _run(data: Path, *argv: str) -> int:
    return main(["--data-dir", str(data), *argv])


def _count(data: Path, table, where=None) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{data}/nozei.db")
    try:
        with engine.connect() as conn:
            q = sql_select(func.count()).select_from(table)
            return int(conn.execute(q if where is None else q.where(where)).scalar_one())
    finally:
        engine.dispose()


def _write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


# --- imports --------------------------------------------------------------------------------------


class TestImportCommands:
    def test_atena_then_assessments_then_payments_each_print_a_summary(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        atena = _write(tmp_path / "atena.csv", ATENA_HEADER + ATENA_ROWS, "cp932")
        operator("clerk")
        assert _run(data, "import", "atena", str(atena)) == 0
        out = capsys.readouterr().out
        assert "取り込みました: atena.csv（2件）" in out and "新規 2  更新 0  変更なし 0" in out
        assert _count(data, taxpayers) == 32

        choutei = _write(tmp_path / "choutei.csv", ASSESSMENTS)
        operator("clerk")
        assert _run(data, "import", "assessments", str(choutei)) == 0
        out = capsys.readouterr().out
        assert "新規 2  更正 0  変更なし 0  調定額合計 24,000円" in out

        pays = _write(tmp_path / "pay.csv", PAY_HEADER + "P-1,金融機関,2026019000000001,1,12000,2026-11-20,2026-11-21,,\n")
        before = _count(data, payments)
        operator("clerk")
        assert _run(data, "import", "payments", str(pays)) == 0
        out = capsys.readouterr().out
        assert "件数 1（登録 1・重複 0）  合計 12,000円" in out and "消込 1件 12,000円" in out
        assert _count(data, payments) == before + 1

    def test_a_changed_atena_is_reported_as_an_update(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        first = _write(tmp_path / "a1.csv", ATENA_HEADER + ATENA_ROWS, "cp932")
        changed = _write(tmp_path / "a2.csv", ATENA_HEADER + ATENA_ROWS.replace("試験町1番", "試験町9番"), "cp932")
        operator("clerk")
        assert _run(data, "import", "atena", str(first)) == 0
        operator("clerk")
        assert _run(data, "import", "atena", str(changed)) == 0
        assert "新規 0  更新 1  変更なし 1" in capsys.readouterr().out

    def test_a_reduced_assessment_reports_the_released_overpayment(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        for name, content in (("a.csv", ATENA_HEADER + ATENA_ROWS), ("c1.csv", ASSESSMENTS)):
            operator("clerk")
            assert _run(data, "import", "atena" if name == "a.csv" else "assessments",
                        str(_write(tmp_path / name, content))) == 0
        operator("clerk")
        assert _run(data, "import", "payments", str(_write(
            tmp_path / "p.csv", PAY_HEADER + "P-1,bank,2026019000000001,1,12000,2026-11-20,2026-11-20,,\n"))) == 0
        capsys.readouterr()
        operator("clerk")
        reduced = ASSESSMENTS.replace("1,12000,2026-12-25,,", "1,9000,2026-12-25,,減額")
        assert _run(data, "import", "assessments", str(_write(tmp_path / "c2.csv", reduced))) == 0
        out = capsys.readouterr().out
        assert "更正 1  変更なし 1" in out and "減額更正による過誤納 3,000円" in out

    def test_a_file_whose_name_is_not_utf8_imports_and_its_name_is_stored_escaped(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:  # type: ignore[no-untyped-def]
        hostile = tmp_path / os.fsdecode(b"pay\xff\x1b[31m.csv")
        _write(hostile, PAY_HEADER + "P-X,bank,9999999999,1,1000,2026-11-20,2026-11-20,,\n")
        operator("clerk")
        assert _run(data, "import", "payments", str(hostile)) == 0
        engine = create_engine(f"sqlite:///{data}/nozei.db")
        try:
            with engine.connect() as conn:
                names = list(conn.execute(text("SELECT file_name FROM import_batches")).scalars())
        finally:
            engine.dispose()
        assert "pay\\xff[31m.csv" in names

    def test_a_malformed_payments_file_exits_2_lists_every_bad_line_and_changes_nothing(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        bad = _write(tmp_path / "bad.csv", PAY_HEADER
                     + "B-1,bank,,,1000,2026-11-20,2026-11-20,,\n"
                     + "B-2,bank,,,abc,2026-11-20,2026-11-20,,\n"
                     + "B-3,bank,,,1000,2026-11-20,2026-11-20,,\n"
                     + "B-4,bank,,,1000,2026-13-01,2026-11-20,,\n"
                     + "B-5,nowhere,,,1000,2026-11-20,2026-11-20,,\n")
        before = _count(data, payments)
        operator("clerk")
        with pytest.raises(SystemExit) as exited:
            _run(data, "import", "payments", str(bad))
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "何も反映していません" in err
        assert all(f"{n}行目" in err for n in (3, 5, 6)) and "2行目" not in err and "4行目" not in err
        assert _count(data, payments) == before

    def test_the_same_file_twice_says_it_is_already_imported(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        pays = _write(tmp_path / "p.csv", "\ufeff" + PAY_HEADER + "D-1,窓口,,,700,2026-11-20,2026-11-20,,\n")
        operator("clerk")
        assert _run(data, "import", "payments", str(pays)) == 0
        before = _count(data, payments)
        capsys.readouterr()
        operator("clerk")
        assert _run(data, "import", "payments", str(pays)) == 0
        assert "取込済み" in capsys.readouterr().out
        assert _count(data, payments) == before
        atena = _write(tmp_path / "a.csv", ATENA_HEADER + ATENA_ROWS, "cp932")
        for _ in range(2):
            operator("clerk")
            assert _run(data, "import", "atena", str(atena)) == 0
        assert "このファイルは取込済みです（2件）" in capsys.readouterr().out

    def test_an_assessment_for_an_unknown_atena_is_refused_with_its_line(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        before = _count(data, assessments)
        operator("clerk")
        assert _run(data, "import", "assessments", str(_write(tmp_path / "c.csv", ASSESSMENTS))) == 2
        err = capsys.readouterr().err
        assert "2行目" in err and "3行目" in err and "宛名番号が登録されていません" in err
        assert _count(data, assessments) == before


# --- transfer, dunning, report ------------------------------------------------------------------------


class TestBatchCommands:
    def test_dunning_twice_for_the_same_date_issues_nothing_the_second_time(
            self, data: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        operator("clerk")
        assert _run(data, "batch", "dunning", "--date", "2026-12-31") == 0
        first = int(re.search(r"発付 ([0-9,]+)件", capsys.readouterr().out).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert first > 0
        rows = _count(data, dunnings)
        operator("clerk")
        assert _run(data, "batch", "dunning", "--date", "2026-12-31") == 0
        assert "発付 0件" in capsys.readouterr().out
        assert _count(data, dunnings) == rows

    def test_transfer_request_writes_a_private_zengin_file_and_never_overwrites(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        out = tmp_path / "request.txt"
        operator("clerk")
        assert _run(data, "transfer", "request", "--due", TRANSFER_DUE, "--out", str(out)) == 0
        printed = capsys.readouterr().out
        count = int(re.search(r"件数 ([0-9,]+)", printed).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert count > 0 and f"引落日 {TRANSFER_DUE}" in printed
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        content = out.read_bytes()
        records = content[:-2].split(b"\r\n")
        assert content.endswith(b"\r\n") and all(len(r) == 120 for r in records)
        assert [r[:1] for r in records].count(b"2") == count and records[0][54:58] == b"0201"
        operator("clerk")
        assert _run(data, "transfer", "request", "--due", TRANSFER_DUE, "--out", str(out)) == 2
        assert "既にあります" in capsys.readouterr().err
        assert out.read_bytes() == content

    def test_the_bank_result_for_a_request_is_posted_once(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        out = tmp_path / "request.txt"
        operator("clerk")
        assert _run(data, "transfer", "request", "--due", TRANSFER_DUE, "--out", str(out)) == 0
        records = out.read_bytes()[:-2].split(b"\r\n")
        total = sum(int(r[80:90]) for r in records if r[:1] == b"2")
        count = sum(1 for r in records if r[:1] == b"2")
        records[-2] = records[-2][:19] + f"{count:06d}{total:012d}{0:06d}{0:012d}".encode() + records[-2][55:]
        result = tmp_path / "result.txt"
        result.write_bytes(b"".join(r + b"\r\n" for r in records))
        assert len(zengin.read_transfer_result(result.read_bytes()).items) == count
        before = _count(data, payments)
        capsys.readouterr()
        operator("clerk")
        assert _run(data, "transfer", "result", str(result)) == 0
        assert f"振替済 {count:,}件 {total:,}円" in capsys.readouterr().out
        assert _count(data, payments) == before + count
        operator("clerk")
        assert _run(data, "transfer", "result", str(result)) == 0
        assert "取込済み" in capsys.readouterr().out
        assert _count(data, payments) == before + count

    def test_report_collection_prints_both_sections(
            self, data: Path, capsys: pytest.CaptureFixture[str], operator) -> None:
        operator("clerk")
        assert _run(data, "report", "collection", "--year", "2025") == 0
        out = capsys.readouterr().out
        assert "2025年度 収納状況" in out and "現年度分" in out and "滞納繰越分" in out and "%" in out


class TestPermissions:
    @pytest.mark.parametrize("argv", [
        ("import", "payments", "{file}"), ("import", "atena", "{atena}"), ("batch", "dunning", "--date", "2026-12-31"),
        ("transfer", "request", "--due", TRANSFER_DUE, "--out", "{out}"),
    ])
    def test_an_inquiry_user_is_refused_with_exit_2_and_nothing_changes(
            self, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], operator,
            argv: tuple[str, ...]) -> None:
        paths = {"file": str(_write(tmp_path / "p.csv", PAY_HEADER + "X-1,bank,,,1000,2026-11-20,2026-11-20,,\n")),
                 "atena": str(_write(tmp_path / "a.csv", ATENA_HEADER + ATENA_ROWS, "cp932")),
                 "out": str(tmp_path / "req.txt")}
        counts = [_count(data, t) for t in (payments, taxpayers, dunnings)]
        operator("inquiry")
        assert _run(data, *(a.format(**paths) for a in argv)) == 2
        assert "権限" in capsys.readouterr().err
        assert [_count(data, t) for t in (payments, taxpayers, dunnings)] == counts
        assert not (tmp_path / "req.txt").exists()


# --- a process killed in the middle of an import ---------------------------------------------------------


def _env(login_id: str) -> dict[str, str]:
    engine = TotpEngine()
    code = engine.code(demo_otp_secret(login_id), engine.step_at(datetime.now(UTC)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOZEI_")}
    return env | {"NOZEI_USER": login_id, "NOZEI_PASSWORD": DEMO_PASSWORD, "NOZEI_OTP": code}


BIG = 5_000  # records; the kill comes after at least 1,000 (progress every 500)


@pytest.fixture
def big_file(data: Path, tmp_path: Path) -> Iterator[Path]:
    engine = create_engine(f"sqlite:///{data}/nozei.db")
    with engine.connect() as conn:
        periods = conn.execute(text("select notice_no, period from assessments order by id")).all()
    engine.dispose()
    lines = [PAY_HEADER] + [f"KILL-{i:05d},bank,{periods[i % len(periods)][0]},{periods[i % len(periods)][1]},"
                            f"100,2026-11-20,2026-11-20,0001,001\n" for i in range(BIG)]
    yield _write(tmp_path / "big.csv", "".join(lines))


@pytest.mark.slow
class TestKilledMidImport:
    def test_a_killed_import_leaves_nothing_or_everything_and_a_rerun_applies_it_exactly_once(
            self, data: Path, big_file: Path, capsys: pytest.CaptureFixture[str], operator,
            fast_tools: AuthTools) -> None:
        before = _count(data, payments)
        command = [str(ROOT / ".venv" / "bin" / "nozei"), "--data-dir", str(data), "import", "payments", str(big_file)]
        # stderr on a terminal: the command then prints its progress every 500 records, so the kill
        # can be aimed at the open transaction instead of at a guessed moment.
        master, slave = pty.openpty()
        proc = subprocess.Popen(command, env=_env("clerk"), cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        seen, progress = b"", 0
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None and progress < 1_000:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:
                        break
                    numbers = re.findall(rb"\r([0-9,]+)", seen)
                    progress = int(numbers[-1].replace(b",", b"")) if numbers else 0
            assert proc.poll() is None, f"the import ended before it could be killed: {seen!r}"
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
        after_kill = _count(data, payments)
        assert after_kill in (before, before + BIG)
        assert 1_000 <= progress < BIG and after_kill == before  # killed inside the one transaction

        rerun = subprocess.run(command, env=_env("clerk-mn"), cwd=ROOT, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr
        assert f"件数 {BIG:,}（登録 {BIG:,}・重複 0）" in rerun.stdout
        assert _count(data, payments) == before + BIG
        assert _count(data, payments, payments.c.source_key.like("KILL-%")) == BIG

        assert isinstance(fast_tools.clock, FixedClock)
        fast_tools.clock.advance(seconds=600)  # past every OTP step the two processes used
        operator("clerk")
        assert _run(data, "import", "payments", str(big_file)) == 0
        assert f"このファイルは取込済みです（{BIG:,}件）" in capsys.readouterr().out
        assert _count(data, payments) == before + BIG
