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
import marshal
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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

    def save(self, used: Mapping[Any, Any]) -> None:
        """Keep ``used`` (a build's entries): append the new ones, or rewrite the main file without
        the unused ones when enough has changed."""
        new = {key: value for key, value in used.items() if self.get(key) is None}
        unused = len(self) - (len(used) - len(new))
        limit = len(used) // COMPACT_FRACTION
        if not new and unused <= limit:
            return
        if not self.main or len(self.added) + len(new) > limit or unused > limit:
            write_marshal(self.path, self.header, dict(used))
            with contextlib.suppress(OSError):
                _additions(self.path).unlink(missing_ok=True)
            self.main, self.added = dict(used), {}
        else:
            self.added.update(new)
            write_marshal(_additions(self.path), self.header, self.added)


def _additions(path: Path) -> Path:
    return path.with_name(f"{path.stem}.added{path.suffix}")


def _read(path: Path, header: str) -> dict[Any, Any]:
    entries = read_marshal(path, header)
    return entries if isinstance(entries, dict) else {}


def read_marshal(path: Path, header: str) -> Any:
    """The value written under ``header``; None when missing, damaged or written under another."""
    try:
        # One read, then loads: marshal.load on a file reads object by object, ten times slower.
        written_header, value = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return value if written_header == header else None


def write_marshal(path: Path, header: str, value: Any) -> None:
    """Write ``value`` under ``header`` (atomically; a cache that cannot be written is skipped)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(marshal.dumps((header, value)))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
