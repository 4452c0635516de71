"""``deckbuilder watch``: rebuild when sources, their images or settings change."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from deckbuilder.errors import DeckbuilderError
from deckbuilder.identity.lockfile import LOCK_FILE_NAME
from deckbuilder.incremental.cachefiles import CACHE_DIR_NAME
from deckbuilder.incremental.collector import collect_everything
from deckbuilder.incremental.store import keep_warm
from deckbuilder.read.sources import DEFAULT_SOURCE

IGNORED_NAMES = frozenset({LOCK_FILE_NAME})
IGNORED_DIRECTORIES = frozenset({CACHE_DIR_NAME, ".git", "__pycache__"})


def watched_paths(sources: Sequence[Path]) -> list[Path]:
    """The folders to watch: each source folder (images and settings live there too)."""
    given = list(sources) or [DEFAULT_SOURCE]
    folders = {(path if path.is_dir() else path.parent).resolve() for path in given}
    return sorted(folders)


def relevant(path: Path, output: Path) -> bool:
    """A change that can alter a build: not our own lock, cache, temporary files or outputs."""
    if path.name in IGNORED_NAMES or path.name.startswith(".") or path.name.endswith(".tmp"):
        return False
    if IGNORED_DIRECTORIES & set(path.parts):
        return False
    return not path.resolve().is_relative_to(output.resolve())


WATCHER_TICK_MS = 200
"""How often the watcher yields when nothing changed; its first yield says it is running."""
QUIET_MS = 20
"""How long the files must have been left alone before a build starts (``--debounce`` bounds the
wait while changes go on). An editor writes a file in far less; watchfiles' 50 ms made every save
wait 50 to 100 ms, a tenth of a save's build at 20,000 cards. A save that still straddles it is
built twice, the second time whole. (The --debounce help and the README say 20 ms.)"""


def changed_decks(batch: Iterable[tuple[Any, str]], decks: Sequence[Path]) -> list[Path] | None:
    """The deck files a batch of changes touched, when it touched nothing else a build reads (an
    image, the settings, a note type, a file gone): only those need building again. None when
    something else changed, and every deck is built."""
    known = {path.resolve() for path in decks}
    touched = {Path(name).resolve() for _change, name in batch}
    if not touched or not touched <= known or not all(path.is_file() for path in touched):
        return None
    return [path for path in decks if path.resolve() in touched]


def watch_sources(
    sources: Sequence[Path],
    output: Path,
    rebuild: Callable[[list[Path] | None], None],
    *,
    debounce_ms: int = 300,
    announce: bool = True,
    verbose: bool = False,
    stop: threading.Event | None = None,
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    decks: Callable[[], Sequence[Path]] | None = None,
) -> None:
    """Build once, then again after every relevant change, until Ctrl-C (or ``stop`` is set);
    what it does is told through ``say``. With ``decks`` (the deck files of the sources, asked
    anew after each change), ``rebuild`` is given the deck files a change touched when it touched
    nothing else (changed_decks), else None: build them all."""
    # watchfiles logs its own line when Ctrl-C ends the watch; the command says "stopped watching".
    logging.getLogger("watchfiles").setLevel(logging.ERROR)
    folders = watched_paths(sources)
    keep_warm()  # caches unchanged between saves stay decoded in memory, until the watch ends
    try:
        _watch(folders, output, rebuild, debounce_ms, announce, verbose, stop, say, decks)
    finally:
        keep_warm(False)


def _watch(
    folders: Sequence[Path],
    output: Path,
    rebuild: Callable[[list[Path] | None], None],
    debounce_ms: int,
    announce: bool,
    verbose: bool,
    stop: threading.Event | None,
    say: Callable[[str], None],
    decks: Callable[[], Sequence[Path]] | None,
) -> None:
    import watchfiles

    def build(batch: set[tuple[Any, str]] | None) -> None:
        if decks is None or not batch:
            rebuild(None)
            return
        try:
            files = decks()
        except DeckbuilderError:
            files = []  # the sources cannot be listed now: the full build says why
        rebuild(changed_decks(batch, files))

    build(None)
    if _idle_collection_done():
        changes = watchfiles.watch(
            *folders,
            watch_filter=lambda _change, name: relevant(Path(name), output),
            debounce=debounce_ms,
            step=QUIET_MS,
            raise_interrupt=False,
            stop_event=stop,
            yield_on_timeout=True,
            rust_timeout=WATCHER_TICK_MS,
        )
        watching = False
        for batch in changes:
            if not watching:
                # Said once the watcher runs (its first tick), not before: an edit made right after
                # the line was read used to come before the watcher and go unnoticed.
                watching = True
                if announce:
                    say(f"watching {', '.join(str(f) for f in folders)} (Ctrl-C to stop)")
            if not batch:
                continue
            if verbose:
                for _change, name in sorted(batch, key=lambda item: item[1]):
                    say(f"changed: {name}")
            build(batch)
            if not _idle_collection_done():
                break
    if announce:
        say("stopped watching")


def _idle_collection_done() -> bool:
    """Collect between builds; False when Ctrl-C came meanwhile, which ends the watch as it would
    have while waiting for a change."""
    try:
        collect_everything()
    except KeyboardInterrupt:
        return False
    return True
