"""Rendering card HTML ahead of the renderers: from a disk cache, and on all cores for the rest.

The disk cache lives in ``.deckbuilder-cache/`` beside the sources (safe to delete). Its keys hold
the markdown, the rendering options and the versions of deckbuilder and of every library that
shapes the HTML, so a cached fragment is never stale.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from deckbuilder.cache import open_database, select_in
from deckbuilder.markup import FragmentKey, MarkupOptions, fragment_key, prime, render_fragment
from deckbuilder.model import Deck
from deckbuilder.project import worker_count

PARALLEL_MINIMUM = 1500
"""Fewer fragments than this render faster in one process than the pool costs to start."""
CHUNK = 250
FRAGMENTS_FILE = "fragments.sqlite3"
SCHEMA = "create table if not exists fragments (key text primary key, html text)"
BASE_OPTIONS = MarkupOptions(math="mathjax")
"""The options the Anki outputs use; for cards without math or clozes every output's key is the same."""


@cache
def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from deckbuilder._version import __version__
    from deckbuilder.markup import MARKUP_VERSION

    parts = [f"deckbuilder={__version__}", f"markup={MARKUP_VERSION}"]
    for name in ("mistune", "pygments", "nh3", "latex2mathml"):
        try:
            parts.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name}=?")
    return ";".join(parts)


def _digest(key: FragmentKey) -> str:
    markdown, math, _, cloze, number = key
    text = "\x1f".join([_versions(), markdown, math, cloze, str(number)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def wanted_keys(decks: Iterable[Deck]) -> list[FragmentKey]:
    """The fragments the renderers will ask for, where images play no part (their names vary)."""
    keys: dict[FragmentKey, None] = {}
    for deck in decks:
        for card in deck.cards:
            for markdown in (card.question, card.answer):
                key = fragment_key(markdown, BASE_OPTIONS)
                if markdown and key[2] is None:
                    keys[key] = None
    return list(keys)


def prerender(decks: Sequence[Deck], folders: Iterable[Path], workers: int | None = None) -> None:
    """Fill this process's fragment cache: cached fragments from disk, the rest rendered on all cores."""
    keys = wanted_keys(decks)
    if not keys:
        return
    folder = next(iter(folders), None)
    digests = {key: _digest(key) for key in keys}
    found = _read(folder, list(digests.values())) if folder is not None else {}
    rendered = {key: found[digest] for key, digest in digests.items() if digest in found}
    missing = [key for key in keys if key not in rendered]
    fresh = _render(missing, workers or worker_count())
    rendered.update(fresh)
    prime(rendered)
    if folder is not None and fresh:
        _write(folder, [(digests[key], html) for key, html in fresh.items()])


def _render(keys: list[FragmentKey], workers: int) -> dict[FragmentKey, str]:
    if workers <= 1 or len(keys) < PARALLEL_MINIMUM:
        return {key: render_fragment(key) for key in keys}
    import multiprocessing

    # Fork, so that workers start with every module loaded; renderings are pure functions of keys.
    context = multiprocessing.get_context("fork")
    chunks = [keys[start : start + CHUNK] for start in range(0, len(keys), CHUNK)]
    with context.Pool(workers) as pool:
        results = pool.map(_render_chunk, chunks)
    return {
        key: html
        for chunk, htmls in zip(chunks, results, strict=True)
        for key, html in zip(chunk, htmls, strict=True)
    }


def _render_chunk(keys: list[FragmentKey]) -> list[str]:
    return [render_fragment(key) for key in keys]


def _read(folder: Path, digests: list[str]) -> dict[str, str]:
    connection = open_database(folder, FRAGMENTS_FILE, SCHEMA, create=False)
    if connection is None:
        return {}
    found: dict[str, str] = {}
    with contextlib.closing(connection), contextlib.suppress(sqlite3.Error):
        found.update(select_in(connection, "select key, html from fragments where key in ({})", digests))
    return found


def _write(folder: Path, rows: list[tuple[str, str]]) -> None:
    connection = open_database(folder, FRAGMENTS_FILE, SCHEMA, create=True)
    if connection is None:
        return
    with contextlib.closing(connection), contextlib.suppress(sqlite3.Error), connection:
        connection.executemany("insert or ignore into fragments values (?, ?)", rows)
