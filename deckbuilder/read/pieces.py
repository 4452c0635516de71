"""Cutting a long document into pieces before headings, each tokenized alone with the same blocks.

A heading at the start of a line after a blank line always starts a new top-level block (the blank
line has ended any paragraph, quote or HTML block, and an unindented heading ends a list), so the
document can be cut there and each piece tokenized alone, with the same blocks as the whole,
provided the cut is not inside a fenced code block or one of the HTML blocks that run to an end
marker (comments, <pre>, <script>, <style>, <textarea>, <?…?>, <!…>). Documents with such HTML
blocks, or with display math, are not cut at all. tests/test_chunks.py checks the equivalence,
with hypothesis among others. Pieces are what the incremental layer caches and tokenizes on all
cores; read.parse tokenizes them one after another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from deckbuilder.read.blocks import Block, BlockSpan, block_spans

# Each pattern starts with the newline before its line: re scans for a literal first character
# quickly, while a pattern starting with ^ is tried at every character (three times slower here).
UNCUTTABLE = re.compile(
    r"\n {0,3}(?:<\?|<!|<pre|<script|<style|<textarea)"  # HTML blocks that run to an end marker
    r"|\n[^\S\n]*\$\$[^\S\n]*(?=\n)",  # display math may hold blank lines and '#'; mistune decides its end
    re.IGNORECASE,
)
"""Lines that make a document uncuttable."""
HTML_LINE = re.compile(r"(?:^|\n) {0,3}<[A-Za-z/!?]")
"""A line that may open an HTML block."""
FENCE_OR_CUT = re.compile(r"\n(?: {0,3}(?:```|~~~)|[^\S\n]*\n(?=#{1,6}(?:[ \t\n]|$)))")
"""The only lines that decide where a cut may go: fence lines, and headings after a blank line (the
match runs from the newline before the blank line to the heading, whose offset is its end)."""


def split_points(body: str) -> list[int]:
    """Offsets where pieces start: 0 and before every heading line after a blank line, outside
    fenced code. Only fence lines and such headings are looked at, found by one regular expression."""
    text = "\n" + body  # so that the first line, too, follows a newline; offsets in text are one more
    if UNCUTTABLE.search(text if text.endswith("\n") else text + "\n"):
        return [0]
    points = [0]
    fence: str | None = None
    for found in FENCE_OR_CUT.finditer(text):
        if found.group()[-1] == "\n":  # a heading after a blank line, at the match's end
            if fence is None:
                points.append(found.end() - 1)
            continue
        offset = found.start()  # the newline: the fence line starts at offset in body
        end = body.find("\n", offset)
        line = body[offset : len(body) if end < 0 else end]
        if fence is None:
            if HTML_LINE.search(body, max(body.rfind("\n\n", 0, offset), 0), offset):
                # In the lines of an HTML block (they run to a blank line) a fence line is HTML's
                # text, and where the real fences are only the whole document's parse can tell.
                return [0]
            fence = fence_opening(line)
        elif closes_fence(line, fence):
            fence = None
    return points


def fence_opening(line: str) -> str | None:
    """The run of backticks or tildes a fenced code block's opening line starts with."""
    stripped = line.lstrip(" ")
    if stripped[:3] not in ("```", "~~~"):
        return None
    return stripped[: len(stripped) - len(stripped.lstrip(stripped[0]))]


def closes_fence(line: str, fence: str) -> bool:
    """Whether ``line`` closes the code block opened with ``fence``."""
    stripped = line.lstrip(" ")
    return stripped.startswith(fence) and not stripped.lstrip(fence[0]).strip()


@dataclass(slots=True)
class Pieces:
    """A document cut into pieces, each tokenized; blocks made on demand."""

    texts: list[str]
    spans: list[list[BlockSpan]]
    first_lines: list[int]
    """The file line each piece starts on."""

    def blocks(self, index: int) -> list[Block]:
        piece, line = self.texts[index], self.first_lines[index]
        return [
            Block(kind, piece[start:end], line + relative - 1, level, heading)
            for kind, start, end, relative, level, heading in self.spans[index]
        ]

    def all_blocks(self) -> list[Block]:
        blocks: list[Block] = []
        for index in range(len(self.texts)):
            blocks.extend(self.blocks(index))
        return blocks


def piece_texts(body: str) -> list[str]:
    """The document cut at its split points."""
    points = split_points(body)
    return [body[start:end] for start, end in zip(points, [*points[1:], len(body)], strict=True)]


def first_lines(texts: Sequence[str], first_line: int) -> list[int]:
    """The file line each piece starts on, the first on ``first_line``."""
    lines = []
    line = first_line
    for piece in texts:
        lines.append(line)
        line += piece.count("\n")
    return lines


def document_pieces(body: str, first_line: int = 1) -> Pieces:
    """The document's pieces, tokenized one after another."""
    texts = piece_texts(body)
    return Pieces(texts, [block_spans(piece) for piece in texts], first_lines(texts, first_line))
