"""Cards new to the lock that Anki already has as notes: a lock lost or never committed.

Without this, every card of an imported deck whose lock is gone would get a new GUID, and ``push``
would add a second note beside each of the first (``pull --add-new`` would write each note into
the markdown again). A note of the deck's Anki deck that no lock holds, of the card's note type,
whose fields show what the card builds, is that card: it takes the note's GUID and mod time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from deckbuilder.app.load import LoadedDeck
from deckbuilder.app.media import collect_media
from deckbuilder.collection.notes import notes_of_deck_only
from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import MarkupOptions
from deckbuilder.html.plaintext import html_to_text
from deckbuilder.identity.resolve import Change, adopted
from deckbuilder.model import AnkiNote, Card, NoteType
from deckbuilder.render import MediaNames
from deckbuilder.reverse.edits import anki_edit, built_fields, card_note_type


def anki_markup(item: LoadedDeck) -> MarkupOptions:
    """How a build writes the deck's cards into Anki's fields: MathJax math, images by the names
    their media files get."""
    return MarkupOptions(math="mathjax", image_src=MediaNames(collect_media(item.deck, item.media_digests)))


def with_notes_adopted(col: Any, loaded: Sequence[LoadedDeck]) -> list[LoadedDeck]:
    """The decks with each card new to the lock that a note of its Anki deck already is taking
    that note's GUID and mod time (each note taken once), and its entry in the lock as read, as if
    the lock had held it all along."""
    known = {entry.guid for item in loaded for entries in item.lock.values() for entry in entries}
    known |= {match.card.guid for item in loaded for match in item.resolution.matches
              if match.change is not Change.NEW}  # fmt: skip
    taken: set[str] = set()
    result = []
    for item in loaded:
        new = [match.card for match in item.resolution.matches if match.change is Change.NEW]
        notes = notes_of_deck_only(col, item.deck.anki_deck, known | taken) if new else []
        if not notes:
            result.append(item)
            continue
        by_first_field: dict[tuple[int, str], list[AnkiNote]] = {}
        for note in notes:
            by_first_field.setdefault((note.note_type_id, _shown(note.fields[:1])), []).append(note)
        markup, fragments = anki_markup(item), Fragments()
        found: dict[str, tuple[str, int]] = {}
        for card in new:
            definition = card_note_type(item.deck, card)
            built = built_fields(card, definition, fragments, markup)
            candidates = by_first_field.get((definition.id, _shown(built[:1])), [])
            same = next((note for note in candidates if note.guid not in taken
                         and _same_card(card, note, definition, fragments, markup)), None)  # fmt: skip
            if same is not None:
                taken.add(same.guid)
                found[card.guid] = (same.guid, same.modified)
        if not found:
            result.append(item)
            continue
        resolution = adopted(item.resolution, found)
        entries = [match.previous for match in resolution.matches
                   if match.previous is not None and match.card.guid in taken]  # fmt: skip
        lock = {**item.lock, item.lock_key: (*item.lock.get(item.lock_key, ()), *entries)}
        result.append(replace(item, resolution=resolution, lock=lock))
    return result


def _shown(fields: Sequence[str]) -> str:
    return " ".join(" ".join(html_to_text(value).split()) for value in fields)


def _same_card(
    card: Card, note: AnkiNote, definition: NoteType, fragments: Fragments, markup: MarkupOptions
) -> bool:
    """Whether the note's fields, read back as markdown, are the card's question and answer (its
    tags aside: the card's are the markdown's to say)."""
    edit = anki_edit(card, note, definition, fragments, markup)
    return edit is None or (edit.question is None and edit.answer is None)
