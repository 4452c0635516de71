"""Checks on cloze deletions: their numbers, and deletions that are empty or never closed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from deckbuilder.markdown.cloze import MAYBE_CLOZE
from deckbuilder.markdown.dialect import plain_text, syntax_tree

EMPTY = re.compile(r"\{\{c\d+::(?:::[^}]*)?\}\}")
OPENING = re.compile(r"\{\{c\d+::[^\s{}]{0,6}")
HTML_DELETION = re.compile(r"\{\{c(\d+)::(.*?)(::[^{}]*)?\}\}", re.DOTALL)
"""A deletion in HTML, Anki's way: its number, its text, and its hint (``::hint``) when it has one."""
ONE_COLON = re.compile(r"\{\{c\d+:(?!:)[^\s{}]{0,6}")


@dataclass(frozen=True, slots=True)
class ClozeProblem:
    """A mistake in cloze syntax, and the text where it is (to find its line)."""

    message: str
    snippet: str


@dataclass(slots=True)
class _Found:
    numbers: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    """The plain text outside deletions and code."""
    empty: list[int] = field(default_factory=list)
    bodies: list[tuple[int, str]] = field(default_factory=list)
    """Each deletion's number and text as written."""


def _walk(tokens: list[dict[str, Any]], found: _Found) -> None:
    for token in tokens:
        kind = token.get("type")
        if kind == "cloze":
            number = token["attrs"]["number"]
            found.numbers.append(number)
            found.bodies.append((number, str(token.get("body", ""))))
            if not plain_text(token.get("children", [])).strip():
                found.empty.append(number)
        elif kind == "text":
            found.texts.append(str(token.get("raw", "")))
        elif kind in ("block_html", "inline_html"):
            # Raw HTML is not markdown, but Anki finds deletions in it all the same.
            for deletion in HTML_DELETION.finditer(str(token.get("raw", ""))):
                found.numbers.append(int(deletion.group(1)))
                found.bodies.append((int(deletion.group(1)), deletion.group(2) + (deletion.group(3) or "")))
        elif "children" in token:
            _walk(token["children"], found)


def scan(markdown: str) -> tuple[list[int], list[ClozeProblem]]:
    """The deletion numbers in the markdown, in order, and the problems with its cloze syntax."""
    if MAYBE_CLOZE not in markdown:
        return [], []
    found = _Found()
    _walk(syntax_tree(markdown), found)
    problems = []
    empty = _first(EMPTY, found.texts)
    if found.empty or empty:
        snippet = empty.group() if empty else f"{{{{c{found.empty[0]}::"
        problems.append(
            ClozeProblem("a cloze deletion is empty: put the hidden text between {{c1:: and }}", snippet)
        )
    unclosed = _first(OPENING, [EMPTY.sub("", piece) for piece in found.texts])
    if unclosed:
        message = "a cloze deletion is not closed: write it as {{c1::text}}"
        problems.append(ClozeProblem(message, unclosed.group()))
    one_colon = _first(ONE_COLON, found.texts)
    if one_colon:
        message = "a cloze deletion needs two colons: write {{c1::text}}, not {{c1:text}}"
        problems.append(ClozeProblem(message, one_colon.group()))
    if 0 in found.numbers:
        message = "cloze numbers start at 1: write {{c1::text}}, not {{c0::text}}"
        problems.append(ClozeProblem(message, "{{c0::"))
    for number, body in found.bodies:
        if body.count("$") % 2:  # a deletion ends at the first '}}', in math too (as in Anki)
            message = "'}}' inside math ends the cloze deletion (as in Anki); write '} }' inside the math"
            problems.append(ClozeProblem(message, f"{{{{c{number}::{body[:12]}"))
    return found.numbers, problems


def _first(pattern: re.Pattern[str], texts: list[str]) -> re.Match[str] | None:
    """The first match in any one text token (a match across two would not be in the source)."""
    return next((match for text in texts if (match := pattern.search(text))), None)


def number_gaps(numbers: list[int]) -> list[int]:
    """Deletion numbers missing between 1 and the highest one used."""
    used = set(numbers)
    return [n for n in range(1, max(used, default=0)) if n not in used]
