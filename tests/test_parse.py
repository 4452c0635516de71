"""Parser rules, one markdown case per rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from deckbuilder import read
from deckbuilder.errors import ParseError, Severity
from deckbuilder.model import DeckSettings
from deckbuilder.read.questions import split_question


def parse(text: str, settings: DeckSettings | None = None):  # type: ignore[no-untyped-def]
    return read.parse(text, Path("deck.md"), settings)


def cards_of(text: str) -> list[tuple[int | None, str, str]]:
    return [(c.number, c.question, c.answer) for c in parse(text).deck.cards]


CASES = {
    "bold-questions-written-without-blank-lines-are-cards-each": (
        "**What is A?**\nAlpha is first.\n**What is B?**\nBeta.\n\n**What is C?**\n\nGamma.\n",
        [
            (None, "What is A?", "Alpha is first."),
            (None, "What is B?", "Beta."),
            (None, "What is C?", "Gamma."),
        ],
    ),
    "a-form-of-bold-questions-with-empty-answer-labels-has-no-cards": (
        "**What is A?**\nAnswer:\n**What is B?**\nRespuesta:\n\n**What is C?**\n\nC.\n",
        [(None, "What is C?", "C.")],
    ),
    "display-math-opened-on-its-first-line-swallows-no-card": (
        "## What is A?\n\n$$x = 1\n$$\n\n## What is B?\n\nBeta.\n\n## What is C?\n\n$$\ny\n$$\n",
        [
            (None, "What is A?", "$$x = 1\n$$"),
            (None, "What is B?", "Beta."),
            (None, "What is C?", "$$\ny\n$$"),
        ],
    ),
    "cards-of-another-shape-after-the-last-rule-are-cards": (
        "## What is A?\n\nAlpha.\n\n---\n\nQ: What is B?\nA: Beta.\n",
        [(None, "What is A?", "Alpha."), (None, "What is B?", "Beta.")],
    ),
    "answers-of-one-symbol-are-answers": (
        "## Which sign starts a PHP variable?\n\n`$`\n\n## What is 0! ?\n\n1\n\n## Which sign is money?\n\n$\n",
        [
            (None, "Which sign starts a PHP variable?", "`$`"),
            (None, "What is 0! ?", "1"),
            (None, "Which sign is money?", "$"),
        ],
    ),
    "invisible-characters-do-not-hide-a-heading": (
        "## What is A?\n\nAlpha.\n\n\u200b## What is B?\n\nBeta.\n\n##\u00a0What is C?\n\nGamma.\n",
        [(None, "What is A?", "Alpha."), (None, "What is B?", "Beta."), (None, "What is C?", "Gamma.")],
    ),
    "heading-cards": (
        "# T\n\n## 1. What is A?\n\nAnswer A.\n\n## 2. What is B?\n\nAnswer B.\n",
        [(1, "What is A?", "Answer A."), (2, "What is B?", "Answer B.")],
    ),
    "bold-answer-lead-in-own-line": (
        "# T\n\n## Q?\n\n**Answer:**\nText here.\n",
        [(None, "Q?", "Text here.")],
    ),
    "plain-answer-lead-in-same-line": ("## Q?\n\nAnswer: Text here.\n", [(None, "Q?", "Text here.")]),
    "short-bold-a-lead-in": ("## Q?\n\n**A:** Text here.\n", [(None, "Q?", "Text here.")]),
    "plain-a-lead-in": ("## Q?\n\nA: Text here.\n", [(None, "Q?", "Text here.")]),
    "bold-then-colon-lead-in": ("## Q?\n\n**Answer**: Text here.\n", [(None, "Q?", "Text here.")]),
    "number-with-paren": ("## 3) Why?\n\nBecause.\n", [(3, "Why?", "Because.")]),
    "number-with-q-prefix": ("## Q12. Why?\n\nBecause.\n", [(12, "Why?", "Because.")]),
    "decimal-is-not-a-number-prefix": (
        "## 1.5 billion what?\n\nYes.\n",
        [(None, "1.5 billion what?", "Yes.")],
    ),
    "thematic-break-separators-dropped": (
        "## A?\n\nOne.\n\n---\n\n## B?\n\nTwo.\n",
        [(None, "A?", "One."), (None, "B?", "Two.")],
    ),
    "deeper-headings-stay-in-the-answer": (
        "## A?\n\nOne.\n\n### Example\n\nMore.\n\n## B?\n\nTwo.\n\n## C?\n\nThree.\n",
        [(None, "A?", "One.\n\n### Example\n\nMore."), (None, "B?", "Two."), (None, "C?", "Three.")],
    ),
    "cards-under-sections": (
        "# T\n\n## Part one\n\n### A?\n\nOne.\n\n### B?\n\nTwo.\n\n## Part two\n\n### C?\n\nThree.\n",
        [(None, "A?", "One."), (None, "B?", "Two."), (None, "C?", "Three.")],
    ),
    "q-and-a-pairs": (
        "# T\n\nQ: What is A?\nA: It is a.\n\nQ: What is B?\n\nA: It is b.\n\nMore on b.\n",
        [(None, "What is A?", "It is a."), (None, "What is B?", "It is b.\n\nMore on b.")],
    ),
    "bold-q-and-a-pairs": ("**Q:** What?\n**A:** That.\n", [(None, "What?", "That.")]),
    "details-summary-one-block": (
        "<details><summary>What is C?</summary>It is c.</details>\n",
        [(None, "What is C?", "It is c.")],
    ),
    "details-summary-with-markdown-inside": (
        "<details>\n<summary>What is D?</summary>\n\nIt is **d**.\n\n</details>\n\n<details>\n<summary>E?</summary>\n\ne\n\n</details>\n",
        [(None, "What is D?", "It is **d**."), (None, "E?", "e")],
    ),
    "bold-question-line": (
        "# T\n\n**Why is the sky blue?**\nRayleigh scattering.\n\n**What is red?**\n\nA colour.\n",
        [(None, "Why is the sky blue?", "Rayleigh scattering."), (None, "What is red?", "A colour.")],
    ),
    "setext-heading-card": (
        "What is F?\n----------\n\nIt is f.\n\nG?\n--\n\ng\n",
        [(None, "What is F?", "It is f."), (None, "G?", "g")],
    ),
}


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=CASES.keys())
def test_cards(text: str, expected: list[tuple[int | None, str, str]]) -> None:
    assert cards_of(text) == expected


def test_title_from_heading_and_front_matter() -> None:
    assert parse("# My Deck\n\n## Q?\n\nA.\n").deck.title == "My Deck"
    front = "---\ntitle: Other\ndeck: Parent::Child\ntags: [a, b c]\n---\n# My Deck\n\n## Q?\n\nA.\n"
    deck = parse(front).deck
    assert (deck.title, deck.anki_deck) == ("Other", "Parent::Child")
    assert deck.cards[0].tags == ("a", "b_c")
    assert deck.cards[0].source.line == 8


def test_title_defaults_to_the_file_name() -> None:
    assert parse("## Q?\n\nA.\n").deck.title == "Deck"


def test_forced_card_level() -> None:
    text = "# T\n\n## Sec\n\nintro\n\n### Q1?\n\nA1.\n"
    assert [c.question for c in parse(text, DeckSettings(card_level=3)).deck.cards] == ["Q1?"]
    assert [c.question for c in parse(text, DeckSettings(card_level=2)).deck.cards] == ["Sec"]


def test_section_headings_become_hierarchical_tags() -> None:
    text = "# T\n\n## Biology\n\n### Cells and tissues\n\n#### What is a cell?\n\nA unit.\n"
    assert parse(text).deck.cards[0].tags == ("Biology::Cells_and_tissues",)


def test_tags_from_heading_words_and_tags_line() -> None:
    text = "## What is C#? #lang #prog\n\nA language.\n\nTags: dotnet, microsoft\n"
    card = parse(text).deck.cards[0]
    assert card.question == "What is C#?"
    assert card.answer == "A language."
    assert card.tags == ("dotnet", "lang", "microsoft", "prog")


def test_tags_line_at_the_end_of_the_last_paragraph() -> None:
    card = parse("## Q?\n\nLine one.\nTags: x y\n").deck.cards[0]
    assert (card.answer, card.tags) == ("Line one.", ("x", "y"))


def test_keyword_rules_match_whole_words_case_insensitively() -> None:
    rules = DeckSettings(
        tag_rules=(("attn", ("attention",)), ("cats", ("cat",)), ("ml", ("machine learning",)))
    )
    text = "## What is Self-Attention?\n\nA concatenation of\nmachine   learning ideas.\n"
    assert parse(text, rules).deck.cards[0].tags == ("attn", "ml")


def test_explicit_id_and_classes() -> None:
    card = parse("## What? {#my-id .reverse}\n\nThat.\n").deck.cards[0]
    assert (card.question, card.explicit_id, card.classes) == ("What?", "my-id", ("reverse",))


def test_labelled_sections() -> None:
    text = "## Q?\n\n**Answer:**\nIntro.\n\n**Role:** Does x.\n\n- item\n\n**Key Difference:** Y.\n"
    card = parse(text).deck.cards[0]
    assert [(s.label, s.text) for s in card.sections] == [
        ("Role", "Does x.\n\n- item"),
        ("Key Difference", "Y."),
    ]
    assert card.answer.startswith("Intro.\n\n**Role:** Does x.")


def test_footer_after_thematic_break_of_last_card() -> None:
    deck = parse("# T\n\n## A?\n\nOne.\n\n---\n\n*Closing note.*\n").deck
    assert deck.cards[-1].answer == "One."
    assert deck.footer == "*Closing note.*"


def test_description_between_title_and_first_card() -> None:
    assert parse("# T\n\nAbout this deck.\n\n## A?\n\nOne.\n").deck.description == "About this deck."


def test_code_and_math_survive_in_answers() -> None:
    text = "## Q?\n\n```python\n## not a heading\nx = 1\n```\n\n$$\na_1\n$$\n"
    assert parse(text).deck.cards[0].answer == "```python\n## not a heading\nx = 1\n```\n\n$$\na_1\n$$"


def test_source_lines() -> None:
    deck = parse("# T\n\n## A?\n\nOne.\n\n\n## B?\n\nTwo.\n").deck
    assert [c.source.line for c in deck.cards] == [3, 8]


@pytest.mark.parametrize(
    ("raw", "number", "text", "tags", "explicit_id"),
    [
        ("1. What?", 1, "What?", (), None),
        ("Q7: What?", 7, "What?", (), None),
        ("Question 3) What?", 3, "What?", (), None),
        ("What? #a #b::c", None, "What?", ("a", "b::c"), None),
        ("What? {#x} #t", None, "What?", ("t",), "x"),
        ("Set {a, b}?", None, "Set {a, b}?", (), None),
        ("Why C#", None, "Why C#", (), None),
    ],
)
def test_split_question(
    raw: str, number: int | None, text: str, tags: tuple[str, ...], explicit_id: str | None
) -> None:
    parts = split_question(raw)
    assert (parts.number, parts.text, parts.tags, parts.explicit_id) == (number, text, tags, explicit_id)


PROBLEMS = {
    "unclosed-comment": ("## A?\n\nOne.\n\n<!-- a note\n\n## B?\n\nTwo.\n", 5, "'<!--' never closes"),
    "unclosed-pre": ("## A?\n\n<pre>\ncode\n\n## B?\n\nTwo.\n", 3, "'<pre>' never closes"),
    "unclosed-processing-instruction": ("## A?\n\nOne.\n\n<?php echo 1;\n\n## B?\n\nTwo.\n", 5, "'<?' never"),
    "duplicate-id": ("## A? {#k}\n\nOne.\n\n## B? {#k}\n\nTwo.\n", 5, "duplicate id 'k'"),
    "unclosed-fence": ("## A?\n\n```\ncode\n\n## B?\n\nTwo.\n", 3, "code fence never closes"),
    "unclosed-details": (
        "## A?\n\n<details><summary>Answer</summary>\n\nOne.\n\n## B?\n\nTwo.\n",
        3,
        "never closes",
    ),
}

WARNINGS = {
    "heading-without-answer": ("## A?\n\nOne.\n\n## B?\n\n## C?\n\nThree.\n", 5, "has no answer", 2),
    "placeholder-answer": ("## A?\n\nOne.\n\n## B?\n\n.....\n", 5, "placeholder", 1),
    "q-without-a": ("Q: What?\n\nSomething else.\n\nQ: Other?\nA: Yes.\n", 1, "has no answer", 1),
    "same-question-and-answer": (
        "## What is X?\n\nOne.\n\n## What is X?\n\nOne.\n",
        5,
        "same question and answer",
        2,
    ),
    "misspelt-marker": ("## A? {.revers}\n\nOne.\n", 1, "did you mean {.reverse}", 1),
    "details-left-open-before-the-next-questions-details": (
        "<details><summary>What is A?</summary>\n\nAlpha.\n\n<details><summary>What is B?</summary>\n\n"
        "Beta.\n\n</details>\n\n<details><summary>What is C?</summary>\n\nGamma.\n\n"
        "<details><summary>Hint</summary>\n\nG.\n\n</details>\n\n</details>\n",
        1,
        "the <details> of 'What is A?' never closes before the next question's <details>",
        3,
    ),
    "q-a-pair-merged-into-a-heading-card": (
        "## What is A?\n\nAlpha.\nQ: What is B?\nA: Beta.\n",
        4,
        "part of the answer to 'What is A?'",
        1,
    ),
    "labelled-bold-question-merged-into-a-heading-card": (
        "## What is A?\n\nAlpha.\n**Q4. Write a query**\nSELECT 1.\n",
        4,
        "'**Q4. Write a query**' looks like a question of its own",
        1,
    ),
}


@pytest.mark.parametrize(("text", "line", "message", "cards"), WARNINGS.values(), ids=WARNINGS.keys())
def test_warnings_name_the_line_and_the_rest_builds(text: str, line: int, message: str, cards: int) -> None:
    parsed = parse(text)
    assert not parsed.errors
    [warning] = [d for d in parsed.diagnostics if d.severity is Severity.WARNING]
    assert warning.location is not None and warning.location.line == line
    assert message in warning.message
    assert len(parsed.deck.cards) == cards


def test_a_repeated_question_is_two_cards_with_distinct_stable_guids() -> None:
    text = (
        "## What is printed?\n\n```js\nf(1)\n```\n\n**Answer:** 1\n\n## What is printed?\n\n**Answer:** 2\n\n"
    )
    text += "## What is printed?\n\n**Answer:** 3\n"
    first = parse(text).deck.cards
    assert [card.answer for card in first] == ["1", "2", "3"]
    assert len({card.guid for card in first}) == 3
    assert first[0].question.startswith("What is printed?\n\n```js")  # its code tells it apart
    assert [card.guid for card in parse(text).deck.cards] == [card.guid for card in first]
    assert not parse(text).diagnostics


@pytest.mark.parametrize(("text", "line", "message"), PROBLEMS.values(), ids=PROBLEMS.keys())
def test_problems_name_the_line(text: str, line: int, message: str) -> None:
    problems = parse(text).errors
    assert len(problems) == 1
    assert problems[0].location is not None and problems[0].location.line == line
    assert message in problems[0].message


def test_a_file_without_cards_says_what_it_saw() -> None:
    [error] = parse("# Just a title\n\nSome text.\n").errors
    assert "no cards found" in error.message
    [error] = parse("## Lonely?\n\n# Topic\n\nProse.\n").errors
    assert "1 question(s) without an answer" in error.message and "check -v" in error.message


FATAL = {
    "unclosed-front-matter": ("---\ntitle: x\n\n## Q?\n\nA.\n", "never ends"),
    "bad-yaml": ("---\ntitle: [x\n---\n## Q?\n\nA.\n", "not valid YAML"),
    "unknown-front-matter-key": (
        "---\ntitel: x\n---\n## Q?\n\nA.\n",
        "'titel' looks like a misspelling of 'title'",
    ),
    "bad-card-level": ("---\ncard_level: 9\n---\n## Q?\n\nA.\n", "heading level from 1 to 6"),
}


@pytest.mark.parametrize(("text", "message"), FATAL.values(), ids=FATAL.keys())
def test_fatal_problems(text: str, message: str) -> None:
    with pytest.raises(ParseError if "cards" in message else Exception) as caught:
        parse(text)
    assert message in str(caught.value)
    assert str(caught.value).startswith("deck.md:")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    from deckbuilder.read import parse_file

    path = tmp_path / "notepad.md"
    text = "## よろしくお願いします?\n\nPleased to meet you.\n"
    mark = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")  # utf-16 writes its own
    path.write_bytes((mark + text).encode(encoding))
    [card] = parse_file(path).deck.cards
    assert card.question == "よろしくお願いします?" and card.answer == "Pleased to meet you."


@pytest.mark.parametrize(
    ("heading", "message"),
    [
        (
            "## Powerhouse of the cell? {.revers}",
            "unknown marker {.revers} is ignored; did you mean {.reverse}?",
        ),
        ("## Boiling water {.clozee}", "unknown marker {.clozee} is ignored; did you mean {.cloze}?"),
        ("## Plain? {.basik}", "unknown marker {.basik} is ignored; did you mean {.basic}?"),
        (
            "## Styled? {.fancy}",
            "unknown marker {.fancy} is ignored; the markers are {.cloze}, {.basic} and {.reverse}",
        ),
    ],
    ids=["revers", "clozee", "basik", "unknown"],
)
def test_a_misspelt_marker_is_a_warning_naming_the_marker_it_resembles(heading: str, message: str) -> None:
    parsed = parse(f"# Deck\n\nIntro.\n\n{heading}\n\nIt boils at {{{{c1::100}}}} °C.\n")
    assert [(d.location.line, d.severity.value, d.message) for d in parsed.diagnostics if d.location] == [
        (5, "warning", message)
    ]


def test_a_bold_question_inside_a_heading_cards_answer_is_emphasis_not_a_warning() -> None:
    parsed = parse("## What is A?\n\nAlpha.\n**Why does it matter?**\nBecause.\n\n## What is B?\n\nBeta.\n")
    assert [card.question for card in parsed.deck.cards] == ["What is A?", "What is B?"]
    assert [d for d in parsed.diagnostics if d.severity is Severity.WARNING] == []
