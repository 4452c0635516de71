"""Print geometry: paper, card sizes, grids and where each card side goes on which page."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from math import floor

from deckbuilder.render.paper import CARD_SIZES, GRIDS, MARGIN_MM, PAPERS


@dataclass(frozen=True, slots=True)
class PrintOptions:
    """How printable output is laid out."""

    layout: str = "cards"
    """``cards``: a grid of fronts, then their backs mirrored; ``sheet``: a flowing study sheet."""
    paper: str = "a4"
    cards_per_page: int = 8
    card_size: str | None = None
    """A preset from CARD_SIZES; when set it decides the grid instead of cards_per_page."""
    duplex: str = "long"
    """``long``/``short``: the edge a double-sided print flips on; ``fold``: single-sided, front and back
    side by side, to fold."""


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on a page, in millimetres from the page's top left corner."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Grid:
    """The slots of one page and the page size."""

    page_width: float
    page_height: float
    slots: tuple[Box, ...]
    """Where fronts go, in reading order."""
    card_width: float
    card_height: float

    def back_of(self, front: Box, duplex: str) -> Box:
        """Where a front's back goes on the following page, so that it prints behind the front."""
        if duplex == "short":
            return Box(front.x, self.page_height - front.y - front.height, front.width, front.height)
        return Box(self.page_width - front.x - front.width, front.y, front.width, front.height)

    @property
    def full_page(self) -> Box:
        """The printable area, for a card too long for a grid slot."""
        return Box(MARGIN_MM, MARGIN_MM, self.page_width - 2 * MARGIN_MM, self.page_height - 2 * MARGIN_MM)


@cache
def grid_for(options: PrintOptions) -> Grid:
    """The page grid the options ask for; fold mode pairs each front with its back in one row."""
    page_width, page_height = PAPERS[options.paper]
    area_width, area_height = page_width - 2 * MARGIN_MM, page_height - 2 * MARGIN_MM
    if options.card_size is not None:
        card_width, card_height = CARD_SIZES[options.card_size]
        per_row = floor(area_width / (card_width * (2 if options.duplex == "fold" else 1)))
        rows = floor(area_height / card_height)
        if per_row < 1 or rows < 1:
            raise ValueError(f"{options.card_size} cards do not fit {options.paper} paper in this layout")
    else:
        columns, rows = GRIDS[options.cards_per_page]
        card_width, card_height = area_width / columns, area_height / rows
        per_row = columns
        if options.duplex == "fold":
            per_row = max(1, columns // 2)
            card_width = area_width / (2 * per_row)
    span = 2 if options.duplex == "fold" else 1
    left = (page_width - per_row * span * card_width) / 2
    top = (page_height - rows * card_height) / 2
    slots = tuple(
        Box(left + column * span * card_width, top + row * card_height, card_width, card_height)
        for row in range(rows)
        for column in range(per_row)
    )
    return Grid(page_width, page_height, slots, card_width, card_height)
