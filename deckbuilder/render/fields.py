"""A card's sides as HTML, the same in every output: which text holds a cloze note's deletions."""

from __future__ import annotations

from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import DEFAULT_OPTIONS, MarkupOptions
from deckbuilder.model import Card


def question_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """The question as a line of text; as blocks when it holds more than its heading (the code or
    options above an answer marker, a front side of several paragraphs)."""
    if BLOCK_BREAK in card.question:
        return fragments.html(card.question, markup)
    return fragments.inline_html(card.question, markup)


BLOCK_BREAK = "\n\n"


def answer_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    return fragments.html(card.answer, markup)


def cloze_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """A cloze note's Text: its body when it has one (a paragraph or more), else its heading."""
    return answer_html(card, fragments, markup) if card.answer else question_html(card, fragments, markup)


def cloze_extra_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """A cloze note's Back Extra: its heading, when the deletions are in its body."""
    return fragments.inline_html(card.cloze_extra, markup) if card.cloze_extra else ""
