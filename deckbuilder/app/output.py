"""Atomic writes: a file in the output folder is either the old one or the complete new one."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from deckbuilder.errors import OutputError


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
    """Stage every file first, then move them into place, so a failure changes none of them."""
    temporaries: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            _remove_stale(path)
            temporaries[path] = staged(path, data)
        for path, temporary in temporaries.items():
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise OutputError(
                    f"{path}: cannot write ({error.strerror}); nothing else was changed"
                ) from None
    finally:
        for temporary in temporaries.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


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
