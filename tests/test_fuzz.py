"""Any text gives a Deck or a DeckbuilderError, never another exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckbuilder import read
from deckbuilder.errors import DeckbuilderError
from deckbuilder.model import Card

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
    cards = _cards_or_a_clear_error(text)
    for card in cards:
        assert card.question and card.answer
        assert card.source.line >= 1


def _cards_or_a_clear_error(text: str) -> tuple[Card, ...]:
    """The cards the text gives; none when it gives an error, which must name the file."""
    try:
        return read.parse(text, Path("fuzz.md")).deck.cards
    except DeckbuilderError as error:
        assert str(error).startswith("fuzz.md:")
        return ()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_deck_or_a_clear_error(text: str) -> None:
    try:
        parsed = read.parse(text, Path("fuzz.md"))
    except DeckbuilderError as error:
        assert error.location is not None and error.location.path == "fuzz.md"
    else:
        assert all(card.question and card.answer for card in parsed.deck.cards)


SHAPE_PIECES = st.sampled_from(
    [
        "# T\n", "## Q?\n", "### Explain x\n", "1. What is x?\n", "   - ans\n", "- **Why?** Because.\n",
        "Q: a?\n", "A: b\n", "Q. c\n", "A. d\n", "**Answer: B**\n", "> [!question] What?\n", "> yes\n",
        '??? question "T?"\n', "    body\n", "| Q | A |\n|---|---|\n| 1 | 2 |\n", "term :: meaning\n",
        "word \u2014 meaning\n", "Latency\n", ": time\n", "The {{c1::x}} is.\n", "#flashcards/a/b\n", "x::y\n",
        "==hi== there\n", "---\n", "\n", "What is z?\nIt is z.\n", "*What is w?*\n", '<img src="a.png">\n',
        "```\n", "<details><summary>Q?</summary>\n", "</details>\n", "Front: f\n", "Back: g\n", "## Question 1\n",
        "### Answer\n", "\u554f1 x\n", "\u03a4\u03b9 \u03b5\u03af\u03bd\u03b1\u03b9;\n", "- [ ] What?\n", "  - x\n",
        "**Q1. What?**\n", "Ans). y\n", "1) What\n",
    ]
)  # fmt: skip
"""Lines of every shape the reader knows, to be mixed in any order."""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SHAPE_PIECES, max_size=30).map("".join))
def test_any_mix_of_shapes_gives_a_deck_or_a_clear_error(text: str) -> None:
    cards = _cards_or_a_clear_error(text)
    for card in cards:
        assert card.question or card.answer
        assert card.source.line >= 1
    assert len({card.guid for card in cards}) == len(cards)


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from([*"aZé ß,.?;:'\"()/%+-9", "\u4e2d", "\u0416"]), min_size=1, max_size=20)
)
def test_plain_words_render_as_mistune_renders_them(text: str) -> None:
    """The short way for plain text gives mistune's own HTML, wherever it is taken."""
    from deckbuilder.html import markup

    key = markup.fragment_key(text)
    assert markup.render_key(key) == markup.rendered_by_mistune(key)
