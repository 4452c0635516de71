"""Estimating, without a browser, the font size at which a card side's HTML fits its box.

The estimate is deliberately pessimistic (wide glyphs, whole-word wrapping, generous spacing) so
that what it says fits does fit in Chromium; tests/test_print.py checks that in a real browser.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from math import ceil

PT_PER_MM = 72 / 25.4
FONT_STEPS_PT = (11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0)
"""Answer sizes tried from the largest down; 7 pt is the smallest we print."""
QUESTION_STEPS_PT = (14.0, 13.0, 12.0, *FONT_STEPS_PT)
MINIMUM_PT = FONT_STEPS_PT[-1]
LINE_HEIGHT = 1.3
BLOCK_GAP_EM = 0.5
IMAGE_HEIGHT_MM = 25.0
"""Images print at most this tall (print.css says the same)."""
NARROW = frozenset(" .,;:'!|()[]ijlftrI`\"")
WIDE = frozenset("mwMW@%&")
BLOCK_TAGS = frozenset(
    {"p", "div", "pre", "blockquote", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "math"}
)


def char_em(ch: str, monospace: bool) -> float:
    """A glyph's advance in em, rounded up for the wider of our print fonts (DejaVu Sans)."""
    if monospace:
        return 0.62
    if ch in NARROW:
        return 0.36
    if ch in WIDE or ch.isupper() or ord(ch) > 0x2E80:
        return 1.0 if ord(ch) > 0x2E80 else 0.86
    return 0.64


@lru_cache(maxsize=1 << 16)
def word_em(word: str, monospace: bool) -> float:
    """A word's width in em; cached, since the same words recur across cards."""
    return sum(char_em(ch, monospace) for ch in word)


@dataclass(slots=True)
class TextBlock:
    """A run of text laid out as one block: a paragraph, list item, table row, code block, image."""

    text: list[tuple[str, bool]] = field(default_factory=list)
    indent_em: float = 0.0
    cells: int = 1
    preformatted: bool = False
    extra_height_mm: float = 0.0
    scale: float = 1.0
    widths: list[float] | None = None
    """The words' widths in em, measured once for all the font sizes tried."""


class BlockBuilder:
    """Turns a fragment's tags and text into blocks (fed by ``feed``, in document order)."""

    def __init__(self) -> None:
        self.blocks: list[TextBlock] = [TextBlock()]
        self.code = 0
        self.pre = 0
        self.lists = 0
        self.headings = 0

    def _new(self, **kwargs: object) -> None:
        self.blocks.append(TextBlock(indent_em=1.5 * self.lists, **kwargs))  # type: ignore[arg-type]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "pre", "kbd", "samp"):
            self.code += 1
        if tag == "pre":
            self.pre += 1
            self._new(preformatted=True)
        elif tag in ("ul", "ol"):
            self.lists += 1
        elif tag == "tr":
            self._new(cells=0)
        elif tag in ("td", "th") and self.blocks[-1].cells >= 0:
            self.blocks[-1].cells += 1
            self.blocks[-1].text.append((" ", False))
        elif tag == "img":
            self._new(extra_height_mm=IMAGE_HEIGHT_MM)
            self._new()
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._new(scale=1.25)
        elif tag == "div" and "math" in (dict(attrs).get("class") or "").split():
            self._new(scale=1.6)  # display math: taller than a line of text
        elif tag in BLOCK_TAGS:
            self._new()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre", "kbd", "samp"):
            self.code -= 1
        if tag == "pre":
            self.pre -= 1
            self._new()
        elif tag in ("ul", "ol"):
            self.lists -= 1
        elif tag in BLOCK_TAGS or tag in ("table", "h1", "h2", "h3", "h4", "h5", "h6"):
            self._new()

    def handle_data(self, data: str) -> None:
        self.blocks[-1].text.append((data, self.code > 0))


NARROWEST_EM = 1.0
"""The narrowest column the estimate counts lines in: one character."""


def _lines(block: TextBlock, width_em: float) -> int:
    if block.preformatted:
        text = "".join(part for part, _ in block.text).strip("\n")
        return sum(max(1, ceil(len(line) * char_em("m", True) / width_em)) for line in text.split("\n"))
    cell_width = (width_em - block.indent_em) / max(1, block.cells) - (0.8 if block.cells > 1 else 0)
    # A list nested deeper than the card is wide leaves no room: browsers then set one character a
    # line, and so does the estimate (an unclamped width of zero or less never ended the count).
    cell_width = max(cell_width, NARROWEST_EM)
    widths = block.widths
    if widths is None:
        widths = block.widths = [word_em(word, mono) for text, mono in block.text for word in text.split()]
    if not widths:
        return 0
    lines, used = 1, 0.0
    for width in widths:
        needed = width if used == 0 else used + char_em(" ", False) + width
        if needed <= cell_width:
            used = needed
            continue
        lines += 1
        used = width
        while used > cell_width:  # a word longer than the line breaks anywhere (overflow-wrap)
            lines += 1
            used -= cell_width
    return lines


TAG_OR_COMMENT = re.compile(
    r"""<(?:!--.*?--|[!?][^>]*|(/?)([a-zA-Z][^\t\n\r\f />\x00]*)((?:[^>"']|"[^"]*"|'[^']*')*))>""", re.S
)
"""A tag (end tag, name, attributes), a comment or a declaration: sanitized HTML has no ``<`` in text."""
CLASS_ATTRIBUTE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)


def feed(blocks: BlockBuilder, fragment: str) -> None:
    """Tags and text to the block builder, as html.parser would give them for sanitized HTML (in a
    twentieth of the time: tests/test_print.py compares the two on rendered cards)."""
    position = 0
    for found in TAG_OR_COMMENT.finditer(fragment):
        if found.start() > position:
            blocks.handle_data(html.unescape(fragment[position : found.start()]))
        position = found.end()
        closing, name, attributes = found.groups()
        if name is None:
            continue  # a comment or a declaration
        tag = name.lower()
        if closing:
            blocks.handle_endtag(tag)
            continue
        css_class = CLASS_ATTRIBUTE.search(attributes) if tag == "div" else None
        value = next((v for v in css_class.groups() if v is not None), "") if css_class else None
        blocks.handle_starttag(tag, [("class", html.unescape(value))] if value is not None else [])
        if attributes.rstrip().endswith("/"):
            blocks.handle_endtag(tag)  # <tag/>: opened and closed
    if position < len(fragment):
        blocks.handle_data(html.unescape(fragment[position:]))


def blocks_of(fragment: str) -> list[TextBlock]:
    parser = BlockBuilder()
    feed(parser, fragment)
    return [
        b for b in parser.blocks if (b.text and "".join(t for t, _ in b.text).strip()) or b.extra_height_mm
    ]


def height_mm(blocks: list[TextBlock], font_pt: float, width_mm: float) -> float:
    """The estimated height of the blocks at a font size in a column of the given width."""
    font_mm = font_pt / PT_PER_MM
    total = 0.0
    for index, block in enumerate(blocks):
        scaled = font_mm * block.scale
        total += _lines(block, width_mm / scaled) * scaled * LINE_HEIGHT + block.extra_height_mm
        if block.cells > 1:
            total += 0.6 * font_mm  # cell padding and borders
        if index:
            total += BLOCK_GAP_EM * font_mm
    return total


SAFETY = 0.95
"""Share of the box the estimate may fill, for what the estimate cannot see (kerning, hyphens)."""


def fitting_size(
    fragment: str, width_mm: float, height_mm_available: float, steps: tuple[float, ...]
) -> float | None:
    """The largest font size among ``steps`` at which the fragment fits, or None when none does."""
    blocks = blocks_of(fragment)
    for size in steps:
        if height_mm(blocks, size, width_mm) <= height_mm_available * SAFETY:
            return size
    return None
