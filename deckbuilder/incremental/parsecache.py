"""What parsing a source produced last time: its tokenized pieces and the cards built from drafts.

Kept in ``.deckbuilder-cache/parse-<file>.bin`` beside the sources (safe to delete) by builds, and
read back by the next build so that only edited pieces are tokenized and only edited cards built.
Stored with ``marshal`` through MarshalStore (several times faster than JSON for a 100,000-card
deck, and a save after an edit appends only what is new), under the header of keys.cache_header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deckbuilder.incremental.keys import cache_header
from deckbuilder.incremental.memo import Memo
from deckbuilder.incremental.relayout import LayoutRecord
from deckbuilder.incremental.store import MarshalStore, read_marshal, warm_value, write_marshal
from deckbuilder.read.blocks import BlockSpan

PIECE, CARD = "p", "c"
"""Key prefixes of the two kinds of entry in the one store."""

CardRow = tuple[Any, ...]
"""A built card as plain values (see parse.card_row), with the problems found building it."""


@dataclass
class ParseCache:
    """Tokenized pieces by the hash of their text; built cards by the hash of their draft."""

    path: Path | None = None
    header: str = ""
    pieces: dict[str, list[BlockSpan]] = field(default_factory=dict)
    cards: dict[str, CardRow] = field(default_factory=dict)
    store: MarshalStore | None = None
    layout: LayoutRecord | None = None
    """The previous build's layout of the file (see relayout.py)."""
    next_layout: LayoutRecord | None = None
    """This build's layout, to save."""
    piece_memo: Memo[str, list[BlockSpan]] = field(init=False)
    card_memo: Memo[str, CardRow] = field(init=False)

    def __post_init__(self) -> None:
        self.header = self.header or cache_header("parse")
        self.piece_memo = Memo(self.pieces.get)
        self.card_memo = Memo(self.cards.get)

    @classmethod
    def load(cls, path: Path, libraries: Mapping[str, str] | None = None) -> ParseCache:
        header = cache_header("parse", libraries)
        store = MarshalStore.load(path, header)
        stored = read_marshal(_layout_path(path), header)
        layout = (
            LayoutRecord(*stored)
            if isinstance(stored, tuple) and len(stored) == len(LayoutRecord._fields)
            else None
        )
        # The main file changes only when the store is rewritten: while watching, its entries are
        # split by kind once, not on every save (what was added since is split each time).
        main_pieces, main_cards = warm_value(path, f"split {header}", lambda _: _split(store.main))
        pieces, cards = dict(main_pieces), dict(main_cards)
        added_pieces, added_cards = _split(store.added)
        pieces.update(added_pieces)
        cards.update(added_cards)
        return cls(path, header, pieces, cards, store=store, layout=layout)

    def save(self) -> None:
        """Keep what this parse used (dropping, now and then, what no longer exists)."""
        if self.path is None:
            return
        store = self.store or MarshalStore(self.path, self.header, {}, {})
        used: dict[tuple[str, str], Any] = {
            (PIECE, key): value for key, value in self.piece_memo.used.items()
        }
        used.update(((CARD, key), value) for key, value in self.card_memo.used.items())
        store.save(used)
        if self.next_layout is not None:
            write_marshal(_layout_path(self.path), self.header, tuple(self.next_layout))
        else:
            _layout_path(self.path).unlink(missing_ok=True)


def _split(entries: Mapping[tuple[str, str], Any]) -> tuple[dict[str, list[BlockSpan]], dict[str, CardRow]]:
    """A store's entries as its pieces and its cards, by key."""
    pieces: dict[str, list[BlockSpan]] = {}
    cards: dict[str, CardRow] = {}
    for (kind, key), value in entries.items():
        (pieces if kind == PIECE else cards)[key] = value
    return pieces, cards


def _layout_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.layout{path.suffix}")
