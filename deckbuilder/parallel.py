"""Work spread over the cores: how many processes to use, and mapping a function with them."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count() -> int:
    """DECKBUILDER_WORKERS, or the cores this process may use."""
    configured = os.environ.get("DECKBUILDER_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def map_on_cores(
    function: Callable[[Item], Result], items: Sequence[Item], workers: int, minimum: int, per_task: int
) -> list[Result]:
    """``[function(item) for item in items]``, on ``workers`` forked processes ``per_task`` items at
    a time when there are at least ``minimum`` items (fewer finish sooner than a pool starts).

    Forked, so that workers start with every module and the caller's data already loaded: a
    ``function`` may read module state the caller set before the call, and only items and results
    cross between processes."""
    if workers <= 1 or len(items) < minimum:
        return [function(item) for item in items]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(function, items, chunksize=per_task)
