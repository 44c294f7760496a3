"""キー割り当ての変更: a user file mapping binding ids (``home.search``, ``screen.back`` …) to keys.

The file is TOML, one binding id per line (quote the id: it holds dots)::

    # <data dir>/keymap.toml
    "home.search" = "f2,ctrl+f"
    "screen.back" = "escape,ctrl+b"

Loaded once at start-up and handed to Textual's ``App.set_keymap``; an unknown id or a
key Textual cannot name stops the start with a message naming the file and the line.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, _character_to_key

from core.errors import ValidationError
from tui.i18n import _

__all__ = ["load_keymap", "parse_keymap", "known_binding_ids", "valid_key", "effective_keys"]

_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
_NAMED_KEYS = ({k.value.rsplit("+", 1)[-1] for k in Keys} | set(KEY_NAME_REPLACEMENTS)
               | set(KEY_NAME_REPLACEMENTS.values())
               | {_character_to_key(chr(c)) for c in range(0x21, 0x7F)} | {"space"})
_LINE = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_.\-]+))\s*=""")
_TABLE = re.compile(r"""^\s*\[\s*([^\]]*?)\s*\]\s*(?:#.*)?$""")


def valid_key(key: str) -> bool:
    """Whether Textual can bind *key* (``f2``, ``ctrl+f``, ``escape``, ``a``, ``?``)."""
    if not key:
        return False
    if len(key) == 1:
        return key.isprintable() and not key.isspace()
    *modifiers, base = key.split("+")
    if any(m not in _MODIFIERS for m in modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    return base in _NAMED_KEYS


def _tidy(key: str) -> str:
    """``" Ctrl+F "`` → ``"ctrl+f"``: names are lower case; a single character alone keeps its case."""
    key = key.strip()
    if len(key) <= 1:
        return key
    *modifiers, base = key.split("+")
    return "+".join([m.lower() for m in modifiers] + [base.lower() if modifiers or len(base) > 1 else base])


def _binding_ids(bindings: Iterable[Any]) -> set[str]:
    return {b.id for b in bindings if isinstance(b, Binding) and b.id}


def known_binding_ids() -> set[str]:
    """Every binding id of the application: its own, every screen's and widget's."""
    import tui.screens
    from textual.dom import DOMNode

    from tui import app as app_module
    from tui import widgets

    modules: list[Any] = [app_module, widgets]
    for info in pkgutil.iter_modules(tui.screens.__path__):
        try:
            modules.append(importlib.import_module(f"tui.screens.{info.name}"))
        except Exception:  # noqa: BLE001 - a screen that cannot load has no keys to remap
            continue
    ids: set[str] = set()
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, DOMNode):
                for klass in value.__mro__:
                    ids |= _binding_ids(vars(klass).get("BINDINGS", ()))
    return ids


def _line_numbers(text: str) -> dict[str, int]:
    """Binding id → line where the file sets it (tables as dotted prefixes)."""
    table = ""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if (found := _TABLE.match(line)) is not None:
            table = found.group(1).replace('"', "").replace("'", "").replace(" ", "")
            continue
        if (found := _LINE.match(line)) is not None:
            key = next(g for g in found.groups() if g)
            lines.setdefault(f"{table}.{key}" if table else key, number)
    return lines


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def parse_keymap(text: str, origin: str, known: set[str] | None = None) -> dict[str, str]:
    """Read and check a keymap; raise :class:`ValidationError` (Japanese, with file and line)."""
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(_("キー割り当てファイルの形式が正しくありません: {file}: {error}").format(
            file=origin, error=exc)) from exc
    values = {name.removeprefix("keymap."): value for name, value in _flatten(values).items()}
    lines = _line_numbers(text)
    known = known_binding_ids() if known is None else known
    keymap: dict[str, str] = {}
    for binding_id, value in values.items():
        line = lines.get(binding_id) or lines.get(f"keymap.{binding_id}") or "?"
        if binding_id not in known:
            raise ValidationError(_("キー割り当てファイル {file} の {line} 行目: 不明な操作IDです: {id}").format(
                file=origin, line=line, id=binding_id))
        keys = value if isinstance(value, str) else ",".join(value) if isinstance(value, list) and all(
            isinstance(v, str) for v in value) else None
        parts = [_tidy(k) for k in keys.split(",")] if keys is not None else []
        bad = [k for k in parts if not valid_key(k)]
        if keys is None or not parts or bad:
            raise ValidationError(_("キー割り当てファイル {file} の {line} 行目: 使えないキーです: {key}（{id}）").format(
                file=origin, line=line, key=", ".join(bad) if bad else repr(value), id=binding_id))
        keymap[binding_id] = ",".join(parts)
    return keymap


def load_keymap(path: Path | None, *, required: bool = False) -> dict[str, str]:
    """The keymap in *path*; none when the file is absent (unless it was named explicitly)."""
    if path is None:
        return {}
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        if not required:
            return {}
        raise ValidationError(_("キー割り当てファイルがありません: {file}").format(file=path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(_("キー割り当てファイルを読めません: {file}: {error}").format(
            file=path, error=exc)) from exc
    return parse_keymap(text, str(path))


def effective_keys(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The keys that trigger *binding* now (the keymap's, else its own)."""
    if binding.id and binding.id in keymap:
        return keymap[binding.id]
    return binding.key
