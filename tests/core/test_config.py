"""Configuration: defaults, nozei.toml, NOZEI_* overrides, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Config, load_config
from core.errors import ValidationError


class TestLoadConfig:
    def test_defaults_put_everything_under_var(self) -> None:
        cfg = load_config(environ={})
        assert cfg.data_dir == Path("var") and cfg.language == "ja"
        assert cfg.resolved_database_url.endswith("/var/nozei.db")
        assert cfg.resolved_key_file == Path("var/keys/kek.key")

    def test_the_toml_in_the_data_directory_is_read(self, tmp_path: Path) -> None:
        (tmp_path / "nozei.toml").write_text(
            'terminal_id = "T-COUNTER-01"\n[policy]\nlockout_failures = 5\n', "utf-8")
        cfg = load_config(data_dir=tmp_path, environ={})
        assert cfg.terminal_id == "T-COUNTER-01" and cfg.policy == {"lockout_failures": 5}
        assert cfg.data_dir == tmp_path

    def test_environment_overrides_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "x.toml"
        path.write_text('database_url = "sqlite:///a.db"\nlanguage = "ja"\n', "utf-8")
        cfg = load_config(environ={"NOZEI_CONFIG": str(path), "NOZEI_LANG": "en",
                                   "NOZEI_DATABASE_URL": "postgresql+psycopg://db/nozei"})
        assert cfg.language == "en" and cfg.resolved_database_url == "postgresql+psycopg://db/nozei"

    def test_the_command_line_data_directory_wins(self, tmp_path: Path) -> None:
        cfg = load_config(data_dir=tmp_path / "cli", environ={"NOZEI_DATA_DIR": str(tmp_path / "env")})
        assert cfg.data_dir == tmp_path / "cli"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('colour = "red"\n', "不明な設定項目"),
            ('language = "fr"\n', "ja または en"),
            ("policy = 3\n", "表でなければ"),
            ("terminal_id = \n", "形式が正しくありません"),
        ],
    )
    def test_a_bad_file_is_a_japanese_error_naming_the_file(self, tmp_path: Path, text: str, message: str) -> None:
        path = tmp_path / "nozei.toml"
        path.write_text(text, "utf-8")
        with pytest.raises(ValidationError, match=message) as info:
            load_config(config_path=path, environ={})
        assert "nozei.toml" in str(info.value)

    def test_a_named_file_that_does_not_exist_is_an_error(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="設定ファイルがありません"):
            load_config(config_path=tmp_path / "missing.toml", environ={})

    def test_the_key_file_can_live_elsewhere(self) -> None:
        cfg = Config(key_file=Path("/secure/nozei.key"))
        assert cfg.resolved_key_file == Path("/secure/nozei.key")
