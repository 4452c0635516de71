"""mistune's block tokens with their place in the source, and lead-ins read from a block's first line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from re import Match
from typing import Any, NamedTuple

import mistune
from mistune.core import BlockState

from deckbuilder.markdown.dialect import MARKDOWN_PLUGINS, inline_tokens, plain_text
from deckbuilder.markdown.math import math_plugin
from deckbuilder.markdown.scanning import LineStartBlockParser


class Block(NamedTuple):
    """One top-level markdown block and the exact source text it spans.

    A named tuple rather than a frozen dataclass: a 100,000-card deck makes half a million of them
    on every build, and a tuple is built three times faster."""

    kind: str
    """mistune's token type: heading, paragraph, thematic_break, block_html, list, ..."""
    text: str
    """The source text from the block's start to the next block's start (blank lines included)."""
    line: int
    """1-based line in the file where the block starts."""
    level: int = 0
    """The heading level, for headings."""
    heading: str = ""
    """The heading's text without the '#' markers, for headings."""

    @property
    def stripped_text(self) -> str:
        return self.text.strip()


class _PositionedState(BlockState):
    """Records where each top-level token starts; mistune keeps no source positions of its own."""

    in_rule = False
    """True while a block rule runs; such rules may add their token only after moving the cursor."""

    def append_token(self, token: dict[str, Any]) -> None:
        if self.parent is None and not self.in_rule:
            token["_start"] = self.cursor
        super().append_token(token)

    def add_paragraph(self, text: str) -> None:
        last = self.last_token()
        if self.parent is None and not (last and last["type"] == "paragraph"):
            self.tokens.append({"type": "paragraph", "text": text, "_start": self.cursor})
            return
        super().add_paragraph(text)


class _PositionedParser(LineStartBlockParser):
    def parse_method(self, m: Match[str], state: BlockState) -> Any:
        if not isinstance(state, _PositionedState) or state.parent is not None:
            return super().parse_method(m, state)
        start, count = state.cursor, len(state.tokens)
        state.in_rule = True
        try:
            return super().parse_method(m, state)
        finally:
            state.in_rule = False
            # A rule may insert its token before the last one (lists do), so look a little back.
            for token in state.tokens[max(0, count - 2) :]:
                token.setdefault("_start", start)


@lru_cache(maxsize=1)
def _block_markdown() -> mistune.Markdown:
    from mistune.plugins import import_plugin

    plugins = [import_plugin(name) for name in MARKDOWN_PLUGINS]
    return mistune.Markdown(renderer=None, block=_PositionedParser(), plugins=[*plugins, math_plugin])


def block_tokens(body: str) -> list[dict[str, Any]]:
    """mistune's top-level block tokens of ``body``, each with its start offset (``_start``)."""
    state = _PositionedState()
    state.process(body)
    _block_markdown().block.parse(state)
    return state.tokens


def normalise_newlines(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def tokenize(body: str, first_line: int = 1) -> list[Block]:
    """Split markdown into top-level blocks (block level only: inline parsing is the renderers' job).

    ``body`` must already have normalised newlines; ``first_line`` is the file line it starts on.
    """
    return [
        Block(kind, body[start:end], first_line + line - 1, level, heading)
        for kind, start, end, line, level, heading in block_spans(body)
    ]


BlockSpan = tuple[str, int, int, int, int, str]
"""A block as (kind, start offset, end offset, 1-based line, heading level, heading text)."""


def block_spans(body: str) -> list[BlockSpan]:
    """The top-level blocks of ``body`` as plain values: what caches keep and workers send back."""
    # In source order: mistune may put a token before one that starts earlier ("> a\n- b" gives the
    # list first), and each block's text runs from its own start to the next block's.
    tokens = sorted(block_tokens(body), key=lambda token: token["_start"])
    starts = [token["_start"] for token in tokens]
    spans: list[BlockSpan] = []
    line, counted_to = 1, 0
    for index, token in enumerate(tokens):
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(body)
        kind = token["type"]
        if kind == "blank_line":
            continue
        line += body.count("\n", counted_to, start)
        counted_to = start
        level = token.get("attrs", {}).get("level", 0) if kind == "heading" else 0
        heading = " ".join(token.get("text", "").split()) if kind == "heading" else ""
        spans.append((kind, start, end, line, level, heading))
    return spans


@dataclass(frozen=True, slots=True)
class LeadIn:
    """A paragraph that opens with ``**Label:**`` (or ``Label:`` for the known plain markers)."""

    label: str
    """The label without its colon, as written."""
    bold: bool
    """Whether the label was strong or emphasised."""
    rest: str
    """The paragraph's source text after the label."""
    dotted: bool = False
    """Written with a full stop (``Q.``), not a colon."""

    @property
    def key(self) -> str:
        """The label as a marker: ``question``, ``answer``, ``q``, ``a``, ``tags`` whatever the
        language it is written in (``Вопрос``, ``Respuesta``, ``答``), else the label itself."""
        folded = self.label.casefold()
        numbered = NUMBERED_LABEL.fullmatch(folded)
        if numbered is not None:  # 'Q1', 'A 2', 'Question 3'
            folded = numbered.group(1)
        return LABEL_ALIASES.get(folded, folded)


NUMBERED_LABEL = re.compile(r"(q|a|question|answer)\s*\d{1,4}")
FULL_WIDTH_LABEL = {"\uff31\uff0e": "Q:", "\uff21\uff0e": "A:", "\uff31\uff1a": "Q:", "\uff21\uff1a": "A:"}
"""Q and A with a full-width full stop or colon: the labels as typed in Japanese notes."""
LABEL_ALIASES = {
    "вопрос": "question", "ответ": "answer", "питання": "question", "відповідь": "answer",
    "pregunta": "question", "respuesta": "answer", "frage": "question", "antwort": "answer",
    "réponse": "answer", "domanda": "question", "risposta": "answer", "pergunta": "question",
    "resposta": "answer", "pytanie": "question", "odpowiedź": "answer", "otázka": "question",
    "odpověď": "answer", "ans": "answer", "问": "question", "問": "question", "问题": "question",
    "問題": "question", "答": "answer", "答案": "answer", "回答": "answer", "질문": "question",
    "답": "answer", "front": "question", "back": "answer",
}  # fmt: skip
"""Question and answer labels in other languages, read as ``question`` and ``answer``."""
PLAIN_MARKERS = frozenset({"q", "question", "a", "answer", "tags", *LABEL_ALIASES})
EMPHASIS_TYPES = ("strong", "emphasis")


DOTTED_LABEL = re.compile(
    r"((?:\*\*|__)?(?:q|question))(?:\.(?:\*\*|__)?(?=[ \t])|[ \t]+[-\u2013\u2014](?=[ \t]))", re.IGNORECASE
)
"""``Q.`` (bold or not) or ``Q -`` before a space: the question label with a full stop or a dash.
(``A.`` is read as a label only after one: alone it is the first option of a multiple choice.)"""
DOTTED_ANSWER = re.compile(
    r"[ \t]*(?:\*\*|__)?(?:a|answer)(?:\.(?:\*\*|__)?|[ \t]+[-\u2013\u2014])[ \t]+", re.IGNORECASE
)
"""``A.`` or ``A -``: the answer's label after a question labelled so."""


LABEL_INSIDE_BOLD = re.compile(r"(\*\*|__)\s*(\w{1,12})\s*[:\uff1a]\s*(\S.*?)\1(.*)")
"""A bold span holding a label and its value (``**Answer: B**``)."""


def lead_in(text: str) -> LeadIn | None:
    """Read a label off the first line of a paragraph's source text, using mistune's inline parse."""
    stripped = text.lstrip(" ")
    first, _, remainder = stripped.partition("\n")
    if first[:2] in FULL_WIDTH_LABEL:
        first = FULL_WIDTH_LABEL[first[:2]] + " " + first[2:]
    dotted = DOTTED_LABEL.match(first)
    if dotted is not None:  # 'Q. What is X?' / 'Q - What is X?': the label with a stop or a dash
        after = dotted.end(1) + 1 if first[dotted.end(1)] == "." else dotted.end()
        first = first[: dotted.end(1)] + ":" + first[after:]
    colon = first.find(":")
    wide = first.find("\uff1a")  # the full-width colon of Chinese and Japanese labels
    if wide >= 0 and (colon < 0 or wide < colon):
        first, colon = first[:wide] + ":" + first[wide + 1 :], wide
    if colon < 0:
        return None  # every lead-in has its colon on the first line; skip the inline parse
    # The label ends at its first colon and the emphasis closing it right after, so that prefix
    # alone decides; prefixes repeat ("**Answer:**") across a deck, so the decision is cached.
    found = _label(first[: colon + 3])
    if found is None:
        inside = LABEL_INSIDE_BOLD.match(first)
        folded = inside.group(2).casefold() if inside is not None else ""
        if inside is None or LABEL_ALIASES.get(folded, folded) not in ("a", "answer"):
            return None  # (a bold question with its label, '**Q: …**', is read as a bold question)
        # '**Answer: B**': the label and its value in one bold span.
        rest = inside.group(3).strip() + inside.group(4)
        return LeadIn(inside.group(2), True, _join_rest(rest, remainder), dotted is not None)
    label, bold, consumed = found
    return LeadIn(label, bold, _join_rest(first[consumed:], remainder), dotted is not None)


@lru_cache(maxsize=1 << 14)
def _label(prefix: str) -> tuple[str, bool, int] | None:
    """The label a line starting with ``prefix`` opens with, and how many characters it takes."""
    tokens = inline_tokens(prefix)
    if not tokens:
        return None
    head = tokens[0]
    if head["type"] in EMPHASIS_TYPES:
        return _emphasised_label(prefix, head, tokens[1:])
    if head["type"] == "text":
        label, separator, after = str(head["raw"]).partition(":")
        folded = label.strip().casefold()
        if (
            separator
            and (folded in PLAIN_MARKERS or NUMBERED_LABEL.fullmatch(folded))
            and label == label.lstrip()
        ):
            # ``Q::`` (a Dataview field's double colon) is the same label.
            return label.strip(), False, len(label) + (2 if after.startswith(":") else 1)
    return None


def _emphasised_label(
    prefix: str, head: dict[str, Any], after: list[dict[str, Any]]
) -> tuple[str, bool, int] | None:
    label = plain_text(head["children"]).strip()
    delimiter = prefix[:2] if prefix[:2] in ("**", "__") else prefix[:1]
    closing = prefix.find(delimiter, len(delimiter))
    if closing < 0:
        return None
    consumed = closing + len(delimiter)
    if label.endswith(":"):
        label = label[:-1].strip()
    elif after and after[0]["type"] == "text" and str(after[0]["raw"]).startswith(":"):
        consumed += 1
    else:
        return None
    return (label, True, consumed) if label else None


def _join_rest(first_rest: str, remainder: str) -> str:
    first_rest = first_rest.lstrip(" \t")
    if not first_rest:
        return remainder
    return f"{first_rest}\n{remainder}" if remainder else first_rest


def whole_line_strong(line: str) -> str | None:
    """The text of a line that is one bold span and nothing else (``**Why is the sky blue?**``)."""
    line = line.strip()
    if not (line[:2] in ("**", "__") and line[-2:] == line[:2]):
        return None
    tokens = inline_tokens(line)
    if len(tokens) == 1 and tokens[0]["type"] == "strong":
        return plain_text(tokens[0]["children"]).strip()
    return None


def bold_lead(line: str) -> tuple[str, str] | None:
    """A line opening with a bold span and going on after it (``**What is X?** It is …``): the
    span's markdown and the rest of the line."""
    line = line.strip()
    delimiter = line[:2]
    if delimiter not in ("**", "__"):
        return None
    tokens = inline_tokens(line)
    if len(tokens) < 2 or tokens[0]["type"] != "strong":
        return None
    bold = plain_text(tokens[0]["children"])
    closing = line.find(delimiter, 2)
    while closing >= 0:
        head = inline_tokens(line[: closing + 2])
        if len(head) == 1 and head[0]["type"] == "strong" and plain_text(head[0]["children"]) == bold:
            rest = line[closing + 2 :].strip()
            return (line[2:closing].strip(), rest) if rest else None
        closing = line.find(delimiter, closing + 2)
    return None
