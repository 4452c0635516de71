"""read.parse with the parse cache and all cores: the same ParsedDeck, sooner.

Pieces are tokenized only when their text is new, cards built only when their draft is new (both
on all cores when there are many), and the previous layout is reused when an edit stayed inside
cards (relayout.py). tests/test_relayout.py checks, with hypothesis, that the result equals
read.parse's on generated decks and edits.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from deckbuilder.errors import DeckbuilderError
from deckbuilder.incremental.cachefiles import cache_file
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.edits import EditedText, edited, read_text
from deckbuilder.incremental.keys import cache_header
from deckbuilder.incremental.parsecache import CardRow, ParseCache
from deckbuilder.incremental.relayout import DraftPlace, LayoutRecord, record_layout, renewed, reuse_layout
from deckbuilder.incremental.store import by_value, keeping_warm, warm_memory
from deckbuilder.model import Card, DeckSettings, Section, SourceLocation
from deckbuilder.read.blocks import block_spans
from deckbuilder.read.cards import CardBuilder
from deckbuilder.read.headings import heading_traits
from deckbuilder.read.layout import Layout, lay_out
from deckbuilder.read.links import LinkDefinitions, link_definitions
from deckbuilder.read.pieces import Pieces, first_lines, piece_texts
from deckbuilder.read.reader import (
    ParsedDeck,
    SourceText,
    assemble,
    card_builder,
    deck_id,
    deck_title,
    split_source,
    with_tag_deck,
)
from deckbuilder.read.shapes import Draft
from deckbuilder.read.sources import read_source


def parse(
    text: str, path: Path, settings: DeckSettings | None, cache: ParseCache | None, caching: Caching
) -> ParsedDeck:
    """What read.parse(text, path, settings) gives, with what ``cache`` holds reused and the rest
    computed on ``caching``'s cores; what was used is recorded in ``cache`` for its save."""
    reading = _edited_reading(text, path, settings) if cache is not None else None
    source = reading.source if reading is not None else split_source(text, path, settings)
    pieces, piece_keys = cached_pieces(source.body, source.first_line, cache, caching, reading)
    _keep_reading(text, settings, source, pieces, piece_keys)
    definitions = link_definitions(pieces.texts)
    reused = _reused_layout(source, pieces, piece_keys, definitions, cache) if cache is not None else None
    if reused is not None:
        layout = reused.layout
    else:
        caching.computed["layouts"] += 1
        # A file laid out again keeps the traits of its headings that a save left alone.
        layout = lay_out(pieces.all_blocks(), source.settings, by_value("heading traits", heading_traits))
    source = with_tag_deck(source, layout)
    builder = card_builder(source, layout.title, definitions)
    if cache is None:
        return assemble(source, layout, builder, _cards(builder, layout.drafts, None, caching))
    namespace = card_namespace(builder.deck_id, source.settings, definitions)
    known = reused.keys if reused is not None else [None] * len(layout.drafts)
    keys = [key or draft_key(namespace, draft) for draft, key in zip(layout.drafts, known, strict=True)]
    cards = _cards(builder, layout.drafts, (cache, keys), caching)
    cache.next_layout = (
        renewed(reused.record, piece_keys, keys, reused.places)
        if reused is not None
        else _record(namespace, pieces, piece_keys, layout, keys)
    )
    return assemble(source, layout, builder, cards)


def parse_file(
    path: Path, settings: DeckSettings | None, caching: Caching
) -> tuple[ParsedDeck, ParseCache | None]:
    """read.parse_file, with the file's parse cache when ``caching`` uses caches; the cache comes
    back too, for the build to save (with ``"read"`` it is never saved)."""
    text = read_source(path)
    cache = parse_cache_for(path, caching)
    try:
        return parse(text, path, settings, cache, caching), cache
    except DeckbuilderError:
        raise
    except Exception:
        if cache is None:
            raise
        # An entry that is not what this code writes (sealed, so no damage on disk: a cache of an
        # earlier, faulty version): parsed again without it, and a new cache in its place.
        fresh = parse_cache_for(path, caching, empty=True)
        return parse(text, path, settings, fresh, caching), fresh


def parse_cache_for(source: Path, caching: Caching, empty: bool = False) -> ParseCache | None:
    path = cache_file(source, "parse", caching.use)
    if path is None:
        return None
    loaded = (
        ParseCache(path, cache_header("parse", caching.libraries))
        if empty
        else ParseCache.load(path, caching.libraries)
    )
    if not caching.writes:
        loaded.path = None  # never saved
    return loaded


class _Reused(NamedTuple):
    layout: Layout
    keys: list[str | None]
    """Each draft's key in the card cache, or None for the drafts made again."""
    record: LayoutRecord
    places: list[DraftPlace]


def cached_pieces(
    body: str,
    first_line: int,
    cache: ParseCache | None,
    caching: Caching,
    reading: EditedText | None = None,
) -> tuple[Pieces, list[str]]:
    """read.pieces.document_pieces(body, first_line), the pieces found in ``cache`` reused and the
    rest tokenized on all cores; with each piece's key (the hash of its text). ``reading`` has the
    pieces' texts, keys and lines already, when the body was read by building on the last reading."""
    if reading is not None:
        texts, keys, lines = reading.texts, reading.keys, reading.first_lines
    else:
        texts = piece_texts(body)
        keys = [hashlib.sha1(piece.encode("utf-8")).hexdigest() for piece in texts]
        lines = first_lines(texts, first_line)

    def tokenize(missing: list[int]) -> list[Any]:
        return caching.map("pieces", block_spans, [texts[index] for index in missing])

    spans = tokenize(list(range(len(texts)))) if cache is None else cache.piece_memo.values(keys, tokenize)
    return Pieces(texts, spans, lines), keys


def _edited_reading(text: str, path: Path, settings: DeckSettings | None) -> EditedText | None:
    """While watch keeps its state warm: the text read by building on the file's last reading
    (incremental.edits), when that can be done."""
    if not keeping_warm():
        return None
    last = warm_memory("readings").get(path)
    return edited(last, text, path, settings) if last is not None else None


def _keep_reading(
    text: str, settings: DeckSettings | None, source: SourceText, pieces: Pieces, keys: list[str]
) -> None:
    if keeping_warm():
        warm_memory("readings")[source.path] = read_text(text, settings, source, pieces, keys)


def _reused_layout(
    source: SourceText, pieces: Pieces, piece_keys: list[str], definitions: LinkDefinitions, cache: ParseCache
) -> _Reused | None:
    record = cache.layout
    if record is None:
        return None
    settings = source.settings
    namespace = card_namespace(deck_id(settings, deck_title(source, record.title)), settings, definitions)
    if record.namespace != namespace:
        return None
    reused = reuse_layout(record, pieces, piece_keys, cache.pieces, cache.cards, settings.flashcard_tags)
    if reused is None:
        return None
    layout = Layout(record.title, reused.drafts, record.description, record.footer, reading=record.reading)
    return _Reused(layout, reused.keys, record, reused.places)


def _record(
    namespace: str, pieces: Pieces, piece_keys: list[str], layout: Layout, keys: list[str]
) -> LayoutRecord | None:
    if layout.problems:
        return None  # problems are found by laying out afresh, so there is no record to reuse
    texts = (layout.title, layout.description, layout.footer)
    drafts, spans = layout.drafts, layout.spans
    return record_layout(
        namespace, pieces, piece_keys, spans, layout.shaped, drafts, keys, texts, layout.reading
    )


def _cards(
    builder: CardBuilder,
    drafts: Sequence[Draft],
    cached: tuple[ParseCache, list[str]] | None,
    caching: Caching,
) -> list[Card]:
    """The drafts' cards: from the cache (with the drafts' keys) where built before, the rest built
    on all cores when there are many."""
    if cached is None and caching.worker_count() <= 1:
        return builder.build_all(drafts)

    def build(missing: list[int]) -> list[CardRow]:
        # Forked workers inherit the builder and the drafts: only indices and rows cross processes.
        return caching.map("cards", lambda index: card_row(builder, drafts[index]), missing)

    if cached is None:
        rows = build(list(range(len(drafts))))
    else:
        cache, keys = cached
        rows = cache.card_memo.values(keys, build)
    # While watch keeps its state warm, the cards of the last build of this file are reused where
    # their draft and line are the same (a card is its row and its place; rows are keyed by content),
    # and placed anew where only the line moved.
    warm = keeping_warm() and cached is not None
    last = warm_memory("cards").get(builder.shown, {}) if warm else {}
    kept: dict[str, Card] = {}
    keys = cached[1] if cached is not None else [""] * len(drafts)
    cards = []
    for draft, key, (row, problems) in zip(drafts, keys, rows, strict=True):
        if problems:
            builder.add_problems(draft.line, problems)
        if row is not None:
            card = last.get(key)
            if card is None:
                card = _card_from_row(row, SourceLocation(builder.shown, draft.line))
            elif card.source.line != draft.line:
                card = card.placed(SourceLocation(builder.shown, draft.line))
            kept[key] = card
            cards.append(card)
    if warm:
        warm_memory("cards")[builder.shown] = kept
    return cards


CARD_FIELDS = tuple(name for name in Card.__dataclass_fields__ if name != "source")
_SECTIONS_AT = CARD_FIELDS.index("sections")
_SOURCE_AT = tuple(Card.__dataclass_fields__).index("source")


def card_namespace(deck_id: int, settings: DeckSettings, definitions: LinkDefinitions = ()) -> str:
    """Everything besides the draft that a built card depends on (its line aside), but the code and
    library versions, which the cache's header holds."""
    parts = [str(deck_id), repr(settings), " ".join(CARD_FIELDS)]
    if definitions:  # so that files without any keep the keys they had
        parts.append(repr(definitions))
    return "\x1f".join(parts)


def draft_key(namespace: str, draft: Draft) -> str:
    """A draft's key in the card cache."""
    # repr, not a join: () and ("",) must differ
    parts = [namespace, draft.question, repr(draft.section), str(draft.missing_answer),
             str(draft.open_details), str(draft.topic), str(draft.front_back), draft.shape]  # fmt: skip
    for block in draft.pieces:
        # With its line from the question's: a card's problems are kept by line from there.
        parts.extend((block.kind, str(block.level), block.text, str(block.line - draft.line)))
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def card_row(builder: CardBuilder, draft: Draft) -> CardRow:
    """A draft's card as plain values (its fields but its source location), with its problems."""
    card, problems = builder.build_with_problems(draft)
    if card is None:
        return (None, problems)
    values = {name: getattr(card, name) for name in CARD_FIELDS}
    values["sections"] = tuple((section.label, section.text, section.markdown) for section in card.sections)
    return (tuple(values[name] for name in CARD_FIELDS), problems)


def _card_from_row(row: tuple[Any, ...], source: SourceLocation) -> Card:
    values = list(row)
    values[_SECTIONS_AT] = tuple(itertools.starmap(Section, values[_SECTIONS_AT]))
    values.insert(_SOURCE_AT, source)
    return Card(*values)
