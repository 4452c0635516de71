"""Turning drafts found in the markdown into Cards: question parts, answers, kinds and tags."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import replace

from deckbuilder.errors import Diagnostic, Severity, shorten
from deckbuilder.fingerprint import content_hash, derive_guid, guid_key, normalise_question
from deckbuilder.markdown.cloze import MAYBE_CLOZE
from deckbuilder.markdown.deletions import number_gaps, scan
from deckbuilder.model import Card, DeckSettings, SourceLocation
from deckbuilder.read.answers import Answer, assemble_answer, joined, marked_answer, placeholder
from deckbuilder.read.blocks import Block
from deckbuilder.read.links import LinkDefinitions, with_definitions
from deckbuilder.read.questions import QUESTION_WORDS, QuestionParts, split_question
from deckbuilder.read.shapes import Draft, absorbed_questions
from deckbuilder.read.tags import TagRules, merge_tags, section_tag

Problem = tuple[str, str, int]
"""A problem as a value: severity, message, and its line below the draft's heading."""
MARKERS = ("cloze", "basic", "reverse")
"""The ``{.name}`` markers a heading may carry."""
BARE_LABEL = re.compile(
    rf"(?:q|{QUESTION_WORDS})\s*(?:n[o°º]\.?\s*|#\s*)?\d{{0,6}}[a-z]?\s*[.):\uff1a]?", re.I
)
"""A question's label and number with no question (``Question 3``, ``Q4:``, ``問1``)."""
NOT_A_CARD_YET = "so it is not a card yet"
"""Said of every question left out for want of an answer (reader.py counts them by it)."""
QUOTED = 60
"""The longest question a message quotes whole."""


class CardBuilder:
    """Turns drafts into Cards, collecting the problems it finds."""

    def __init__(
        self, shown: str, deck_id: int, settings: DeckSettings, definitions: LinkDefinitions = ()
    ) -> None:
        self.shown = shown
        self.deck_id = deck_id
        self.settings = settings
        self.definitions = definitions
        """The file's link reference definitions, which cards that refer to them carry."""
        self.rules = TagRules.compile(settings.tag_rules)
        self.diagnostics: list[Diagnostic] = []

    def error(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(SourceLocation(self.shown, line), Severity.ERROR, message))

    def build_all(self, drafts: Sequence[Draft]) -> list[Card]:
        """Every draft's card, in order; the problems found are collected in ``diagnostics``."""
        return [card for draft in drafts if (card := self.build(draft)) is not None]

    def build_with_problems(self, draft: Draft) -> tuple[Card | None, tuple[Problem, ...]]:
        """A draft's card and the problems found building it, which are not kept in
        ``diagnostics``: as values, for whoever builds drafts elsewhere or keeps them."""
        before = len(self.diagnostics)
        card = self.build(draft)
        problems = tuple(
            (d.severity.value, d.message, d.location.line - draft.line if d.location else 0)
            for d in self.diagnostics[before:]
        )
        del self.diagnostics[before:]
        return card, problems

    def add_problems(self, line: int, problems: Sequence[Problem]) -> None:
        """Problems that ``build_with_problems`` returned for the draft now at ``line``."""
        self.diagnostics.extend(
            Diagnostic(SourceLocation(self.shown, line + below), Severity(kind), text)
            for kind, text, below in problems
        )

    def build(self, draft: Draft) -> Card | None:
        """The draft's card, or None when it cannot be one (the reason is in ``diagnostics``)."""
        parts = self._question_parts(draft)
        if not self._has_question(draft, parts):
            return None
        self._check_markers(draft.line, parts.classes)
        parted = self._parted(draft, parts)
        if parted is None:
            return None
        in_question, pieces = parted
        if in_question:
            # A heading that is a label alone ('## Question 3') has its question written below it.
            label = BARE_LABEL.fullmatch(parts.text) is not None
            text = joined(in_question) if label else parts.text + "\n\n" + joined(in_question)
            parts = replace(parts, text=text.strip())
        if not parts.text and not (draft.pieces and "cloze" in parts.classes):
            self.error(draft.line, "card has no question; write it after the '#' marks or above its answer")
            return None
        while pieces and pieces[0].kind == "thematic_break":
            pieces = pieces[1:]  # a rule between a question and its answer ('## Q?' over '---')
        answer = assemble_answer(pieces)
        if self.definitions:
            answer = replace(answer, markdown=with_definitions(answer.markdown, self.definitions))
        kind = self._kind(draft, parts, answer.markdown)
        if kind is None:
            return None
        if (
            kind != "cloze"
            and not draft.shape  # a heading: a tool's card marker (#card, Q:) says it is a card
            and only_references(answer.markdown)
            and not self._marked_as_card(draft, parts)
        ):
            self.note(draft.line, (
                f"'{shorten(parts.text, QUOTED)}' is answered by a list of links alone (a reading "
                "list), so it is not a card; write the answer beside the links to make it one"))  # fmt: skip
            return None
        if kind != "cloze" and (not answer.markdown or placeholder(answer.markdown)):
            what = "has no answer" if not answer.markdown else "has only a placeholder for an answer"
            self.warn(
                draft.line,
                f"question '{shorten(parts.text, QUOTED)}' {what}, {NOT_A_CARD_YET}; "
                "write its answer below it, or delete it",
            )
            return None
        if draft.unclosed_details:
            self.warn(draft.line, (
                f"the <details> of '{shorten(parts.text, QUOTED)}' never closes before the next "
                "question's <details>, a card of its own; close it with </details>"))  # fmt: skip
        for line, text in absorbed_questions(draft):
            self.warn(
                line,
                f"'{shorten(text, QUOTED)}' looks like a question of its own but is read as part of the "
                f"answer to '{shorten(parts.text, QUOTED)}'; put a blank line (or a heading) above it if it "
                "is a card",
            )
        return self._card(draft, parts, answer, kind)

    def _question_parts(self, draft: Draft) -> QuestionParts:
        if draft.front_back:
            return QuestionParts(draft.question, None, (), None, ())
        return split_question(draft.question)

    def _parted(self, draft: Draft, parts: QuestionParts) -> tuple[Sequence[Block], Sequence[Block]] | None:
        """The blocks that belong to the question and those of the answer: when an answer marker
        follows the heading, the blocks before it are the question's; None for a topic heading with
        nothing marked as its answer, which is not a card."""
        if draft.front_back or draft.shape:
            return (), draft.pieces
        marked = marked_answer(draft.pieces)
        if marked is None:
            if draft.topic and not self._marked_as_card(draft, parts):
                self.note(draft.line, f"heading '{shorten(parts.text, QUOTED)}' names a topic and nothing "
                          "under it is marked as an answer (**Answer:**, A:, <details>), so it is not a "
                          "card; set card_level to read every heading of its level as a card")  # fmt: skip
                return None
            return (), draft.pieces
        return marked.question, marked.answer

    @staticmethod
    def _marked_as_card(draft: Draft, parts: QuestionParts) -> bool:
        """A topic heading is a card when it carries a marker or an id, or its text cloze deletions."""
        if parts.classes or parts.explicit_id:
            return True
        return any(MAYBE_CLOZE in block.text for block in draft.pieces)

    def _check_markers(self, line: int, classes: Sequence[str]) -> None:
        """A marker we do not know is most likely a misspelt one, and its card silently not what
        it was meant to be (a reversed card missing): a warning naming the likely marker."""
        known = (*MARKERS, *(marker for marker, _ in self.settings.note_types))
        for name in classes:
            if name in known:
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = (
                f"did you mean {{.{close[0]}}}?"
                if close
                else "the markers are {.cloze}, {.basic} and {.reverse}"
            )
            self.warn(line, f"unknown marker {{.{name}}} is ignored; {hint}")

    def _has_question(self, draft: Draft, parts: QuestionParts) -> bool:
        if draft.missing_answer:
            question = shorten(parts.text, QUOTED)
            self.warn(draft.line, f"question '{question}' has no answer, {NOT_A_CARD_YET}; "
                      "write 'A: ...' right after it")  # fmt: skip
            return False
        if not parts.text and "cloze" not in parts.classes and marked_answer(draft.pieces) is None:
            # A heading of markers alone is a card whose text is all below it: a cloze text, or a
            # question of several blocks above its answer marker (what import writes for those).
            self.error(
                draft.line, "card heading has no question text; write the question after the '#' marks"
            )
            return False
        return True

    def _card(self, draft: Draft, parts: QuestionParts, answer: Answer, kind: str) -> Card:
        reverse = kind == "basic" and ("reverse" in parts.classes or self.settings.reverse)
        rule_tags = self.rules.tags_for(f"{parts.text}\n{answer.markdown}")
        section_tags = [tag for tag in [section_tag(draft.section)] if tag]
        tags = merge_tags(self.settings.tags, section_tags, parts.tags, answer.tags, rule_tags)
        note_kind = "cloze" if kind == "cloze" else "reverse" if reverse else "basic"
        note_type = self._note_type(parts.classes, note_kind)
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
            content=content_hash(parts.text, answer.markdown, tags, parts.classes, note_kind, note_type),
            shape=draft.shape or ("front-back" if draft.front_back else "heading"),
            note_type=note_type,
        )

    def _note_type(self, classes: Sequence[str], note_kind: str) -> str:
        """The note type a marker on the card names, else the one for its kind; empty: ours."""
        chosen = dict(self.settings.note_types)
        for name in classes:
            if name not in MARKERS and name in chosen:
                return chosen[name]
        return chosen.get(note_kind, "")

    def _kind(self, draft: Draft, parts: QuestionParts, answer: str) -> str | None:
        """``cloze`` or ``basic``, reporting cloze mistakes; None when the card cannot be built."""
        line = draft.line
        chosen = "cloze" if "cloze" in parts.classes else "basic" if "basic" in parts.classes else None
        chosen = chosen or self.settings.card_type
        in_question, question_problems = scan(parts.text)
        in_answer, answer_problems = scan(answer)
        for problem in question_problems:
            self.error(line, problem.message)
        for problem in answer_problems:  # at the line of the mistake, not of the heading
            self.error(_line_of(draft, problem.snippet), problem.message)
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

    def note(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(SourceLocation(self.shown, line), Severity.NOTE, message))

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(SourceLocation(self.shown, line), Severity.WARNING, message))


REFERENCE_LINE = re.compile(
    r"\s*(?:[-*+]|\d{1,3}[.)])?\s*(?:\[[^\]\n]*\]\([^)\n]*\)|<?https?://[^\s>]+>?)\s*[.,;]?\s*"
)
"""A line that is a link and nothing else (as a list item or not): ``- [Title](https://…)``."""


def only_references(answer: str) -> bool:
    """An answer of links alone, two or more: a reading list. One link (a person's name, the
    address of the form asked for) may well be the answer."""
    lines = [line for line in answer.split("\n") if line.strip()]
    return len(lines) >= 2 and all(REFERENCE_LINE.fullmatch(line) for line in lines)


def _line_of(draft: Draft, snippet: str) -> int:
    """The line where ``snippet`` first appears under the draft's heading (else the heading's)."""
    for block in draft.pieces:
        found = block.text.find(snippet)
        if found >= 0:
            return block.line + block.text.count("\n", 0, found)
    return draft.line


def identity_clashes(cards: Sequence[Card]) -> list[Diagnostic]:
    """Two cards with one id would share a GUID: an error. Two cards asking the same question are
    two cards (distinct_identities tells them apart); only one asked and answered alike twice is
    worth a warning."""
    problems: list[Diagnostic] = []
    by_id: dict[str, Card] = {}
    by_content: dict[tuple[str, str], Card] = {}
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
        key = (card.fingerprint or normalise_question(card.question), card.answer)
        first = by_content.setdefault(key, card)
        if first is not card:
            problems.append(
                Diagnostic(
                    card.source,
                    Severity.WARNING,
                    f"the same question and answer as line {first.source.line}; delete one of them",
                )
            )
    return problems


def distinct_identities(cards: Sequence[Card], deck_id: int) -> list[Card]:
    """Cards whose questions repeat (``What is printed?`` over different code) told apart by their
    order: the second and later get GUIDs of their own, the same on every build while the order of
    the repeats stays."""
    seen: dict[str, int] = {}
    distinct = []
    for card in cards:
        # The fingerprint is the normalised question, kept with cached cards: not normalised again.
        key = f"id:{card.explicit_id}" if card.explicit_id else f"q:{card.fingerprint}" if card.fingerprint \
            else guid_key(None, card.question)  # fmt: skip
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count and card.explicit_id is None:
            card = replace(card, guid=derive_guid(deck_id, f"{key}#{count + 1}"))
        distinct.append(card)
    return distinct
