"""What every business screen shares: its services run in thread workers through the
session (so an idle lock or an ended session is honoured), errors shown in Japanese,
and the common keys."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import TabbedContent

from core.errors import NozeiError
from core.services.auth import SessionEnded, SessionLocked
from tui.i18n import _
from tui.palette import ScreenCommands

__all__ = ["BusinessScreen"]


class BusinessScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", _("戻る"), id="screen.back"),
        Binding("ctrl+l", "app.logout", _("ログアウト"), id="screen.logout"),
        Binding("f1", "app.help", _("ヘルプ"), id="screen.help"),
    ]
    #: Ctrl+P lists this screen's own actions (by their Japanese names) beside the areas.
    COMMANDS = {ScreenCommands}

    #: The id of the screen's TabbedContent, if it has tabs.
    TABS_ID: ClassVar[str] = ""
    #: Actions that belong to one tab (``None``: to every tab): shown and allowed only there.
    ACTION_TAB: ClassVar[Mapping[str, str | None]] = {}

    def _active(self) -> str:
        """The tab showing."""
        return str(self.query_one(f"#{self.TABS_ID}", TabbedContent).active)

    def _tab_gate(self, action: str) -> bool | None:
        """Whether *action*'s tab is the one showing; ``None`` when it belongs to no tab."""
        if action not in self.ACTION_TAB:
            return None
        tab = self.ACTION_TAB[action]
        if tab is None:
            return True
        try:
            return self._active() == tab
        except Exception:  # not composed yet
            return False

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def call(self, service: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None,
             failed: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        """Run ``service(uow, actor, *args, **kwargs)`` in a worker; hand the result to *then*."""
        self._call(service, args, kwargs, then, failed)

    @work(thread=True, group="service")
    def _call(self, service: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
              then: Callable[[Any], None] | None, failed: Callable[[str], None] | None) -> None:
        app: Any = self.app
        try:
            result = app.services.run(app.session_id, service, *args, **kwargs)
        except SessionLocked as exc:
            app.call_from_thread(app._lock, str(exc))
        except SessionEnded as exc:
            app.call_from_thread(app.session_over, str(exc))
        except NozeiError as exc:
            app.call_from_thread(failed or self.show_error, str(exc))
        else:
            if then is not None:
                app.call_from_thread(then, result)

    def show_error(self, message: str) -> None:
        self.notify(message, severity="error", title=_("エラー"))
