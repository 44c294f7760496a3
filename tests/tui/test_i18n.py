"""The English catalog stays complete; the Japanese source strings are the default."""

from __future__ import annotations

import ast
from pathlib import Path

from tui import i18n

TUI = Path(__file__).resolve().parents[2] / "tui"


def _messages() -> set[str]:
    found: set[str] = set()
    for path in TUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


class TestCatalogs:
    def test_every_message_in_the_tui_has_an_english_translation(self) -> None:
        catalog = i18n.read_po(i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "nozei.po")
        missing = sorted(m for m in _messages() if not catalog.get(m))
        assert missing == []

    def test_the_catalog_holds_no_stale_entries(self) -> None:
        catalog = i18n.read_po(i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "nozei.po")
        assert sorted(set(catalog) - _messages()) == []

    def test_english_is_used_when_chosen_and_japanese_by_default(self) -> None:
        try:
            i18n.set_language("en")
            assert i18n._("終了") == "Quit"
            i18n.set_language("ja")
            assert i18n._("終了") == "終了"
        finally:
            i18n.set_language("ja")

    def test_an_unknown_language_falls_back_to_japanese(self) -> None:
        try:
            i18n.set_language("xx")
            assert i18n.current_language() == "ja"
        finally:
            i18n.set_language("ja")

    def test_placeholders_survive_translation(self) -> None:
        catalog = i18n.read_po(i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "nozei.po")
        for source, target in catalog.items():
            assert sorted(part.split("}")[0] for part in source.split("{")[1:]) == \
                sorted(part.split("}")[0] for part in target.split("{")[1:]), source
