"""Work spread over the cores: how many processes to use, and mapping a function with them.

The processes are forked directly rather than through ``multiprocessing.Pool``: a Pool stopped by
Ctrl-C terminates workers that may be halfway through sending a result, and its result thread then
waits for the rest of that message forever, so an interrupted build could hang instead of ending
(seen in tests/test_loop.py). Here the workers have no threads to wait for: on any exception the
parent kills them and goes on.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

TASK = struct.Struct("<I")
"""A task on the shared task pipe: the index of a slice of items."""
HEADER = struct.Struct("<Q")
"""The length of one pickled message from a worker."""
MOST_TASKS = 1024
"""Task numbers are all written to the pipe before any worker starts: 4 KiB, which any pipe holds."""


class WorkerError(RuntimeError):
    """A worker process ended without returning its results."""


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
    a time when there are at least ``minimum`` items (fewer finish sooner than processes start).

    Forked, so that workers start with every module and the caller's data already loaded: a
    ``function`` may read module state the caller set before the call, and only results cross
    between processes. An exception in a worker is raised here; so is one a worker cannot send."""
    if workers <= 1 or len(items) < minimum or not hasattr(os, "fork"):
        return [function(item) for item in items]
    per_task = max(per_task, -(-len(items) // MOST_TASKS))
    tasks = range(0, len(items), per_task)
    task_reader, task_writer = os.pipe()
    # All tasks are in the pipe before a worker starts and its writing end is closed, so a worker
    # reads task after task (each read of four bytes takes exactly one) until the pipe is empty.
    os.write(task_writer, b"".join(TASK.pack(number) for number in range(len(tasks))))
    os.close(task_writer)
    children: dict[int, int] = {}  # pid: the reading end of its result pipe
    try:
        for _ in range(min(workers, len(tasks))):
            result_reader, result_writer = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                os.close(result_reader)
                _work(function, items, tasks, task_reader, result_writer)
            os.close(result_writer)
            children[pid] = result_reader
        os.close(task_reader)
        task_reader = -1
        return _gathered(list(children.values()), len(tasks))
    finally:
        if task_reader != -1:
            os.close(task_reader)
        _end(children)


def _gathered(readers: list[int], task_count: int) -> list[Any]:
    """Every task's results in task order, as the workers send them through ``readers``."""
    slices: list[list[Any] | None] = [None] * task_count
    for number, outcome in _messages(readers):
        if isinstance(outcome, BaseException):
            raise outcome
        slices[number] = outcome
    missing = sum(part is None for part in slices)
    if missing:
        raise WorkerError(f"{missing} of {task_count} parts of the work were lost with a worker process")
    return [result for part in slices if part is not None for result in part]


def _end(children: dict[int, int]) -> None:
    """Kill the workers still working (their work is abandoned), close their pipes and reap them."""
    for pid, reader in children.items():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.close(reader)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _work(
    function: Callable[[Any], Any], items: Sequence[Any], tasks: range, tasks_from: int, results_to: int
) -> None:  # pragma: no cover - runs in the child
    """A worker: take tasks until there are none, send each result; never returns."""
    # Ctrl-C reaches every process of the terminal: the parent alone decides, and ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 0
    try:
        while task := os.read(tasks_from, TASK.size):
            (number,) = TASK.unpack(task)
            start = tasks[number]
            try:
                outcome: Any = [function(item) for item in items[start : start + tasks.step]]
            except Exception as error:
                outcome, code = error, 1
            try:
                message = pickle.dumps((number, outcome), pickle.HIGHEST_PROTOCOL)
            except Exception as error:  # an exception or result that cannot be pickled
                message, code = pickle.dumps((number, WorkerError(f"cannot send a result: {error}"))), 1
            _write_all(results_to, HEADER.pack(len(message)) + message)
            if code:
                break
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no exit handlers: they belong to the parent


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _messages(readers: list[int]) -> Iterator[tuple[int, Any]]:
    """(task number, results or exception) from every worker, as they arrive, until all have ended."""
    pending = {reader: bytearray() for reader in readers}
    with selectors.DefaultSelector() as selector:
        for reader in readers:
            selector.register(reader, selectors.EVENT_READ)
        while pending:
            for key, _ in selector.select():
                reader = key.fd
                chunk = os.read(reader, 1 << 20)
                if not chunk:
                    selector.unregister(reader)
                    del pending[reader]
                    continue
                buffer = pending[reader]
                buffer += chunk
                while len(buffer) >= HEADER.size:
                    (length,) = HEADER.unpack_from(buffer)
                    if len(buffer) < HEADER.size + length:
                        break
                    message = bytes(buffer[HEADER.size : HEADER.size + length])
                    del buffer[: HEADER.size + length]
                    yield pickle.loads(message)
