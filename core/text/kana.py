"""Kana normalisation: search keys, input checks and 全銀 half-width kana (SPEC §4.1).

A taxpayer's kana name reaches the system typed in hiragana or katakana, with
or without spaces, and back from banks as upper-case half-width katakana
without small letters. :func:`kana_search_key` maps all of those onto one key
so that matching survives the round trip.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "BANK_KANA_CHARS",
    "digits_only",
    "is_bank_kana",
    "is_kana_name",
    "kana_search_key",
    "split_kana_name",
    "to_bank_halfwidth_kana",
    "to_katakana",
]

# --- character tables -------------------------------------------------------

_COMBINING_DAKUTEN = "\u3099"
_COMBINING_HANDAKUTEN = "\u309a"

# Spacing voiced marks ゛゜ decompose under NFKC to "space + combining mark",
# which would stop them composing with the preceding kana; use the combining
# marks directly instead.
_SPACING_MARKS = str.maketrans({"\u309b": _COMBINING_DAKUTEN, "\u309c": _COMBINING_HANDAKUTEN})

# Hiragana ぁ..ゖ and the iteration marks ゝゞ sit 0x60 below their katakana.
_HIRAGANA_TO_KATAKANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)}
_HIRAGANA_TO_KATAKANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})

_SMALL_TO_LARGE = str.maketrans(
    "ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロ",
)

# Obsolete kana, read as their modern equivalents (ヰ=イ, ヷ=ヴァ → ヴア ...).
_LEGACY = str.maketrans(
    {"ヰ": "イ", "ヱ": "エ", "ヷ": "ヴア", "ヸ": "ヴイ", "ヹ": "ヴエ", "ヺ": "ヴオ"}
)

# Katakana, including ー and the iteration marks (after hiragana conversion).
_KANA_CLASS = "\u30a1-\u30fa\u30fc-\u30fe\u31f0-\u31ff"
_HIRAGANA_CLASS = "\u3041-\u3096\u309d\u309e"

# Dash and wave characters that stand for ー between kana (after NFKC, so
# ｰ is already ー, － is '-', ～ is '~').
_LONG_VOWEL_VARIANTS = "\\-~\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\u301c\u3030"
_LONG_VOWEL_RE = re.compile(
    f"(?<=[{_KANA_CLASS}])[{_LONG_VOWEL_VARIANTS}]+(?=[{_KANA_CLASS}]|$)"
)
_SPACES_AND_DOTS_RE = re.compile(r"[\s\u30fb]+")
_KANA_LETTER_CLASS = "\u30a1-\u30fa\u30fd\u30fe\u31f0-\u31ff" + _HIRAGANA_CLASS
_KANA_NAME_CHAR = f"[{_KANA_LETTER_CLASS}\u30fc \u30fb]"
_KANA_NAME_RE = re.compile(f"{_KANA_NAME_CHAR}*[{_KANA_LETTER_CLASS}]{_KANA_NAME_CHAR}*")
_NAME_SEPARATORS = " \u3000"

# Full-width → half-width katakana, derived from the half-width block itself.
_TO_HALFWIDTH: dict[str, str] = {}
for _cp in range(0xFF61, 0xFFA0):
    _hw = chr(_cp)
    _fw = unicodedata.normalize("NFKC", _hw)
    if len(_fw) == 1:
        _TO_HALFWIDTH.setdefault(_fw, _hw)
_TO_HALFWIDTH[_COMBINING_DAKUTEN] = "\uff9e"
_TO_HALFWIDTH[_COMBINING_HANDAKUTEN] = "\uff9f"
_TO_HALFWIDTH["\u30fb"] = " "  # ・ has no place in bank files; a space keeps words apart
del _cp, _hw, _fw

#: Characters allowed in names in 全銀協 fixed-length files (JIS X 0201 subset).
BANK_KANA_CHARS: frozenset[str] = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ()-./\\,"
    + "".join(chr(cp) for cp in range(0xFF66, 0xFFA0) if not 0xFF67 <= cp <= 0xFF6F)
    + "\uff62\uff63"  # ｢ ｣
)


# --- helpers ------------------------------------------------------------------


def _nfkc(text: str) -> str:
    """NFKC that also lets ゛゜ combine with the preceding kana."""
    return unicodedata.normalize("NFKC", text.translate(_SPACING_MARKS))


def to_katakana(text: str) -> str:
    """Convert hiragana (including ゔ, ゕ, ゖ, ゝ, ゞ) to katakana; leave the rest."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


def _fold_kana(text: str) -> str:
    """Katakana, large letters, composed voiced marks, modern kana."""
    text = to_katakana(text).translate(_SMALL_TO_LARGE)
    return unicodedata.normalize("NFC", text).translate(_LEGACY)


# --- public API -----------------------------------------------------------------


def kana_search_key(text: str) -> str:
    """Return the key under which kana names are compared (SPEC §4.1).

    NFKC (half-width → full-width), spaces and ・ removed, hiragana → katakana,
    small kana → large, ヴ kept, dash/wave variants between kana (or after
    kana at the end) → ー, latin upper-cased. Idempotent.
    """
    text = _SPACES_AND_DOTS_RE.sub("", _nfkc(text))
    text = _fold_kana(text)
    text = _LONG_VOWEL_RE.sub(lambda m: "ー" * len(m.group()), text)
    return "".join(_upper(c) for c in text)


def _upper(char: str) -> str:
    """Upper-case one character when that yields one NFKC-stable character."""
    up = char.upper()
    if len(up) == 1 and unicodedata.normalize("NFKC", up) == up:
        return up
    return char


def is_kana_name(text: str) -> bool:
    """True if, after NFKC, *text* is only kana, ー, spaces and ・ (with some kana)."""
    return _KANA_NAME_RE.fullmatch(_nfkc(text)) is not None


def split_kana_name(text: str) -> tuple[str, str]:
    """Split "ヤマダ　タロウ" at the first (full-width or ASCII) space.

    Returns the raw (surname, given name); without a space, (whole, "").
    """
    text = text.strip(_NAME_SEPARATORS)
    for index, char in enumerate(text):
        if char in _NAME_SEPARATORS:
            return text[:index], text[index + 1 :].strip(_NAME_SEPARATORS)
    return text, ""


def digits_only(text: str) -> str:
    """NFKC, then keep only the ASCII digits 0-9 ("０３−１２３４" → "031234")."""
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))


def to_bank_halfwidth_kana(text: str, *, strict: bool = False) -> str:
    """Convert to the half-width katakana used in 全銀 files.

    Upper case, small kana → large, voiced marks as separate ﾞ ﾟ, long vowel
    → ｰ, full-width space → ASCII space, ・ → space. Characters with no
    half-width form are kept, or with ``strict=True`` raise ``ValueError``.
    """
    text = _fold_kana(_nfkc(text))
    text = _LONG_VOWEL_RE.sub(lambda m: "ー" * len(m.group()), text)
    text = re.sub(r"\s", " ", text)
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        out.append(_TO_HALFWIDTH.get(char) or _upper(char))
    result = unicodedata.normalize("NFC", "".join(out))
    if strict and not is_bank_kana(result):
        bad = sorted({c for c in result if c not in BANK_KANA_CHARS})
        raise ValueError(f"全銀ファイルで使用できない文字があります: {''.join(bad)}")
    return result


def is_bank_kana(text: str) -> bool:
    """True if every character of *text* is allowed in a 全銀 file name field."""
    return all(char in BANK_KANA_CHARS for char in text)
