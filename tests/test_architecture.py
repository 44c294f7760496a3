"""Dependencies point inward (SPEC §2): checked on ``sys.modules`` in a fresh interpreter."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}.")
        if ".migrations" not in info.name
    )


def _loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


class TestImportRules:
    def test_core_loads_no_framework_and_no_outer_package(self) -> None:
        loaded = _top(_loaded_after_importing(_modules("core")))
        assert not loaded & {"textual", "sqlalchemy", "structlog", "storage", "logs", "tui", "alembic"}

    @pytest.mark.parametrize("package", ["storage", "logs"])
    def test_storage_and_logs_never_load_the_tui(self, package: str) -> None:
        loaded = _top(_loaded_after_importing(_modules(package)))
        assert "tui" not in loaded and "textual" not in loaded

    def test_storage_never_loads_logs_which_builds_on_it(self) -> None:
        loaded = _top(_loaded_after_importing(_modules("storage")))
        assert "logs" not in loaded and "structlog" not in loaded

    def test_no_module_outside_tui_names_tui_in_its_source(self) -> None:
        offenders = []
        for package in ("core", "storage", "logs"):
            for path in (ROOT / package).rglob("*.py"):
                for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tui":
                        offenders.append(str(path))
                    if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "tui" for a in node.names):
                        offenders.append(str(path))
        assert offenders == []

    def test_screens_never_import_sqlalchemy_or_storage(self) -> None:
        screens = ROOT / "tui" / "screens"
        offenders = []
        for path in screens.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = []
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("sqlalchemy", "storage")]
        assert offenders == []
