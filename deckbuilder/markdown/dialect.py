"""deckbuilder's markdown: mistune with tables, strikethrough, math and clozes, as parsers and trees.

Reading and rendering both take their parsers from here, so a card's text means the same to both.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import mistune

from deckbuilder.markdown.cloze import MAYBE_CLOZE, cloze_plugin
from deckbuilder.markdown.math import math_plugin
from deckbuilder.markdown.scanning import LineStartBlockParser

MARKDOWN_PLUGINS = ("table", "strikethrough")
"""mistune's own plugins every parser has (math is ours, and added where it applies)."""

SYNTAX_PLUGINS: dict[str, Any] = {
    "table": "table",
    "strikethrough": "strikethrough",
    "math": math_plugin,
    "cloze": cloze_plugin,
}
SYNTAX_MARKS = {"table": "|", "strikethrough": "~~", "math": "$", "cloze": MAYBE_CLOZE}
"""Each optional syntax and a substring that any use of it contains."""


def syntax_in(markdown: str) -> frozenset[str]:
    """The optional syntaxes the text may use. Each one costs every inline scan some time (math
    and cloze doubled the rendering time of plain cards), so a card gets only those it could use."""
    return frozenset(name for name, mark in SYNTAX_MARKS.items() if mark in markdown)


def parser(renderer: mistune.HTMLRenderer | None, plugins: list[Any]) -> mistune.Markdown:
    """mistune.create_markdown, with the block parser that searches line starts only."""
    from mistune.plugins import import_plugin

    return mistune.Markdown(
        renderer=renderer,
        block=LineStartBlockParser(),
        inline=mistune.InlineParser(),
        plugins=[import_plugin(plugin) for plugin in plugins],
    )


@lru_cache(maxsize=1)
def _tree_parser() -> mistune.Markdown:
    return parser(None, list(SYNTAX_PLUGINS.values()))


def syntax_tree(markdown: str) -> list[dict[str, Any]]:
    """mistune's tokens for card markdown, with math and cloze tokens."""
    tokens = _tree_parser()(markdown)
    assert isinstance(tokens, list)
    return tokens


def link_references(markdown: str) -> list[dict[str, str]]:
    """The link reference definitions (``[label]: url "title"``) in the markdown's blocks, as
    mistune reads them: each with its label, url and, when given, title."""
    md = _tree_parser()
    state = md.block.state_cls()
    state.process(markdown)
    md.block.parse(state)
    return list(state.env.get("ref_links", {}).values())


@lru_cache(maxsize=1)
def _inline_parser() -> mistune.Markdown:
    return mistune.create_markdown(renderer=None, plugins=[*MARKDOWN_PLUGINS, math_plugin])


def inline_tokens(text: str) -> list[dict[str, Any]]:
    """mistune's inline tokens for one line of markdown."""
    md = _inline_parser()
    tokens: list[dict[str, Any]] = md.inline(text, {"ref_links": {}})
    return tokens


def plain_text(tokens: list[dict[str, Any]]) -> str:
    """The visible text of inline tokens, markup removed."""
    parts: list[str] = []
    for token in tokens:
        if "children" in token:
            parts.append(plain_text(token["children"]))
        elif token["type"] in ("softbreak", "linebreak"):
            parts.append(" ")
        else:
            parts.append(str(token.get("raw", "")))
    return "".join(parts)
