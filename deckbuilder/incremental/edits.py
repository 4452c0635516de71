"""Reading a file again after a save: only the lines the save changed are looked at again.

While watch keeps its state warm, the text a file had at its last build is kept with what was made
of it: the body below the front matter, the pieces the body was cut into and their keys. The next
text is compared with it (the same start and the same end, found by comparing blocks of text in
place), and when the changed lines hold nothing that acts beyond them, the new body is the new text
below the same front matter, and only the pieces around the change are cut and hashed again.

What can act beyond its lines, and so sends the file through the whole reading instead: anything the
whole-text passes of read.reader.split_source change (carriage returns, control characters, lines of
spaces, deep indentation, zero-width and no-break spaces, a ``TARGET DECK`` line anywhere), the first
stretch of lines (front matter may start there), fences, HTML block openings and display math in the
stretch of lines between blank lines around the change (read.pieces decides where a document may be
cut by them), and a last build whose reading warned of anything.
tests/test_relayout.py holds the result to a full reading, with hypothesis.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from deckbuilder.model import DeckSettings
from deckbuilder.read.pieces import HTML_LINE, UNCUTTABLE, Pieces, first_lines, split_points
from deckbuilder.read.reader import CONTROL_BYTES, WHITESPACE_LINE, SourceText

BLOCK = 1 << 14
"""Characters compared at a time when looking for where two texts start to differ."""
FENCE_LINE = re.compile(r"(?:^|\n) {0,3}(?:```|~~~)")
ACTS_BEYOND = ("\r", "\t", "\u200b", "\ufeff", "\u00a0", "TARGET DECK", " " * 129)
"""Text that read.reader.split_source changes, or that may change lines other than its own."""


@dataclass(frozen=True, slots=True)
class ReadText:
    """A file's text as its last build read it, and what that build made of it."""

    text: str
    base: DeckSettings | None
    """The folder's settings it was read with."""
    source: SourceText
    texts: list[str]
    """The body's pieces (read.pieces.piece_texts)."""
    keys: list[str]
    """Each piece's key: the hash of its text."""
    starts: list[int]
    """Where each piece starts in the body."""
    first_lines: list[int]
    """The file line each piece starts on."""


def read_text(
    text: str, base: DeckSettings | None, source: SourceText, pieces: Pieces, keys: list[str]
) -> ReadText | None:
    """What to keep of a reading, or None when the next one cannot build on it: its reading warned
    of something, or changed the body's text other than by ending it with a newline."""
    text = _ended(text)
    if source.removed or not text.endswith(source.body) or "TARGET DECK" in source.body:
        return None  # (a TARGET DECK line may come to name a deck when the line below it changes)
    starts = [0]
    for piece in pieces.texts[:-1]:
        starts.append(starts[-1] + len(piece))
    return ReadText(text, base, source, pieces.texts, keys, starts, pieces.first_lines)


@dataclass(frozen=True, slots=True)
class EditedText:
    """A text read by building on the last reading of the file: its source and its pieces' texts,
    keys and first lines, as a full reading gives them."""

    source: SourceText
    texts: list[str]
    keys: list[str]
    first_lines: list[int]


def edited(last: ReadText, text: str, path: Path, base: DeckSettings | None) -> EditedText | None:
    """The new text read by building on ``last``, or None when the change may reach beyond its own
    lines (see the module's text) and the text must be read whole."""
    old, text = last.text, _ended(text)
    if base != last.base or path != last.source.path or text == old:
        return None
    same_start = _same_start(old, text)
    same_end = _same_end(old, text, same_start)
    # The stretch of lines between blank lines around the change, in each text: what a line means
    # may hang on the lines of its stretch (a fence line in an HTML block's lines is its text), and a
    # blank line taken away joins two stretches.
    begin = old.rfind("\n\n", 0, same_start) + 2
    old_end = _stretch_end(old, len(old) - same_end)
    new_end = _stretch_end(text, len(text) - same_end)
    at = len(old) - len(last.source.body)  # where the body starts, in both texts
    if begin < max(at, 2):
        return None  # the first stretch (front matter starts on its line), or the front matter
    old_lines, new_lines = old[begin:old_end], text[begin:new_end]
    if not _stays_within(old_lines) or not _stays_within(new_lines):
        return None
    body = text[at:]
    source = SourceText(path, last.source.settings, body, last.source.first_line, ())
    lines = new_lines.count("\n") - old_lines.count("\n")
    return _edited_pieces(last, source, begin - at, old_end - at, len(text) - len(old), lines)


def _stretch_end(text: str, at: int) -> int:
    """The newline that ends the last line of the stretch ``at`` is in (before a blank line, or the
    text's last)."""
    end = text.find("\n\n", at)
    return end if end >= 0 else len(text) - 1


def _ended(text: str) -> str:
    """The text ended with a newline, as reading ends it (read.blocks.normalise_newlines)."""
    return text if text.endswith("\n") else text + "\n"


def _stays_within(lines: str) -> bool:
    """Whether changed lines leave every other line as it was read: nothing split_source changes,
    and nothing that decides where the body is cut into pieces besides headings."""
    if any(mark in lines for mark in ACTS_BEYOND):
        return False
    data = lines.encode("utf-8", "surrogatepass")
    if len(data.translate(None, CONTROL_BYTES)) != len(data):
        return False
    framed = f"\n{lines}\n"
    found = (WHITESPACE_LINE, UNCUTTABLE, HTML_LINE, FENCE_LINE)
    return not any(pattern.search(framed) for pattern in found)


def _edited_pieces(
    last: ReadText, source: SourceText, begin: int, old_end: int, shift: int, lines: int
) -> EditedText | None:
    """The pieces of the new body: those before and after the changed lines as they were, those
    around them cut again (read.pieces.split_points) from the last cut before them that the change
    cannot move to the first one after that it cannot move."""
    starts = last.starts
    if len(starts) < 2:
        return None  # a body that is not cut at all: nothing to reuse
    first = bisect.bisect_right(starts, begin) - 1
    if first > 0 and begin == starts[first]:
        first -= 1  # the piece's heading line changed: the cut before it may go
    # Through the piece after the last changed one: the cut before it may go too (the blank line
    # above its heading taken away); the cut after that is a heading after a blank line, unchanged.
    after = bisect.bisect_right(starts, old_end) + 1
    body = source.body
    region_end = starts[after] + shift if after < len(starts) else len(body)
    region = body[starts[first] : region_end]
    points = split_points(region)
    cut = [region[start:end] for start, end in zip(points, [*points[1:], len(region)], strict=True)]
    keys = [hashlib.sha1(piece.encode("utf-8")).hexdigest() for piece in cut]
    cut_lines = first_lines(cut, last.first_lines[first])
    return EditedText(
        source,
        [*last.texts[:first], *cut, *last.texts[after:]],
        [*last.keys[:first], *keys, *last.keys[after:]],
        [*last.first_lines[:first], *cut_lines, *(line + lines for line in last.first_lines[after:])],
    )


def _same_start(old: str, new: str) -> int:
    """How many characters the two texts start with alike."""
    limit = min(len(old), len(new))
    alike = 0
    while alike + BLOCK <= limit and old[alike : alike + BLOCK] == new[alike : alike + BLOCK]:
        alike += BLOCK
    low, high = alike, min(alike + BLOCK, limit)  # the first difference is in this block, if any
    while low < high:
        middle = (low + high + 1) // 2
        if old[alike:middle] == new[alike:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _same_end(old: str, new: str, same_start: int) -> int:
    """How many characters the two texts end with alike, short of their same start."""
    limit = min(len(old), len(new)) - same_start
    old_at, new_at = len(old), len(new)
    alike = 0
    while (
        alike + BLOCK <= limit
        and old[old_at - alike - BLOCK : old_at - alike] == new[new_at - alike - BLOCK : new_at - alike]
    ):
        alike += BLOCK
    low, high = alike, min(alike + BLOCK, limit)
    while low < high:
        middle = (low + high + 1) // 2
        if old[old_at - middle : old_at - alike] == new[new_at - middle : new_at - alike]:
            low = middle
        else:
            high = middle - 1
    return low
