"""One memo over a store: values found by key, the rest computed, and what was used kept."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
_NEVER_KEPT = object()
"""Marks a computation without a key: computed every time, never recorded."""


class Memo(Generic[Key, Value]):
    """A pure function's values by key: those ``known`` (from a cache file) are taken, the others
    computed together; every value used is recorded in ``used``, for the next run to find."""

    def __init__(self, known: Callable[[Key], Value | None] | None = None) -> None:
        self.known: Callable[[Key], Value | None] = known or (lambda key: None)
        self.used: dict[Key, Value] = {}

    def values(self, keys: Sequence[Key | None], compute: Callable[[list[int]], list[Value]]) -> list[Value]:
        """The value of every key; ``compute`` gets the indices of the keys found nowhere (each key
        once, and every None: a value that is never kept) and returns their values in that order."""
        found: list[Value | None] = []
        missing: dict[object, int] = {}
        for index, key in enumerate(keys):
            value = self.known(key) if key is not None else None
            if value is None:
                missing.setdefault(key if key is not None else (_NEVER_KEPT, index), index)
            found.append(value)
        fresh = dict(zip(missing, compute(list(missing.values())), strict=True))
        values: list[Value] = []
        for index, (key, value) in enumerate(zip(keys, found, strict=True)):
            if value is None:
                value = fresh[key if key is not None else (_NEVER_KEPT, index)]
            if key is not None:
                self.used[key] = value
            values.append(value)
        return values
