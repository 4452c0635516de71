"""A list block taken apart into its items, each as markdown, through mistune's tree.

Questions are often written as list items (``- **Why?**`` with the answer below, Logseq's
``- #card`` blocks, cloze sentences in a bullet list); the reader needs each item's first line and
the rest of it as markdown. mistune keeps no source positions, so the rest is written back from
its tokens by mistune's own markdown renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mistune
from mistune.core import BlockState
from mistune.renderers.markdown import MarkdownRenderer

from deckbuilder.markdown.dialect import MARKDOWN_PLUGINS, parser, plain_text

BREAKS = ("linebreak", "softbreak")


@dataclass(frozen=True, slots=True)
class ListItem:
    """One item of a list."""

    first_line: str
    """The markdown of the item's first line."""
    first_tokens: tuple[dict[str, Any], ...]
    """The inline tokens of the first line."""
    paragraph: str
    """The markdown of the item's own text: its first paragraph, continuation lines included."""
    rest: str
    """The markdown of everything after the first line: continuation lines, paragraphs, sub-lists."""
    checked: bool | None
    """For a task list item, whether it is ticked."""
    children: tuple[ListItem, ...]
    """The items of the lists inside this one."""
    heading: str = ""
    """The text of the heading the item opens with (``1. ### What is X``), else empty; ``rest``
    is then everything under it."""
    after_paragraph: str = ""
    """The markdown after the item's own text: its further paragraphs, sub-lists and code."""

    @property
    def first_plain(self) -> str:
        return plain_text(list(self.first_tokens)).strip()


@lru_cache(maxsize=1)
def _list_parser() -> mistune.Markdown:
    return parser(None, [*MARKDOWN_PLUGINS, "task_lists"])


class _Writer(MarkdownRenderer):
    """mistune's markdown renderer, knowing the task list items of its plugin."""

    def task_list_item(self, token: dict[str, Any], state: BlockState) -> str:
        mark = "[x] " if token.get("attrs", {}).get("checked") else "[ ] "
        return mark + self.render_children(token, state).lstrip()


def _write(tokens: list[dict[str, Any]]) -> str:
    return str(_Writer()(tokens, BlockState())).strip()


def list_items(markdown: str) -> list[ListItem]:
    """The items of the first list in ``markdown`` (a list block's text)."""
    tokens = _list_parser()(markdown)
    assert isinstance(tokens, list)
    for token in tokens:
        if token["type"] == "list":
            return [_item(child) for child in token.get("children", [])]
    return []


def _item(token: dict[str, Any]) -> ListItem:
    children = list(token.get("children", []))
    checked = token.get("attrs", {}).get("checked") if token["type"] == "task_list_item" else None
    first: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    paragraph = ""
    heading = ""
    if children and children[0]["type"] == "heading":
        heading = plain_text(list(children[0].get("children", []))).strip()
        children = children[1:]
    elif children and children[0]["type"] in ("paragraph", "block_text"):
        inline = list(children[0].get("children", []))
        cut = next((i for i, t in enumerate(inline) if t["type"] in BREAKS), len(inline))
        first, after = inline[:cut], inline[cut + 1 :]
        paragraph = _write([{"type": "paragraph", "children": inline}])
        children = children[1:]
    rest_tokens = ([{"type": "paragraph", "children": after}] if after else []) + children
    nested = [
        _item(item) for child in children if child["type"] == "list" for item in child.get("children", [])
    ]
    return ListItem(
        _write([{"type": "paragraph", "children": first}]) if first else "",
        tuple(first),
        paragraph,
        _write(rest_tokens) if rest_tokens else "",
        checked,
        tuple(nested),
        heading,
        _write(children) if children and paragraph else "",
    )
