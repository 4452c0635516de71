"""The checks ``deckbuilder check`` runs beyond what parsing finds."""

from __future__ import annotations

from collections.abc import Sequence

from deckbuilder.app.media import image_diagnostics
from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.model import Card, Deck
from deckbuilder.render.layout import PrintOptions


def check_deck(deck: Deck, printing: PrintOptions | None = None) -> list[Diagnostic]:
    """Numbering gaps and repeats (warnings), images that cannot be found (errors) and cards too long
    to print on a card (warnings)."""
    from deckbuilder.render.printplan import layout_warnings, plan_deck

    options = printing or PrintOptions()
    printed = layout_warnings(plan_deck(deck, options), options) if options.layout == "cards" else []
    return [*_numbering(deck.cards), *image_diagnostics(deck), *printed]


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
