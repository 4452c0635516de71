"""Any text gives a Deck or a DeckbuilderError, never another exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckbuilder import read
from deckbuilder.errors import DeckbuilderError

MARKDOWN_PIECES = st.sampled_from(
    [
        "# ", "## ", "### ", "1. ", "Q: ", "A: ", "**Answer:**", "**Role:** ", "Tags: a, b", "---", "\n",
        "\n\n", "```", "$", "$$", "{#id}", "{.cloze}", " #tag", "<details><summary>", "</summary>",
        "</details>", "**", "*", "_", "`", "|", "| a |\n|---|\n", "- ", "> ", "<script>", "\t", "    ",
        "text", "What?", "\r\n", "\u00e9", "\\",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=8)), max_size=40).map("".join))
def test_any_markdown_gives_a_deck_or_a_clear_error(text: str) -> None:
    try:
        parsed = read.parse(text, Path("fuzz.md"))
    except DeckbuilderError as error:
        assert str(error).startswith("fuzz.md:")
        return
    for card in parsed.deck.cards:
        assert card.question and card.answer
        assert card.source.line >= 1


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_deck_or_a_clear_error(text: str) -> None:
    try:
        parsed = read.parse(text, Path("fuzz.md"))
    except DeckbuilderError as error:
        assert error.location is not None and error.location.path == "fuzz.md"
    else:
        assert all(card.question and card.answer for card in parsed.deck.cards)
