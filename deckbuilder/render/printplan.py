"""Deciding, before any HTML is written, each card side's font size and whether it needs a page."""

from __future__ import annotations

from dataclasses import dataclass, replace

from deckbuilder.cloze import scan
from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.markup import DEFAULT_OPTIONS, MarkupOptions, to_html, to_inline_html
from deckbuilder.model import Card, Deck
from deckbuilder.parallel import map_on_cores, worker_count
from deckbuilder.render.fit import FONT_STEPS_PT, MINIMUM_PT, QUESTION_STEPS_PT, fitting_size
from deckbuilder.render.layout import Box, PrintOptions, grid_for

PADDING_MM = 4.0
"""Inside each card side (print.css uses the same)."""
META_MM = 4.0
"""Room for the small print under the content: card number and deck name."""
PARALLEL_MINIMUM_FACES = 2000
"""Fewer faces than this are planned sooner in one process than workers start."""
FACES_PER_TASK = 200


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

    def front_html(self, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
        card = self.card
        if card.kind == "cloze":
            return _cloze_html(card, replace(markup, cloze="front", cloze_number=self.cloze_number))
        return (
            to_html(card.answer, markup) if self.label == "reverse" else to_inline_html(card.question, markup)
        )

    def back_html(self, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
        card = self.card
        if card.kind == "cloze":
            shown = _cloze_html(card, replace(markup, cloze="back", cloze_number=self.cloze_number))
            extra = to_inline_html(card.cloze_extra, markup) if card.cloze_extra else ""
            return shown + (f'\n<p class="extra">{extra}</p>' if extra else "")
        return (
            to_inline_html(card.question, markup) if self.label == "reverse" else to_html(card.answer, markup)
        )


def _cloze_html(card: Card, markup: MarkupOptions) -> str:
    return to_html(card.answer, markup) if card.answer else to_inline_html(card.question, markup)


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


def _sizes(face: Face, options: PrintOptions) -> Sizes:
    grid = grid_for(options)
    question, answer = face.front_html(), face.back_html()
    front_steps = QUESTION_STEPS_PT if face.label == "card" else FONT_STEPS_PT
    for box, full_page in ((grid.slots[0], False), (grid.full_page, True)):
        front, back = _side(question, box, front_steps), _side(answer, box, FONT_STEPS_PT)
        if (front.fits and back.fits) or full_page:
            return front.font_pt, front.fits, back.font_pt, back.fits, full_page
    raise AssertionError("unreachable: the full page is the last box")


_planned: tuple[Deck, PrintOptions, list[CardPlan]] | None = None
"""The last deck planned: a build asks for its warnings and for each printed format's layout."""
_planning: tuple[list[Face], PrintOptions] | None = None
"""What the forked workers plan, read by index."""


def plan_deck(deck: Deck, options: PrintOptions) -> list[CardPlan]:
    """Every printed card's plan, in deck order; on all cores for a large deck."""
    global _planned, _planning
    if _planned is not None and _planned[0] is deck and _planned[1] == options:
        return _planned[2]
    every_face = [face for card in deck.cards for face in faces(card)]
    _planning = (every_face, options)
    try:
        sizes = map_on_cores(
            _planned_sizes, range(len(every_face)), worker_count(), PARALLEL_MINIMUM_FACES, FACES_PER_TASK
        )
    finally:
        _planning = None
    plans = [
        CardPlan(face, SidePlan(front_pt, front_fits), SidePlan(back_pt, back_fits), full_page)
        for face, (front_pt, front_fits, back_pt, back_fits, full_page) in zip(every_face, sizes, strict=True)
    ]
    _planned = (deck, options, plans)
    return plans


def _planned_sizes(index: int) -> Sizes:
    assert _planning is not None
    every_face, options = _planning
    return _sizes(every_face[index], options)


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
                f"card '{_short(plan.face.card.question)}' is too long for a card ({where}) even at "
                f"{MINIMUM_PT:g} pt; it is printed on a page of its own. Shorten it or choose larger cards"
            )
        else:
            message = (
                f"card '{_short(plan.face.card.question)}' does not fit even a whole page ({where}) at "
                f"{MINIMUM_PT:g} pt; split it into several cards"
            )
        warnings.append(Diagnostic(plan.face.card.source, Severity.WARNING, message))
    return warnings


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
