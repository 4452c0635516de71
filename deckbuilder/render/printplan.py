"""Deciding, before any HTML is written, each card side's font size and whether it needs a page."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.html.markup import DEFAULT_OPTIONS, MarkupOptions, to_html, to_inline_html
from deckbuilder.incremental.cachefiles import CacheUse, cache_file, each_of
from deckbuilder.incremental.fragments import versions
from deckbuilder.incremental.store import MarshalStore
from deckbuilder.incremental.workers import map_on_cores, worker_count
from deckbuilder.markdown.deletions import scan
from deckbuilder.model import Card, Deck
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
    slot = grid.slots[0]
    front, back = _side(question, slot, front_steps), _side(answer, slot, FONT_STEPS_PT)
    full_page = not (front.fits and back.fits)
    if full_page:
        page = grid.full_page
        front, back = _side(question, page, front_steps), _side(answer, page, FONT_STEPS_PT)
    return front.font_pt, front.fits, back.font_pt, back.fits, full_page


PlanKey = tuple[str, str, "int | None", str, int, "str | None", str]
"""A face's plan in the plan cache: the card's content hash, the face, and the print options."""
KEPT_DECKS = 64
"""Plans of at most this many decks stay in memory (a build's decks, or those a test rendered)."""
PLANNING_FILES = ("fit.py", "printplan.py", "layout.py", "paper.py")
"""The code that decides a plan: any change to it is a new plan cache."""

_planned: dict[int, tuple[Deck, PrintOptions, list[CardPlan]]] = {}
"""Plans by deck: a build asks for its warnings and for each printed format's layout."""
_planning: tuple[list[Face], PrintOptions] | None = None
"""What the forked workers plan, read by index."""


def preplan(decks: Sequence[Deck], options: PrintOptions, caches: CacheUse) -> Callable[[], None]:
    """Plan every printed card of the decks ahead of check and the html and pdf formats: from each
    deck's plan cache on disk (``.deckbuilder-cache/plans-<file>.bin``), the rest on all cores.
    Returns what saves the plans for the next build (with ``"write"``), to call when convenient."""
    _planned.clear()
    saves: list[Callable[[], None]] = []
    for deck in decks:
        every_face = [face for card in deck.cards for face in faces(card)]
        path = cache_file(deck.source, "plans", caches)
        store = MarshalStore.load(path, plan_versions()) if path is not None else None
        keys = [_key(face, options) for face in every_face]
        found = [store.get(key) if store is not None and key is not None else None for key in keys]
        missing = [index for index, sizes in enumerate(found) if sizes is None]
        computed = _sizes_on_cores([every_face[index] for index in missing], options)
        for index, sizes in zip(missing, computed, strict=True):
            found[index] = sizes
        _keep(deck, options, _plans(every_face, found))
        if store is not None and caches == "write":
            used = {key: sizes for key, sizes in zip(keys, found, strict=True) if key is not None}
            saves.append(functools.partial(store.save, used))
    return each_of(saves)


def plan_deck(deck: Deck, options: PrintOptions) -> list[CardPlan]:
    """Every printed card's plan, in deck order: as preplanned, or now on all cores."""
    kept = _planned.get(id(deck))
    if kept is not None and kept[0] is deck and kept[1] == options:
        return kept[2]
    every_face = [face for card in deck.cards for face in faces(card)]
    return _keep(deck, options, _plans(every_face, _sizes_on_cores(every_face, options)))


@cache
def plan_versions() -> str:
    """What a cached plan depends on besides its key: the HTML's versions and the planning code."""
    digest = hashlib.sha256()
    for name in PLANNING_FILES:
        digest.update(resources.files("deckbuilder.render").joinpath(name).read_bytes())
    return f"deckbuilder-plans-1;{versions()};code={digest.hexdigest()[:16]}"


def _key(face: Face, options: PrintOptions) -> PlanKey | None:
    content = face.card.content  # empty on hand-made cards, which are not cached
    if not content:
        return None
    return (content, face.label, face.cloze_number, options.paper, options.cards_per_page, options.card_size,
            options.duplex)  # fmt: skip


def _plans(every_face: list[Face], every_sizes: Sequence[Sizes | None]) -> list[CardPlan]:
    plans = []
    for face, sizes in zip(every_face, every_sizes, strict=True):
        assert sizes is not None
        front_pt, front_fits, back_pt, back_fits, full_page = sizes
        plans.append(CardPlan(face, SidePlan(front_pt, front_fits), SidePlan(back_pt, back_fits), full_page))
    return plans


def _keep(deck: Deck, options: PrintOptions, plans: list[CardPlan]) -> list[CardPlan]:
    if len(_planned) >= KEPT_DECKS:
        del _planned[next(iter(_planned))]
    _planned[id(deck)] = (deck, options, plans)
    return plans


def _sizes_on_cores(every_face: list[Face], options: PrintOptions) -> list[Sizes]:
    global _planning
    _planning = (every_face, options)
    try:
        return map_on_cores(
            _planned_sizes, range(len(every_face)), worker_count(), PARALLEL_MINIMUM_FACES, FACES_PER_TASK
        )
    finally:
        _planning = None


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
