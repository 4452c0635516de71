"""Deciding, before any HTML is written, each card side's font size and whether it needs a page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from deckbuilder.errors import Diagnostic, Severity, shorten
from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import DEFAULT_OPTIONS, MarkupOptions
from deckbuilder.markdown.deletions import scan
from deckbuilder.model import Card, Deck
from deckbuilder.render.fields import answer_html, cloze_extra_html, cloze_html, question_html
from deckbuilder.render.fit import FONT_STEPS_PT, MINIMUM_PT, QUESTION_STEPS_PT, fitting_size
from deckbuilder.render.geometry import Box, PrintOptions, grid_for

PADDING_MM = 4.0
"""Inside each card side (print.css uses the same)."""
META_MM = 4.0
"""Room for the small print under the content: card number and deck name."""


@dataclass(frozen=True, slots=True)
class SidePlan:
    font_pt: float
    fits: bool


@dataclass(frozen=True, slots=True)
class Face:
    """One printed card: a basic card, the reverse of one, or one deletion of a cloze card."""

    card: Card
    label: str
    """``card``, ``reverse`` or ``c1``, ``c2``…: which of the note's cards this is."""
    cloze_number: int | None = None

    def front_html(self, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
        card = self.card
        if card.kind == "cloze":
            return cloze_html(card, fragments, replace(markup, cloze="front", cloze_number=self.cloze_number))
        if self.label == "reverse":
            return answer_html(card, fragments, markup)
        return question_html(card, fragments, markup)

    def back_html(self, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
        card = self.card
        if card.kind == "cloze":
            shown = cloze_html(card, fragments, replace(markup, cloze="back", cloze_number=self.cloze_number))
            extra = cloze_extra_html(card, fragments, markup)
            return shown + (f'\n<p class="extra">{extra}</p>' if extra else "")
        if self.label == "reverse":
            return question_html(card, fragments, markup)
        return answer_html(card, fragments, markup)


def faces(card: Card) -> list[Face]:
    """The printed cards of a note: one per deletion number of a cloze, two for a reversed card."""
    if card.kind == "cloze":
        numbers, _ = scan(card.cloze_text)
        return [Face(card, f"c{number}", number) for number in sorted(set(numbers))]
    if card.reverse:
        return [Face(card, "card"), Face(card, "reverse")]
    return [Face(card, "card")]


@dataclass(frozen=True, slots=True)
class CardPlan:
    face: Face
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


Sizes = tuple[float, bool, float, bool, bool]
"""A plan without its face, as workers send it: front size and fit, back size and fit, full page."""


def face_sizes(face: Face, options: PrintOptions, fragments: Fragments) -> Sizes:
    """A face's plan as plain values."""
    grid = grid_for(options)
    question, answer = face.front_html(fragments), face.back_html(fragments)
    front_steps = QUESTION_STEPS_PT if face.label == "card" else FONT_STEPS_PT
    slot = grid.slots[0]
    front, back = _side(question, slot, front_steps), _side(answer, slot, FONT_STEPS_PT)
    full_page = not (front.fits and back.fits)
    if full_page:
        page = grid.full_page
        front, back = _side(question, page, front_steps), _side(answer, page, FONT_STEPS_PT)
    return front.font_pt, front.fits, back.font_pt, back.fits, full_page


def plan_deck(deck: Deck, options: PrintOptions, fragments: Fragments | None = None) -> list[CardPlan]:
    """Every printed card's plan, in deck order."""
    table = fragments if fragments is not None else Fragments()
    every_face = deck_faces(deck)
    return plans_of(every_face, [face_sizes(face, options, table) for face in every_face])


def deck_faces(deck: Deck) -> list[Face]:
    return [face for card in deck.cards for face in faces(card)]


def plans_of(every_face: Sequence[Face], every_sizes: Sequence[Sizes]) -> list[CardPlan]:
    """Plans from faces and their sizes."""
    plans = []
    for face, sizes in zip(every_face, every_sizes, strict=True):
        front_pt, front_fits, back_pt, back_fits, full_page = sizes
        plans.append(CardPlan(face, SidePlan(front_pt, front_fits), SidePlan(back_pt, back_fits), full_page))
    return plans


def print_options_text(options: PrintOptions) -> str:
    size = options.card_size or f"{options.cards_per_page} per page"
    return f"{options.paper}, {size}, {options.duplex} duplex"


def layout_warnings(plans: list[CardPlan], options: PrintOptions) -> list[Diagnostic]:
    """A warning for each card that does not fit its grid slot at the smallest print size."""
    warnings = []
    for plan in plans:
        if not plan.full_page:
            continue
        where = print_options_text(options)
        if plan.front.fits and plan.back.fits:
            message = (
                f"card '{shorten(plan.face.card.question, 50)}' is too long for a card ({where}) even at "
                f"{MINIMUM_PT:g} pt; it is printed on a page of its own. Shorten it or choose larger cards"
            )
        else:
            message = (
                f"card '{shorten(plan.face.card.question, 50)}' does not fit even a whole page ({where}) at "
                f"{MINIMUM_PT:g} pt; split it into several cards"
            )
        warning = Diagnostic(plan.face.card.source, Severity.WARNING, message)
        if warning not in warnings:  # once for a card, not once for each of its printed sides
            warnings.append(warning)
    return warnings
