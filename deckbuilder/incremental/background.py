"""Work done in a forked child process while the parent goes on, for the caches a build writes.

A large build's caches take seconds to write (a 100,000-card deck: about four on a cold build),
and the outputs take seconds to render; a child process writes the one while the parent renders
the other. The child only writes files of its own (each atomically) and never reports: a cache
that could not be written is rebuilt next time.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def in_background(work: Callable[[], None]) -> Iterator[None]:
    """Run ``work`` in a child process during the block and wait for it at the end of the block;
    where processes cannot be forked, run it after the block instead."""
    if not hasattr(os, "fork"):
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
