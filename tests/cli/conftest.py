"""Fixtures for running ``nozei`` in-process as a user would from a shell
(``fast_tools`` is autouse for every command-line test)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.services.auth import AuthTools
from storage.crypto.passwords import FAST_TEST_PARAMETERS, Argon2Hasher
from storage.crypto.totp import TotpEngine
from storage.demo.users import DEMO_PASSWORD, demo_otp_secret
from tui import compose
from tui.cli import main

__all__ = ["fast_tools", "operator", "demo_template", "demo_data", "DEMO_AS_OF"]

DEMO_AS_OF = "2026-11-22"


def _tools() -> AuthTools:
    return AuthTools(hasher=Argon2Hasher(**FAST_TEST_PARAMETERS), otp=TotpEngine(),
                     clock=FixedClock(datetime.now(UTC)))


@pytest.fixture(autouse=True)
def fast_tools(monkeypatch: pytest.MonkeyPatch) -> AuthTools:
    """Cheap argon2 and a clock the test moves, so each run gets a fresh OTP step."""
    tools = _tools()
    monkeypatch.setattr(compose, "auth_tools", lambda: tools)
    return tools


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch, fast_tools: AuthTools) -> Callable[..., None]:
    """``operator("clerk")`` puts that demo user's credentials and a fresh code in the environment."""

    def use(login_id: str, password: str = DEMO_PASSWORD, secret: str | None = None) -> None:
        clock = fast_tools.clock
        assert isinstance(clock, FixedClock)
        clock.advance(seconds=31)
        code = fast_tools.otp.code(secret or demo_otp_secret(login_id), fast_tools.otp.step_at(clock.now()))
        monkeypatch.setenv("NOZEI_USER", login_id)
        monkeypatch.setenv("NOZEI_PASSWORD", password)
        monkeypatch.setenv("NOZEI_OTP", code)

    return use


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small demo per module (built with the cheap hasher); tests work on copies."""
    data = tmp_path_factory.mktemp("template") / "var"
    tools = _tools()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compose, "auth_tools", lambda: tools)
        assert main(["demo", "--data-dir", str(data), "--taxpayers", "30", "--as-of", DEMO_AS_OF]) == 0
    return data


@pytest.fixture
def demo_data(demo_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    copy = tmp_path / "var"
    shutil.copytree(demo_template, copy)
    capsys.readouterr()
    return copy
