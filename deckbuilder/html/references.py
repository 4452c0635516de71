"""The images card markdown refers to, and which references are local files."""

from __future__ import annotations

import re
from typing import Any

from deckbuilder.markdown.dialect import syntax_tree


def image_references(markdown: str) -> list[str]:
    """The image sources a piece of card markdown refers to, in order."""
    if "![" not in markdown:
        return []  # no image syntax at all: skip the parse
    found: list[str] = []
    _collect_images(syntax_tree(markdown), found)
    return found


def _collect_images(tokens: Any, found: list[str]) -> None:
    for token in tokens:
        if token.get("type") == "image":
            found.append(str(token.get("attrs", {}).get("url", "")))
        if "children" in token:
            _collect_images(token["children"], found)


def is_local_reference(url: str) -> bool:
    """True for a relative or absolute file path, false for a URL with a scheme or a data URI."""
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and not url.startswith("//")
