"""Fixtures for the business screens: one small demo database per module, a copy per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.config import Config
from logs.writer import AuditWriter
from storage.demo.build import build_demo
from storage.store import Store, open_store
from tests.tui.business import AS_OF, tools_at


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("tui-demo")
    store, _ = build_demo(Config(data_dir=data), taxpayers_count=40, audit_factory=AuditWriter, as_of=AS_OF,
                          tools=tools_at(datetime.now(UTC)))
    store.close()
    return data


@pytest.fixture
def demo_store(demo_dir: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "data"
    shutil.copytree(demo_dir, copy)
    store = open_store(Config(data_dir=copy), audit_factory=AuditWriter)
    try:
        yield store
    finally:
        store.close()
