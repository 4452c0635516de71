"""Markdown (mistune's block tokens) to a Deck: title, card headings, sections, answers and tags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.blocks import Block, inline_tokens, normalise_newlines, plain_text
from deckbuilder.cards import CardBuilder, identity_clashes
from deckbuilder.chunks import tokenize_document
from deckbuilder.config import apply_front_matter, split_front_matter
from deckbuilder.errors import Diagnostic, ParseError, Severity
from deckbuilder.fingerprint import deck_id_for
from deckbuilder.model import Deck, DeckSettings, SourceLocation
from deckbuilder.parsecache import ParseCache
from deckbuilder.questions import split_question
from deckbuilder.shapes import Draft, scan_shapes
from deckbuilder.sources import read_source


@dataclass(frozen=True, slots=True)
class ParsedDeck:
    """A deck and the problems found while reading it."""

    deck: Deck
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


def parse_file(
    path: Path, base: DeckSettings | None = None, cache: ParseCache | None = None, workers: int = 1
) -> ParsedDeck:
    """Read and parse one markdown file (with a cache of its tokenized pieces, and on all cores)."""
    return parse_text(read_source(path), path, base, cache, workers)


def parse_text(
    text: str, path: Path, base: DeckSettings | None = None, cache: ParseCache | None = None, workers: int = 1
) -> ParsedDeck:
    """Parse markdown text as the deck of ``path``."""
    shown = str(path)
    front, body = split_front_matter(normalise_newlines(text), shown)
    settings = apply_front_matter(base or DeckSettings(), front, shown)
    blocks = tokenize_document(normalise_newlines(body), front.body_line + 1, cache, workers)
    layout = _lay_out(blocks, settings)
    title = settings.title or layout.title or _title_from_file(path)
    anki_deck = settings.anki_deck or title
    deck_id = settings.deck_id or deck_id_for(anki_deck)
    builder = CardBuilder(shown, deck_id, settings)
    cards = builder.build_all(layout.drafts, cache, workers)
    if not layout.drafts:
        raise ParseError(
            "no cards found; write each question as a heading ('## What is X?') with its answer "
            "below it, or as 'Q:'/'A:' lines (see the README)",
            SourceLocation(shown, 1),
        )
    diagnostics = [*builder.diagnostics, *identity_clashes(cards)]
    deck = Deck(
        title=title,
        anki_deck=anki_deck,
        deck_id=deck_id,
        description=_joined(layout.description),
        footer=_joined(layout.footer),
        cards=tuple(cards),
        source=path,
        settings=settings,
    )
    return ParsedDeck(deck, tuple(diagnostics))


@dataclass(slots=True)
class _Layout:
    title: str | None = None
    drafts: list[Draft] = field(default_factory=list)
    description: list[Block] = field(default_factory=list)
    footer: list[Block] = field(default_factory=list)


def _lay_out(blocks: Sequence[Block], settings: DeckSettings) -> _Layout:
    """Decide which headings are the title, sections and cards, and collect the drafts in order."""
    headings = [i for i, block in enumerate(blocks) if block.kind == "heading"]
    next_heading = {
        h: (headings[k + 1] if k + 1 < len(headings) else len(blocks)) for k, h in enumerate(headings)
    }
    title_index = _title_index(blocks, headings, settings)
    card_level = settings.card_level or _detect_card_level(blocks, headings, next_heading, title_index)
    layout = _Layout(title=_heading_plain(blocks[title_index]) if title_index is not None else None)
    first = headings[0] if headings else len(blocks)
    preamble = scan_shapes(blocks[:first])
    layout.drafts.extend(preamble.drafts)
    layout.description.extend(preamble.before_first)
    sections: list[tuple[int, str]] = []
    position = first
    while position < len(blocks):
        heading = blocks[position]
        body_end = next_heading[position]
        if position == title_index:
            scan = scan_shapes(blocks[position + 1 : body_end])
            layout.drafts.extend(scan.drafts)
            layout.description.extend(scan.before_first)
            position = body_end
            continue
        path = tuple(name for _, name in sections if heading.level > 0)
        if heading.level == card_level and not _is_container(blocks, position, body_end):
            end = _card_end(blocks, position, card_level)
            path = tuple(name for level, name in sections if level < card_level)
            layout.drafts.append(Draft(heading.heading, heading.line, list(blocks[position + 1 : end]), path))
            position = end
            continue
        while sections and sections[-1][0] >= heading.level:
            sections.pop()
        sections.append((heading.level, _section_name(heading)))
        path = tuple(name for _, name in sections)
        layout.drafts.extend(scan_shapes(blocks[position + 1 : body_end], path).drafts)
        position = body_end
    _split_footer(layout)
    return layout


def _title_index(blocks: Sequence[Block], headings: list[int], settings: DeckSettings) -> int | None:
    if not headings or settings.card_level == 1:
        return None
    top_level = [h for h in headings if blocks[h].level == 1]
    if len(top_level) == 1 and top_level[0] == headings[0]:
        return headings[0]
    return None


def _has_content(blocks: Sequence[Block]) -> bool:
    return any(block.kind != "thematic_break" for block in blocks)


def _detect_card_level(
    blocks: Sequence[Block],
    headings: list[int],
    next_heading: dict[int, int],
    title_index: int | None,
) -> int | None:
    """The heading level that holds the most answers directly (ties go to the deeper level)."""
    counts: dict[int, int] = {}
    for h in headings:
        body = blocks[h + 1 : next_heading[h]]
        if h != title_index and _has_content(body) and not scan_shapes(body).drafts:
            counts[blocks[h].level] = counts.get(blocks[h].level, 0) + 1
    if not counts:
        # No heading holds an answer: still treat the deepest headings as cards, so that each is
        # reported as a question without an answer rather than the file as having no cards.
        levels = [blocks[h].level for h in headings if h != title_index]
        return max(levels) if levels else None
    return max(counts, key=lambda level: (counts[level], level))


def _is_container(blocks: Sequence[Block], position: int, body_end: int) -> bool:
    """A card-level heading with nothing under it but deeper headings is a section, not a card."""
    return (
        not _has_content(blocks[position + 1 : body_end])
        and body_end < len(blocks)
        and blocks[body_end].level > blocks[position].level
    )


def _card_end(blocks: Sequence[Block], position: int, card_level: int) -> int:
    for index in range(position + 1, len(blocks)):
        if blocks[index].kind == "heading" and blocks[index].level <= card_level:
            return index
    return len(blocks)


def _split_footer(layout: _Layout) -> None:
    """A thematic break in the last card's answer ends the card; what follows is the deck's footer."""
    if not layout.drafts:
        return
    last = layout.drafts[-1]
    for index, block in enumerate(last.pieces):
        if block.kind == "thematic_break":
            layout.footer = last.pieces[index + 1 :]
            last.pieces = last.pieces[:index]
            return


def _heading_plain(block: Block) -> str:
    return plain_text(inline_tokens(block.heading)).strip()


def _section_name(block: Block) -> str:
    parts = split_question(block.heading)
    return plain_text(inline_tokens(parts.text)).strip()


def _title_from_file(path: Path) -> str:
    return " ".join(word.capitalize() for word in re.split(r"[-_\s]+", path.stem) if word)


def _joined(blocks: Sequence[Block]) -> str:
    return "".join(block.text for block in blocks).strip()
