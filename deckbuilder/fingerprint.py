"""Deterministic ids: normalised questions, GUIDs, deck ids and content hashes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from deckbuilder._version import MARKUP_VERSION

NON_WORD = re.compile(r"[\W_]+")
GUID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
GUID_LENGTH = 12
"""About 71 bits; letters and digits only, so a GUID never starts a CSV comment or needs quoting
in an Anki search (genanki's base91 GUIDs can start with '#')."""

# Anki's own decks use ids from the time in milliseconds; derived ids live in a range far from those
# and from 1 (the Default deck).
DECK_ID_LOW = 1 << 30
DECK_ID_SPAN = 1 << 30


@lru_cache(maxsize=1 << 18)
def normalise_question(question: str) -> str:
    """The question reduced to lower-case words, so that markup and punctuation changes match."""
    folded = unicodedata.normalize("NFKC", question).casefold()
    return " ".join(NON_WORD.sub(" ", folded).split())


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


GUID_SPAN = len(GUID_ALPHABET) ** GUID_LENGTH


def derive_guid(deck_id: int, key: str) -> str:
    """A GUID from the deck and a card key (its explicit id, or its normalised question)."""
    # Only the low GUID_LENGTH digits are used: reduced to them first, the divisions are of a small
    # number, not of a 256-bit one (the same digits, in a third of the time).
    number = int.from_bytes(_digest("deckbuilder-guid", str(deck_id), key), "big") % GUID_SPAN
    chars = []
    for _ in range(GUID_LENGTH):
        number, remainder = divmod(number, len(GUID_ALPHABET))
        chars.append(GUID_ALPHABET[remainder])
    return "".join(chars)


def guid_key(explicit_id: str | None, question: str) -> str:
    return f"id:{explicit_id}" if explicit_id else f"q:{normalise_question(question)}"


def deck_id_for(anki_deck: str) -> int:
    """A stable Anki deck id from the deck's name."""
    number = int.from_bytes(_digest("deckbuilder-deck", anki_deck)[:8], "big")
    return DECK_ID_LOW + number % DECK_ID_SPAN


def content_hash(
    question: str,
    answer: str,
    tags: tuple[str, ...],
    classes: tuple[str, ...],
    note_kind: str = "basic",
    note_type: str = "",
) -> str:
    """What decides whether a card changed: everything that reaches its Anki note."""
    parts = [f"markup-{MARKUP_VERSION}", question, answer, " ".join(tags), " ".join(classes)]
    if note_kind != "basic":  # so that basic cards keep the hashes they had before card kinds existed
        parts.append(note_kind)
    if note_type:  # likewise for cards of deckbuilder's own note types
        parts.append(f"note type {note_type}")
    digest = _digest(*parts)
    return digest.hex()[:16]


NOTE_TYPE_ID_LOW = 1 << 31
"""Derived note type ids sit above derived deck ids and far below Anki's millisecond-time ids."""


def note_type_id_for(name: str) -> int:
    """A stable note type id for one of Anki's built-in note types named by a deck."""
    number = int.from_bytes(_digest("deckbuilder-note-type", name)[:8], "big")
    return NOTE_TYPE_ID_LOW + number % DECK_ID_SPAN
