"""Every area opens and renders at 80×24 (the smallest terminal supported) and at 120×40."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Footer

from storage.store import Store
from tests.tui.business import settle, signed_in_app, start
from tui.screens.home import HomeScreen

#: (user, menu digit) for every area of the menu.
AREAS = [("clerk", "1"), ("clerk", "2"), ("refund", "3"), ("approver", "4"), ("clerk", "5"), ("clerk", "6"),
         ("officer", "7"), ("admin", "8"), ("auditor", "9")]


class TestEveryAreaAtEachSize:
    @pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
    async def test_each_area_opens_with_its_footer(self, demo_store: Store, size: tuple[int, int]) -> None:
        for n, (user, key) in enumerate(AREAS):
            # A later TOTP step for each sign-in: the same user twice in one step is a replay.
            app = signed_in_app(demo_store, user, at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC) + timedelta(minutes=n))
            async with app.run_test(size=size) as pilot:
                await start(app, pilot)
                await pilot.press(key)
                await settle(app, pilot)
                assert not isinstance(app.screen, HomeScreen), (user, key)
                assert app.screen.query(Footer), (user, key)
                assert app.screen.size.width == size[0]
