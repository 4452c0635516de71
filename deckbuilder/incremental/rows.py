"""The package's fields of unchanged cards kept in memory between the builds of one ``watch``: a
save that changed one card computes one card's fields, not every card's (render.options.FieldRows).

Kept for the decks of a process that keeps its caches warm (store.keep_warm), each deck's the rows
its last build used, so that memory stays at one build's worth."""

from __future__ import annotations

from pathlib import Path

from deckbuilder.incremental.store import keeping_warm, warm_memory
from deckbuilder.render.options import FieldRows


def field_rows(source: Path) -> FieldRows | None:
    """A table of the deck's fields to render its package with; None when nothing is kept warm."""
    if not keeping_warm():
        return None
    last = warm_memory("rows").get(source.resolve(), {})
    return FieldRows(last.get)


def keep_rows(source: Path, rows: FieldRows | None) -> None:
    """After the deck's package was written: its rows, for the next build of the same deck."""
    if rows is not None and keeping_warm():
        warm_memory("rows")[source.resolve()] = rows.used
