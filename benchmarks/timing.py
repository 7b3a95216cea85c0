"""Timing helpers shared by the benchmark scripts (run them as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any


def best_of(repeat: int, function: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Run ``function(*args)`` ``repeat`` times; return the fastest wall time in seconds and the last result.

    The fastest run is the least disturbed by other work on the machine.
    """
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - started)
    return min(times), result


def cpu_seconds() -> float:
    """CPU time used so far by this process, its threads and its finished child processes (CBC runs as one)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
