"""The images card markdown refers to, and which references are local files."""

from __future__ import annotations

import html
import re
from typing import Any

from deckbuilder.markdown.dialect import syntax_tree

HTML_IMAGE_SOURCE = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'>]+))""",
    re.IGNORECASE,
)
"""The source of an ``<img>`` written as HTML (in an HTML block or inline), quoted or not."""


def html_image_sources(fragment: str) -> list[tuple[int, int, str]]:
    """Each ``<img>`` source of an HTML fragment: where it stands, and its value as written."""
    found = []
    for image in HTML_IMAGE_SOURCE.finditer(fragment):
        group = next(name for name in ("double", "single", "bare") if image.group(name) is not None)
        found.append((image.start(group), image.end(group), image.group(group)))
    return found


def may_show_images(markdown: str) -> bool:
    """Whether the markdown has image syntax at all (a markdown image, or an ``<img>``)."""
    return "![" in markdown or ("<" in markdown and "<img" in markdown.lower())


def image_references(markdown: str) -> list[str]:
    """The image sources a piece of card markdown refers to, in order: markdown images and the
    ``<img>`` of its HTML."""
    if not may_show_images(markdown):
        return []  # no image syntax at all: skip the parse
    found: list[str] = []
    _collect_images(syntax_tree(markdown), found)
    return found


def _collect_images(tokens: Any, found: list[str]) -> None:
    for token in tokens:
        kind = token.get("type")
        if kind == "image":
            found.append(str(token.get("attrs", {}).get("url", "")))
        elif kind in ("inline_html", "block_html"):
            raw = str(token.get("raw", ""))
            found.extend(html.unescape(source) for _, _, source in html_image_sources(raw))
        if "children" in token:
            _collect_images(token["children"], found)


def is_local_reference(url: str) -> bool:
    """True for a relative or absolute file path, false for a URL with a scheme or a data URI."""
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and not url.startswith("//")
