"""``deckbuilder push``: import decks straight into a local Anki collection, and prune deleted cards.

The import goes through Anki's own backend, with the same options as File > Import, so notes are
added, updated or left alone exactly as a manual import would.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deckbuilder.app.adoption import with_notes_adopted
from deckbuilder.app.load import LoadedDeck, load_decks, updated_locks
from deckbuilder.app.media import collect_media
from deckbuilder.app.output import build_lock, finish_interrupted, write_atomically
from deckbuilder.app.profiles import with_profile_note_types
from deckbuilder.app.records import lock_files, remember_cards
from deckbuilder.collection.files import BACKUPS_KEPT
from deckbuilder.collection.notes import move_cards
from deckbuilder.collection.opening import (
    changed_behind_backup,
    changed_copy,
    opened_collection,
    require_anki,
)
from deckbuilder.collection.packages import ImportLog, import_packages, remove_notes
from deckbuilder.errors import OutputError
from deckbuilder.identity.lockfile import live_guids
from deckbuilder.identity.resolve import followed_deck
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.fragments import prerender
from deckbuilder.read.sources import resolve_sources
from deckbuilder.render import RenderOptions
from deckbuilder.render.notetypes import CLOZE_NOTE_TYPE_ID, NOTE_TYPE_ID


@dataclass(slots=True)
class PushReport(ImportLog):
    """What an import and a prune did (or, in a dry run, would do) to the collection."""

    pruned: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    """Notes whose cards moved to another deck (their file moved between folders)."""
    backup: Path | None = None

    def summary(self) -> str:
        parts = [
            f"{len(self.new)} new",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.conflicting)} conflicting",
        ]
        if self.moved:
            parts.append(f"{len(self.moved)} moved to another deck")
        if self.pruned:
            parts.append(f"{len(self.pruned)} deleted")
        return ", ".join(parts)


PackagesOf = Callable[[Sequence[LoadedDeck]], Mapping[Path, bytes]]
"""Renders the decks as packages, by file name."""


def push(
    loaded: Sequence[LoadedDeck],
    packages: PackagesOf,
    collection: Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    backups: int = BACKUPS_KEPT,
    chosen: bool = True,
) -> tuple[list[LoadedDeck], PushReport]:
    """Import the decks' packages; with ``prune``, delete the notes of cards that left the markdown.

    Cards new to the lock that the deck's Anki deck already has as notes (a lost lock) take their
    notes' GUIDs first (app.adoption); the decks as pushed come back with the report. A dry run
    does all of it to a copy of the collection and reports; the collection is not touched. A real
    push first copies the collection's exact bytes to a backup (kept only when the push changed the
    collection), and on any error puts them back. ``chosen``: the collection was named, not found
    by default.
    """

    def apply(path: Path) -> tuple[list[LoadedDeck], PushReport]:
        return _apply(loaded, packages, path, prune, named=collection)

    if dry_run:
        return changed_copy(collection, apply, chosen)
    (pushed, report), backup = changed_behind_backup(collection, apply, backups, chosen)
    report.backup = backup
    return pushed, report


def _apply(
    loaded: Sequence[LoadedDeck], packages: PackagesOf, path: Path, prune: bool, named: Path
) -> tuple[list[LoadedDeck], PushReport]:
    with opened_collection(path, named) as col:
        pushed = with_profile_note_types(col, with_notes_adopted(col, loaded))
        with tempfile.TemporaryDirectory() as scratch:
            log = import_packages(col, stage_packages(packages(pushed), Path(scratch)))
        report = PushReport(log.new, log.updated, log.unchanged, log.conflicting)
        report.moved = move_cards(col, _moved_decks(pushed))
        if prune:
            report.pruned = _prune(col, pushed)
    return pushed, report


def _prune(col: Any, loaded: Sequence[LoadedDeck]) -> list[str]:
    gone = {entry.guid for item in loaded for entry in item.resolution.entries if entry.removed is not None}
    gone -= _live_anywhere(loaded)
    # The notes of deckbuilder's note types, and of the note types the decks name themselves.
    own = {definition.id for item in loaded for definition in item.deck.note_types}
    return remove_notes(col, gone, {NOTE_TYPE_ID, CLOZE_NOTE_TYPE_ID, *own})


def _live_anywhere(loaded: Sequence[LoadedDeck]) -> set[str]:
    """The GUIDs of cards some deck holds now: those of this push, and those of the other decks in
    their lock files. A card moved to another file of the same Anki deck keeps its GUID, and its
    note must stay."""
    return {guid for lock in updated_locks(loaded).values() for guid in live_guids(lock)}


def _moved_decks(loaded: Sequence[LoadedDeck]) -> dict[str, str]:
    """The cards the lock had in another deck (their file moved between folders that name decks),
    by GUID, with the deck they belong to now."""
    return {
        match.card.guid: now
        for item in loaded
        if (now := followed_deck(item.deck))
        for match in item.resolution.matches
        if match.previous is not None and match.previous.deck and match.previous.deck != now
    }


def stage_packages(files: Mapping[Path, bytes], folder: Path) -> list[Path]:
    """Write in-memory packages to a scratch folder for Anki's importer."""
    paths = []
    for name, data in files.items():
        path = folder / name.name
        try:
            path.write_bytes(data)
        except OSError as error:
            raise OutputError(f"{path}: cannot write a temporary package ({error.strerror})") from None
        paths.append(path)
    return paths


def push_sources(
    sources: Sequence[Path],
    collection: Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    recursive: bool = False,
    now: int | None = None,
    backups: int = BACKUPS_KEPT,
    chosen: bool = True,
) -> tuple[list[LoadedDeck], PushReport]:
    """Build the decks as packages, push them, and (unless a dry run) update the lock file."""
    from deckbuilder.render.apkg import render  # genanki: loaded only when a package is made

    require_anki()
    paths = resolve_sources(sources, recursive)
    with build_lock([path.parent for path in paths]):
        finish_interrupted(sorted({path.parent for path in paths}))
        caching = Caching(use="read")  # the caches a build wrote; push renders only packages for Anki
        loaded = load_decks(paths, now=now, caching=caching)

        def packages(decks: Sequence[LoadedDeck]) -> dict[Path, bytes]:
            tables = prerender([item.deck for item in decks], caching)
            taken: dict[str, str] = {}  # media names, shared: the decks go into one media folder
            return {  # numbered: files of one name in two folders are two packages
                Path(f"{index:05d}-{item.deck.source.stem}.apkg"): render(
                    item.deck,
                    RenderOptions(
                        media=collect_media(item.deck, item.media_digests, taken),
                        fragments=table.fragments,
                        anki_fields=item.anki_fields,
                    ),
                )
                for index, (item, table) in enumerate(zip(decks, tables, strict=True))
            }

        pushed, report = push(
            loaded, packages, collection, prune=prune, dry_run=dry_run, backups=backups, chosen=chosen
        )
        if not dry_run:
            write_atomically(lock_files(updated_locks(pushed)))
    if not dry_run:
        remember_cards(pushed)
    return pushed, report
