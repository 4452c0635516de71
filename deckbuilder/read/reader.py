"""Markdown (mistune's block tokens) to a Deck: title, card headings, sections, answers and tags.

Pure and single-process: ``parse`` is the reference the incremental layer's cached, parallel parse
must equal; its steps (split_source, lay_out, card_builder, assemble) are the seams it wraps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.errors import Diagnostic, ParseError, Severity
from deckbuilder.fingerprint import deck_id_for
from deckbuilder.markdown.dialect import inline_tokens, plain_text
from deckbuilder.model import Card, Deck, DeckSettings, SourceLocation
from deckbuilder.read.blocks import Block, normalise_newlines
from deckbuilder.read.cards import CardBuilder, identity_clashes
from deckbuilder.read.frontmatter import apply_front_matter, split_front_matter
from deckbuilder.read.links import LinkDefinitions, link_definitions
from deckbuilder.read.pieces import document_pieces
from deckbuilder.read.questions import split_question
from deckbuilder.read.shapes import Draft, scan_shapes
from deckbuilder.read.sources import read_source


@dataclass(frozen=True, slots=True)
class ParsedDeck:
    """A deck and the problems found while reading it."""

    deck: Deck
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


@dataclass(frozen=True, slots=True)
class SourceText:
    """A file's text taken apart: its settings (front matter over the folder's) and the body."""

    path: Path
    settings: DeckSettings
    body: str
    """The markdown after the front matter, newlines normalised."""
    first_line: int
    """The file line the body starts on."""
    removed: tuple[Diagnostic, ...] = ()
    """A warning for each line that held control characters, which were removed."""

    @property
    def shown(self) -> str:
        return str(self.path)


def parse(text: str, path: Path, settings: DeckSettings | None = None) -> ParsedDeck:
    """Parse markdown text as the deck of ``path``, with ``settings`` from its folder."""
    source = split_source(text, path, settings)
    pieces = document_pieces(source.body, source.first_line)
    layout = lay_out(pieces.all_blocks(), source.settings)
    builder = card_builder(source, layout.title, link_definitions(pieces.texts))
    return assemble(source, layout, builder, builder.build_all(layout.drafts))


def parse_file(path: Path, settings: DeckSettings | None = None) -> ParsedDeck:
    """Read and parse one markdown file."""
    return parse(read_source(path), path, settings)


def split_source(text: str, path: Path, base: DeckSettings | None = None) -> SourceText:
    """The front matter applied to ``base`` settings, and the body below it, without control
    characters (each removal a warning)."""
    shown = str(path)
    text, removed = _without_control_characters(normalise_newlines(text), shown)
    front, body = split_front_matter(text, shown)
    settings = apply_front_matter(base or DeckSettings(), front, shown)
    return SourceText(path, settings, normalise_newlines(body), front.body_line + 1, removed)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no card shows; U+001F (which copying from PDFs brings) is Anki's field separator and
made a note with one field too many, so Anki refused the whole package."""


def _without_control_characters(text: str, shown: str) -> tuple[str, tuple[Diagnostic, ...]]:
    if not CONTROL_CHARACTERS.search(text):
        return text, ()
    warnings: dict[int, Diagnostic] = {}
    for found in CONTROL_CHARACTERS.finditer(text):
        line = text.count("\n", 0, found.start()) + 1
        if line not in warnings:
            name = f"U+{ord(found.group()):04X}"
            message = f"control character {name} removed (no card can show it, and Anki would misread it)"
            warnings[line] = Diagnostic(SourceLocation(shown, line), Severity.WARNING, message)
    return CONTROL_CHARACTERS.sub("", text), tuple(warnings.values())


def card_builder(
    source: SourceText, layout_title: str | None, definitions: LinkDefinitions = ()
) -> CardBuilder:
    """The builder of the deck's cards (its deck id follows the title)."""
    title = deck_title(source, layout_title)
    return CardBuilder(source.shown, deck_id(source.settings, title), source.settings, definitions)


def deck_title(source: SourceText, layout_title: str | None) -> str:
    return source.settings.title or layout_title or _title_from_file(source.path)


def deck_id(settings: DeckSettings, title: str) -> int:
    return settings.deck_id or deck_id_for(settings.anki_deck or title)


def assemble(source: SourceText, layout: Layout, builder: CardBuilder, cards: Sequence[Card]) -> ParsedDeck:
    """The deck of the laid-out drafts and their cards, with every problem found."""
    if not layout.drafts:
        raise ParseError(
            "no cards found; write each question as a heading ('## What is X?') with its answer "
            "below it, or as 'Q:'/'A:' lines (see the README)",
            SourceLocation(source.shown, 1),
        )
    title = deck_title(source, layout.title)
    deck = Deck(
        title=title,
        anki_deck=source.settings.anki_deck or title,
        deck_id=builder.deck_id,
        description=layout.description,
        footer=layout.footer,
        cards=tuple(cards),
        source=source.path,
        settings=source.settings,
    )
    return ParsedDeck(deck, (*source.removed, *builder.diagnostics, *identity_clashes(cards)))


@dataclass(slots=True)
class Layout:
    """Which blocks are the title, the description, the footer and each card's draft."""

    title: str | None = None
    drafts: list[Draft] = field(default_factory=list)
    description: str = ""
    footer: str = ""
    spans: list[tuple[int, int] | None] = field(default_factory=list)
    """Each draft's (heading, end) indices in the block list; None for drafts found by shape."""
    shaped: list[int] = field(default_factory=list)
    """Headings whose text below holds a question by shape (seen while detecting the card level)."""


def lay_out(blocks: Sequence[Block], settings: DeckSettings) -> Layout:
    """Decide which headings are the title, sections and cards, and collect the drafts in order."""
    headings = [i for i, block in enumerate(blocks) if block.kind == "heading"]
    next_heading = {
        h: (headings[k + 1] if k + 1 < len(headings) else len(blocks)) for k, h in enumerate(headings)
    }
    title_index = _title_index(blocks, headings, settings)
    layout = Layout(title=_heading_plain(blocks[title_index]) if title_index is not None else None)
    card_level = settings.card_level or _detect_card_level(
        blocks, headings, next_heading, title_index, layout.shaped
    )
    first = headings[0] if headings else len(blocks)
    preamble = scan_shapes(blocks[:first])
    _add_shaped(layout, preamble.drafts)
    description = list(preamble.before_first)
    sections: list[tuple[int, str]] = []
    position = first
    while position < len(blocks):
        heading = blocks[position]
        body_end = next_heading[position]
        if position == title_index:
            scan = scan_shapes(blocks[position + 1 : body_end])
            _add_shaped(layout, scan.drafts)
            description.extend(scan.before_first)
            position = body_end
            continue
        if heading.level == card_level and not _is_container(blocks, position, body_end):
            end = _card_end(blocks, position, card_level)
            path = tuple(name for level, name in sections if level < card_level)
            layout.drafts.append(Draft(heading.heading, heading.line, list(blocks[position + 1 : end]), path))
            layout.spans.append((position, end))
            position = end
            continue
        while sections and sections[-1][0] >= heading.level:
            sections.pop()
        sections.append((heading.level, _section_name(heading)))
        path = tuple(name for _, name in sections)
        _add_shaped(layout, scan_shapes(blocks[position + 1 : body_end], path).drafts)
        position = body_end
    layout.description = _joined(description)
    layout.footer = _joined(_split_footer(layout.drafts))
    return layout


def _add_shaped(layout: Layout, drafts: list[Draft]) -> None:
    layout.drafts.extend(drafts)
    layout.spans.extend(None for _ in drafts)


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
    shaped: list[int],
) -> int | None:
    """The heading level that holds the most answers directly (ties go to the deeper level); the
    headings whose text below holds a question by shape are added to ``shaped``."""
    counts: dict[int, int] = {}
    for h in headings:
        body = blocks[h + 1 : next_heading[h]]
        if h == title_index or not _has_content(body):
            continue
        if scan_shapes(body).drafts:
            shaped.append(h)
        else:
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


def _split_footer(drafts: list[Draft]) -> list[Block]:
    """A thematic break in the last card's answer ends the card; what follows is the deck's footer."""
    if not drafts:
        return []
    last = drafts[-1]
    for index, block in enumerate(last.pieces):
        if block.kind == "thematic_break":
            footer = last.pieces[index + 1 :]
            last.pieces = last.pieces[:index]
            return footer
    return []


def _heading_plain(block: Block) -> str:
    return plain_text(inline_tokens(block.heading)).strip()


def _section_name(block: Block) -> str:
    parts = split_question(block.heading)
    return plain_text(inline_tokens(parts.text)).strip()


def _title_from_file(path: Path) -> str:
    return " ".join(word.capitalize() for word in re.split(r"[-_\s]+", path.stem) if word)


def _joined(blocks: Sequence[Block]) -> str:
    return "".join(block.text for block in blocks).strip()
