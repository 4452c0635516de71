"""The package's fields of unchanged cards, and its notes and cards tables, kept in memory between
the builds of one ``watch``: a save that changed one card computes one card's fields, not every
card's (render.options.FieldRows), and updates one note's rows (KeptPackage).

Kept for the decks of a process that keeps its caches warm (store.keep_warm), each deck's the rows
its last build used, so that memory stays at one build's worth."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import Any

from deckbuilder.incremental.store import keeping_warm, warm_memory
from deckbuilder.render.apkg import CARD_VALUES, NOTE_VALUES, row_values
from deckbuilder.render.options import CardRow, FieldRows, NoteRow
from deckbuilder.render.zipped import deflate_piece


def field_rows(source: Path) -> FieldRows | None:
    """A table of the deck's fields to render its package with; None when nothing is kept warm."""
    if not keeping_warm():
        return None
    last, last_cards = warm_memory("rows").get(source.resolve(), ({}, {}))
    return FieldRows(last.get, last_cards)


def keep_rows(source: Path, rows: FieldRows | None) -> None:
    """After the deck's package was written: its rows, for the next build of the same deck."""
    if rows is not None and keeping_warm():
        warm_memory("rows")[source.resolve()] = (rows.used, rows.cards)


def last_package(source: Path) -> KeptPackage | None:
    """What the deck's last package left (its notes and cards, its deflated pieces), to write its
    next package with; None when nothing is kept warm."""
    if not keeping_warm():
        return None
    kept = warm_memory("packages")
    key = source.resolve()
    if key not in kept:
        kept[key] = KeptPackage()
    return kept[key]  # type: ignore[no-any-return]


NOTE_COLUMNS = ("place", "guid", "mid", "mod", "tags", "flds", "sfld")
CARD_COLUMNS = ("place", "note", "did", "ord", "mod")
"""The kept tables' columns: a NoteRow's and a CardRow's values, in order."""


class KeptPackage:
    """What the last package left, kept between the builds of one ``watch`` (render.options.LastPackage).

    Its notes and cards, in an in-memory database: a save that changed one note updates one row here,
    and SQLite copies the tables into the new package's collection in a fraction of the time the rows
    take to go in from Python. The copy inserts the rows insert_rows would, in the same order, so the
    package's bytes are the same (tests/test_speed.py).

    Its zip members' deflated pieces (render.zipped): a piece with the same bytes as the last build's
    piece at its place is not deflated again; an edit changes the collection's pages near the edited
    note and, when a page splits, after it."""

    def __init__(self) -> None:
        self.uri = f"file:deckbuilder-tables-{secrets.token_hex(8)}?mode=memory&cache=shared"
        # Open while this object lives: a shared in-memory database ends with its last connection.
        self.connection = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
        for table, columns in (("notes", NOTE_COLUMNS), ("cards", CARD_COLUMNS)):
            rest = ", ".join(columns[1:])
            self.connection.execute(f"CREATE TABLE {table} ({columns[0]} INTEGER PRIMARY KEY, {rest})")
        self.notes: list[NoteRow] = []
        self.cards: list[CardRow] = []
        self.pieces: dict[tuple[str, int], tuple[bytes, bytes]] = {}

    def deflate(self, member: str, index: int, piece: bytes) -> bytes:
        last = self.pieces.get((member, index))
        if last is not None and last[0] == piece:
            return last[1]
        deflated = deflate_piece(member, index, piece)
        self.pieces[(member, index)] = (piece, deflated)
        return deflated

    def write_rows(
        self, connection: sqlite3.Connection, first: int, notes: list[NoteRow], cards: list[CardRow]
    ) -> None:
        self.notes = self._kept("notes", NOTE_COLUMNS, self.notes, notes)
        self.cards = self._kept("cards", CARD_COLUMNS, self.cards, cards)
        connection.execute("ATTACH DATABASE ? AS kept", (self.uri,))
        try:
            for table, template, columns in (
                ("notes", NOTE_VALUES, NOTE_COLUMNS),
                ("cards", CARD_VALUES, CARD_COLUMNS),
            ):
                values = row_values(template, first, columns)
                connection.execute(
                    f"INSERT INTO main.{table} SELECT {values} FROM kept.{table} ORDER BY place"
                )
            connection.commit()
        finally:
            connection.execute("DETACH DATABASE kept")

    def _kept(self, table: str, columns: tuple[str, ...], kept: list[Any], rows: list[Any]) -> list[Any]:
        """Make the table hold ``rows``: the rows that differ updated when the two have the same
        places, else all written again."""
        if len(kept) == len(rows) and all(old[0] == new[0] for old, new in zip(kept, rows, strict=True)):
            changed = [(*new[1:], new[0]) for old, new in zip(kept, rows, strict=True) if old != new]
            assignments = ", ".join(f"{column} = ?" for column in columns[1:])
            self.connection.executemany(f"UPDATE {table} SET {assignments} WHERE place = ?", changed)
        else:
            self.connection.execute(f"DELETE FROM {table}")
            placeholders = ", ".join("?" * len(columns))
            self.connection.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)
        self.connection.commit()
        return rows
