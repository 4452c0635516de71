"""Questions written without card headings: ``Q:``/``A:`` pairs, ``<details>``, bold questions
(alone or as list items), FAQ paragraphs ending in ``?``, ``**term** — meaning`` vocabulary, cloze
sentences in lists, Logseq ``#card`` blocks, and numbered questions answered in a quote (inka)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from deckbuilder.markdown.cloze import MAYBE_CLOZE
from deckbuilder.markdown.deletions import scan as cloze_numbers
from deckbuilder.markdown.dialect import inline_tokens, plain_text
from deckbuilder.markdown.items import ListItem, list_items
from deckbuilder.read.answers import (
    ANSWER_MARKERS,
    QUESTION_CALLOUTS,
    QUESTION_MARKERS,
    QUOTE_MARK,
    admonition_body,
    callout,
    labels_answer,
    marked_answer,
    open_details,
)
from deckbuilder.read.blocks import (
    DOTTED_ANSWER,
    DOTTED_LABEL,
    FULL_WIDTH_LABEL,
    LABEL_ALIASES,
    Block,
    bold_lead,
    lead_in,
    tokenize,
    whole_line_strong,
)
from deckbuilder.read.headings import INTERROGATIVE_OPENING, QUESTION_PREFIX, heading_traits
from deckbuilder.read.questions import QUESTION_ENDINGS, QUESTION_WORDS, ends_asking, undecorated


@dataclass(slots=True)
class Draft:
    """A question found in the markdown, before it becomes a Card."""

    question: str
    """The question's markdown, still with any number, ``#tags`` or ``{#id}``."""
    line: int
    pieces: list[Block] = field(default_factory=list)
    """The blocks of the answer; the first may be the rest of the question's own paragraph."""
    section: tuple[str, ...] = ()
    """The headings above the question, outermost first."""
    missing_answer: bool = False
    """A ``Q:`` with no ``A:``: reported, never a card."""
    open_details: bool = False
    unclosed_details: bool = False
    """Its ``<details>`` never closed before the next question's opened (a warning)."""
    topic: bool = False
    """A heading that names a topic: a card only when the text under it marks an answer."""
    front_back: bool = False
    """A front/back card: ``question`` holds the front's markdown, not a heading's text."""
    shape: str = ""
    """How the question was found, for ``check -v``: heading, q-a, bold, details, ..."""


@dataclass(slots=True)
class ShapeScan:
    """What a run of blocks between headings holds."""

    drafts: list[Draft]
    before_first: list[Block]
    """Blocks before the first question (a description, or nothing)."""


FAQ_QUESTION_LENGTH = 300
"""The longest paragraph read as an FAQ question: longer ones ending in '?' are prose."""
VOCABULARY_DASHES = ("\u2014", "\u2013", "-", ":")
LOGSEQ_CARD = re.compile(r"(?:^|\s)#card(?=\s|$)")
LOGSEQ_PROPERTY = re.compile(r"^\s*[\w-]+:: .*$", re.MULTILINE)
LOGSEQ_CLOZE = re.compile(r"\{\{cloze\s+(.+?)\s*\}\}")
"""Logseq's cloze, ``{{cloze hidden words}}``: Anki's ``{{c1::hidden words}}``."""
QUESTION_LABEL = rf"(?:q|{QUESTION_WORDS})\s*\d*\s*[:.]"
"""``Q:``, ``Question 3.``, ``Вопрос:``: a label saying a question follows."""


def scan_shapes(
    blocks: Sequence[Block],
    section: tuple[str, ...] = (),
    separator: str = "",
    side: str = "",
    reversed_marks: tuple[str, str] = ("", ""),
    cloze_marks: tuple[str, ...] = ("highlight",),
) -> ShapeScan:
    """Find the questions among blocks that sit under a heading which is not itself a card; with
    a ``separator`` (``::``, or one the file uses throughout: ``;;``), also Obsidian's one-line
    ``question::answer`` cards written with it; a ``side`` line (``,,``) parts multi-line cards as
    ``?`` does."""
    if "<details" in "".join(block.text for block in blocks if block.kind != "block_code").lower():
        blocks = details_apart(blocks)
    blocks = labelled_questions_apart(bold_questions_apart(blocks))
    drafts: list[Draft] = []
    before_first: list[Block] = []
    faq = sum(1 for block in blocks if _faq_question(block) and not _vocabulary(block, ())) >= 2
    numbered = sum(1 for block in blocks if _numbered_line(block) is not None) >= 2
    requests = _bold_questions_class(blocks)
    leads = _bold_leads_class(blocks)
    clozes = sum(1 for block in blocks if _cloze_paragraph(block)) >= 2
    definitions = sum(len(_definition_lines(block, ())) for block in blocks if block.kind == "paragraph") >= 3
    index = 0
    while index < len(blocks):
        block = blocks[index]
        current = drafts[-1] if drafts else None
        if current is not None and current.open_details:
            opening = block.kind == "block_html" and block.stripped_text.lower().startswith("<details")
            sibling = _details_question(block, section) if opening else None
            if sibling is not None and ends_asking(sibling.question):
                # Another question's <details> where this one's answer should have closed: the
                # </details> is missing, not the card. Said, and the next card starts here.
                current.open_details, current.unclosed_details = False, True
            else:
                if block.kind == "block_html" and block.stripped_text.lower().startswith("</details"):
                    current.open_details = False
                else:
                    current.pieces.append(block)
                index += 1
                continue
        if block.kind == "paragraph" and block.text.startswith("START") and O2A_START.match(block.text):
            end = _obsidian_to_anki_end(blocks, index)
            if end is not None:
                note = _obsidian_to_anki_note(blocks[index : end + 1], section)
                if note is not None:
                    drafts.append(note)
                    index = end + 1
                    continue
        asked = _inka_asked(blocks, index) if block.kind == "block_quote" else 0
        if asked:
            owner = current.pieces if current is not None else before_first
            question = list(blocks[index - asked : index])
            if len(owner) >= asked and all(a is b for a, b in zip(owner[-asked:], question, strict=True)):
                del owner[-asked:]
                drafts.append(_inka_draft(question, block, section))
                index += 1
                continue
        titled = QUESTION_ADMONITION.match(block.text) if block.kind == "paragraph" else None
        if titled is not None and not labels_answer(titled.group(1)):
            # mkdocs' '??? question "What is X?"' over its indented answer
            body, taken = admonition_body(block, blocks[index + 1 :])
            drafts.append(Draft(titled.group(1), block.line, body, section, missing_answer=not body,
                                shape="admonition"))  # fmt: skip
            index += 1 + taken
            continue
        callout_draft = _callout_question(block, section) if block.kind == "block_quote" else None
        if callout_draft is not None:
            drafts.append(callout_draft)
            index += 1
            continue
        if block.kind == "block_quote" and QUOTED_LABEL.search(block.text):
            quoted = scan_shapes(unquoted(block), section, separator, side, reversed_marks, cloze_marks)
            if quoted.drafts:  # questions written in a quote (``> **Q:** …`` / ``> A: …``)
                (current.pieces if current is not None else before_first).extend(quoted.before_first)
                drafts.extend(quoted.drafts)
                index += 1
                continue
        found = (
            _inline_cards(block, section, separator, reversed_marks[0])
            if separator and block.kind == "paragraph"
            else []
        )
        if found:
            if not found[-1].pieces and index + 1 < len(blocks) and blocks[index + 1].kind == "block_code":
                found[-1].pieces.append(blocks[index + 1])  # 'question::' over its code
                found[-1].missing_answer = False
                index += 1
            drafts.extend(found)
            index += 1
            continue
        found = _question_start(
            block, section, faq, numbered, (side, reversed_marks[1]), requests, leads, clozes, definitions
        )
        if not found and separator and cloze_marks and block.kind == "paragraph":
            found = _highlight_cloze(block, section, cloze_marks)
        if not found:
            if current is None or current.shape not in WHOLE_IN_ONE_LINE:
                (current.pieces if current is not None else before_first).append(block)
            index += 1
            continue
        index += 1
        draft = found[-1]
        if draft.missing_answer and not draft.question.strip():
            index = _gather_question(draft, blocks, index)
        elif draft.missing_answer and index < len(blocks):
            answer = _answer_paragraph(blocks[index])
            if answer is not None:
                draft.pieces.append(answer)
                draft.missing_answer = False
                index += 1
        drafts.extend(found)
    return ShapeScan(drafts, before_first)


QUOTED_LABEL = re.compile(rf"^ {{0,3}}>[ \t]*(?:\*\*|__)?[ \t]*{QUESTION_LABEL}", re.I | re.M)
"""A quote holding a labelled question: its text is read for cards like any other."""


def unquoted(block: Block) -> list[Block]:
    """The blocks inside a block quote, on their lines in the file."""
    return tokenize(_quote_text(block), block.line)


def _quote_text(block: Block) -> str:
    """A block quote's text without its ``>`` marks."""
    return "\n".join(QUOTE_MARK.sub("", line) for line in block.text.split("\n"))


QUESTION_ADMONITION = re.compile(
    r'(?:\?\?\?\+?|!!!)[ \t]+(?:question|faq|help|quiz)[ \t]+"([^"\n]+)"[ \t]*(?:\n|$)', re.IGNORECASE
)
"""An mkdocs admonition of a question, its title the question (``??? question "What is X?"``)."""


def _callout_question(block: Block, section: tuple[str, ...]) -> Draft | None:
    """An Obsidian callout of a question (``> [!question] What is X?`` over its answer): its
    title the question (else its first paragraph), the rest its answer."""
    found = callout(block) if "[!" in block.text else None
    if found is None or found[0] not in QUESTION_CALLOUTS:
        return None
    _, title, body = found
    pieces = tokenize(body, block.line + 1)
    if not title:
        if not pieces or pieces[0].kind != "paragraph":
            return None
        title, pieces = pieces[0].stripped_text, pieces[1:]
    marked = marked_answer(pieces)
    if marked is not None:  # '> > [!answer]' inside it: its marks go, its text stays
        pieces = [*marked.question, *marked.answer]
    return Draft(title, block.line, list(pieces), section, missing_answer=not pieces, shape="callout")


def bold_questions_apart(blocks: Sequence[Block]) -> list[Block]:
    """Paragraphs that open with a bold question, parted at each further line that is one: written
    without blank lines between them, each question and its answer is still a card of its own."""
    return _parted(blocks, _bold_question_starts)


def _bold_question_starts(lines: Sequence[str]) -> list[int]:
    if len(lines) < 3 or not _bold_asking_line(lines[0]):
        return []
    return [0, *(i for i in range(1, len(lines)) if _bold_asking_line(lines[i]))]


def labelled_questions_apart(blocks: Sequence[Block]) -> list[Block]:
    """Paragraphs of ``Q:``/``A:`` pairs written without blank lines between them, parted at each
    further ``Q:`` line that follows an answer: each pair a card of its own, none merged into the
    answer above it."""
    return _parted(blocks, _labelled_question_starts)


def _labelled_question_starts(lines: Sequence[str]) -> list[int]:
    if len(lines) < 4 or not _labels_question(lines[0]):
        return []
    starts = [0]
    answered = False
    for index in range(1, len(lines)):
        if _labels_question(lines[index]) and answered:
            starts.append(index)
            answered = False
        elif (found := lead_in(lines[index])) is not None and found.key in ANSWER_MARKERS:
            answered = True
    return starts


def _parted(blocks: Sequence[Block], starts_of: Callable[[Sequence[str]], list[int]]) -> list[Block]:
    """The blocks with each paragraph parted into paragraphs of their own at the lines
    ``starts_of`` its lines gives (two or more starts part it)."""
    parted: list[Block] = []
    for block in blocks:
        lines = block.text.split("\n")
        starts = starts_of(lines) if block.kind == "paragraph" else []
        if len(starts) < 2:
            parted.append(block)
            continue
        for start, end in itertools.pairwise([*starts, len(lines)]):
            text = "\n".join(lines[start:end])
            parted.append(
                Block("paragraph", text if text.endswith("\n") else text + "\n", block.line + start)
            )
    return parted


def _bold_asking_line(line: str) -> bool:
    text = line.strip()
    return (
        text.startswith(("**", "__"))
        and ends_asking(text)
        and whole_line_strong(undecorated(text)) is not None
    )


DETAILS_LINE = re.compile(r"^ {0,3}</?details\b", re.IGNORECASE | re.MULTILINE)


def details_apart(blocks: Sequence[Block]) -> list[Block]:
    """The blocks with each ``<details>`` and ``</details>`` line starting a block of its own, and a
    ``<details>`` alone joined to the ``<summary>`` block below it. Written without blank lines, a
    ``</details>`` ends up inside a list item or paragraph, and the next ``<details>`` inside the HTML
    block of the one before: each hid the cards after it."""
    parted: list[Block] = []
    for block in blocks:
        starts = [match.start() for match in DETAILS_LINE.finditer(block.text) if match.start() > 0]
        if block.kind == "block_code" or not starts:
            parted.append(block)
            continue
        bounds = [0, *starts, len(block.text)]
        for start, end in itertools.pairwise(bounds):
            text = block.text[start:end]
            line = block.line + block.text.count("\n", 0, start)
            kind = "block_html" if start > 0 else block.kind
            parted.append(Block(kind, text, line))
    joined: list[Block] = []
    for block in parted:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.kind == "block_html"
            and previous.stripped_text.lower() == "<details>"
            and block.kind == "block_html"
            and block.stripped_text.lower().startswith("<summary")
        ):
            joined[-1] = Block("block_html", previous.text + block.text, previous.line)
            continue
        joined.append(block)
    return joined


def _gather_question(draft: Draft, blocks: Sequence[Block], index: int) -> int:
    """A ``**Question**:`` label alone: the question is the blocks below it, up to the answer
    marker; returns where scanning goes on."""
    end = index
    while end < len(blocks) and blocks[end].kind != "heading":
        end += 1
    marked = marked_answer(blocks[index:end])
    if marked is None or not marked.question:
        return index
    marker = index + len(marked.question)
    stop = marker + 1
    if marked.marker == "details":
        stop = next((i + 1 for i in range(marker, end) if _closes_details([blocks[i]])), end)
    answer = marked_answer(blocks[index:stop])
    draft.question = "".join(block.text for block in marked.question).strip()
    draft.pieces = list(answer.answer) if answer is not None else []
    draft.missing_answer = False
    draft.shape = "q-a"
    return stop


IN_TEXT_SHAPES = frozenset({"bold-lead", "list-item"})
"""Shapes that also stand in the text of notes (a worked example's list of 'Why …?' steps): cards
where no heading is, but no reason to take the headings above them for sections."""


def _closes_details(blocks: Sequence[Block]) -> bool:
    return any("</details" in block.text.lower() for block in blocks)


def _question_start(
    block: Block,
    section: tuple[str, ...],
    faq: bool,
    numbered: bool = False,
    side: tuple[str, str] = ("", ""),
    requests: bool = False,
    leads: bool = False,
    clozes: bool = False,
    definitions: bool = False,
) -> list[Draft]:
    if block.kind == "paragraph":
        draft = (
            _separated_card(block, section, *side)
            or _marked_question(block, section)
            or _bold_labelled_question(block, section)
            or (_numbered_line_draft(block, section) if numbered else None)
            or _answered_below(block, section)
            or _bold_question(block, section, requests, leads)
        )
        if draft is not None:
            return [draft]
        # A term and its meaning (``**¿Qué tal?** — How are you?``) before an FAQ question: the
        # question mark there is the term's own.
        terms = _vocabulary(block, section)
        if terms:
            return terms
        terms = _definition_list(block, section) or (_definition_lines(block, section) if definitions else [])
        if terms:
            return terms
        if clozes and _cloze_paragraph(block):
            # Sentences with Anki's deletions, two or more in a run: each a cloze note (one alone
            # under a heading is that heading's card).
            return [Draft("{.cloze}", block.line, [block], section, shape="cloze")]
        draft = _faq_draft(block, section) if faq else None
        return [draft] if draft is not None else []
    if block.kind == "block_html" and block.stripped_text.lower().startswith("<details"):
        draft = _details_question(block, section)
        return [draft] if draft is not None else []
    if block.kind == "list":
        lone = _faq_draft(block, section) if faq else None
        return [lone] if lone is not None else _list_questions(block, section)
    if block.kind == "table":
        return _table_cards(block, section)
    return []


PROMPT_HEADERS = frozenset({
    "q", "word", "term", "question", "front", "prompt", "phrase", "expression", "kanji", "vocabulary",
    "wort", "begriff", "frage", "palabra", "término", "pregunta", "mot", "terme", "parola", "termine",
    "слово", "термин", "вопрос", "单词", "词语", "问题", "単語", "言葉", "質問", "단어", "질문",
})  # fmt: skip
"""First-column headers of a table whose rows are things to learn (a vocabulary, a glossary, a
quiz): each row is a card asking its first cell."""
ANSWER_HEADERS = frozenset({
    "a", "meaning", "definition", "translation", "answer", "back", "reading", "english", "description",
    "bedeutung", "übersetzung", "antwort", "significado", "definición", "traducción",
    "respuesta", "sens", "signification", "traduction", "réponse", "significato", "risposta",
    "значение", "определение", "перевод", "ответ", "意思", "释义", "答案", "意味", "読み", "訳", "答え",
    "뜻", "의미", "답",
})  # fmt: skip
LANGUAGE_HEADERS = frozenset({
    "english", "spanish", "french", "german", "italian", "portuguese", "russian", "japanese", "chinese",
    "korean", "latin", "greek", "dutch", "polish", "swedish", "norwegian", "danish", "finnish", "turkish",
    "arabic", "hebrew", "hindi", "ukrainian", "czech", "hungarian", "vietnamese", "indonesian",
    "español", "français", "deutsch", "italiano", "português", "русский", "日本語", "中文", "한국어",
    "englisch", "inglés", "anglais", "английский", "英語", "英语", "영어",
})  # fmt: skip
"""Column headers naming languages: a table of two of them is a vocabulary, asking the first."""
NUMBER_HEADERS = frozenset(
    {"", "#", "no", "no.", "nr", "nr.", "n", "n.", "n°", "nº", "№", "number", "num", "id"}
)
TABLE_ROW = re.compile(r"(?<!\\)\|")


def _table_cards(block: Block, section: tuple[str, ...]) -> list[Draft]:
    """A table whose header names a prompt column first and an answer column after it (Word |
    Reading | Meaning; Question | Answer): a card per row, its first cell asked, the others the
    answer, each under its header. Other tables (comparisons, data) are the text they stand in."""
    lines = [line.strip() for line in block.text.strip().split("\n")]
    if len(lines) < 3:
        return []
    header = _cells(lines[0])
    named = [" ".join(cell.strip("*_ ").casefold().split()) for cell in header]
    skip = 0
    while skip < len(named) - 2 and named[skip] in NUMBER_HEADERS:
        skip += 1  # a numbering column first ('# | Question | Answer')
    header, named = header[skip:], named[skip:]
    languages = len(named) >= 2 and named[0] in LANGUAGE_HEADERS and named[1] in LANGUAGE_HEADERS
    if len(named) < 2 or not (
        languages or (named[0] in PROMPT_HEADERS and ANSWER_HEADERS.intersection(named[1:]))
    ):
        return []  # 'Word | Meaning', 'Question | Answer', 'English | Spanish'; not 'Name | Age'

    drafts = []
    for offset, line in enumerate(lines[2:], 2):
        cells = _cells(line)[skip:]
        if not cells or not cells[0]:
            continue
        shown = [(header[i], cell) for i, cell in enumerate(cells[1:], 1) if cell and i < len(header)]
        if not shown:
            continue
        answer = shown[0][1] if len(shown) == 1 else "\n".join(f"{name}: {cell}  " for name, cell in shown)
        pieces = [Block("paragraph", answer.rstrip() + "\n", block.line + offset)]
        drafts.append(Draft(cells[0], block.line + offset, pieces, section, shape="table-row"))
    return drafts


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip() for cell in TABLE_ROW.split(inner)]


def _marked_question(block: Block, section: tuple[str, ...]) -> Draft | None:
    colon = block.text.find(":")
    wide = block.text.find("\uff1a")
    colon = wide if wide >= 0 and (colon < 0 or wide < colon) else colon
    dotted = DOTTED_LABEL.match(block.text.lstrip(" "))
    if dotted is not None and (colon < 0 or dotted.end(1) < colon):
        colon = len(block.text) - len(block.text.lstrip(" ")) + dotted.end(1)
    label = block.text[:colon].strip(" *_").casefold()
    full_width = block.text.lstrip(" ")[:2] in FULL_WIDTH_LABEL
    if not full_width and (colon < 0 or ("q" not in label and LABEL_ALIASES.get(label) != "question")):
        return None  # the label before the colon cannot be Q or Question: skip reading it
    marker = lead_in(block.text)
    if marker is None or marker.key not in QUESTION_MARKERS:
        return _bold_labelled_question(block, section)
    lines = marker.rest.split("\n")
    for index in range(1, len(lines)):
        answer = lead_in("\n".join(lines[index:]))
        if answer is not None and answer.key in ANSWER_MARKERS:
            question = "\n".join(lines[:index])
            answer_block = Block("paragraph", answer.rest, block.line + index)
            return Draft(question, block.line, [answer_block], section, shape="q-a")
        dotted = DOTTED_ANSWER.match(lines[index]) if marker.dotted else None
        if dotted is not None:  # 'Q. …' then 'A. …'
            rest = "\n".join([lines[index][dotted.end() :], *lines[index + 1 :]])
            answer_block = Block("paragraph", rest, block.line + index)
            return Draft("\n".join(lines[:index]), block.line, [answer_block], section, shape="q-a")
    on_its_line = _answered_on_its_line(lines, block, section)  # '**Q:** What is X? **A:** Y'
    if on_its_line is not None:
        return on_its_line
    return Draft(marker.rest, block.line, [], section, missing_answer=True, shape="q-a")


def _answered_on_its_line(lines: Sequence[str], block: Block, section: tuple[str, ...]) -> Draft | None:
    """A question answered on its first line, after its question mark and an answer's label."""
    inline = INLINE_ANSWER.search(lines[0])
    if inline is None:
        return None
    rest = "\n".join([lines[0][inline.end() :], *lines[1:]])
    question = lines[0][: inline.start() + 1].strip()
    return Draft(question, block.line, [Block("paragraph", rest, block.line)], section, shape="q-a")


INLINE_ANSWER = re.compile(
    r"[?\uff1f][ \t]+(?:\*\*|__)?(?:a|answer)[ \t]*[:\uff1a](?:\*\*|__)?[ \t]*(?=\S)", re.IGNORECASE
)
"""An answer's label right after the question mark, on the question's line."""
NUMBERED_LINE = re.compile(
    r"[ \t]{0,3}(?:(?:\*\*|__)\s*(?P<bold>\d{1,4})\s*[.)]\.?(?:\*\*|__)?|(?P<plain>\d{1,4})\)\.?)\s*(?=\S)"
)
"""A paragraph opening ``1).``, ``8)``, ``**7).`` or ``**1.**``: no list marker (``1)`` takes a space
after it, and bold is no marker), but numbered all the same; a run of them is a class of questions,
each answered below."""
ANSWER_LABEL = re.compile(
    r"[ \t]*(?:\*\*|__)?(?:ans(?:wer)?|antwort|respuesta|réponse|ответ|відповідь)\s*(?:\)\.?|[.:\-\u2013])"
    r"(?:\*\*|__)?[ \t]*",
    re.IGNORECASE,
)
"""``Ans).``, ``Answer -``, ``Ответ:``: the label opening an answer written on its own line."""


def _numbered_line(block: Block) -> re.Match[str] | None:
    return NUMBERED_LINE.match(block.text) if block.kind == "paragraph" else None


def _numbered_line_draft(block: Block, section: tuple[str, ...]) -> Draft | None:
    """A paragraph of a run opening ``N)``: its first line the question (without its number and
    bold), the rest of the paragraph (after an ``Ans).`` label) its answer's start."""
    found = _numbered_line(block)
    if found is None:
        return None
    first, _, rest = block.text[found.end() :].partition("\n")
    question = first.strip().removesuffix("**").removesuffix("__").strip()
    if not question:
        return None
    label = ANSWER_LABEL.match(rest)
    answer = rest[label.end() :] if label else rest
    pieces = [Block("paragraph", answer, block.line + 1)] if answer.strip() else []
    number = found.group("bold") or found.group("plain")
    return Draft(f"{number}. {question}", block.line, pieces, section, shape="numbered-line")


BOLD_LABEL = re.compile(rf"{QUESTION_LABEL}\s*", re.I)


def _bold_labelled_question(block: Block, section: tuple[str, ...]) -> Draft | None:
    """``**Q: Walk me through …**``: the label inside the bold line; a question, asking or not, its
    answer the rest of the paragraph or the ``A:`` paragraph below."""
    first, _, rest = block.stripped_text.partition("\n")
    text = whole_line_strong(first)
    label = BOLD_LABEL.match(text) if text else None
    if text is None or label is None or not text[label.end() :].strip():
        return None
    question = BOLD_LABEL.sub("", first.strip()[2:-2].strip(), count=1)
    if not rest.strip():  # answered below, as a bold question is ('A:' there or not)
        return Draft(question, block.line, [], section, shape="q-a")
    answer = lead_in(rest)
    text = answer.rest if answer is not None and answer.key in ANSWER_MARKERS else rest
    return Draft(question, block.line, [Block("paragraph", text, block.line + 1)], section, shape="q-a")


DEFINITION_LINE = re.compile(r"(?P<term>\S.{0,79}?)[ \t]+(?:::|\u2014|\u2013)[ \t]+(?P<meaning>\S.*)")
"""``term :: meaning`` or ``term — meaning``: a glossary's or a vocabulary's line."""
DEFINITION = re.compile(r"^:[ \t]+(?=\S)")


def _definition_lines(block: Block, section: tuple[str, ...]) -> list[Draft]:
    """A paragraph of ``term :: meaning`` (or ``term — meaning``) lines, every line one: a card
    asking each term; read where the run holds three or more."""
    if "::" not in block.text and "\u2014" not in block.text and "\u2013" not in block.text:
        return []
    drafts = []
    for offset, line in enumerate(block.stripped_text.split("\n")):
        found = DEFINITION_LINE.fullmatch(line.strip())
        if found is None or "`" in found.group("term") or not _one_phrase(found.group("meaning")):
            return []
        answer = Block("paragraph", found.group("meaning") + "\n", block.line + offset)
        drafts.append(Draft(found.group("term"), block.line + offset, [answer], section, shape="definition"))
    return drafts


SENTENCE_BREAK = re.compile(r"[.!?;]\s+\S")


def _one_phrase(meaning: str) -> bool:
    """Whether a meaning is one short phrase, as a glossary's and a vocabulary's are (a list of
    sections, each described in sentences, is a summary, not a glossary)."""
    return len(meaning) <= 100 and not SENTENCE_BREAK.search(meaning)


def _definition_list(block: Block, section: tuple[str, ...]) -> list[Draft]:
    """A definition list (pandoc's and PHP Markdown Extra's): a term's line, then its meaning on
    lines opening ``: ``; a card per term."""
    lines = block.stripped_text.split("\n")
    if len(lines) < 2 or DEFINITION.match(lines[0]) or not DEFINITION.match(lines[1]):
        return []  # a meaning needs its term above it
    drafts: list[Draft] = []
    for offset, line in enumerate(lines):
        meaning = DEFINITION.match(line)
        if meaning is None:
            if offset + 1 >= len(lines) or not DEFINITION.match(lines[offset + 1]):
                return []  # a line that is neither a term over a meaning nor a meaning
            drafts.append(Draft(line.strip(), block.line + offset, [], section, shape="definition"))
            continue
        text = line[meaning.end() :].strip()
        previous = drafts[-1].pieces
        if previous:
            previous[-1] = previous[-1]._replace(text=previous[-1].text + text + "\n")
        else:
            previous.append(Block("paragraph", text + "\n", block.line + offset))
    return drafts


def _cloze_paragraph(block: Block) -> bool:
    """A paragraph holding Anki's deletions (``{{c1::…}}``), outside code spans."""
    return block.kind == "paragraph" and MAYBE_CLOZE in block.text and bool(cloze_numbers(block.text)[0])


def _answered_below(block: Block, section: tuple[str, ...]) -> Draft | None:
    """A paragraph that asks, then answers on a line labelled as the answer (``Answer: …``), or
    after the question mark on its line (``What is X? **Answer:** Y``)."""
    lines = block.text.split("\n")
    if not QUESTION_LINE.match(lines[0]) and (on_its_line := _answered_on_its_line(lines, block, section)):
        return on_its_line
    for index in range(1, len(lines)):
        if ":" not in lines[index] and "\uff1a" not in lines[index]:
            continue
        answer = lead_in("\n".join(lines[index:]))
        if answer is not None and answer.key in ANSWER_MARKERS:
            question = " ".join(" ".join(lines[:index]).split())
            if not ends_asking(question):
                return None
            return Draft(question, block.line, [Block("paragraph", answer.rest, block.line + index)],
                         section, shape="q-a")  # fmt: skip
    return None


def _answer_paragraph(block: Block) -> Block | None:
    if block.kind != "paragraph":
        return None
    marker = lead_in(block.text)
    if marker is None or marker.key not in ANSWER_MARKERS:
        return None
    return Block("paragraph", marker.rest, block.line)


def _bold_question(
    block: Block, section: tuple[str, ...], requests: bool = False, leads: bool = False
) -> Draft | None:
    """A paragraph opening with a bold question; with ``requests`` (the run is a class of bold
    questions), also one opening with a bold request (``**Explain the event loop**``); with
    ``leads`` (the run has a class of them), a bold question with its answer on the same line."""
    first, _, rest = block.stripped_text.partition("\n")
    lead = _asking_bold_lead(first) if leads else None
    if lead is not None:
        return _lead_draft(lead, rest, block.line, section)
    asks = ends_asking(first)
    if not asks and not (requests and first.lstrip().startswith(("**", "__"))):
        return None  # not a question: skip the inline parse
    first = undecorated(first)  # a note after the bold question (its frequency, say) is no part of it
    text = whole_line_strong(first)
    if text is None or not (ends_asking(text) or (requests and heading_traits(text).requests)):
        return None
    question = first.strip()[2:-2].strip()
    pieces = [Block("paragraph", rest, block.line + 1)] if rest.strip() else []
    return Draft(question, block.line, pieces, section, shape="bold")


def _asking_bold_lead(line: str) -> tuple[str, str] | None:
    """A line opening with a bold question and answering it after (``**Why?** Because …``)."""
    lead = bold_lead(line) if "?" in line or "\uff1f" in line or "\u061f" in line else None
    if lead is None or not ends_asking(lead[0]) or lead[1].startswith(VOCABULARY_DASHES):
        return None  # '**¿Qué tal?** — How are you?' is a term and its meaning: vocabulary's
    return lead


def _lead_draft(lead: tuple[str, str], below: str, line: int, section: tuple[str, ...]) -> Draft:
    """The card of a bold question answered on its line: the rest of the line, then what is below."""
    answer = f"{lead[1]}\n{below}".strip()
    return Draft(lead[0], line, [Block("paragraph", answer + "\n", line)], section, shape="bold-lead")


def _bold_leads_class(blocks: Sequence[Block]) -> bool:
    """Whether two or more paragraphs of the run open with a bold question answered on its line."""
    leads = (
        _asking_bold_lead(block.text.partition("\n")[0])
        for block in blocks
        if block.kind == "paragraph" and block.text[:2] in ("**", "__")
    )
    return sum(1 for lead in leads if lead is not None) >= 2


def _bold_questions_class(blocks: Sequence[Block]) -> bool:
    """Whether the run's bold-led paragraphs (three or more) mostly ask: a class of bold questions,
    whose requests (``**Describe …**``) are questions too."""
    bold = [
        block
        for block in blocks
        if block.kind == "paragraph" and block.text.lstrip().startswith(("**", "__"))
    ]
    if len(bold) < 3:
        return False
    # A bold line opening like a question ('**What is Newton's first law:**') asks too.
    asking = sum(
        1 for block in bold
        if ends_asking(line := block.stripped_text.partition("\n")[0])
        or INTERROGATIVE_OPENING.match(line.lstrip("*_ "))
    )  # fmt: skip
    return 2 * asking > len(bold)


def _details_question(block: Block, section: tuple[str, ...]) -> Draft | None:
    details = open_details(block)
    if details is None or labels_answer(details[0]):
        return None  # no summary, or one labelling an answer: the question is above it
    summary, after = details
    question = " ".join(summary.split())
    end = after.lower().find("</details>")
    inside = after if end < 0 else after[:end]
    pieces = [Block("block_html", inside, block.line)] if inside.strip() else []
    return Draft(question, block.line, pieces, section, open_details=end < 0, shape="details")


def _faq_question(block: Block) -> bool:
    """A short paragraph that asks, a question on its first line with its answer on the lines
    after it, or a list of one item that asks with nothing below it (``1. What is X?`` over an
    answer written unindented): each, in a run holding two or more, an FAQ entry."""
    text = block.stripped_text
    if block.kind == "list":
        return _lone_asking_item(block) is not None
    if block.kind != "paragraph" or len(text) > FAQ_QUESTION_LENGTH * 4:
        return False
    if len(text) <= FAQ_QUESTION_LENGTH and ends_asking(text) and text.count("\n") < 3:
        return True
    first, _, rest = text.partition("\n")
    return bool(rest.strip()) and ends_asking(first) and not ends_asking(rest.rstrip())


def _lone_asking_item(block: Block) -> str | None:
    """The question of a list of one item that asks, with nothing under it."""
    text = block.stripped_text
    if "\n" in text or not ends_asking(text):
        return None
    items = list_items(text)
    if len(items) != 1 or items[0].rest or items[0].heading:
        return None
    return items[0].first_line


def _faq_draft(block: Block, section: tuple[str, ...]) -> Draft | None:
    """An FAQ entry (see ``_faq_question``): its question, its answer below it."""
    if not _faq_question(block):
        return None
    if block.kind == "list":
        question = _lone_asking_item(block) or ""
        return Draft(_unemphasised(question), block.line, [], section, shape="faq")
    text = block.stripped_text
    if ends_asking(text) and text.count("\n") < 3:
        return Draft(_unemphasised(" ".join(text.split())), block.line, [], section, shape="faq")
    first, _, rest = text.partition("\n")
    answer = Block("paragraph", rest + "\n", block.line + 1)
    return Draft(_unemphasised(first.strip()), block.line, [answer], section, shape="faq")


def _unemphasised(question: str) -> str:
    """The question without the emphasis around all of it (``*What is GDP?*``)."""
    if (
        len(question) > 2
        and question[0] in "*_"
        and question[-1] == question[0]
        and question[1] != question[0]
    ):
        tokens = inline_tokens(question)
        if len(tokens) == 1 and tokens[0]["type"] == "emphasis":
            return question[1:-1].strip()
    return question


def _vocabulary(block: Block, section: tuple[str, ...]) -> list[Draft]:
    """``**term** — meaning`` lines: each a card asking the term."""
    drafts = []
    for offset, line in enumerate(block.stripped_text.split("\n")):
        tokens = inline_tokens(line.strip())
        if len(tokens) < 2 or tokens[0]["type"] != "strong" or tokens[1]["type"] != "text":
            return []
        after = str(tokens[1]["raw"]).lstrip()
        if after.startswith("::"):
            return []  # ``**Source**:: …``: a Dataview field, the note's metadata, not a term
        dash = next((d for d in VOCABULARY_DASHES if after.startswith(d)), None)
        closing = line.find("**", line.find("**") + 2)
        if dash is None or closing < 0:
            return []
        meaning = line[closing + 2 :].lstrip()[len(dash) :].strip()
        term = line[: closing + 2].strip()[2:-2].strip()
        if not meaning or not term:
            return []
        answer = Block("paragraph", meaning + "\n", block.line + offset)
        drafts.append(Draft(term, block.line + offset, [answer], section, shape="vocabulary"))
    return drafts


def _list_questions(block: Block, section: tuple[str, ...]) -> list[Draft]:
    """Questions written as list items: bold questions with their answer below them, Logseq
    ``#card`` blocks, and cloze sentences (each item with deletions is a note)."""
    text = block.text
    if (
        "**" not in text
        and "__" not in text
        and MAYBE_CLOZE not in text
        and ("#card" not in text and not HEADED_ITEM.search(text))
        and not any(mark in text for mark in (*QUESTION_ENDINGS, ":", "\uff1a", "\u2014", "\u2013"))
    ):
        return []  # nothing any item could be: skip the parse
    items = list_items(text)
    lines = _item_lines(block, len(items))
    headed = [(item, line) for item, line in zip(items, lines, strict=True) if item.heading]
    if len(headed) >= 2 and 2 * len(headed) > len(items):
        # ``1. ### What is X`` with the answer indented under it: each item a card.
        return [_headed_item(item, line, section) for item, line in headed]
    bold = [item for item in items if _bold_led(item)]
    asking = sum(1 for item in bold if _asks(item))
    # Most bold items ask: they are a class of questions, and the others of it are questions too
    # ('**What is N_q: `formula`**' among '**What is q?**').
    class_of_questions = len(bold) >= 3 and 2 * asking > len(bold)
    leads = [_asking_bold_lead(item.first_line) if item.first_line[:2] in ("**", "__") else None
             for item in items]  # fmt: skip
    drafts: list[Draft] = []
    if sum(1 for lead in leads if lead is not None) >= 2:
        # '- **What does X do?** It does Y.': two or more asking bold leads make a class of them.
        for item, line, lead in zip(items, lines, leads, strict=True):
            if lead is not None:
                drafts.append(_lead_draft(lead, item.rest, line, section))
            else:
                drafts.extend(_item_questions(item, line, section, class_of_questions))
        return drafts
    for item, line in zip(items, lines, strict=True):
        drafts.extend(_item_questions(item, line, section, class_of_questions))
    if drafts:
        return drafts
    return _asking_items(items, lines, section) or _defined_items(items, lines, section)


def _defined_items(items: Sequence[ListItem], lines: Sequence[int], section: tuple[str, ...]) -> list[Draft]:
    """A list of three or more ``term :: meaning`` (or ``term — meaning``) items, every item one:
    a glossary or a vocabulary, each item a card asking its term."""
    if len(items) < 3:
        return []
    drafts = []
    for item, line in zip(items, lines, strict=True):
        written = " ".join(item.paragraph.split())
        found = None if item.after_paragraph else DEFINITION_LINE.fullmatch(written)
        if found is None or "`" in found.group("term") or not _one_phrase(found.group("meaning")):
            return []
        answer = Block("paragraph", found.group("meaning") + "\n", line)
        drafts.append(Draft(found.group("term"), line, [answer], section, shape="definition"))
    return drafts


def _asking_items(
    items: Sequence[ListItem],
    lines: Sequence[int],
    section: tuple[str, ...],
    depth: int = 0,
    forced: bool = False,
) -> list[Draft]:
    """A list whose items mostly ask, two or more answered under their own line (a sub-list, an
    indented paragraph, a line run on): a class of questions, each item with an answer a card.
    Items whose only text below asks again (follow-up questions) answer nothing. Where the items
    do not ask, they may be topics over lists of questions (``- Pods`` over ``  - What is a pod?``
    over its answer): the items of all those lists together are judged as one class."""
    split = [_asked_item(item) for item in items]
    if forced or _asks_as_a_class(items, split):
        return [
            Draft(question, line, [Block("paragraph", answer + "\n", line)], section, shape="list-item")
            for (question, answer, _), line in zip(split, lines, strict=True)
            if answer
        ]
    topics = [
        (item, line) for item, line in zip(items, lines, strict=True) if item.children and item.first_plain
    ]
    below = [child for item, _ in topics for child in item.children]
    if not below or depth >= 3 or not _asks_as_a_class(below, [_asked_item(child) for child in below]):
        return []
    return [
        draft
        for item, line in topics
        for draft in _asking_items(item.children, [line] * len(item.children), (*section, item.first_plain),
                                   depth + 1, forced=True)
    ]  # fmt: skip


def _asks_as_a_class(items: Sequence[ListItem], split: Sequence[tuple[str, str, bool]]) -> bool:
    """Whether list items mostly ask (requests beside a question too), two or more answered."""
    asking = [asks for _, _, asks in split]
    if any(asking):  # requests ('Name the three states of matter.') ask too, beside a question
        asking = [
            asks or heading_traits(item.first_plain).requests
            for item, asks in zip(items, asking, strict=True)
        ]
    answered = sum(1 for (_, answer, _), asks in zip(split, asking, strict=True) if asks and answer)
    return answered >= 2 and 2 * sum(asking) > len(items) and 2 * answered >= sum(asking)


def _asked_item(item: ListItem) -> tuple[str, str, bool]:
    """The item's question (its own text when that asks, else its first line), its answer (empty
    when nothing below it answers), and whether it asks."""
    if item.heading or not item.first_line:
        return "", "", False
    labelled = _marked_question(Block("paragraph", item.paragraph, 0), ()) or _answered_below(
        Block("paragraph", item.paragraph, 0), ()
    )
    if labelled is not None and labelled.pieces:  # '- Q: … / A: …', '- What is X? **Answer:** Y'
        answer = "\n\n".join(piece.text.strip() for piece in labelled.pieces)
        return labelled.question.strip(), f"{answer}\n\n{item.after_paragraph}".strip(), True
    if ends_asking(" ".join(item.paragraph.split())):
        question, answer, asks = item.paragraph, item.after_paragraph, True
    else:
        question, answer = item.first_line, item.rest
        # What it says outside code asks ('`v?.x`' is a name): a question or a labelled one.
        words = plain_text([token for token in item.first_tokens if token["type"] != "codespan"]).strip()
        asks = ends_asking(words) or bool(QUESTION_PREFIX.match(words))
    if all(ends_asking(line.strip(" -*+\t")) for line in answer.split("\n") if line.strip()):
        answer = ""  # nothing below, or only follow-up questions
    bullet = BULLET.match(answer)
    labelled_answer = lead_in(answer[bullet.end() :]) if bullet and "\n" not in answer.strip() else None
    if labelled_answer is not None and labelled_answer.key in ANSWER_MARKERS:
        answer = labelled_answer.rest  # '  * Answer: …' under the question
    return " ".join(question.split()), answer.strip(), asks


BULLET = re.compile(r"[ \t]*[-*+][ \t]+")
HEADED_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+#{1,6}[ \t]", re.MULTILINE)
"""An item opening with a heading (``1. ### What is X``)."""
ITEM_MARKER = re.compile(r"([ \t]*)(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def _item_lines(block: Block, count: int) -> list[int]:
    """The file line of each of the list's ``count`` items: where a marker stands at the list's own
    indentation (outside fences); the list's first line for all when that does not find as many."""
    lines = block.text.split("\n")
    first = ITEM_MARKER.match(lines[0]) if lines else None
    if first is None:
        return [block.line] * count
    indent = first.group(1)
    found: list[int] = []
    fenced = False
    for offset, line in enumerate(lines):
        if line.strip().startswith(("```", "~~~")):
            fenced = not fenced
        marker = None if fenced else ITEM_MARKER.match(line)
        if marker is not None and marker.group(1) == indent:
            found.append(block.line + offset)
    return found if len(found) == count else [block.line] * count


NAVIGATION = re.compile(r"^\s*(?:\*\*|__)?\[[^\]\n]*\]\(#[^)\n]*\)(?:\*\*|__)?\s*$", re.MULTILINE)
"""A line that is only a link to a place in the same file (``**[⬆ Back to Top](#contents)**``)."""


def _headed_item(item: ListItem, line: int, section: tuple[str, ...]) -> Draft:
    answer = NAVIGATION.sub("", item.rest).strip()
    pieces = [Block("paragraph", answer + "\n", line)] if answer else []
    return Draft(item.heading, line, pieces, section, missing_answer=not answer, shape="list-heading")


def _bold_led(item: ListItem) -> bool:
    return len(item.first_tokens) == 1 and item.first_tokens[0]["type"] == "strong"


def _asks(item: ListItem) -> bool:
    return "?" in item.first_plain or ends_asking(item.first_plain)


def _item_questions(
    item: ListItem, line: int, section: tuple[str, ...], class_of_questions: bool = False
) -> list[Draft]:
    if LOGSEQ_CARD.search(item.first_line):
        question = LOGSEQ_CARD.sub(" ", item.first_line).strip()
        answer = LOGSEQ_PROPERTY.sub("", item.rest).strip()
        if "{{cloze" in question or "{{cloze" in answer:
            question, answer = numbered_deletions(LOGSEQ_CLOZE, question, answer)
            if MAYBE_CLOZE in question:  # the block itself is the cloze: its children go with it
                text = f"{question}\n\n{answer}".strip()
                return [Draft(text, line, [], section, front_back=True, shape="logseq")]
        pieces = [Block("paragraph", answer + "\n", line)] if answer else []
        return [Draft(question, line, pieces, section, missing_answer=not answer, shape="logseq")]
    if _bold_led(item) and (_asks(item) or (class_of_questions and item.rest.strip())):
        question = item.first_line.strip()
        question = question[2:-2].strip() if question[:2] in ("**", "__") else question
        pieces = [Block("paragraph", item.rest + "\n", line)] if item.rest.strip() else []
        return [Draft(question, line, pieces, section, shape="bold-item")]
    if MAYBE_CLOZE in item.paragraph:
        return [Draft(item.paragraph, line, [], section, shape="cloze-item")]
    drafts: list[Draft] = []
    for child in item.children:
        drafts.extend(_item_questions(child, line, section, class_of_questions))
    return drafts


def _inka_question(block: Block) -> bool:
    """A numbered item right above a quote: inka's question, answered in the quote."""
    return block.kind == "list" and block.stripped_text[:1].isdigit()


# Obsidian_to_Anki's note syntax (O2A): START, the note type, the fields, an optional id, END.
O2A_START = re.compile(r"START[ \t]*(?:\n|$)")
O2A_END = re.compile(r"^END[ \t]*$", re.MULTILINE)
O2A_NOTE_ID = re.compile(r"<!--\s*ID:\s*\d+\s*-->")
O2A_FIELD = re.compile(r"^(Front|Back|Text|Extra|Back Extra)\s*:\s?", re.MULTILINE)
REVERSED_TYPES = frozenset({"basic (and reversed card)", "basic (optional reversed card)"})


def _obsidian_to_anki_end(blocks: Sequence[Block], index: int) -> int | None:
    """The index of the block holding the ``END`` of an Obsidian_to_Anki note opened at ``index``
    (before any heading), or None when it never ends."""
    for end in range(index, min(len(blocks), index + 40)):
        if blocks[end].kind == "heading":
            return None
        if O2A_END.search(blocks[end].text):
            return end
    return None


def _obsidian_to_anki_note(blocks: Sequence[Block], section: tuple[str, ...]) -> Draft | None:
    """An Obsidian_to_Anki note: ``START``, its note type's name, its fields (``Front:`` may go
    without its label, ``Back:`` parts the answer off), its ``<!--ID: …-->``, ``END``."""
    text = "\n\n".join(block.text.rstrip("\n") for block in blocks) + "\n"
    body = O2A_END.split(O2A_NOTE_ID.sub("", text.split("\n", 1)[1]), maxsplit=1)[0]
    note_type, _, fields = body.partition("\n")
    parts = O2A_FIELD.split(fields)
    front, back = parts[0], ""
    for label, value in zip(parts[1::2], parts[2::2], strict=False):
        if label in ("Front", "Text"):
            front = value
        elif label == "Back":
            back = value
    front, back = front.strip(), back.strip()
    if not front:
        return None
    if note_type.strip().casefold() in REVERSED_TYPES:
        front = f"{' '.join(front.split())} {{.reverse}}"
    pieces = [Block("paragraph", back + "\n", blocks[0].line)] if back else []
    unanswered = not back and MAYBE_CLOZE not in front
    return Draft(front, blocks[0].line, pieces, section, missing_answer=unanswered, front_back=True,
                 shape="obsidian-to-anki")  # fmt: skip


def _inka_asked(blocks: Sequence[Block], index: int) -> int:
    """How many blocks before the quote at ``index`` are its inka question: the numbered item
    right above it, or that item and the list that continues its question ('1. Explain X:' over
    '- provide …'); 0 when none is."""
    if index > 0 and _inka_question(blocks[index - 1]):
        return 1
    if index > 1 and blocks[index - 1].kind == "list" and _inka_question(blocks[index - 2]):
        return 2
    return 0


def _inka_draft(question: Sequence[Block], quote: Block, section: tuple[str, ...]) -> Draft:
    first = next(iter(list_items(question[0].text)), None)
    asked = "" if first is None else first.paragraph + (f"\n\n{first.rest}" if first.rest else "")
    asked = "\n\n".join([asked.strip(), *(block.text.strip() for block in question[1:])])
    answer = Block("paragraph", _quote_text(quote), quote.line)
    # A question of several blocks is markdown of its own, kept as written (not a heading's line).
    multiple = len(question) > 1
    return Draft(asked.strip(), question[0].line, [answer], section, front_back=multiple, shape="inka")


SR_COMMENT = re.compile(r"<!--SR:[^>]*-->")
"""Obsidian Spaced Repetition's scheduling comment, kept after a card by the app."""
SIDE_SEPARATORS = {"?": False, "??": True}
"""Lines parting a multi-line card's front from its back (Obsidian's), and whether it is reversed."""


def _separated_card(
    block: Block, section: tuple[str, ...], side: str = "", reversed_side: str = ""
) -> Draft | None:
    """A paragraph with a line holding only ``?`` (or ``??``, both ways), or the file's own side
    separator (``,,``; ``,,,`` both ways, or the reversed one the vault's settings name), between
    front and back."""
    if "?" not in block.text and not (side and side in block.text):
        return None
    both_ways = reversed_side or (side + side[-1] if side else "")
    separators = {**SIDE_SEPARATORS, side: False, both_ways: True} if side else SIDE_SEPARATORS
    lines = block.stripped_text.split("\n")
    for index, line in enumerate(lines):
        if line.strip() in separators and index > 0:
            front = "\n".join(lines[:index]).strip()
            back = SR_COMMENT.sub("", "\n".join(lines[index + 1 :])).strip()
            if separators[line.strip()]:
                front = " ".join(front.split()) + " {.reverse}"
            pieces = [Block("paragraph", back + "\n", block.line + index + 1)] if back else []
            return Draft(front, block.line, pieces, section, shape="multi-line")
    return None


def _inline_cards(
    block: Block, section: tuple[str, ...], separator: str = "::", reversed_separator: str = ""
) -> list[Draft]:
    """Obsidian's ``question::answer`` (``:::`` both ways), one card per line; or with the file's
    own separator (``question ;; answer``, ``;;;`` both ways, or the reversed one the vault's
    settings name)."""
    drafts = []
    reverse = reversed_separator or separator + separator[-1]
    # A line separator (U+2028, pasted from some editors) ends a line as a person sees it.
    for offset, line in enumerate(LINE_ENDS.split(block.stripped_text)):
        line = SR_COMMENT.sub("", line).strip()
        at = _inline_separator(line) if separator == "::" else _own_separator(line, separator)
        apart = _own_separator(line, reverse) if not reverse.startswith(separator) else None
        if apart is not None and (at is None or apart < at):
            at = apart  # the vault's reversed separator, written unlike the other ('<>' beside '>>')
        if at is None:
            continue
        both_ways = line[at : at + len(reverse)] == reverse
        width = len(reverse) if both_ways else len(separator)
        question, answer = line[:at].strip(), line[at + width :].strip()
        if not question:
            continue
        if both_ways:
            question = f"{question} {{.reverse}}"
        pieces = [Block("paragraph", answer + "\n", block.line + offset)] if answer else []
        drafts.append(Draft(question, block.line + offset, pieces, section, missing_answer=not answer,
                            shape="inline"))  # fmt: skip
    return drafts


def _inline_separator(line: str) -> int | None:
    """Where a line's ``::`` parts question from answer: outside inline code, the first that is not a
    scope operator between two names (``std::move``), else the first of all."""
    in_code = False
    candidates: list[int] = []
    index = 0
    while index < len(line) - 1:
        character = line[index]
        if character == "`":
            in_code = not in_code
        elif not in_code and line.startswith("::", index):
            before = line[index - 1] if index else " "
            after = line[index + 2] if index + 2 < len(line) else " "
            if not (before.isalnum() or before in "_>") or not (after.isalnum() or after == "_"):
                return index
            candidates.append(index)
            index += 2
            continue
        index += 1
    return candidates[0] if candidates else None


LINE_ENDS = re.compile("[\n\u2028\u2029]")
WHOLE_IN_ONE_LINE = frozenset({"inline", "highlight-cloze", "obsidian-to-anki"})
"""Cards that end where their own syntax does (their line, paragraph, or ``END``): the text after
them is notes, not their answer."""
HIGHLIGHT = re.compile(r"(?<![=\w])==(?!=)([^=\n]+?)(?<!=)==(?![=\w])")
"""``==hidden words==``: a cloze deletion in a flashcards file (Obsidian's spaced repetition)."""


CLOZE_MARKS = {
    "highlight": ("==", HIGHLIGHT.pattern),
    "bold": ("**", r"(?<![*\w])\*\*(?!\*)([^*\n]+?)\*\*(?![*\w])"),
    "curly": ("{{", r"(?<!\{)\{\{(?!c\d+::)([^{}\n]+?)\}\}(?!\})"),
}
"""Each cloze mark a flashcards file may use (as its vault's settings say): the text it starts with,
and its pattern, the hidden words in its group."""


@lru_cache(maxsize=8)
def _cloze_pattern(marks: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(CLOZE_MARKS[mark][1] for mark in marks))


def _highlight_cloze(
    block: Block, section: tuple[str, ...], marks: tuple[str, ...] = ("highlight",)
) -> list[Draft]:
    """A paragraph of a flashcards file with ``==highlights==`` (or the bold or curly brackets its
    vault's settings make clozes): one cloze note, each a deletion of its own (as the app asks them)."""
    pattern = _cloze_pattern(marks)
    if not any(CLOZE_MARKS[mark][0] in block.text for mark in marks) or not pattern.search(block.text):
        return []
    (text,) = numbered_deletions(pattern, block.stripped_text)
    return [Draft(SR_COMMENT.sub("", text).strip(), block.line, [], section, shape="highlight-cloze")]


def numbered_deletions(pattern: re.Pattern[str], *texts: str) -> tuple[str, ...]:
    """The texts with each match of another app's cloze (its hidden words in group 1) an Anki
    deletion, numbered ``c1``, ``c2``, … through all the texts in order: a card for each."""
    numbers = itertools.count(1)

    def deletion(found: re.Match[str]) -> str:
        hidden = next(group for group in found.groups() if group is not None)  # the alternative that matched
        return f"{{{{c{next(numbers)}::{hidden}}}}}"

    return tuple(pattern.sub(deletion, text) for text in texts)


def _own_separator(line: str, separator: str) -> int | None:
    """Where the file's own separator parts the line, outside inline code."""
    in_code = False
    for index, character in enumerate(line):
        if character == "`":
            in_code = not in_code
        elif not in_code and line.startswith(separator, index):
            return index
    return None


OWN_SEPARATORS = (";;", "||")
"""Separators people set Obsidian's spaced repetition to instead of ``::``: a file writing one in
many lines uses it for cards."""
OWN_SIDE_SEPARATORS = (",,", ";;")
OWN_MARKS = tuple(dict.fromkeys((*OWN_SEPARATORS, *OWN_SIDE_SEPARATORS)))
"""Every separator of the two kinds, once: a block without any holds none."""
"""Lines people set it to part a multi-line card's front from its back, instead of ``?``."""


def own_separators(blocks: Sequence[Block]) -> tuple[str, str]:
    """The file's own line-card separator and multi-line separator ("" for none): one written in
    three lines or more (outside code) is the file's way of writing cards."""
    counts: dict[str, int] = dict.fromkeys(OWN_SEPARATORS, 0)
    sides: dict[str, int] = dict.fromkeys(OWN_SIDE_SEPARATORS, 0)
    for block in blocks:
        if block.kind not in ("paragraph", "list") or not any(mark in block.text for mark in OWN_MARKS):
            continue
        for line in block.text.split("\n"):
            stripped = line.strip()
            if stripped in sides:
                sides[stripped] += 1
                continue
            for separator in OWN_SEPARATORS:
                at = _own_separator(stripped, separator) if separator in stripped else None
                if at is not None and at > 0:
                    counts[separator] += 1
    line_separator = max(OWN_SEPARATORS, key=lambda separator: counts[separator])
    side = max(OWN_SIDE_SEPARATORS, key=lambda separator: sides[separator])
    found = line_separator if counts[line_separator] >= 3 else ""
    # Once the file writes line cards its own way, one side line is enough to say it does both.
    return found, side if sides[side] >= (1 if found else 2) else ""


LABELLED_QUESTION = re.compile(rf"(?:\*\*|__)\s*(?:q|{QUESTION_WORDS})\s*\d{{1,4}}[a-z]?\s*[.):]", re.I)
"""A line that opens with a bold question label (``**Q4.``, ``**Question 12)``): a card anywhere."""
ASKED_LIKE_CARDS = frozenset({"bold", "bold-item", "bold-lead", "q-a", "faq", "list-item"})
"""Shapes of cards whose answers are checked for a bold question line too (another card of theirs)."""


QUESTION_LINE = re.compile(
    r"^[ \t]*(?:\*\*|__)?[ \t]*(?:q(?:uestion)?\s*\d*\s*[:.)]|(?:"
    + "|".join(
        sorted(
            (re.escape(label) for label, key in LABEL_ALIASES.items() if key == "question"),
            key=len,
            reverse=True,
        )
    )
    + r")\s*[:\uff1a])",
    re.IGNORECASE | re.MULTILINE,
)
"""A line opening with a question's label, in any language we know (``Q:``, ``**Q4.``, ``Вопрос:``)."""


def _labels_question(line: str) -> bool:
    """Whether the words before the line's colon could be a question label (cheap, before parsing)."""
    colon = line.find(":")
    if colon < 0 or colon > 30:
        return False
    label = line[:colon].strip(" *_").casefold()
    return label in ("q", "question") or LABEL_ALIASES.get(label) == "question"


def absorbed_questions(draft: Draft) -> list[tuple[int, str]]:
    """Lines of the draft's answer shaped like a card of their own, with their file lines: a
    labelled question (``Q:`` with an answer after it, ``**Q4. …**``) under any card, and a bold
    question line under a bold (or ``Q:``) question. Each was merged into this answer; none is
    lost without a word."""
    found: list[tuple[int, str]] = []
    bold_cards = draft.shape in ASKED_LIKE_CARDS
    for block in draft.pieces:
        if block.kind != "paragraph":
            continue
        asks = bold_cards and ("?" in block.text or "\uff1f" in block.text)
        if not asks and not QUESTION_LINE.search(block.text):
            continue  # no line could be a question: most answers, checked without a line loop
        lines = block.text.split("\n")
        for offset, line in enumerate(lines):
            text = line.strip()
            if not text or (offset == 0 and block is draft.pieces[0] and draft.shape == "q-a"):
                continue
            labelled = bool(LABELLED_QUESTION.match(text))
            if not labelled and offset + 1 < len(lines) and _labels_question(text):
                marker = lead_in(text)
                labelled = (
                    marker is not None
                    and marker.key in QUESTION_MARKERS
                    and any(
                        (answer := lead_in(rest)) is not None and answer.key in ANSWER_MARKERS
                        for rest in lines[offset + 1 :]
                    )
                )
            asked = bold_cards and ends_asking(text) and whole_line_strong(undecorated(text)) is not None
            if labelled or asked:
                found.append((block.line + offset, text))
    return found
