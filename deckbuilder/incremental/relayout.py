"""Reusing the previous build's layout when an edit changed only what lies inside cards.

Laying out a document means making every block, scanning the text under every heading for
questions and hashing every draft: about four seconds of a rebuild of 100,000 cards. When the
document has as many pieces as before, and each edited piece has the same block kinds, heading
levels and section names as the piece it replaces, holds no question written by shape (``Q:``, a
bold question, ``<details>``) and lies between the first card and the last, then no heading can
have changed its role: every card keeps its place and section. Text added to or taken from under a
heading (paragraphs, lists, code, quotes, tables) is such an edit too, when each heading has text
under it before and after or neither time: the headings' blocks are then found at their new places
(_moved_blocks). Only the cards touching an edited piece are drafted again; the others are taken
from the card cache by the key they had.
tests/test_relayout.py checks the result against a parse without any cache.
"""

from __future__ import annotations

import bisect
from collections.abc import Container, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from deckbuilder.read.blocks import Block, BlockSpan
from deckbuilder.read.headings import heading_traits
from deckbuilder.read.layout import may_switch_reading, unclosed_fence
from deckbuilder.read.shapes import Draft, scan_shapes

if TYPE_CHECKING:
    from deckbuilder.read.pieces import Pieces


DraftPlace = tuple[int, int, int, int, tuple[str, ...], str]
"""Where a card's blocks are: (piece of its heading, the heading's block in that piece, piece of its
last block, the block after its last one in that piece, its section, its draft key)."""


class LayoutRecord(NamedTuple):
    """What a build's layout was, kept for the next build of the same file."""

    namespace: str
    """The card builder's namespace (version, deck id, settings): another one never matches."""
    piece_keys: list[str]
    shaped: list[int]
    """Pieces with a heading whose text below holds a question by shape."""
    title: str | None
    description: str
    footer: str
    places: list[DraftPlace]
    reading: str = ""


class ReusedLayout(NamedTuple):
    drafts: list[Draft]
    keys: list[str | None]
    """Each draft's key in the card cache, or None for the drafts made again."""
    places: list[DraftPlace]
    """Where each draft's blocks are now (blocks added or taken away in an edited piece move the
    indices after them)."""


def record_layout(
    namespace: str,
    pieces: Pieces,
    piece_keys: Sequence[str],
    spans: Sequence[tuple[int, int] | None],
    shaped_headings: Sequence[int],
    drafts: Sequence[Draft],
    keys: Sequence[str],
    texts: tuple[str | None, str, str],
    reading: str = "",
) -> LayoutRecord | None:
    """The record of a layout made from ``pieces.all_blocks()``, with each draft's blocks given as
    (heading, end) indices there; none when a draft was found by shape (those are not reused)."""
    if not drafts or any(span is None for span in spans) or any(draft.topic for draft in drafts):
        return None
    starts = [0]
    for piece_spans in pieces.spans:
        starts.append(starts[-1] + len(piece_spans))

    def place(index: int) -> tuple[int, int]:
        piece = bisect.bisect_right(starts, index) - 1
        return piece, index - starts[piece]

    places: list[DraftPlace] = []
    for span, draft, key in zip(spans, drafts, keys, strict=True):
        assert span is not None
        first, heading = place(span[0])
        last, final = place(span[1] - 1)
        places.append((first, heading, last, final + 1, draft.section, key))
    shaped = sorted({place(index)[0] for index in shaped_headings})
    title, description, footer = texts
    return LayoutRecord(namespace, list(piece_keys), shaped, title, description, footer, places, reading)


def reuse_layout(
    record: LayoutRecord,
    pieces: Pieces,
    piece_keys: Sequence[str],
    old_spans: Mapping[str, list[BlockSpan]],
    known_cards: Container[str],
    tags: tuple[str, ...] = ("#flashcards",),
) -> ReusedLayout | None:
    """The drafts of ``pieces`` by the recorded layout, or None when it may not apply."""
    if len(record.piece_keys) != len(piece_keys) or not record.places:
        return None
    changed = [
        i for i, (old, new) in enumerate(zip(record.piece_keys, piece_keys, strict=True)) if old != new
    ]
    first_card, last_card = record.places[0][0], record.places[-1][0]
    if any(not first_card < index < last_card for index in changed) or set(changed) & set(record.shaped):
        return None
    card_headings: dict[int, set[int]] = {index: set() for index in changed}
    for first, heading, *_ in record.places:
        if first in card_headings:
            card_headings[first].add(heading)
    moved: dict[int, dict[int, int]] = {}
    for index in changed:
        old = old_spans.get(record.piece_keys[index])
        if old is None:
            return None
        new = pieces.spans[index]
        if not _same_skeleton(old, new, card_headings[index]):
            mapping = _moved_blocks(old, new, card_headings[index])
            if mapping is None:
                return None
            moved[index] = mapping
        if _may_change_roles(old) or _may_change_roles(new, pieces.texts[index]):
            return None
        if _holds_shaped_question(pieces.blocks(index)) or may_switch_reading(pieces.texts[index], tags):
            return None
    edited = set(changed)
    drafts: list[Draft] = []
    keys: list[str | None] = []
    places: list[DraftPlace] = []
    for place in record.places:
        first, heading, last, end, section, key = place
        if first in moved or last in moved:
            heading = moved[first].get(heading, -1) if first in moved else heading
            end = moved[last].get(end, -1) if last in moved else end
            if heading < 0 or end < 0:
                return None  # a card that ends at a block of text (not a heading): read it all again
            place = (first, heading, last, end, section, key)
        places.append(place)
        if first in edited or (last != first and edited.intersection(range(first, last + 1))):
            blocks = [block for index in range(first, last + 1) for block in pieces.blocks(index)]
            blocks = blocks[heading : len(blocks) - len(pieces.spans[last]) + end]
            drafts.append(Draft(blocks[0].heading, blocks[0].line, blocks[1:], section))
            keys.append(None)
            continue
        if key not in known_cards:
            return None
        line = pieces.first_lines[first] + pieces.spans[first][heading][3] - 1
        drafts.append(Draft("", line, [], section))
        keys.append(key)
    return ReusedLayout(drafts, keys, places)


def renewed(
    record: LayoutRecord, piece_keys: list[str], keys: Sequence[str], places: Sequence[DraftPlace]
) -> LayoutRecord:
    """The record of a reused layout, with the new pieces' keys, the drafts' places and keys."""
    renewed_places = [
        place if place[5] == key else (*place[:5], key) for place, key in zip(places, keys, strict=True)
    ]
    return record._replace(piece_keys=piece_keys, places=renewed_places)


BODY_KINDS = frozenset({"paragraph", "list", "block_code", "block_quote", "table"})
"""What may be added to or taken from a card's text without the layout reading it again: blocks
it reads only as text of the card (no thematic break, which may end a card or start a footer)."""


def _moved_blocks(
    old: list[BlockSpan], new: list[BlockSpan], card_headings: set[int]
) -> dict[int, int] | None:
    """Where the headings of an edited piece, and its end, are now, when only text under its
    headings was added or taken away (blocks of BODY_KINDS): the same headings (_same_heading),
    and under each, text before and after or none either time (the layout reads whether a heading
    has text of its own, not how much). None when it is more than that."""
    old_headings = [index for index, span in enumerate(old) if span[0] == "heading"]
    new_headings = [index for index, span in enumerate(new) if span[0] == "heading"]
    if (
        len(old_headings) != len(new_headings)
        or not old_headings
        or old_headings[0] != 0
        or new_headings[0] != 0
    ):
        return None
    for spans in (old, new):
        if any(span[0] != "heading" and span[0] not in BODY_KINDS for span in spans):
            return None
    mapping = {len(old): len(new)}
    ends = [*old_headings[1:], len(old)], [*new_headings[1:], len(new)]
    for position, (before, after) in enumerate(zip(old_headings, new_headings, strict=True)):
        if not _same_heading(old[before], new[after], before in card_headings):
            return None
        if (ends[0][position] > before + 1) != (ends[1][position] > after + 1):
            return None  # text under the heading where there was none, or none left
        mapping[before] = after
    return mapping


def _same_skeleton(old: list[BlockSpan], new: list[BlockSpan], card_headings: set[int]) -> bool:
    """The same kinds and heading levels, and the same heading text except on card headings."""
    if len(old) != len(new):
        return False
    for index, (before, after) in enumerate(zip(old, new, strict=True)):
        if before[0] != after[0] or not _same_heading(before, after, index in card_headings):
            return False
    return True


def _same_heading(was: BlockSpan, now: BlockSpan, card: bool) -> bool:
    """The same level, and the same heading text, or on a card's heading text of the same traits."""
    return was[4] == now[4] and (
        was[5] == now[5] or (card and heading_traits(was[5]) == heading_traits(now[5]))
    )


def _may_change_roles(spans: list[BlockSpan], text: str | None = None) -> bool:
    """Whether a piece holds what the layout reads beyond kinds and headings' words: HTML blocks
    (``<details>`` hides headings), underlined headings (an answer over a ``---``), unclosed fences."""
    for kind, start, end, *_ in spans:
        if kind == "block_html":
            return True
        if text is not None and kind == "heading" and not text[start:end].lstrip().startswith("#"):
            return True
        if text is not None and kind == "block_code" and unclosed_fence(text[start:end]):
            return True
    return False


def _holds_shaped_question(blocks: list[Block]) -> bool:
    """Whether a question by shape starts anywhere under the piece's headings (or before them)."""
    run: list[Block] = []
    for block in [*blocks, Block("heading", "", 0)]:
        if block.kind == "heading":
            if run and scan_shapes(run).drafts:
                return True
            run = []
        else:
            run.append(block)
    return False
