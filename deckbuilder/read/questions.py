"""A question heading taken apart: its number, text, ``#tags``, ``{#id}`` and ``{.class}`` markers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from deckbuilder.read.tags import split_tag_list

QUESTION_WORDS = (
    r"question|вопрос|питання|frage|pregunta|pergunta|domanda|vraag|pytanie|otázka|kérdés|fråga"
    r"|spørsmål|spørgsmål|kysymys|soru|câu hỏi|問題|问题|問|问|質問|질문|문제"
)
"""The word for 'question' in the languages whose notes label questions (``Frage 3:``, ``問1``)."""
NUMBER_PREFIX = re.compile(
    rf"(?:(?:q|{QUESTION_WORDS})\s*)?(\d{{1,6}})\s*[.):\uff1a]\s+(?=\S)|(?:{QUESTION_WORDS})\s*(\d{{1,6}})\s+(?=\S)",
    re.IGNORECASE,
)

LABEL_PREFIX = re.compile(rf"(?:q|{QUESTION_WORDS})\s*[:\uff1a]\s*(?=\S)", re.IGNORECASE)
"""A question's label without a number (``Q:``, ``Question:``, ``Frage:``)."""


@dataclass(frozen=True, slots=True)
class QuestionParts:
    """A question heading taken apart."""

    text: str
    number: int | None
    tags: tuple[str, ...]
    explicit_id: str | None
    classes: tuple[str, ...]


def split_question(raw: str) -> QuestionParts:
    """Take a leading number and trailing ``#tags``, ``{#id}`` and ``{.class}`` off a question."""
    text = " ".join(raw.split())
    tags: list[str] = []
    classes: list[str] = []
    explicit_id: str | None = None
    while True:
        attributes = trailing_attributes(text)
        if attributes is not None:
            text, words = attributes
            for word in words:
                if word.startswith("#"):
                    explicit_id = word[1:]
                else:
                    classes.append(word[1:])
            continue
        head, _, last = text.rpartition(" ")
        if head and last.startswith("#") and len(last.strip("#")) > 0:
            tags.insert(0, last)
            text = head.rstrip()
            continue
        break
    number = None
    match = NUMBER_PREFIX.match(text)
    if match:
        number = int(match.group(1) or match.group(2))
        text = text[match.end() :]
    elif (label := LABEL_PREFIX.match(text)) is not None:
        text = text[label.end() :]  # '## Q: What is REST?': the label is no part of the question
    return QuestionParts(
        text.strip(), number, tuple(split_tag_list(" ".join(tags))), explicit_id, tuple(classes)
    )


def trailing_attributes(text: str) -> tuple[str, list[str]] | None:
    if not text.endswith("}"):
        return None
    opening = text.rfind("{")
    if opening < 0 or (opening > 0 and not text[opening - 1].isspace()):
        return None
    words = text[opening + 1 : -1].split()
    if not words or not all(len(w) > 1 and w[0] in "#." for w in words):
        return None
    return text[:opening].rstrip(), words


DECORATION = re.compile(
    r"(?:\s*(?:[(\[\uff08\u3010][^()\[\]\uff08\uff09\u3010\u3011\n]{0,60}[)\]\uff09\u3011]"
    r"|[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
    r"\ufe0f\u20e3\u200d]+(?:\s+[A-Z]{2,5}\b)?))+\s*$"
)
"""What people put after a question that is not part of it: emoji and stars (``NEW`` after one),
and a note in brackets, round, square or full-width (how often it is asked, ``(advanced)``)."""
QUESTION_ENDINGS = ("?", "\uff1f", "\u061f", "\u037e", "\u1367", "\u2e2e", "\ufe56")
"""A question's last character: Latin, full-width, Arabic, Greek, Ethiopic, reversed or small."""
GREEK_LETTER = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")


def undecorated(text: str) -> str:
    """The text without the decorations after it."""
    if not text or (text[-1].isalnum() and not text[-1].isupper()):
        return text  # ends in a word: no decoration (and no search from every position for one)
    return DECORATION.sub("", text)


def ends_asking(text: str) -> bool:
    """Whether the text, decorations aside, ends with a question mark of any script."""
    stripped = text.rstrip(" *_")
    if stripped.endswith(QUESTION_ENDINGS) or _greek_asking(stripped):
        return True
    bare = undecorated(stripped).rstrip(" *_")
    return bare.endswith(QUESTION_ENDINGS) or _greek_asking(bare)


def _greek_asking(text: str) -> bool:
    """Greek asks with ``;`` (the Greek question mark folds to it; Greek's semicolon is ``·``):
    a sentence in Greek ending with one, whatever word comes last (a Latin acronym, often)."""
    return text.endswith(";") and bool(GREEK_LETTER.search(text))
