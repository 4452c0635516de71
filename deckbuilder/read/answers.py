"""Turning the blocks under a question into the answer's markdown, labelled sections and tags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from deckbuilder.model import Section
from deckbuilder.read.blocks import LABEL_ALIASES, Block, lead_in, tokenize
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
    return Answer(joined(blocks), _sections(blocks), tuple(tags))


def joined(blocks: Sequence[Block]) -> str:
    """The blocks' markdown, each ending in a blank line so that none runs into the next."""
    return "".join(_ensure_break(block.text) for block in blocks).strip()


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
    sections: list[tuple[str, list[str], list[str]]] = []
    for block in blocks:
        label = lead_in(block.text) if block.kind == "paragraph" else None
        if label is not None and label.bold and label.key not in NOT_SECTION_LABELS:
            sections.append((label.label, [label.rest], [block.text]))
        elif sections:
            sections[-1][1].append(block.text)
            sections[-1][2].append(block.text)
    return tuple(
        Section(label, _joined_parts(parts[1:], first=parts[0]), _joined_parts(texts))
        for label, parts, texts in sections
    )


def _joined_parts(parts: Sequence[str], first: str | None = None) -> str:
    listed = parts if first is None else [first, *parts]
    return "".join(_ensure_break(part) for part in listed).strip()


SEPARATOR_LINES = frozenset({"%", "?", "??", ". . .", "..."})
"""Lines that part a card's front from its back in other tools' decks (md2apkg's ``%``, Obsidian's
``?``, pandoc's pause ``. . .``)."""
SPLIT_COMMENT = re.compile(r"<!--\s*(?:[\w-]+\s+)?(?:split|answer|back)\s*-->", re.IGNORECASE)
ANSWER_SUMMARY = re.compile(
    r"(?:show |see |view |click (?:here )?(?:to|for) (?:see |show )?(?:the )?)?"
    r"(?:answer|answers|solution|ответ|відповідь|回答|答案|解答)\b.*",
    re.IGNORECASE | re.DOTALL,
)
"""A ``<summary>`` that labels the answer inside its ``<details>``."""
CALLOUT = re.compile(r" {0,3}>[ \t]*\[!(?P<kind>[\w-]+)\][+-]?[ \t]*(?P<title>[^\n]*)")
"""The first line of an Obsidian callout (``> [!question]- What is X?``): its kind and title."""
QUESTION_CALLOUTS = frozenset({"question", "faq", "help", "quiz", "flashcard", "card"})
ANSWER_CALLOUTS = frozenset({"answer", "solution", "success", "check", "done"})
QUOTE_MARK = re.compile(r"^ {0,3}> ?")


def callout(block: Block) -> tuple[str, str, str] | None:
    """A block quote's callout kind (lower case), title, and body (without the ``>`` marks)."""
    found = CALLOUT.match(block.text)
    if found is None:
        return None
    body = "\n".join(QUOTE_MARK.sub("", line) for line in block.text.split("\n")[1:])
    return found.group("kind").casefold(), found.group("title").strip(), body


ANSWER_HEADING = re.compile(
    r"(?:the |show |see )?(?:answer|answers|solution|back|ответ|відповідь|antwort|respuesta|réponse"
    r"|risposta|resposta|odpowiedź|odpověď|回答|答案|解答|答え|정답|답)\s*:?",
    re.IGNORECASE,
)
"""A sub-heading that says the answer follows (``### Answer``): what is above it is the question's."""
CHECKED_OPTION = re.compile(r"^\s*[-*+]\s+\[[xX]\]\s+", re.MULTILINE)
OPTION = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class MarkedAnswer:
    """The blocks under a question parted where the answer is marked."""

    question: list[Block]
    """Blocks that belong to the question (code, an image, the options of a multiple choice)."""
    answer: list[Block]
    marker: str
    """What marked the answer: lead-in, details, separator, comment, choice."""


def marked_answer(pieces: Sequence[Block]) -> MarkedAnswer | None:
    """Where an answer marker (``**Answer:**``, ``A:``, a ``<details>`` answer, a front/back
    separator line, the checked option of a task list) parts the blocks under a question; None
    when nothing marks the answer."""
    for index, block in enumerate(pieces):
        found = _marker(block)
        if found is None:
            continue
        kind, answer = found
        before = list(pieces[:index])
        if kind == "admonition":
            return MarkedAnswer(before, _admonition_body(block, pieces[index + 1 :]), kind)
        if kind == "choice":
            return MarkedAnswer([*before, block], [*answer, *pieces[index + 1 :]], kind)
        return MarkedAnswer(before, [*answer, *_without_closing(pieces[index + 1 :], kind)], kind)
    return None


ADMONITION = re.compile(r'(?:\?\?\?\+?|!!!)[ \t]+[\w-]+[ \t]+"([^"\n]*)"[ \t]*(?:\n|$)')
"""A collapsible or plain admonition of mkdocs (``??? question "Show Answer"``): with a title that
labels an answer, its indented body is the answer."""


def _admonition_body(block: Block, after: Sequence[Block]) -> list[Block]:
    body, taken = admonition_body(block, after)
    return [*body, *after[taken:]]


def admonition_body(block: Block, after: Sequence[Block]) -> tuple[list[Block], int]:
    """The admonition's indented body as blocks: the rest of its paragraph, and the indented blocks
    after it (which markdown reads as code), four spaces taken off each line; and how many of
    ``after`` it took."""
    lines = block.text.split("\n")[1:]
    taken = 0
    for piece in after:
        if piece.kind != "block_code" or not piece.text.startswith("    "):
            break
        lines += piece.text.split("\n")
        taken += 1
    body = "\n".join(line[4:] if line.startswith("    ") else line.lstrip() for line in lines)
    return tokenize(body.strip("\n") + "\n", block.line + 1) if body.strip() else [], taken


def _marker(block: Block) -> tuple[str, list[Block]] | None:
    text = block.stripped_text
    if block.kind == "paragraph":
        if text in SEPARATOR_LINES:
            return "separator", []
        admonition = ADMONITION.match(text)
        if admonition is not None and labels_answer(admonition.group(1)):
            return "admonition", []
        opening = lead_in(block.text)
        if opening is not None and opening.key in ANSWER_MARKERS:
            return "lead-in", [block._replace(text=opening.rest)] if opening.rest.strip() else []
        return None
    if block.kind == "block_html":
        if SPLIT_COMMENT.fullmatch(text):
            return "comment", []
        details = open_details(block)
        if details is not None and labels_answer(details[0]):
            after = details[1]
            end = after.lower().rfind("</details>")
            inside = after if end < 0 else after[:end]
            return "details", [block._replace(text=inside)] if inside.strip() else []
        return None
    if block.kind == "heading" and ANSWER_HEADING.fullmatch(block.heading.strip(" *_#")):
        return "heading", []
    if block.kind == "block_quote" and "[!" in block.text:
        found = callout(block)
        if found is not None and (found[0] in ANSWER_CALLOUTS or labels_answer(found[1])):
            return "callout", tokenize(found[2], block.line + 1)
    if block.kind == "list" and CHECKED_OPTION.search(block.text):
        options = OPTION.findall(block.text)
        if len(options) >= 2:
            return "choice", [block._replace(kind="paragraph", text=_checked_options(block.text))]
    return None


def open_details(block: Block) -> tuple[str, str] | None:
    """The ``<summary>``'s markup and the text after ``</summary>`` of a block opening
    ``<details>``; None when the block opens none or has no summary."""
    raw = block.text
    lowered = raw.lower()
    if not lowered.lstrip().startswith("<details"):
        return None
    opening = lowered.find("<summary")
    opening_end = lowered.find(">", opening)
    closing = lowered.find("</summary>", opening_end)
    if opening < 0 or opening_end < 0 or closing < 0:
        return None
    return raw[opening_end + 1 : closing], raw[closing + len("</summary>") :]


def labels_answer(summary: str) -> bool:
    """Whether a ``<summary>`` labels the answer inside its ``<details>`` (``Answer``, ``Show
    solution``) rather than asking a question."""
    return bool(ANSWER_SUMMARY.fullmatch(" ".join(re.sub(r"<[^>]*>", "", summary).split())))


def _without_closing(blocks: Sequence[Block], kind: str) -> list[Block]:
    """The blocks after a ``<details>`` opening, without the ``</details>`` that closes it."""
    if kind != "details":
        return list(blocks)
    kept = list(blocks)
    depth = 1
    for index, block in enumerate(kept):
        if block.kind != "block_html":
            continue
        lowered = block.text.lower()
        depth += lowered.count("<details") - lowered.count("</details")
        if depth <= 0:
            closing = lowered.rfind("</details>")
            rest = block.text[closing + len("</details>") :]
            kept[index] = block._replace(text=block.text[:closing] + rest)
            return [b for b in kept if b.stripped_text]
    return kept


def _checked_options(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        found = CHECKED_OPTION.match(line)
        if found:
            lines.append(line[found.end() :].strip())
    return "\n\n".join(lines) + "\n\n"


ANSWER_LABELS = frozenset(
    {"answer", "ans", *(label for label, key in LABEL_ALIASES.items() if key == "answer")}
)
"""An answer's label in any language, which alone is no answer."""
PLACEHOLDERS = frozenset({"todo", "tbd", "tba", "wip", "coming soon", "to do", "n/a", "placeholder", "fixme"})
HAS_WORD = re.compile(r"\w")
PLACEHOLDER_MARKS = frozenset("*_~#>[]()!:|-.?\u2026\u2013\u2014\uff1f")
"""What an answer that is not there yet is written with: '.....', '???', '—', '**…**'."""


def placeholder(text: str) -> bool:
    """An answer that holds no answer yet: ``TODO``, ``.....``, ``???``, ``-``."""
    if "`" in text:
        return False  # code, however short ('`$`'), is an answer
    words = " ".join(re.sub(r"[*_`~#>\[\]()!:|-]", " ", text).split()).casefold()
    if not HAS_WORD.search(words):
        # Dots, dashes and question marks hold the place of an answer; a symbol ('$', '==') is one.
        return all(character in PLACEHOLDER_MARKS or character.isspace() for character in text)
    return (
        words.rstrip(".!?") in PLACEHOLDERS
        or words in ANSWER_LABELS  # the form's 'Answer:' with nothing written after it
        or (words.startswith("todo") and len(words) < 80)
    )
