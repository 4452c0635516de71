"""Which blocks are the title, the sections and each card: decided per file, from evidence.

A file whose headings ask (``## What is X?``, ``### Q3.``, or numbered where most numbered
headings ask) has its cards at those headings, at any level; the other headings are sections, or
parts of the answer above them (deeper, titled like ``Example``, or continuing an answer that is
all sub-sections). A file whose headings name topics has cards at the level holding the most text,
but a topic becomes a card only when the text under it marks an answer (``**Answer:**``, a
``<details>`` answer, a front/back separator), or when settings or ``---`` separators say the
headings are cards. Headings named Front and Back make front/back cards. Questions written without
card headings (``Q:``/``A:``, bold questions, app syntaxes) are found by shapes.py in the text
under the headings that are not cards.

Only block kinds, heading levels and the words of headings decide roles here: what lies inside a
card's text is the card builder's to judge (incremental.relayout relies on that).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from deckbuilder.markdown.dialect import inline_tokens, plain_text
from deckbuilder.model import DeckSettings
from deckbuilder.read.answers import SPLIT_COMMENT, marked_answer
from deckbuilder.read.blocks import Block
from deckbuilder.read.headings import HeadingTraits, heading_traits
from deckbuilder.read.pieces import closes_fence, fence_opening
from deckbuilder.read.questions import split_question
from deckbuilder.read.shapes import IN_TEXT_SHAPES, OWN_MARKS, Draft, ShapeScan, own_separators, scan_shapes
from deckbuilder.read.values import OWN_SYNTAX

LayoutProblem = tuple[int, str, str]
"""A problem the layout found: (line, severity, message)."""
QUESTION_SHARE = 5
"""Headings ask in a file when at least one in this many of its headings (the title aside) asks."""
INNER_HEADING = "inner_heading"
"""The kind given to a heading inside an open ``<details>``: part of the answer there."""


@dataclass(slots=True)
class Layout:
    """Which blocks are the title, the description, the footer and each card's draft."""

    title: str | None = None
    drafts: list[Draft] = field(default_factory=list)
    description: str = ""
    footer: str = ""
    spans: list[tuple[int, int] | None] = field(default_factory=list)
    """Each draft's (heading, end) indices in the block list; None for drafts found by shape."""
    shaped: list[int] = field(default_factory=list)
    """Headings whose text below holds a question by shape (seen while detecting the card level)."""
    problems: list[LayoutProblem] = field(default_factory=list)
    mode: str = ""
    """How the file's cards were found: questions, topics, level, front-back (for ``check -v``)."""
    separator: str = ""
    """Obsidian's line-card separator in this file (``::``, or the file's own: ``;;``)."""
    side: str = ""
    """The file's own separator line of multi-line cards (``,,``), besides ``?``."""
    reversed_marks: tuple[str, str] = ("", "")
    """The reversed forms of the two separators the vault's settings name, where they do."""
    cloze_marks: tuple[str, ...] = ("highlight",)
    """What marks cloze deletions in this flashcards file (``==highlights==`` by default)."""
    tag_deck: str | None = None
    """The deck a nested flashcards tag names (``#flashcards/biology``), unless the file names one."""
    reading: str = ""
    """How the headings were read, said in words for ``check -v`` (which are cards, which not)."""


def lay_out(
    raw_blocks: Sequence[Block],
    settings: DeckSettings,
    traits_of: Callable[[str], HeadingTraits] = heading_traits,
) -> Layout:
    """Decide which headings are the title, sections and cards, and collect the drafts in order.
    ``traits_of`` reads a heading's traits (heading_traits, or one that remembers them)."""
    problems: list[LayoutProblem] = []
    blocks, separated = prepare(raw_blocks, problems)
    headings = [i for i, block in enumerate(blocks) if block.kind == "heading"]
    title_index = _title_index(blocks, headings, settings, traits_of)
    layout = Layout(title=_heading_plain(blocks[title_index]) if title_index is not None else None)
    layout.problems = problems
    if settings.card_level is None and _separator_cards(blocks, layout):
        return layout
    others = [h for h in headings if h != title_index]
    roles = _Roles(blocks, others, separated, settings, layout, traits_of)
    other_apps = OWN_SYNTAX not in settings.syntax
    separator, side = own_separators(blocks) if other_apps else ("", "")
    tags = settings.flashcard_tags
    tagged = [block for block in blocks if _tagged_flashcards(block, tags)] if other_apps else []
    if other_apps and (separator or side or "obsidian" in settings.syntax or tagged):
        layout.mode = "obsidian"  # the app's own rule: headings are sections, cards are in lines
        inline, inline_reversed, multi, multi_reversed = settings.card_separators
        # The vault's own separators where its settings name others than the plugin's defaults.
        separator = separator or (inline if inline != "::" else "")
        side = side or (multi if multi != "?" else "")
        layout.separator, layout.side = separator or "::", side
        layout.reversed_marks = (
            inline_reversed if inline_reversed != inline + inline[-1] else "",
            multi_reversed if multi_reversed != multi + multi[-1] else "",
        )
        layout.cloze_marks = settings.cloze_marks
        layout.tag_deck = next((found for block in tagged if (found := _tag_deck(block, tags))), None)
        layout.reading = (
            f"flashcards by Obsidian's rule: headings are sections, cards are '{layout.separator}' lines "
            f"and '{side or '?'}' separated lines"
        )
    else:
        roles.decide()
    _collect(blocks, headings, title_index, roles, layout)
    return layout


@lru_cache(maxsize=16)
def flashcards_tag(tags: tuple[str, ...]) -> re.Pattern[str]:
    """The tags Obsidian Spaced Repetition requires of a note before it reads ``::`` cards in it
    (``#flashcards`` unless the vault's settings say others), nested ones too (``#flashcards/a/b``)."""
    names = "|".join(re.escape(tag if tag.startswith("#") else f"#{tag}") for tag in tags if tag.strip("#"))
    return re.compile(rf"(?:^|\s)(?:{names or '#flashcards'})(?:/([\w/-]*))?(?=\s|$)")


FRONT_BACK_SEPARATORS = frozenset({". . .", "%", "???"})


def may_switch_reading(text: str, tags: tuple[str, ...] = ("#flashcards",)) -> bool:
    """Whether text holds what decides a whole file's reading at once (a ``#flashcards`` tag, a
    separator of line cards): an edit adding it must lay the file out again."""
    return any(tag.lstrip("#") in text for tag in tags) or any(mark in text for mark in OWN_MARKS)


def _tagged_flashcards(block: Block, tags: tuple[str, ...]) -> bool:
    return (
        block.kind == "paragraph"
        and any(tag.lstrip("#") in block.text for tag in tags)
        and bool(flashcards_tag(tags).search(block.text))
    )


def _tag_deck(block: Block, tags: tuple[str, ...]) -> str | None:
    """The deck a nested flashcards tag names (``#flashcards/biology/cells``: ``biology::cells``)."""
    for found in flashcards_tag(tags).finditer(block.text):
        if found.group(1) and found.group(1).strip("/"):
            return "::".join(part for part in found.group(1).split("/") if part)
    return None


def _separator_cards(blocks: list[Block], layout: Layout) -> bool:
    """Cards between ``---`` lines, each with a line parting front from back (pandoc's pause
    ``. . .``, md2apkg's ``%``, a ``<!-- split -->`` comment): when most stretches have one."""
    chunks: list[list[Block]] = [[]]
    for block in blocks:
        if block.kind == "thematic_break":
            chunks.append([])
        else:
            chunks[-1].append(block)
    filled = [chunk for chunk in chunks if chunk]
    parted = [chunk for chunk in filled if _separator_at(chunk) is not None]
    if len(parted) < 2 or 2 * len(parted) < len(filled):
        return False
    layout.mode = "separated"
    layout.reading = f"cards: {len(parted)} stretches between '---' lines, a line parting front from back"
    for chunk in filled:
        at = _separator_at(chunk)
        if at is None:
            layout.problems.append((chunk[0].line, "warning", (
                "this stretch between '---' lines has no line parting front from back "
                "('. . .' or '%'), so it is not a card")))  # fmt: skip
            continue
        question = "".join(block.text for block in chunk[:at]).strip()
        draft = Draft(question, chunk[0].line, list(chunk[at + 1 :]), front_back=True, shape="separated")
        layout.drafts.append(draft)
        layout.spans.append(None)
    return True


def _separator_at(chunk: list[Block]) -> int | None:
    for index, block in enumerate(chunk):
        if index and block.kind == "paragraph" and block.stripped_text in FRONT_BACK_SEPARATORS:
            return index
        if index and block.kind == "block_html" and SPLIT_COMMENT.fullmatch(block.stripped_text):
            return index
    return None


def prepare(raw: Sequence[Block], problems: list[LayoutProblem]) -> tuple[list[Block], set[int]]:
    """The blocks as the layout reads them: a heading inside an open ``<details>`` is part of the
    answer there; a line underlined with ``---`` right under a heading is that card's answer and a
    separator (CommonMark reads it as a heading). Also reports fences and ``<details>`` that never
    close and hide headings (cards) below them. Returns the blocks, one for one, and the indices of
    answers that were followed by such a separator."""
    blocks = list(raw)
    separated: set[int] = set()
    depth = 0
    opened_at = 0
    hidden = 0
    for index, block in enumerate(blocks):
        if block.kind == "block_html":
            lowered = block.text.lower()
            opens, closes = lowered.count("<details"), lowered.count("</details")
            if depth == 0 and opens > closes:
                opened_at, hidden = block.line, 0
            depth = max(0, depth + opens - closes)
        if block.kind == "block_html":
            unclosed = _unclosed_html(block.text)
            if unclosed is not None:
                opener, closer = unclosed
                problems.append((block.line, "error", (
                    f"this {opener} never closes, so everything below it is read as raw HTML, not "
                    f"cards; close it with {closer}")))  # fmt: skip
        elif block.kind == "heading":
            if depth > 0:
                blocks[index] = block._replace(kind=INNER_HEADING)
                hidden += 1
            elif _is_underlined_answer(blocks, index):
                text, _, _ = block.text.rstrip("\n").rpartition("\n")
                blocks[index] = block._replace(kind="paragraph", text=text + "\n\n", level=0, heading="")
                separated.add(index)
        elif block.kind == "block_code" and unclosed_fence(block.text):
            swallowed = _heading_lines(block.text)
            if swallowed:
                problems.append((block.line, "error", (
                    f"this code fence never closes, so the {swallowed} heading(s) below it are read as "
                    "code, not cards; close it with a line of the same backticks")))  # fmt: skip
    if depth > 0 and hidden:
        problems.append((opened_at, "error", (
            f"this <details> never closes, so the {hidden} heading(s) below it are read as part of one "
            "answer, not as cards; close it with </details>")))  # fmt: skip
    return blocks, separated


RAW_HTML_ENDS = (
    (re.compile(r"<!--"), "<!--", "-->"),
    (re.compile(r"<\?"), "<?", "?>"),
    (re.compile(r"<!\[CDATA\[", re.IGNORECASE), "<![CDATA[", "]]>"),
    (re.compile(r"<(script|pre|style|textarea)(?=[\s>]|$)", re.IGNORECASE), "", ""),
)
"""HTML blocks that run past blank lines until their end (CommonMark's kinds 1 to 3 and 5): one left
open takes the rest of the file."""


def _unclosed_html(text: str) -> tuple[str, str] | None:
    """The opener and closer of an HTML block that never closes and runs on past a blank line into
    more text (everything below it, then); None otherwise."""
    stripped = text.lstrip()
    for pattern, opener, closer in RAW_HTML_ENDS:
        found = pattern.match(stripped)
        if found is None:
            continue
        if not opener:
            opener, closer = f"<{found.group(1).lower()}>", f"</{found.group(1).lower()}>"
        ran_on = re.search(r"\n[ \t]*\n\s*\S", stripped) is not None
        return (f"'{opener}'", f"'{closer}'") if closer.lower() not in stripped.lower() and ran_on else None
    return None


def _is_underlined_answer(blocks: list[Block], index: int) -> bool:
    block = blocks[index]
    if block.stripped_text.startswith("#") or not block.stripped_text.endswith("-"):
        return False
    previous = blocks[index - 1] if index else None
    return previous is not None and previous.kind == "heading" and previous.stripped_text.startswith("#")


def unclosed_fence(text: str) -> bool:
    """Whether a code block's text opens a fence and never closes it."""
    lines = text.rstrip("\n").split("\n")
    fence = fence_opening(lines[0])
    return fence is not None and not any(closes_fence(line, fence) for line in lines[1:])


def _heading_lines(text: str) -> int:
    return sum(
        1 for line in text.split("\n")[1:] if line.startswith("#") and line.lstrip("#")[:1] in (" ", "")
    )


@dataclass(slots=True)
class _Roles:
    """The role of each heading: a card (question or topic), a part of an answer, or a section."""

    blocks: list[Block]
    headings: list[int]
    """The headings but the title."""
    separated: set[int]
    settings: DeckSettings
    layout: Layout
    traits_of: Callable[[str], HeadingTraits]
    cards: dict[int, bool] = field(default_factory=dict)
    """Card headings, each with whether it is a topic (a card only when its text marks an answer)."""
    parts: set[int] = field(default_factory=set)
    """Headings that stay in the answer of the card above them."""
    fronts: dict[int, int] = field(default_factory=dict)
    stretch_ends: dict[int, int] = field(default_factory=dict)
    """Each heading's stretch end (see _stretch_end), made on first use."""
    """Front headings and the back heading that goes with each."""

    def decide(self) -> None:
        if self.settings.card_level is not None:
            self.layout.mode = "level"
            self.layout.reading = f"every level-{self.settings.card_level} heading is a card (card_level)"
            self._by_level(self.settings.card_level, topics=False)
            return
        traits = {h: self.traits_of(self.blocks[h].heading) for h in self.headings}
        numbered = [h for h in self.headings if traits[h].numbered]
        numbered_ask = 2 * sum(1 for h in numbered if traits[h].asks) >= len(numbered) > 0
        asking = [h for h in self.headings if traits[h].asks or (numbered_ask and traits[h].numbered)]
        share_asks = bool(asking) and len(asking) * QUESTION_SHARE >= len(self.headings)
        members = self._card_class(traits)
        if members:
            # The class decides its level; the file's other questions count where no member's
            # answer holds them (a question inside an answer is a part of it).
            inside = self._inside(members)
            extra = {h for h in asking if h not in inside} if share_asks else set()
            self.layout.mode = "questions"
            self._questions(members | extra)
            if extra - members:
                self.layout.reading += f"; {len(extra - members)} other headings that ask are cards too"
            if inside:
                self.layout.reading += f"; {len(inside)} headings inside their answers are parts of them"
            return
        if share_asks:
            self.layout.mode = "questions"
            self.layout.reading = (
                f"cards: {len(asking)} headings that ask; the other {len(self.headings) - len(asking)} "
                "are sections or parts of answers"
            )
            self._questions(set(asking))
            return
        sides = [traits[h].side for h in self.headings]
        if "front" in sides and "back" in sides:
            self.layout.mode = "front-back"
            self.layout.reading = "cards: a 'Front' heading with the 'Back' heading after it"
            self._front_back()
            return
        level = _detect_card_level(self.blocks, self.headings, self.layout.shaped)
        if level is not None:
            self.layout.mode = "topics"
            separated = self._separated_deck(level)
            self.layout.reading = (
                f"cards: level-{level} headings, each ended by a '---' line"
                if separated
                else f"no heading asks: headings are topics, cards where the text below marks an answer "
                f"(level {level} holds the most text)"
            )
            self._by_level(level, topics=not separated)

    def _card_class(self, traits: Mapping[int, HeadingTraits]) -> set[int]:
        """The headings of the file's card class: of one level and numbered alike (or not at all),
        mostly asking (a question, or a request among questions) or all labelled ``Q1.``, with text
        under several. Of several such classes, the one whose members have text of their own (not
        only sub-headings) wins, then the outermost; classes of its level come with it."""
        classes: dict[tuple[int, str], list[int]] = {}
        for h in self.headings:
            if not (traits[h].answer_part or traits[h].side):
                classes.setdefault((self.blocks[h].level, traits[h].numbering), []).append(h)
        found: list[tuple[bool, int, list[int], bool]] = []
        for (level, numbering), heads in classes.items():
            bodies = sum(1 for h in heads if self._stretch_has_content(h))
            if len(heads) < 2 or bodies < 2 or 3 * bodies < len(heads):
                continue
            asks = sum(1 for h in heads if traits[h].asks)
            alike = sum(1 for h in heads if traits[h].asks or traits[h].requests)
            labelled = numbering == "label" or (
                4 * asks >= len(heads) and _shared_label([self.blocks[h].heading for h in heads])
            )
            # Requests alone make no class (titles start with verbs too) unless numbered alike,
            # or three or more, every one a request and none a how-to (a manual's sections);
            # numbered tasks ('## 3. Design a rate limiter') likewise, when every one is a task or
            # a question: a tutorial's numbered steps are not all tasks ('Deploy').
            requests = len(heads) >= 3 and all(
                traits[h].asks
                or ((traits[h].requests or traits[h].exercise) and not HOW_TO.match(self.blocks[h].heading))
                for h in heads
            )
            if labelled or requests or (2 * alike > len(heads) and (numbering or 4 * asks >= len(heads))):
                own = sum(1 for h in heads if not self._body_empty(h))
                found.append((2 * own < len(heads), level, heads, labelled))
        if not found:
            return set()
        found.sort(key=lambda item: item[:2])
        level = found[0][1]
        self.layout.reading = "; ".join(
            f"{'cards' if at == level else 'not cards (another class)'}: {len(heads)} level-{at} headings"
            f"{_numbered_as(traits[heads[0]].numbering, labelled)}"
            for _, at, heads, labelled in found
        )
        # A member named like a topic (``React Hooks`` among questions) stays a topic: a card only
        # when its text marks an answer; numbered or labelled like the others, it is one.
        return {h for _, at, heads, labelled in found if at == level for h in heads
                if labelled or traits[h].asks or traits[h].requests or traits[h].numbering}  # fmt: skip

    def _stretch_end(self, h: int) -> int:
        """Where the heading's stretch ends: at the next heading of its level or above."""
        if not self.stretch_ends:
            # All at once, in one pass with a stack of the headings still open: one heading at a
            # time would look ahead over the rest of the file each, quadratic at 40,000 cards.
            open_headings: list[int] = []
            for other in self.headings:
                level = self.blocks[other].level
                while open_headings and self.blocks[open_headings[-1]].level >= level:
                    self.stretch_ends[open_headings.pop()] = other
                open_headings.append(other)
            self.stretch_ends.update(dict.fromkeys(open_headings, len(self.blocks)))
        return self.stretch_ends.get(h, len(self.blocks))

    def _stretch_has_content(self, h: int) -> bool:
        return _has_content([block for block in self.blocks[h + 1 : self._stretch_end(h)]
                             if block.kind != "heading"])  # fmt: skip

    def _inside(self, members: set[int]) -> set[int]:
        """The headings inside the members' stretches (deeper, before the next of their level)."""
        inside: set[int] = set()
        for h in members:
            end = self._stretch_end(h)
            first = bisect.bisect_right(self.headings, h)
            inside.update(self.headings[first : bisect.bisect_left(self.headings, end, first)])
        return inside

    def _questions(self, asking: set[int]) -> None:
        current: int | None = None
        empty = True
        continued = False
        for h in self.headings:
            block = self.blocks[h]
            if h in asking:
                current, empty, continued = h, self._body_empty(h), False
                self.cards[h] = False
                continue
            if current is not None:
                level, own = self.blocks[current].level, self.traits_of(block.heading)
                same = block.level == level
                # Numbered like the card above, it is the next of their class ('4. The image is:'),
                # however it ends.
                sibling = same and bool(own.numbering) and own.numbering == self._numbering(current)
                part = own.answer_part and not sibling
                if block.level > level or part or (same and (empty or continued) and not sibling):
                    self.parts.add(h)
                    continued = continued or same
                    continue
            current = None
            if not self._body_empty(h) and not scan_shapes(self._body(h)).drafts:
                # A topic among questions: a card only if its text marks an answer or holds cloze
                # deletions (the card builder decides, and says why not with -v).
                self.cards[h] = True

    def _numbering(self, h: int) -> str:
        return self.traits_of(self.blocks[h].heading).numbering

    def _front_back(self) -> None:
        pending: int | None = None
        for h in self.headings:
            side = self.traits_of(self.blocks[h].heading).side
            if side == "front":
                if pending is not None:
                    self._lone_side(pending, "front")
                pending = h
            elif side == "back":
                if pending is None:
                    self._lone_side(h, "back")
                else:
                    self.fronts[pending] = h
                    pending = None
        if pending is not None:
            self._lone_side(pending, "front")

    def _lone_side(self, h: int, side: str) -> None:
        other = "back" if side == "front" else "front"
        self.layout.problems.append((self.blocks[h].line, "warning", (
            f"a {side} side with no {other} side after it is not a card; "
            f"add a '{other.capitalize()}' heading")))  # fmt: skip

    def _by_level(self, level: int, topics: bool) -> None:
        """Cards at ``level``; for topics, any heading may be one (the card builder keeps those whose
        text marks an answer), but those holding questions by shape are sections."""
        shaped = set(self.layout.shaped)
        for h in self.headings:
            if self._is_container(h) or (topics and h in shaped):
                continue
            if self.blocks[h].level == level or (topics and not self._body_empty(h)):
                self.cards[h] = topics

    def _separated_deck(self, level: int) -> bool:
        """Cards separated by ``---`` lines: most headings of the level end their text with one."""
        at_level = [h for h in self.headings if self.blocks[h].level == level]
        ended = 0
        for h in at_level:
            end = self._next_heading(h)
            last = self.blocks[end - 1] if end - 1 > h else None
            if last is not None and (last.kind == "thematic_break" or end - 1 in self.separated):
                ended += 1
        return len(at_level) >= 2 and 2 * ended >= len(at_level)

    def _next_heading(self, h: int) -> int:
        return _next_heading(self.headings, h, len(self.blocks))

    def _body(self, h: int) -> list[Block]:
        return self.blocks[h + 1 : self._next_heading(h)]

    def _body_empty(self, h: int) -> bool:
        return not _has_content(self._body(h))

    def _is_container(self, h: int) -> bool:
        """A heading with nothing under it but deeper headings is a section, not a card."""
        end = self._next_heading(h)
        return (
            self._body_empty(h) and end < len(self.blocks) and self.blocks[end].level > self.blocks[h].level
        )


def _numbered_as(numbering: str, labelled: bool) -> str:
    """How a class of headings is written, in words."""
    if numbering == "label":
        return " labelled as questions ('Q1.')"
    written = f" numbered '1{numbering}'" if numbering else ""
    return written + (", labelled alike" if labelled else ", asking")


HOW_TO = re.compile(r"\W*(?:how|when|where)\s+to\b", re.IGNORECASE)
"""``How to install``: a request in form, the title of a manual's section in use."""
LABEL_PREFIX = re.compile(r".{2,60}?(?:\)\s*[-\u2013\u2014:|]|\s[-\u2013\u2014|]|\]\s*[-\u2013\u2014:|]?)\s")
"""A heading's leading label ending in a separator: ``(Section: Repair) - ``, ``[Kafka] ``."""


def _shared_label(texts: Sequence[str]) -> bool:
    """Whether most of the headings (three at least) open with one and the same label: a tool's or
    the author's mark on every card (``(Section: Repair) - What is …``)."""
    labels = Counter(found.group() for text in texts if (found := LABEL_PREFIX.match(text)) is not None)
    if not labels:
        return False
    _, count = labels.most_common(1)[0]
    return count >= 3 and 3 * count >= 2 * len(texts)


def _collect(
    blocks: list[Block], headings: list[int], title_index: int | None, roles: _Roles, layout: Layout
) -> None:
    """The drafts in order: card headings with their text, shapes in the text of the others."""
    first = headings[0] if headings else len(blocks)
    preamble = _scan(layout, blocks[:first], ())
    _add_shaped(layout, preamble.drafts)
    description = list(preamble.before_first)
    sections: list[tuple[int, str]] = []
    backs = set(roles.fronts.values())
    position = first
    heading_set = set(headings)
    while position < len(blocks):
        heading = blocks[position]
        body_end = _next_heading(headings, position, len(blocks))
        if position == title_index:
            scan = _scan(layout, blocks[position + 1 : body_end], ())
            _add_shaped(layout, scan.drafts)
            description.extend(scan.before_first)
            position = body_end
            continue
        if position in roles.cards:
            end = _card_end(blocks, position, heading_set, roles)
            path = tuple(name for level, name in sections if level < heading.level)
            draft = Draft(heading.heading, heading.line, list(blocks[position + 1 : end]), path)
            draft.topic = roles.cards[position]
            layout.drafts.append(draft)
            layout.spans.append((position, end))
            position = end
            continue
        if position in roles.fronts:
            back = roles.fronts[position]
            end = _side_end(blocks, back, heading_set)
            path = tuple(name for level, name in sections if level < heading.level)
            question = "".join(block.text for block in blocks[position + 1 : back]).strip()
            draft = Draft(question, heading.line, list(blocks[back + 1 : end]), path)
            draft.front_back = True
            _add_shaped(layout, [draft])
            position = end
            continue
        if position in backs or heading.kind != "heading":
            position = body_end
            continue
        while sections and sections[-1][0] >= heading.level:
            sections.pop()
        sections.append((heading.level, _section_name(heading)))
        path = tuple(name for _, name in sections)
        shaped = _scan(layout, blocks[position + 1 : body_end], path)
        _add_shaped(layout, shaped.drafts)
        position = body_end
    layout.description = _joined(description)
    footer = _split_footer(layout.drafts)
    if footer:
        # Cards of another shape after the last card's '---' are cards, not the deck's footer.
        after = _scan(layout, footer, ())
        _add_shaped(layout, after.drafts)
        footer = after.before_first if after.drafts else footer
    layout.footer = _joined(footer)


def _card_end(blocks: list[Block], position: int, heading_set: set[int], roles: _Roles) -> int:
    level = blocks[position].level
    for index in range(position + 1, len(blocks)):
        if index not in heading_set or index in roles.parts:
            continue
        if index in roles.cards or index in roles.fronts or blocks[index].level <= level:
            return index
        if roles.layout.mode == "questions":
            return index  # a deeper heading that is not part of the answer (a section of its own)
    return len(blocks)


def _side_end(blocks: list[Block], back: int, heading_set: set[int]) -> int:
    """The back side runs to the next heading at its level or above, or a ``---`` separator."""
    level = blocks[back].level
    for index in range(back + 1, len(blocks)):
        if blocks[index].kind == "thematic_break":
            return index
        if index in heading_set and blocks[index].level <= level:
            return index
    return len(blocks)


def _scan(layout: Layout, blocks: Sequence[Block], section: tuple[str, ...]) -> ShapeScan:
    """The questions by shape in the blocks, read with the file's separators."""
    return scan_shapes(
        blocks, section, layout.separator, layout.side, layout.reversed_marks, layout.cloze_marks
    )


def _add_shaped(layout: Layout, drafts: list[Draft]) -> None:
    layout.drafts.extend(drafts)
    layout.spans.extend(None for _ in drafts)


def _title_index(
    blocks: Sequence[Block],
    headings: list[int],
    settings: DeckSettings,
    traits_of: Callable[[str], HeadingTraits] = heading_traits,
) -> int | None:
    if not headings or settings.card_level == 1:
        return None
    top_level = [h for h in headings if blocks[h].level == 1]
    if len(top_level) == 1 and top_level[0] == headings[0]:
        if traits_of(blocks[headings[0]].heading).asks and settings.card_level is None:
            return None  # a question, not a title: a one-card file
        return headings[0]
    return None


def _has_content(blocks: Sequence[Block]) -> bool:
    return any(block.kind != "thematic_break" for block in blocks)


def _detect_card_level(blocks: Sequence[Block], headings: list[int], shaped: list[int]) -> int | None:
    """The heading level that holds the most answers directly (ties go to the deeper level); the
    headings whose text below holds a question by shape are added to ``shaped`` (those holding only
    shapes that also stand in notes' text, when nothing there marks an answer)."""
    counts: dict[int, int] = {}
    for h in headings:
        body = blocks[h + 1 : _next_heading(headings, h, len(blocks))]
        if not _has_content(body):
            continue
        drafts = scan_shapes(body).drafts
        strong = any(draft.shape not in IN_TEXT_SHAPES for draft in drafts)
        # Questions that also stand in notes' text (a worked example's 'Why …?' steps) leave the
        # heading's level counted; they make a section of a topic whose text marks no answer.
        if strong or (drafts and marked_answer(body) is None):
            shaped.append(h)
        if not strong:
            counts[blocks[h].level] = counts.get(blocks[h].level, 0) + 1
    if not counts:
        # No heading holds an answer: still treat the deepest headings as cards, so that each is
        # reported as a question without an answer rather than the file as having no cards.
        levels = [blocks[h].level for h in headings]
        return max(levels) if levels else None
    return max(counts, key=lambda level: (counts[level], level))


def _next_heading(headings: Sequence[int], position: int, end: int) -> int:
    """The first of ``headings`` (block indices, in order) after ``position``, else ``end``."""
    after = bisect.bisect_right(headings, position)
    return headings[after] if after < len(headings) else end


def _split_footer(drafts: list[Draft]) -> list[Block]:
    """A thematic break in the last card's answer ends the card; what follows is the deck's footer."""
    if not drafts or drafts[-1].front_back:
        return []
    last = drafts[-1]
    for index, block in enumerate(last.pieces):
        if block.kind == "thematic_break" and index > 0:  # a rule right under it parts it from its answer
            footer = last.pieces[index + 1 :]
            last.pieces = last.pieces[:index]
            return footer
    return []


def _heading_plain(block: Block) -> str:
    return plain_text(inline_tokens(block.heading)).strip()


def _section_name(block: Block) -> str:
    parts = split_question(block.heading)
    return plain_text(inline_tokens(parts.text)).strip()


def _joined(blocks: Sequence[Block]) -> str:
    return "".join(block.text for block in blocks).strip()
