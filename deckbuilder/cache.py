"""A local, disposable memory of cards' text by content hash, so ``diff`` can show what changed.

It lives in ``.deckbuilder-cache/`` beside the sources with a ``.gitignore`` of its own; deleting it
loses nothing but the word-level detail of the next diff.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR_NAME = ".deckbuilder-cache"
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


def _database(folder: Path, create: bool) -> sqlite3.Connection | None:
    directory = ensure_cache_dir(folder) if create else folder / CACHE_DIR_NAME
    if directory is None or not directory.is_dir():
        return None
    try:
        connection = sqlite3.connect(directory / "cards.sqlite3", timeout=10)
        connection.execute(SCHEMA)
    except sqlite3.Error:
        return None
    return connection


def remember(folder: Path, cards: Iterable[tuple[str, str, str, tuple[str, ...]]]) -> None:
    """Store (content hash, question, answer, tags) rows; a cache that cannot be written is skipped."""
    connection = _database(folder, create=True)
    if connection is None:
        return
    with contextlib.closing(connection), contextlib.suppress(sqlite3.Error), connection:
        connection.executemany(
            "insert or ignore into cards values (?, ?, ?, ?)",
            ((content, question, answer, " ".join(tags)) for content, question, answer, tags in cards),
        )


def recall(folder: Path, contents: Iterable[str]) -> dict[str, RememberedCard]:
    """The remembered text of each content hash that is in the cache."""
    connection = _database(folder, create=False)
    if connection is None:
        return {}
    wanted = list(contents)
    found: dict[str, RememberedCard] = {}
    with contextlib.closing(connection), contextlib.suppress(sqlite3.Error):
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"select content, question, answer, tags from cards where content in ({marks})"
            for content, question, answer, tags in connection.execute(query, chunk):
                found[content] = RememberedCard(question, answer, tuple(tags.split()))
    return found
