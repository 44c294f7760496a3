"""My Number (個人番号) and corporate number (法人番号) check digits (SPEC §4.1).

Neither check detects every single-digit error: a My Number whose weighted
remainder moves between 0 and 1 keeps check digit 0, and a corporate number
with a 0↔9 substitution keeps its sum modulo 9.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import ValidationError

__all__ = [
    "IdentifierError",
    "corporate_number_check_digit",
    "is_valid_corporate_number",
    "is_valid_my_number",
    "make_corporate_number",
    "make_my_number",
    "mask_my_number",
    "my_number_check_digit",
    "normalize_corporate_number",
    "normalize_my_number",
]

_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc]+")


class IdentifierError(ValidationError):
    """An identifier of the wrong form or with a wrong check digit (a ``ValueError``)."""


def _digits_from_right(digits: str, length: int, message: str) -> list[int]:
    if not isinstance(digits, str) or not re.fullmatch(rf"[0-9]{{{length}}}", digits):
        raise IdentifierError(message)
    return [int(c) for c in reversed(digits)]


def _clean(text: str) -> str:
    """NFKC, then drop whitespace and hyphen-like separators."""
    if not isinstance(text, str):
        return ""
    return _SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", text))


# --- My Number ----------------------------------------------------------------


def my_number_check_digit(first11: str) -> int:
    """Check digit for the first 11 digits (番号法施行令8条).

    P_n is the n-th digit from the right, Q_n = n+1 (n ≤ 6) or n−5 (n ≥ 7);
    r = Σ P_n·Q_n mod 11; the check digit is 0 if r ≤ 1, else 11 − r.
    """
    digits = _digits_from_right(first11, 11, "個人番号の本体は11桁の数字です")
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    r = total % 11
    return 0 if r <= 1 else 11 - r


def normalize_my_number(text: str) -> str:
    """Return the 12 ASCII digits of a My Number, or raise :class:`IdentifierError`.

    Full-width digits, spaces and hyphens are accepted.
    """
    cleaned = _clean(text)
    if not re.fullmatch(r"[0-9]{12}", cleaned):
        raise IdentifierError("個人番号は12桁の数字です", field="my_number")
    if my_number_check_digit(cleaned[:11]) != int(cleaned[11]):
        raise IdentifierError("個人番号の検査用数字が一致しません", field="my_number")
    return cleaned


def is_valid_my_number(text: str) -> bool:
    """True if *text* is a My Number of the right form with the right check digit."""
    try:
        normalize_my_number(text)
    except IdentifierError:
        return False
    return True


def make_my_number(first11: str) -> str:
    """Append the check digit to 11 digits (for generated demo data)."""
    return f"{first11}{my_number_check_digit(first11)}"


def mask_my_number(text: str) -> str:
    """``****-****-1234``: only the last four digits are shown.

    The check digit is not verified (stored legacy data may be wrong), but the
    input must be 12 digits.
    """
    cleaned = _clean(text)
    if not re.fullmatch(r"[0-9]{12}", cleaned):
        raise IdentifierError("個人番号は12桁の数字です", field="my_number")
    return f"****-****-{cleaned[-4:]}"


# --- corporate number -------------------------------------------------------------


def corporate_number_check_digit(base12: str) -> int:
    """Check digit (the first digit) for a 12-digit corporate number base.

    P_n is the n-th digit from the right, Q_n = 1 for odd n and 2 for even n;
    the check digit is 9 − (Σ P_n·Q_n mod 9).
    """
    digits = _digits_from_right(base12, 12, "法人番号の本体は12桁の数字です")
    total = sum(p * (1 if n % 2 else 2) for n, p in enumerate(digits, start=1))
    return 9 - total % 9


def normalize_corporate_number(text: str) -> str:
    """Return the 13 ASCII digits of a corporate number, or raise :class:`IdentifierError`."""
    cleaned = _clean(text)
    if not re.fullmatch(r"[0-9]{13}", cleaned):
        raise IdentifierError("法人番号は13桁の数字です", field="corporate_number")
    if corporate_number_check_digit(cleaned[1:]) != int(cleaned[0]):
        raise IdentifierError("法人番号の検査用数字が一致しません", field="corporate_number")
    return cleaned


def is_valid_corporate_number(text: str) -> bool:
    """True if *text* is a corporate number of the right form and check digit."""
    try:
        normalize_corporate_number(text)
    except IdentifierError:
        return False
    return True


def make_corporate_number(base12: str) -> str:
    """Prepend the check digit to a 12-digit base (for generated demo data)."""
    return f"{corporate_number_check_digit(base12)}{base12}"
