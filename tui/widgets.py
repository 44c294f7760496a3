"""Small widgets shared by screens."""

from __future__ import annotations

from typing import Any, Protocol

from textual.widgets import Input

__all__ = ["FieldInput", "Advancing", "focus_next", "field_values"]


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


def focus_next(screen: Any, field: Input) -> bool:
    """Move to the next enabled field of *screen*; False when *field* was the last one."""
    inputs = [f for f in screen.query(FieldInput) if not f.disabled]
    index = inputs.index(field) if field in inputs else len(inputs)
    if index < len(inputs) - 1:
        inputs[index + 1].focus()
        return True
    return False


def field_values(screen: Any, prefix: str) -> dict[str, str]:
    """``{name: stripped value}`` of the enabled fields whose ids are ``prefix + name``."""
    return {f.id.removeprefix(prefix): f.value.strip() for f in screen.query(FieldInput)
            if f.id and f.id.startswith(prefix) and not f.disabled}
