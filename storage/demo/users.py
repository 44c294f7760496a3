"""Demo staff: one user per default role, with documented passwords and OTP secrets.

These credentials exist only in demo databases (``nozei demo``); they are
printed by the command and listed in the README.
"""

from __future__ import annotations

import base64
import hashlib

from core.services.admin import SeedUser

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "demo_otp_secret"]

DEMO_PASSWORD = "nozei-demo-2026"


def demo_otp_secret(login_id: str) -> str:
    digest = hashlib.sha1(f"nozei-demo-otp:{login_id}".encode()).digest()
    return base64.b32encode(digest).decode("ascii")


_SPECS = [
    ("admin", "管理　太郎", ("admin",)),
    ("admin2", "管理　次郎", ("admin",)),  # the second administrator, for maker–checker
    ("auditor", "監査　花子", ("auditor",)),
    ("inquiry", "照会　次郎", ("inquiry",)),
    ("clerk", "収納　一郎", ("collection",)),
    ("clerk-mn", "番号　桜", ("collection", "mynumber")),
    ("refund", "還付　三郎", ("refund",)),
    ("approver", "決裁　美咲", ("refund_approver",)),
    ("officer", "滞納　健太", ("delinquency",)),
    ("officer2", "滞納　誠", ("delinquency",)),  # the second officer: cases are shared between the two
    ("supervisor", "統括　由美", ("delinquency_supervisor",)),
    ("cert", "証明　翔", ("certificate",)),
]

DEMO_USERS: list[SeedUser] = [
    SeedUser(login, name, roles, DEMO_PASSWORD, demo_otp_secret(login)) for login, name, roles in _SPECS
]
