"""What a heading's own words say about its role: a question, a numbered item, a part of an answer,
or one side of a card. Only the heading's text is read here, so that a layout made from these
traits stays valid while the text under the headings changes (incremental.relayout relies on it).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from deckbuilder.markdown.cloze import MAYBE_CLOZE
from deckbuilder.read.questions import QUESTION_WORDS, ends_asking, split_question

QUESTION_PREFIX = re.compile(
    rf"(?:q|{QUESTION_WORDS})\s*(?:n[o°º]\.?\s*|#\s*)?\d+[a-z]?\s*[.):\-\u2013\uff1a\u3001]"
    rf"|(?:{QUESTION_WORDS})\s*\d+[a-z]?(?:\s|$)|q\s*[.:]\s",
    re.IGNORECASE,
)
"""``Q1.``, ``Question 17a.``, ``Frage 3``, ``問1``, ``Q.``: a heading that says it is a question
(``Q3`` alone is as often a quarter of a year)."""
NUMBER_PREFIX = re.compile(r"\d{1,4}[a-z]?\s*[.):]\s*(?=\S)", re.IGNORECASE)
"""``12.``, ``8 .``, ``17a)``: a numbered item, a question only where the file's numbered headings are."""
SUBSECTION_NUMBER = re.compile(r"\d+\.\d+")
"""``1.1``: the numbering of notes' sections, never of questions."""
QUESTION_MARKS = ("?", "\uff1f")
"""The question marks a remark may follow (``Why X? (advanced)``)."""
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


REQUEST_OPENING = re.compile(
    r"(?:(?:explain|describe|compare|contrast|define|write|give|discuss|outline|summari[sz]e|illustrate"
    r"|implement|tell|identify|differentiate|distinguish|(?:the\s+)?differences?\s+between|how\s+to"
    r"|when\s+to|what's|erkläre|erklären|beschreibe|beschreiben|vergleiche|vergleichen|nenne|nennen"
    r"|definiere|unterschied|explica|explique|describa|compara|defina|diferencia|expliquez|décrivez"
    r"|décris|comparez|définissez|différence|spiega|descrivi|confronta|differenza|descreva|diferença"
    r"|объясните|объясни|опишите|опиши|сравните|назовите|перечислите|разница|поясніть|опишіть"
    r"|порівняйте|назвіть|різниця|wyjaśnij|opisz|porównaj|różnica|vysvětlete|popište)(?=\W|$)"
    r"|請|请|解释|解釋|描述|比较|比較|说明|說明|区别|區別|설명|비교|차이)",
    re.IGNORECASE,
)
"""A request where a question would be (``Explain …``, ``Опишите …``, ``请说明 …``): a question in a
class of headings that ask, never alone. Words that also start titles (``List of …``, ``State
management``) are not among them."""
INTERROGATIVE_OPENING = re.compile(
    r"(?:what|why|how|when|where|who|which)\s+(?:is|are|was|were|do|does|did|can|could|should|would"
    r"|will|has|have|happens|makes)\b"
    r"|(?:was|warum|wie|wann|wo|wer|welche[rs]?)\s+(?:ist|sind|war|macht|kann|passiert|bedeutet)\b"
    r"|(?:qué|por qué|cómo|cuándo|dónde|quién|cuál)\s+(?:es|son|hace|significa|funciona)\b"
    r"|(?:qu'est-ce|pourquoi|comment|quand|où|qui|quel(?:le)?s?)\s+(?:est|sont|que|qui|fait|fonctionne)\b",
    re.IGNORECASE,
)
"""A question's opening words, written without its question mark (``What is Docker``,
``How does a container differ from a VM``): a question in a class of such, never alone (``What is
new``). ``How it works`` and ``How to install`` are titles, not questions."""
EXERCISE_OPENING = re.compile(
    r"(?:design|build|create|solve|find|calculate|compute|prove|derive|show|list|name|state|evaluate"
    r"|analy[sz]e|justify|classify|predict|estimate|sketch|draw|construct|determine|simplify|convert"
    r"|count|sort|reverse|merge|check|print|return|make|use|rewrite|refactor|fix|debug|optimi[sz]e"
    r"|entwerfe|berechne|finde|zeige|diseña|calcula|encuentra|demuestra|calculez|trouvez|montrez"
    r"|спроектируйте|вычислите|найдите|докажите|напишите|реализуйте)\b",
    re.IGNORECASE,
)
"""Verbs opening an exercise (``Design a URL shortener``, ``Find the kth element``): a question in a
class of numbered headings (``## 3. Design …``); alone, or unnumbered, as often a title."""
CJK_ASKING = re.compile(
    r"什么|甚麼|怎么|怎麼|怎样|怎樣|如何|为什么|為什麼|为何|為何|哪些|哪个|哪個|是否|区别|區別|不同|原理|理解"
    r"|说说|說說|谈谈|談談|讲讲|講講|介绍|介紹|简述|簡述|列举|列舉|阐述|闡述"
    r"|とは|ですか|ますか|なぜ|どう|違い|教えて|説明|무엇|어떻게|차이|설명"
)
"""Words that make a Chinese, Japanese or Korean heading a question or request wherever they stand
(``CSS 盒模型有哪些``, ``let 和 var 的区别``), where those scripts often go without a question mark."""
REQUEST_ENDINGS = ("教えてください", "説明してください", "説明せよ", "述べよ", "について", "の違い", "とは")
"""Endings of Japanese requests and prompts, which go without a question mark."""


LEADING_DECORATION = re.compile(
    r"^[\s\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f]+"
)
"""Stars and emoji before a heading's words (``★ 谈谈…``), which say nothing of what it asks."""


class HeadingTraits(NamedTuple):
    asks: bool
    """Phrased as a question: ends with a question mark, says 'Q1.', or holds a cloze deletion."""
    numbered: bool
    """Starts with a number (``12.``); a question where most numbered headings of the file ask."""
    answer_part: bool
    """Titled like a part of an answer (``Example``, ``References``) or ending with a colon."""
    side: str
    """``front`` or ``back`` for the headings of front/back cards, else empty."""
    requests: bool = False
    """Phrased as a request (``Explain …``, ``Difference between …``): asks, in a class that asks."""
    numbering: str = ""
    """How it is numbered: ``label`` (``Q1.``), the number's punctuation (``.``, ``)``, ``:``), or empty."""
    exercise: bool = False
    """Opens with a task's verb (``Design …``, ``Find …``): a question in a numbered class of them."""


@lru_cache(maxsize=1 << 14)
def heading_traits(text: str) -> HeadingTraits:
    """What ``text`` (a heading's text without its '#' marks) says of the heading's role."""
    words = " ".join(text.split())
    bare = split_question(words).text
    title = bare.strip(TRAILING_NOISE + "#").casefold()
    stripped = bare.rstrip(TRAILING_NOISE)
    asks = (
        stripped.endswith(QUESTION_MARKS)
        or ends_asking(bare)
        or stripped.endswith(QUESTION_PARTICLES)
        or bool(QUESTION_PREFIX.match(words))
        or MAYBE_CLOZE in bare
        or _asks_midway(bare)
    )
    numbered = bool(NUMBER_PREFIX.match(words)) and not SUBSECTION_NUMBER.match(words)
    answer_part = bool(ANSWER_PART_TITLES.fullmatch(title)) or (bare.endswith(":") and not asks)
    side = "front" if title in FRONT_TITLES else "back" if title in BACK_TITLES else ""
    opening = LEADING_DECORATION.sub("", bare)  # '★ 谈谈…', '⭐ Explain …'
    requests = (
        bool(REQUEST_OPENING.match(opening))
        or bool(INTERROGATIVE_OPENING.match(opening))
        or stripped.endswith(REQUEST_ENDINGS)
        or bool(CJK_ASKING.search(bare))
    )
    numbering = _numbering(words, numbered)
    exercise = bool(numbering) and bool(EXERCISE_OPENING.match(opening))
    return HeadingTraits(asks, numbered, answer_part, side, requests, numbering, exercise)


def _numbering(words: str, numbered: bool) -> str:
    if QUESTION_PREFIX.match(words):
        return "label"
    if numbered:
        return NUMBER_PREFIX.match(words).group().strip()[-1:]  # type: ignore[union-attr]
    return ""


def _asks_midway(text: str) -> bool:
    """A question followed by a short remark (``Why X? (advanced)``, ``How? Explain a few``)."""
    for mark in QUESTION_MARKS:
        at = text.rfind(mark)
        if at > 0 and len(text) - at <= 40 and at >= len(text) // 2:
            return True
    return False
