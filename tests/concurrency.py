"""Running the same work in several threads at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["race"]


def race(count: int, work: Callable[[], None]) -> None:
    """Start ``count`` threads together on ``work`` and wait for all of them."""
    barrier = threading.Barrier(count)

    def run() -> None:
        barrier.wait()
        work()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
