"""The checks ``deckbuilder check`` runs beyond what parsing finds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.markup import image_references, is_local_reference
from deckbuilder.model import Card, Deck


def check_deck(deck: Deck) -> list[Diagnostic]:
    """Numbering gaps and repeats (warnings) and images that cannot be found (errors)."""
    return [*_numbering(deck.cards), *_images(deck)]


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


def _images(deck: Deck) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    folder = deck.source.parent
    for card in deck.cards:
        for reference in image_references(f"{card.question}\n\n{card.answer}"):
            problem = image_problem(reference, folder)
            if problem:
                problems.append(Diagnostic(card.source, Severity.ERROR, problem))
    return problems


def image_problem(reference: str, folder: Path) -> str | None:
    """Why a local image reference cannot be used, or None when it is fine (or remote)."""
    if not reference or not is_local_reference(reference):
        return None
    from urllib.parse import unquote

    target = (folder / unquote(reference)).resolve()
    if not target.is_relative_to(folder.resolve()):
        return f"image '{reference}' is outside the source folder; move it into {folder}/"
    if not target.is_file():
        return f"image '{reference}' not found (looked for {target}); fix the path or add the file"
    return None
