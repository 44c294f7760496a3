"""Authenticating the operator of an administrative command (password + OTP).

Prompted on the terminal, or taken from ``NOZEI_USER`` / ``NOZEI_PASSWORD`` /
``NOZEI_OTP`` for scripted runs. Every run opens a session and logs out at the end.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from core.config import Config
from core.errors import NozeiError
from core.security.permissions import Actor
from core.services.auth import AuthTools, authenticate, check_session, logout
from storage.store import Store
from tui import compose
from tui.i18n import _

__all__ = ["operator_session", "client_address", "ask"]


def client_address() -> str | None:
    return os.environ.get("SSH_CLIENT", "").split(" ")[0] or None


def ask(env: str, prompt: str, *, secret: bool) -> str:
    """The value from ``env``, or typed at the terminal; never waits on a non-terminal."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise NozeiError(_("端末から入力できません。環境変数 {env} を設定してください").format(env=env))
    return getpass.getpass(prompt) if secret else input(prompt)


@contextmanager
def operator_session(store: Store, config: Config, tools: AuthTools) -> Iterator[Actor]:
    login_id = ask("NOZEI_USER", _("ログインID: "), secret=False).strip()
    password = ask("NOZEI_PASSWORD", _("パスワード: "), secret=True)
    otp = ask("NOZEI_OTP", _("確認コード（6桁）: "), secret=True)
    result = authenticate(store.uow(), tools, login_id=login_id, password=password, otp_code=otp,
                          terminal_id=config.terminal_id, client_address=client_address())
    try:
        if result.must_change_password:
            raise NozeiError(_("パスワードの変更が必要です。`nozei passwd` で変更してください"))
        yield check_session(store.uow(), tools, result.session_id)
    finally:
        logout(store.uow(), tools, result.session_id)
        compose.checkpoint(store, "logout")
