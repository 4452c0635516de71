"""Turning drafts found in the markdown into Cards: question parts, answers, kinds and tags."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import replace

from deckbuilder.errors import Diagnostic, Severity, shorten
from deckbuilder.fingerprint import content_hash, derive_guid, guid_key, normalise_question
from deckbuilder.markdown.deletions import number_gaps, scan
from deckbuilder.model import Card, DeckSettings, SourceLocation
from deckbuilder.read.answers import Answer, assemble_answer
from deckbuilder.read.links import LinkDefinitions, with_definitions
from deckbuilder.read.questions import QuestionParts, split_question
from deckbuilder.read.shapes import Draft
from deckbuilder.read.tags import TagRules, merge_tags, section_tag

Problem = tuple[str, str, int]
"""A problem as a value: severity, message, and its line below the draft's heading."""
MARKERS = ("cloze", "basic", "reverse")
"""The ``{.name}`` markers a heading may carry."""
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
        parts = split_question(draft.question)
        if not self._has_question(draft, parts):
            return None
        self._check_markers(draft.line, parts.classes)
        answer = assemble_answer(draft.pieces)
        if self.definitions:
            answer = replace(answer, markdown=with_definitions(answer.markdown, self.definitions))
        kind = self._kind(draft, parts, answer.markdown)
        if kind is None:
            return None
        if not answer.markdown and kind != "cloze":
            self.error(
                draft.line,
                f"card '{shorten(parts.text, QUOTED)}' has no answer; "
                "add text below it or delete the heading",
            )
            return None
        return self._card(draft, parts, answer, kind)

    def _check_markers(self, line: int, classes: Sequence[str]) -> None:
        """A marker we do not know is most likely a misspelt one, and its card silently not what
        it was meant to be (a reversed card missing): a warning naming the likely marker."""
        for name in classes:
            if name in MARKERS:
                continue
            close = difflib.get_close_matches(name, MARKERS, n=1, cutoff=0.6)
            hint = (
                f"did you mean {{.{close[0]}}}?"
                if close
                else "the markers are {.cloze}, {.basic} and {.reverse}"
            )
            self.warn(line, f"unknown marker {{.{name}}} is ignored; {hint}")

    def _has_question(self, draft: Draft, parts: QuestionParts) -> bool:
        if draft.missing_answer:
            question = shorten(parts.text, QUOTED)
            self.error(draft.line, f"question '{question}' has no answer; write 'A: ...' right after it")
            return False
        if not parts.text:
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

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(SourceLocation(self.shown, line), Severity.WARNING, message))


def _line_of(draft: Draft, snippet: str) -> int:
    """The line where ``snippet`` first appears under the draft's heading (else the heading's)."""
    for block in draft.pieces:
        found = block.text.find(snippet)
        if found >= 0:
            return block.line + block.text.count("\n", 0, found)
    return draft.line


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
