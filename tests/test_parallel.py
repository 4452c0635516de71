"""map_on_cores: the same results as a plain map, errors raised, and Ctrl-C leaving no process behind."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deckbuilder.incremental.workers import WorkerError, map_on_cores


def square(number: int) -> int:
    return number * number


def fails_on_7(number: int) -> int:
    if number == 7:
        raise ValueError("seven")
    return number


def dies_on_7(number: int) -> int:
    if number == 7:
        os._exit(3)
    return number


def unpicklable(number: int) -> object:
    return lambda: number


def slow(number: int) -> int:
    time.sleep(0.2)
    return number


def children() -> set[int]:
    """This process's child processes, ended but not yet waited for included (Linux's /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(after_name[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


@pytest.fixture(autouse=True)
def no_children_left() -> Iterator[None]:
    before = children()  # a browser another test left running, say
    yield
    assert children() <= before, "a worker process outlived map_on_cores"


@pytest.mark.parametrize(
    ("count", "workers", "per_task"), [(0, 2, 3), (1, 2, 3), (10, 2, 3), (1000, 3, 7), (50, 8, 1)]
)
def test_the_same_results_in_the_same_order_as_a_plain_map(count: int, workers: int, per_task: int) -> None:
    items = list(range(count))
    assert map_on_cores(square, items, workers, 0, per_task) == [n * n for n in items]


def test_large_results_cross_intact() -> None:
    items = [str(n) * 50_000 for n in range(40)]  # each result larger than a pipe's buffer
    assert map_on_cores(str.upper, items, 2, 0, 3) == [item.upper() for item in items]


@pytest.mark.parametrize(
    ("function", "error"),
    [(fails_on_7, ValueError), (dies_on_7, WorkerError), (unpicklable, WorkerError)],
    ids=["raises", "dies", "unpicklable"],
)
def test_a_worker_s_failure_is_raised_here(function: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        map_on_cores(function, list(range(20)), 2, 0, 2)  # type: ignore[arg-type]


def test_ctrl_c_ends_the_map_at_once_and_leaves_no_worker() -> None:
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    timer = threading.Timer(0.5, signal.pthread_kill, (main_thread, signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        map_on_cores(slow, list(range(200)), 2, 0, 1)  # 20 s of work
    assert time.monotonic() - started < 10


def test_small_inputs_and_one_worker_stay_in_this_process() -> None:
    pid = os.getpid()
    assert map_on_cores(lambda _: os.getpid(), [1, 2, 3], 1, 0, 1) == [pid] * 3
    assert map_on_cores(lambda _: os.getpid(), [1, 2, 3], 2, 10, 1) == [pid] * 3
