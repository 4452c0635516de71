"""Anki package (.apkg) through genanki, with per-note change times and a reproducible zip."""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from typing import Any

import genanki

from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import MarkupOptions, highlight_css
from deckbuilder.html.references import may_show_images
from deckbuilder.model import CONTEXT_SEPARATOR, Card, Deck, NoteType
from deckbuilder.render import MediaNames, RenderOptions
from deckbuilder.render.fields import answer_html, cloze_extra_html, cloze_html, field_html, question_html
from deckbuilder.render.notetypes import (
    CLOZE_FIELDS,
    CLOZE_NOTE_TYPE_ID,
    CLOZE_NOTE_TYPE_NAME,
    CLOZE_TEMPLATE_NAMES,
    FIELDS,
    NOTE_TYPE_ID,
    NOTE_TYPE_NAME,
    TEMPLATE_NAMES,
)
from deckbuilder.render.options import CardRow, LastPackage, NoteRow, RowKey
from deckbuilder.render.zipped import deflate_piece, zipped

TEMPLATE_FILES = ("front.html", "back.html", "reverse_front.html", "reverse_back.html", "cloze_front.html",
                  "cloze_back.html")  # fmt: skip

# Anki updates a note type's CSS and templates only when its mod time is newer than the one it has,
# so this moves forward whenever STYLE_HASH changes (tests/test_apkg.py checks the pair).
STYLE_CHANGED_AT = 1_796_313_107
STYLE_HASH = "c6e1a0873e1ae8f5"


def _template(name: str) -> str:
    return (
        resources.files("deckbuilder.render")
        .joinpath("templates")
        .joinpath("apkg")
        .joinpath(name)
        .read_text(encoding="utf-8")
    )


CODE_STYLES = (("default", ".highlight"), ("github-dark", ".nightMode .highlight"))
"""Pygments styles for code: light, and dark under Anki's night mode."""


@functools.cache  # the same for every note type and build of a process (Pygments' CSS of two styles)
def note_type_css() -> str:
    code = "\n".join(highlight_css(selector, style) for style, selector in CODE_STYLES)
    return f"{_template('card.css')}\n{code}\n"


def style_hash() -> str:
    """What decides whether the note type's look changed: our CSS, templates and code style names.
    Pygments' own CSS is left out so that a Pygments release does not demand a new mod time."""
    parts = [_template("card.css"), *(_template(name) for name in TEMPLATE_FILES), repr(CODE_STYLES)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


class _NoteType(genanki.Model):  # type: ignore[misc]
    """genanki's model with its own mod time instead of the package's timestamp."""

    modified = STYLE_CHANGED_AT

    def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json(self.modified, deck_id)
        return data


def own_note_type(definition: NoteType) -> genanki.Model:
    """A deck's own note type (one of Anki's built-in ones, or one from a file) as genanki's model,
    with the id, names, templates and mod time Anki knows it by."""
    model = _NoteType(
        definition.id,
        definition.name,
        fields=[{"name": name} for name in definition.fields],
        templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in definition.templates],
        css=definition.css,
        model_type=genanki.Model.CLOZE if definition.cloze else genanki.Model.FRONT_BACK,
        sort_field_index=definition.sort_field,
        **({"latex_pre": definition.latex_pre} if definition.latex_pre else {}),
        **({"latex_post": definition.latex_post} if definition.latex_post else {}),
    )
    model.modified = definition.modified or STYLE_CHANGED_AT
    return model


DeckRow = tuple[genanki.Model, str, list[str], tuple[str, ...], int]
"""A note as BulkDeck.add_row took it: note type, GUID, fields, tags, mod time."""


class BulkDeck(genanki.Deck):  # type: ignore[misc]
    """genanki's deck, with its notes written in bulk by write_collection.

    genanki writes the collection, the deck and the note types; the notes and cards go in with one
    insert of many rows each, the rows genanki's Note and Card write (tests/test_apkg.py compares
    them row for row), at about a sixth of the time of one Note object and two inserts per note.
    Each note's mod time is its card's last-changed time, where genanki stamps all notes alike.
    """

    def __init__(self, deck_id: int, name: str, description: str) -> None:
        super().__init__(deck_id, name, description=description)
        self.rows: list[DeckRow] = []

    def add_row(
        self, model: genanki.Model, guid: str, fields: list[str], tags: tuple[str, ...], changed_at: int
    ) -> None:
        self.add_model(model)
        self.rows.append((model, guid, fields, tags, changed_at))


def write_collection(
    connection: sqlite3.Connection,
    decks: Sequence[BulkDeck],
    stamp: int,
    last: LastPackage | None = None,
) -> None:
    """The package's collection: genanki's tables, decks and note types, then the decks' notes and
    cards, their ids counted up from first_id(stamp) (note, its cards, the next note), as genanki
    counts them. ``last`` writes the rows (insert_rows of table_rows when None), committed."""
    genanki.Package(decks).write_to_db(connection.cursor(), stamp, None)
    connection.commit()
    if last is not None:
        last.write_rows(connection, first_id(stamp), decks)
    else:
        insert_rows(connection, first_id(stamp), *table_rows(decks))


ID_PERIOD = 3600
"""Note and card ids count from the start of the hour of the package's newest change."""


def first_id(stamp: int) -> int:
    """The package's first note id, in milliseconds, as Anki's ids are. The hour, not the second of
    the newest change: a package built again within the hour keeps its ids, so an edit changes only
    the collection's pages near the edited note (which a rebuild then deflates alone), where the
    second made every row new. Anki shows a new note as added in that hour."""
    return (stamp - stamp % ID_PERIOD) * 1000


def table_rows(decks: Sequence[BulkDeck]) -> tuple[list[NoteRow], list[CardRow]]:
    """The decks' notes and cards as the package's tables hold them, each id a place after the first."""
    notes: list[NoteRow] = []
    cards: list[CardRow] = []
    place = 0
    orders = CardOrders()
    for deck in decks:
        for row in deck.rows:
            note, note_cards = note_rows(place, deck.deck_id, row, orders)
            notes.append(note)
            cards.extend(note_cards)
            place += len(note_cards) + 1
    return notes, cards


def note_rows(place: int, deck_id: int, row: DeckRow, orders: CardOrders) -> tuple[NoteRow, list[CardRow]]:
    """A note's row at ``place`` and its cards' rows at the places after it (table_rows)."""
    model, guid, fields, tags, changed_at = row
    note = (place, guid, model.model_id, changed_at, f" {' '.join(tags)} ", "\x1f".join(fields),
            fields[model.sort_field_index])  # fmt: skip
    card_rows = [
        (place + number, place, deck_id, order, changed_at)
        for number, order in enumerate(orders(model, fields), start=1)
    ]
    return note, card_rows


class CardOrders:
    """Which of its note type's cards a note has (as genanki decides it). For a standard note type
    that depends on which of its fields are filled alone, so it is worked out once for each."""

    def __init__(self) -> None:
        self.by_filled: dict[tuple[int, tuple[bool, ...]], list[int]] = {}

    def __call__(self, model: genanki.Model, fields: list[str]) -> list[int]:
        if model.model_type == genanki.Model.CLOZE:
            return _card_orders(model, fields)
        filled = (id(model), tuple(map(bool, fields)))
        return self.by_filled.get(filled) or self.by_filled.setdefault(filled, _card_orders(model, fields))


NOTE_VALUES = "{first} + ?, ?, ?, ?, -1, ?, ?, ?, 0, 0, ''"
CARD_VALUES = "{first} + ?, {first} + ?, ?, ?, ?, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ''"
"""The notes and cards tables' columns from a NoteRow and a CardRow, the ids counted from ``first``;
with column names for the ``?``, what a copy of the rows from another table selects."""


def row_values(template: str, first: int, columns: Sequence[str] = ()) -> str:
    """A VALUES template with ``first`` written in (a number, never text), each ``?`` replaced by the
    next of ``columns`` when they are given."""
    values = template.format(first=int(first))
    for column in columns:
        values = values.replace("?", column, 1)
    return values


def insert_rows(
    connection: sqlite3.Connection, first: int, notes: list[NoteRow], cards: list[CardRow]
) -> None:
    """Write the rows into the collection's tables, committed."""
    connection.executemany(f"INSERT INTO notes VALUES({row_values(NOTE_VALUES, first)})", notes)
    connection.executemany(f"INSERT INTO cards VALUES({row_values(CARD_VALUES, first)})", cards)
    connection.commit()


def _card_orders(model: genanki.Model, fields: list[str]) -> list[int]:
    """Which of the note type's cards a note has, decided as genanki decides it."""
    if model.model_type == genanki.Model.CLOZE:
        return [card.ord for card in genanki.Note(model=model, fields=fields).cards]
    return [
        order
        for order, mode, required in model._req  # computed once, then kept on the model
        if (any if mode == "any" else all)(fields[index] for index in required)
    ]


def _template_pair(name: str, front: str, back: str) -> dict[str, str]:
    return {"name": name, "qfmt": _template(front), "afmt": _template(back)}


# One object for every build of a process: a kept package (incremental.rows) tells a note's rows
# unchanged by their objects. genanki never changes a model but to fill in its defaults.
@functools.cache
def note_type() -> genanki.Model:
    """Questions and answers, with a reverse card for the notes that ask for one."""
    return _NoteType(
        NOTE_TYPE_ID,
        NOTE_TYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[
            _template_pair(TEMPLATE_NAMES[0], "front.html", "back.html"),
            _template_pair(TEMPLATE_NAMES[1], "reverse_front.html", "reverse_back.html"),
        ],
        css=note_type_css(),
    )


@functools.cache
def cloze_note_type() -> genanki.Model:
    """Anki's cloze kind: one card per deletion number."""
    return _NoteType(
        CLOZE_NOTE_TYPE_ID,
        CLOZE_NOTE_TYPE_NAME,
        fields=[{"name": name} for name in CLOZE_FIELDS],
        templates=[_template_pair(CLOZE_TEMPLATE_NAMES[0], "cloze_front.html", "cloze_back.html")],
        css=note_type_css(),
        model_type=genanki.Model.CLOZE,
    )


def row_key(card: Card) -> RowKey | None:
    """What the card's fields depend on (card_fields), when nothing else does: None for a card that
    shows an image, whose media file's name may differ from one build to the next."""
    if may_show_images(card.question) or may_show_images(card.answer):
        return None
    return (card.question, card.answer, card.section, card.kind, card.reverse)


def card_fields(card: Card, fragments: Fragments, markup: MarkupOptions) -> list[str]:
    """The note's fields, in the order of its note type's fields."""
    context = html.escape(CONTEXT_SEPARATOR.join(card.section), quote=False)
    if card.kind == "cloze":
        return [cloze_html(card, fragments, markup), cloze_extra_html(card, fragments, markup), context]
    reverse = "y" if card.reverse else ""
    return [question_html(card, fragments, markup), answer_html(card, fragments, markup), context, reverse]


def render(deck: Deck, options: RenderOptions) -> bytes:
    """The deck as an .apkg: the same deck and lock always give the same bytes."""
    return render_package([(deck, options)])


def render_package(parts: Sequence[tuple[Deck, RenderOptions]]) -> bytes:
    """Decks as one .apkg, each its own Anki deck, with the media of all; reproducible as one."""
    decks = [_bulk_deck(deck, options) for deck, options in parts]
    stamp = max((card.changed_at for deck, _ in parts for card in deck.cards), default=STYLE_CHANGED_AT)
    # Keyed apart per deck: one reference ('img.png') may name other files in other folders.
    media = {
        f"{index}:{key}": item
        for index, (_, options) in enumerate(parts)
        for key, item in options.media.items()
    }
    return _package_bytes(decks, stamp, replace(parts[0][1], media=media))


def _bulk_deck(deck: Deck, options: RenderOptions) -> BulkDeck:
    markup = MarkupOptions(math="mathjax", image_src=MediaNames(options.media))
    models = {"basic": note_type(), "cloze": cloze_note_type()}
    own = {definition.name: (definition, own_note_type(definition)) for definition in deck.note_types}
    anki_deck = BulkDeck(deck.deck_id, deck.anki_deck, options.fragments.html(deck.description))
    for card in deck.cards:
        options.progress(1)
        if card.note_type:
            definition, model = own[card.note_type]
            fields = field_html(
                card, definition, options.fragments, markup, options.anki_fields.get(card.guid)
            )
        else:
            model = models["cloze" if card.kind == "cloze" else "basic"]
            compute = functools.partial(card_fields, card, options.fragments, markup)
            fields = compute() if options.rows is None else options.rows.of_card(card, row_key, compute)
        anki_deck.add_row(model, card.guid, fields, card.tags, card.changed_at)
    return anki_deck


PAGE_SIZE = 16384
"""The collection's page size (SQLite's default is 4096; Anki reads any)."""


def _package_bytes(decks: Sequence[BulkDeck], stamp: int, options: RenderOptions) -> bytes:
    handle, db_name = tempfile.mkstemp(suffix=".anki2")
    os.close(handle)
    try:
        connection = sqlite3.connect(db_name)
        try:
            # A scratch file read back at once: no rollback journal, no waiting for the disk. Pages
            # of 16 KB: a large deck's notes go in in two thirds of the time of 4 KB pages.
            connection.execute(f"pragma page_size = {PAGE_SIZE}")
            connection.execute("pragma journal_mode = off")
            connection.execute("pragma synchronous = off")
            write_collection(connection, decks, stamp, options.last_package)
        finally:
            connection.close()
        with open(db_name, "rb") as stream:
            database = stream.read()
    finally:
        os.unlink(db_name)
    return _zip(database, options)


def _zip(database: bytes, options: RenderOptions) -> bytes:
    media = sorted({m.name: m for m in options.media.values()}.values(), key=lambda m: m.name)
    names = json.dumps({str(i): m.name for i, m in enumerate(media)}).encode()
    members = [("collection.anki2", database), ("media", names)]
    members.extend((str(index), item.path.read_bytes()) for index, item in enumerate(media))
    last = options.last_package
    return zipped(members, last.deflate if last is not None else deflate_piece)
