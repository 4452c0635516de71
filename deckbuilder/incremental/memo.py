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
        known = self.known
        # Comprehensions, not one loop: a rebuild looks up hundreds of thousands of keys.
        found = [known(key) if key is not None else None for key in keys]
        missing = [index for index, value in enumerate(found) if value is None]
        if missing:
            first: dict[object, int] = {}
            for index in missing:
                first.setdefault(_memo_key(keys[index], index), index)
            fresh = dict(zip(first, compute(list(first.values())), strict=True))
            for index in missing:
                found[index] = fresh[_memo_key(keys[index], index)]
        values: list[Value] = found  # type: ignore[assignment]  # every None was filled in above
        if None in keys:
            self.used.update((key, value) for key, value in zip(keys, values, strict=True) if key is not None)
        else:
            self.used.update(zip(keys, values, strict=True))  # type: ignore[arg-type]
        return values


def _memo_key(key: object, index: int) -> object:
    return key if key is not None else (_NEVER_KEPT, index)
