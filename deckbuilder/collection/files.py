"""A collection as a file: where Anki keeps it, whether it is one, and exact copies and backups of it.

Nothing here opens a collection with Anki: opening one upgrades an older schema, so every check is
made through SQLite, read-only, and every copy is of the bytes as they are.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import platform
import re
import shutil
import sqlite3
import time
from pathlib import Path

from deckbuilder.errors import AnkiError

BACKUP_FOLDER = "deckbuilder-backups"
BACKUPS_KEPT = 10
"""Backups kept per collection by default (``[push] backups`` in the settings), besides the first."""
COLLECTION_FILE = "collection.anki2"
OPEN_IN_ANKI = "the collection is open in Anki; close Anki first, then run the command again"
ANKI_TABLES = {"col", "notes", "cards", "revlog"}
"""Tables every Anki collection has; a file without them is some other database."""


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
        raise AnkiError(f"no Anki collection found in {base}; pass --collection PATH to collection.anki2")
    names = ", ".join(p.parent.name for p in profiles)
    raise AnkiError(
        f"several Anki profiles ({names}); choose one with --collection {base}/NAME/{COLLECTION_FILE}"
    )


def check_collection(path: Path, writable: bool, chosen: bool = True) -> None:
    """Refuse a file that is not an Anki collection, one Anki has open, or (when it is to be
    changed) one that cannot be written. Looked at through SQLite, read-only: opening it with Anki
    would upgrade an older collection's schema before anything was backed up."""
    if not path.is_file():
        hint = "check the path" if chosen else "pass --collection PATH to collection.anki2"
        raise AnkiError(f"{path}: no such collection file; {hint}")
    if _locked_by_another(path):  # Anki holds its collection's lock while it has it open
        raise AnkiError(f"{path}: {OPEN_IN_ANKI}")
    try:
        # Immutable: no locks and no -wal or -shm files beside the collection, which a read-only
        # connection to a database in WAL mode would leave (it cannot checkpoint them away).
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, timeout=0.5)
        ) as db:
            tables = {name for (name,) in db.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.OperationalError as error:
        if "locked" in str(error):
            raise AnkiError(f"{path}: {OPEN_IN_ANKI}") from None
        raise AnkiError(f"{path}: cannot read the collection ({error})") from None
    except sqlite3.DatabaseError:
        raise AnkiError(
            f"{path}: not an Anki collection (not an SQLite database, or a damaged one)"
        ) from None
    if not tables >= ANKI_TABLES:
        raise AnkiError(
            f"{path}: not an Anki collection (it has no {', '.join(sorted(ANKI_TABLES - tables))} table)"
        )
    if writable and not os.access(path, os.W_OK):
        raise AnkiError(f"{path}: the collection is read-only; make it writable (a dry run only reads it)")


def backup(path: Path, kept: int = BACKUPS_KEPT) -> Path:
    """A copy of the collection's exact bytes in its backup folder, the oldest dropped beyond
    ``kept`` (never the first, the collection as it was before deckbuilder ever touched it)."""
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
    for old in backups[1:-kept]:
        with contextlib.suppress(OSError):
            drop_backup(old)
    return target


SQLITE_SHARED_LOCK_BYTES = (0x40000002, 510)
"""Where SQLite locks a database file on POSIX systems (its SHARED_FIRST and SHARED_SIZE): a
connection with an exclusive lock, as Anki's while it has the collection open, write-locks them."""


def _locked_by_another(path: Path) -> bool:
    """Whether another process holds the database's exclusive lock, probed on SQLite's own lock
    bytes with a read lock taken and let go at once (on systems without POSIX locks: never)."""
    try:
        import fcntl
    except ImportError:
        return False
    start, length = SQLITE_SHARED_LOCK_BYTES
    try:
        with path.open("rb") as stream:
            try:
                fcntl.lockf(stream, fcntl.LOCK_SH | fcntl.LOCK_NB, length, start)
            except OSError:
                return True
            fcntl.lockf(stream, fcntl.LOCK_UN, length, start)
    except OSError:
        return False  # unreadable: the connection below says why
    return False


def drop_backup(path: Path) -> None:
    """Remove a backup with its write-ahead log."""
    path.unlink()
    write_ahead_log(path).unlink(missing_ok=True)


def copy_exactly(source: Path, target: Path) -> None:
    """The database's bytes as they are, with its write-ahead log when it has one: no SQLite
    connection, which could change the file (a checkpoint) before it is copied."""
    shutil.copyfile(source, target)
    log = write_ahead_log(source)
    if log.is_file() and log.stat().st_size:
        shutil.copyfile(log, write_ahead_log(target))
    else:
        write_ahead_log(target).unlink(missing_ok=True)


def write_ahead_log(database: Path) -> Path:
    return database.with_name(database.name + "-wal")


def same_bytes(first: Path, second: Path) -> bool:
    return first.stat().st_size == second.stat().st_size and filecmp.cmp(first, second, shallow=False)
