"""Small widgets shared by screens."""

from __future__ import annotations

from typing import Protocol

from textual.widgets import Input

__all__ = ["FieldInput", "Advancing"]


class Advancing(Protocol):
    def advance_from(self, field: Input) -> None: ...


class FieldInput(Input):
    """An input whose Enter moves focus *at once* (before the next key is handled).

    Clerks type ahead: with focus moved only when the ``Submitted`` message is
    processed, the keys typed after Enter would land in the field just left.
    The screen's ``advance_from`` runs synchronously inside the key handling.
    """

    async def action_submit(self) -> None:
        advance = getattr(self.screen, "advance_from", None)
        if callable(advance):
            advance(self)
        await super().action_submit()
