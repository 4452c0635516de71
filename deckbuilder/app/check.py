"""The checks ``deckbuilder check`` runs beyond what parsing finds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from deckbuilder.app.load import LoadedDeck, load_decks
from deckbuilder.app.media import image_diagnostics, media_name_clashes
from deckbuilder.app.notetypes import field_problems
from deckbuilder.errors import Diagnostic, Severity, shorten
from deckbuilder.incremental.caching import Caching
from deckbuilder.model import Card, Deck
from deckbuilder.render.geometry import PrintOptions

if TYPE_CHECKING:
    from deckbuilder.render.printplan import CardPlan


def check_sources(
    sources: Sequence[Path], printing: PrintOptions | None, recursive: bool = False
) -> tuple[list[LoadedDeck], list[Diagnostic]]:
    """The decks of the sources and every problem they have (with ``printing``, also cards too long
    to print on a card, which only html and pdf builds care about). Check reads the caches a build
    wrote and writes none: checking changes nothing in the folder."""
    caching = Caching(use="read")
    loaded = load_decks(sources, recursive=recursive, strict=False, caching=caching)
    return loaded, check_decks(loaded, printing, caching)


def check_decks(
    loaded: Sequence[LoadedDeck], printing: PrintOptions | None, caching: Caching | None = None
) -> list[Diagnostic]:
    """Every problem of the loaded decks: those parsing found and those check_deck finds, with the
    print plans made ahead (from the caches ``caching`` reads, on all cores)."""
    decks = [item.deck for item in loaded]
    plans: list[Sequence[CardPlan] | None] = [None] * len(decks)
    if printing is not None and printing.layout == "cards":  # it renders and plans every card
        from deckbuilder.incremental.fragments import prerender
        from deckbuilder.incremental.plans import preplan

        caching = caching or Caching()
        tables = [deck_fragments.fragments for deck_fragments in prerender(decks, caching)]
        plans = [deck_plans.plans for deck_plans in preplan(decks, printing, tables, caching)]
    problems: list[Diagnostic] = media_name_clashes(decks, [item.media_digests for item in loaded])
    for item, deck_plans in zip(loaded, plans, strict=True):
        problems.extend(item.diagnostics)
        problems.extend(check_deck(item.deck, printing, deck_plans))
        problems.extend(field_problems(item.deck))
    return problems


def check_deck(
    deck: Deck, printing: PrintOptions | None = None, plans: Sequence[CardPlan] | None = None
) -> list[Diagnostic]:
    """Numbering gaps and repeats (warnings), images that cannot be found (errors) and, when
    ``printing``, cards too long to print on a card (warnings; from ``plans`` when made ahead)."""
    from deckbuilder.render.printplan import layout_warnings, plan_deck

    printed = []
    if printing is not None and printing.layout == "cards":
        printed = layout_warnings(list(plans) if plans is not None else plan_deck(deck, printing), printing)
    return [*_numbering(deck.cards), *image_diagnostics(deck), *printed]


def _numbering(cards: Sequence[Card]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    previous: Card | None = None
    seen: dict[int, Card] = {}
    for card in cards:
        if card.number is None:
            continue
        if previous is not None and card.section != previous.section:
            seen, previous = {}, None  # numbering that restarts in each section is no mistake
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
            suspect = ""
            if card.number > previous.number + 1:
                missing = previous.number + 1
                between = f"{missing}" if card.number == missing + 1 else f"{missing} to {card.number - 1}"
                verb = "is" if card.number == missing + 1 else "are"
                suspect = (f" ({verb} {between} in the answer to line {previous.source.line}, "
                           f"'{shorten(previous.question, 40)}'?)")  # fmt: skip
            problems.append(
                Diagnostic(
                    card.source,
                    Severity.WARNING,
                    f"numbering jumps from {previous.number} to {card.number}{suspect}; "
                    "renumber, or ignore this if intended",
                )
            )
        seen.setdefault(card.number, card)
        previous = card
    return problems
