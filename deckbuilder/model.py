"""The data model: what a deck and its cards are, independent of any format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CONTEXT_SEPARATOR = " \u203a "
"""Joins a card's section path in its Context field (a single right-pointing angle quotation mark)."""


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in a source file, for messages that say ``path:line``."""

    path: str
    """The file as the user named it (relative paths stay relative)."""
    line: int
    """1-based line number."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Section:
    """A labelled part of an answer, written as ``**Label:** text``."""

    label: str
    """The label without its colon, e.g. ``Role``."""
    text: str
    """The markdown after the label, up to the next labelled paragraph."""
    markdown: str = ""
    """The section as written, label included: what leaves the answer when a note type has a field
    of the section's name."""


@dataclass(frozen=True, slots=True)
class Card:
    """One question and its answer, as written in the markdown."""

    guid: str
    """The Anki note GUID; stable across edits through the lock file."""
    number: int | None
    """The number written before the question (``## 12. ...``), if any."""
    question: str
    """The question as markdown, without number, tags or id markers."""
    answer: str
    """The answer as markdown, without an ``Answer:`` lead-in or a ``Tags:`` line."""
    sections: tuple[Section, ...]
    """The ``**Label:** text`` parts of the answer, in order."""
    tags: tuple[str, ...]
    """Anki-safe tags, sorted; ``::`` separates hierarchy levels."""
    source: SourceLocation
    """Where the question starts."""
    explicit_id: str | None = None
    """An id given in the markdown as ``{#my-id}``; it wins over question matching."""
    classes: tuple[str, ...] = ()
    """Markers given as ``{.name}`` after the question, for card kinds."""
    section: tuple[str, ...] = ()
    """The headings above the card that are not cards themselves, outermost first."""
    kind: str = "basic"
    """``basic``: question and answer; ``cloze``: a text with ``{{c1::…}}`` deletions."""
    reverse: bool = False
    """A basic card that also asks from the answer to the question."""

    @property
    def cloze_text(self) -> str:
        """For a cloze card, the text holding the deletions: its body, or its heading when alone."""
        return self.answer or self.question

    @property
    def cloze_extra(self) -> str:
        """For a cloze card, the context shown with the answer: its heading, when it has a body."""
        return self.question if self.answer else ""

    @property
    def note_kind(self) -> str:
        """``basic``, ``reverse`` or ``cloze``: what decides the Anki note type."""
        return "cloze" if self.kind == "cloze" else "reverse" if self.reverse else "basic"

    changed_at: int = 0
    """Unix time when the content last changed (from the lock file); 0 before identity runs."""
    fingerprint: str = ""
    """The normalised question that identity matches on (fingerprint.normalise_question), set by the
    parser so that a build from cached cards does not compute it again; empty on hand-made cards."""
    content: str = ""
    """The content hash that tells identity whether the card changed (fingerprint.content_hash), set
    like ``fingerprint``; empty on hand-made cards."""
    shape: str = ""
    """How the reader found the card (heading, q-a, bold-item, faq, ...), for ``check -v``."""
    note_type: str = ""
    """The name of the Anki note type the card is built as; empty for deckbuilder's own."""

    def identified(self, guid: str, changed_at: int) -> Card:
        """This card with its GUID and change time from the lock (dataclasses.replace, but a few
        times faster, which counts at 100,000 cards; tests/test_identity.py checks they agree)."""
        return Card(guid, self.number, self.question, self.answer,
                    self.sections, self.tags, self.source, self.explicit_id, self.classes,
                    self.section, self.kind, self.reverse, changed_at, self.fingerprint,
                    self.content, self.shape, self.note_type)  # fmt: skip

    def placed(self, source: SourceLocation) -> Card:
        """This card read at another place (an edit above it added or took lines), as ``identified``."""
        return Card(self.guid, self.number, self.question, self.answer,
                    self.sections, self.tags, source, self.explicit_id, self.classes,
                    self.section, self.kind, self.reverse, self.changed_at, self.fingerprint,
                    self.content, self.shape, self.note_type)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeckSettings:
    """Per-deck settings, from front matter over deckbuilder.toml."""

    title: str | None = None
    """Overrides the ``# Title`` heading."""
    anki_deck: str | None = None
    """The Anki deck name; ``::`` separates sub-decks. Defaults to the title."""
    folder_deck: str | None = None
    """With ``from_folders``: the file's folders below the settings' folder, joined with ``::``, which
    the deck name goes under (a ``deck:`` starting with ``::`` too); None without it."""
    tags: tuple[str, ...] = ()
    """Tags given to every card of the deck."""
    card_level: int | None = None
    """The heading level of card questions; None means detect it."""
    deck_id: int | None = None
    """A fixed Anki deck id; None derives it from the deck name."""
    tag_rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Keyword rules: (tag, words or phrases that give it)."""
    card_type: str | None = None
    """``cloze`` makes every card a cloze note, ``basic`` none; None decides card by card."""
    reverse: bool = False
    """Give every basic card a reverse card too."""
    note_types: tuple[tuple[str, str], ...] = ()
    """Note types by card: (``basic``, ``reverse``, ``cloze`` or a marker name, note type name). A
    card marked ``{.name}`` takes the marker's note type, any other its kind's; none: deckbuilder's."""
    flashcard_tags: tuple[str, ...] = ("#flashcards",)
    """The tags that make a note a flashcards file for Obsidian's spaced repetition (its vault's
    plugin settings say which); ``#tag/a/b`` names the deck ``a::b``."""
    card_separators: tuple[str, str, str, str] = ("::", ":::", "?", "??")
    """That plugin's separators: a line card's, reversed, a multi-line card's, reversed."""
    cloze_marks: tuple[str, ...] = ("highlight",)
    """What marks a cloze deletion in a flashcards file, that plugin's settings say: ``highlight``
    (``==words==``), ``bold`` (``**words**``), ``curly`` (``{{words}}``)."""
    syntax: tuple[str, ...] = ()
    """Flashcard syntaxes of other apps to read even where the file does not say it uses them
    (``obsidian``: ``question::answer`` lines in files not tagged ``#flashcards``)."""


@dataclass(frozen=True, slots=True)
class CardTemplate:
    """One card of a note type: its name and the front and back templates."""

    name: str
    front: str
    back: str


@dataclass(frozen=True, slots=True)
class NoteType:
    """An Anki note type a deck's cards may be built as, instead of deckbuilder's own."""

    name: str
    id: int
    fields: tuple[str, ...]
    templates: tuple[CardTemplate, ...]
    css: str
    cloze: bool = False
    """A cloze note type: the first field holds the deletions, one card per deletion number."""
    modified: int = 0
    """The note type's mod time in Anki; a newer one in a package replaces its templates and CSS."""
    sort_field: int = 0
    latex_pre: str = ""
    latex_post: str = ""
    source: str = ""
    """The file that defines it, or empty for one of Anki's built-in types."""

    def schema(self) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        """What Anki compares to decide whether a package's note type is the one it has: field and
        template names, and the kind. Any change makes Anki add a copy ("Name+")."""
        return self.fields, tuple(template.name for template in self.templates), self.cloze


@dataclass(frozen=True, slots=True)
class Deck:
    """A parsed markdown file: its cards and what surrounds them."""

    title: str
    anki_deck: str
    """The Anki deck name, ``Parent::Child`` for sub-decks."""
    deck_id: int
    """The Anki deck id, derived from the deck name unless fixed in settings."""
    description: str
    """Markdown between the title and the first card."""
    footer: str
    """Markdown after a thematic break that ends the last card."""
    cards: tuple[Card, ...]
    source: Path
    """The markdown file."""
    settings: DeckSettings = field(default_factory=DeckSettings)
    note_types: tuple[NoteType, ...] = ()
    """The note types its cards name (Card.note_type), besides deckbuilder's own."""

    def note_type(self, name: str) -> NoteType | None:
        return next((found for found in self.note_types if found.name == name), None)


@dataclass(frozen=True, slots=True)
class AnkiNote:
    """One note as Anki holds it."""

    note_id: int
    guid: str
    modified: int
    note_type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    """The deck of the note's first card."""


@dataclass(frozen=True, slots=True)
class AnkiContent:
    """Notes read out of Anki, the note types they use, and where their media files are."""

    notes: tuple[AnkiNote, ...]
    note_types: dict[int, NoteType]
    media: Path
    """The folder of the collection's media files."""
    deck_ids: dict[str, int]
