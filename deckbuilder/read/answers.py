"""Turning the blocks under a question into the answer's markdown, labelled sections and tags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deckbuilder.model import Section
from deckbuilder.read.blocks import Block, lead_in
from deckbuilder.read.tags import split_tag_list

ANSWER_MARKERS = frozenset({"answer", "a"})
QUESTION_MARKERS = frozenset({"question", "q"})
TAGS_MARKER = "tags"
NOT_SECTION_LABELS = ANSWER_MARKERS | QUESTION_MARKERS | {TAGS_MARKER}


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer ready for the model."""

    markdown: str
    sections: tuple[Section, ...]
    tags: tuple[str, ...]
    """Tags from a ``Tags: a, b`` line that ended the answer."""


def assemble_answer(pieces: Sequence[Block]) -> Answer:
    """The answer without separators, ``Answer:`` lead-in or ``Tags:`` line, and its sections."""
    blocks = list(pieces)
    while blocks and blocks[-1].kind == "thematic_break":
        blocks.pop()
    blocks, tags = _take_tags_line(blocks)
    if blocks and blocks[0].kind == "paragraph":
        opening = lead_in(blocks[0].text)
        if opening is not None and opening.key in ANSWER_MARKERS:
            blocks[0] = blocks[0]._replace(text=opening.rest)
    markdown = "".join(_ensure_break(block.text) for block in blocks).strip()
    return Answer(markdown, _sections(blocks), tuple(tags))


def _ensure_break(text: str) -> str:
    # A piece cut out of a paragraph may lack the blank line that separated it from the next block.
    return text if text.endswith("\n\n") else text.rstrip("\n") + "\n\n"


def _take_tags_line(blocks: list[Block]) -> tuple[list[Block], list[str]]:
    if not blocks or blocks[-1].kind != "paragraph":
        return blocks, []
    lines = blocks[-1].stripped_text.split("\n")
    marker = lead_in(lines[-1])
    if marker is None or marker.key != TAGS_MARKER:
        return blocks, []
    tags = split_tag_list(marker.rest)
    if len(lines) == 1:
        return blocks[:-1], tags
    kept = blocks[-1]._replace(text="\n".join(lines[:-1]) + "\n")
    return [*blocks[:-1], kept], tags


def _sections(blocks: Sequence[Block]) -> tuple[Section, ...]:
    sections: list[tuple[str, list[str]]] = []
    for block in blocks:
        label = lead_in(block.text) if block.kind == "paragraph" else None
        if label is not None and label.bold and label.key not in NOT_SECTION_LABELS:
            sections.append((label.label, [label.rest]))
        elif sections:
            sections[-1][1].append(block.text)
    return tuple(
        Section(label, "".join(_ensure_break(part) for part in parts).strip()) for label, parts in sections
    )
