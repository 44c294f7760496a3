"""Password rules (SPEC §5.2): 12–128 characters, any characters, NFKC, not common,
not the login id or the name, no composition rules. History is checked by the
login service against stored hashes."""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import cache
from pathlib import Path

from core.errors import ValidationError

__all__ = ["MIN_LENGTH", "MAX_LENGTH", "normalize_password", "check_password", "generate_password"]

MIN_LENGTH = 12
MAX_LENGTH = 128
_LIST = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
_DECORATION = re.compile(r"[\d\W_]+")


@cache
def _common() -> frozenset[str]:
    lines = _LIST.read_text("utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def normalize_password(password: str) -> str:
    """NFKC, so that full-width and half-width typing give the same password."""
    return unicodedata.normalize("NFKC", password)


def _core(text: str) -> str:
    """The password without leading/trailing digits and punctuation ("Password123!" → "password")."""
    return _DECORATION.sub("", text.lower()) or text.lower()


def check_password(password: str, *, login_id: str, display_name: str = "") -> str:
    """Return the normalised password, or raise :class:`ValidationError` saying why."""
    pw = normalize_password(password)
    if len(pw) < MIN_LENGTH:
        raise ValidationError(f"パスワードは{MIN_LENGTH}文字以上にしてください", field="password")
    if len(pw) > MAX_LENGTH:
        raise ValidationError(f"パスワードは{MAX_LENGTH}文字以下にしてください", field="password")
    lowered = pw.lower()
    common = _common()
    stripped = lowered.strip(" !?.,-_#*0123456789")
    if lowered in common or stripped in common or _core(lowered) in common:
        raise ValidationError("よく使われるパスワードは使えません", field="password")
    if len(set(lowered)) <= 2:
        raise ValidationError("同じ文字の繰り返しは使えません", field="password")
    identity = {normalize_password(login_id).lower()}
    name = normalize_password(display_name).lower()
    identity |= {name, name.replace(" ", "").replace("\u3000", "")} - {""}
    for part in identity:
        if len(part) >= 3 and (part in lowered or lowered in part or _core(lowered) == _core(part)):
            raise ValidationError("ログインIDや氏名を含むパスワードは使えません", field="password")
    return pw


def generate_password(length: int = 16) -> str:
    """A one-time password for a new user or a reset (easy to read aloud: no 0/O/1/l)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))
