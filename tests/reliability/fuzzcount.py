"""How many examples each fuzzed parser really ran, and the Markdown table that records it.

Every fuzz test calls :func:`ran` once per example it executes (inside the test
body, so shrinking and replays count too and skipped examples do not). At the
end of the session ``tests/reliability/conftest.py`` prints :func:`table` and,
when ``NOZEI_FUZZ_REPORT=<path>`` is set, merges this process's counts into
that Markdown file under an exclusive ``flock``: with ``pytest -n 2`` each
xdist worker is a process of its own and adds its counts to the same file.

The file carries the id of the test run in its first line. A worker that finds
another run's id there starts the file afresh, so a report never mixes runs,
while workers of the same run (xdist hands them one ``testrunuid``) add up.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from core.text.width import display_width, pad

__all__ = ["REPORT_ENV", "counts", "merge_into", "parse_report", "ran", "render", "reset", "table"]

#: Environment variable naming the Markdown file the counts are written to.
REPORT_ENV = "NOZEI_FUZZ_REPORT"

_COUNTS: Counter[str] = Counter()
_RUN_LINE = re.compile(r"^<!-- nozei-fuzz-run: (?P<run>[^ ]+) -->$")
_ROW = re.compile(r"^\| (?P<parser>[^|]+?) \| (?P<n>[0-9,]+) \|$")


def ran(parser: str) -> None:
    """Count one example executed against *parser* (call it from the test body)."""
    _COUNTS[parser] += 1


def counts() -> dict[str, int]:
    """This process's counts so far, by parser."""
    return dict(_COUNTS)


def reset() -> None:
    """Forget this process's counts (for the tests of this module)."""
    _COUNTS.clear()


def table(per_parser: Mapping[str, int]) -> list[str]:
    """Plain lines ``parser: N examples``, sorted by parser name."""
    if not per_parser:
        return []
    width = max(display_width(name) for name in per_parser)
    return [f"{pad(name, width)} : {n:>9,} examples" for name, n in sorted(per_parser.items())]


def render(run_id: str, per_parser: Mapping[str, int]) -> str:
    """The Markdown report: run id comment, heading, one row per parser and the total."""
    lines = [
        f"<!-- nozei-fuzz-run: {run_id} -->",
        "# Hostile-input fuzzing: examples run per parser",
        "",
        "| parser | examples |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {n:,} |" for name, n in sorted(per_parser.items())]
    lines += ["", f"Total: {sum(per_parser.values()):,} examples over {len(per_parser)} parsers.", ""]
    return "\n".join(lines)


def parse_report(text: str) -> tuple[str | None, dict[str, int]]:
    """(run id, counts) of a report :func:`render` wrote; (None, {}) for anything else."""
    lines = text.splitlines()
    match = _RUN_LINE.match(lines[0]) if lines else None
    if match is None:
        return None, {}
    found: dict[str, int] = {}
    for line in lines[1:]:
        row = _ROW.match(line)
        if row is not None and row["parser"] != "parser":
            found[row["parser"]] = found.get(row["parser"], 0) + int(row["n"].replace(",", ""))
    return match["run"], found


def merge_into(path: Path, run_id: str, per_parser: Mapping[str, int]) -> dict[str, int]:
    """Add *per_parser* to the report at *path* (same run) or replace it (another run); the merged counts.

    The read-modify-write happens under ``flock(LOCK_EX)`` on the file itself, so
    concurrent xdist workers never lose each other's counts.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        chunks: list[bytes] = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        previous_run, previous = parse_report(b"".join(chunks).decode("utf-8", errors="replace"))
        merged: Counter[str] = Counter(previous if previous_run == run_id else {})
        merged.update(per_parser)
        data = render(run_id, merged).encode("utf-8")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        return dict(merged)
    finally:
        os.close(fd)  # closing releases the lock
