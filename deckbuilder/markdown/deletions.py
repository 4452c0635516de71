"""Checks on cloze deletions: their numbers, and deletions that are empty or never closed."""

from __future__ import annotations

import re
from typing import Any

from deckbuilder.markdown.cloze import MAYBE_CLOZE
from deckbuilder.markdown.dialect import plain_text, syntax_tree

EMPTY = re.compile(r"\{\{c\d+::(?:::[^}]*)?\}\}")
OPENING = re.compile(r"\{\{c\d+::")


def _walk(tokens: list[dict[str, Any]], numbers: list[int], texts: list[str], empty: list[int]) -> None:
    """Collect deletion numbers, empty deletions and the plain text outside deletions and code."""
    for token in tokens:
        kind = token.get("type")
        if kind == "cloze":
            numbers.append(token["attrs"]["number"])
            if not plain_text(token.get("children", [])).strip():
                empty.append(token["attrs"]["number"])
        elif kind == "text":
            texts.append(str(token.get("raw", "")))
        elif "children" in token:
            _walk(token["children"], numbers, texts, empty)


def scan(markdown: str) -> tuple[list[int], list[str]]:
    """The deletion numbers in the markdown, in order, and the problems with its cloze syntax."""
    if MAYBE_CLOZE not in markdown:
        return [], []
    numbers: list[int] = []
    texts: list[str] = []
    empty: list[int] = []
    _walk(syntax_tree(markdown), numbers, texts, empty)
    text = " ".join(texts)
    problems = []
    if empty or EMPTY.search(text):
        problems.append("a cloze deletion is empty: put the hidden text between {{c1:: and }}")
    if OPENING.search(EMPTY.sub("", text)):
        problems.append("a cloze deletion is not closed: write it as {{c1::text}}")
    return numbers, problems


def number_gaps(numbers: list[int]) -> list[int]:
    """Deletion numbers missing between 1 and the highest one used."""
    used = set(numbers)
    return [n for n in range(1, max(used, default=0)) if n not in used]
