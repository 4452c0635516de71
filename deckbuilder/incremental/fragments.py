"""Rendering card HTML ahead of the renderers: from a disk cache, and on all cores for the rest.

Each source keeps its rendered fragments in ``.deckbuilder-cache/fragments-<file>.bin`` beside it
(safe to delete), a MarshalStore to which a build appends only the fragments it rendered, under the
header of keys.cache_header (the versions of deckbuilder and of every library that shapes the HTML,
and a hash of the rendering code), so a cached fragment is never stale. (An SQLite table took 2.7 s
to write and 1.3 s to read for a 100,000-card deck; this takes a tenth.)

The fragments the Anki outputs ask for are rendered ahead, on all cores; every other fragment the
renderers use (print's MathML and cloze faces) is found in the file or rendered once, and kept too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import FragmentKey, MarkupOptions, fragment_key, plain_text, render_key
from deckbuilder.incremental.cachefiles import open_store
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.keys import cache_header
from deckbuilder.incremental.memo import Memo
from deckbuilder.incremental.store import MarshalStore, by_card_text, by_object, keeping_warm, warm_memory
from deckbuilder.model import Card, Deck

AHEAD_OPTIONS = MarkupOptions(math="mathjax")
"""The options the Anki outputs use; for cards without math or clozes every output's key is the same."""
StoredKey = tuple[str, str, str, "int | None"]
"""A FragmentKey without its image mapping, which cached fragments never have."""


@dataclass(slots=True)
class DeckFragments:
    """One deck's fragments table, and the cache file it was filled from and is kept in."""

    fragments: Fragments
    store: MarshalStore | None = None
    """Where the table is saved; None when it is not (no caches, or only read)."""
    rendered_ahead: int = 0
    """How many fragments were rendered ahead, not found in the store."""
    partial: bool = False
    """Whether the table holds only what the cards new to this build use (watch): the store's
    other entries are then kept, not dropped as unused."""

    def save(self) -> None:
        """Keep every fragment without images that the build used, for the next build. When every
        fragment came from the store there is nothing new to keep (entries no longer used are
        dropped by a later save), and a rebuild that changed nothing writes nothing."""
        if self.store is None or self.rendered_ahead + self.fragments.rendered == 0:
            return
        table = self.fragments.table
        used = {_stored(key): html for key, html in table.items() if key[2] is None}
        self.store.save(used, keep_unused=self.partial)


def wanted_keys(deck: Deck) -> list[FragmentKey]:
    """The fragments the Anki outputs will ask for, where images play no part (their names vary)."""
    keys: dict[FragmentKey, None] = {}
    of_card = by_object(f"fragment keys {deck.source}", _card_keys, by_card_text)  # while watching
    for card in deck.cards:
        for key in of_card(card):
            keys[key] = None
    return list(keys)


def _card_keys(card: Card) -> tuple[FragmentKey, ...]:
    keys = (fragment_key(card.question, AHEAD_OPTIONS), fragment_key(card.answer, AHEAD_OPTIONS))
    return tuple(key for key in keys if key[0] and key[2] is None)


def prerender(decks: Sequence[Deck], caching: Caching) -> list[DeckFragments]:
    """Each deck's fragments table: filled from its cache file, the rest rendered on all cores."""
    return [_prerendered(deck, caching) for deck in decks]


def _prerendered(deck: Deck, caching: Caching) -> DeckFragments:
    store = open_store(deck.source, "fragments", caching)
    stored = _lookup(store) if store is not None else None
    memo: Memo[FragmentKey, str] = Memo(stored)
    new = _new_cards(deck) if store is not None and caching.writes else None
    keys = wanted_keys(deck if new is None else replace(deck, cards=new))
    ahead: list[int] = []

    def render(missing: list[int]) -> list[str]:
        ahead.append(len(missing))
        # Plain text is rendered here at once: sending it to a worker costs more than rendering it.
        hard = [index for index in missing if not plain_text(keys[index][0])]
        rendered = caching.map("fragments", render_key, [keys[index] for index in hard])
        caching.computed["fragments"] += len(missing) - len(hard)
        done = dict(zip(hard, rendered, strict=True))
        return [done[index] if index in done else render_key(keys[index]) for index in missing]

    memo.values(keys, render)
    saved = store if caching.writes else None
    return DeckFragments(Fragments(memo.used, stored), saved, sum(ahead), partial=new is not None)


def _new_cards(deck: Deck) -> tuple[Card, ...] | None:
    """While watch keeps its state warm: the deck's cards whose text its last build did not have
    (store.by_card_text). The others' fragments were in the table that build saved: they are found
    in the store when a renderer asks for them, and the apkg's fields of those cards are kept
    (render.options.FieldRows), so they need no lookup ahead. None when nothing is kept warm."""
    if not keeping_warm():
        return None
    memory = warm_memory("prerendered")
    last: dict[int, object] = memory.get(deck.source, {})
    texts = [by_card_text(card) for card in deck.cards]
    memory[deck.source] = {id(text): text for text in texts if text is not None}
    return tuple(
        card
        for card, text in zip(deck.cards, texts, strict=True)
        if text is None or last.get(id(text)) is not text
    )


def _lookup(store: MarshalStore) -> Callable[[FragmentKey], str | None]:
    def stored(key: FragmentKey) -> str | None:
        found = store.get(_stored(key)) if key[2] is None else None
        return found if isinstance(found, str) else None

    return stored


def _stored(key: FragmentKey) -> StoredKey:
    markdown, math, _, cloze, number = key
    return (markdown, math, cloze, number)


def read_fragment_file(path: Path, caching: Caching | None = None) -> dict[StoredKey, str]:
    """The fragments kept in a cache file (that this code and these library versions would use)."""
    store = MarshalStore.load(path, cache_header("fragments", (caching or Caching()).libraries))
    return {**store.main, **store.added}


def fragment_files(folders: Iterable[Path]) -> list[Path]:
    """The fragment caches in these source folders."""
    return [path for folder in folders for path in sorted(folder.glob(".deckbuilder-cache/fragments-*.bin"))]
