"""Runs the real ``nozei`` command line as a separate process for the crash and
concurrency harnesses.

Only the login tools differ from production: the login clock is
``NOZEI_TEST_CLOCK`` (seconds since the epoch), so every run can sign in with a
fresh one-time code (a code is accepted once per user and 30-second step), and
argon2 uses the cheap test parameters. ``NOZEI_USER`` must be a demo user; the
code is computed from its demo secret.

    python -m tests.reliability.nozei_proc --data-dir DIR import payments FILE
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime


def main() -> int:
    from core.clock import FixedClock
    from core.services.auth import AuthTools
    from storage.crypto.passwords import FAST_TEST_PARAMETERS, Argon2Hasher
    from storage.crypto.totp import TotpEngine
    from storage.demo.users import demo_otp_secret
    from tui import compose
    from tui.cli import main as nozei

    now = datetime.fromtimestamp(float(os.environ["NOZEI_TEST_CLOCK"]), UTC)
    tools = AuthTools(hasher=Argon2Hasher(**FAST_TEST_PARAMETERS), otp=TotpEngine(), clock=FixedClock(now))
    compose.auth_tools = lambda: tools  # type: ignore[assignment]
    user = os.environ.get("NOZEI_USER")
    if user:
        os.environ["NOZEI_OTP"] = tools.otp.code(demo_otp_secret(user), tools.otp.step_at(now))
    return nozei(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
