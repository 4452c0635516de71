"""``deckbuilder push``: import decks straight into a local Anki collection, and prune deleted cards.

The import goes through Anki's own backend (the ``anki`` package), with the same options as
File > Import, so notes are added, updated or left alone exactly as a manual import would.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import platform
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deckbuilder.app.load import LoadedDeck
from deckbuilder.errors import DeckbuilderError, OutputError, shorten

BACKUP_FOLDER = "deckbuilder-backups"
BACKUPS_KEPT = 10
"""Backups kept per collection by default (``[push] backups`` in the settings), besides the first."""
COLLECTION_FILE = "collection.anki2"


class PushError(DeckbuilderError):
    """The collection cannot be found, opened or updated."""


@dataclass(slots=True)
class PushReport:
    """What an import and a prune did (or, in a dry run, would do) to the collection."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    backup: Path | None = None

    def summary(self) -> str:
        parts = [
            f"{len(self.new)} new",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.conflicting)} conflicting",
        ]
        if self.pruned:
            parts.append(f"{len(self.pruned)} deleted")
        return ", ".join(parts)


def require_anki() -> None:
    try:
        import anki.collection  # noqa: F401 - only checking that it is installed
    except ImportError:
        raise PushError('push needs the anki package: pip install "deckbuilder[anki]"') from None


def anki_base_folder() -> Path:
    """Where Anki keeps its profiles on this platform."""
    system = platform.system()
    if system == "Darwin":
        return Path.home() / "Library" / "Application Support" / "Anki2"
    if system == "Windows":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "Anki2"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "Anki2"


def default_collection() -> Path:
    """The default profile's collection: the only profile, or the one named "User 1"."""
    base = anki_base_folder()
    profiles = sorted(p for p in base.glob(f"*/{COLLECTION_FILE}")) if base.is_dir() else []
    if len(profiles) == 1:
        return profiles[0]
    for candidate in profiles:
        if candidate.parent.name == "User 1":
            return candidate
    if not profiles:
        raise PushError(f"no Anki collection found in {base}; pass --collection PATH to collection.anki2")
    names = ", ".join(p.parent.name for p in profiles)
    raise PushError(
        f"several Anki profiles ({names}); choose one with --collection {base}/NAME/{COLLECTION_FILE}"
    )


@contextlib.contextmanager
def opened_collection(path: Path) -> Iterator[Any]:
    from anki.collection import Collection
    from anki.errors import DBError

    try:
        collection = Collection(str(path))
    except DBError:
        raise PushError(f"{path}: {OPEN_IN_ANKI}") from None
    except Exception as error:  # the backend raises several kinds for unreadable files
        raise PushError(f"{path}: cannot open the collection ({error})") from None
    try:
        yield collection
    finally:
        collection.close()


OPEN_IN_ANKI = "the collection is open in Anki; close Anki first, then run the command again"
ANKI_TABLES = {"col", "notes", "cards", "revlog"}
"""Tables every Anki collection has; a file without them is some other database."""


def check_collection(path: Path, writable: bool, chosen: bool = True) -> None:
    """Refuse a file that is not an Anki collection, one Anki has open, or (for a real push) one
    that cannot be written. Looked at through SQLite, read-only: opening it with Anki would upgrade
    an older collection's schema before anything was backed up."""
    if not path.is_file():
        hint = "check the path" if chosen else "pass --collection PATH to collection.anki2"
        raise PushError(f"{path}: no such collection file; {hint}")
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
        ) as db:
            tables = {name for (name,) in db.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.OperationalError as error:
        if "locked" in str(error):  # Anki holds its collection's lock while it has it open
            raise PushError(f"{path}: {OPEN_IN_ANKI}") from None
        raise PushError(f"{path}: cannot read the collection ({error})") from None
    except sqlite3.DatabaseError:
        raise PushError(
            f"{path}: not an Anki collection (not an SQLite database, or a damaged one)"
        ) from None
    if not tables >= ANKI_TABLES:
        raise PushError(
            f"{path}: not an Anki collection (it has no {', '.join(sorted(ANKI_TABLES - tables))} table)"
        )
    if writable and not os.access(path, os.W_OK):
        raise PushError(f"{path}: the collection is read-only; make it writable, or push with --dry-run")


def _backup(path: Path, kept: int = BACKUPS_KEPT) -> Path:
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(exist_ok=True)
    # One clock reading for both parts, so that names sort in the order the backups were made.
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(seconds))
    target = folder / f"{path.stem}-{stamp}-{nanoseconds:09d}{path.suffix}"
    copy_exactly(path, target)
    # Only this collection's backups: collection-1.anki2's are not collection.anki2's.
    own = re.compile(rf"{re.escape(path.stem)}-\d{{8}}-\d{{6}}-\d{{9}}{re.escape(path.suffix)}")
    backups = sorted(found for found in folder.iterdir() if own.fullmatch(found.name))
    # The first backup is the collection as it was before deckbuilder ever touched it: never dropped.
    for old in backups[1:-kept]:
        with contextlib.suppress(OSError):
            old.unlink()
            _write_ahead_log(old).unlink(missing_ok=True)
    return target


def copy_exactly(source: Path, target: Path) -> None:
    """The database's bytes as they are, with its write-ahead log when it has one: no SQLite
    connection, which could change the file (a checkpoint) before it is copied."""
    shutil.copyfile(source, target)
    log = _write_ahead_log(source)
    if log.is_file() and log.stat().st_size:
        shutil.copyfile(log, _write_ahead_log(target))
    else:
        _write_ahead_log(target).unlink(missing_ok=True)


def _write_ahead_log(database: Path) -> Path:
    return database.with_name(database.name + "-wal")


def push(
    loaded: Sequence[LoadedDeck],
    packages: Sequence[Path],
    collection: Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    backups: int = BACKUPS_KEPT,
    chosen: bool = True,
) -> PushReport:
    """Import the packages; with ``prune``, delete the notes of cards that left the markdown.

    A dry run does all of it to a copy of the collection and reports; the collection is not touched
    (not even opened by Anki, which would upgrade an older schema). A real push first copies the
    collection's exact bytes to a backup (kept only when the push changed the collection), and on
    any error puts them back. ``chosen``: the collection was named, not found by default.
    """
    require_anki()
    check_collection(collection, writable=not dry_run, chosen=chosen)
    if dry_run:
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / COLLECTION_FILE
            copy_exactly(collection, copy)
            return _apply(loaded, packages, copy, prune)
    return _with_backup(loaded, packages, collection, prune, backups)


def _with_backup(
    loaded: Sequence[LoadedDeck], packages: Sequence[Path], collection: Path, prune: bool, backups: int
) -> PushReport:
    """The push into the collection itself, its exact bytes backed up first and put back on any
    error; the backup is kept only when the collection changed."""
    try:
        backup = _backup(collection, backups)
    except OSError as error:
        raise PushError(
            f"{collection}: cannot back up the collection ({error.strerror}); nothing was changed"
        ) from None
    try:
        report = _apply(loaded, packages, collection, prune)
    except BaseException as error:
        copy_exactly(backup, collection)
        if isinstance(error, DeckbuilderError) or not isinstance(error, Exception):
            raise
        raise PushError(
            f"{collection}: Anki could not take the decks ({shorten(str(error), 200)}); "
            f"the collection is as it was (restored from {backup})"
        ) from None
    if _same_bytes(backup, collection):  # nothing changed: no backup of it either
        backup.unlink()
        _write_ahead_log(backup).unlink(missing_ok=True)
        return report
    report.backup = backup
    return report


def _same_bytes(first: Path, second: Path) -> bool:
    return first.stat().st_size == second.stat().st_size and filecmp.cmp(first, second, shallow=False)


def _apply(loaded: Sequence[LoadedDeck], packages: Sequence[Path], path: Path, prune: bool) -> PushReport:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    report = PushReport()
    with opened_collection(path) as col:
        for package in packages:
            request = ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
            log = col.import_anki_package(request).log
            report.new.extend(_questions(col, log.new))
            report.updated.extend(_questions(col, log.updated))
            report.unchanged.extend(_questions(col, log.duplicate))
            report.conflicting.extend(_questions(col, log.conflicting))
        if prune:
            report.pruned = _prune(col, loaded)
    return report


def _questions(col: Any, entries: Any) -> list[str]:
    from deckbuilder.html.plaintext import html_to_text

    questions = []
    for entry in entries:
        fields = list(entry.fields)
        questions.append(html_to_text(fields[0]) if fields else str(entry.id.nid))
    return questions


def _prune(col: Any, loaded: Sequence[LoadedDeck]) -> list[str]:
    from deckbuilder.html.plaintext import html_to_text
    from deckbuilder.render.notetypes import CLOZE_NOTE_TYPE_ID, NOTE_TYPE_ID

    gone = {entry.guid for item in loaded for entry in item.resolution.entries if entry.removed is not None}
    gone -= _live_anywhere(loaded)
    if not gone:
        return []
    # The notes of deckbuilder's note types, and of the note types the decks name themselves.
    own = {definition.id for item in loaded for definition in item.deck.note_types}
    kinds = sorted({NOTE_TYPE_ID, CLOZE_NOTE_TYPE_ID, *own})
    marks = ",".join("?" * len(gone))
    rows = col.db.all(
        f"select id, flds from notes where mid in ({','.join('?' * len(kinds))}) and guid in ({marks})",
        *kinds,
        *sorted(gone),
    )
    if rows:
        col.remove_notes([note_id for note_id, _ in rows])
    return [html_to_text(fields.split("\x1f", 1)[0]) for _, fields in rows]


def _live_anywhere(loaded: Sequence[LoadedDeck]) -> set[str]:
    """The GUIDs of cards some deck holds now: those of this push, and those of the other decks in
    their lock files. A card moved to another file of the same Anki deck keeps its GUID, and its
    note must stay."""
    from deckbuilder.app.load import updated_locks
    from deckbuilder.identity.lockfile import live_guids

    return {guid for lock in updated_locks(loaded).values() for guid in live_guids(lock)}


def stage_packages(files: dict[Path, bytes], folder: Path) -> list[Path]:
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
    from deckbuilder.app.build import build_lock, lock_files, remember_cards
    from deckbuilder.app.load import load_decks
    from deckbuilder.app.media import collect_media
    from deckbuilder.app.output import finish_interrupted, write_atomically
    from deckbuilder.incremental.caching import Caching
    from deckbuilder.incremental.fragments import prerender
    from deckbuilder.read.sources import resolve_sources
    from deckbuilder.render import RenderOptions
    from deckbuilder.render.apkg import render

    require_anki()
    paths = resolve_sources(sources, recursive)
    with build_lock([path.parent for path in paths]):
        finish_interrupted(sorted({path.parent for path in paths}))
        caching = Caching(use="read")
        loaded = load_decks(paths, now=now, caching=caching)
        tables = prerender([item.deck for item in loaded], caching)
        packages = {
            Path(f"{item.deck.source.stem}.apkg"): render(
                item.deck,
                RenderOptions(media=collect_media(item.deck, item.media_digests), fragments=table.fragments),
            )
            for item, table in zip(loaded, tables, strict=True)
        }
        with tempfile.TemporaryDirectory() as scratch:
            staged = stage_packages(packages, Path(scratch))
            report = push(
                loaded, staged, collection, prune=prune, dry_run=dry_run, backups=backups, chosen=chosen
            )
        if not dry_run:
            write_atomically(lock_files(loaded))
    if not dry_run:
        remember_cards(loaded)
    return loaded, report
