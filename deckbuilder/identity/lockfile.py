"""The lock file: each card's GUID, question fingerprint, content hash and last-changed time."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckbuilder.errors import LockError, quoted, shorten
from deckbuilder.model import SourceLocation

LOCK_FILE_NAME = "deckbuilder.lock"
LOCK_VERSION = 1
HEADER_NOTE = (
    "deckbuilder lock file: keeps each card's Anki GUID across edits. "
    "Commit it with your markdown; do not edit it by hand."
)


@dataclass(frozen=True, slots=True)
class LockEntry:
    """What the lock remembers of one card."""

    guid: str
    question: str
    """The normalised question, for exact and fuzzy matching."""
    content: str
    """Hash of what reaches the Anki note; a new hash means the card changed."""
    changed: int
    """Unix time when the content last changed; what the Anki note's mod time is set to."""
    explicit_id: str | None = None
    removed: int | None = None
    """When the card left the markdown; kept so that a card added back gets its old GUID."""
    note_kind: str = "basic"
    """``basic``, ``reverse`` or ``cloze``: the kind of Anki note the card was built as."""
    note_type: str = ""
    """The name of the deck's own note type the card was built as; empty for deckbuilder's."""
    deck: str = ""
    """The Anki deck the card was built into, kept for decks that follow folders (``from_folders``):
    a file moved between folders moves its cards to another deck, which ``diff`` then says."""


Lock = Mapping[str, tuple[LockEntry, ...]]
"""Entries by deck: the source file's name relative to the lock's folder."""


def lock_path(folder: Path) -> Path:
    return folder / LOCK_FILE_NAME


def read_lock(path: Path) -> dict[str, tuple[LockEntry, ...]]:
    """The lock's entries, or nothing when there is no lock file yet."""
    read = read_json(
        path, "the lock file", "restore it from git, or delete it (unchanged questions keep their GUIDs; "
        "reworded ones get new ones)"
    )  # fmt: skip
    if read is None:
        return {}
    data, text = read
    entries = _entries_from(data, path)
    for (first_deck, first), (second_deck, second) in shared_guids(entries)[:1]:
        raise LockError(
            f"GUID {second.guid} is held by two cards, '{shorten(first.question, 50)}' ({first_deck}) and "
            f"'{shorten(second.question, 50)}' ({second_deck}); a hand edit or a merge went wrong. Delete "
            "one of the two entries (its card then gets a GUID of its own) or restore the file from git",
            SourceLocation(str(path), _line_of(text, second.guid, 2)),
        )
    return entries


def read_json(path: Path, what: str, remedy: str) -> tuple[Any, str] | None:
    """A JSON file deckbuilder keeps beside the markdown, as data and as text; None when there is
    none. One that cannot be read is an error naming the file, its line and ``remedy``."""
    try:
        if path.exists() and not path.is_file():
            raise LockError(f"{what} is not a regular file; remove it", SourceLocation(str(path), 1))
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise LockError(f"cannot read {what}: {error}", SourceLocation(str(path), 1)) from None
    try:
        return json.loads(text, parse_constant=_no_constant), text
    except json.JSONDecodeError as error:
        raise LockError(
            f"{what} is not valid JSON ({error.msg}); {remedy}", SourceLocation(str(path), error.lineno)
        ) from None
    except (RecursionError, ValueError) as error:
        raise LockError(
            f"{what} is not one deckbuilder writes ({shorten(str(error), 80)}); {remedy}",
            SourceLocation(str(path), 1),
        ) from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number deckbuilder writes")


def _line_of(text: str, guid: str, occurrence: int) -> int:
    """The line of the ``occurrence``-th entry with this GUID (the lock holds one entry a line)."""
    marker = f'"guid": {json.dumps(guid)}'
    position = -1
    for _ in range(occurrence):
        position = text.find(marker, position + 1)
        if position < 0:
            return 1
    return text.count("\n", 0, position) + 1


def _entries_from(data: Any, path: Path) -> dict[str, tuple[LockEntry, ...]]:
    where = SourceLocation(str(path), 1)
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        raise LockError(
            f"unknown lock file format (expected version {LOCK_VERSION}); "
            "was it written by a newer deckbuilder?",
            where,
        )
    decks = data.get("decks", {})
    if not isinstance(decks, dict) or not all(isinstance(items, list) for items in decks.values()):
        raise LockError("the lock file's decks are damaged; restore it from git", where)
    try:
        return {str(name): tuple(_entry(item) for item in items) for name, items in decks.items()}
    except (KeyError, TypeError, ValueError) as error:
        raise LockError(
            f"the lock file has a damaged entry ({shorten(str(error), 100)}); restore it from git", where
        ) from None


TIMES = range(0, 1 << 53)
"""Change and removal times a lock may hold (Unix seconds; Anki keeps them in 64-bit fields)."""
NOTE_KINDS = ("basic", "reverse", "cloze")


PLAIN_ENTRY = frozenset(("guid", "question", "content", "changed"))
"""The fields of most entries (no id, not removed, a basic card of deckbuilder's own note type)."""


def _entry(item: Any) -> LockEntry:
    # Most entries hold the four fields alone: checked at once, in a third of the time (a lock of
    # 100,000 entries is read on every build).
    if type(item) is dict and item.keys() == PLAIN_ENTRY:
        guid, question, content, changed = item["guid"], item["question"], item["content"], item["changed"]
        if (type(guid) is str and guid and type(question) is str and type(content) is str
                and type(changed) is int and 0 <= changed < 1 << 53):  # fmt: skip
            return LockEntry(guid, question, content, changed)
    if not isinstance(item, dict):
        raise TypeError(f"an entry is {type(item).__name__}, not an object")
    explicit_id, removed = item.get("id"), item.get("removed")
    entry = LockEntry(
        guid=_text(item, "guid"),
        question=_text(item, "question"),
        content=_text(item, "content"),
        changed=_time(item["changed"], "changed"),
        explicit_id=None if explicit_id is None else _text(item, "id"),
        removed=None if removed is None else _time(removed, "removed"),
        note_kind=item.get("kind", "basic"),
        note_type=item.get("type", ""),
        deck=item.get("deck", ""),
    )
    if not isinstance(entry.note_type, str):
        raise TypeError(f"'type' is {quoted(entry.note_type)}, not a text")
    if not isinstance(entry.deck, str):
        raise TypeError(f"'deck' is {quoted(entry.deck)}, not a text")
    if not entry.guid or entry.note_kind not in NOTE_KINDS:
        raise ValueError(
            f"entry {quoted(entry.guid)} has no GUID or an unknown kind {quoted(entry.note_kind)}"
        )
    return entry


def _text(item: dict[str, Any], key: str) -> str:
    value = item[key]
    if not isinstance(value, str):
        raise TypeError(f"'{key}' is {quoted(value)}, not a text")
    return value


def _time(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in TIMES:
        raise ValueError(f"'{key}' is {quoted(value)}, not a time in seconds")
    return value


def format_lock(lock: Lock, lines: Callable[[str, Sequence[LockEntry]], list[str]] | None = None) -> str:
    """The lock as text: one card a line, sorted by GUID, so that diffs show exactly what changed.
    ``lines`` gives a deck's lines, its name and entries given (deck_lines, or one that patches the
    lines of the last build)."""
    text = [
        "{",
        f'  "version": {LOCK_VERSION},',
        f'  "note": {json.dumps(HEADER_NOTE)},',
        '  "decks": {',
    ]
    deck_names = sorted(lock)
    for deck_index, name in enumerate(deck_names):
        text.append(f"    {json.dumps(name, ensure_ascii=False)}: [")
        deck = lines(name, lock[name]) if lines is not None else deck_lines(lock[name]).lines
        if deck:
            text.append("      " + ",\n      ".join(deck))
        text.append("    ]" + ("," if deck_index + 1 < len(deck_names) else ""))
    text.extend(["  }", "}", ""])
    return "\n".join(text)


@dataclass(frozen=True, slots=True)
class DeckLines:
    """A deck's lines in the lock, sorted by GUID; ``ranks`` gives each entry's line (by its place
    among the entries as given), ``guids`` each line's GUID."""

    lines: list[str]
    ranks: list[int]
    guids: list[str]


def deck_lines(entries: Sequence[LockEntry], line: Callable[[LockEntry], str] | None = None) -> DeckLines:
    """The entries' lines (``line``: entry_json, or one that remembers the lines of the last build)."""
    line = line or entry_json
    order = sorted(range(len(entries)), key=[entry.guid for entry in entries].__getitem__)
    ranks = [0] * len(order)
    for rank, place in enumerate(order):
        ranks[place] = rank
    return DeckLines(
        [line(entries[place]) for place in order], ranks, [entries[place].guid for place in order]
    )


def relined(last: DeckLines, entries: Sequence[LockEntry], changed: Sequence[int]) -> DeckLines | None:
    """The last lines with the entries at the ``changed`` places written again, when each has the
    GUID the last entry there had (its line stays where it was); None when one has another."""
    lines = list(last.lines)
    for place in changed:
        rank = last.ranks[place]
        if last.guids[rank] != entries[place].guid:
            return None
        lines[rank] = entry_json(entries[place])
    return DeckLines(lines, last.ranks, last.guids)


def as_read_back(lock: Lock) -> dict[str, tuple[LockEntry, ...]]:
    """What read_lock gives for the text format_lock writes of ``lock``: decks and entries in the
    file's order."""
    return {name: tuple(sorted(lock[name], key=lambda entry: entry.guid)) for name in sorted(lock)}


def entry_json(entry: LockEntry) -> str:
    """``json.dumps`` of the entry's fields, written out by hand: four times faster, and 100,000 lines
    are written on every build (tests/test_identity.py compares the two)."""
    text = _json_text
    line = (f'{{"guid": {text(entry.guid)}, "question": {text(entry.question)}, '
            f'"content": {text(entry.content)}, "changed": {int(entry.changed)}')  # fmt: skip
    if entry.explicit_id is not None:
        line += f', "id": {text(entry.explicit_id)}'
    if entry.removed is not None:
        line += f', "removed": {int(entry.removed)}'
    if entry.note_kind != "basic":
        line += f', "kind": {text(entry.note_kind)}'
    if entry.note_type:
        line += f', "type": {text(entry.note_type)}'
    if entry.deck:
        line += f', "deck": {text(entry.deck)}'
    return line + "}"


_json_text = json.encoder.encode_basestring
"""A str as a JSON string, non-ASCII kept as is (``json.dumps(..., ensure_ascii=False)``)."""


def merged(lock: Lock, updates: Mapping[str, Sequence[LockEntry]]) -> dict[str, tuple[LockEntry, ...]]:
    """The lock with some decks' entries replaced, and no removed entry whose GUID is live: a card
    moved between two files of one Anki deck keeps its GUID, and the lock holds it once."""
    result = dict(lock)
    result.update({name: tuple(entries) for name, entries in updates.items()})
    live = live_guids(result)
    return {
        name: tuple(entry for entry in entries if entry.removed is None or entry.guid not in live)
        for name, entries in result.items()
    }


def live_guids(lock: Lock) -> set[str]:
    """The GUIDs of the cards the lock's decks hold now (not those removed)."""
    return {entry.guid for entries in lock.values() for entry in entries if entry.removed is None}


def shared_guids(lock: Lock) -> list[tuple[tuple[str, LockEntry], tuple[str, LockEntry]]]:
    """Pairs of live entries, (deck, entry) each, that share a GUID: Anki would take them for one
    note, and each import would give one card's content and history to the other."""
    first: dict[str, tuple[str, LockEntry]] = {}
    pairs = []
    for name in sorted(lock):
        for entry in lock[name]:
            if entry.removed is None:
                seen = first.setdefault(entry.guid, (name, entry))
                if seen[1] is not entry:
                    pairs.append((seen, (name, entry)))
    return pairs
