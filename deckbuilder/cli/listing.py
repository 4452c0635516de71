"""What ``deckbuilder list`` prints: a table for people and JSON for scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deckbuilder.errors import shorten
from deckbuilder.html.fragments import Fragments
from deckbuilder.model import Card, Deck
from deckbuilder.render.fields import question_html

SHORT_GUID = 8


def decks_json(decks: Sequence[Deck], fragments: Sequence[Fragments] | None = None) -> dict[str, Any]:
    """The documented ``list --json`` shape, which other tools rely on (each deck's HTML through
    its fragments table, when one was filled ahead)."""
    tables = fragments if fragments is not None else [Fragments() for _ in decks]
    return {
        "decks": [
            {
                "title": deck.title,
                "anki_deck": deck.anki_deck,
                "source": str(deck.source),
                "footer": deck.footer,
                "cards": [_card_json(card, table) for card in deck.cards],
            }
            for deck, table in zip(decks, tables, strict=True)
        ]
    }


def _card_json(card: Card, fragments: Fragments) -> dict[str, Any]:
    return {
        "guid": card.guid,
        "number": card.number,
        "question": card.question,
        "answer": card.answer,
        "question_html": question_html(card, fragments),
        "answer_html": fragments.html(card.answer),
        "tags": list(card.tags),
        "source": str(card.source),
        "shape": card.shape,
        "note_type": card.note_type or None,
    }


def card_table(deck: Deck, width: int, with_source: bool = False) -> list[str]:
    """One line per card: number, short GUID, tags and as much of the question as fits
    (with ``with_source``, the question's ``path:line`` and the shape it was read as too)."""
    rows = [
        (
            str(card.number) if card.number is not None else "-",
            card.guid[:SHORT_GUID],
            " ".join(card.tags),
            f"{card.question}  ({card.source}, {card.shape or 'heading'})" if with_source else card.question,
        )
        for card in deck.cards
    ]
    number_width = max(len("#"), *(len(row[0]) for row in rows))
    tag_width = min(30, max(len("tags"), *(len(row[2]) for row in rows)))
    header = f"{'#':>{number_width}}  {'guid':<{SHORT_GUID}}  {'tags':<{tag_width}}  question"
    lines = [header]
    room = max(20, width - number_width - SHORT_GUID - tag_width - 6)
    for number, guid, tags, question in rows:
        shown_tags = shorten(tags, tag_width)
        cells = (f"{number:>{number_width}}", f"{guid:<{SHORT_GUID}}", f"{shown_tags:<{tag_width}}")
        lines.append("  ".join([*cells, shorten(question, room)]))
    return lines
