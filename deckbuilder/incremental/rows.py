"""The package's fields of unchanged cards, and its notes and cards tables, kept in memory between
the builds of one ``watch``: a save that changed one card computes one card's fields, not every
card's (render.options.FieldRows), and updates one note's rows (KeptPackage).

Kept for the decks of a process that keeps its caches warm (store.keep_warm), each deck's the rows
its last build used, so that memory stays at one build's worth."""

from __future__ import annotations

import bisect
import itertools
import operator
import secrets
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deckbuilder.incremental.store import keeping_warm, warm_memory
from deckbuilder.render.apkg import (
    CARD_VALUES,
    NOTE_VALUES,
    BulkDeck,
    CardOrders,
    DeckRow,
    note_rows,
    row_values,
    table_rows,
)
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
        self.rows: list[DeckRow] = []
        self.shape: list[tuple[int, int]] = []
        """The last build's decks' rows, and each deck's id and number of rows."""
        self.pieces: dict[tuple[str, int], tuple[bytes, bytes]] = {}

    def deflate(self, member: str, index: int, piece: bytes) -> bytes:
        last = self.pieces.get((member, index))
        if last is not None and last[0] == piece:
            return last[1]
        deflated = deflate_piece(member, index, piece)
        self.pieces[(member, index)] = (piece, deflated)
        return deflated

    def write_rows(self, connection: sqlite3.Connection, first: int, decks: Sequence[BulkDeck]) -> None:
        rows = list(itertools.chain.from_iterable(deck.rows for deck in decks))
        shape = [(deck.deck_id, len(deck.rows)) for deck in decks]
        if not self._patched(rows, shape):
            notes, cards = table_rows(decks)
            self.notes = self._kept("notes", NOTE_COLUMNS, self.notes, notes)
            self.cards = self._kept("cards", CARD_COLUMNS, self.cards, cards)
        self.rows, self.shape = rows, shape
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

    def _patched(self, rows: list[DeckRow], shape: list[tuple[int, int]]) -> bool:
        """Update the kept notes and cards of the decks' rows that changed since the last build, when
        the decks hold as many notes as then and each changed note as many cards: the places of the
        others stay, and so do their rows. False, with nothing updated, when that is not so."""
        if shape != self.shape or len(rows) != len(self.rows):
            return False
        # Compared in C: an unchanged row holds the very objects it held (fields kept by FieldRows).
        changed = list(itertools.compress(itertools.count(), map(operator.ne, self.rows, rows)))
        if len(changed) > len(rows) // 8:
            return False  # with many changed, comparing the table rows themselves costs no more
        ends = list(itertools.accumulate(count for _, count in shape))
        orders = CardOrders()
        updates: list[tuple[int, NoteRow, int, list[CardRow]]] = []
        for index in changed:
            place = self.notes[index][0]
            deck_id = shape[bisect.bisect_right(ends, index)][0]
            note, cards = note_rows(place, deck_id, rows[index], orders)
            start = place - index  # each note before it takes one place, and its cards the rest
            end = self.notes[index + 1][0] - index - 1 if index + 1 < len(self.notes) else len(self.cards)
            if len(cards) != end - start:
                return False
            updates.append((index, note, start, cards))
        for index, note, start, cards in updates:
            self.notes[index] = note
            self.cards[start : start + len(cards)] = cards
        self._update("notes", NOTE_COLUMNS, [note for _, note, _, _ in updates])
        self._update("cards", CARD_COLUMNS, [card for *_, cards in updates for card in cards])
        self.connection.commit()
        return True

    def _update(self, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
        assignments = ", ".join(f"{column} = ?" for column in columns[1:])
        self.connection.executemany(
            f"UPDATE {table} SET {assignments} WHERE place = ?", [(*row[1:], row[0]) for row in rows]
        )

    def _kept(self, table: str, columns: tuple[str, ...], kept: list[Any], rows: list[Any]) -> list[Any]:
        """Make the table hold ``rows``: the rows that differ updated when the two have the same
        places, else all written again."""
        if len(kept) == len(rows) and all(old[0] == new[0] for old, new in zip(kept, rows, strict=True)):
            self._update(table, columns, [new for old, new in zip(kept, rows, strict=True) if old != new])
        else:
            self.connection.execute(f"DELETE FROM {table}")
            placeholders = ", ".join("?" * len(columns))
            self.connection.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)
        self.connection.commit()
        return rows
