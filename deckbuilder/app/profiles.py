"""Decks made for one Anki profile: its own note types where a deck's are the same by name and
schema but not by id (a deck imported from another profile, whose "Basic" has another id), so that
its notes go to the profile's note type and not to a copy "Basic+"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from deckbuilder.app.load import LoadedDeck
from deckbuilder.collection.notes import same_named_note_types
from deckbuilder.collection.opening import opened_copy, require_anki


def with_profile_note_types(col: Any, loaded: Sequence[LoadedDeck]) -> list[LoadedDeck]:
    """The decks with each note type the collection lacks by id but has by name and schema taken as
    the collection's own; the collection's note type is sent as it is, so its templates and CSS stay
    the profile's."""
    result = []
    for item in loaded:
        found = same_named_note_types(col, item.deck.note_types)
        if not found:
            result.append(item)
            continue
        types = tuple(found.get(note_type.id, note_type) for note_type in item.deck.note_types)
        deck = replace(item.deck, note_types=types)
        result.append(replace(item, resolution=replace(item.resolution, deck=deck)))
    return result


def for_profile(collection: Path, loaded: Sequence[LoadedDeck]) -> list[LoadedDeck]:
    """The decks made for the profile whose collection this is (only read)."""
    require_anki()
    with opened_copy(collection) as col:
        return with_profile_note_types(col, loaded)
