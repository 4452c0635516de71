"""How a command uses the caches and the cores, and what it computed rather than found."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from deckbuilder.incremental.workers import map_on_cores, worker_count

CacheUse = Literal["none", "read", "write"]
"""What a command does with the caches: ignores them, reads what is there (check, list, diff, push:
the read-only commands leave nothing behind), or reads and writes them (build)."""

Work = Literal["pieces", "cards", "fragments", "plans"]

SPREAD: dict[Work, tuple[int, int]] = {
    "pieces": (2000, 256),
    "cards": (2000, 500),
    "fragments": (1500, 250),
    "plans": (2000, 200),
}
"""For each kind of work: the fewest items worth forking workers for (fewer finish sooner in one
process than workers start), and how many items a worker takes at a time."""

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class Caching:
    """The caches and cores a command uses, and counters of what it computed."""

    use: CacheUse = "none"
    workers: int | None = None
    """Processes to spread work over; None: DECKBUILDER_WORKERS, or every core (1 without caches)."""
    fork_minimum: int | None = None
    """The fewest items worth forking for, for every kind of work; None: each kind's own (SPREAD)."""
    per_task: int | None = None
    """Items a worker takes at a time, for every kind of work; None: each kind's own (SPREAD)."""
    libraries: Mapping[str, str] = field(default_factory=dict)
    """Library versions to key the caches by instead of the installed ones."""
    computed: Counter[str] = field(default_factory=Counter)
    """How many of each kind of work (pieces, cards, fragments, plans) were computed, not found, and
    how many documents were laid out anew (layouts) rather than by the previous build's record."""

    @property
    def reads(self) -> bool:
        return self.use != "none"

    @property
    def writes(self) -> bool:
        return self.use == "write"

    def worker_count(self) -> int:
        if self.workers is not None:
            return self.workers
        return worker_count() if self.reads else 1

    def spread(self) -> bool:
        """Whether some kind of work was, by its count so far, worth spreading over cores."""
        return any(self.computed[work] >= minimum for work, (minimum, _) in SPREAD.items())

    def map(self, work: Work, function: Callable[[Item], Result], items: Sequence[Item]) -> list[Result]:
        """``[function(item) for item in items]``, on all cores when there are enough items."""
        self.computed[work] += len(items)
        minimum, per_task = SPREAD[work]
        if self.fork_minimum is not None:
            minimum = self.fork_minimum
        if self.per_task is not None:
            per_task = self.per_task
        return map_on_cores(function, items, self.worker_count(), minimum, per_task)
