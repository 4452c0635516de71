"""Pausing Python's cyclic garbage collector while a deck is parsed and built.

The collector runs after every few hundred new container objects and, every so often, walks the
whole heap. A 100,000-card build creates tens of millions of tuples, lists and dataclasses, none
kept alive by reference cycles, and the collections took about 15 % of a rebuild (benchmarks/).
Reference counting still frees everything as usual; only cycle detection waits until the end.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collections inside the block; the collector's previous state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Objects made inside the block would all sit in the youngest generation, and the first
        # collection after it would walk every one of them (a second at 100,000 cards): they are
        # moved out of the collector's sight instead. Reference counting still frees them.
        gc.freeze()
        if was_enabled:
            gc.enable()


def collect_everything() -> None:
    """Find the reference cycles that paused builds left unreachable: for a long-running ``watch``,
    between builds, where a pause of a moment costs nothing (an error's traceback, for one, is a
    cycle that would otherwise stay frozen for the rest of the session)."""
    gc.unfreeze()
    gc.collect()
