"""Message catalogs. Source strings are Japanese (the default UI language);
``locale/en/LC_MESSAGES/nozei.po`` translates every one of them (a test keeps it
complete). Catalogs are read from the ``.po`` text directly, so nothing
compiled has to be shipped or built.
"""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path

__all__ = ["_", "set_language", "current_language", "read_po", "LOCALE_DIR", "N_"]

LOCALE_DIR = Path(__file__).parent / "locale"
_language = os.environ.get("NOZEI_LANG", "ja")


def read_po(path: Path) -> dict[str, str]:
    """Parse the msgid/msgstr pairs of a .po file (no plurals, no contexts)."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def close() -> None:
        if msgid is not None and msgstr is not None and "".join(msgid):
            entries["".join(msgid)] = "".join(msgstr)

    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            close()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [ast.literal_eval(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    close()
    return entries


@cache
def _catalog(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "nozei.po"
    return read_po(path) if path.exists() else {}


def set_language(language: str) -> None:
    global _language
    _language = language if language in ("ja", "en") else "ja"


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` (Japanese source) into the current language."""
    if _language == "ja":
        return message
    return _catalog(_language).get(message) or message


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it yet (tables of labels)."""
    return message
