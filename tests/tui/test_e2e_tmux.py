"""End to end (issue 7, acceptance 2): the real ``nozei`` process in tmux, driven by keystrokes.

A clerk logs in with password and an OTP computed here, searches by kana, opens the taxpayer,
takes a counter payment, sees the receipt and logs out; the audit log must show every step.
Keys are sent one at a time ~0.15 s apart (faster keystrokes get lost in the terminal), and
each step waits for its screen text. A private tmux server (``-L``) is used and killed at the
end; without tmux the test is skipped. ``NOZEI_E2E_CAPTURES=<dir>`` keeps the pane captures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import Config
from core.services.audit import ReviewQuery
from storage.crypto.totp import TotpEngine
from storage.demo.users import DEMO_PASSWORD, demo_otp_secret
from storage.schema import dunnings, taxpayers

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
NOZEI = Path(sys.executable).parent / "nozei"
KEY_DELAY = 0.15
WIDTH, HEIGHT = 120, 40

if shutil.which("tmux") is None:
    pytest.skip("tmux がインストールされていないため、tmux による端末の通し試験を省略します", allow_module_level=True)


class Tmux:
    """One pane of a private tmux server running ``nozei``."""

    def __init__(self, socket: str, captures: Path | None) -> None:
        self.socket = socket
        self.captures = captures

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {done.stderr}")
        return done.stdout

    def key(self, *names: str) -> None:
        for name in names:
            self.run("send-keys", "-t", "main", name)
            time.sleep(KEY_DELAY)

    def type(self, text: str) -> None:
        for ch in text:
            self.run("send-keys", "-t", "main", "-l", ch)
            time.sleep(KEY_DELAY)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main", check=False)

    def wait_for(self, *texts: str, timeout: float = 20.0, name: str | None = None) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                time.sleep(0.3)  # let the screen finish mounting before the next key
                screen = self.screen()
                if name and self.captures is not None:
                    (self.captures / f"{name}.txt").write_text(screen, "utf-8")
                return screen
            time.sleep(0.2)
        raise AssertionError(f"did not see {texts!r} within {timeout}s; the screen was:\n{screen}")


def _otp(login_id: str) -> str:
    """The current code; waits for a fresh step when the current one is about to expire."""
    engine = TotpEngine()
    if 30 - time.time() % 30 < 6:
        time.sleep(30 - time.time() % 30 + 0.5)
    return engine.code(demo_otp_secret(login_id), engine.step_at(datetime.now(UTC)))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("e2e") / "data"
    subprocess.run([str(NOZEI), "--data-dir", str(data), "demo", "--taxpayers", "60"], check=True,
                   capture_output=True, cwd=ROOT)
    return data


def _debtor(data: Path) -> tuple[str, str]:
    """(atena_no, kana name) of a dunned individual; read straight from the store (not audited)."""
    from tui import compose

    store = compose.open_wired(Config(data_dir=data))
    try:
        with store.reading() as conn:
            rows = conn.execute(select(taxpayers.c.id, taxpayers.c.atena_no).join(dunnings)
                                .where(taxpayers.c.kind == "individual").group_by(taxpayers.c.id)
                                .order_by(taxpayers.c.id)).all()
        with store.uow(readonly=True) as uow:
            for row in rows:
                t = uow.taxpayers.get(int(row.id))
                if t is not None and t.deceased_date is None:
                    return row.atena_no, t.name_kana
    finally:
        store.close()
    raise AssertionError("the demo has no dunned individual")


def _audit(data: Path, user: str, since: datetime) -> list[dict[str, object]]:
    from tui import compose

    store = compose.open_wired(Config(data_dir=data))
    try:
        text, _count = compose.audit_log(store).review(ReviewQuery(user=user, start=since), "json")
    finally:
        store.close()
    return list(json.loads(text))


@pytest.fixture
def tmux(demo: Path) -> Iterator[Tmux]:
    captures = Path(os.environ["NOZEI_E2E_CAPTURES"]) if os.environ.get("NOZEI_E2E_CAPTURES") else None
    if captures is not None:
        captures.mkdir(parents=True, exist_ok=True)
    session = Tmux(f"nozei-e2e-{os.getpid()}", captures)
    # COLUMNS / LINES as pytest may have set them would override the pane's size in Textual.
    env = {"NOZEI_LANG": "ja", "TERM": "xterm-256color", "COLUMNS": str(WIDTH), "LINES": str(HEIGHT)}
    session.run("-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", str(WIDTH), "-y", str(HEIGHT),
                "-c", str(ROOT),
                *[a for k, v in env.items() for a in ("-e", f"{k}={v}")], f"{NOZEI} --data-dir {demo}")
    try:
        yield session
    finally:
        session.run("kill-server", check=False)


def test_a_clerk_takes_a_counter_payment_in_the_real_terminal(demo: Path, tmux: Tmux) -> None:
    started = datetime.now(UTC).replace(microsecond=0)
    atena, kana = _debtor(demo)

    tmux.wait_for("ログインID", "パスワード", name="login")
    tmux.type("clerk")
    tmux.key("Tab")
    tmux.type(DEMO_PASSWORD)
    tmux.key("Enter")
    time.sleep(1.5)  # the password is checked (Argon2) before the code is asked for
    tmux.type(_otp("clerk"))
    tmux.key("Enter")
    tmux.wait_for("利用者: 収納", "照会（納税者の検索）", name="menu")

    tmux.key("F2")
    tmux.wait_for("カナ氏名", "条件を入力して")
    tmux.key("Enter", "Enter")  # 宛名番号 → 通知書番号 → カナ氏名
    tmux.type(kana)
    tmux.key("F5")
    tmux.wait_for(atena, "Enter: 開く", name="search_results")
    tmux.key("Enter")
    tmux.wait_for(f"{atena}　", "基本情報", "調定・収納", name="taxpayer")

    tmux.key("p")
    tmux.wait_for("窓口収納", "Space: 期別を選ぶ")
    tmux.key("a", "F5")
    tmux.wait_for("納付額と預り金を入れて F9", name="counter")
    tmux.key("Enter", "Enter")  # 納付額 (the quoted total) → 預り金 (empty: the same) → 収納
    tmux.wait_for("この内容で収納しますか")
    tmux.key("y")
    receipt = tmux.wait_for("領収証書", "取扱者 clerk", name="receipt")
    assert atena in receipt
    tmux.key("Enter")
    tmux.wait_for("基本情報")

    tmux.key("C-l")
    tmux.wait_for("ログアウトしました")
    tmux.key("C-q")

    events = _audit(demo, "clerk", started)
    actions = [str(e["action"]) for e in events]
    for step in ("login.success", "taxpayer.search", "payment.quote", "payment.counter", "logout"):
        assert step in actions, (step, actions)
    assert {"taxpayer.view", "taxpayer.account"} & set(actions), actions
    order = [actions.index(a) for a in ("login.success", "taxpayer.search", "payment.counter", "logout")]
    assert order == sorted(order) or order == sorted(order, reverse=True), actions  # in the order taken
