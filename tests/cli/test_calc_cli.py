"""``nozei calc entaikin`` / ``calc kasankin``: the clerk's 延滞金 and 還付加算金 calculators (SPEC §4.3, §4.6), run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main
from tui.i18n import set_language


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """No configuration, data directory or language from the surroundings."""
    for name in ("NOZEI_CONFIG", "NOZEI_DATA_DIR", "NOZEI_LANG", "NOZEI_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield
    set_language("ja")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["calc", "entaikin", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class TestJson:
    def test_the_shape_is_entaikin_and_segments_with_rates_as_strings(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 326条②: 400,000 paid 08-15 → base 600,000 from 08-16 (worked in tests/core/test_entaikin.py): 12,100
        code, out, _ = run(capsys, "--amount", "1,000,000", "--due", "2025-06-30", "--paid", "R7.9.30",
                           "--payment", "2025-08-15:400,000", "--json")
        assert code == 0
        assert json.loads(out) == {
            "entaikin": 12100,
            "segments": [
                {"from": "2025-07-01", "to": "2025-07-31", "days": 31, "base": 1000000, "rate": "2.4", "amount": 2038},
                {"from": "2025-08-01", "to": "2025-08-15", "days": 15, "base": 1000000, "rate": "8.7", "amount": 3575},
                {"from": "2025-08-16", "to": "2025-09-30", "days": 46, "base": 600000, "rate": "8.7", "amount": 6578},
            ],
        }

    def test_paid_on_the_due_date_gives_zero_and_no_segments(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--amount", "500000", "--due", "2025-06-30", "--paid", "2025-06-30", "--json")
        assert code == 0 and json.loads(out) == {"entaikin": 0, "segments": []}

    def test_the_long_delinquency_example(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--amount", "500000", "--due", "令和4年5月31日", "--paid", "20261120", "--json")
        data = json.loads(out)
        assert code == 0 and data["entaikin"] == 193_900 and len(data["segments"]) == 6
        assert [s["rate"] for s in data["segments"]] == ["2.4", "8.7", "8.7", "8.7", "8.7", "9.1"]


class TestHumanOutput:
    def test_every_segment_is_a_row_with_wareki_dates(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--amount", "1,000,000", "--due", "R7.4.30", "--paid", "2025-12-31",
                           "--payment", "2025-05-20:300000", "--payment", "R7.7.10:300,000",
                           "--payment", "20250930:250,500")
        assert code == 0
        for header in ("期間", "日数", "基礎額", "割合", "金額"):
            assert header in out
        lines = out.splitlines()
        row = next(line for line in lines if line.strip().startswith("R7.10.1〜R7.12.31"))
        assert row.split()[1:] == ["92", "149,000円", "8.7%", "3,267円"]
        assert "R7.5.1〜R7.5.20" in out and "1,315円" in out
        assert "一部納付: R7.9.30 250,500円" in out
        assert "各期間の合計: 19,579円" in out and lines[-1] == "延滞金（総額）: 19,500円"

    def test_under_1000_says_why_it_is_zero(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 203 + 738 = 941 → 0 (20条の4の2⑤)
        code, out, _ = run(capsys, "--amount", "100000", "--due", "2025-06-30", "--paid", "2025-08-31")
        assert code == 0 and "延滞金（総額）: 0円" in out and "1,000円未満" in out

    def test_a_base_under_2000_shows_no_period(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--amount", "1,999", "--due", "2025-06-30", "--paid", "2026-06-30")
        assert code == 0 and "延滞金が生じる期間はありません" in out and "延滞金（総額）: 0円" in out

    def test_full_width_amounts_and_the_yen_sign_are_accepted(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--amount", "１，０００，０００円", "--due", "2025-06-30", "--paid", "2025-08-01")
        assert code == 0 and "延滞金（総額）: 2,200円" in out

    def test_english_when_chosen(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NOZEI_LANG", "en")
        code, out, _ = run(capsys, "--amount", "1000000", "--due", "2025-06-30", "--paid", "2025-08-01")
        assert code == 0 and "Late-payment charge (total): 2,200円" in out

    def test_no_database_or_data_directory_is_touched(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        run(capsys, "--amount", "1000000", "--due", "2025-06-30", "--paid", "2025-08-01")
        assert list(tmp_path.iterdir()) == []


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "fragment"),
        [
            (["--amount", "1.5", "--due", "2025-06-30", "--paid", "2025-08-01"], "--amount の金額は0以上の整数"),
            (["--amount", "-5", "--due", "2025-06-30", "--paid", "2025-08-01"], "--amount の金額は0以上の整数"),
            (["--amount", "1,00", "--due", "2025-06-30", "--paid", "2025-08-01"], "--amount の金額"),
            (["--amount", "1000", "--due", "2025-02-30", "--paid", "2025-08-01"], "--due の日付が正しくありません"),
            (["--amount", "1000", "--due", "2025-06-30", "--paid", "あした"], "--paid の日付が正しくありません"),
            (["--amount", "1000", "--due", "2025-06-30", "--paid", "2025-05-01"], "納付日（2025-05-01）が納期限"),
            (["--amount", "1000", "--due", "2025-06-30", "--paid", "2025-08-01", "--payment", "2025-07-01"],
             "--payment は 日付:金額"),
            (["--amount", "1000", "--due", "2025-06-30", "--paid", "2025-08-01", "--payment", "2025-06-01:10"],
             "納期限の翌日から納付日まで"),
            (["--amount", "1000", "--due", "2025-06-30", "--paid", "2025-08-01", "--payment", "2025-07-01:2,000"],
             "一部納付の合計"),
            (["--amount", "1000000", "--due", "2026-11-30", "--paid", "2027-01-10"], "2027年"),
        ],
    )
    def test_bad_input_exits_2_with_a_japanese_message(self, capsys: pytest.CaptureFixture[str], args: list[str],
                                                       fragment: str) -> None:
        code, out, err = run(capsys, *args)
        assert code == 2 and out == ""
        assert err.startswith("nozei: ") and fragment in err

    def test_a_missing_flag_is_an_argparse_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as caught:
            main(["calc", "entaikin", "--amount", "1000", "--due", "2025-06-30"])
        assert caught.value.code == 2 and "--paid" in capsys.readouterr().err


# ---- nozei calc kasankin (SPEC §4.6, 地方税法17条の4) -------------------------------------------------

def run_kasankin(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["calc", "kasankin", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class TestKasankinJson:
    def test_the_shape_is_kasankin_start_end_and_segments_with_rates_as_strings(
            self, capsys: pytest.CaptureFixture[str]) -> None:
        # 誤納 09-30 → start 11-01 (worked in tests/core/test_kasankin.py): 1,504 + 3,205 = 4,709 → 4,700
        code, out, _ = run_kasankin(capsys, "--amount", "1,000,000", "--cause", "gono", "--paid", "R7.9.30",
                                    "--decided", "2026-03-31", "--json")
        assert code == 0
        assert json.loads(out) == {
            "kasankin": 4700,
            "start": "2025-11-01",
            "end": "2026-03-31",
            "segments": [
                {"from": "2025-11-01", "to": "2025-12-31", "days": 61, "base": 1000000, "rate": "0.9", "amount": 1504},
                {"from": "2026-01-01", "to": "2026-03-31", "days": 90, "base": 1000000, "rate": "1.3", "amount": 3205},
            ],
        }

    def test_seikyu_starts_on_the_earlier_branch(self, capsys: pytest.CaptureFixture[str]) -> None:
        # request 04-10 → 07-10, correction 05-15 → 06-15: start 06-16; 06-16..09-30 107 d
        # 9,000 × 107/365 = 963,000/365 = 2,638.35 ↓ 2,638 → 2,600
        code, out, _ = run_kasankin(capsys, "--amount", "1000000", "--cause", "seikyu", "--paid", "2025-03-01",
                                    "--request", "2025-04-10", "--correction", "2025-05-15",
                                    "--decided", "2025-09-30", "--json")
        data = json.loads(out)
        assert code == 0 and data["start"] == "2025-06-16" and data["kasankin"] == 2600
        assert [s["days"] for s in data["segments"]] == [107]

    def test_the_end_before_the_start_gives_zero_and_no_segments(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run_kasankin(capsys, "--amount", "500000", "--cause", "double", "--paid", "2025-05-10",
                                    "--decided", "2025-06-05", "--json")
        assert code == 0
        assert json.loads(out) == {"kasankin": 0, "start": "2025-06-11", "end": "2025-06-05", "segments": []}


class TestKasankinHumanOutput:
    def test_start_end_excluded_days_every_segment_and_the_total(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 17条の4②: notified 08-01, claimed 09-15 → 08-31..09-15 excluded; 1,134 + 2,638 = 3,772 → 3,700
        code, out, _ = run_kasankin(capsys, "--amount", "1,000,000", "--cause", "gengaku", "--paid", "R7.7.15",
                                    "--due", "2025-06-30", "--notified", "2025-08-01", "--claimed", "2025-09-15",
                                    "--decided", "2025-12-31")
        assert code == 0
        for header in ("期間", "日数", "基礎額", "割合", "金額"):
            assert header in out
        lines = out.splitlines()
        assert lines[0] == "還付加算金の計算（地方税法17条の4）" and "原因: 減額更正（gengaku）" in out
        assert "起算日: R7.7.16" in out and "R7.12.31" in out
        assert "除外期間（地方税法17条の4②）: R7.8.31〜R7.9.15" in out
        row = next(line for line in lines if line.strip().startswith("R7.9.16〜R7.12.31"))
        assert row.split()[1:] == ["107", "1,000,000円", "0.9%", "2,638円"]
        assert "R7.7.16〜R7.8.30" in out and "1,134円" in out
        assert "各期間の合計: 3,772円" in out and lines[-1] == "還付加算金（総額）: 3,700円"

    def test_under_1000_says_why_it_is_zero(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 100,000: 900 × 184/365 = 453.69 ↓ 453 → 0 (20条の4の2⑤)
        code, out, _ = run_kasankin(capsys, "--amount", "100000", "--cause", "gengaku", "--paid", "2025-06-30",
                                    "--decided", "2025-12-31")
        assert code == 0 and "還付加算金（総額）: 0円" in out and "1,000円未満" in out

    def test_a_base_under_2000_shows_no_period(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run_kasankin(capsys, "--amount", "1,999", "--cause", "gono", "--paid", "2025-01-10",
                                    "--decided", "2026-06-30")
        assert code == 0 and "還付加算金が生じる期間はありません" in out and "還付加算金（総額）: 0円" in out

    def test_full_width_input_is_accepted(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 07-01..12-31 184 d: 4,536 → 4,500
        code, out, _ = run_kasankin(capsys, "--amount", "１，０００，０００円", "--cause", "ｇｅｎｇａｋｕ",
                                    "--paid", "2025-06-20", "--due", "令和7年6月30日", "--decided", "2025-12-31")
        assert code == 0 and "還付加算金（総額）: 4,500円" in out

    def test_english_when_chosen(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NOZEI_LANG", "en")
        code, out, _ = run_kasankin(capsys, "--amount", "1000000", "--cause", "gengaku", "--paid", "2025-06-20",
                                    "--due", "2025-06-30", "--decided", "2025-12-31")
        assert code == 0 and "Refund interest (total): 4,500円" in out and "Reduced assessment" in out

    def test_no_database_or_data_directory_is_touched(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        run_kasankin(capsys, "--amount", "1000000", "--cause", "gono", "--paid", "2025-05-10",
                     "--decided", "2025-08-20")
        assert list(tmp_path.iterdir()) == []


class TestKasankinBadInput:
    @pytest.mark.parametrize(
        ("args", "fragment"),
        [
            (["--amount", "1.5", "--cause", "gono", "--paid", "2025-05-10", "--decided", "2025-08-20"],
             "--amount の金額は0以上の整数"),
            (["--amount", "1000", "--cause", "refund", "--paid", "2025-05-10", "--decided", "2025-08-20"],
             "還付の原因が正しくありません"),
            (["--amount", "1000", "--cause", "gono", "--paid", "2025-02-30", "--decided", "2025-08-20"],
             "--paid の日付が正しくありません"),
            (["--amount", "1000", "--cause", "gono", "--paid", "2025-05-10", "--decided", "あした"],
             "--decided の日付が正しくありません"),
            (["--amount", "1000", "--cause", "seikyu", "--paid", "2025-05-10", "--decided", "2025-08-20"],
             "更正の請求日が必要"),
            (["--amount", "1000", "--cause", "seikyu", "--paid", "2025-05-10", "--request", "2025-05-20",
              "--decided", "2025-08-20"], "更正日が必要"),
            (["--amount", "1000", "--cause", "gono", "--paid", "2025-05-10", "--due", "2025-05-31",
              "--decided", "2025-08-20"], "納期限は減額更正・賦課決定の取消のときだけ"),
            (["--amount", "1000", "--cause", "gono", "--paid", "2025-05-10", "--notified", "2025-06-01",
              "--decided", "2025-08-20"], "通知日と還付請求日は両方"),
            (["--amount", "1000000", "--cause", "gengaku", "--paid", "2026-11-30", "--decided", "2027-01-10"],
             "2027年"),
        ],
    )
    def test_bad_input_exits_2_with_a_japanese_message(self, capsys: pytest.CaptureFixture[str], args: list[str],
                                                       fragment: str) -> None:
        code, out, err = run_kasankin(capsys, *args)
        assert code == 2 and out == ""
        assert err.startswith("nozei: ") and fragment in err

    def test_a_missing_flag_is_an_argparse_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as caught:
            main(["calc", "kasankin", "--amount", "1000", "--cause", "gono", "--paid", "2025-05-10"])
        assert caught.value.code == 2 and "--decided" in capsys.readouterr().err
