"""Printable HTML: a grid of card fronts with their backs mirrored behind them, or a study sheet."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple

from markupsafe import Markup

from deckbuilder._version import __version__
from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import MarkupOptions, highlight_css
from deckbuilder.model import Card, Deck
from deckbuilder.render import MediaFile, RenderOptions
from deckbuilder.render.fields import answer_html, question_html
from deckbuilder.render.geometry import Box, Grid, PrintOptions, grid_for
from deckbuilder.render.printplan import CardPlan, Face, plan_deck


@dataclass(frozen=True, slots=True)
class _Side:
    name: str
    guid: str
    card: str
    box: Box
    font_pt: float
    html: Markup
    number: str


@dataclass(frozen=True, slots=True)
class _Page:
    kind: str
    sides: tuple[_Side, ...]
    deck: str = ""
    """The title of the deck whose cards the page holds."""


class _DataUris:
    """Embeds local images, so that the HTML prints with no other file and no network."""

    def __init__(self, media: dict[str, MediaFile]) -> None:
        self.uris = {reference: _data_uri(item) for reference, item in media.items()}

    def __call__(self, reference: str) -> str:
        return self.uris.get(reference, reference)


def _data_uri(item: MediaFile) -> str:
    kind = mimetypes.guess_type(item.path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(item.path.read_bytes()).decode('ascii')}"


class _Markup(NamedTuple):
    """The HTML options of the printed cards, and the fragments table they are rendered through."""

    options: MarkupOptions
    fragments: Fragments

    def html(self, markdown: str) -> Markup:
        return Markup(self.fragments.html(markdown, self.options))


def render(deck: Deck, options: RenderOptions) -> bytes:
    """The deck as one self-contained HTML file in the layout the print options choose."""
    return render_package([(deck, options)])


def render_package(parts: Sequence[tuple[Deck, RenderOptions]]) -> bytes:
    """Decks as one self-contained HTML file, each deck a section (its own pages of cards, or its
    own part of the study sheet), in the layout the print options of the first choose."""
    title = " · ".join(deck.title for deck, _ in parts)
    options = parts[0][1].print
    if options.layout == "sheet":
        sections = [_sheet(deck, deck_options, _markup(deck_options)) for deck, deck_options in parts]
        paper = options.paper.upper() if options.paper == "a4" else options.paper
        return _document("sheet.html.j2", title, paper=paper, sections=sections).encode("utf-8")
    grid = grid_for(options)
    pages = [
        page for deck, deck_options in parts for page in _cards(deck, deck_options, _markup(deck_options))
    ]
    document = _document(
        "cards.html.j2", title, page_width=grid.page_width, page_height=grid.page_height, pages=pages
    )
    return document.encode("utf-8")


def _markup(options: RenderOptions) -> _Markup:
    return _Markup(MarkupOptions(math="mathml", image_src=_DataUris(dict(options.media))), options.fragments)


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("deckbuilder.render", "templates/html"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def stylesheet() -> str:
    from importlib import resources

    own = resources.files("deckbuilder.render").joinpath("templates").joinpath("html").joinpath("print.css")
    return own.read_text(encoding="utf-8") + highlight_css(".highlight")


def _document(template: str, title: str, **context: Any) -> str:
    """A whole page from a template, with what every page carries: title, version, stylesheet."""
    page = _environment().get_template(template)
    return str(page.render(title=title, version=__version__, css=Markup(stylesheet()), **context))


def _cards(deck: Deck, render_options: RenderOptions, markup: _Markup) -> list[_Page]:
    """The deck's pages of printed cards, each saying whose cards it holds."""
    options = render_options.print
    grid = grid_for(options)
    plans = render_options.plans
    if plans is None:
        plans = plan_deck(deck, options, render_options.fragments)
    pages = _grid_pages([p for p in plans if not p.full_page], grid, options, markup)
    for plan in (p for p in plans if p.full_page):
        pages.extend(_own_pages(plan, grid, options, markup))
    render_options.progress(len(deck.cards))
    return [replace(page, deck=deck.title) for page in pages]


def _sides(plan: CardPlan, front_box: Box, back_box: Box, markup: _Markup) -> tuple[_Side, _Side]:
    face = plan.face
    card = face.card
    number = f"#{card.number}" if card.number is not None else ""
    if face.label != "card":
        number = f"{number} {face.label}".strip()
    front = Markup(face.front_html(markup.fragments, markup.options))
    back = Markup(face.back_html(markup.fragments, markup.options))
    return (
        _Side("front", card.guid, face.label, front_box, plan.front.font_pt, front, number),
        _Side("back", card.guid, face.label, back_box, plan.back.font_pt, back, number),
    )


def _grid_pages(plans: list[CardPlan], grid: Grid, options: PrintOptions, markup: _Markup) -> list[_Page]:
    pages: list[_Page] = []
    per_page = len(grid.slots)
    for start in range(0, len(plans), per_page):
        fronts, backs = [], []
        for plan, slot in zip(plans[start : start + per_page], grid.slots, strict=False):
            if options.duplex == "fold":
                back_box = Box(slot.x + slot.width, slot.y, slot.width, slot.height)
            else:
                back_box = grid.back_of(slot, options.duplex)
            front, back = _sides(plan, slot, back_box, markup)
            fronts.append(front)
            backs.append(back)
        if options.duplex == "fold":
            pages.append(
                _Page("fold", tuple(side for pair in zip(fronts, backs, strict=True) for side in pair))
            )
        else:
            pages.extend([_Page("fronts", tuple(fronts)), _Page("backs", tuple(backs))])
    return pages


def _own_pages(plan: CardPlan, grid: Grid, options: PrintOptions, markup: _Markup) -> list[_Page]:
    page = grid.full_page
    if options.duplex == "fold":
        half = Box(page.x, page.y, page.width, page.height / 2)
        front, back = _sides(plan, half, Box(page.x, page.y + half.height, page.width, half.height), markup)
        return [_Page("fold", (front, back))]
    front, back = _sides(plan, page, grid.back_of(page, options.duplex), markup)
    return [_Page("fronts", (front,)), _Page("backs", (back,))]


def _sheet(deck: Deck, render_options: RenderOptions, markup: _Markup) -> dict[str, Any]:
    """The deck's part of a study sheet: its title, description, entries and footer."""
    entries = [_entry(card, markup) for card in deck.cards]
    render_options.progress(len(entries))
    return {
        "title": deck.title,
        "description": markup.html(deck.description) if deck.description else None,
        "footer": markup.html(deck.footer) if deck.footer else None,
        "entries": entries,
    }


def _entry(card: Card, markup: _Markup) -> dict[str, Any]:
    if card.kind == "cloze":
        face = Face(card, "cloze")  # no deletion number: hide, then show, every deletion
        question = face.front_html(markup.fragments, markup.options)
        answer = face.back_html(markup.fragments, markup.options)
    else:
        question = question_html(card, markup.fragments, markup.options)
        answer = answer_html(card, markup.fragments, markup.options)
    return {"guid": card.guid, "number": card.number, "question": Markup(question), "answer": Markup(answer),
            "tags": card.tags}  # fmt: skip
