"""What renderers are given besides the deck: media, CSV and print options, progress."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from deckbuilder.html.fragments import Fragments
from deckbuilder.identity.ankifields import AnkiFields
from deckbuilder.model import Card, Deck
from deckbuilder.render.geometry import PrintOptions

if TYPE_CHECKING:
    import sqlite3

    from deckbuilder.render.apkg import BulkDeck
    from deckbuilder.render.printplan import CardPlan


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A local file referenced by the markdown, under the name it gets in the output."""

    path: Path
    name: str


CSV_CARD_FIELDS = ("question", "answer", "context", "number", "tags")
"""What a CSV column may hold of a card."""


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """How the csv format writes its file."""

    dialect: str = "anki"
    """``anki``: Anki's import format with file headers; ``plain``: question,answer,tags for other apps."""
    note_type: str = "Basic"
    """The Anki note type the rows import into (anki dialect)."""
    fields: tuple[tuple[str, str], ...] = (("Front", "question"), ("Back", "answer"))
    """(note type field, card field) pairs, in column order (anki dialect)."""
    bom: bool = False
    """Start the file with a UTF-8 byte-order mark, which Excel needs to read UTF-8."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Everything a renderer may use besides the deck: renderers read no clock and no other files."""

    media: Mapping[str, MediaFile] = field(default_factory=dict)
    """Image references as written in the markdown, to the files they resolve to."""
    csv: CsvOptions = field(default_factory=CsvOptions)
    print: PrintOptions = field(default_factory=PrintOptions)
    progress: Callable[[int], None] = field(default=lambda done: None, compare=False)
    """Called with the number of cards just rendered, for a progress bar on long builds."""
    stage: Callable[[str], None] = field(default=lambda name: None, compare=False)
    """Called when a renderer starts a long step that renders no card (printing the PDF)."""
    fragments: Fragments = field(default_factory=Fragments, compare=False)
    """The rendered fragments the outputs of one deck share (filled ahead by whoever can)."""
    plans: Sequence[CardPlan] | None = field(default=None, compare=False)
    """The deck's print plans under these print options, when made ahead; else planned here."""
    rows: FieldRows | None = field(default=None, compare=False)
    """The apkg's fields of cards of deckbuilder's own note types, kept between builds by whoever can."""
    last_package: LastPackage | None = field(default=None, compare=False)
    """What the deck's last apkg left for the next one, kept by whoever can keep it: the notes and
    cards it wrote and its deflated pieces (render.apkg.insert_rows and zipped.deflate_piece when None)."""
    anki_fields: AnkiFields = field(default_factory=dict, compare=False)
    """Fields as Anki had them when the deck was imported or pulled, by note GUID: the outputs for
    Anki take a field from here while its markdown is unchanged (identity.ankifields)."""


NoteRow = tuple[int, str, int, int, str, str, str]
"""A note as the apkg's collection holds it: (its id's place after the package's first id, GUID, note
type id, mod time, tags, fields, sort field)."""
CardRow = tuple[int, int, int, int, int]
"""A card as the apkg's collection holds it: (its id's place, its note's place, deck id, template
order, mod time)."""


class LastPackage(Protocol):
    """The last build's apkg of a deck, for writing the next one sooner with the same bytes."""

    def write_rows(self, connection: sqlite3.Connection, first: int, decks: Sequence[BulkDeck]) -> None:
        """Write the decks' notes and cards into a collection, their ids counted from ``first``, as
        render.apkg.insert_rows writes render.apkg.table_rows, committed."""

    def deflate(self, member: str, index: int, piece: bytes) -> bytes:
        """A piece of a zip member deflated (render.zipped.deflate_piece)."""


RowKey = tuple[str, str, tuple[str, ...], str, bool]
"""What the fields of a note of deckbuilder's own note types depend on, for a card that shows no
image: its question, answer, section path, kind and whether it is reversed."""


class FieldRows:
    """Notes' fields by what they depend on (RowKey): found in ``stored`` (the last builds'), else
    computed; ``used`` is what this build used, for the incremental layer to keep. At 20,000 cards
    the fields of unchanged cards cost a lookup instead of a quarter of a second of glue. Cards the
    last build had (the same objects: ``last_cards``, the ``cards`` of that build) are found by the
    object, without working out their key."""

    def __init__(
        self,
        stored: Callable[[RowKey], list[str] | None],
        last_cards: Mapping[int, tuple[Card, RowKey, list[str]]] | None = None,
    ) -> None:
        self.stored = stored
        self.used: dict[RowKey, list[str]] = {}
        self.last_cards = last_cards or {}
        self.cards: dict[int, tuple[Card, RowKey, list[str]]] = {}

    def get(self, key: RowKey, compute: Callable[[], list[str]]) -> list[str]:
        found = self.used.get(key)
        if found is None:
            found = self.stored(key)
        if found is None:
            found = compute()
        self.used[key] = found
        return found

    def of_card(
        self, card: Card, key_of: Callable[[Card], RowKey | None], compute: Callable[[], list[str]]
    ) -> list[str]:
        """The card's fields: the last build's for this very card, else by its key (key_of), else
        computed (always, for a card whose fields depend on more than the card: key None)."""
        found = self.last_cards.get(id(card))
        if found is None or found[0] is not card:
            key = key_of(card)
            if key is None:
                return compute()
            found = (card, key, self.get(key, compute))
        else:
            self.used[found[1]] = found[2]  # for the cards of other objects with the same key next time
        # Kept with the card, so that its id is not another card's while it is here.
        self.cards[id(card)] = found
        return found[2]


Renderer = Callable[[Deck, RenderOptions], bytes]
PackageRenderer = Callable[[Sequence[tuple[Deck, RenderOptions]]], bytes]
"""Many decks, each with its options, into one file (``build --package``)."""


class MediaNames:
    """Maps image references to the names of their media files; markup calls it for each image.

    Hashed by identity: markup caches one markdown instance per mapping, so make one per render."""

    def __init__(self, media: Mapping[str, MediaFile]) -> None:
        self.media = media

    def __call__(self, reference: str) -> str:
        found = self.media.get(reference)
        return found.name if found is not None else reference
