"""Reading notes out of Anki, for ``import`` and ``pull``: a package, or a collection, only read.

A collection is never opened where it lies: its exact bytes are copied to a scratch folder first
(``push.copy_exactly``), and Anki's backend opens the copy, so nothing can change the user's file
(not even the schema upgrade Anki does on opening an older one). A package is imported into a fresh
scratch collection, which reads every package format Anki writes.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckbuilder.app.push import (
    COLLECTION_FILE,
    PushError,
    check_collection,
    copy_exactly,
    opened_collection,
    require_anki,
)
from deckbuilder.model import CardTemplate, NoteType


@dataclass(frozen=True, slots=True)
class AnkiNote:
    """One note as Anki holds it."""

    note_id: int
    guid: str
    modified: int
    note_type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    """The deck of the note's first card."""


@dataclass(frozen=True, slots=True)
class AnkiContent:
    """Notes and the note types they use, and where their media files are."""

    notes: tuple[AnkiNote, ...]
    note_types: dict[int, NoteType]
    media: Path
    deck_ids: dict[str, int]


@contextlib.contextmanager
def opened_copy(path: Path, chosen: bool = True) -> Iterator[Any]:
    """The collection at ``path``, opened from a copy of its exact bytes (refused when Anki has it
    open); the copy is gone afterwards."""
    require_anki()
    check_collection(path, writable=False, chosen=chosen)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / COLLECTION_FILE
        copy_exactly(path, copy)
        with opened_collection(copy) as col:
            yield col


@contextlib.contextmanager
def package_collection(package: Path) -> Iterator[tuple[Any, Path]]:
    """A scratch collection holding the package's notes, scheduling and media, and its media folder."""
    require_anki()
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    if not package.is_file():
        raise PushError(f"{package}: no such package file; check the path")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / COLLECTION_FILE
        with opened_collection(path) as col:
            _without_note_types(col)
            options = ImportAnkiPackageOptions(with_scheduling=True)
            try:
                col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
            except Exception as error:  # the backend raises several kinds for damaged packages
                raise PushError(f"{package}: Anki cannot read this package ({error})") from None
            yield col, Path(col.media.dir())


SCRATCH_NOTE_TYPE = "deckbuilder scratch"


def _without_note_types(col: Any) -> None:
    """Remove a new collection's own note types, so that the package's keep their names (Anki
    renames one whose name is taken to "Name+"); a collection keeps one note type at least."""
    models = col.models
    scratch = models.new(SCRATCH_NOTE_TYPE)
    models.add_field(scratch, models.new_field("Field"))
    template = models.new_template("Card")
    template["qfmt"], template["afmt"] = "{{Field}}", "{{Field}}"
    models.add_template(scratch, template)
    models.add(scratch)
    for entry in models.all_names_and_ids():
        if entry.name != SCRATCH_NOTE_TYPE:
            models.remove(entry.id)


def read_notes(col: Any, deck: str | None, media: Path) -> AnkiContent:
    """The notes of ``deck`` and its sub-decks (every deck's when None), in the order they were
    added, and the note types they use."""
    decks = {entry.name: entry.id for entry in col.decks.all_names_and_ids()}
    if deck is not None and deck not in decks:
        close = ", ".join(sorted(name for name in decks if "::" not in name)[:12])
        raise PushError(f"no deck named '{deck}' in the collection; its decks: {close}")
    search = f'deck:"{search_quoted(deck)}"' if deck is not None else ""
    notes = notes_by_id(col, sorted(col.find_notes(search)))
    used = {note.note_type_id for note in notes}
    note_types = {note_type_id: note_type_of(col.models.get(note_type_id)) for note_type_id in sorted(used)}
    return AnkiContent(tuple(notes), note_types, media, decks)


def search_quoted(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"').replace("*", "\\*").replace("_", "\\_")


def note_type_of(data: dict[str, Any]) -> NoteType:
    return NoteType(
        name=data["name"],
        id=int(data["id"]),
        fields=tuple(field["name"] for field in data["flds"]),
        templates=tuple(CardTemplate(t["name"], t["qfmt"], t["afmt"]) for t in data["tmpls"]),
        css=data.get("css", ""),
        cloze=data.get("type", 0) == 1,
        modified=int(data.get("mod", 0)),
        sort_field=int(data.get("sortf", 0)),
        latex_pre=data.get("latexPre", ""),
        latex_post=data.get("latexPost", ""),
    )


def notes_by_guid(col: Any, changed: Mapping[str, int]) -> dict[str, AnkiNote]:
    """The notes with these GUIDs modified after the given times, wherever they are in the
    collection (the others are not read at all)."""
    rows = rows_where_in(col, "select id, guid, mod from notes where guid in ({})", sorted(changed))
    note_ids = [note_id for note_id, guid, modified in rows if modified > changed[guid]]
    return {note.guid: note for note in notes_by_id(col, sorted(note_ids))}


def guids_of(col: Any, note_ids: Sequence[int]) -> list[tuple[int, str]]:
    """Each note's id and GUID, in id order."""
    return sorted(rows_where_in(col, "select id, guid from notes where id in ({})", note_ids))


SQL_VALUES_AT_ONCE = 500
"""Values bound in one ``in (…)``: SQLite limits the bound values of a statement."""


def rows_where_in(col: Any, query: str, values: Sequence[Any]) -> list[Any]:
    """The rows of ``query`` (its ``{}`` the place of an ``in`` list) for all the values, asked in
    chunks."""
    rows: list[Any] = []
    for start in range(0, len(values), SQL_VALUES_AT_ONCE):
        chunk = list(values[start : start + SQL_VALUES_AT_ONCE])
        rows += col.db.all(query.format(",".join("?" * len(chunk))), *chunk)
    return rows


def notes_by_id(col: Any, note_ids: Sequence[int]) -> list[AnkiNote]:
    notes = []
    for note_id in note_ids:
        note = col.get_note(note_id)
        first = min(note.cards(), key=lambda card: (card.ord, card.id), default=None)
        notes.append(AnkiNote(note_id, note.guid, note.mod, note.mid, tuple(note.fields), tuple(note.tags),
                              col.decks.name(first.did) if first else ""))  # fmt: skip
    return notes
