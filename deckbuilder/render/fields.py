"""A card's sides as HTML, the same in every output: which text holds a cloze note's deletions."""

from __future__ import annotations

import re

from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import DEFAULT_OPTIONS, MarkupOptions
from deckbuilder.identity.ankifields import NoteFields, kept_html
from deckbuilder.model import Card, NoteType


def question_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """The question as a line of text; as blocks when it holds more than its heading (the code or
    options above an answer marker, a front side of several paragraphs)."""
    if BLOCK_BREAK in card.question:
        return fragments.html(card.question, markup)
    return fragments.inline_html(card.question, markup)


BLOCK_BREAK = "\n\n"


def answer_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    return unwrapped(fragments.html(card.answer, markup))


ONE_PARAGRAPH = re.compile(r"<p>((?:(?!</?p[\s>]).)*)</p>\s*", re.DOTALL)
"""HTML that is one paragraph and nothing else."""


def unwrapped(html: str) -> str:
    """One paragraph without its ``<p>``, as Anki's editor stores a one-paragraph field (``dog``,
    not ``<p>dog</p>``); anything else as it is."""
    if not html.startswith("<p>"):
        return html
    body = html.rstrip()
    # Told by a search for a tag, a tenth of the time of ONE_PARAGRAPH's match (which says the
    # same; tests/test_apkg.py checks): it ends the text, and no other paragraph tag is inside.
    end = len(body) - 4
    if not body.endswith("</p>") or PARAGRAPH_TAG.search(body, 3, end) is not None:
        return html
    return body[3:end]


PARAGRAPH_TAG = re.compile(r"</?p[\s>]")


def cloze_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """A cloze note's Text: its body when it has one (a paragraph or more), else its heading."""
    return answer_html(card, fragments, markup) if card.answer else question_html(card, fragments, markup)


def cloze_extra_html(card: Card, fragments: Fragments, markup: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """A cloze note's Back Extra: its heading, when the deletions are in its body."""
    return fragments.inline_html(card.cloze_extra, markup) if card.cloze_extra else ""


def field_markdown(card: Card, note_type: NoteType) -> list[str]:
    """The card's markdown for each field of a deck's own note type, in the note type's order.

    A basic note type's first field takes the question and its second the answer; a cloze type's
    first field takes the text with the deletions. A labelled section of the answer (``**Example:**
    ...``) goes to the field of its name, and leaves the answer; a field no card part fills is empty.
    """
    wanted = _fields_by_label(note_type)
    fields = [""] * len(note_type.fields)
    body = card.answer
    for section in card.sections:
        index = wanted.get(section.label.casefold())
        if index is not None and not fields[index]:
            fields[index] = section.text
            body = _without(body, section.markdown)
    if note_type.cloze:
        fields[0] = body or card.question
        if len(fields) > 1 and not fields[1] and body:
            fields[1] = card.question
    else:
        fields[0] = card.question
        if len(fields) > 1:
            fields[1] = body
    return fields


def _without(text: str, part: str) -> str:
    if not part:
        return text
    at = text.find(part)
    return text if at < 0 else (text[:at] + text[at + len(part) :]).strip()


def unfilled_sections(card: Card, note_type: NoteType) -> list[str]:
    """The labels of the card's sections that no field of the note type takes (they stay in the
    answer)."""
    wanted = _fields_by_label(note_type)
    return [section.label for section in card.sections if section.label.casefold() not in wanted]


def _fields_by_label(note_type: NoteType) -> dict[str, int]:
    """The fields a section may fill, by the label that names them: all but those the question and
    answer fill (a cloze type's Back Extra may come from a section)."""
    first_named = 1 if note_type.cloze else 2
    return {name.casefold(): index for index, name in enumerate(note_type.fields) if index >= first_named}


def field_html(
    card: Card,
    note_type: NoteType,
    fragments: Fragments,
    markup: MarkupOptions,
    kept: NoteFields | None = None,
) -> list[str]:
    """The note's fields as HTML: a one-line question inline, the rest as blocks; a field ``kept``
    from Anki whose markdown has not changed since, as Anki had it."""
    values = field_markdown(card, note_type)
    return [
        as_anki if kept and (as_anki := kept_html(kept, name, value)) is not None else
        anki_form(_inline_or_blocks(value, fragments, markup)) if index == 0 or value == card.question else
        anki_form(unwrapped(fragments.html(value, markup))) if value else ""
        for index, (name, value) in enumerate(zip(note_type.fields, values, strict=True))
    ]  # fmt: skip


PRE = re.compile(r"<pre[\s>].*?</pre>", re.DOTALL)
BETWEEN_TAGS = re.compile(r">\n+<")
CODE_END = re.compile(r"\n(</code></pre>)")
TAG = re.compile(r"<(/?)div\b[^>]*>")
EMPTY_ALT = re.compile(r'(<img\b[^>]*?) alt=""')


def anki_form(html: str) -> str:
    """A field's HTML in the form Anki's editor stores it: no newlines between tags (outside
    code), none at the end of a code block or of the field, no empty ``alt`` on an image, and no
    bare ``<div>`` around the whole field (import writes HTML kept from Anki inside one, for
    markdown to take it whole)."""
    html = EMPTY_ALT.sub(r"\1", _without_outer_div(html.strip()))
    parts, position = [], 0
    for block in PRE.finditer(html):
        parts.append(BETWEEN_TAGS.sub("><", html[position : block.start()]))
        parts.append(CODE_END.sub(r"\1", block.group(0)))
        position = block.end()
    parts.append(BETWEEN_TAGS.sub("><", html[position:]))
    return "".join(parts).strip()


def _without_outer_div(html: str) -> str:
    if not (html.startswith("<div>") and html.endswith("</div>")):
        return html
    depth = 0
    for tag in TAG.finditer(html):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html[5:-6].strip() if tag.end() == len(html) else html
    return html


def _inline_or_blocks(markdown: str, fragments: Fragments, markup: MarkupOptions) -> str:
    if not markdown:
        return ""
    if BLOCK_BREAK in markdown:
        return fragments.html(markdown, markup)
    return fragments.inline_html(markdown, markup)
