"""Our block tokenizer (positions recorded, line-start search) gives exactly mistune's own tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mistune
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mistune.block_parser import BlockParser
from mistune.core import BlockState
from mistune.plugins import import_plugin

from deckbuilder.markdown.dialect import MARKDOWN_PLUGINS
from deckbuilder.markdown.math import math_plugin
from deckbuilder.read.blocks import block_tokens, normalise_newlines

from .conftest import FIXTURES_DIR, SEED

LINES = st.sampled_from(
    ["## Q?\n", "text\n", "\n", "  \n", "- item\n", "* star item\n", "  more\n", "> quote\n", ">\n",
     "```\n", "~~~py\n", "    indented\n", "\tTabbed\n", "1. one\n", "2) two\n", "**Answer:** x\n",
     "*em* line\n", "`code` first\n", "$x$ math\n", "$$\n", "| a | b |\n", "|---|---|\n", "a | b\n",
     "---\n", "===\n", "***\n", "<div>\n", "</div>\n", "<!-- c -->\n", "[r]: /u\n", "_u_\n",
     "#tag\n", "+ plus\n", "9. nine\n", "!bang\n", "\\escaped\n"]
)  # fmt: skip


def _without_positions(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in token.items() if key != "_start"} for token in tokens]


def ours(text: str) -> list[dict[str, Any]]:
    return _without_positions(block_tokens(text))


def mistunes(text: str) -> list[dict[str, Any]]:
    plugins = [import_plugin(name) for name in MARKDOWN_PLUGINS]
    markdown = mistune.Markdown(renderer=None, block=BlockParser(), plugins=[*plugins, math_plugin])
    state = BlockState()
    state.process(text)
    markdown.block.parse(state)
    return state.tokens


@pytest.mark.parametrize(
    "path", [SEED, FIXTURES_DIR / "tricky.md", FIXTURES_DIR / "cloze.md"], ids=lambda p: p.name
)
def test_the_same_tokens_as_mistune_on_real_decks(path: Path) -> None:
    text = normalise_newlines(path.read_text(encoding="utf-8"))
    assert ours(text) == mistunes(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(LINES, max_size=40).map("".join))
def test_the_same_tokens_as_mistune_on_any_mix_of_lines(text: str) -> None:
    assert ours(text) == mistunes(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="#*-_>`~$|[]:!\\ \t\n1.)ab<", max_size=200))
def test_the_same_tokens_as_mistune_on_any_text(text: str) -> None:
    assert ours(text) == mistunes(text)


def _stock_html(text: str) -> str:
    from deckbuilder.html.markup import CardRenderer
    from deckbuilder.markdown.dialect import SYNTAX_PLUGINS

    plugins = [import_plugin(plugin) for plugin in SYNTAX_PLUGINS.values()]
    markdown = mistune.Markdown(renderer=CardRenderer("tex", None, "anki", None), plugins=plugins)
    return str(markdown(text))


def _our_html(text: str) -> str:
    from deckbuilder.html.markup import CardRenderer
    from deckbuilder.markdown.dialect import SYNTAX_PLUGINS, parser

    return str(parser(CardRenderer("tex", None, "anki", None), list(SYNTAX_PLUGINS.values()))(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=30).map("".join))
def test_card_html_is_mistunes_with_the_faster_search(text: str) -> None:
    assert _our_html(text) == _stock_html(text)


def test_card_html_of_the_fixtures_is_mistunes() -> None:
    for path in (SEED, FIXTURES_DIR / "tricky.md", FIXTURES_DIR / "cloze.md"):
        text = path.read_text(encoding="utf-8")
        assert _our_html(text) == _stock_html(text)
