"""The user's keymap (keymap.toml) and the command palette's commands per area and screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Config, load_config
from core.errors import NozeiError, ValidationError
from storage.store import Store
from tests.tui.business import open_taxpayer, settle, signed_in_app, start
from tui.keymap import known_binding_ids, load_keymap, parse_keymap, valid_key
from tui.palette import area_commands, screen_commands
from tui.screens.help import HelpScreen, help_rows
from tui.screens.home import AREAS, HomeScreen
from tui.screens.search import SearchScreen
from tui.screens.taxpayer import TaxpayerScreen


class TestKeymapFile:
    def test_every_binding_of_the_application_has_an_id_that_can_be_remapped(self) -> None:
        ids = known_binding_ids()
        assert {"home.search", "screen.back", "app.quit", "app.palette", "counter.pay", "case.record"} <= ids

    def test_quoted_ids_tables_and_lists_are_read_and_keys_tidied(self) -> None:
        text = '# mine\n"home.search" = "Ctrl+F, F2"\n[keymap]\n"screen.back" = ["escape", "b"]\n[counter]\npay = "f10"\n'
        assert parse_keymap(text, "k.toml") == {"home.search": "ctrl+f,f2", "screen.back": "escape,b",
                                                "counter.pay": "f10"}

    def test_an_unknown_id_names_the_file_and_the_line(self) -> None:
        with pytest.raises(ValidationError, match=r"k\.toml の 3 行目: 不明な操作IDです: home\.serch"):
            parse_keymap('# c\n\n"home.serch" = "f2"\n', "k.toml")

    def test_a_bad_key_names_the_file_and_the_line(self) -> None:
        with pytest.raises(ValidationError, match=r"k\.toml の 2 行目: 使えないキーです: f99x（home\.search）"):
            parse_keymap('[home]\nsearch = "f99x"\n', "k.toml")
        with pytest.raises(ValidationError, match="2 行目"):
            parse_keymap('\n"screen.back" = 3\n', "k.toml")

    def test_broken_toml_is_reported_with_the_file(self) -> None:
        with pytest.raises(ValidationError, match="形式が正しくありません: k.toml"):
            parse_keymap("x = = 1", "k.toml")

    @pytest.mark.parametrize("key", ["f2", "ctrl+f", "escape", "enter", "?", "a", "ctrl+shift+x", "pageup", "space"])
    def test_keys_textual_can_name(self, key: str) -> None:
        assert valid_key(key)

    @pytest.mark.parametrize("key", ["", "fx", "ctrl+", "hyperdrive+a", "a b", "f2x"])
    def test_keys_it_cannot(self, key: str) -> None:
        assert not valid_key(key)

    def test_the_file_is_taken_from_the_data_dir_or_the_config_key(self, tmp_path: Path) -> None:
        cfg = load_config(data_dir=tmp_path, environ={})
        assert cfg.keymap_file == tmp_path / "keymap.toml"
        assert load_keymap(cfg.keymap_file) == {}  # absent: the default keys
        named = load_config(data_dir=tmp_path, environ={"NOZEI_KEYMAP": str(tmp_path / "mine.toml")})
        assert named.keymap_file == tmp_path / "mine.toml"
        with pytest.raises(ValidationError, match="キー割り当てファイルがありません"):
            load_keymap(named.keymap_file, required=True)

    def test_a_bad_keymap_stops_the_start_with_the_message(self, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        from tui.app import _configured_keymap

        (tmp_path / "keymap.toml").write_text('"home.search" = "f2"\n"nope.nope" = "f3"\n', "utf-8")

        class FakeServices:
            _store = type("S", (), {"config": Config(data_dir=tmp_path)})()

        with pytest.raises(NozeiError, match="keymap.toml の 2 行目"):
            _configured_keymap(FakeServices())  # type: ignore[arg-type]


class TestKeymapInTheApp:
    async def test_a_remapped_key_opens_the_area_and_the_old_key_does_not(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        app.set_keymap({"home.search": "f12", "home.search.key": "s"})
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            assert isinstance(app.screen, HomeScreen)
            await pilot.press("f12")
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen)

    async def test_f1_help_shows_the_effective_keys(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        app.set_keymap({"screen.back": "ctrl+b", "search.run": "f6"})
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            rows = help_rows(app.screen)
            assert ("Ctrl+b", "戻る") in rows and ("F6", "検索") in rows and ("F5", "検索") not in rows
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("ctrl+b")  # the remapped 戻る
            await settle(app, pilot)
            assert isinstance(app.screen, HomeScreen)


def _names(commands) -> list[str]:  # type: ignore[no-untyped-def]
    return [name for name, _run, _help in commands]


class TestPalette:
    @pytest.mark.parametrize("login_id", ["clerk", "inquiry", "admin", "officer", "refund", "approver"])
    async def test_a_user_never_sees_an_area_the_roles_do_not_allow(self, demo_store: Store, login_id: str) -> None:
        app = signed_in_app(demo_store, login_id)
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            names = _names(area_commands(app))
            for area in AREAS:
                offered = any(area.label in name for name in names)
                assert offered == app.actor.can(area.permission), (login_id, area.id)

    async def test_the_inquiry_user_is_offered_inquiry_only(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "inquiry")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            areas = [n for n in _names(area_commands(app)) if n.startswith("業務を開く")]
            assert areas == ["業務を開く: 照会（納税者の検索）"]

    async def test_nothing_is_offered_before_sign_in_and_ctrl_p_is_refused(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert area_commands(app) == []
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert not app.screen.has_class("--textual-command-palette")

    async def test_typing_in_the_palette_opens_the_area(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(app, pilot)
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert app.screen.has_class("--textual-command-palette")
            for ch in "照会":
                await pilot.press(ch)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen)

    async def test_the_taxpayer_screen_offers_its_actions_by_japanese_name(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "clerk")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_taxpayer(app, pilot, 1)
            assert isinstance(app.screen, TaxpayerScreen)
            names = _names(screen_commands(app.screen))
            assert {"基本情報", "調定・収納", "窓口収納"} <= set(names)
            assert "戻る" not in names

    async def test_an_inquiry_user_is_not_offered_the_counter_payment(self, demo_store: Store) -> None:
        app = signed_in_app(demo_store, "inquiry")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_taxpayer(app, pilot, 1)
            names = _names(screen_commands(app.screen))
            assert "基本情報" in names and "窓口収納" not in names and "収納の取消" not in names
