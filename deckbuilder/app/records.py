"""What a run keeps besides its outputs: the updated lock files, and the built cards' text in the
local cache (for the next ``diff``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from deckbuilder.app.load import LoadedDeck
from deckbuilder.identity.lockfile import (
    Lock,
    LockEntry,
    as_read_back,
    deck_lines,
    entry_json,
    format_lock,
    relined,
)
from deckbuilder.identity.resolve import CardMatch, Change
from deckbuilder.incremental.cachefiles import CardText, remember
from deckbuilder.incremental.store import by_object, by_position, keeping_warm, remember_value


def lock_files(locks: Mapping[Path, Lock]) -> dict[Path, bytes]:
    """The lock files' bytes, of the locks of the loaded decks' folders (load.updated_locks)."""
    line = by_object("lock lines", entry_json)  # entries a save left unchanged: the lines written last

    def lines_of(lock_file: Path) -> Callable[[str, Sequence[LockEntry]], list[str]]:
        def lines(name: str, entries: Sequence[LockEntry]) -> list[str]:
            # A save that left the deck's cards as they were, but a few, writes those few lines.
            compute = functools.partial(deck_lines, line=line)
            return by_position(f"lock lines {lock_file} {name}", entries, compute, relined).lines

        return lines

    return {
        lock_file: format_lock(lock, lines_of(lock_file)).encode("utf-8") for lock_file, lock in locks.items()
    }


def locks_written(locks: Mapping[Path, Lock]) -> None:
    """After the lock files were written: their entries as the next read of them would give, kept
    while watch keeps its state warm (incremental.store.warm_value)."""
    if keeping_warm():
        for lock_file, lock in locks.items():
            remember_value(lock_file, "lock", as_read_back(lock))


def remember_cards(loaded: Sequence[LoadedDeck], every: bool = False) -> None:
    """Keep the built cards' text in the local cache, for the next diff: of the cards that changed
    (the others are there from the build that made them), or with ``every``, of all (the files were
    written by import or pull, not built)."""
    for item in loaded:
        matches = item.resolution.matches
        remember(
            item.lock_file.parent,
            (_text(m) for m in matches if every or m.change is not Change.UNCHANGED),
            functools.partial(map, _text, matches),
        )


def _text(match: CardMatch) -> CardText:
    return (match.content, match.card.question, match.card.answer, match.card.tags)
