"""The cache folder, ``.deckbuilder-cache/`` beside the sources (with a ``.gitignore`` of its own),
its files, and the memory of cards' text by content hash that lets ``diff`` show what changed.

Everything in it is disposable: deleting it costs the next build its speed and the next diff its
word-level detail, nothing else.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckbuilder.incremental.caching import CacheUse, Caching
from deckbuilder.incremental.keys import cache_header
from deckbuilder.incremental.store import MarshalStore

CACHE_DIR_NAME = ".deckbuilder-cache"
CARDS_FILE = "cards.sqlite3"
SQL_BATCH = 500
SCHEMA = "create table if not exists cards (content text primary key, question text, answer text, tags text)"


@dataclass(frozen=True, slots=True)
class RememberedCard:
    question: str
    answer: str
    tags: tuple[str, ...]


def ensure_cache_dir(folder: Path) -> Path | None:
    """The cache folder, created with a .gitignore of its own; None when it cannot be written."""
    directory = folder / CACHE_DIR_NAME
    if not directory.is_dir():
        try:
            directory.mkdir()
            (directory / ".gitignore").write_text(
                "# deckbuilder's cache: safe to delete\n*\n", encoding="utf-8"
            )
        except OSError:
            return None
    return directory


def cache_dir(folder: Path, create: bool) -> Path | None:
    """The cache folder beside these sources: made when ``create``, else only if it is there."""
    if create:
        return ensure_cache_dir(folder)
    directory = folder / CACHE_DIR_NAME
    return directory if directory.is_dir() else None


def cache_file(source: Path, kind: str, use: CacheUse) -> Path | None:
    """Where a cache of this kind for a source lives (``<kind>-<file>.bin``); None when caches are
    not used, or only read and there is no cache folder."""
    directory = cache_dir(source.parent, create=use == "write") if use != "none" else None
    return directory / f"{kind}-{source.name}.bin" if directory is not None else None


def open_store(source: Path, kind: str, caching: Caching) -> MarshalStore | None:
    """The ``kind`` cache of a source (see keys.CODE) as this code and these library versions would
    use it; None when caches are not used, or only read and there is none."""
    path = cache_file(source, kind, caching.use)
    return MarshalStore.load(path, cache_header(kind, caching.libraries)) if path is not None else None


def open_database(folder: Path, name: str, schema: str, create: bool) -> sqlite3.Connection | None:
    """A database in the cache folder, its table made; None when there is none or it cannot be opened
    (the cache is an optimisation, never a reason for a command to fail)."""
    directory = cache_dir(folder, create)
    if directory is None:
        return None
    try:
        connection = sqlite3.connect(directory / name, timeout=10)
        connection.execute(schema)
    except sqlite3.Error:
        return None
    return connection


def select_in(connection: sqlite3.Connection, query: str, keys: list[str]) -> Iterable[tuple[Any, ...]]:
    """Rows of ``query`` (ending in ``in ({})``) for every key, asked in batches under SQLite's limit."""
    for start in range(0, len(keys), SQL_BATCH):
        batch = keys[start : start + SQL_BATCH]
        yield from connection.execute(query.format(",".join("?" * len(batch))), batch)


CardText = tuple[str, str, str, tuple[str, ...]]
"""(content hash, question, answer, tags) of one card."""


def remember(folder: Path, new: Iterable[CardText], every: Callable[[], Iterable[CardText]]) -> None:
    """Store the text of cards ``new`` since the last build, or of ``every`` card when the cache is
    empty (a new or deleted cache); a cache that cannot be written is skipped. Cards unchanged since
    the last build are already there, and inserting 100,000 of them again took seconds."""
    connection = open_database(folder, CARDS_FILE, SCHEMA, create=True)
    if connection is None:
        return
    with contextlib.closing(connection), contextlib.suppress(sqlite3.Error), connection:
        empty = connection.execute("select 1 from cards limit 1").fetchone() is None
        connection.executemany(
            "insert or ignore into cards values (?, ?, ?, ?)",
            (
                (content, question, answer, " ".join(tags))
                for content, question, answer, tags in (every() if empty else new)
            ),
        )


def recall(folder: Path, contents: Iterable[str]) -> dict[str, RememberedCard]:
    """The remembered text of each content hash that is in the cache."""
    connection = open_database(folder, CARDS_FILE, SCHEMA, create=False)
    if connection is None:
        return {}
    found: dict[str, RememberedCard] = {}
    with contextlib.closing(connection), contextlib.suppress(sqlite3.Error):
        query = "select content, question, answer, tags from cards where content in ({})"
        for content, question, answer, tags in select_in(connection, query, list(contents)):
            found[content] = RememberedCard(question, answer, tuple(tags.split()))
    return found
