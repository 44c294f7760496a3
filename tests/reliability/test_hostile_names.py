"""Hostile names: stored faithfully, shown neutralised, never written raw into the JSON log.

A taxpayer's name, address or 送付先 may hold line breaks, tabs, terminal escape
sequences (``ESC[31m``, an OSC title ``ESC]0;…BEL``), bidi marks (RLO, RLM), a NUL,
an SQL fragment or Textual/Rich markup (``[bold red]…[/]``, ``[@click=app.quit]``).

(a) The store keeps such values byte for byte (SQLite and PostgreSQL), or — NUL,
    which PostgreSQL text cannot hold — refuses them with a typed error before
    anything is written. A kana name must be kana: a hostile one is refused.
(b) The TUI shows them neutralised: the rendered screen holds no escape or other
    control character and no bidi mark, and markup in a name is shown as text —
    the words ``bold red`` and ``@click=app.quit`` stay visible and the app keeps
    running.
(c) The JSON-lines audit mirror holds no raw control or format character, whatever
    file name or search text a clerk used, and never the name itself.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import DataTable

from core.config import Config
from core.domain.taxpayer import Taxpayer
from core.errors import ValidationError
from core.security.permissions import Actor, Permission
from core.services.imports import AtenaRow, import_atena
from core.services.taxpayer_search import SearchForm, search_taxpayers
from core.services.taxpayer_view import view_taxpayer
from logs.jsonlog import LOG_FILE_NAME, close_json_log, configure_json_log, log_event
from logs.writer import AuditWriter
from storage.demo.build import build_demo
from storage.store import Store, open_store
from tests.factories import person
from tests.tui.business import AS_OF, settle, signed_in_app, start, tools_at
from tui.compose import mirror_committed
from tui.screens.search import SearchScreen
from tui.screens.taxpayer import TaxpayerScreen
from tui.text import WORD_JOINER, safe

CLERK = Actor("hostile-clerk", frozenset(p.value for p in Permission), terminal_id="T01")

#: One hostile fragment per kind of attack.
HOSTILE: dict[str, str] = {
    "newline": "山田\n太郎",
    "crlf": "山田\r\n太郎",
    "tab": "山田\t太郎",
    "ansi colour": "\x1b[31m山田\x1b[0m太郎",
    "ansi clear screen": "山田\x1b[2J\x1b[H太郎",
    "osc title": "\x1b]0;pwned\x07山田太郎",
    "c1 csi": "山田\x9b31m太郎",
    "rlo": "\u202e郎太田山",
    "rlm": "山田\u200f太郎",
    "line separator": "山田\u2028太郎",
    "sql": "'; DROP TABLE taxpayers; --",
    "sql quote": "O'Brien\" OR 1=1 --",
    "rich markup": "[bold red]山田[/]太郎",
    "click action": "[@click=app.quit]山田[/]",
    "unbalanced close": "山田[/]",
    "textual variable": "[$accent]山田",
    "escaped bracket": "山田\\[b]太郎",
    "long": "山" * 100,
}
NUL_NAME = "山田\x00太郎"
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hostile_taxpayer(n: int, text: str) -> Taxpayer:
    return replace(person(n), name=text, address=f"みなと市{text}1-2", mailing_address=text,
                   household_head_name=text).validated()


def _store_hostile(store: Store, people: list[Taxpayer], sha: str) -> None:
    rows = [AtenaRow(line, t) for line, t in enumerate(people, start=2)]
    import_atena(store.uow(CLERK.user_id), CLERK, rows, sha256=sha, file_name="atena.csv")


# ------------------------------------------------------------------------------- (a) the store


class TestHostileNamesAreStoredFaithfully:
    def test_every_hostile_name_reads_back_byte_for_byte_from_the_repository_the_search_and_the_view(
            self, store: Store) -> None:
        people = [hostile_taxpayer(n, text) for n, text in enumerate(HOSTILE.values(), start=1)]
        _store_hostile(store, people, "e" * 64)
        assert len({t.atena_no for t in people}) == len(HOSTILE)  # the SQL fragment dropped no table
        for expected in people:
            with store.uow() as uow:
                stored = uow.taxpayers.get_by_atena(expected.atena_no)
            assert stored is not None
            assert (stored.name, stored.address, stored.mailing_address, stored.household_head_name) == (
                expected.name, expected.address, expected.mailing_address, expected.household_head_name)
            assert stored.name.encode("utf-8") == expected.name.encode("utf-8")
            [row] = search_taxpayers(store.uow(CLERK.user_id), CLERK, SearchForm(atena_no=expected.atena_no)).rows
            assert row.name == expected.name and row.address == expected.address
            view = view_taxpayer(store.uow(CLERK.user_id), CLERK, row.id)
            assert view.taxpayer.name == expected.name and view.taxpayer.mailing_address == expected.mailing_address

    def test_a_nul_is_stored_faithfully_or_refused_with_a_validation_error_before_any_write(self, store: Store) -> None:
        try:
            _store_hostile(store, [hostile_taxpayer(1, NUL_NAME)], "2" * 64)
        except ValidationError:
            with store.uow() as uow:
                assert uow.taxpayers.get_by_atena(person(1).atena_no) is None
            return
        with store.uow() as uow:
            stored = uow.taxpayers.get_by_atena(person(1).atena_no)
        assert stored is not None and stored.name == NUL_NAME

    @pytest.mark.parametrize("kana", ["ヤマダ\nタロウ", "\x1b[31mヤマダ", "ヤマダ\u202e", "[bold]ヤマダ[/]", "ヤマダ'; --"])
    def test_a_hostile_kana_name_is_refused_with_a_validation_error(self, kana: str) -> None:
        with pytest.raises(ValidationError):
            replace(person(1), name_kana=kana).validated()


# ------------------------------------------------------------------------------- (b) the TUI


def screen_text(app: Any) -> str:
    """The whole screen as the terminal would show it, as plain text (styles dropped)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))  # noqa: SLF001
    return console.export_text()


def assert_neutralised(text: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in text if c != "\n" and (unicodedata.category(c) == "Cc" or c in BIDI)})
    assert not raw, f"raw control or bidi characters on screen: {raw}"


SCREEN_NAMES: tuple[str, ...] = (
    "[bold red]赤[/]\x1b[31m\x1b]0;title\x07\u202e\u200f\n\t'; DROP TABLE taxpayers; --",
    "[@click=app.quit]押す[/]\x9b2J",
    "山田[/]",
    "[$accent]山田[@=:",
)
VISIBLE_WORDS = ("bold red", "@click=app.quit", "[/]", "$accent", "DROP TABLE")


def assert_shown_literally(name: str, shown: str) -> None:
    visible = shown.replace(WORD_JOINER, "")
    for word in VISIBLE_WORDS:
        if word in name:
            assert word in visible, f"{word!r} of a stored name was interpreted as markup, not shown"


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[Store]:
    """A small demo database (its users sign in to the TUI), as tests/tui builds it."""
    built, _ = build_demo(Config(data_dir=tmp_path / "demo"), taxpayers_count=20, audit_factory=AuditWriter,
                          as_of=AS_OF, tools=tools_at(datetime.now(UTC)))
    built.close()
    store = open_store(Config(data_dir=tmp_path / "demo"), audit_factory=AuditWriter)
    try:
        yield store
    finally:
        store.close()


class TestHostileNamesAreShownNeutralised:
    async def test_the_search_and_taxpayer_screens_show_hostile_names_as_inert_text(self, demo_store: Store) -> None:
        people = [replace(hostile_taxpayer(1, name), atena_no=f"HOSTILE{n:02d}")
                  for n, name in enumerate(SCREEN_NAMES, start=1)]
        _store_hostile(demo_store, people, "3" * 64)
        ids: list[int] = []
        for t in people:
            with demo_store.uow() as uow:
                stored = uow.taxpayers.get_by_atena(t.atena_no)
            assert stored is not None and stored.id is not None and stored.name == t.name
            ids.append(stored.id)
        app = signed_in_app(demo_store, "clerk-mn")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(app, pilot)
            await pilot.press("1")
            assert isinstance(app.screen, SearchScreen)
            for t, taxpayer_id in zip(people, ids, strict=True):
                await pilot.press("ctrl+r")
                for ch in t.atena_no:
                    await pilot.press(ch)
                await pilot.press("f5")
                await settle(app, pilot)
                assert app.screen.query_one("#results", DataTable).row_count == 1
                shown = screen_text(app)
                assert_neutralised(shown)
                assert_shown_literally(t.name, shown)
                app.push_screen(TaxpayerScreen(taxpayer_id))
                await settle(app, pilot)
                assert isinstance(app.screen, TaxpayerScreen)
                shown = screen_text(app)
                assert_neutralised(shown)
                assert t.atena_no in shown
                assert_shown_literally(t.name, shown)
                await pilot.click("#taxpayer-title")
                await settle(app, pilot)
                assert app.is_running and app.return_code is None, "markup in a name ran an action"
                app.pop_screen()
                await settle(app, pilot)
                assert isinstance(app.screen, SearchScreen)

    def test_safe_neutralises_every_hostile_fragment_for_markup_and_plain_widgets(self) -> None:
        from rich.text import Text

        for text in HOSTILE.values():
            shown = safe(text)
            assert_neutralised(shown)
            assert Text.from_markup(shown).plain == shown, f"{text!r} is still markup for a DataTable"


# ------------------------------------------------------------------------------- (c) the JSON log


@pytest.fixture
def json_log(store: Store, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "jsonlog"
    configure_json_log(folder)
    store.after_commit.append(mirror_committed)
    try:
        yield folder / LOG_FILE_NAME
    finally:
        close_json_log()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


class TestTheJsonLogHoldsNoHostileCharacters:
    def test_imports_views_and_searches_of_a_hostile_name_leave_no_raw_control_character_in_the_log(
            self, store: Store, json_log: Path) -> None:
        text = "".join(HOSTILE.values())[:100]
        rows = [AtenaRow(2, hostile_taxpayer(1, text))]
        hostile_file = "宛名\u202evsc.csv\x1b[2J\x9b\x07\u2028.csv"
        import_atena(store.uow(CLERK.user_id), CLERK, rows, sha256="4" * 64, file_name=hostile_file)
        page = search_taxpayers(store.uow(CLERK.user_id), CLERK, SearchForm(atena_no=person(1).atena_no))
        view_taxpayer(store.uow(CLERK.user_id), CLERK, page.rows[0].id)
        for typed in ("\x1b[31mヤマダ", "ヤマダ\u202e", text):
            with pytest.raises(ValidationError):
                search_taxpayers(store.uow(CLERK.user_id), CLERK, SearchForm(kana_name=typed))
        raw = json_log.read_bytes().decode("utf-8")
        lines = raw.splitlines()
        assert lines, "nothing was mirrored"
        bad = sorted({f"U+{ord(c):04X}" for c in raw.replace("\n", "")
                      if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")})
        assert not bad, f"raw control or format characters in the JSON log: {bad}"
        logged = [s for line in lines for s in _strings(json.loads(line))]
        assert any(s == hostile_file for s in logged), "the file name is mirrored faithfully (escaped)"
        for fragment in ("山田", "太郎", "DROP TABLE", "bold red", "ヤマダ"):
            assert not any(fragment in s for s in logged), f"{fragment!r} reached the JSON log"

    def test_any_field_is_mirrored_escaped_and_decodes_to_the_same_value(self, tmp_path: Path) -> None:
        value = "a\x1b[2J\x9b\x7f\u202e\u2028\udcff\U000e0001z"  # \udcff: what an undecodable byte in a path becomes
        configure_json_log(tmp_path)
        try:
            log_event("audit", target_ref=value, details={"file": value})
        finally:
            close_json_log()
        raw = (tmp_path / LOG_FILE_NAME).read_bytes().decode("utf-8")  # writable and valid UTF-8
        assert raw.isascii() or all(unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs")
                                    for c in raw.rstrip("\n"))
        assert json.loads(raw)["target_ref"] == value and json.loads(raw)["details"]["file"] == value
