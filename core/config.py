"""Configuration: ``nozei.toml`` plus ``NOZEI_*`` environment overrides.

Resolution order (later wins): built-in defaults → the TOML file
(``--config`` / ``NOZEI_CONFIG`` / ``<data dir>/nozei.toml``) → environment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.errors import ValidationError

__all__ = ["Config", "load_config", "ENV_KEYS"]

#: Environment variable → config key.
ENV_KEYS: dict[str, str] = {
    "NOZEI_DATA_DIR": "data_dir",
    "NOZEI_DATABASE_URL": "database_url",
    "NOZEI_KEY_FILE": "key_file",
    "NOZEI_TERMINAL_ID": "terminal_id",
    "NOZEI_LANG": "language",
    "NOZEI_FONT_PATH": "font_path",
    "NOZEI_KEYMAP": "keymap",
}


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path = Path("var")
    database_url: str | None = None
    key_file: Path | None = None
    terminal_id: str = "console"
    language: str = "ja"
    font_path: Path | None = None
    policy: Mapping[str, Any] = field(default_factory=dict)
    #: The user's key assignments (TOML: binding id = keys); default ``<data dir>/keymap.toml``.
    keymap: Path | None = None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'nozei.db').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file if self.key_file is not None else self.data_dir / "keys" / "kek.key"

    @property
    def keymap_file(self) -> Path:
        return self.keymap if self.keymap is not None else self.data_dir / "keymap.toml"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def inbox_dir(self) -> Path:
        """Where files from other systems are put for import from the terminal application."""
        return self.data_dir / "inbox"


def _apply(cfg: Config, values: Mapping[str, Any], origin: str) -> Config:
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("data_dir", "key_file", "font_path", "keymap"):
            changes[key] = Path(str(value)) if value not in (None, "") else None
        elif key in ("database_url", "terminal_id", "language"):
            changes[key] = str(value)
        elif key == "policy":
            if not isinstance(value, Mapping):
                raise ValidationError(f"{origin}: [policy] は表でなければなりません")
            changes[key] = {**cfg.policy, **value}
        else:
            raise ValidationError(f"{origin}: 不明な設定項目です: {key}")
    if changes.get("data_dir", cfg.data_dir) is None:
        changes["data_dir"] = Path("var")
    if changes.get("language", cfg.language) not in ("ja", "en"):
        raise ValidationError(f"{origin}: language は ja または en です")
    return replace(cfg, **changes)


def load_config(
    *,
    config_path: Path | None = None,
    data_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the configuration. Explicit arguments (from the command line) win over all."""
    env = os.environ if environ is None else environ
    cfg = Config()
    base_dir = data_dir or (Path(env["NOZEI_DATA_DIR"]) if env.get("NOZEI_DATA_DIR") else cfg.data_dir)
    path = config_path or (Path(env["NOZEI_CONFIG"]) if env.get("NOZEI_CONFIG") else None)
    if path is None and (base_dir / "nozei.toml").exists():
        path = base_dir / "nozei.toml"
    if path is not None:
        try:
            with path.open("rb") as fh:
                values = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ValidationError(f"設定ファイルがありません: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"設定ファイルの形式が正しくありません: {path}: {exc}") from exc
        cfg = _apply(cfg, values, str(path))
    overrides = {key: env[name] for name, key in ENV_KEYS.items() if env.get(name)}
    cfg = _apply(cfg, overrides, "環境変数")
    if data_dir is not None:
        cfg = replace(cfg, data_dir=data_dir)
    return cfg
