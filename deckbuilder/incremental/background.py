"""Work done in a forked child process while the parent goes on, for the caches a build writes.

A large build's caches take seconds to write (a 100,000-card deck: about four on a cold build),
and the outputs take seconds to render; a child process writes the one while the parent renders
the other. The child only writes files of its own (each atomically) and never reports: a cache
that could not be written is rebuilt next time.

Not so in a process that keeps its caches warm (``watch``) after a build that computed little: its
memory is large and the saves are small, and the parent, writing to its memory after the fork, pays
for a copy of each page it touches. A save of one answer in a 20,000-card deck reached its package
in 0.63-0.71 s with the fork and 0.49-0.51 s with the caches saved after it (benchmarks/README.md).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.store import keeping_warm


@contextlib.contextmanager
def in_background(work: Callable[[], None], caching: Caching | None = None) -> Iterator[None]:
    """Run ``work`` in a child process during the block and wait for it at the end of the block;
    where processes cannot be forked, or a warm process's ``caching`` computed little, run it after
    the block instead."""
    small = caching is not None and keeping_warm() and not caching.spread()
    if not hasattr(os, "fork") or small:
        yield
        work()
        return
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is not collected
        code = 0
        try:
            work()
        except BaseException:
            code = 1
        finally:
            os._exit(code)  # no exit handlers, no flushing of the parent's buffered output
    try:
        yield
    finally:
        os.waitpid(child, 0)
