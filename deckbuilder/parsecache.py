"""What parsing a source produced last time: its tokenized pieces and the cards built from drafts.

Kept in ``.deckbuilder-cache/parse-<file>.bin`` beside the sources (safe to delete) by builds, and
read back by the next build so that only edited pieces are tokenized and only edited cards built.
The file is written with ``marshal`` (several times faster than JSON for a 100,000-card deck) and
holds only what this process wrote itself; a file from another Python or format version, or a
damaged one, reads as empty.
"""

from __future__ import annotations

import marshal
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deckbuilder.blocks import BlockSpan

FORMAT = f"deckbuilder-parse-cache-3;python-{sys.version_info[0]}.{sys.version_info[1]}"

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

    @classmethod
    def load(cls, path: Path) -> ParseCache:
        try:
            # One read, then loads: marshal.load on a file reads object by object, ten times slower.
            data = marshal.loads(path.read_bytes())
            if data[0] != FORMAT:
                raise ValueError(data[0])
            pieces, cards = dict(data[1]), dict(data[2])
        except (OSError, EOFError, ValueError, TypeError, IndexError, KeyError):
            pieces, cards = {}, {}
        return cls(path, pieces, cards)

    def save(self) -> None:
        """Keep what this parse used (dropping what no longer exists), atomically."""
        if self.path is None or (self.used_pieces.keys() == self.pieces.keys()
                                 and self.used_cards.keys() == self.cards.keys()):  # fmt: skip
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(marshal.dumps((FORMAT, self.used_pieces, self.used_cards)))
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)
