"""Markdown (mistune's block tokens) to a Deck: title, card headings, sections, answers and tags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.answers import assemble_answer
from deckbuilder.blocks import Block, inline_tokens, normalise_newlines, plain_text, tokenize
from deckbuilder.config import apply_front_matter, split_front_matter
from deckbuilder.errors import Diagnostic, ParseError, Severity
from deckbuilder.fingerprint import deck_id_for, derive_guid, guid_key, normalise_question
from deckbuilder.model import Card, Deck, DeckSettings, SourceLocation
from deckbuilder.shapes import Draft, scan_shapes
from deckbuilder.sources import read_source
from deckbuilder.tags import TagRules, merge_tags, section_tag, split_tag_list

NUMBER_PREFIX = re.compile(r"(?:q(?:uestion)?\s*)?(\d{1,6})\s*[.):]\s+(?=\S)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedDeck:
    """A deck and the problems found while reading it."""

    deck: Deck
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


@dataclass(frozen=True, slots=True)
class QuestionParts:
    """A question heading taken apart."""

    text: str
    number: int | None
    tags: tuple[str, ...]
    explicit_id: str | None
    classes: tuple[str, ...]


def parse_file(path: Path, base: DeckSettings | None = None) -> ParsedDeck:
    """Read and parse one markdown file."""
    return parse_text(read_source(path), path, base)


def parse_text(text: str, path: Path, base: DeckSettings | None = None) -> ParsedDeck:
    """Parse markdown text as the deck of ``path``."""
    shown = str(path)
    front, body = split_front_matter(normalise_newlines(text), shown)
    settings = apply_front_matter(base or DeckSettings(), front, shown)
    blocks = tokenize(normalise_newlines(body), first_line=front.body_line + 1)
    layout = _lay_out(blocks, settings)
    title = settings.title or layout.title or _title_from_file(path)
    anki_deck = settings.anki_deck or title
    deck_id = settings.deck_id or deck_id_for(anki_deck)
    builder = _CardBuilder(shown, deck_id, settings)
    cards = [card for draft in layout.drafts if (card := builder.build(draft)) is not None]
    if not layout.drafts:
        raise ParseError(
            "no cards found; write each question as a heading ('## What is X?') with its answer "
            "below it, or as 'Q:'/'A:' lines (see the README)",
            SourceLocation(shown, 1),
        )
    diagnostics = [*builder.diagnostics, *_identity_clashes(cards)]
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


def split_question(raw: str) -> QuestionParts:
    """Take a leading number and trailing ``#tags``, ``{#id}`` and ``{.class}`` off a question."""
    text = " ".join(raw.split())
    tags: list[str] = []
    classes: list[str] = []
    explicit_id: str | None = None
    while True:
        attributes = _trailing_attributes(text)
        if attributes is not None:
            text, words = attributes
            for word in words:
                if word.startswith("#"):
                    explicit_id = word[1:]
                else:
                    classes.append(word[1:])
            continue
        head, _, last = text.rpartition(" ")
        if head and last.startswith("#") and len(last.strip("#")) > 0:
            tags.insert(0, last)
            text = head.rstrip()
            continue
        break
    number = None
    match = NUMBER_PREFIX.match(text)
    if match:
        number = int(match.group(1))
        text = text[match.end() :]
    return QuestionParts(
        text.strip(), number, tuple(split_tag_list(" ".join(tags))), explicit_id, tuple(classes)
    )


def _trailing_attributes(text: str) -> tuple[str, list[str]] | None:
    if not text.endswith("}"):
        return None
    opening = text.rfind("{")
    if opening < 0 or (opening > 0 and not text[opening - 1].isspace()):
        return None
    words = text[opening + 1 : -1].split()
    if not words or not all(len(w) > 1 and w[0] in "#." for w in words):
        return None
    return text[:opening].rstrip(), words


class _CardBuilder:
    """Turns drafts into Cards, collecting the problems it finds."""

    def __init__(self, shown: str, deck_id: int, settings: DeckSettings) -> None:
        self.shown = shown
        self.deck_id = deck_id
        self.settings = settings
        self.rules = TagRules.compile(settings.tag_rules)
        self.diagnostics: list[Diagnostic] = []

    def error(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(SourceLocation(self.shown, line), Severity.ERROR, message))

    def build(self, draft: Draft) -> Card | None:
        parts = split_question(draft.question)
        if draft.missing_answer:
            self.error(
                draft.line,
                f"question '{_short(parts.text)}' has no answer; write 'A: ...' right after it",
            )
            return None
        if not parts.text:
            self.error(
                draft.line,
                "card heading has no question text; write the question after the '#' marks",
            )
            return None
        answer = assemble_answer(draft.pieces)
        if not answer.markdown:
            self.error(
                draft.line,
                f"card '{_short(parts.text)}' has no answer; add text below it or delete the heading",
            )
            return None
        rule_tags = self.rules.tags_for(f"{parts.text}\n{answer.markdown}")
        tags = merge_tags(
            self.settings.tags,
            [tag for tag in [section_tag(draft.section)] if tag],
            parts.tags,
            answer.tags,
            rule_tags,
        )
        return Card(
            guid=derive_guid(self.deck_id, guid_key(parts.explicit_id, parts.text)),
            number=parts.number,
            question=parts.text,
            answer=answer.markdown,
            sections=answer.sections,
            tags=tags,
            source=SourceLocation(self.shown, draft.line),
            explicit_id=parts.explicit_id,
            classes=parts.classes,
            section=draft.section,
        )


def _identity_clashes(cards: Sequence[Card]) -> list[Diagnostic]:
    """Two cards with one question or one id would share a GUID, so each clash is an error."""
    problems: list[Diagnostic] = []
    by_id: dict[str, Card] = {}
    by_question: dict[str, Card] = {}
    for card in cards:
        if card.explicit_id is not None:
            first = by_id.setdefault(card.explicit_id, card)
            if first is not card:
                problems.append(
                    Diagnostic(
                        card.source,
                        Severity.ERROR,
                        f"duplicate id '{card.explicit_id}', also used at line {first.source.line}; "
                        "give each card its own id",
                    )
                )
            continue
        key = normalise_question(card.question)
        first = by_question.setdefault(key, card)
        if first is not card:
            problems.append(
                Diagnostic(
                    card.source,
                    Severity.ERROR,
                    f"duplicate question, same as line {first.source.line}; merge the two cards, "
                    "reword one, or give one an id like '{#my-id}' at the end of its heading",
                )
            )
    return problems


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
