"""Deciding, before any HTML is written, each card side's font size and whether it needs a page."""

from __future__ import annotations

from dataclasses import dataclass

from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.markup import to_html, to_inline_html
from deckbuilder.model import Card, Deck
from deckbuilder.render.fit import FONT_STEPS_PT, MINIMUM_PT, QUESTION_STEPS_PT, fitting_size
from deckbuilder.render.layout import Box, PrintOptions, grid_for

PADDING_MM = 4.0
"""Inside each card side (print.css uses the same)."""
META_MM = 4.0
"""Room for the small print under the content: card number and deck name."""


@dataclass(frozen=True, slots=True)
class SidePlan:
    font_pt: float
    fits: bool


@dataclass(frozen=True, slots=True)
class CardPlan:
    card: Card
    front: SidePlan
    back: SidePlan
    full_page: bool
    """Too long for a grid slot even at the smallest size: printed on a page of its own."""


def content_box(box: Box) -> tuple[float, float]:
    """Width and height left for a side's content inside its box."""
    return box.width - 2 * PADDING_MM, box.height - 2 * PADDING_MM - META_MM


def _side(fragment: str, box: Box, steps: tuple[float, ...]) -> SidePlan:
    width, height = content_box(box)
    size = fitting_size(fragment, width, height, steps)
    return SidePlan(size if size is not None else MINIMUM_PT, size is not None)


def plan_card(card: Card, options: PrintOptions) -> CardPlan:
    grid = grid_for(options)
    slot = grid.slots[0]
    question, answer = to_inline_html(card.question), to_html(card.answer)
    front, back = _side(question, slot, QUESTION_STEPS_PT), _side(answer, slot, FONT_STEPS_PT)
    if front.fits and back.fits:
        return CardPlan(card, front, back, full_page=False)
    page = grid.full_page
    return CardPlan(card, _side(question, page, QUESTION_STEPS_PT), _side(answer, page, FONT_STEPS_PT), True)


def plan_deck(deck: Deck, options: PrintOptions) -> list[CardPlan]:
    return [plan_card(card, options) for card in deck.cards]


def describe(options: PrintOptions) -> str:
    size = options.card_size or f"{options.cards_per_page} per page"
    return f"{options.paper}, {size}, {options.duplex} duplex"


def layout_warnings(plans: list[CardPlan], options: PrintOptions) -> list[Diagnostic]:
    """A warning for each card that does not fit its grid slot at the smallest print size."""
    warnings = []
    for plan in plans:
        if not plan.full_page:
            continue
        where = describe(options)
        if plan.front.fits and plan.back.fits:
            message = (
                f"card '{_short(plan.card.question)}' is too long for a card ({where}) even at "
                f"{MINIMUM_PT:g} pt; it is printed on a page of its own. Shorten it or choose larger cards"
            )
        else:
            message = (
                f"card '{_short(plan.card.question)}' does not fit even a whole page ({where}) at "
                f"{MINIMUM_PT:g} pt; split it into several cards"
            )
        warnings.append(Diagnostic(plan.card.source, Severity.WARNING, message))
    return warnings


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
