"""Rendering card HTML ahead of the renderers: from a disk cache, and on all cores for the rest.

Each source keeps its rendered fragments in ``.deckbuilder-cache/fragments-<file>.bin`` beside it
(safe to delete), a MarshalStore to which a build appends only the fragments it rendered. The file
records the versions of deckbuilder and of every library that shapes the HTML; a file written under
other versions is ignored, so a cached fragment is never stale. (An SQLite table took 2.7 s to
write and 1.3 s to read for a 100,000-card deck; this takes a tenth.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path

from deckbuilder.html.markup import FragmentKey, MarkupOptions, fragment_key, prime, render_fragment
from deckbuilder.incremental.cachefiles import CacheUse, cache_file, each_of
from deckbuilder.incremental.store import MarshalStore
from deckbuilder.incremental.workers import map_on_cores, worker_count
from deckbuilder.model import Deck

PARALLEL_MINIMUM = 1500
"""Fewer fragments than this render faster in one process than the pool costs to start."""
CHUNK = 250
BASE_OPTIONS = MarkupOptions(math="mathjax")
"""The options the Anki outputs use; for cards without math or clozes every output's key is the same."""
StoredKey = tuple[str, str, str, "int | None"]
"""A FragmentKey without its image mapping, which cached fragments never have."""


@cache
def versions() -> str:
    """What the HTML of a fragment depends on besides its key."""
    from importlib.metadata import PackageNotFoundError, version

    from deckbuilder._version import MARKUP_VERSION, __version__

    parts = [f"deckbuilder={__version__}", f"markup={MARKUP_VERSION}"]
    for name in ("mistune", "pygments", "nh3", "latex2mathml"):
        try:
            parts.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name}=?")
    return ";".join(parts)


def wanted_keys(deck: Deck) -> list[FragmentKey]:
    """The fragments the renderers will ask for, where images play no part (their names vary)."""
    keys: dict[FragmentKey, None] = {}
    for card in deck.cards:
        for markdown in (card.question, card.answer):
            key = fragment_key(markdown, BASE_OPTIONS)
            if markdown and key[2] is None:
                keys[key] = None
    return list(keys)


def prerender(
    decks: Sequence[Deck], workers: int | None = None, caches: CacheUse = "write"
) -> Callable[[], None]:
    """Fill this process's fragment cache: from each deck's file on disk, the rest rendered on all
    cores. Returns what writes them back for the next build (with ``"write"``), to call when
    convenient; with ``"read"`` it writes nothing, ever."""
    saves: list[Callable[[], None]] = []
    for deck in decks:
        keys = wanted_keys(deck)
        path = cache_file(deck.source, "fragments", caches)
        store = MarshalStore.load(path, versions()) if path is not None else None
        rendered: dict[FragmentKey, str] = {}
        missing = []
        for key in keys:
            html = store.get(_stored(key)) if store is not None else None
            if html is None:
                missing.append(key)
            else:
                rendered[key] = html
        rendered.update(_render(missing, workers or worker_count()))
        prime(rendered)
        if store is not None and caches == "write":
            saves.append(functools.partial(_save, store, rendered))
    return each_of(saves)


def _save(store: MarshalStore, rendered: dict[FragmentKey, str]) -> None:
    # Called by the build's background child: the keys are converted there, not in the parent.
    store.save({_stored(key): html for key, html in rendered.items()})


def _stored(key: FragmentKey) -> StoredKey:
    markdown, math, _, cloze, number = key
    return (markdown, math, cloze, number)


def _render(keys: list[FragmentKey], workers: int) -> dict[FragmentKey, str]:
    htmls = map_on_cores(render_fragment, keys, workers, PARALLEL_MINIMUM, CHUNK)
    return dict(zip(keys, htmls, strict=True))


def _read(path: Path) -> dict[StoredKey, str]:
    """The fragments kept in a cache file."""
    store = MarshalStore.load(path, versions())
    return {**store.main, **store.added}


def fragment_files(folders: Iterable[Path]) -> list[Path]:
    """The fragment caches in these source folders (for tests and cleaning up)."""
    return [path for folder in folders for path in sorted(folder.glob(".deckbuilder-cache/fragments-*.bin"))]
