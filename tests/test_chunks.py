"""Tokenizing in pieces (cached, on all cores) gives exactly the blocks of tokenizing the whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deckbuilder import read
from deckbuilder.incremental import parse as incremental
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.parsecache import ParseCache
from deckbuilder.read.blocks import Block, normalise_newlines, tokenize
from deckbuilder.read.pieces import document_pieces, split_points

from .conftest import FIXTURES_DIR, SEED


def tokenized_in_pieces(
    body: str, first_line: int, cache: ParseCache, caching: Caching | None = None
) -> list[Block]:
    pieces, _ = incremental.cached_pieces(body, first_line, cache, caching or Caching())
    assert pieces == document_pieces(body, first_line)  # the pure reader's pieces
    return pieces.all_blocks()


PIECES = st.sampled_from(
    ["# T\n", "## Q?\n", "### Sub\n", "#tag line\n", "text\n", "\n", "- item\n", "  more\n", "> quote\n",
     "```\n", "~~~\n", "````\n", "## in code?\n", "<!--\n", "-->\n", "<pre>\n", "</pre>\n", "<div>\n",
     "---\n", "===\n", "| a |\n|---|\n", "    indented\n", "1. one\n", "**Answer:** x\n", "$$\n"]
)  # fmt: skip


@pytest.mark.parametrize(
    "path", [SEED, FIXTURES_DIR / "tricky.md", FIXTURES_DIR / "cloze.md"], ids=lambda p: p.name
)
def test_pieces_equal_the_whole(path: Path) -> None:
    body = normalise_newlines(path.read_text(encoding="utf-8"))
    assert tokenized_in_pieces(body, 3, ParseCache()) == tokenize(body, 3)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
@example("> quote\n- item\n\n# T\n")  # mistune gives the list token before the quote
@example("</pre>\n```\n\n```\n\n# T\n")  # a fence line inside an HTML block is no fence
def test_any_document_tokenizes_alike_in_pieces(text: str) -> None:
    body = normalise_newlines(text)
    assert tokenized_in_pieces(body, 1, ParseCache()) == tokenize(body, 1)


def test_no_cut_inside_fenced_code_or_html_blocks() -> None:
    assert split_points("## A\n```\n\n## not a heading\n```\n\n## B\n") == [0, 32]
    assert split_points("> quote\n# T\n") == [0]  # only after a blank line
    assert split_points("## A\n<!--\n## B\n-->\n") == [0]


def test_the_cache_is_reused_and_only_changed_pieces_are_tokenized(tmp_path: Path) -> None:
    body = "# T\n\n## A?\n\nOne.\n\n## B?\n\nTwo.\n"
    cache = ParseCache(tmp_path / "parse.bin")
    first = tokenized_in_pieces(body, 1, cache)
    cache.save()
    reloaded = ParseCache.load(tmp_path / "parse.bin")
    assert len(reloaded.pieces) == 3
    edited = body.replace("Two.", "Two, edited.")
    caching = Caching()
    again = tokenized_in_pieces(edited, 1, reloaded, caching)
    assert again == tokenize(edited, 1) and again[:4] == first[:4]
    assert caching.computed["pieces"] == 1  # only the edited piece was new


def test_a_cached_piece_without_blocks_is_found_again(tmp_path: Path) -> None:
    body = "\n# T\n\n## A?\n\nOne.\n"  # as after front matter: the first piece is a blank line
    for _ in range(2):
        cache = ParseCache.load(tmp_path / "parse.bin")
        assert tokenized_in_pieces(body, 4, cache) == tokenize(body, 4)
        cache.save()


def test_cached_cards_equal_fresh_ones_and_only_edited_drafts_are_built(tmp_path: Path) -> None:
    from deckbuilder.model import DeckSettings

    text = "# T\n\n## A?\n\nOne.\n\n## Gap {.cloze}\n\n{{c1::x}} and {{c3::y}}\n\n## B?\n\nTwo.\n"
    path = tmp_path / "deck.md"
    cache, caching = ParseCache(tmp_path / "parse.bin"), Caching()
    fresh = incremental.parse(text, path, None, cache, caching)
    cache.save()
    assert caching.computed["cards"] == 3
    moved = "\n\n" + text.replace("One.", "One, edited.")
    reloaded, caching = ParseCache.load(tmp_path / "parse.bin"), Caching()
    cached = incremental.parse(moved, path, None, reloaded, caching)
    assert cached == read.parse(moved, path)  # lines moved by two: locations and warnings follow
    assert [str(d.location) for d in cached.diagnostics] == [f"{path}:9"]
    assert [c.source.line for c in cached.deck.cards] != [c.source.line for c in fresh.deck.cards]
    assert caching.computed["cards"] == 1  # only the edited card was built
    settings, caching = DeckSettings(tags=("extra",)), Caching()
    other = incremental.parse(moved, path, settings, ParseCache.load(tmp_path / "parse.bin"), caching)
    assert all("extra" in card.tags for card in other.deck.cards)  # settings are part of the key
    assert caching.computed["cards"] == 3


LINES = st.sampled_from(
    ["# H", "## H", "###### H", "####### H", "#H", "#", "##\t", " # H", "", " ", "\t", "\xa0", "text", "```",
     "   ```", "    ```", "````", "~~~", "``` py", "~~~~", "```` x", "-", "> q"]
)  # fmt: skip


def reference_split_points(body: str) -> list[int]:
    """The first way cut points were found, line by line: the regular expression must agree with it."""
    points, fence, offset = [0], None, 0
    lines = body.split("\n")
    for number, line in enumerate(lines):
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) <= 3 and stripped[:3] in ("```", "~~~"):
            run = len(stripped) - len(stripped.lstrip(stripped[0]))
            if fence is None:
                fence = stripped[0] * run
            elif stripped.startswith(fence) and not stripped.lstrip(stripped[0]).strip():
                fence = None
        elif fence is None and number and line.startswith("#") and not lines[number - 1].strip():
            hashes = len(line) - len(line.lstrip("#"))
            if hashes <= 6 and (line[hashes : hashes + 1] in (" ", "\t") or hashes == len(line)):
                points.append(offset)
        offset += len(line) + 1
    return points


@settings(max_examples=1000, deadline=None)
@given(st.lists(LINES, max_size=40).map("\n".join), st.booleans())
def test_cut_points_agree_with_reading_line_by_line(body: str, final_newline: bool) -> None:
    body += "\n" if final_newline else ""
    assert split_points(body) == reference_split_points(body)
