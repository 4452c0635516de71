"""Edits made in Anki, and notes added there, written into a deck's markdown where its cards stand:
a heading card anew, other shapes (``Q:``/``A:`` lines, ``term — meaning``) in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.model import AnkiNote, Card, Deck
from deckbuilder.read.answers import ANSWER_MARKERS, assemble_answer
from deckbuilder.read.blocks import Block, lead_in, tokenize
from deckbuilder.read.reader import split_source
from deckbuilder.render.notetypes import OWN_VIEWS
from deckbuilder.reverse.cards import card_markdown, media_path, own_marker
from deckbuilder.reverse.edits import Edit, same_markdown


@dataclass(slots=True)
class Rewritten:
    """The deck's lines with edits and new cards written in."""

    before: list[str]
    lines: list[str]
    pulled: dict[str, tuple[AnkiNote, int]] = field(default_factory=dict)
    """Each note written, with the line of its card."""
    changes: list[tuple[int, int, list[str]]] = field(default_factory=list)
    """Each change as (first line, line after the last, new lines), in the original's line indexes."""
    unwritable: list[Edit] = field(default_factory=list)
    unaddable: list[AnkiNote] = field(default_factory=list)
    questions: dict[str, str] = field(default_factory=dict)
    """Each edited card's question as written, which finds it among cards read at one line."""


def write_in(
    deck: Deck,
    original: str,
    blocks: Sequence[Block],
    edits: Sequence[Edit],
    new_notes: Sequence[AnkiNote],
) -> Rewritten:
    """The deck's text (``original``, its top-level ``blocks``) with new cards and edits in."""
    lines = original.split("\n")
    written = Rewritten(list(lines), lines)
    # New cards first, after the last card (before a footer, when the file has one): below every
    # edited card, so the edits' lines stay where they are.
    breaks = [block.line for block in blocks if block.kind == "thematic_break"]
    insert_at = breaks[-1] - 1 if deck.footer and breaks else len(lines)
    while insert_at > 0 and not lines[insert_at - 1].strip():
        insert_at -= 1
    added_lines: list[str] = []
    for note in new_notes:
        added = added_card(deck, note)
        if added is None:
            written.unaddable.append(note)
            continue
        added_lines.append("")
        written.pulled[note.guid] = (note, insert_at + len(added_lines) + 1)
        added_lines += added.split("\n")
    if added_lines:
        lines[insert_at:insert_at] = added_lines
        written.changes.append((insert_at, insert_at, added_lines))
    # Where each card's lines end: at the next card, or at the footer.
    starts = sorted({card.source.line for card in deck.cards})
    ends = {line: (starts[index + 1] - 1 if index + 1 < len(starts) else insert_at)
            for index, line in enumerate(starts)}  # fmt: skip
    # Edits from the bottom up, so that the lines of the cards above stay where they are.
    for edit in sorted(edits, key=lambda edit: edit.card.source.line, reverse=True):
        # A heading card is written anew; any other (or one whose answer sits in <details>) in place.
        replacement = _card_lines(edit, lines, blocks) or _in_place(edit, lines, ends[edit.card.source.line])
        if replacement is None:
            written.unwritable.append(edit)
            continue
        start, end, new_lines = replacement
        lines[start:end] = new_lines
        written.changes.append((start, end, new_lines))
        shift = len(new_lines) - (end - start)
        written.pulled = {guid: (note, line + shift if line > start + 1 else line)
                          for guid, (note, line) in written.pulled.items()}  # fmt: skip
        written.pulled[edit.note.guid] = (edit.note, start + 1)
        written.questions[edit.note.guid] = edit.question if edit.question is not None else edit.card.question
    return written


def _in_place(edit: Edit, lines: list[str], end: int) -> tuple[int, int, list[str]] | None:
    """The card's question and answer replaced where they stand in its lines, for a card that is not
    a heading with its answer below (``Q:``/``A:`` lines, a ``term — meaning`` line, an answer in
    ``<details>``); None when its text is not there as written or its tags changed (a shape without
    a tags line of its own)."""
    card = edit.card
    if edit.tags is not None:
        return None
    start = card.source.line - 1
    region = "\n".join(lines[start:end])
    asked = region.find(card.question) if card.question else -1
    after = asked + len(card.question) if asked >= 0 else 0
    answered = region.find(card.answer, after) if card.answer else -1
    if edit.answer is not None:
        if answered < 0 or region.count(card.answer, after) != 1:
            return None
        region = region[:answered] + edit.answer + region[answered + len(card.answer) :]
    if edit.question is not None:
        if asked < 0 or "\n" in edit.question:
            return None
        region = region[:asked] + edit.question + region[asked + len(card.question) :]
    return start, end, region.split("\n")


def _card_lines(edit: Edit, lines: list[str], blocks: Sequence[Block]) -> tuple[int, int, list[str]] | None:
    """The lines [start, end) of the card's place in the file and the lines to put there; None when
    the card is not written as a heading with its answer below it."""
    card = edit.card
    if card.shape != "heading":
        return None
    at = next((i for i, block in enumerate(blocks) if block.line == card.source.line), None)
    if at is None or blocks[at].kind != "heading":
        return None
    level = blocks[at].level
    end = at + 1
    while end < len(blocks):
        block = blocks[end]
        if block.kind == "thematic_break" or (block.kind == "heading" and block.level <= level):
            break
        end += 1
    body = list(blocks[at + 1 : end])
    heading = lines[card.source.line - 1]
    if edit.question is not None:
        if "\n\n" in card.question or "\n" in edit.question or card.question not in heading:
            return None
        heading = heading.replace(card.question, edit.question, 1)
    answer_at = _answer_start(body, card.answer)
    if answer_at is None:
        return None
    kept = [block.text.rstrip("\n") for block in body[:answer_at]]
    answer = edit.answer if edit.answer is not None else card.answer
    prefix = _lead_in_prefix(body[answer_at]) if answer_at < len(body) else ""
    tags_line = _tags_line(card, body, edit.tags)
    # One list item a line: the lines below are counted by it.
    kept_lines = [line for text in kept for line in (*text.split("\n"), "")]
    answer_lines = [*f"{prefix}{answer}".split("\n"), ""] if prefix or answer else []
    new = [heading, "", *kept_lines, *answer_lines]
    if tags_line:
        new += [tags_line, ""]
    stop = blocks[end].line - 1 if end < len(blocks) else len(lines)
    return card.source.line - 1, stop, new


def _lead_in_prefix(block: Block) -> str:
    """``**Answer:**`` and what follows it up to the answer's text, as the card had it."""
    opening = lead_in(block.text) if block.kind == "paragraph" else None
    if opening is None or opening.key not in ANSWER_MARKERS:
        return ""
    text = block.text.lstrip(" ").rstrip()
    rest = opening.rest.rstrip()
    if not rest:  # the marker is a paragraph of its own, the answer below it
        return f"{text}\n\n"
    return text[: len(text) - len(rest)] if text.endswith(rest) else ""


def _answer_start(body: Sequence[Block], answer: str) -> int | None:
    for index in range(len(body) + 1):
        if assemble_answer(body[index:]).markdown == answer:
            return index
    return None


def _tags_line(card: Card, body: Sequence[Block], anki_tags: tuple[str, ...] | None) -> str:
    own = []
    if body and body[-1].kind == "paragraph":
        last = body[-1].text.strip().split("\n")[-1]
        marker = lead_in(last)
        if marker is not None and marker.key == "tags":
            own = marker.rest.split()
            written = last[: len(last) - len(marker.rest)]
        else:
            written = "Tags: "
    else:
        written = "Tags: "
    if anki_tags is None:
        return f"{written}{' '.join(own)}" if own else ""
    added = [tag for tag in anki_tags if tag not in card.tags]
    removed = {tag for tag in card.tags if tag not in anki_tags}
    tags = [tag for tag in own if tag not in removed] + [tag for tag in added if tag not in own]
    return f"{written}{' '.join(tags)}" if tags else ""


def added_card(deck: Deck, note: AnkiNote) -> str | None:
    definitions = {definition.id: definition for definition in deck.note_types}
    markers = {name: marker for marker, name in deck.settings.note_types}
    own = OWN_VIEWS.get(note.note_type_id)
    if own is not None:
        definition, marker = own, own_marker(note, own)
    elif note.note_type_id in definitions:
        definition = definitions[note.note_type_id]
        marker = markers.get(definition.name, "basic")
    else:
        return None
    text, _ = card_markdown(note, definition, marker, False, media_path)
    return text


def blocks_of(text: str, path: Path) -> list[Block]:
    source = split_source(text, path)
    return tokenize(source.body, source.first_line)


def card_at(deck: Deck, line: int, question: str | None) -> Card | None:
    """The card read at the line; where several are (the items of one list), the one asking the
    question."""
    found = [card for card in deck.cards if card.source.line == line]
    if len(found) > 1 and question is not None:
        found = [card for card in found if same_markdown(card.question, question)]
    return found[0] if len(found) == 1 else None


def not_as_written(deck: Deck, written: Rewritten, edits: Sequence[Edit]) -> set[str]:
    """The GUIDs of the edited cards that do not read back with the question and answer written."""
    wrong = set()
    for edit in edits:
        spot = written.pulled.get(edit.note.guid)
        if spot is None:
            continue
        question = edit.question if edit.question is not None else edit.card.question
        answer = edit.answer if edit.answer is not None else edit.card.answer
        card = card_at(deck, spot[1], question)
        if (
            card is None
            or not same_markdown(card.question, question)
            or not same_markdown(card.answer, answer)
        ):
            wrong.add(edit.note.guid)
    return wrong
