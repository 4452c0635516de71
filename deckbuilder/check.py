"""The checks ``deckbuilder check`` runs beyond what parsing finds."""

from __future__ import annotations

from collections.abc import Sequence

from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.media import image_diagnostics
from deckbuilder.model import Card, Deck


def check_deck(deck: Deck) -> list[Diagnostic]:
    """Numbering gaps and repeats (warnings) and images that cannot be found (errors)."""
    return [*_numbering(deck.cards), *image_diagnostics(deck)]


def _numbering(cards: Sequence[Card]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    previous: Card | None = None
    seen: dict[int, Card] = {}
    for card in cards:
        if card.number is None:
            continue
        if card.number in seen:
            first = seen[card.number]
            problems.append(
                Diagnostic(
                    card.source,
                    Severity.WARNING,
                    f"number {card.number} is also used at line {first.source.line}; renumber one of them",
                )
            )
        elif previous is not None and previous.number is not None and card.number != previous.number + 1:
            problems.append(
                Diagnostic(
                    card.source,
                    Severity.WARNING,
                    f"numbering jumps from {previous.number} to {card.number}; "
                    "renumber, or ignore this if intended",
                )
            )
        seen.setdefault(card.number, card)
        previous = card
    return problems
