"""The incremental parse (caches, re-layout, cores) gives exactly what the pure read.parse gives."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder import read
from deckbuilder.incremental import parse as incremental
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.parsecache import ParseCache
from deckbuilder.read import ParsedDeck

from .conftest import FIXTURES_DIR, SEED


def cached_parse(text: str, cache_file: Path, caching: Caching | None = None) -> ParsedDeck:
    """Parse as a build does: with the cache left by the previous build, then saved for the next."""
    cache = ParseCache.load(cache_file)
    parsed = incremental.parse(text, Path("deck.md"), None, cache, caching or Caching())
    cache.save()
    return parsed


def test_an_edited_answer_reuses_the_layout(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    cards = text.split("\n## ")
    for index in (5, 10):  # two answers change, no heading does
        question, _, answer = cards[index].partition("\n")
        cards[index] = f"{question}\n{answer.replace('.', '. Edited.', 1)}"
    edited = "\n## ".join(cards)
    fresh, fresh_edited = read.parse(text, Path("deck.md")), read.parse(edited, Path("deck.md"))
    changed = [a for a, b in zip(fresh.deck.cards, fresh_edited.deck.cards, strict=True) if a != b]
    assert len(changed) == 2
    cached_parse(text, tmp_path / "parse.bin")
    caching = Caching()
    assert cached_parse(edited, tmp_path / "parse.bin", caching) == fresh_edited
    # and the record saved by the reusing build serves the build after it
    assert cached_parse(text, tmp_path / "parse.bin", caching) == fresh
    assert caching.computed["layouts"] == 0


@pytest.mark.parametrize(
    "change",
    [
        ("## ", "### ", 1),  # a heading level
        ("\n\n", "\n\nQ: Is this a card?\nA: Yes.\n\n", 3),  # a question by shape
        ("?\n", "?\n\n## Another question?\n\nIts answer.\n", 3),  # one more piece
    ],
    ids=["heading-level", "shaped-question", "new-card"],
)
def test_structural_edits_lay_out_again(tmp_path: Path, change: tuple[str, str, int]) -> None:
    text = SEED.read_text(encoding="utf-8")
    old, new, nth = change
    at = [i for i in range(len(text)) if text.startswith(old, i)][10 + nth]  # a card in the middle
    edited = text[:at] + text[at:].replace(old, new, 1)
    expected = read.parse(edited, Path("deck.md"))
    cached_parse(text, tmp_path / "parse.bin")
    caching = Caching()
    assert cached_parse(edited, tmp_path / "parse.bin", caching) == expected
    assert caching.computed["layouts"] == 1


HEADINGS = st.sampled_from(["# ", "## ", "## ", "## ", "### "])
QUESTIONS = st.sampled_from(
    ["What is A?", "What is B?", "Why `c`?", "", "Section", "1. Numbered?", "D? #tag",
     "Explain E", "2. Describe F", "Q3. Name G", "Example"]
)  # fmt: skip
"""Questions, requests (which count in a class of questions), labels and topics: an edit among them
can change which class of headings holds the cards."""
BODIES = st.sampled_from(
    ["Answer.\n", "**Answer:** it is.\n", "**Role:** x\n\n**Usage:** y\n", "Q: Inner?\nA: Yes.\n",
     "**Is it bold?**\nYes.\n", "---\n\nfooter\n", "- item\n- item\n", "```\n## not a heading\n```\n", "\n",
     "<details><summary>Q?</summary>A</details>\n", "Tags: one two\n", "{{c1::cloze}}\n", "| a |\n|---|\n| b |\n",
     "See [it][r].\n", "[r]: https://example.org\n", "A ;; B\nC ;; D\nE ;; F\n", "#flashcards\n",
     "The ==kernel== runs.\n"]
)  # fmt: skip
SECTIONS = st.lists(st.tuples(HEADINGS, QUESTIONS, BODIES), min_size=1, max_size=12)


OPENINGS = st.sampled_from(
    ["# Deck\n\nAbout it.\n\n", "", "Intro text.\n\n", "---\ntitle: Front\n---\n\n# Deck\n\n", "# Deck\n"]
)


def document(sections: list[tuple[str, str, str]], opening: str = "# Deck\n\nAbout it.\n\n") -> str:
    return opening + "".join(f"{mark}{question}\n\n{body}\n" for mark, question, body in sections)


@settings(max_examples=300, deadline=None)
@given(SECTIONS, OPENINGS, OPENINGS, st.data())
def test_any_edit_parses_as_without_a_cache(
    sections: list[tuple[str, str, str]], opening: str, new_opening: str, data: st.DataObject
) -> None:
    edited = list(sections)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(edited) - 1))
        mark, question, body = edited[index]
        what = data.draw(st.sampled_from(["body", "question", "heading", "drop", "add"]))
        if what == "body":
            edited[index] = (mark, question, data.draw(BODIES))
        elif what == "question":
            edited[index] = (mark, data.draw(QUESTIONS), body)
        elif what == "heading":
            edited[index] = (data.draw(HEADINGS), question, body)
        elif what == "drop" and len(edited) > 1:
            del edited[index]
        else:
            edited.insert(index, data.draw(st.tuples(HEADINGS, QUESTIONS, BODIES)))
    with tempfile.TemporaryDirectory() as folder:
        cache_file = Path(folder) / "parse.bin"
        before, after = document(sections, opening), document(edited, new_opening)
        for text in (before, after, document(sections, new_opening), before):
            assert _outcome(cached_parse, text, cache_file) == _outcome(read.parse, text, Path("deck.md"))


def _outcome(parse, *arguments):  # type: ignore[no-untyped-def]
    try:
        return parse(*arguments)
    except Exception as error:  # the same error either way is the point
        return repr(error)


def test_fixtures_parse_alike_from_their_own_record(tmp_path: Path) -> None:
    for path in (FIXTURES_DIR / "tricky.md", FIXTURES_DIR / "cloze.md", SEED):
        text = path.read_text(encoding="utf-8")
        cache_file = tmp_path / f"{path.stem}.bin"
        cached_parse(text, cache_file)
        assert cached_parse(text, cache_file) == read.parse(text, Path("deck.md"))


INSERTS = st.sampled_from(
    ["x", " word", "\n", "\n\n", "## New?\n\n", "\n## New?\n", "#", "**", "Q: Why?\nA: So.\n", "```\n",
     "~~~", "<div>", "$$\n", "\r\n", "\t", "   \n", "\x1f", "\u00a0", "\u200b", "TARGET DECK\nOther\n",
     "---\n", "[r]: https://example.org\n", "{{c1::x}}", "- item\n", "    code\n", " " * 130 + "deep\n"]
)  # fmt: skip
"""What an edit types: words, lines, headings, and everything that acts beyond its own line."""


@settings(max_examples=400, deadline=None)
@given(SECTIONS, OPENINGS, st.data())
def test_each_save_read_by_building_on_the_last_reading_parses_as_a_full_reading(
    sections: list[tuple[str, str, str]], opening: str, data: st.DataObject
) -> None:
    """While watch keeps its state warm, a file is read by building on its last reading
    (incremental.edits): each of a run of saves, anything typed or deleted anywhere, parses exactly as
    a reading of the whole text without any cache."""
    from deckbuilder.incremental.store import keep_warm

    text = document(sections, opening)
    keep_warm()
    try:
        with tempfile.TemporaryDirectory() as folder:
            cache_file = Path(folder) / "parse.bin"
            for _ in range(data.draw(st.integers(1, 4))):
                assert _outcome(cached_parse, text, cache_file) == _outcome(read.parse, text, Path("deck.md"))
                at = data.draw(st.integers(0, len(text)))
                cut = data.draw(st.integers(0, 12))
                inserted = data.draw(st.one_of(st.just(""), INSERTS))
                text = text[:at] + inserted + text[at + cut :]
            assert _outcome(cached_parse, text, cache_file) == _outcome(read.parse, text, Path("deck.md"))
    finally:
        keep_warm(False)


def test_a_save_is_read_by_building_on_the_last_reading(tmp_path: Path) -> None:
    """The edited reading is taken when it can be: an answer edited in the middle of the seed deck
    is read without cutting and hashing the whole body again, and parses as a full reading."""
    from deckbuilder.incremental import edits
    from deckbuilder.incremental.store import keep_warm

    text = SEED.read_text(encoding="utf-8")
    at = text.index("**Answer:**", len(text) // 2)
    changed = text[:at] + "An edit. " + text[at:]
    keep_warm()
    try:
        cached_parse(text, tmp_path / "parse.bin")
        last = incremental.warm_memory("readings")[Path("deck.md")]
        reading = edits.edited(last, changed, Path("deck.md"), None)
        assert reading is not None
        assert len(reading.texts) == len(last.texts)
        assert sum(a is not b for a, b in zip(reading.texts, last.texts, strict=True)) <= 3  # the rest reused
        assert cached_parse(changed, tmp_path / "parse.bin") == read.parse(changed, Path("deck.md"))
    finally:
        keep_warm(False)


BODY_BLOCKS = st.sampled_from(
    ["Text.\n", "More text.\n", "**Answer:** it is.\n", "- a\n- b\n", "1. one\n", "```\ncode\n```\n", "> quote\n",
     "Text.\n", "- c\n", "A `code` word.\n",
     "| a |\n|---|\n| b |\n", "---\n", "Q: Inner?\nA: Yes.\n", "<div>x</div>\n", "Tags: one\n", "$$\nx\n$$\n",
     "**Is it bold?**\nYes.\n", "#flashcards\n", "Term :: meaning\n"]
)  # fmt: skip
"""Blocks of a card's text: those the layout reads only as text, and those that may change its
reading (a rule, HTML, a question by shape, a tag)."""
ASKING = st.one_of(st.sampled_from(["What is A?", "Why is B?", "How does C work?", "Explain D"]), QUESTIONS)
CARDS = st.lists(
    st.tuples(st.sampled_from(["## ", "## ", "### "]), ASKING, st.lists(BODY_BLOCKS, max_size=3)),
    min_size=3,
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(CARDS, st.data())
def test_text_added_to_or_taken_from_answers_parses_as_a_full_reading(
    cards: list[tuple[str, str, list[str]]], data: st.DataObject
) -> None:
    """Blocks added to and taken away from cards' text: the layout is reused with its headings'
    blocks moved (relayout._moved_blocks) when nothing the layout reads changed, and every parse
    equals a full reading without any cache."""

    def text_of(cards: list[tuple[str, str, list[str]]]) -> str:
        return "# Deck\n\n" + "".join(
            f"{mark}{question}\n\n" + "".join(f"{block}\n" for block in body)
            for mark, question, body in cards
        )

    with tempfile.TemporaryDirectory() as folder:
        cache_file = Path(folder) / "parse.bin"
        for _ in range(data.draw(st.integers(1, 4))):
            text = text_of(cards)
            assert _outcome(cached_parse, text, cache_file) == _outcome(read.parse, text, Path("deck.md"))
            index = data.draw(st.integers(0, len(cards) - 1))
            mark, question, body = cards[index]
            body = list(body)
            if body and data.draw(st.booleans()):
                del body[data.draw(st.integers(0, len(body) - 1))]
            else:
                body.insert(data.draw(st.integers(0, len(body))), data.draw(BODY_BLOCKS))
            cards = [*cards[:index], (mark, question, body), *cards[index + 1 :]]
        text = text_of(cards)
        assert _outcome(cached_parse, text, cache_file) == _outcome(read.parse, text, Path("deck.md"))


def test_a_paragraph_added_to_an_answer_reuses_the_layout(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    at = text.index("**Answer:**", len(text) // 2)
    changed = text[:at] + "A new paragraph.\n\n- and\n- a list\n\n" + text[at:]
    cached_parse(text, tmp_path / "parse.bin")
    caching = Caching()
    assert cached_parse(changed, tmp_path / "parse.bin", caching) == read.parse(changed, Path("deck.md"))
    assert caching.computed["layouts"] == 0


def test_a_cached_cards_problems_keep_their_lines_when_its_text_moves_within_it(tmp_path: Path) -> None:
    """A blank line taken from under a heading moves the card's text up a line, its words the same:
    the card's problems (here a question inside its answer) are reported on their new lines."""
    text = "# Deck\n\n## What is A?\n\nIt is.\n\n## What is B?\n\nQ: Inner?\nA: Yes.\n\n## What is C?\n\nC.\n"
    changed = text.replace("## What is B?\n\nQ:", "## What is B?\nQ:")
    cached_parse(text, tmp_path / "parse.bin")
    expected = read.parse(changed, Path("deck.md"))
    assert any("Inner" in d.message for d in expected.diagnostics)
    assert cached_parse(changed, tmp_path / "parse.bin") == expected


@pytest.mark.parametrize(
    ("text", "old", "new"),
    [
        # A blank line taken from between an HTML block's lines and a fence: the fence becomes the
        # HTML block's text, and what it opened is no longer code.
        ("# Deck\n\n## What is A?\n\n<div>\nx\n\n```\n## not a card?\n\nstill code\n```\n\n## What is B?\n\nB.\n\n"
         "```\nopen\n\n## What is C?\n\n```\n\n## What is D?\n\nD.\n", "x\n\n```", "x\n```"),
        # A TARGET DECK line comes to name a deck when the line below it does.
        ("# Deck\n\n## What is A?\n\nA.\n\nTARGET DECK\n\n## What is B?\n\nB.\n\n## What is C?\n\nC.\n",
         "TARGET DECK\n\n", "TARGET DECK\nOther\n\n"),
    ],
)  # fmt: skip
def test_a_save_whose_change_acts_beyond_its_lines_is_read_whole(
    tmp_path: Path, text: str, old: str, new: str
) -> None:
    from deckbuilder.incremental.store import keep_warm

    changed = text.replace(old, new, 1)
    keep_warm()
    try:
        cached_parse(text, tmp_path / "parse.bin")
        assert cached_parse(changed, tmp_path / "parse.bin") == read.parse(changed, Path("deck.md"))
    finally:
        keep_warm(False)
