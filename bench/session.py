"""Opening a benchmark dataset as the terminal application does, and signing in.

Workloads call services exactly as the screens do: ``SessionServices.run``
checks the session, then runs the service in its own unit of work, with the
audit writer, the JSON-lines mirror and the interval checkpoints wired by the
composition root.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.config import load_config
from core.security.permissions import Actor
from storage.demo.users import DEMO_PASSWORD, DEMO_USERS
from storage.schema import users
from storage.store import Store
from tui import compose

__all__ = ["Bench", "open_bench"]


@dataclass
class Bench:
    """One open dataset: the store, the services the screens use, a signed-in session."""

    store: Store
    services: compose.SessionServices
    session_id: str
    actor: Actor
    data_dir: Path

    def run(self, service, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.services.run(self.session_id, service, *args, **kwargs)

    def close(self) -> None:
        try:
            self.services.logout(self.session_id)
        finally:
            self.store.close()


def _otp_step(store: Store, login_id: str) -> int:
    """The next step this user may sign in with (each step once; t and t+1 are accepted):
    waits when both are used up."""
    tools = compose.auth_tools()
    with store.reading() as conn:
        last = int(conn.execute(select(users.c.otp_last_step).where(users.c.login_id == login_id)).scalar_one())
    while True:  # now or the next step (never the last one: typing the code takes a moment)
        now = tools.otp.step_at(tools.clock.now())
        step = max(now, last + 1)
        if step <= now + 1:
            return step
        time.sleep(1.0)


def sign_in(store: Store, login_id: str) -> tuple[compose.SessionServices, str, Actor]:
    tools = compose.auth_tools()
    services = compose.SessionServices(store, tools, store.config.terminal_id)
    secret = next(u.otp_secret for u in DEMO_USERS if u.login_id == login_id)
    code = tools.otp.code(secret, _otp_step(store, login_id))
    result = services.login(login_id, DEMO_PASSWORD, code)
    return services, result.session_id, result.actor


def open_bench(data_dir: Path, login_id: str) -> Bench:
    config = load_config(data_dir=data_dir)
    store = compose.open_wired(config)
    services, session_id, actor = sign_in(store, login_id)
    return Bench(store, services, session_id, actor, data_dir)
