"""Reading notes and note types out of an open collection, by deck, GUID or note id."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from deckbuilder.errors import AnkiError
from deckbuilder.model import AnkiContent, AnkiNote, CardTemplate, NoteType


def read_notes(col: Any, deck: str | None, media: Path) -> AnkiContent:
    """The notes of ``deck`` and its sub-decks (every deck's when None), in the order they were
    added, and the note types they use."""
    decks = {entry.name: entry.id for entry in col.decks.all_names_and_ids()}
    if deck is not None and deck not in decks:
        close = ", ".join(sorted(name for name in decks if "::" not in name)[:12])
        raise AnkiError(f"no deck named '{deck}' in the collection; its decks: {close}")
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


def same_named_note_types(col: Any, wanted: Sequence[NoteType]) -> dict[int, NoteType]:
    """For each note type whose id the collection lacks, the collection's own note type of that name
    and schema (another profile's "Basic", which has another id), by the wanted id."""
    found = {}
    for note_type in wanted:
        if col.models.get(note_type.id) is not None:
            continue
        model = col.models.by_name(note_type.name)
        if model is not None and (theirs := note_type_of(model)).schema() == note_type.schema():
            found[note_type.id] = theirs
    return found


def notes_by_guid(col: Any, changed: Mapping[str, int]) -> dict[str, AnkiNote]:
    """The notes with these GUIDs modified after the given times, wherever they are in the
    collection (the others are not read at all)."""
    rows = rows_where_in(col, "select id, guid, mod from notes where guid in ({})", sorted(changed))
    note_ids = [note_id for note_id, guid, modified in rows if modified > changed[guid]]
    return {note.guid: note for note in notes_by_id(col, sorted(note_ids))}


def notes_of_deck_only(col: Any, name: str, known: Collection[str]) -> list[AnkiNote]:
    """The notes of the deck ``name`` (not of its sub-decks) whose GUIDs are not ``known``."""
    if col.decks.id_for_name(name) is None:
        return []  # the deck is not in the collection yet
    note_ids = col.find_notes(f'deck:"{search_quoted(name)}" -deck:"{search_quoted(name)}::*"')
    unknown = [note_id for note_id, guid in guids_of(col, note_ids) if guid not in known]
    return [note for note in notes_by_id(col, unknown) if note.deck == name]


def guids_of(col: Any, note_ids: Sequence[int]) -> list[tuple[int, str]]:
    """Each note's id and GUID, in id order."""
    return sorted(rows_where_in(col, "select id, guid from notes where id in ({})", note_ids))


SQL_VALUES_AT_ONCE = 500
"""Values bound in one ``in (…)``: SQLite limits the bound values of a statement."""


def rows_where_in(col: Any, query: str, values: Sequence[Any], *before: Any) -> list[Any]:
    """The rows of ``query`` (its ``{}`` the place of an ``in`` list, after the ``before`` values)
    for all the values, asked in chunks."""
    rows: list[Any] = []
    for start in range(0, len(values), SQL_VALUES_AT_ONCE):
        chunk = list(values[start : start + SQL_VALUES_AT_ONCE])
        rows += col.db.all(query.format(",".join("?" * len(chunk))), *before, *chunk)
    return rows


def notes_by_id(col: Any, note_ids: Sequence[int]) -> list[AnkiNote]:
    notes = []
    for note_id in note_ids:
        note = col.get_note(note_id)
        first = min(note.cards(), key=lambda card: (card.ord, card.id), default=None)
        # A card in a filtered deck is there for a while: its home deck (odid) is the note's deck.
        deck = col.decks.name(first.odid or first.did) if first else ""
        fields, tags = tuple(note.fields), tuple(note.tags)
        notes.append(AnkiNote(note_id, note.guid, note.mod, note.mid, fields, tags, deck))
    return notes


def move_cards(col: Any, decks: Mapping[str, str]) -> list[str]:
    """Move the cards of the notes with these GUIDs to the decks named (made when missing): Anki's
    import leaves cards it has in their deck, though the package names another. The questions of
    the notes moved (their first field), for the report."""
    rows = rows_where_in(col, "select id, guid from notes where guid in ({})", sorted(decks))
    moved = []
    for note_id, guid in sorted(rows, key=lambda row: row[1]):
        deck_id = col.decks.id(decks[guid])
        note = col.get_note(note_id)
        # A card in a filtered deck moves home when the filtered deck empties: its home changes.
        cards = [card for card in note.cards() if (card.odid or card.did) != deck_id]
        if not cards:
            continue
        for card in cards:
            if card.odid:
                card.odid = deck_id
                col.update_card(card)
        col.set_deck([card.id for card in cards if not card.odid], deck_id)
        moved.append(note.fields[0])
    return moved
