"""Opening collections with Anki's backend: the user's own (changed only behind a backup), a copy of
one (only read), or a scratch one holding a package's notes."""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from deckbuilder.collection.files import (
    BACKUPS_KEPT,
    COLLECTION_FILE,
    OPEN_IN_ANKI,
    backup,
    check_collection,
    copy_exactly,
    drop_backup,
    same_bytes,
)
from deckbuilder.errors import AnkiError, DeckbuilderError, shorten

T = TypeVar("T")
MISSING_ANKI = 'this needs Anki\'s backend, the anki package: pip install "deckbuilder[anki]"'


def require_anki() -> None:
    try:
        import anki.collection  # noqa: F401 - only checking that it is installed
    except ImportError:
        raise AnkiError(MISSING_ANKI) from None


@contextlib.contextmanager
def opened_collection(path: Path, named: Path | None = None) -> Iterator[Any]:
    """The collection at ``path`` open; errors name ``named`` (the user's file a copy was made of)."""
    from anki.collection import Collection
    from anki.errors import DBError

    shown = named or path
    try:
        collection = Collection(str(path))
    except DBError as error:
        raise AnkiError(f"{shown}: {_database_problem(str(error))}") from None
    except Exception as error:  # the backend raises several kinds for unreadable files
        raise AnkiError(f"{shown}: cannot open the collection ({error})") from None
    try:
        yield collection
    finally:
        collection.close()


def _database_problem(message: str) -> str:
    """What the backend's database error (``DbError { info: "", kind: FileTooNew }``) means."""
    if "FileTooNew" in message:
        return (
            f"the collection was written by a newer Anki than the anki package here ({_anki_version()}) "
            "reads; upgrade it: pip install -U anki"
        )
    if "FileTooOld" in message:
        return (
            "the collection is older than the anki package here reads; open it in Anki once, then run again"
        )
    if "Locked" in message or "locked" in message:
        return OPEN_IN_ANKI
    return f"cannot open the collection ({shorten(message, 200)})"


def _anki_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("anki")
    except PackageNotFoundError:
        return "unknown"


@contextlib.contextmanager
def scratch_copy(path: Path, chosen: bool = True) -> Iterator[Path]:
    """A copy of the collection's exact bytes in a scratch folder (refused when Anki has it open),
    gone afterwards: nothing done to it can change the user's file (not even the schema upgrade
    Anki does on opening an older one)."""
    require_anki()
    check_collection(path, writable=False, chosen=chosen)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / COLLECTION_FILE
        copy_exactly(path, copy)
        yield copy


@contextlib.contextmanager
def opened_copy(path: Path, chosen: bool = True) -> Iterator[Any]:
    """The collection at ``path``, opened from a scratch copy (only read)."""
    with scratch_copy(path, chosen) as copy, opened_collection(copy, named=path) as col:
        yield col


def changed_behind_backup(
    collection: Path, change: Callable[[Path], T], backups: int = BACKUPS_KEPT, chosen: bool = True
) -> tuple[T, Path | None]:
    """``change`` applied to the collection itself, its exact bytes backed up first and put back on
    any error. Also the backup, kept only when the collection changed."""
    require_anki()
    check_collection(collection, writable=True, chosen=chosen)
    try:
        saved = backup(collection, backups)
    except OSError as error:
        raise AnkiError(
            f"{collection}: cannot back up the collection ({error.strerror}); nothing was changed"
        ) from None
    try:
        result = change(collection)
    except BaseException as error:
        copy_exactly(saved, collection)
        if isinstance(error, DeckbuilderError) or not isinstance(error, Exception):
            raise
        raise AnkiError(
            f"{collection}: Anki could not take the decks ({shorten(str(error), 200)}); "
            f"the collection is as it was (restored from {saved})"
        ) from None
    if same_bytes(saved, collection):  # nothing changed: no backup of it either
        drop_backup(saved)
        return result, None
    return result, saved


def changed_copy(collection: Path, change: Callable[[Path], T], chosen: bool = True) -> T:
    """``change`` applied to a scratch copy of the collection (a dry run): the collection is not
    touched."""
    with scratch_copy(collection, chosen) as copy:
        return change(copy)


@contextlib.contextmanager
def package_collection(package: Path) -> Iterator[tuple[Any, Path]]:
    """A scratch collection holding the package's notes, scheduling and media, and its media folder.
    It reads every package format Anki writes."""
    require_anki()
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    if not package.is_file():
        raise AnkiError(f"{package}: no such package file; check the path")
    _refuse_bombs(package)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / COLLECTION_FILE
        with opened_collection(path) as col:
            _without_note_types(col)
            options = ImportAnkiPackageOptions(with_scheduling=True)
            try:
                col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
            except Exception as error:  # the backend raises several kinds for damaged packages
                raise AnkiError(f"{package}: Anki cannot read this package ({error})") from None
            yield col, Path(col.media.dir())


UNPACKED_LARGEST = 100 << 20
"""Bytes above which a package's entry must not unpack to over COMPRESSION_MOST times its size."""
COMPRESSION_MOST = 100
"""Media is compressed already and a collection compresses a few times: an entry that packs a
hundredfold is built to fill the disk (a zip bomb)."""


def _refuse_bombs(package: Path) -> None:
    """Refuse a package whose entries say they unpack to far more than any deck's content would."""
    try:
        with zipfile.ZipFile(package) as archive:
            entries = archive.infolist()
    except (OSError, zipfile.BadZipFile):
        return  # not a zip at all: Anki's importer says what is wrong with it
    for entry in entries:
        packed = max(entry.compress_size, 1)
        if entry.file_size > UNPACKED_LARGEST and entry.file_size > COMPRESSION_MOST * packed:
            raise AnkiError(
                f"{package}: its entry '{entry.filename}' unpacks to {entry.file_size} bytes from "
                f"{entry.compress_size}, which no deck's content does; this package is not imported"
            )


SCRATCH_NOTE_TYPE = "deckbuilder scratch"


def _without_note_types(col: Any) -> None:
    """Remove a new collection's own note types, so that the package's keep their names (Anki
    renames one whose name is taken to "Name+"); a collection keeps one note type at least."""
    models = col.models
    scratch = models.new(SCRATCH_NOTE_TYPE)
    models.add_field(scratch, models.new_field("Field"))
    template = models.new_template("Card")
    template["qfmt"], template["afmt"] = "{{Field}}", "{{Field}}"
    models.add_template(scratch, template)
    models.add(scratch)
    for entry in models.all_names_and_ids():
        if entry.name != SCRATCH_NOTE_TYPE:
            models.remove(entry.id)
