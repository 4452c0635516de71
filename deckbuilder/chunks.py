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
from collections.abc import Iterable

from deckbuilder.blocks import Block, tokenize
from deckbuilder.parsecache import BlockRow, ParseCache

PARALLEL_MINIMUM_CHUNKS = 2000
"""Fewer pieces than this tokenize faster in one process than a pool costs to start."""
HTML_BLOCKS_TO_END_MARKER = ("<!--", "<?", "<![cdata[", "<pre", "<script", "<style", "<textarea", "<!")
FENCES = ("```", "~~~")
MATH_FENCE = "$$"
"""A line of only $$ opens or closes display math; documents with one are not cut."""


def split_points(body: str) -> list[int]:
    """Offsets where pieces start: 0 and before every heading line outside fenced code."""
    points = [0]
    fence: str | None = None
    offset = 0
    previous_blank = False
    for line in body.splitlines(keepends=True):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if indent <= 3 and stripped.lower().startswith(HTML_BLOCKS_TO_END_MARKER):
            return [0]
        if indent <= 3 and stripped.startswith(FENCES):
            marker = stripped[:3]
            run = len(stripped) - len(stripped.lstrip(marker[0]))
            if fence is None:
                fence = marker[0] * run
            elif stripped.startswith(fence) and not stripped.rstrip("\n").lstrip(marker[0]).strip():
                fence = None
        elif stripped.strip() == MATH_FENCE:
            return [0]  # display math may hold blank lines and '#'; where it ends is mistune's call
        elif fence is None and line.startswith("#") and offset and previous_blank:
            hashes = len(line) - len(line.lstrip("#"))
            if hashes <= 6 and line[hashes : hashes + 1] in (" ", "\t", "\n"):
                points.append(offset)
        offset += len(line)
        previous_blank = not line.strip()
    return points


def _rows(piece: str) -> list[BlockRow]:
    return [(b.kind, b.text, b.line, b.level, b.heading) for b in tokenize(piece)]


def tokenize_document(
    body: str, first_line: int = 1, cache: ParseCache | None = None, workers: int = 1
) -> list[Block]:
    """The same blocks as tokenize(body), computed piece by piece."""
    points = split_points(body)
    if len(points) == 1 and cache is None:
        return tokenize(body, first_line)
    pieces = [body[start:end] for start, end in zip(points, [*points[1:], len(body)], strict=True)]
    keys = [hashlib.sha1(piece.encode("utf-8")).hexdigest() for piece in pieces]
    known = cache.pieces if cache is not None else {}
    missing = sorted({key: index for index, key in enumerate(keys) if key not in known}.values())
    fresh = dict(
        zip((keys[i] for i in missing), _tokenize_all([pieces[i] for i in missing], workers), strict=True)
    )
    blocks: list[Block] = []
    line = first_line
    for piece, key in zip(pieces, keys, strict=True):
        rows = known.get(key) or fresh[key]
        if cache is not None:
            cache.used_pieces[key] = rows
        blocks.extend(
            Block(kind, text, line + relative - 1, level, heading)
            for kind, text, relative, level, heading in rows
        )
        line += piece.count("\n")
    return blocks


def _tokenize_all(pieces: list[str], workers: int) -> Iterable[list[BlockRow]]:
    if workers <= 1 or len(pieces) < PARALLEL_MINIMUM_CHUNKS:
        return [_rows(piece) for piece in pieces]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_rows, pieces, chunksize=256)
