"""Print plans ahead of check and the printed formats: from a disk cache, the rest on all cores.

Each deck's plans are kept in ``.deckbuilder-cache/plans-<file>.bin`` beside it, keyed by card
content, face and print options, under the header of keys.cache_header (which hashes the planning
code and the HTML it measures). Laying out 100,000 cards took about ten seconds; a rebuild after a
few edits plans only the edited cards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from deckbuilder.html.fragments import Fragments
from deckbuilder.incremental.cachefiles import open_store
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.memo import Memo
from deckbuilder.incremental.store import MarshalStore
from deckbuilder.model import Deck
from deckbuilder.render.geometry import PrintOptions
from deckbuilder.render.printplan import CardPlan, Face, Sizes, deck_faces, face_sizes, plans_of

SIZES_LENGTH = 5
"""The values of a Sizes tuple."""
PlanKey = tuple[str, str, "int | None", str, int, "str | None", str]
"""A face's plan in the plan cache: the card's content hash, the face, and the print options."""


@dataclass(slots=True)
class DeckPlans:
    """One deck's print plans, and the memo that saves them for the next build."""

    plans: list[CardPlan]
    memo: Memo[PlanKey, Sizes]
    store: MarshalStore | None = None

    def save(self) -> None:
        if self.store is not None:
            self.store.save(self.memo.used)


def preplan(
    decks: Sequence[Deck], options: PrintOptions, fragments: Sequence[Fragments], caching: Caching
) -> list[DeckPlans]:
    """Every printed card's plan, for each deck (with its fragments table), in deck order."""
    return [_planned(deck, options, table, caching) for deck, table in zip(decks, fragments, strict=True)]


def _planned(deck: Deck, options: PrintOptions, fragments: Fragments, caching: Caching) -> DeckPlans:
    every_face = deck_faces(deck)
    store = open_store(deck.source, "plans", caching)
    memo: Memo[PlanKey, Sizes] = Memo(_lookup(store) if store is not None else None)
    keys = [_key(face, options) for face in every_face]

    def plan(missing: list[int]) -> list[Sizes]:
        # Forked workers inherit the faces: only indices and sizes cross between processes.
        return caching.map("plans", lambda index: face_sizes(every_face[index], options, fragments), missing)

    sizes = memo.values(keys, plan)
    return DeckPlans(plans_of(every_face, sizes), memo, store if caching.writes else None)


def _lookup(store: MarshalStore) -> Callable[[PlanKey], Sizes | None]:
    def stored(key: PlanKey) -> Sizes | None:
        found = store.get(key)
        return found if isinstance(found, tuple) and len(found) == SIZES_LENGTH else None

    return stored


def _key(face: Face, options: PrintOptions) -> PlanKey | None:
    content = face.card.content  # empty on hand-made cards, which are not cached
    if not content:
        return None
    return (content, face.label, face.cloze_number, options.paper, options.cards_per_page, options.card_size,
            options.duplex)  # fmt: skip
