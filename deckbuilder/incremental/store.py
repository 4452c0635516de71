"""A dictionary kept on disk in two ``marshal`` files: a main file, rewritten rarely, and a small
file of the entries added since, rewritten on each save.

The caches of a 100,000-card deck hold a few hundred megabytes; rewriting them whole after every
edit took two seconds of each rebuild. Entries are content-addressed (a key always maps to the same
value), so a save only appends what is new, and the main file is rewritten, without the entries no
longer used, once the additions or the unused entries grow past an eighth of it. Files written
under another header (format or library versions), or damaged ones, read as empty.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import hmac
import itertools
import marshal
import operator
import os
import secrets
import stat
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from deckbuilder.model import Card

T = TypeVar("T")
K = TypeVar("K")
R = TypeVar("R")

COMPACT_FRACTION = 8
"""Rewrite the main file once additions or unused entries exceed 1/COMPACT_FRACTION of it."""


class MarshalStore:
    """Entries loaded from ``path`` (and its additions file), saved back cheaply."""

    def __init__(self, path: Path, header: str, main: dict[Any, Any], added: dict[Any, Any]) -> None:
        self.path = path
        self.header = header
        self.main = main
        self.added = added

    @classmethod
    def load(cls, path: Path, header: str) -> MarshalStore:
        main = _read(path, header)
        added = _read(_additions(path), header) if main else {}
        return cls(path, header, main, added)

    def get(self, key: Any) -> Any:
        found = self.main.get(key)
        return found if found is not None else self.added.get(key)

    def __len__(self) -> int:
        return len(self.main) + len(self.added)

    def save(self, used: Mapping[Any, Any], keep_unused: bool = False) -> None:
        """Keep ``used`` (a build's entries): append the new ones, or rewrite the main file without
        the unused ones when enough has changed. With ``keep_unused`` (``used`` is part of what the
        build used), no entry is dropped: a rewrite keeps them all."""
        get = self.get
        new = {key: value for key, value in used.items() if get(key) != value}
        # An entry kept under the same key with another value is one its reader refused (one of
        # another shape): the file is written again without it, since lookups find the old first.
        replaced = any(get(key) is not None for key in new)
        if keep_unused:  # every entry stays: none is unused, and the store grows by the new keys
            unused, size = 0, len(self) + sum(1 for key in new if get(key) is None)
        else:
            unused, size = len(self) - (len(used) - len(new)), len(used)
        limit = size // COMPACT_FRACTION
        if not new and unused <= limit:
            return
        if not self.main or replaced or len(self.added) + len(new) > limit or unused > limit:
            kept = {**self.main, **self.added, **used} if keep_unused else dict(used)
            write_marshal(self.path, self.header, kept)
            with contextlib.suppress(OSError):
                _additions(self.path).unlink(missing_ok=True)
            self.main, self.added = kept, {}
        else:
            self.added.update(new)
            write_marshal(_additions(self.path), self.header, self.added)


def _additions(path: Path) -> Path:
    return path.with_name(f"{path.stem}.added{path.suffix}")


def _read(path: Path, header: str) -> dict[Any, Any]:
    entries = read_marshal(path, header)
    return entries if isinstance(entries, dict) else {}


_keeping_warm = threading.Event()


def keeping_warm() -> bool:
    return _keeping_warm.is_set()


VALUES: dict[tuple[Path, str], tuple[tuple[int, int, int], Any]] = {}
"""Files' values (cache files decoded, the lock's entries) by file and kind, with the file's identity,
size and time, kept while ``watch`` runs (keep_warm): a file unchanged since the last build is not
read and decoded again; one the build wrote is kept as written."""
MEMORY: dict[str, dict[Any, Any]] = {}
"""Other results kept between the builds of a watch (the last build's cards, the package's fields),
by what keeps them: cleared with the files' values when the watch ends."""


def warm_value(path: Path, kind: str, read: Callable[[Path], T]) -> T:
    """``read(path)``, or while caches are kept warm the value the file had when it was last read or
    written, when it is unchanged since (each caller gets its own copy of the outer mapping: a
    store adds to what it read, and the kept value stays as read)."""
    if not _keeping_warm.is_set():
        return read(path)
    identity = _identity(path)
    found = VALUES.get((path, kind))
    if identity is not None and found is not None and found[0] == identity:
        return copy.copy(found[1])  # type: ignore[no-any-return]
    value = read(path)
    if identity is not None:
        VALUES[(path, kind)] = (identity, copy.copy(value))
    return value


def remember_value(path: Path, kind: str, value: Any) -> None:
    """After writing ``path``: what reading it would give, for the next warm_value of it."""
    identity = _identity(path) if _keeping_warm.is_set() else None
    if identity is not None:
        VALUES[(path, kind)] = (identity, value)


def warm_memory(name: str) -> dict[Any, Any]:
    """The mapping ``name`` keeps between the builds of a watch (empty when the watch began)."""
    return MEMORY.setdefault(name, {})


def by_object(
    name: str, compute: Callable[[K], T], key: Callable[[K], object] | None = None
) -> Callable[[K], T]:
    """``compute``, or while watch keeps its state warm, ``compute`` remembered for the very objects
    (not equal ones) it was given in the last build: the cards and lock entries a save left as they
    were are the same objects from one build to the next, and cost a lookup. With ``key``, remembered
    by the object ``key`` gives of each (what the value depends on alone; None: not remembered).
    Each call begins a build's memory under ``name``; what the build did not ask for is forgotten."""
    if not _keeping_warm.is_set():
        return compute
    last = MEMORY.get(name, {})
    kept: dict[int, tuple[object, T]] = {}
    MEMORY[name] = kept

    def remembered(item: K) -> T:
        held = item if key is None else key(item)
        if held is None:
            return compute(item)
        # Each object is kept with its value, so that its id is not another's while it is here.
        found = last.get(id(held))
        if found is None or found[0] is not held:
            found = (held, compute(item))
        kept[id(held)] = found
        return found[1]

    return remembered


def by_value(name: str, compute: Callable[[K], T]) -> Callable[[K], T]:
    """``compute``, or while watch keeps its state warm, ``compute`` remembered for the values (equal,
    not only the same objects) it was given in the last build: a heading's traits, of the headings a
    save left alone. Each call begins a build's memory under ``name``, as by_object's."""
    if not _keeping_warm.is_set():
        return compute
    last = MEMORY.get(name, {})
    kept: dict[Any, T] = {}
    MEMORY[name] = kept

    def remembered(item: K) -> T:
        found = kept.get(item)
        if found is None:
            found = last.get(item)
            if found is None:
                found = compute(item)
            kept[item] = found
        return found

    return remembered


FEWEST_UNCHANGED = 8
"""by_position patches a result when at most 1/FEWEST_UNCHANGED of its items changed."""


def by_position(
    name: str,
    items: Sequence[K],
    compute: Callable[[Sequence[K]], R],
    patch: Callable[[R, Sequence[K], list[int]], R | None],
    *,
    any_share: bool = False,
) -> R:
    """``compute(items)``; or while watch keeps its state warm, when the last build under ``name``
    gave as many items and the same objects at all but a few places (a save changes a card or two
    and leaves the others, and their lock entries, the very same objects): ``patch(last result,
    items, the changed places)``, which may still give None to have it computed. The patch is asked
    even when no item changed: the result may depend on more than the items; with ``any_share``,
    however many changed (a patch that does little for most of the changed items)."""
    if not _keeping_warm.is_set():
        return compute(items)
    memory = warm_memory("by position")
    last = memory.get(name)
    result = None
    if last is not None and len(last[0]) == len(items):
        # Compared in C: a lookup per item would cost as much as what is remembered.
        changed = list(itertools.compress(itertools.count(), map(operator.is_not, last[0], items)))
        if any_share or len(changed) <= len(items) // FEWEST_UNCHANGED:
            result = patch(last[1], items, changed)
    if result is None:
        result = compute(items)
    memory[name] = (tuple(items), result)
    return result


def by_card_text(card: Card) -> object:
    """What a card's images and fragments depend on, as one object: its content hash, the same
    object from one build to the next while its row in the parse cache is (a card moved to other
    lines is another object with the same hash object). None for a hand-made card, which has none."""
    return card.content or None


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def keep_warm(on: bool = True) -> None:
    """Keep files' values and other results in memory from now on (watch), or no longer."""
    if on:
        _keeping_warm.set()
    else:
        _keeping_warm.clear()
        VALUES.clear()
        MEMORY.clear()


def read_marshal(path: Path, header: str) -> Any:
    """The value written under ``header``; None when missing, damaged, written under another header,
    or not sealed with this user's key (a flipped bit, or a cache file made elsewhere)."""
    return warm_value(path, f"marshal {header}", functools.partial(_read_marshal, header=header))


def _read_marshal(path: Path, header: str) -> Any:
    expected = _preamble(header)
    raw = regular_file_bytes(path, LARGEST_CACHE)
    if raw is None:
        return None
    data = memoryview(raw)
    start = len(expected) + SEAL_BYTES
    if data[: len(expected)] != expected:
        return None
    payload = data[start:]
    # hashlib lets go of the interpreter for large buffers: the seal is checked on the other core
    # while this one decodes (checking it first added a tenth to reading a large cache).
    checked: list[bool] = []
    checker = threading.Thread(target=lambda: checked.append(_sealed(data, header, start)))
    checker.start()
    try:
        value = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        value = None
    checker.join()
    return value if checked == [True] else None


LARGEST_CACHE = 4 << 30
"""Bytes a cache file may have: far more than 100,000 cards take, and less than what a device
posing as a cache file would have read into memory."""


def regular_file_bytes(path: Path, largest: int) -> bytes | None:
    """The file's bytes; None when it cannot be read, or is no regular file of at most ``largest``
    bytes (a FIFO or a device a cache's name was linked to: opened without waiting, never read)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode) or status.st_size > largest:
                return None
            return stream.read(status.st_size)
        except OSError:
            return None


def write_marshal(path: Path, header: str, value: Any) -> None:
    """Write ``value`` under ``header``, sealed (atomically; a cache that cannot be written is skipped).
    While watch keeps its state warm, the next read_marshal of the file gives the value as written,
    without reading the file again."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        payload = marshal.dumps(value)
        temporary.write_bytes(_preamble(header) + _seal(header, payload) + payload)
        os.replace(temporary, path)
    except (OSError, ValueError):
        temporary.unlink(missing_ok=True)
        return
    remember_value(path, f"marshal {header}", copy.copy(value))  # the writer may change its own later


SEAL_BYTES = 16


def _preamble(header: str) -> bytes:
    """What a cache file starts with: its header, then the seal and the marshalled value."""
    encoded = header.encode("utf-8")
    return b"deckbuilder-cache\n" + len(encoded).to_bytes(4, "little") + encoded


def _sealed(data: memoryview, header: str, start: int) -> bool:
    return hmac.compare_digest(bytes(data[start - SEAL_BYTES : start]), _seal(header, data[start:]))


def _seal(header: str, payload: bytes | memoryview) -> bytes:
    """A keyed hash of a cache file's content. Cached HTML goes into outputs without being sanitized
    again, so only what this user's deckbuilder wrote is read back: not a file damaged on disk, nor
    one that came from elsewhere (a shared folder, an archive of someone's deck)."""
    digest = hashlib.blake2b(payload, key=cache_key(), digest_size=SEAL_BYTES)
    digest.update(header.encode("utf-8"))
    return digest.digest()


@functools.cache
def cache_key() -> bytes:
    """This user's key for sealing caches, kept in ``$XDG_CACHE_HOME/deckbuilder/cache-key`` (made
    on first use); a key of this process alone when that cannot be read or written, so that caches
    are then never trusted across runs rather than trusted unsealed."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "deckbuilder"
    key_file = folder / "cache-key"
    try:
        return _stored_key(key_file) or _new_key(key_file)
    except OSError:
        return secrets.token_bytes(KEY_BYTES)


def _stored_key(key_file: Path) -> bytes | None:
    if not key_file.exists():
        return None
    key = regular_file_bytes(key_file, KEY_BYTES)
    return key if key is not None and len(key) == KEY_BYTES else None


def _new_key(key_file: Path) -> bytes:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = key_file.with_name(f".{key_file.name}.{os.getpid()}")
    temporary.write_bytes(secrets.token_bytes(KEY_BYTES))
    temporary.chmod(0o600)
    try:
        os.link(temporary, key_file)  # never replaces a key another process made meanwhile
    except FileExistsError:
        if _stored_key(key_file) is None:  # a damaged key: replaced, its caches are then misses
            os.replace(temporary, key_file)
    finally:
        temporary.unlink(missing_ok=True)
    key = _stored_key(key_file)
    if key is None:
        raise OSError(f"{key_file}: no key")
    return key


KEY_BYTES = 32
