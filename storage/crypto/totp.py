"""RFC 6238 TOTP through ``cryptography`` (SHA-1, 6 digits, 30-second steps)."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from urllib.parse import quote

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

__all__ = ["TotpEngine", "STEP_SECONDS", "DIGITS"]

STEP_SECONDS = 30
DIGITS = 6


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


class TotpEngine:
    """Implements :class:`core.ports.OtpEngine`."""

    def new_secret(self) -> str:
        return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")

    def step_at(self, when: datetime) -> int:
        return int(when.timestamp()) // STEP_SECONDS

    def code(self, secret: str, step: int) -> str:
        totp = TOTP(_key(secret), DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=False)
        return totp.generate(step * STEP_SECONDS).decode("ascii")

    def uri(self, secret: str, account: str, issuer: str) -> str:
        label = quote(f"{issuer}:{account}")
        return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"
                f"&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}")
