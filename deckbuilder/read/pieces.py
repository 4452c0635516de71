"""Tokenizing a long document in pieces: split before each heading, on all cores, with a cache.

A heading at the start of a line after a blank line always starts a new top-level block (the blank
line has ended any paragraph, quote or HTML block, and an unindented heading ends a list), so the
document can be cut there and each piece tokenized alone, with the same blocks as the whole,
provided the cut is not inside a fenced code block or one of the HTML blocks that run to an end
marker (comments, <pre>, <script>, <style>, <textarea>, <?…?>, <!…>). Documents with such HTML
blocks, or with display math, are not cut at all. tests/test_chunks.py checks the equivalence,
with hypothesis among others.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from deckbuilder.incremental.parsecache import ParseCache
from deckbuilder.incremental.workers import map_on_cores
from deckbuilder.read.blocks import Block, BlockSpan, block_spans

PARALLEL_MINIMUM_CHUNKS = 2000
"""Fewer pieces than this tokenize faster in one process than a pool costs to start."""
TOKENIZE_PER_TASK = 256
# Each pattern starts with the newline before its line: re scans for a literal first character
# quickly, while a pattern starting with ^ is tried at every character (three times slower here).
UNCUTTABLE = re.compile(
    r"\n {0,3}(?:<\?|<!|<pre|<script|<style|<textarea)"  # HTML blocks that run to an end marker
    r"|\n[^\S\n]*\$\$[^\S\n]*(?=\n)",  # display math may hold blank lines and '#'; mistune decides its end
    re.IGNORECASE,
)
"""Lines that make a document uncuttable."""
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
        stripped = body[offset : len(body) if end < 0 else end].lstrip(" ")
        run = len(stripped) - len(stripped.lstrip(stripped[0]))
        if fence is None:
            fence = stripped[0] * run
        elif stripped.startswith(fence) and not stripped.lstrip(stripped[0]).strip():
            fence = None
    return points


@dataclass(slots=True)
class Pieces:
    """A document cut into pieces, each tokenized (or taken from the cache); blocks made on demand."""

    texts: list[str]
    keys: list[str]
    """The hash of each piece's text: its key in the parse cache."""
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


def document_pieces(
    body: str, first_line: int = 1, cache: ParseCache | None = None, workers: int = 1
) -> Pieces:
    """The document's pieces, the new ones tokenized on ``workers`` processes."""
    points = split_points(body)
    texts = [body[start:end] for start, end in zip(points, [*points[1:], len(body)], strict=True)]
    keys = [hashlib.sha1(piece.encode("utf-8")).hexdigest() for piece in texts]
    known = cache.pieces if cache is not None else {}
    missing = sorted({key: index for index, key in enumerate(keys) if key not in known}.values())
    fresh = dict(
        zip((keys[i] for i in missing), _tokenize_all([texts[i] for i in missing], workers), strict=True)
    )
    spans = [fresh[key] if key in fresh else known[key] for key in keys]  # a piece may have no blocks
    if cache is not None:
        cache.used_pieces.update(zip(keys, spans, strict=True))
    first_lines = []
    line = first_line
    for piece in texts:
        first_lines.append(line)
        line += piece.count("\n")
    return Pieces(texts, keys, spans, first_lines)


def _tokenize_all(pieces: list[str], workers: int) -> list[list[BlockSpan]]:
    return map_on_cores(block_spans, pieces, workers, PARALLEL_MINIMUM_CHUNKS, TOKENIZE_PER_TASK)
