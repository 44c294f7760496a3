"""Session hooks of the reliability suite: the per-parser fuzz example counts (see ``fuzzcount``).

- every process (a plain run, or each xdist worker) merges its counts into
  ``$NOZEI_FUZZ_REPORT`` under a file lock when the session ends;
- an xdist worker also hands its counts to the controller (``workeroutput``);
  a controller that loaded this file adds them up (``pytest_testnodedown``);
- the terminal summary prints ``parser : N examples`` for what this process saw.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import fuzzcount

_WORKER_KEY = "nozei_fuzz_counts"
_from_workers: Counter[str] = Counter()


def _run_id(config: pytest.Config) -> str:
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    if worker is not None and worker.get("testrunuid"):
        return str(worker["testrunuid"])
    if not hasattr(config, "_nozei_fuzz_run"):
        config._nozei_fuzz_run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex  # type: ignore[attr-defined]
    return str(config._nozei_fuzz_run)  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    local = fuzzcount.counts()
    worker_output: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if worker_output is not None:
        worker_output[_WORKER_KEY] = json.dumps(local)
    target = os.environ.get(fuzzcount.REPORT_ENV)
    if target and local:
        fuzzcount.merge_into(Path(target), _run_id(config), local)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    raw = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if raw:
        _from_workers.update(json.loads(raw))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    shown = dict(_from_workers) or fuzzcount.counts()
    if not shown:
        return
    terminalreporter.section("fuzz examples per parser")
    for line in fuzzcount.table(shown):
        terminalreporter.write_line(line)
    target = os.environ.get(fuzzcount.REPORT_ENV)
    if target:
        terminalreporter.write_line(f"(merged into {target})")
