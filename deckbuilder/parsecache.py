"""What parsing a source produced last time: its tokenized pieces and the cards built from drafts.

Kept in ``.deckbuilder-cache/parse-<file>.bin`` beside the sources (safe to delete) by builds, and
read back by the next build so that only edited pieces are tokenized and only edited cards built.
Stored with ``marshal`` through MarshalStore (several times faster than JSON for a 100,000-card
deck, and a save after an edit appends only what is new).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckbuilder.marshalstore import MarshalStore

if TYPE_CHECKING:
    from deckbuilder.blocks import BlockSpan

FORMAT = f"deckbuilder-parse-cache-5;python-{sys.version_info[0]}.{sys.version_info[1]}"
PIECE, CARD = "p", "c"
"""Key prefixes of the two kinds of entry in the one store."""

CardRow = tuple[Any, ...]
"""A built card as plain values (see cards.card_row), with the problems found building it."""


@dataclass
class ParseCache:
    """Tokenized pieces by the hash of their text; built cards by the hash of their draft."""

    path: Path | None = None
    pieces: dict[str, list[BlockSpan]] = field(default_factory=dict)
    cards: dict[str, CardRow] = field(default_factory=dict)
    used_pieces: dict[str, list[BlockSpan]] = field(default_factory=dict)
    used_cards: dict[str, CardRow] = field(default_factory=dict)
    store: MarshalStore | None = None

    @classmethod
    def load(cls, path: Path) -> ParseCache:
        store = MarshalStore.load(path, FORMAT)
        pieces: dict[str, list[BlockSpan]] = {}
        cards: dict[str, CardRow] = {}
        for entries in (store.main, store.added):
            for (kind, key), value in entries.items():
                (pieces if kind == PIECE else cards)[key] = value
        return cls(path, pieces, cards, store=store)

    def save(self) -> None:
        """Keep what this parse used (dropping, now and then, what no longer exists)."""
        if self.path is None:
            return
        store = self.store or MarshalStore(self.path, FORMAT, {}, {})
        used: dict[tuple[str, str], Any] = {(PIECE, key): value for key, value in self.used_pieces.items()}
        used.update(((CARD, key), value) for key, value in self.used_cards.items())
        store.save(used)
