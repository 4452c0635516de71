"""Atomic writes: a file in the output folder is either the old one or the complete new one."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from deckbuilder.errors import OutputError


def ensure_writable(folder: Path, what: str) -> None:
    """Refuse, before anything is written, a folder where ``what`` cannot be written (a read-only
    file system, or permissions): probed by writing, as permissions alone do not tell."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".deckbuilder-probe-"):
            pass
    except OSError as error:
        raise OutputError(
            f"{folder}: cannot write the {what} here ({error.strerror}); nothing was changed"
        ) from None


def ensure_folder(folder: Path) -> None:
    """Create the output folder if needed; say clearly when it cannot be written to."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"{folder}: cannot create the output folder ({error.strerror}); choose another with -o"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"{folder}: the output folder is not writable; fix its permissions or choose another with -o"
        )


def staged(path: Path, data: bytes) -> Path:
    """Write data to a hidden temporary file beside ``path`` and return the temporary file's path."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(
            f"{path}: cannot write ({error.strerror}); check the folder's permissions"
        ) from None
    try:
        # mkstemp makes owner-only files; outputs should get the usual permissions instead.
        os.chmod(name, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if isinstance(error, OSError):  # a full disk or quota, most often
            raise OutputError(f"{path}: cannot write ({error.strerror}); nothing was changed") from None
        raise
    return Path(name)


def _remove_stale(path: Path) -> None:
    # A build killed outright (SIGKILL, power loss) cannot clean up its temporary files; the next
    # build that writes the same file, holding the same build lock, removes them.
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Stage every file, then move them all into place: a failure while staging changes none of
    them, and a build killed while moving them (SIGKILL, power loss) leaves a journal from which
    the next build moves the rest before anything else (``finish_interrupted``), so the outputs and
    the lock never stay a mix of two builds."""
    temporaries: dict[Path, Path] = {}
    moving = False
    try:
        for path, data in files.items():
            _remove_stale(path)
            temporaries[path] = staged(path, data)
        journals = _write_journals(temporaries)
        moving = True
        for path, temporary in temporaries.items():
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise OutputError(
                    f"{path}: cannot write ({error.strerror}); the next build finishes writing the rest"
                ) from None
        moving = False
        for journal in journals:
            journal.unlink(missing_ok=True)
    finally:
        if not moving:  # once moving began, the journal's files are the next build's to move
            for temporary in temporaries.values():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)


JOURNAL_NAME = ".deckbuilder-commit.json"
"""Written beside every file a build replaces while it replaces them; gone once all are in place."""


def _write_journals(temporaries: Mapping[Path, Path]) -> list[Path]:
    folders = sorted({path.parent for path in temporaries})
    journals = [folder / JOURNAL_NAME for folder in folders]
    moves = [[str(temporary), str(path)] for path, temporary in temporaries.items()]
    text = json.dumps({"moves": moves, "journals": [str(journal) for journal in journals]})
    try:
        for journal in journals:
            _replace_with(journal, text.encode("utf-8"))
    except OSError as error:
        for journal in journals:
            journal.unlink(missing_ok=True)
        raise OutputError(f"{journal}: cannot write ({error.strerror}); nothing was changed") from None
    return journals


def _replace_with(path: Path, data: bytes) -> None:
    temporary = staged(path, data)
    try:
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def finish_interrupted(folders: Iterable[Path]) -> None:
    """Move into place what a build killed while replacing its files left staged, as its journal
    in any of these folders lists (under the build lock, before this build writes anything)."""
    for folder in folders:
        journal = folder / JOURNAL_NAME
        try:
            text = journal.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # none here (or no folder at all yet)
        try:
            recorded = json.loads(text)
            moves = [(Path(source), Path(target)) for source, target in recorded["moves"]]
            journals = [Path(name) for name in recorded["journals"]]
        except (ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                journal.unlink()  # a damaged journal: its build's files are left as they are
            continue
        for source, target in moves:
            if source.exists():
                os.replace(source, target)
        for name in journals:
            name.unlink(missing_ok=True)


@contextlib.contextmanager
def folder_lock(busy_file: Path, folder: Path | None = None) -> Iterator[None]:
    """Serialise builds that write the same lock file: a second build waits for the first, and
    says so on stderr (naming ``folder``) rather than waiting without a word."""
    import fcntl

    try:
        stream = open(busy_file, "a+b")  # noqa: SIM115 - held for the whole block
    except OSError as error:
        raise OutputError(f"{busy_file}: cannot create the build lock ({error.strerror})") from None
    try:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            where = folder or busy_file
            sys.stderr.write(f"waiting for another deckbuilder build of {where} to finish…\n")
            sys.stderr.flush()
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
        stream.close()


@contextlib.contextmanager
def build_lock(source_folders: Iterable[Path], output: Path | None = None) -> Iterator[None]:
    """Hold the build lock of every source folder (their lock files) and of the output folder,
    taken in one global order so that two builds never wait for each other in a circle."""
    folders = {folder.resolve() for folder in source_folders}
    if output is not None:
        folders.add(output.resolve())
    with contextlib.ExitStack() as stack:
        for folder in sorted(folders):
            stack.enter_context(folder_lock(_busy_file(folder), folder))
        yield


def _busy_file(folder: Path) -> Path:
    # Outside the source folder, so that no stray file appears beside the user's markdown.
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"deckbuilder-{digest}.busy"
