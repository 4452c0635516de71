"""Markdown (mistune's block tokens) to a Deck: title, card headings, sections, answers and tags.

Pure and single-process: ``parse`` is the reference the incremental layer's cached, parallel parse
must equal; its steps (split_source, lay_out, card_builder, assemble) are the seams it wraps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.fingerprint import deck_id_for
from deckbuilder.model import Card, Deck, DeckSettings, SourceLocation
from deckbuilder.read.blocks import normalise_newlines
from deckbuilder.read.cards import NOT_A_CARD_YET, CardBuilder, distinct_identities, identity_clashes
from deckbuilder.read.frontmatter import apply_front_matter, split_front_matter
from deckbuilder.read.layout import Layout, lay_out
from deckbuilder.read.links import LinkDefinitions, link_definitions
from deckbuilder.read.pieces import document_pieces
from deckbuilder.read.sources import read_source


@dataclass(frozen=True, slots=True)
class ParsedDeck:
    """A deck and the problems found while reading it."""

    deck: Deck
    diagnostics: tuple[Diagnostic, ...] = ()
    reading: str = ""
    """How the headings were read (which are cards, which are not), for ``check -v``."""

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
    """A note for each front matter key ignored, and a warning for each line that held control
    characters, which were removed."""

    @property
    def shown(self) -> str:
        return str(self.path)


def parse(text: str, path: Path, settings: DeckSettings | None = None) -> ParsedDeck:
    """Parse markdown text as the deck of ``path``, with ``settings`` from its folder."""
    source = split_source(text, path, settings)
    pieces = document_pieces(source.body, source.first_line)
    layout = lay_out(pieces.all_blocks(), source.settings)
    source = with_tag_deck(source, layout)
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
    text, flattened = _without_deep_indentation(text, shown)
    text = WHITESPACE_LINE.sub("\n", "\n" + text)[1:]
    if "\u200b" in text or "\ufeff" in text or "\u00a0" in text:
        text = _visible_spacing(text)
    front, body = split_front_matter(text, shown)
    settings, notes = apply_front_matter(base or DeckSettings(), front, shown)
    if "TARGET DECK" in body:
        body, settings = _target_deck(body, settings)
    return SourceText(
        path, settings, normalise_newlines(body), front.body_line + 1, (*notes, *removed, *flattened)
    )


def with_tag_deck(source: SourceText, layout: Layout) -> SourceText:
    """The source with the deck its nested flashcards tag names, unless it names one itself."""
    if layout.tag_deck is None or source.settings.anki_deck:
        return source
    return replace(source, settings=replace(source.settings, anki_deck=layout.tag_deck))


TARGET_DECK = re.compile(r"^TARGET DECK(?:[ \t]*\n|:[ \t]*)(\S[^\n]*)$", re.MULTILINE)
"""Obsidian_to_Anki's deck line: ``TARGET DECK`` and the deck's name on the next line."""


def _target_deck(body: str, settings: DeckSettings) -> tuple[str, DeckSettings]:
    """The deck an Obsidian_to_Anki file names for its notes, unless settings name one; its lines
    are blanked (kept as lines, so that every line number stays), being no part of any card."""
    found = TARGET_DECK.search(body)
    if found is None:
        return body, settings
    blank = "\n" * found.group(0).count("\n")
    body = body[: found.start()] + blank + body[found.end() :]
    return body, settings if settings.anki_deck else replace(settings, anki_deck=found.group(1).strip())


HEADING_NO_BREAK = re.compile(r"^([ \t]{0,3}#{1,6})\u00a0", re.MULTILINE)


def _visible_spacing(text: str) -> str:
    """The text as a person sees it: zero-width spaces (copied from web pages: before ``##``, after
    ``Q``) gone, and a no-break space after a heading's ``#`` marks a space, so that the heading is
    one (markdown would read it as text, and the card merge into the answer above)."""
    return HEADING_NO_BREAK.sub(r"\1 ", text.replace("\u200b", "").replace("\ufeff", ""))


WHITESPACE_LINE = re.compile(r"\n[ \t]+(?=\n|\Z)")
"""A line of spaces alone (after a newline: the text is searched with one put before it, for a
pattern that starts with a character is searched for several times as fast as ``^`` in every
position): blank, to markdown, but mistune takes one of eight spaces or more for a paragraph's next
line, and the paragraph below it (a card's question) merged into the one above."""
DEEPEST_INDENTATION = 128
"""Characters of indentation a line keeps: markdown's lists nest 20 levels at most (mistune's limit)
in far less, and each level of a list nested thousands deep costs mistune a pass over everything
below it (5,000 levels took a minute)."""
DEEP_INDENTATION = re.compile(rf"^([ \t]{{{DEEPEST_INDENTATION}}})[ \t]+", re.MULTILINE)


def _without_deep_indentation(text: str, shown: str) -> tuple[str, tuple[Diagnostic, ...]]:
    if "\t" not in text and " " * (DEEPEST_INDENTATION + 1) not in text:
        return text, ()  # the common case, told without the pattern's pass over every line
    first = DEEP_INDENTATION.search(text)
    if first is None:
        return text, ()
    line = text.count("\n", 0, first.start()) + 1
    count = len(DEEP_INDENTATION.findall(text))
    message = (
        f"{count} line{'s' if count > 1 else ''} from here indented more than {DEEPEST_INDENTATION} "
        f"characters, read as {DEEPEST_INDENTATION} (lists nest no deeper than that); indent less"
    )
    warning = Diagnostic(SourceLocation(shown, line), Severity.WARNING, message)
    return DEEP_INDENTATION.sub(r"\1", text), (warning,)


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no card shows; U+001F (which copying from PDFs brings) is Anki's field separator and
made a note with one field too many, so Anki refused the whole package."""


CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def _without_control_characters(text: str, shown: str) -> tuple[str, tuple[Diagnostic, ...]]:
    # Told from the UTF-8 bytes, a third of the time of the pattern's search: no byte of a longer
    # character is below 0x80, so a control byte is a control character.
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, CONTROL_BYTES)) == len(data):
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
    return settings.deck_id or deck_id_for(anki_deck_name(settings, title))


def anki_deck_name(settings: DeckSettings, title: str) -> str:
    """The Anki deck: ``deck:`` (or the title) under the file's folders when decks follow them; a
    ``deck:`` starting with ``::`` goes under the folders, any other stands as written."""
    named = settings.anki_deck
    if settings.folder_deck is None:
        return named.removeprefix("::") if named else title
    if named and not named.startswith("::"):
        return named
    own = named.removeprefix("::") if named else title
    return "::".join(part for part in (settings.folder_deck, own) if part)


def assemble(source: SourceText, layout: Layout, builder: CardBuilder, cards: Sequence[Card]) -> ParsedDeck:
    """The deck of the laid-out drafts and their cards, with every problem found."""
    empty: tuple[Diagnostic, ...] = ()
    if not cards and not any(d.severity is Severity.ERROR for d in builder.diagnostics):
        message = _no_cards(layout, builder.diagnostics)
        empty = (Diagnostic(SourceLocation(source.shown, 1), Severity.ERROR, message),)
    title = deck_title(source, layout.title)
    cards = distinct_identities(cards, builder.deck_id)
    deck = Deck(
        title=title,
        anki_deck=anki_deck_name(source.settings, title),
        deck_id=builder.deck_id,
        description=layout.description,
        footer=layout.footer,
        cards=tuple(cards),
        source=source.path,
        settings=source.settings,
    )
    layout_problems = [
        Diagnostic(SourceLocation(source.shown, line), Severity(severity), message)
        for line, severity, message in layout.problems
    ]
    diagnostics = (*empty, *source.removed, *layout_problems, *builder.diagnostics, *identity_clashes(cards))
    return ParsedDeck(deck, tuple(sorted(diagnostics, key=_line)), layout.reading)


def _no_cards(layout: Layout, found: Sequence[Diagnostic]) -> str:
    """Why a file gave no cards, from what the reader saw."""
    unanswered = sum(1 for d in found if d.severity is Severity.WARNING and NOT_A_CARD_YET in d.message)
    topics = sum(1 for d in found if d.severity is Severity.NOTE)
    seen = []
    if unanswered:
        seen.append(f"{unanswered} question(s) without an answer")
    if topics:
        seen.append(f"{topics} heading(s) that name topics, with nothing marked as their answer")
    if layout.problems:
        seen.append(layout.problems[0][2])
    why = f" ({'; '.join(seen)}; 'deckbuilder check -v' lists them)" if seen else ""
    return (
        f"no cards found{why}; write each question as a heading ('## What is X?') with its answer "
        "below it, or as 'Q:'/'A:' lines (see 'Shapes deckbuilder reads' in the README)"
    )


def _line(diagnostic: Diagnostic) -> int:
    return diagnostic.location.line if diagnostic.location else 0


def _title_from_file(path: Path) -> str:
    return " ".join(word.capitalize() for word in re.split(r"[-_\s]+", path.stem) if word)
