"""How hard the reliability suite pushes: a short form in ``make test``, the full one in ``make reliability``.

``make reliability`` sets ``NOZEI_RELIABILITY=full``; everything else (``make test``,
a bare ``pytest``) gets the short form, so the same tests guard every commit.
"""

from __future__ import annotations

import os

__all__ = ["FULL", "fuzz_examples", "kills_per_operation", "concurrency_seconds"]

#: True under ``make reliability``.
FULL = os.environ.get("NOZEI_RELIABILITY", "") == "full"


def fuzz_examples() -> int:
    """Hypothesis examples per parser: 10,000 in the full run, 150 in ``make test``."""
    return int(os.environ.get("NOZEI_FUZZ_EXAMPLES", 10_000 if FULL else 150))


def kills_per_operation() -> int:
    """SIGKILLs per crash-tested operation: 50 in the full run, 1 in ``make test``."""
    return int(os.environ.get("NOZEI_KILLS", 50 if FULL else 1))


def concurrency_seconds() -> float:
    """How long the 8 mixed worker processes run: 60 s in the full run, 6 s in ``make test``."""
    return float(os.environ.get("NOZEI_CONCURRENCY_SECONDS", 60 if FULL else 6))
