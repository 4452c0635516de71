"""Loading decks as commands see them: sources, folder settings, parsing and the lock file."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from deckbuilder.app.media import deck_images, media_digests, with_media_content
from deckbuilder.app.moves import moved_resolutions
from deckbuilder.app.notetypes import NoteTypeFiles, note_type_files, with_note_types
from deckbuilder.app.settings import deck_root, folder_settings
from deckbuilder.errors import Diagnostic, ProblemsError, Severity
from deckbuilder.identity.ankifields import AnkiFields, anki_fields_path, read_anki_fields
from deckbuilder.identity.lockfile import Lock, LockEntry, lock_path, merged, read_lock, shared_guids
from deckbuilder.identity.resolve import (
    CardMatch,
    Identify,
    Resolution,
    Resolved,
    Settled,
    resolve,
    resolve_again,
)
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.collector import collector_paused
from deckbuilder.incremental.parse import parse_file
from deckbuilder.incremental.parsecache import ParseCache
from deckbuilder.incremental.store import (
    by_card_text,
    by_object,
    by_position,
    keeping_warm,
    warm_memory,
    warm_value,
)
from deckbuilder.model import Card, Deck, SourceLocation
from deckbuilder.read.reader import ParsedDeck
from deckbuilder.read.sources import resolve_sources


@dataclass(frozen=True, slots=True)
class LoadedDeck:
    """A parsed deck matched against its folder's lock file."""

    parsed: ParsedDeck
    resolution: Resolution
    lock_file: Path
    lock_key: str
    """The deck's name inside the lock file: its file name relative to the lock's folder."""
    lock: Lock = field(default_factory=dict)
    """The whole lock file as read, every deck of the folder (written back with this deck's part new)."""
    parse_cache: ParseCache | None = None
    """The tokenized pieces and built cards of the source, which the build saves for the next one."""
    media_digests: Mapping[str, str] = field(default_factory=dict)
    """The hash of each local image the cards show, read once: in the cards' content and media names."""
    clashes: tuple[Diagnostic, ...] = ()
    """Cards of this deck that would share a GUID with a card of another file (one Anki deck)."""
    dropped: tuple[Diagnostic, ...] = ()
    """A warning when this build loses over a quarter of the deck's cards (dropped_cards)."""
    note_types: tuple[Diagnostic, ...] = ()
    """Problems with the note types the deck's cards name (app.notetypes.with_note_types)."""
    anki_fields: AnkiFields = field(default_factory=dict)
    """The fields of the lock folder's notes as Anki had them at import or pull, by GUID."""

    @property
    def deck(self) -> Deck:
        return self.resolution.deck

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return (*self.parsed.diagnostics, *self.note_types, *self.clashes, *self.dropped)


DROPPED_SHARE = 4
"""A build that loses more than one in this many of a deck's cards says so prominently."""


def dropped_cards(
    entries: Sequence[LockEntry], resolution: Resolution, source: Path
) -> tuple[Diagnostic, ...]:
    """A warning when the deck lost more than a quarter of the cards its lock ``entries`` hold:
    most likely not edits but a reading gone wrong (an open fence, a changed heading level), and
    the next ``push --prune`` would offer to delete those notes with their review history."""
    before = sum(1 for entry in entries if entry.removed is None)
    lost = len(resolution.removed)
    if lost < 2 or lost * DROPPED_SHARE <= before:
        return ()
    message = (
        f"{lost} of this deck's {before} cards are gone since the last build. If you did not delete "
        "them, look for a code fence or <details> left open, or a heading level that changed; "
        "'deckbuilder diff' lists them, and 'push --prune' would delete their notes"
    )
    return (Diagnostic(SourceLocation(str(source), 1), Severity.WARNING, message),)


def current_time() -> int:
    """Now, or SOURCE_DATE_EPOCH when set, for reproducible builds of new cards."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(fixed) if fixed.isdigit() else int(time.time())


def load_decks(
    paths: Iterable[Path],
    *,
    recursive: bool = False,
    now: int | None = None,
    strict: bool = True,
    caching: Caching | None = None,
) -> list[LoadedDeck]:
    """Parse every source and match its cards to the lock file beside it.

    With ``strict``, problems that are errors raise ProblemsError listing all of them. With
    ``caching`` that uses caches, pieces tokenized and cards built by an earlier build are reused and
    the rest are made on all cores; with ``"write"`` the loaded decks carry the parse caches for the
    build to save, with ``"read"`` nothing is ever written (the read-only commands leave no cache).
    """
    with collector_paused():
        return _load_decks(paths, recursive=recursive, now=now, strict=strict, caching=caching or Caching())


def _load_decks(
    paths: Iterable[Path], *, recursive: bool, now: int | None, strict: bool, caching: Caching
) -> list[LoadedDeck]:
    moment = current_time() if now is None else now
    settings_for = cache(folder_settings)
    lock_for = cache(lambda folder: warm_value(lock_path(folder), "lock", read_lock))
    anki_fields_for = cache(lambda folder: warm_value(anki_fields_path(folder), "fields", read_anki_fields))
    note_types_for = cache(note_type_files)
    loaded = []
    root_for = cache(deck_root)
    identify = _identified_as_last()
    for source in resolve_sources(paths, recursive):
        folder = source.parent
        parsed, parse_cache = parse_file(source, settings_for(folder), caching)
        # Decks that follow folders share the lock of the folder whose settings say so, each
        # under its path there: a file moved between those folders keeps its cards' GUIDs.
        root = root_for(folder)
        key = source.resolve().relative_to(root).as_posix() if root is not None else source.name
        folder = root if root is not None else folder
        entries: Sequence[LockEntry] = lock_for(folder).get(key, ())
        deck, digests, typed = prepared(parsed.deck, note_types_for)
        resolution = resolve_as_last(source, deck, entries, moment, identify)
        dropped = dropped_cards(entries, resolution, source)
        loaded.append(
            LoadedDeck(
                parsed,
                resolution,
                lock_path(folder),
                key,
                lock_for(folder),
                parse_cache,
                digests,
                dropped=dropped,
                note_types=typed,
                anki_fields=anki_fields_for(folder),
            )
        )
    loaded = _with_clashes(_with_moves(loaded, moment))
    if strict:
        raise_errors(d for deck in loaded for d in deck.diagnostics)
    return loaded


def resolve_as_last(
    source: Path, deck: Deck, entries: Sequence[LockEntry], now: int, identify: Identify | None = None
) -> Resolution:
    """resolve's answer; while watch keeps its state warm, made from the last build's when the
    deck's cards are that build's but a few (identity.resolve.resolve_again), else with what the
    last build made of each card it sees again (settled_as_last)."""

    def afresh(_cards: Sequence[Card]) -> Resolved:
        resolution = resolve(deck, entries, now, identify, settled_as_last(source))
        remember_settled(source, deck.cards, resolution)
        return Resolved(resolution)

    def again(last: Resolved, _cards: Sequence[Card], changed: list[int]) -> Resolved | None:
        return resolve_again(last, deck, entries, now, changed, identify)

    # Any share of the cards may have changed: those that only moved to other lines (an edit above
    # them added or took lines) cost a new match each, far less than resolving afresh.
    return by_position(f"resolution {source.resolve()}", deck.cards, afresh, again, any_share=True).resolution


def settled_as_last(source: Path) -> Settled | None:
    """While watch keeps its state warm: what the last build of the deck made of each card, found
    by its text (store.by_card_text: a card moved to other lines has the same), with its match when
    it is the very card object (identity.resolve.Settled); this build's kept by remember_settled."""
    if not keeping_warm():
        return None
    last: dict[int, tuple[object, Card, LockEntry, CardMatch | None]] = warm_memory("settled").get(
        source.resolve(), {}
    )

    def settled(card: Card) -> tuple[LockEntry, CardMatch | None] | None:
        text = by_card_text(card)
        found = last.get(id(text)) if text is not None else None
        if found is None or found[0] is not text:
            return None
        return found[2], found[3] if found[1] is card else None

    return settled


def remember_settled(source: Path, cards: Sequence[Card], resolution: Resolution) -> None:
    """Keep what this build made of each card, for the next build's resolve (watch)."""
    if keeping_warm():
        kept = {
            id(text): (text, card, entry, match)
            for card, match, entry in zip(cards, resolution.matches, resolution.entries, strict=False)
            if (text := by_card_text(card)) is not None
        }
        warm_memory("settled")[source.resolve()] = kept


def _identified_as_last() -> Identify:
    """Card.identified; while watch keeps its state warm, a card a save left unchanged, identified
    as in the last build, is the card object of that build: what comes after identity can then
    remember its work by card (incremental.store.by_object)."""

    def none_yet(_card: Card) -> dict[tuple[str, int], Card]:
        return {}

    made = by_object("identified cards", none_yet)

    def identify(card: Card, guid: str, changed_at: int) -> Card:
        identified = made(card)
        found = identified.get((guid, changed_at))
        if found is None:
            found = identified[(guid, changed_at)] = card.identified(guid, changed_at)
        return found

    return identify


def _with_moves(loaded: list[LoadedDeck], now: int) -> list[LoadedDeck]:
    """The decks with the cards that moved between files of one folder matched to the entries they
    had there (app.moves), and each folder's lock without gone files' entries that moved."""
    by_lock: dict[Path, dict[str, int]] = {}
    for index, item in enumerate(loaded):
        by_lock.setdefault(item.lock_file, {})[item.lock_key] = index
    result = list(loaded)
    for lock_file, indexes in by_lock.items():
        lock = loaded[next(iter(indexes.values()))].lock
        before = {key: loaded[index].resolution for key, index in indexes.items()}
        after, new_lock = moved_resolutions(lock_file, lock, before, now)
        if after is before:
            continue
        for key, index in indexes.items():
            item = loaded[index]
            dropped = dropped_cards(lock.get(key, ()), after[key], item.deck.source)
            result[index] = replace(item, resolution=after[key], lock=new_lock, dropped=dropped)
    return result


def prepared(
    deck: Deck, note_types_of: Callable[[Path], NoteTypeFiles] | None = None
) -> tuple[Deck, dict[str, str], tuple[Diagnostic, ...]]:
    """A parsed deck as identity takes it: with the note types its cards name (and their problems)
    and its images' hashes in its cards' content; also those hashes."""
    typed, problems = with_note_types(deck, deck.source.parent, note_types_of)
    digests = media_digests(typed, deck_images(typed, "read"))
    return with_media_content(typed, digests), digests, problems


def _with_clashes(loaded: list[LoadedDeck]) -> list[LoadedDeck]:
    """The decks, each with an error for every card that would share a GUID with a card of another
    file in its folder (two files of one Anki deck asking the same question)."""
    clashes: dict[int, list[Diagnostic]] = {}
    for lock_file, lock in updated_locks(loaded).items():
        cards = {(item.lock_key, match.card.guid): (index, match.card) for index, item in enumerate(loaded)
                 if item.lock_file == lock_file for match in item.resolution.matches}  # fmt: skip
        for (first_deck, first), (second_deck, second) in shared_guids(lock):
            # Reported on a card of this build (the lock as read holds no such pair of its own).
            found = cards.get((second_deck, second.guid))
            index, card = found or cards[(first_deck, first.guid)]
            other = first_deck if found else second_deck
            message = (
                f"this card and one in {other} would share the GUID {second.guid} (same Anki deck, "
                "same question); reword one, or give one an id like '{#my-id}' after its question"
            )
            clashes.setdefault(index, []).append(Diagnostic(card.source, Severity.ERROR, message))
    return [replace(item, clashes=tuple(clashes.get(index, ()))) for index, item in enumerate(loaded)]


def updated_locks(loaded: Sequence[LoadedDeck]) -> dict[Path, dict[str, tuple[LockEntry, ...]]]:
    """Each lock file of the decks' folders as the build writes it: its other decks as they were,
    and the loaded decks' entries new."""
    by_lock: dict[Path, list[LoadedDeck]] = {}
    for item in loaded:
        by_lock.setdefault(item.lock_file, []).append(item)
    return {
        lock_file: merged(items[0].lock, {item.lock_key: item.resolution.entries for item in items})
        for lock_file, items in by_lock.items()
    }


def raise_errors(diagnostics: Iterable[Diagnostic]) -> None:
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise ProblemsError(errors)


def load_deck(path: Path, now: int | None = None) -> Deck:
    """One markdown file as a Deck, GUIDs and change times taken from the lock file beside it."""
    return load_decks([path], now=now)[0].deck
