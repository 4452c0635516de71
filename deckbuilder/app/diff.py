"""What the next build will change relative to the lock file, for ``deckbuilder diff``."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckbuilder.app.load import LoadedDeck, load_decks
from deckbuilder.app.media import local_images
from deckbuilder.errors import shorten
from deckbuilder.fingerprint import normalise_question
from deckbuilder.html.markup import to_inline_html
from deckbuilder.html.plaintext import html_to_text
from deckbuilder.identity.lockfile import LockEntry
from deckbuilder.identity.resolve import Change, followed_deck
from deckbuilder.incremental.cachefiles import RememberedCard, recall
from deckbuilder.incremental.caching import Caching
from deckbuilder.model import Card, Deck
from deckbuilder.render.notetypes import CLOZE_FIELDS, CLOZE_NOTE_TYPE_NAME, FIELDS, NOTE_TYPE_NAME

CONTEXT_WORDS = 4
DIFF_LIMIT = 300


@dataclass(frozen=True, slots=True)
class CardChange:
    kind: str
    """``added``, ``changed``, ``reworded``, ``moved`` (to another Anki deck) or ``removed``."""
    guid: str
    question: str
    card: Card | None = None
    previous_question: str | None = None
    similarity: float | None = None
    detail: str | None = None
    """A word-level diff of what changed, when the previous text is known."""
    fingerprint: str | None = None
    """The normalised question, for removed cards: what an Anki search can match."""
    note_kind: str = "basic"
    """For removed cards, the kind of Anki note they were built as: where a search finds them."""
    caution: str | None = None
    """What Anki will do when the card's kind of note changed (basic, reverse, cloze)."""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "guid": self.guid, "question": self.question}
        if self.card is not None:
            data["number"] = self.card.number
            data["source"] = str(self.card.source)
        if self.previous_question is not None:
            data["previous_question"] = self.previous_question
        if self.similarity is not None:
            data["similarity"] = round(self.similarity, 3)
        if self.detail is not None:
            data["diff"] = self.detail
        if self.caution is not None:
            data["caution"] = self.caution
        return data


@dataclass(frozen=True, slots=True)
class DeckChanges:
    loaded: LoadedDeck
    changes: tuple[CardChange, ...]
    unchanged: int

    def of_kind(self, kind: str) -> list[CardChange]:
        return [change for change in self.changes if change.kind == kind]

    def anki_search(self) -> str | None:
        """An Anki search that finds the removed cards' notes (Anki has no search by GUID): their
        question's words, in that order, in the field the question went to."""
        removed = self.of_kind("removed")
        basic = [_field_search(FIELDS[0], c) for c in removed if c.note_kind != "cloze"]
        # A cloze note's heading is its Extra field when it has a body, else its Text.
        cloze = [f"({_field_search(CLOZE_FIELDS[1], c)} OR {_field_search(CLOZE_FIELDS[0], c)})"
                 for c in removed if c.note_kind == "cloze"]  # fmt: skip
        searches = [
            f'"note:{note_type}" {_any_of(terms)}'
            for note_type, terms in ((NOTE_TYPE_NAME, basic), (CLOZE_NOTE_TYPE_NAME, cloze))
            if terms
        ]
        if len(searches) > 1:
            return _any_of([f"({search})" for search in searches])
        return searches[0] if searches else None

    def as_json(self) -> dict[str, Any]:
        counts = {
            kind: len(self.of_kind(kind)) for kind in ("added", "changed", "reworded", "moved", "removed")
        }
        return {
            "source": str(self.loaded.deck.source),
            "counts": {**counts, "unchanged": self.unchanged},
            "changes": [change.as_json() for change in self.changes],
            "anki_search_for_removed": self.anki_search(),
        }


def diff_sources(sources: Sequence[Path], recursive: bool = False) -> list[DeckChanges]:
    """What the next build of the sources would change, deck by deck. Diff reads the caches a build
    wrote and writes none (nor the lock): it changes nothing."""
    loaded = load_decks(sources, recursive=recursive, caching=Caching(use="read"))
    return [deck_changes(item) for item in loaded]


def deck_changes(loaded: LoadedDeck) -> DeckChanges:
    """Sort each card of the deck into added, changed, reworded or unchanged, and list the removed."""
    resolution = loaded.resolution
    previous = [m.previous.content for m in resolution.matches if m.previous is not None]
    remembered = recall(loaded.lock_file.parent, [*previous, *(e.content for e in resolution.removed)])
    changes: list[CardChange] = []
    unchanged = 0
    for match in resolution.matches:
        card = match.card
        if match.change is Change.NEW:
            changes.append(CardChange("added", card.guid, card.question, card))
        elif match.similarity is not None and match.previous is not None:
            old = remembered.get(match.previous.content)
            old_question = old.question if old else match.previous.question
            detail = _detail(old, card) if old else None
            changes.append(
                CardChange(
                    "reworded",
                    card.guid,
                    card.question,
                    card,
                    old_question,
                    match.similarity,
                    detail,
                    caution=kind_caution(match.previous, card),
                )
            )
        elif match.change is Change.CHANGED and match.previous is not None:
            old = remembered.get(match.previous.content)
            detail = _detail(old, card) if old else "(the previous text is not in the local cache)"
            if detail is None and local_images(card):
                detail = "an image changed"  # the same text: only a picture it shows can differ
            caution = kind_caution(match.previous, card)
            changes.append(
                CardChange("changed", card.guid, card.question, card, detail=detail, caution=caution)
            )
        elif (moved := _moved_deck(match.previous, resolution.deck)) is not None:
            changes.append(
                CardChange("moved", card.guid, card.question, card, detail=moved, caution=MOVED_CAUTION)
            )
        else:
            unchanged += 1
    for entry in resolution.removed:
        changes.append(_removed(entry, remembered.get(entry.content)))
    return DeckChanges(loaded, tuple(changes), unchanged)


MOVED_CAUTION = (
    "Anki's import keeps cards it already has in their old deck: move them in Anki's browser "
    "(Browse > Cards > Change Deck); new cards go to the new deck"
)


def _moved_deck(entry: LockEntry | None, deck: Deck) -> str | None:
    """``deck 'A' -> 'B'`` when the card was built into another deck (decks that follow folders)."""
    now = followed_deck(deck)
    if entry is None or not entry.deck or not now or entry.deck == now:
        return None
    return f"deck '{entry.deck}' -> '{now}'"


def _field_search(field: str, change: CardChange) -> str:
    return f'"{field}:{"*".join((change.fingerprint or "").split())}*"'


def _any_of(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def kind_caution(entry: LockEntry, card: Card) -> str | None:
    """What re-importing does to a note whose kind or note type changed, which Anki cannot always
    follow."""
    if entry.note_type != card.note_type:
        names = [f"'{name}'" if name else "deckbuilder's own" for name in (entry.note_type, card.note_type)]
        return (
            f"this card's note type changed from {names[0]} to {names[1]}: Anki cannot change a note's type "
            "on import, so the import reports it as conflicting and leaves the old note as it was. Change "
            "the note type in Anki first (Browse > Notes > Change Note Type), or delete the old note, or "
            "give the card a new {#id} to keep both"
        )
    before, after = entry.note_kind, card.note_kind
    if before == after:
        return None
    if "cloze" in (before, after):
        return (
            f"this card changed from {before} to {after}: Anki cannot change a note's type on import, so "
            "the import reports it as conflicting and leaves the old note as it was. Delete the old note in "
            "Anki first (its review history goes with it), or give the card a new {#id} to keep both"
        )
    turned = "on" if after == "reverse" else "off"
    return (
        f"reversal turned {turned}: the .apkg updates the note in place and keeps its history"
        + (
            " and adds the reverse card"
            if turned == "on"
            else "; delete the reverse card in Anki with Tools > Empty Cards"
        )
        + ". A CSV import cannot: it uses another note type and reports the note as conflicting"
    )


def _removed(entry: LockEntry, remembered: RememberedCard | None) -> CardChange:
    question = remembered.question if remembered else entry.question
    # The search matches the note's field as Anki holds it: the question's HTML, sanitized (a
    # script's text, say, is gone from it), not the markdown's words.
    searched = normalise_question(html_to_text(to_inline_html(question))) if remembered else entry.question
    return CardChange("removed", entry.guid, question, fingerprint=searched, note_kind=entry.note_kind)


def _detail(old: RememberedCard, card: Card) -> str | None:
    parts = []
    for label, before, after in (
        ("question", old.question, card.question),
        ("answer", old.answer, card.answer),
        ("tags", " ".join(old.tags), " ".join(card.tags)),
    ):
        if before != after:
            parts.append(f"{label}: {word_diff(before, after)}")
    return "; ".join(parts) or None


def word_diff(old: str, new: str) -> str:
    """Changed words as ``[-old-]{+new+}`` with a few words of context, like ``git diff --word-diff``."""
    before, after = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    pieces: list[str] = []
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = before[i1:i2]
            head = words[:CONTEXT_WORDS] if index > 0 else []
            tail = words[-CONTEXT_WORDS:] if index < len(opcodes) - 1 else []
            if len(words) <= len(head) + len(tail):
                pieces.append(" ".join(words))
            else:
                pieces.append(" ".join([*head, "…", *tail]).strip())
            continue
        if i2 > i1:
            pieces.append("[-" + " ".join(before[i1:i2]) + "-]")
        if j2 > j1:
            pieces.append("{+" + " ".join(after[j1:j2]) + "+}")
    text = " ".join(piece for piece in pieces if piece)
    return shorten(text, DIFF_LIMIT)
