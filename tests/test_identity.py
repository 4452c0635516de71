"""Card identity across edits: which GUIDs are kept, which are new, and which change times move."""

from __future__ import annotations

import difflib
import itertools
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder import read
from deckbuilder.fingerprint import content_hash, normalise_question
from deckbuilder.identity.lockfile import LockEntry, format_lock, read_lock
from deckbuilder.identity.resolve import SIMILARITY_THRESHOLD, Change, Resolution, adopted, resolve
from deckbuilder.model import Card, Deck, SourceLocation

from .conftest import FIXTURES_DIR, SEED

T0, T1 = 1_700_000_000, 1_700_000_500


def deck_text(cards: list[tuple[str, str]]) -> str:
    body = "".join(f"## {i}. {q}\n\n{a}\n\n" for i, (q, a) in enumerate(cards, 1))
    return f"# Deck\n\n{body}"


def build(text: str, entries=(), now: int = T0) -> Resolution:  # type: ignore[no-untyped-def]
    return resolve(read.parse(text, Path("deck.md")).deck, entries, now)


BASE = [
    ("What is the capital of France?", "Paris."),
    ("What is the boiling point of water at sea level?", "100 degrees Celsius."),
    ("Who wrote the Origin of Species?", "Charles Darwin."),
    ("What does DNA stand for?", "Deoxyribonucleic acid."),
    ("Which planet is closest to the sun?", "Mercury."),
]


def guids(resolution: Resolution) -> dict[str, str]:
    return {normalise_question(c.question): c.guid for c in resolution.deck.cards}


def test_renumbering_and_reordering_keep_every_guid() -> None:
    first = build(deck_text(BASE))
    shuffled = list(reversed(BASE))
    second = build(deck_text(shuffled), first.entries, T1)
    assert guids(second) == guids(first)
    assert second.count(Change.UNCHANGED) == 5
    assert {c.changed_at for c in second.deck.cards} == {T0}


def test_swapping_two_cards_keeps_both_guids() -> None:
    first = build(deck_text(BASE))
    swapped = [BASE[1], BASE[0], *BASE[2:]]
    second = build(deck_text(swapped), first.entries, T1)
    assert guids(second) == guids(first)


def test_editing_an_answer_keeps_the_guid_and_moves_only_its_time() -> None:
    first = build(deck_text(BASE))
    edited = [*BASE[:2], (BASE[2][0], "Charles Darwin, in 1859."), *BASE[3:]]
    second = build(deck_text(edited), first.entries, T1)
    assert guids(second) == guids(first)
    times = [c.changed_at for c in second.deck.cards]
    assert times == [T0, T0, T1, T0, T0]
    assert [m.change for m in second.matches].count(Change.CHANGED) == 1


def test_changed_time_is_strictly_newer_even_when_the_clock_is_not() -> None:
    first = build(deck_text(BASE), now=T1)
    edited = [(BASE[0][0], "Paris, on the Seine."), *BASE[1:]]
    second = build(deck_text(edited), first.entries, now=T0)  # clock went backwards
    assert second.deck.cards[0].changed_at == T1 + 1


def test_typo_fix_in_a_question_keeps_the_guid() -> None:
    typo = [("What is the capitl of France?", "Paris."), *BASE[1:]]
    first = build(deck_text(typo))
    second = build(deck_text(BASE), first.entries, T1)
    assert second.deck.cards[0].guid == first.deck.cards[0].guid
    match = second.matches[0]
    assert match.change is Change.CHANGED and match.similarity is not None
    assert second.deck.cards[0].changed_at == T1


def test_one_changed_word_keeps_the_guid() -> None:
    first = build(deck_text(BASE))
    reworded = [*BASE[:4], ("Which planet is nearest to the sun?", "Mercury."), *BASE[5:]]
    second = build(deck_text(reworded), first.entries, T1)
    assert second.deck.cards[4].guid == first.deck.cards[4].guid


def test_delete_one_and_add_one() -> None:
    first = build(deck_text(BASE))
    changed = [*BASE[:3], *BASE[4:], ("What is the speed of light?", "About 300,000 km/s.")]
    second = build(deck_text(changed), first.entries, T1)
    before, after = guids(first), guids(second)
    new_question = normalise_question("What is the speed of light?")
    assert after[new_question] not in before.values()
    assert {q: g for q, g in after.items() if q != new_question} == {
        q: g for q, g in before.items() if q != normalise_question(BASE[3][0])
    }
    assert [e.guid for e in second.removed] == [before[normalise_question(BASE[3][0])]]
    assert second.count(Change.NEW) == 1
    assert second.deck.cards[-1].changed_at == T1


def test_a_card_added_back_gets_its_old_guid() -> None:
    first = build(deck_text(BASE))
    second = build(deck_text(BASE[1:]), first.entries, T1)
    third = build(deck_text(BASE), second.entries, T1 + 10)
    assert guids(third) == guids(first)


def test_explicit_id_wins_over_a_rewritten_question() -> None:
    first = build("## Old wording entirely {#k}\n\nA.\n")
    second = build("## Something else altogether {#k}\n\nA.\n", first.entries, T1)
    assert second.deck.cards[0].guid == first.deck.cards[0].guid


def test_new_guids_are_deterministic_without_a_lock() -> None:
    assert guids(build(deck_text(BASE))) == guids(build(deck_text(BASE), now=T1))


def test_lock_file_round_trip(tmp_path: Path) -> None:
    first = build(deck_text(BASE))
    path = tmp_path / "deckbuilder.lock"
    path.write_text(format_lock({"deck.md": first.entries}), encoding="utf-8")
    entries = read_lock(path)["deck.md"]
    assert sorted(entries, key=lambda e: e.guid) == sorted(first.entries, key=lambda e: e.guid)
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == len(BASE) + 8  # one line per card, eight for the frame
    assert format_lock({"deck.md": tuple(reversed(entries))}) == text  # sorted, so order-free


SIMILAR = [
    ("What is the capitl of France?", "What is the capital of France?"),
    ("What problems of RNNs do transformer models solve?", "What problems of RNNs do transformers solve?"),
    ("How does self-attention work?", "How does self attention work?"),
    ("Why is multi-head attention needed?", "Why is multi-head attention useful?"),
]


@pytest.mark.parametrize(("old", "new"), SIMILAR)
def test_small_rewordings_pass_the_threshold(old: str, new: str) -> None:
    ratio = difflib.SequenceMatcher(None, normalise_question(old), normalise_question(new)).ratio()
    assert ratio >= SIMILARITY_THRESHOLD


def test_distinct_seed_questions_stay_below_the_threshold() -> None:
    questions = [normalise_question(c.question) for c in read.parse(SEED.read_text(), SEED).deck.cards]
    worst = max(difflib.SequenceMatcher(None, a, b).ratio() for a, b in itertools.combinations(questions, 2))
    assert worst < SIMILARITY_THRESHOLD


def synthetic_deck(questions: list[str]) -> Deck:
    """A deck built directly, without parsing, so that the test measures matching only."""
    cards = tuple(
        Card(
            guid="",
            number=None,
            question=q,
            answer="a",
            sections=(),
            tags=(),
            source=SourceLocation("d.md", i),
        )
        for i, q in enumerate(questions, 1)
    )
    return Deck("D", "D", 1 << 30, "", "", cards, Path("d.md"))


def test_fuzzy_matching_is_bounded_on_a_large_deck() -> None:
    rng = random.Random(7)
    words = [f"w{n}" for n in range(3000)]
    questions = [" ".join(rng.choices(words, k=10)) + "?" for _ in range(20_000)]
    first = resolve(synthetic_deck(questions), (), T0)
    edited = list(questions)
    for index in rng.sample(range(len(questions)), 1000):
        parts = edited[index].split()
        parts[3] = parts[3] + "x"
        edited[index] = " ".join(parts)
    second = resolve(synthetic_deck(edited), first.entries, T1)
    assert second.comparisons <= 1000 * 8
    kept = sum(a.guid == b.guid for a, b in zip(first.deck.cards, second.deck.cards, strict=True))
    assert kept == 20_000


def test_identified_and_placed_are_dataclasses_replace() -> None:
    from dataclasses import fields, replace

    from deckbuilder.model import Card, Section, SourceLocation

    card = Card("g", 3, "Q?", "A.", (Section("Why", "so"),), ("t",), SourceLocation("f.md", 9), "my-id",
                ("reverse",), ("Part",), "cloze", True, 5, "q", "0f", "faq", "Basic")  # fmt: skip
    assert all(getattr(card, f.name) != getattr(Card("", None, "", "", (), (), card.source), f.name)
               for f in fields(Card) if f.name != "source")  # fmt: skip
    assert card.identified("other", 77) == replace(card, guid="other", changed_at=77)
    assert card.placed(SourceLocation("f.md", 12)) == replace(card, source=SourceLocation("f.md", 12))


@pytest.mark.parametrize(
    "entry",
    [
        LockEntry("abc", "what is x", "0f0f", 17),
        LockEntry(
            'q"uote\\',
            "naïve “question”\t\n\u2028",
            "ff",
            1,
            explicit_id="my-id",
            removed=99,
            note_kind="cloze",
            note_type="Cloze “mine”",
        ),
    ],
)
def test_lock_lines_are_json_dumps(entry: LockEntry) -> None:
    import json

    from deckbuilder.identity.lockfile import entry_json

    item: dict[str, object] = {"guid": entry.guid, "question": entry.question, "content": entry.content,
                               "changed": entry.changed}  # fmt: skip
    if entry.explicit_id is not None:
        item["id"] = entry.explicit_id
    if entry.removed is not None:
        item["removed"] = entry.removed
    if entry.note_kind != "basic":
        item["kind"] = entry.note_kind
    if entry.note_type:
        item["type"] = entry.note_type
    assert entry_json(entry) == json.dumps(item, ensure_ascii=False)


@pytest.mark.parametrize(
    "source", [SEED, FIXTURES_DIR / "cloze.md", FIXTURES_DIR / "tricky.md"], ids=lambda p: p.stem
)
def test_parsed_cards_carry_the_fingerprint_and_hash_identity_would_compute(source: Path) -> None:
    cards = read.parse(source.read_text(), source).deck.cards
    assert cards
    for card in cards:
        assert card.fingerprint == normalise_question(card.question)
        assert card.content == content_hash(
            card.question, card.answer, card.tags, card.classes, card.note_kind
        )


REWORDINGS = {
    "japanese-kana-to-kanji": ("よろしくおねがいします", "よろしくお願いします"),
    "japanese-ending": ("日本の首都はどこですか", "日本の首都はどこでしょうか"),
    "chinese-one-character": ("我们今天去公园散步", "我们明天去公园散步"),
    "chinese-demonstrative": ("这是什么东西", "那是什么东西"),
    "latin-typo": ("What is the powerhouse of the cell?", "What is the powerhose of the cell?"),
}
OTHERS = [
    ("東京は何県にありますか", "東京都."),
    ("大阪の名物は何ですか", "たこ焼き."),
    ("What is DNA?", "A molecule."),
]


@pytest.mark.parametrize(("before", "after"), REWORDINGS.values(), ids=REWORDINGS.keys())
def test_a_reworded_question_keeps_its_guid_in_scripts_with_and_without_spaces(
    before: str, after: str
) -> None:
    first = build(deck_text([(before, "The answer."), *OTHERS]))
    second = build(deck_text([(after, "The answer."), *OTHERS]), first.entries, T1)
    assert second.deck.cards[0].guid == first.deck.cards[0].guid
    assert second.matches[0].change is Change.CHANGED
    assert not second.removed


def test_unrelated_questions_in_scripts_without_spaces_stay_apart() -> None:
    first = build(deck_text([("日本の首都はどこですか", "東京."), *OTHERS]))
    second = build(deck_text([("猫は何を食べますか", "魚."), *OTHERS]), first.entries, T1)
    assert second.deck.cards[0].guid != first.deck.cards[0].guid and len(second.removed) == 1


def test_a_new_card_adopting_a_note_takes_its_guid_and_time_unchanged() -> None:
    deck = read.parse("## One?\n\nA.\n\n## Two?\n\nB.\n", Path("d.md")).deck
    resolution = resolve(deck, [], now=1000)
    one, two = resolution.matches
    found = adopted(resolution, {one.card.guid: ("note-guid", 500)})
    assert [match.change for match in found.matches] == [Change.UNCHANGED, Change.NEW]
    assert (found.deck.cards[0].guid, found.deck.cards[0].changed_at) == ("note-guid", 500)
    assert found.entries[0].guid == "note-guid" and found.entries[0].changed == 500
    assert found.matches[0].previous == found.entries[0]
    assert found.entries[1] == resolution.entries[1] and found.deck.cards[1] == two.card


def test_a_lock_as_read_back_is_what_reading_its_written_text_gives(tmp_path: Path) -> None:
    from deckbuilder.identity.lockfile import LockEntry, as_read_back, format_lock, read_lock

    lock = {
        "b.md": (
            LockEntry("zz", "q z", "c1", 5, explicit_id="my-id", note_kind="cloze"),
            LockEntry("aa", "q a", "c2", 6, removed=9, note_type="Basic", deck="X::Y"),
        ),
        "a.md": (LockEntry("mm", "q m", "c3", 7),),
    }
    path = tmp_path / "deckbuilder.lock"
    path.write_text(format_lock(lock), encoding="utf-8")
    read = read_lock(path)
    assert read == as_read_back(lock) and list(read) == list(as_read_back(lock))


CARD_TEXTS = st.tuples(
    st.sampled_from(["What is a cat?", "What is a cap?", "What is a dog?", "Why?", "How far is it?"]),
    st.sampled_from(["A.", "B."]),
    st.sampled_from([None, None, None, "k1", "k2"]),
)


def _builds(
    data: st.DataObject, texts: st.SearchStrategy[tuple[str, str, str | None]] = CARD_TEXTS, cards: int = 6
) -> list[list[tuple[tuple[str, str, str | None], bool]]]:
    """Decks one after another, each the last with a few changes (an edited, reworded or added
    card, one taken away, one moved to other lines), so that cards live through several builds."""
    # Each question asked once at first (a deck whose resolution the next may be made from), when
    # there are enough of them; the changes may then ask one twice.
    unique = (lambda card: card[0][0]) if texts is not CARD_TEXTS else None
    deck = data.draw(st.lists(st.tuples(texts, st.just(False)), max_size=cards, unique_by=unique))
    builds = [deck]
    for _ in range(data.draw(st.integers(2, 5))):
        deck = [(text, False) for text, _ in deck]
        for _ in range(data.draw(st.integers(0, 2))):
            change = data.draw(st.sampled_from(["edit", "reword", "add", "drop", "move", "move"]))
            if change == "add" or not deck:
                deck.insert(data.draw(st.integers(0, len(deck))), (data.draw(texts), False))
                continue
            at = data.draw(st.integers(0, len(deck) - 1))
            if change == "drop":
                del deck[at]
            elif change == "reword":  # another question, maybe one another card asks
                deck[at] = ((data.draw(texts)[0], deck[at][0][1], deck[at][0][2]), False)
            elif change == "edit":
                deck[at] = (
                    (deck[at][0][0], data.draw(st.sampled_from(["A.", "B.", "C."])), deck[at][0][2]),
                    False,
                )
            else:
                deck[at] = (deck[at][0], True)
        builds.append(deck)
    return builds


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_resolving_with_the_last_builds_settled_cards_equals_resolving_afresh(data: st.DataObject) -> None:
    """watch hands resolve what its last build made of each card it sees again (by the card's text:
    the same object for an unchanged card, another on other lines for a moved one): every build's
    resolution equals the one made without it, through edits, moves, duplicates, rewordings,
    explicit ids and cards removed and added back."""
    from deckbuilder.app.load import remember_settled, settled_as_last
    from deckbuilder.incremental.store import keep_warm

    builds = _builds(data)
    source = Path("d.md")
    made: dict[tuple[str, str, str | None], Card] = {}  # one object per text, as watch reuses them
    entries: tuple[LockEntry, ...] = ()
    keep_warm()
    try:
        for number, texts in enumerate(builds):
            cards = []
            for line, (text, moved) in enumerate(texts, 1):
                if text not in made:  # its text's hash: one object from build to build, as the cache's
                    content = content_hash(text[0], text[1], (), (), "basic", "")
                    made[text] = Card("", None, text[0], text[1], (), (), SourceLocation("d.md", line),
                                      text[2], content=content)  # fmt: skip
                if moved:  # the same text on other lines: another card object, the same hash object
                    made[text] = replace(made[text], source=SourceLocation("d.md", line + 100 * number))
                cards.append(made[text])
            deck = Deck("D", "D", 1 << 30, "", "", tuple(cards), source)
            now = T0 + 100 * number
            fresh = resolve(deck, entries, now)
            settled = resolve(deck, entries, now, settled=settled_as_last(source))
            assert settled == fresh
            remember_settled(source, deck.cards, settled)
            # The lock as written and read back: the same entry objects, ordered by GUID.
            entries = tuple(sorted(settled.entries, key=lambda entry: entry.guid))
    finally:
        keep_warm(False)


MANY_CARD_TEXTS = st.tuples(
    st.one_of(
        st.builds("What is the {} of {}?".format, st.sampled_from("abcdef"), st.sampled_from(["x", "y"])),
        st.sampled_from(["Why?", "How far away is the moon?", "Name three noble gases.", "Who wrote it?"]),
    ),
    st.sampled_from(["A.", "B."]),
    st.sampled_from([None] * 12 + ["k1"]),
)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_resolving_again_from_the_last_builds_resolution_equals_resolving_afresh(data: st.DataObject) -> None:
    """watch makes a resolution from the last build's when the cards are that build's objects but
    at a few places (resolve_as_last): through edits, moves, rewordings, duplicates, explicit ids and
    cards removed and added back, every build's resolution equals the one made afresh."""
    from unittest import mock

    from deckbuilder.app.load import resolve_as_last
    from deckbuilder.incremental import store

    builds = _builds(data, MANY_CARD_TEXTS, cards=12)
    source = Path("again.md")
    made: dict[tuple[str, str, str | None], Card] = {}
    entries: tuple[LockEntry, ...] = ()
    store.keep_warm()
    try:
        # Every build may be patched, however few its cards (a deck of 20,000 is, with up to 2,500 changed).
        with mock.patch.object(store, "FEWEST_UNCHANGED", 1):
            for number, texts in enumerate(builds):
                cards = []
                for line, (text, moved) in enumerate(texts, 1):
                    if text not in made:
                        content = content_hash(text[0], text[1], (), (), "basic", "")
                        made[text] = Card("", None, text[0], text[1], (), (), SourceLocation("again.md", line),
                                          text[2], content=content)  # fmt: skip
                    if moved:
                        made[text] = replace(
                            made[text], source=SourceLocation("again.md", line + 100 * number)
                        )
                    cards.append(made[text])
                deck = Deck("D", "D", 1 << 30, "", "", tuple(cards), source)
                now = T0 + 100 * number
                again = resolve_as_last(source, deck, entries, now)
                assert again == resolve(deck, entries, now)
                # The lock as written and read back: the same entry objects, ordered by GUID.
                entries = tuple(sorted(again.entries, key=lambda entry: entry.guid))
    finally:
        store.keep_warm(False)


LOCK_EDITS = st.lists(
    st.tuples(st.sampled_from(["content", "guid", "add", "remove", "keep"]), st.integers(0, 40)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(builds=st.lists(LOCK_EDITS, min_size=1, max_size=5), size=st.integers(0, 40))
def test_lock_lines_patched_from_the_last_build_equal_the_lock_written_afresh(
    builds: list[list[tuple[str, int]]], size: int
) -> None:
    """While watch keeps its state warm, a deck's lock lines are the last build's with the changed
    entries' lines written again (store.by_position, lockfile.relined): each build's lock text is
    the text format_lock writes of its entries with nothing remembered."""
    from deckbuilder.identity.lockfile import deck_lines, relined
    from deckbuilder.incremental.store import by_position, keep_warm

    def entry(number: int, content: str = "c") -> LockEntry:
        return LockEntry(f"g{number:03d}", f"q{number}", content, 1_700_000_000 + number)

    entries = [entry(number) for number in range(size)]
    fresh_number = itertools.count(1000)

    def lines(name: str, deck: Any) -> list[str]:
        return by_position(f"test lock lines {name}", deck, deck_lines, relined).lines

    keep_warm()
    try:
        for edits in builds:
            entries = list(entries)
            for kind, at in edits:
                place = at % len(entries) if entries else 0
                if kind == "content" and entries:
                    entries[place] = replace(entries[place], content=f"c{at}")
                elif kind == "guid" and entries:
                    entries[place] = replace(entries[place], guid=f"a{next(fresh_number)}")
                elif kind == "add":
                    entries.insert(place, entry(next(fresh_number)))
                elif kind == "remove" and entries:
                    del entries[place]
            lock = {"deck.md": tuple(entries), "other.md": (entry(1), entry(0))}
            assert format_lock(lock, lines) == format_lock(lock)
    finally:
        keep_warm(False)


def _resolved_in_turn(source: Path, builds: list[tuple[Card, ...]]) -> Resolution:
    """Each deck of cards resolved in turn as watch resolves it (resolve_as_last, patching however
    few cards a deck has), each equal to a fresh resolution; the last resolution."""
    from unittest import mock

    from deckbuilder.app.load import resolve_as_last
    from deckbuilder.incremental import store

    entries: tuple[LockEntry, ...] = ()
    store.keep_warm()
    try:
        with mock.patch.object(store, "FEWEST_UNCHANGED", 1):
            for number, cards in enumerate(builds):
                deck = Deck("D", "D", 1 << 30, "", "", cards, source)
                again = resolve_as_last(source, deck, entries, T0 + number)
                assert again == resolve(deck, entries, T0 + number)
                # The lock as written and read back: the same entry objects, ordered by GUID.
                entries = tuple(sorted(again.entries, key=lambda entry: entry.guid))
    finally:
        store.keep_warm(False)
    return again


def test_a_card_resolved_again_takes_no_guid_another_card_holds() -> None:
    """A reworded card keeps its GUID, derived from its first question; a card that asks that first
    question later is new, and its GUID is derived again (salted), in a resolution made from the last
    build's (resolve_as_last) as in one made afresh."""

    def card(question: str, line: int) -> Card:
        content = content_hash(question, "A.", (), (), "basic", "")
        return Card("", None, question, "A.", (), (), SourceLocation("g.md", line), content=content)

    source = Path("g.md")
    first, other = card("What is the a of x?", 1), card("Why?", 2)
    builds = [(first, other), (card("What is the b of x?", 1), other)]
    builds.append((builds[1][0], card("What is the a of x?", 2)))
    again = _resolved_in_turn(source, builds)
    assert [match.change for match in again.matches] == [Change.UNCHANGED, Change.NEW]
    assert again.deck.cards[0].guid != again.deck.cards[1].guid


def test_a_card_given_an_explicit_id_is_matched_again_not_taken_as_moved() -> None:
    """A card that keeps its text on other lines keeps its match (resolve_as_last), but one that is
    given an explicit id as well gets an entry that holds the id, as a fresh resolution gives it."""

    def card(question: str, line: int, explicit_id: str | None = None) -> Card:
        content = content_hash(question, "A.", (), (), "basic", "")
        return Card(
            "", None, question, "A.", (), (), SourceLocation("i.md", line), explicit_id, content=content
        )

    source = Path("i.md")
    builds = [
        (card("What is one?", 1), card("What is two?", 3)),
        (card("What is one?", 2), card("What is two?", 4)),  # both moved a line down
        (card("What is one?", 2, "one"), card("What is two?", 4)),  # the first given an id
    ]
    again = _resolved_in_turn(source, builds)
    assert [entry.explicit_id for entry in again.entries] == ["one", None]
