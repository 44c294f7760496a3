"""コマンドパレット (Ctrl+P): the areas this user may open, and the current screen's own actions.

The same permission gating as the main menu: an area the user's roles do not allow is never
offered; a screen action whose ``check_action`` refuses it is not offered either. Nothing is
offered before sign-in or while the screen is locked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from tui.i18n import _
from tui.keymap import effective_keys

__all__ = ["AreaCommands", "ScreenCommands", "area_commands", "screen_commands"]

#: Bindings every business screen has; the palette lists each screen's own work instead.
_COMMON = {"screen.back", "screen.help", "screen.logout"}


def _signed_in(app: Any) -> bool:
    return getattr(app, "actor", None) is not None and not getattr(app, "locked", False)


def _key_help(binding: Binding, app: Any) -> str:
    from tui.screens.help import key_label

    keys = effective_keys(binding, getattr(app, "_keymap", {}))
    return _("キー: {keys}").format(keys=" / ".join(key_label(k) for k in keys.split(",")))


def area_commands(app: Any) -> list[tuple[str, Callable[[], None], str]]:
    """(name, run, help) for every area the signed-in user may open."""
    from tui.screens.home import AREAS, HomeScreen

    if not _signed_in(app):
        return []
    commands = []
    for area in AREAS:
        if app.actor.can(area.permission):
            name = _("業務を開く: {area}").format(area=area.label)
            keys = _("メインメニューで {fkey} / {key}").format(fkey=area.fkey.upper(), key=area.key)

            def run(area: Any = area) -> None:
                if _signed_in(app) and app.actor.can(area.permission):
                    app.push_screen(area.open())

            commands.append((name, run, keys))
    if not isinstance(app.screen, HomeScreen) and len(app.screen_stack) > 2:
        def home() -> None:
            while len(app.screen_stack) > 2 and not isinstance(app.screen, HomeScreen):
                app.pop_screen()

        commands.append((_("メインメニューに戻る"), home, ""))
    commands.append((_("ログアウト"), app.action_logout, ""))
    return commands


def screen_commands(screen: Screen[Any]) -> list[tuple[str, Callable[[], None], str]]:
    """(name, run, help) for the actions of *screen* the user may take now."""
    app: Any = screen.app
    if not _signed_in(app):
        return []
    commands = []
    seen: set[str] = set()
    for klass in type(screen).__mro__:
        for binding in vars(klass).get("BINDINGS", ()):
            if not isinstance(binding, Binding) or not binding.description or binding.id in _COMMON:
                continue
            _namespace, name, params = parse_action(binding.action)
            if binding.action in seen or "." in binding.action.split("(")[0]:
                continue
            seen.add(binding.action)
            if not hasattr(screen, f"action_{name}") or not screen.check_action(name, params):
                continue
            run = partial(screen.run_action, binding.action)
            commands.append((binding.description, run, _key_help(binding, app)))
    return commands


def _hits(provider: Provider, query: str, commands: list[tuple[str, Callable[[], None], str]]) -> Iterator[Hit]:
    matcher = provider.matcher(query)
    for name, run, help_text in commands:
        score = matcher.match(name)
        if score > 0:
            yield Hit(score, matcher.highlight(name), run, text=name, help=help_text or None)


class AreaCommands(Provider):
    """業務: open an area (only those the user's roles allow), back to the menu, log out."""

    async def search(self, query: str) -> Hits:
        for hit in _hits(self, query, area_commands(self.app)):
            yield hit

    async def discover(self) -> Hits:
        for name, run, help_text in area_commands(self.app):
            yield DiscoveryHit(name, run, text=name, help=help_text or None)


class ScreenCommands(Provider):
    """この画面の操作: the current screen's own keys, by their Japanese names."""

    async def search(self, query: str) -> Hits:
        for hit in _hits(self, query, screen_commands(self.screen)):
            yield hit

    async def discover(self) -> Hits:
        for name, run, help_text in screen_commands(self.screen):
            yield DiscoveryHit(name, run, text=name, help=help_text or None)
