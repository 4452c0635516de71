"""What a heading's own words say about its role: a question, a numbered item, a part of an answer,
or one side of a card. Only the heading's text is read here, so that a layout made from these
traits stays valid while the text under the headings changes (incremental.relayout relies on it).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from deckbuilder.markdown.cloze import MAYBE_CLOZE
from deckbuilder.read.questions import split_question

QUESTION_PREFIX = re.compile(
    r"(?:q(?:uestion)?|вопрос|питання|frage|pregunta)\s*(?:n[o°º]\.?\s*|#\s*)?\d+[a-z]?\s*[.):\-\u2013]"
    r"|q\s*[.:]\s",
    re.IGNORECASE,
)
"""``Q1.``, ``Question 17a.``, ``Q.``: a heading that says it is a question."""
NUMBER_PREFIX = re.compile(r"\d{1,4}[a-z]?\s*[.):]\s*(?=\S)", re.IGNORECASE)
"""``12.``, ``8 .``, ``17a)``: a numbered item, a question only where the file's numbered headings are."""
SUBSECTION_NUMBER = re.compile(r"\d+\.\d+")
"""``1.1``: the numbering of notes' sections, never of questions."""
QUESTION_MARKS = ("?", "\uff1f")
"""A question's last character: Latin or full-width."""
QUESTION_PARTICLES = ("ですか", "ますか", "でしょうか", "のか", "吗", "呢", "什么", "까", "나요", "가요")
"""Endings that ask in scripts whose questions often go without a question mark."""
TRAILING_NOISE = " \t*_`:.)]}\"'\u201d\u2019\u00bb"
ANSWER_PART_TITLES = re.compile(
    r"(?:answer|solution|explanation|example|examples|example \d+|method \d+.*|approach \d+.*"
    r"|notes?|references?|ref links?|sources?|see also|further reading|output|result|code|demo"
    r"|пример|ответ|решение|источники)\s*:?",
    re.IGNORECASE,
)
"""Headings titled like a part of an answer (``### Example``, ``#### References``)."""
FRONT_TITLES = frozenset({"front", "front side", "frontside", "question", "prompt"})
BACK_TITLES = frozenset({"back", "back side", "backside", "answer"})


class HeadingTraits(NamedTuple):
    asks: bool
    """Phrased as a question: ends with a question mark, says 'Q1.', or holds a cloze deletion."""
    numbered: bool
    """Starts with a number (``12.``); a question where most numbered headings of the file ask."""
    answer_part: bool
    """Titled like a part of an answer (``Example``, ``References``) or ending with a colon."""
    side: str
    """``front`` or ``back`` for the headings of front/back cards, else empty."""


@lru_cache(maxsize=1 << 14)
def heading_traits(text: str) -> HeadingTraits:
    """What ``text`` (a heading's text without its '#' marks) says of the heading's role."""
    words = " ".join(text.split())
    bare = split_question(words).text
    title = bare.strip(TRAILING_NOISE + "#").casefold()
    stripped = bare.rstrip(TRAILING_NOISE)
    asks = (
        stripped.endswith(QUESTION_MARKS)
        or stripped.endswith(QUESTION_PARTICLES)
        or bool(QUESTION_PREFIX.match(words))
        or MAYBE_CLOZE in bare
        or _asks_midway(bare)
    )
    numbered = bool(NUMBER_PREFIX.match(words)) and not SUBSECTION_NUMBER.match(words)
    answer_part = bool(ANSWER_PART_TITLES.fullmatch(title)) or (bare.endswith(":") and not asks)
    side = "front" if title in FRONT_TITLES else "back" if title in BACK_TITLES else ""
    return HeadingTraits(asks, numbered, answer_part, side)


def _asks_midway(text: str) -> bool:
    """A question followed by a short remark (``Why X? (advanced)``, ``How? Explain a few``)."""
    for mark in QUESTION_MARKS:
        at = text.rfind(mark)
        if at > 0 and len(text) - at <= 40 and at >= len(text) // 2:
            return True
    return False
