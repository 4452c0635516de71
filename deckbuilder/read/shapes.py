"""Questions written without card headings: ``Q:``/``A:`` pairs, ``<details>`` and bold questions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from deckbuilder.read.answers import ANSWER_MARKERS, QUESTION_MARKERS
from deckbuilder.read.blocks import Block, lead_in, whole_line_strong


@dataclass(slots=True)
class Draft:
    """A question found in the markdown, before it becomes a Card."""

    question: str
    """The question's markdown, still with any number, ``#tags`` or ``{#id}``."""
    line: int
    pieces: list[Block] = field(default_factory=list)
    """The blocks of the answer; the first may be the rest of the question's own paragraph."""
    section: tuple[str, ...] = ()
    """The headings above the question, outermost first."""
    missing_answer: bool = False
    """A ``Q:`` with no ``A:``: reported, never a card."""
    open_details: bool = False
    topic: bool = False
    """A heading that names a topic: a card only when the text under it marks an answer."""
    front_back: bool = False
    """A front/back card: ``question`` holds the front's markdown, not a heading's text."""
    shape: str = ""
    """How the question was found, for ``check -v``: heading, q-a, bold, details, ..."""


@dataclass(slots=True)
class ShapeScan:
    """What a run of blocks between headings holds."""

    drafts: list[Draft]
    before_first: list[Block]
    """Blocks before the first question (a description, or nothing)."""


def scan_shapes(blocks: Sequence[Block], section: tuple[str, ...] = ()) -> ShapeScan:
    """Find the questions among blocks that sit under a heading which is not itself a card."""
    drafts: list[Draft] = []
    before_first: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        current = drafts[-1] if drafts else None
        if current is not None and current.open_details:
            if block.kind == "block_html" and block.stripped_text.lower().startswith("</details"):
                current.open_details = False
            else:
                current.pieces.append(block)
            index += 1
            continue
        draft = _question_start(block, section)
        if draft is None:
            (current.pieces if current is not None else before_first).append(block)
            index += 1
            continue
        index += 1
        if draft.missing_answer and index < len(blocks):
            answer = _answer_paragraph(blocks[index])
            if answer is not None:
                draft.pieces.append(answer)
                draft.missing_answer = False
                index += 1
        drafts.append(draft)
    return ShapeScan(drafts, before_first)


def _question_start(block: Block, section: tuple[str, ...]) -> Draft | None:
    if block.kind == "paragraph":
        return _marked_question(block, section) or _bold_question(block, section)
    if block.kind == "block_html" and block.stripped_text.lower().startswith("<details"):
        return _details_question(block, section)
    return None


def _marked_question(block: Block, section: tuple[str, ...]) -> Draft | None:
    colon = block.text.find(":")
    if colon < 0 or "q" not in block.text[:colon].lower():
        return None  # the label before the colon cannot be Q or Question: skip reading it
    marker = lead_in(block.text)
    if marker is None or marker.key not in QUESTION_MARKERS:
        return None
    lines = marker.rest.split("\n")
    for index in range(1, len(lines)):
        answer = lead_in("\n".join(lines[index:]))
        if answer is not None and answer.key in ANSWER_MARKERS:
            question = "\n".join(lines[:index])
            return Draft(question, block.line, [Block("paragraph", answer.rest, block.line + index)], section)
    return Draft(marker.rest, block.line, [], section, missing_answer=True)


def _answer_paragraph(block: Block) -> Block | None:
    if block.kind != "paragraph":
        return None
    marker = lead_in(block.text)
    if marker is None or marker.key not in ANSWER_MARKERS:
        return None
    return Block("paragraph", marker.rest, block.line)


def _bold_question(block: Block, section: tuple[str, ...]) -> Draft | None:
    first, _, rest = block.stripped_text.partition("\n")
    if not first.rstrip("*_ ").endswith("?"):
        return None  # not a question: skip the inline parse
    text = whole_line_strong(first)
    if text is None or not text.endswith("?"):
        return None
    question = first.strip()[2:-2].strip()
    pieces = [Block("paragraph", rest, block.line + 1)] if rest.strip() else []
    return Draft(question, block.line, pieces, section)


def _details_question(block: Block, section: tuple[str, ...]) -> Draft | None:
    raw = block.text
    lowered = raw.lower()
    opening = lowered.find("<summary")
    opening_end = lowered.find(">", opening)
    closing = lowered.find("</summary>", opening_end)
    if opening < 0 or opening_end < 0 or closing < 0:
        return None
    question = " ".join(raw[opening_end + 1 : closing].split())
    after = raw[closing + len("</summary>") :]
    end = after.lower().find("</details>")
    inside = after if end < 0 else after[:end]
    pieces = [Block("block_html", inside, block.line)] if inside.strip() else []
    return Draft(question, block.line, pieces, section, open_details=end < 0)
