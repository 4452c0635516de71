"""Turning drafts found in the markdown into Cards: question parts, answers, kinds and tags."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from typing import Any

from deckbuilder.errors import Diagnostic, Severity
from deckbuilder.fingerprint import content_hash, derive_guid, guid_key, normalise_question
from deckbuilder.incremental.parsecache import CardRow, ParseCache
from deckbuilder.incremental.workers import map_on_cores
from deckbuilder.markdown.deletions import number_gaps, scan
from deckbuilder.model import Card, DeckSettings, Section, SourceLocation
from deckbuilder.read.answers import assemble_answer
from deckbuilder.read.questions import QuestionParts, split_question
from deckbuilder.read.shapes import Draft
from deckbuilder.read.tags import TagRules, merge_tags, section_tag


class CardBuilder:
    """Turns drafts into Cards, collecting the problems it finds."""

    def __init__(self, shown: str, deck_id: int, settings: DeckSettings) -> None:
        self.shown = shown
        self.deck_id = deck_id
        self.settings = settings
        self.rules = TagRules.compile(settings.tag_rules)
        self.diagnostics: list[Diagnostic] = []

    def error(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(SourceLocation(self.shown, line), Severity.ERROR, message))

    def namespace(self) -> str:
        return card_namespace(self.deck_id, self.settings)

    def keys_for(self, drafts: Sequence[Draft], known: Sequence[str | None] | None = None) -> list[str]:
        """Each draft's key in the card cache (``known`` gives some already, None where not)."""
        namespace = self.namespace()
        if known is None:
            return [_draft_key(namespace, draft) for draft in drafts]
        return [key or _draft_key(namespace, draft) for draft, key in zip(drafts, known, strict=True)]

    def build_all(
        self,
        drafts: Sequence[Draft],
        cache: ParseCache | None = None,
        workers: int = 1,
        keys: Sequence[str] | None = None,
    ) -> list[Card]:
        """Every draft's card: from ``cache`` when an identical draft was built before, and the rest
        on ``workers`` processes when there are many. ``keys`` are the drafts' keys when known."""
        if cache is None and workers <= 1:
            return [card for draft in drafts if (card := self.build(draft)) is not None]
        if keys is None:
            keys = self.keys_for(drafts)
        known = cache.cards if cache is not None else {}
        rows: list[CardRow | None] = [known.get(key) for key in keys]
        missing = [index for index, row in enumerate(rows) if row is None]
        for index, fresh in zip(missing, self._fresh_rows(drafts, missing, workers), strict=True):
            rows[index] = fresh
        if cache is not None:
            cache.used_cards.update(zip(keys, rows, strict=True))  # type: ignore[arg-type]
        cards = []
        for draft, built in zip(drafts, rows, strict=True):
            assert built is not None
            row, problems = built
            location = SourceLocation(self.shown, draft.line)
            if problems:
                self.diagnostics.extend(Diagnostic(location, Severity(kind), text) for kind, text in problems)
            if row is not None:
                cards.append(_card_from_row(row, location))
        return cards

    def _fresh_rows(self, drafts: Sequence[Draft], indices: list[int], workers: int) -> list[CardRow]:
        global _FORKED
        # Forked workers inherit the builder and the drafts: only indices and rows cross processes.
        _FORKED = (self, drafts)
        try:
            return map_on_cores(_build_row, indices, workers, PARALLEL_MINIMUM_DRAFTS, DRAFTS_PER_TASK)
        finally:
            _FORKED = None

    def _row(self, draft: Draft) -> CardRow:
        """The card of a draft as plain values, with the problems found building it."""
        before = len(self.diagnostics)
        card = self.build(draft)
        problems = tuple((d.severity.value, d.message) for d in self.diagnostics[before:])
        del self.diagnostics[before:]
        return (_card_row(card) if card is not None else None, problems)

    def build(self, draft: Draft) -> Card | None:
        parts = split_question(draft.question)
        if draft.missing_answer:
            self.error(
                draft.line,
                f"question '{_short(parts.text)}' has no answer; write 'A: ...' right after it",
            )
            return None
        if not parts.text:
            self.error(
                draft.line,
                "card heading has no question text; write the question after the '#' marks",
            )
            return None
        answer = assemble_answer(draft.pieces)
        kind = self._kind(draft.line, parts, answer.markdown)
        if kind is None:
            return None
        if not answer.markdown and kind != "cloze":
            self.error(
                draft.line,
                f"card '{_short(parts.text)}' has no answer; add text below it or delete the heading",
            )
            return None
        reverse = kind == "basic" and ("reverse" in parts.classes or self.settings.reverse)
        rule_tags = self.rules.tags_for(f"{parts.text}\n{answer.markdown}")
        tags = merge_tags(
            self.settings.tags,
            [tag for tag in [section_tag(draft.section)] if tag],
            parts.tags,
            answer.tags,
            rule_tags,
        )
        note_kind = "cloze" if kind == "cloze" else "reverse" if reverse else "basic"
        return Card(
            guid=derive_guid(self.deck_id, guid_key(parts.explicit_id, parts.text)),
            number=parts.number,
            question=parts.text,
            answer=answer.markdown,
            sections=answer.sections,
            tags=tags,
            source=SourceLocation(self.shown, draft.line),
            explicit_id=parts.explicit_id,
            classes=parts.classes,
            section=draft.section,
            kind=kind,
            reverse=reverse,
            fingerprint=normalise_question(parts.text),
            content=content_hash(parts.text, answer.markdown, tags, parts.classes, note_kind),
        )

    def _kind(self, line: int, parts: QuestionParts, answer: str) -> str | None:
        """``cloze`` or ``basic``, reporting cloze mistakes; None when the card cannot be built."""
        chosen = "cloze" if "cloze" in parts.classes else "basic" if "basic" in parts.classes else None
        chosen = chosen or self.settings.card_type
        in_question, question_problems = scan(parts.text)
        in_answer, answer_problems = scan(answer)
        for problem in (*question_problems, *answer_problems):
            self.error(line, problem)
        automatic = bool(in_answer) or (bool(in_question) and not answer)
        kind = chosen or ("cloze" if automatic else "basic")
        if kind == "basic" and (in_question or in_answer):
            self.error(line, "cloze deletions in a card that is not a cloze note; mark the heading {.cloze} "
                       "or put the deletions in the text under the heading")  # fmt: skip
            return None
        if kind == "cloze":
            numbers = in_answer if answer else in_question
            if not numbers:
                self.error(line, "a cloze card needs deletions like {{c1::hidden text}}")
                return None
            gaps = number_gaps(numbers)
            if gaps:
                missing = ", ".join(f"c{n}" for n in gaps)
                self.warn(line, f"cloze numbers skip {missing}; number deletions c1, c2, … without gaps")
        return None if question_problems or answer_problems else kind

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(SourceLocation(self.shown, line), Severity.WARNING, message))


def identity_clashes(cards: Sequence[Card]) -> list[Diagnostic]:
    """Two cards with one question or one id would share a GUID, so each clash is an error."""
    problems: list[Diagnostic] = []
    by_id: dict[str, Card] = {}
    by_question: dict[str, Card] = {}
    for card in cards:
        if card.explicit_id is not None:
            first = by_id.setdefault(card.explicit_id, card)
            if first is not card:
                problems.append(
                    Diagnostic(
                        card.source,
                        Severity.ERROR,
                        f"duplicate id '{card.explicit_id}', also used at line {first.source.line}; "
                        "give each card its own id",
                    )
                )
            continue
        key = card.fingerprint or normalise_question(card.question)
        first = by_question.setdefault(key, card)
        if first is not card:
            problems.append(
                Diagnostic(
                    card.source,
                    Severity.ERROR,
                    f"duplicate question, same as line {first.source.line}; merge the two cards, "
                    "reword one, or give one an id like '{#my-id}' at the end of its heading",
                )
            )
    return problems


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


PARALLEL_MINIMUM_DRAFTS = 2000
"""Fewer new drafts than this build faster in one process than a pool costs to start."""
DRAFTS_PER_TASK = 500
_FORKED: tuple[CardBuilder, Sequence[Draft]] | None = None


def _build_row(index: int) -> CardRow:
    assert _FORKED is not None
    builder, drafts = _FORKED
    return builder._row(drafts[index])


CARD_FIELDS = tuple(name for name in Card.__dataclass_fields__ if name != "source")


def card_namespace(deck_id: int, settings: DeckSettings) -> str:
    """Everything besides the draft that a built card depends on (its line aside)."""
    from deckbuilder._version import __version__

    return "\x1f".join([__version__, str(deck_id), repr(settings), " ".join(CARD_FIELDS)])


def _draft_key(namespace: str, draft: Draft) -> str:
    # repr, not a join: () and ("",) must differ
    parts = [namespace, draft.question, repr(draft.section), str(draft.missing_answer),
             str(draft.open_details)]  # fmt: skip
    for block in draft.pieces:
        parts.extend((block.kind, str(block.level), block.text))
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _card_row(card: Card) -> tuple[Any, ...]:
    """A card's fields but its source location, as plain values."""
    values = {name: getattr(card, name) for name in CARD_FIELDS}
    values["sections"] = tuple((section.label, section.text) for section in card.sections)
    return tuple(values[name] for name in CARD_FIELDS)


_SECTIONS_AT = CARD_FIELDS.index("sections")
_SOURCE_AT = tuple(Card.__dataclass_fields__).index("source")


def _card_from_row(row: tuple[Any, ...], source: SourceLocation) -> Card:
    values = list(row)
    values[_SECTIONS_AT] = tuple(itertools.starmap(Section, values[_SECTIONS_AT]))
    values.insert(_SOURCE_AT, source)
    return Card(*values)
