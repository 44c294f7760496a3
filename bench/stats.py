"""Small measuring helpers: latency summaries, throughput, resident memory."""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["latency", "summarise", "peak_rss_mb", "current_rss_mb", "Timer", "throughput"]


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.4999)))
    return sorted_values[rank - 1]


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """Median, p95, p99, mean and max in milliseconds, and the sample count."""
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 3) if ms else float("nan"),
        "p95_ms": round(_percentile(ms, 95), 3),
        "p99_ms": round(_percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
        "max_ms": round(ms[-1], 3) if ms else float("nan"),
    }


def latency(calls: Sequence[Callable[[], Any]], *, warmup: int = 0) -> tuple[dict[str, float], list[Any]]:
    """Run each call once (after *warmup* untimed calls of the first ones), timing each."""
    for call in calls[:warmup]:
        call()
    took: list[float] = []
    results: list[Any] = []
    for call in calls:
        start = time.perf_counter()
        results.append(call())
        took.append(time.perf_counter() - start)
    return summarise(took), results


def throughput(count: int, seconds: float, unit: str) -> dict[str, float]:
    return {"count": count, "seconds": round(seconds, 3), f"{unit}_per_s": round(count / seconds, 1) if seconds else 0.0}


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (MB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    """This process's resident memory now (MB), from /proc."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    seconds: float = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start
