"""Reusing the previous build's layout when an edit changed only what lies inside cards.

Laying out a document means making every block, scanning the text under every heading for
questions and hashing every draft: about four seconds of a rebuild of 100,000 cards. When the
document has as many pieces as before, and each edited piece has the same block kinds, heading
levels and section names as the piece it replaces, holds no question written by shape (``Q:``, a
bold question, ``<details>``) and lies between the first card and the last, then no heading can
have changed its role: every card keeps its place and section. Only the cards touching an edited
piece are drafted again; the others are taken from the card cache by the key they had.
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
    for index in changed:
        old = old_spans.get(record.piece_keys[index])
        if old is None or not _same_skeleton(old, pieces.spans[index], card_headings[index]):
            return None
        if _may_change_roles(old) or _may_change_roles(pieces.spans[index], pieces.texts[index]):
            return None
        if _holds_shaped_question(pieces.blocks(index)) or may_switch_reading(pieces.texts[index], tags):
            return None
    edited = set(changed)
    drafts: list[Draft] = []
    keys: list[str | None] = []
    for first, heading, last, end, section, key in record.places:
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
    return ReusedLayout(drafts, keys)


def renewed(record: LayoutRecord, piece_keys: list[str], keys: Sequence[str]) -> LayoutRecord:
    """The record of a reused layout, with the new pieces' keys and the cards' new keys."""
    places = [
        place if place[5] == key else (*place[:5], key)
        for place, key in zip(record.places, keys, strict=True)
    ]
    return record._replace(piece_keys=piece_keys, places=places)


def _same_skeleton(old: list[BlockSpan], new: list[BlockSpan], card_headings: set[int]) -> bool:
    """The same kinds and heading levels, and the same heading text except on card headings."""
    if len(old) != len(new):
        return False
    for index, (before, after) in enumerate(zip(old, new, strict=True)):
        if before[0] != after[0] or before[4] != after[4]:
            return False
        if before[5] != after[5] and (
            index not in card_headings or heading_traits(before[5]) != heading_traits(after[5])
        ):
            return False
    return True


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
