"""Matching cards to the lock file so that GUIDs survive renumbering, reordering and rewording."""

from __future__ import annotations

import difflib
import heapq
import itertools
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TypeGuard

from deckbuilder.fingerprint import content_hash, derive_guid, normalise_question
from deckbuilder.identity.lockfile import LockEntry
from deckbuilder.model import Card, Deck

SIMILARITY_THRESHOLD = 0.8
"""The least similarity (difflib ratio of normalised questions) that counts as a reworded question.
tests/test_identity.py shows typo fixes and one-word changes score above it and the seed deck's
distinct questions all score below it; so do rewordings in scripts without spaces (kana to kanji
0.86, one character of a Chinese sentence 0.89 and 0.83, a Japanese ending 0.83)."""
CANDIDATES_PER_CARD = 8
"""How many leftover lock entries, ranked by shared words, one card is compared with at most."""
COMMON_WORD_POSTINGS = 256
"""A word in more leftover entries than this is too common to find candidates by."""


SAMPLE_CHARACTERS = 256
"""Questions longer than twice this are compared by their first and last so many characters: the
similarity takes time in the square of the length (a 60 KB heading took half a minute)."""


UNSPACED_FROM = 0x0E00
"""Thai and every script after it that matters here (Khmer, Japanese kana, Chinese, Korean hanja)
is written without spaces between words: from this code point on, a 'word' may be a sentence."""


def _features(question: str) -> set[str]:
    """What finds a reworded question's candidates: its words and, in scripts written without
    spaces, the pairs of characters in them (よろしくおねがいします and よろしくお願いします share no
    word, but most of their pairs)."""
    words = set(question.split())
    features = set(words)
    for word in words:
        if len(word) > 2 and any(ord(character) >= UNSPACED_FROM for character in word):
            features.update(word[index : index + 2] for index in range(len(word) - 1))
    return features


def _sample(question: str) -> str:
    if len(question) <= 2 * SAMPLE_CHARACTERS:
        return question
    return question[:SAMPLE_CHARACTERS] + question[-SAMPLE_CHARACTERS:]


class Change(str, Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class CardMatch:
    """How one card was matched to the lock, for summaries and ``diff``."""

    card: Card
    change: Change
    content: str
    """The card's content hash."""
    previous: LockEntry | None = None
    similarity: float | None = None
    """Set when the card was matched by a reworded question."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The deck with GUIDs and change times from the lock, and the lock entries to write back."""

    deck: Deck
    matches: tuple[CardMatch, ...]
    entries: tuple[LockEntry, ...]
    removed: tuple[LockEntry, ...]
    """Entries whose card left the markdown in this build."""
    comparisons: int = 0
    """How many fuzzy similarity computations matching took (bounded; tested)."""

    def count(self, change: Change) -> int:
        return sum(1 for match in self.matches if match.change is change)


@dataclass(slots=True)
class _Matcher:
    entries: Sequence[LockEntry]
    used: set[int] = field(default_factory=set)
    comparisons: int = 0

    def by_id(self, cards: Sequence[Card], found: dict[int, tuple[int, float | None]]) -> None:
        index = {e.explicit_id: i for i, e in enumerate(self.entries) if e.explicit_id}
        for position, card in enumerate(cards):
            entry_index = index.get(card.explicit_id) if card.explicit_id else None
            if entry_index is not None and entry_index not in self.used:
                self._take(found, position, entry_index, None)

    def by_question(self, questions: Sequence[str], found: dict[int, tuple[int, float | None]]) -> None:
        # Each question's first unused entry, and the others in a queue: nearly every question has one.
        first: dict[str, int] = {}
        others: dict[str, list[int]] = defaultdict(list)
        entries = self.entries
        # Live entries first, so a card re-added after removal does not steal a live card's GUID.
        live = [i for i in range(len(entries)) if entries[i].removed is None]
        removed = [i for i in range(len(entries)) if entries[i].removed is not None]
        for i in live + removed:
            if i not in self.used:
                question = entries[i].question
                if question in first:
                    others[question].append(i)
                else:
                    first[question] = i
        for position, question in enumerate(questions):
            if position in found or question not in first:
                continue
            entry_index = first[question]
            waiting = others.get(question)
            if waiting:
                first[question] = waiting.pop(0)
            else:
                del first[question]
            self._take(found, position, entry_index, None)

    def by_similarity(self, questions: Sequence[str], found: dict[int, tuple[int, float | None]]) -> None:
        leftovers = [i for i in range(len(self.entries)) if i not in self.used]
        if not leftovers or len(found) == len(questions):
            return  # nothing left to match on one side: a first build, or no card is new
        postings: dict[str, list[int]] = defaultdict(list)
        for i in leftovers:
            for feature in _features(self.entries[i].question):
                postings[feature].append(i)
        pairs: list[tuple[float, int, int]] = []
        for position, question in enumerate(questions):
            if position in found:
                continue
            for entry_index in self._candidates(question, postings):
                self.comparisons += 1
                other = _sample(self.entries[entry_index].question)
                matcher = difflib.SequenceMatcher(None, _sample(question), other, autojunk=False)
                # The quick ratios are upper bounds of ratio() and far cheaper to compute.
                if matcher.real_quick_ratio() < SIMILARITY_THRESHOLD:
                    continue
                if matcher.quick_ratio() < SIMILARITY_THRESHOLD:
                    continue
                score = matcher.ratio()
                if score >= SIMILARITY_THRESHOLD:
                    pairs.append((-score, position, entry_index))
        for negative_score, position, entry_index in sorted(pairs):
            if position not in found and entry_index not in self.used:
                self._take(found, position, entry_index, -negative_score)

    @staticmethod
    def _candidates(question: str, postings: dict[str, list[int]]) -> list[int]:
        shared: Counter[int] = Counter()
        for feature in _features(question):
            posting = postings.get(feature, [])
            if len(posting) <= COMMON_WORD_POSTINGS:
                shared.update(posting)
        best = heapq.nlargest(CANDIDATES_PER_CARD, shared.items(), key=lambda item: (item[1], -item[0]))
        if not best:
            return []
        # A candidate sharing under half the words the best one shares cannot beat it for similarity
        # often enough to be worth a comparison.
        floor = best[0][1] / 2
        return [entry_index for entry_index, count in best if count >= floor]

    def _take(
        self,
        found: dict[int, tuple[int, float | None]],
        position: int,
        entry_index: int,
        score: float | None,
    ) -> None:
        found[position] = (entry_index, score)
        self.used.add(entry_index)


Identify = Callable[[Card, str, int], Card]
"""A card with its GUID and change time (Card.identified, or one that gives the card it gave last)."""
Settled = Callable[[Card], "tuple[LockEntry, CardMatch | None] | None"]
"""For a card the last build resolved (that card, or one of the same text on other lines): the lock
entry that build wrote for it, and, for that very card object, its match when it matched that same
entry (unchanged then, and so again now), else None for the match."""


def resolve(
    deck: Deck,
    entries: Sequence[LockEntry],
    now: int,
    identify: Identify | None = None,
    settled: Settled | None = None,
) -> Resolution:
    """Give each card its GUID and last-changed time from the lock, and the lock's new entries.

    Matching order: an explicit id, the exact normalised question, a similar question (each entry used
    once, best similarity first), and only then a new GUID derived from the deck and the question.
    ``identify`` makes the identified cards (Card.identified when None). ``settled`` tells what the
    last build made of each card it saw (watch keeps it): those cards are matched at once (_seeded).
    """
    identify = identify or Card.identified
    cards = deck.cards
    matcher = _Matcher(entries)
    found: dict[int, tuple[int, float | None]] = {}
    questions = [card.fingerprint or normalise_question(card.question) for card in cards]
    deck_name = followed_deck(deck)
    seeded = _seeded(cards, questions, entries, settled, deck_name, matcher, found) if settled else {}
    matcher.by_id(cards, found)
    matcher.by_question(questions, found)
    matcher.by_similarity(questions, found)
    taken = {entry.guid for entry in entries}
    matches: list[CardMatch] = []
    new_entries: list[LockEntry] = []
    for position, card in enumerate(cards):
        reused = seeded.get(position)
        if reused is not None and reused.previous is not None:
            matches.append(reused)
            new_entries.append(reused.previous)
            continue
        at = found.get(position)
        previous = (entries[at[0]], at[1]) if at is not None else None
        match, entry = _card_matched(card, questions[position], previous, (deck.deck_id, deck_name), now,
                                     identify, taken)  # fmt: skip
        matches.append(match)
        new_entries.append(entry)
    leftovers = [entry for i, entry in enumerate(entries) if i not in matcher.used]
    kept = tuple(entry if entry.removed is not None else replace(entry, removed=now) for entry in leftovers)
    return Resolution(
        deck=replace(deck, cards=tuple(match.card for match in matches)),
        matches=tuple(matches),
        entries=(*new_entries, *kept),
        removed=tuple(entry for entry in leftovers if entry.removed is None),
        comparisons=matcher.comparisons,
    )


@dataclass(frozen=True, slots=True)
class Resolved:
    """A resolution, with what the next one may be made from (resolve_again) once it is known."""

    resolution: Resolution
    known: tuple[dict[str, int], frozenset[int]] | None = None
    """Each card's normalised question and its place, and the places of the cards whose match will
    not hold as it is in the next build (new or changed in this one, or matched by a reworded
    question); None until resolve_again works them out."""


def resolve_again(
    last: Resolved,
    deck: Deck,
    entries: Sequence[LockEntry],
    now: int,
    changed: Sequence[int],
    identify: Identify | None = None,
) -> Resolved | None:
    """resolve's answer, made from the last build's for a deck whose cards are the very same objects
    as then but at the ``changed`` places (watch), and whose lock holds the entries that build wrote;
    None when that is not so, or when a card or entry could be matched otherwise than by its own
    question (an explicit id anywhere, or two cards asking the same question).

    Then each card elsewhere matches the entry written for it by its question, as in resolve (no
    other card or live entry holds that question), and only the cards at the changed places, and
    those whose last match will not hold, go through the matching steps, with the entries no other
    card takes, in the order resolve gives them."""
    resolution = last.resolution
    cards = deck.cards
    if len(cards) != len(resolution.matches) or deck.deck_id != resolution.deck.deck_id:
        return None
    deck_name = followed_deck(deck)
    if deck_name != followed_deck(resolution.deck):
        return None
    index_of = dict(zip(map(id, entries), itertools.count()))
    if len(index_of) != len(resolution.entries) or index_of.keys() != set(map(id, resolution.entries)):
        return None  # not the lock the last build wrote (another file's cards moved in, say)
    known = last.known or _known(resolution)
    if known is None:
        return None
    questions, unsettled_before = known
    identify = identify or Card.identified
    matches = list(resolution.matches)
    edited = []
    for place in changed:
        card, match = cards[place], matches[place]
        if place in unsettled_before or not _moved(card, match.card, match.content):
            edited.append(place)
            continue
        # The same text on other lines (an edit above it added or took lines): its match holds, with
        # the card where it is now.
        entry = resolution.entries[place]
        moved = identify(card, entry.guid, entry.changed)
        matches[place] = CardMatch(moved, Change.UNCHANGED, match.content, entry)
    places = sorted({*edited, *unsettled_before})
    asked = {place: cards[place].fingerprint or normalise_question(cards[place].question) for place in places}
    questions = dict(questions)
    for place in places:
        if questions.get(resolution.entries[place].question) == place:
            del questions[resolution.entries[place].question]
    for place, question in asked.items():
        if cards[place].explicit_id or question in questions:
            return None
        questions[question] = place
    # The entries no settled card takes, as resolve's matcher sees them: in the lock's order.
    free = sorted(
        [index_of[id(resolution.entries[place])] for place in places]
        + [index_of[id(entry)] for entry in resolution.entries[len(cards) :]]
    )
    matcher = _Matcher([entries[index] for index in free])
    found: dict[int, tuple[int, float | None]] = {}
    matcher.by_question(list(asked.values()), found)
    matcher.by_similarity(list(asked.values()), found)
    new_entries = list(resolution.entries[: len(cards)])
    taken = set(map(operator.attrgetter("guid"), entries)) if len(found) < len(places) else set()
    unsettled: set[int] = set()
    for number, (place, question) in enumerate(asked.items()):
        at = found.get(number)
        previous = (matcher.entries[at[0]], at[1]) if at is not None else None
        match, entry = _card_matched(cards[place], question, previous, (deck.deck_id, deck_name), now,
                                     identify, taken)  # fmt: skip
        matches[place], new_entries[place] = match, entry
        if not _holds(match, entry):
            unsettled.add(place)
    leftovers = [matcher.entries[index] for index in range(len(free)) if index not in matcher.used]
    kept = tuple(entry if entry.removed is not None else replace(entry, removed=now) for entry in leftovers)
    again = Resolution(
        deck=replace(deck, cards=tuple(match.card for match in matches)),
        matches=tuple(matches),
        entries=(*new_entries, *kept),
        removed=tuple(entry for entry in leftovers if entry.removed is None),
        comparisons=matcher.comparisons,
    )
    return Resolved(again, (questions, frozenset(unsettled)))


def _moved(card: Card, last: Card, content: str) -> bool:
    """Whether the card is the last build's card at its place but for its lines: the same content
    hash (its question, answer, tags and kind), explicit id and fingerprint."""
    return (
        bool(card.content)
        and card.content == content
        and card.explicit_id == last.explicit_id
        and card.fingerprint == last.fingerprint
    )


def _holds(match: CardMatch, entry: LockEntry) -> bool:
    """Whether the match will be the card's match in the next build, if the card is the same: it
    matched, unchanged and by its question, the entry written for it."""
    return match.change is Change.UNCHANGED and match.previous is entry and match.similarity is None


def _known(resolution: Resolution) -> tuple[dict[str, int], frozenset[int]] | None:
    """Resolved.known of a resolution, when resolve_again may build on it: no two cards ask one
    question, none has an explicit id, and the entries after the cards' are all removed ones."""
    count = len(resolution.matches)
    questions = {entry.question: place for place, entry in enumerate(resolution.entries[:count])}
    if len(questions) < count or any(match.card.explicit_id for match in resolution.matches):
        return None
    if any(entry.removed is None for entry in resolution.entries[count:]):
        return None
    pairs = zip(resolution.matches, resolution.entries, strict=False)
    return questions, frozenset(
        place for place, (match, entry) in enumerate(pairs) if not _holds(match, entry)
    )


def _card_matched(
    card: Card,
    question: str,
    previous: tuple[LockEntry, float | None] | None,
    deck: tuple[int, str],
    now: int,
    identify: Identify,
    taken: set[str],
) -> tuple[CardMatch, LockEntry]:
    """A card's match to the entry the matching steps found for it (with its similarity score), or
    a new GUID when they found none; and the entry to write for it. ``deck``: the deck's id, and its
    name when the lock keeps it (followed_deck)."""
    deck_id, deck_name = deck
    content = card.content or _content_hash(card)
    if previous is not None:
        match = _matched(card, previous[0], content, previous[1], now, identify)
    else:
        guid = _fresh_guid(deck_id, card, question, taken)
        taken.add(guid)
        match = CardMatch(identify(card, guid, now), Change.NEW, content)
    if match.change is Change.UNCHANGED and _same_entry(match.previous, match.card, question, deck_name):
        return match, match.previous  # the same entry as before; building a new one costs more
    return match, entry_for(match.card, question, content, deck_name)


def _seeded(
    cards: Sequence[Card],
    questions: Sequence[str],
    entries: Sequence[LockEntry],
    settled: Settled,
    deck_name: str,
    matcher: _Matcher,
    found: dict[int, tuple[int, float | None]],
) -> dict[int, CardMatch | None]:
    """Match each card the last build resolved to the entry that build wrote for it, as the steps
    below would: when no two cards ask the same question and no two live entries hold the same one,
    a card without an explicit id finds its own entry by its question (no card's id can take an
    entry without one, and no other card has that question). The rest go through the steps as
    ever, with these entries used. Each card's last match, when it holds again, is given back."""
    if len(set(questions)) < len(questions):
        return {}
    live = [entry.question for entry in entries if entry.removed is None]
    if len(set(live)) < len(live):
        return {}
    index_of = {id(entry): index for index, entry in enumerate(entries)}
    seeded: dict[int, CardMatch | None] = {}
    for position, card in enumerate(cards):
        last = settled(card) if not card.explicit_id else None
        if last is None:
            continue
        entry, match = last
        index = index_of.get(id(entry))
        if index is None or entries[index] is not entry or entry.removed is not None:
            continue
        if entry.question != questions[position] or entry.explicit_id or entry.deck != deck_name:
            continue
        found[position] = (index, None)
        matcher.used.add(index)
        holds = match is not None and match.previous is entry and match.change is Change.UNCHANGED
        seeded[position] = match if match is not None and holds and match.similarity is None else None
    return seeded


def adopted(resolution: Resolution, notes: Mapping[str, tuple[str, int]]) -> Resolution:
    """The resolution with some new cards found to be notes Anki already has (the lock that held
    them lost): ``notes`` maps such a card's GUID to its note's GUID and mod time, which the card
    takes, unchanged since, as if the lock had held it all along."""
    if not notes:
        return resolution
    matches = list(resolution.matches)
    entries = list(resolution.entries)  # a card's entry is at its match's position
    for position, match in enumerate(matches):
        found = notes.get(match.card.guid) if match.change is Change.NEW else None
        if found is None:
            continue
        card = match.card.identified(*found)
        question = card.fingerprint or normalise_question(card.question)
        entry = entry_for(card, question, match.content, followed_deck(resolution.deck))
        matches[position] = CardMatch(card, Change.UNCHANGED, match.content, entry)
        entries[position] = entry
    return replace(
        resolution,
        deck=replace(resolution.deck, cards=tuple(match.card for match in matches)),
        matches=tuple(matches),
        entries=tuple(entries),
    )


def _content_hash(card: Card) -> str:
    """For a hand-made card; parsed cards carry their hash."""
    return content_hash(card.question, card.answer, card.tags, card.classes, card.note_kind, card.note_type)


def _matched(
    card: Card, entry: LockEntry, content: str, score: float | None, now: int, identify: Identify
) -> CardMatch:
    if entry.content == content:
        return CardMatch(identify(card, entry.guid, entry.changed), Change.UNCHANGED, content, entry, score)
    # Anki updates a note on re-import only when its mod time is strictly newer than the one it has.
    changed_at = max(now, entry.changed + 1)
    return CardMatch(identify(card, entry.guid, changed_at), Change.CHANGED, content, entry, score)


def _fresh_guid(deck_id: int, card: Card, question: str, taken: set[str]) -> str:
    key = f"id:{card.explicit_id}" if card.explicit_id else f"q:{question}"
    # The parser derived the card's GUID from this same key; deriving is dear at 100,000 cards.
    guid = card.guid or derive_guid(deck_id, key)
    salt = 1
    while guid in taken:
        salt += 1
        guid = derive_guid(deck_id, f"{key}#{salt}")
    return guid


def _same_entry(entry: LockEntry | None, card: Card, question: str, deck: str) -> TypeGuard[LockEntry]:
    return (
        entry is not None
        and entry.removed is None
        and entry.question == question
        and entry.explicit_id == card.explicit_id
        and entry.note_kind == card.note_kind
        and entry.note_type == card.note_type
        and entry.deck == deck
    )


def followed_deck(deck: Deck) -> str:
    """The deck's Anki name when its decks follow folders (the lock then keeps it), else empty."""
    return deck.anki_deck if deck.settings.folder_deck is not None else ""


def entry_for(card: Card, question: str, content: str, deck: str = "") -> LockEntry:
    """The lock entry of an identified card: its GUID and change time, its normalised question and
    its content hash (and, for decks that follow folders, its Anki deck)."""
    return LockEntry(
        guid=card.guid,
        question=question,
        content=content,
        changed=card.changed_at,
        explicit_id=card.explicit_id,
        note_kind=card.note_kind,
        note_type=card.note_type,
        deck=deck,
    )
