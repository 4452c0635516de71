"""One Anki note as a card of the markdown: a heading, its text, sections for its other fields and a
tags line, written so that the reader reads it back as the same card."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from deckbuilder.errors import shorten
from deckbuilder.markdown.deletions import scan
from deckbuilder.model import AnkiNote, NoteType
from deckbuilder.read.answers import NOT_SECTION_LABELS, placeholder
from deckbuilder.read.blocks import DOTTED_LABEL, lead_in
from deckbuilder.read.questions import LABEL_PREFIX, NUMBER_PREFIX, trailing_attributes
from deckbuilder.read.tags import safe_tag
from deckbuilder.render.notetypes import REVERSE_FIELD
from deckbuilder.reverse.fromhtml import html_to_markdown

MEDIA_FOLDER = "media"


CARD_LEVEL = 2


def question_words(note: AnkiNote, limit: int = 0) -> str:
    """The note's first field as plain words (shortened to ``limit`` characters when one is given)."""
    text = " ".join(re.sub(r"<[^>]+>", " ", note.fields[0] if note.fields else "").split())
    return shorten(text, limit) if limit else text


def media_path(source: str) -> str:
    """Where the markdown finds a note's image: in ``media/`` beside it, unless it is not a file of
    the collection's (a web address, a data URL)."""
    if "://" in source or source.startswith("data:"):
        return source
    return f"{MEDIA_FOLDER}/{source.translate(PATH_ESCAPES)}"


PATH_ESCAPES = str.maketrans({"%": "%25", "<": "%3C", ">": "%3E", "\n": "%0A", "\r": "%0D"})
"""Characters of a media file's name that an image path in markdown cannot hold as they are: a
build reads ``%xx`` in a path as the character it stands for, and the path sits between ``<>``."""


def own_marker(note: AnkiNote, view: NoteType) -> str:
    """A note of deckbuilder's own types: a cloze, a reversed card (its Reverse field set), or basic."""
    if view.cloze:
        return "cloze"
    reverse = len(note.fields) > REVERSE_FIELD and note.fields[REVERSE_FIELD].strip()
    return "reverse" if reverse else "basic"


def card_markdown(
    note: AnkiNote,
    definition: NoteType,
    marker: str,
    repeated: bool,
    image_name: Callable[[str], str],
    level: int = CARD_LEVEL,
) -> tuple[str, bool]:
    """A note as a card of the markdown: a heading, its text, sections for the other fields and a
    tags line. Also whether a field had to stay HTML."""
    values, as_html = field_values(note.fields, image_name, definition.cloze)
    attributes = [] if marker in ("basic", "cloze") else [f".{marker}"]
    if repeated:  # two notes asking alike: an id tells their cards apart for good
        attributes.insert(0, f"#anki-{note.note_id}")
    # The fields after the first two: sections (a cloze type's second field, Back Extra, is its
    # heading, or a section when it is more than a line).
    sections = [section(name, value) for name, value in zip(definition.fields[2:], values[2:], strict=False)
                if value]  # fmt: skip
    if definition.cloze:
        text, extra = values[0], values[1] if len(values) > 1 else ""
        if extra and not one_line(extra):
            sections.insert(0, section(definition.fields[1], extra))
            extra = ""
        if extra:
            heading, body = extra, [text]
        elif one_line(text) and not sections:
            heading, body = text, []
        else:
            heading, body = "", [text]
        found, problems = scan(text)
        if (not heading or not found or problems) and ".cloze" not in attributes:
            # Where the reader would not find the deletions by itself: the marker says what it is
            # (and a deletion it cannot read is then an error that leaves the note out, listed).
            attributes.append(".cloze")
    else:
        question, answer = values[0], values[1] if len(values) > 1 else ""
        answer = kept_answer(answer, bool(sections))
        if one_line(question):
            heading, body = question, [answer] if answer else []
        else:
            heading, body = "", [question, "**Answer:**", *([answer] if answer else [])]
    heading_parts = ("#" * level, heading_text(heading), *_braced(attributes))
    heading_line = " ".join(part for part in heading_parts if part)
    parts = [heading_line, *(part for part in body if part), *sections]
    tags = [tag for tag in (safe_tag(tag) for tag in note.tags) if tag]
    if tags:
        parts.append("Tags: " + " ".join(tags))
    return "\n\n".join(parts), as_html


def field_values(
    fields: Sequence[str], image_name: Callable[[str], str], cloze: bool
) -> tuple[list[str], bool]:
    """A note's fields as markdown a card can hold, and whether one of them had to stay HTML
    (``cloze``: the note type is a cloze, whose fields' deletions are deletions)."""
    converted = [html_to_markdown(value, image_name, cloze) for value in fields]
    return [_unlabelled(item.markdown) for item in converted], any(item.as_html for item in converted)


def kept_answer(answer: str, has_sections: bool = False) -> str:
    """A note's answer as the reader takes it for one: an empty answer or one such as "—" or
    "TODO" is the note's answer, not a draft's, and a comment ahead of it (which shows nothing)
    keeps the reader from taking it for a placeholder."""
    if not answer:
        return "" if has_sections else EMPTY_ANSWER
    return f"{KEPT_AS_IT_IS}\n\n{answer}" if placeholder(answer) else answer


def _unlabelled(markdown: str) -> str:
    """The field with the colon escaped where the reader would take its first or last line for a
    marker of its own: an answer lead-in (``A: …``) or a tags line (``Tags: …``)."""
    lines = markdown.split("\n")
    for index in {0, len(lines) - 1}:
        if _own_label(lines[index]):
            lines[index] = _label_escaped(lines[index])
    return "\n".join(lines)


def _own_label(line: str) -> bool:
    marker = lead_in(line)
    return marker is not None and marker.key in OWN_LABELS


def _label_escaped(line: str) -> str:
    """The line with what ends its label written so that the reader takes it for text: the colon,
    or the stop or dash of ``Q.``/``Q -``, backslashed (``A\\: …``) where that is enough, else as
    its character reference (``**Answer&#58;**``); else the first character as its reference. Each
    shows as it did."""
    colon = line.find(":")
    if colon < 0:
        colon = line.find("\uff1a")
    start = len(line) - len(line.lstrip(" "))
    dotted = DOTTED_LABEL.match(line, start)
    if dotted is not None:  # the stop right after the label, or the dash its match ends with
        colon = dotted.end(1) if line[dotted.end(1)] == "." else dotted.end() - 1
    candidates = []
    if colon >= 0:  # backslashed where that is enough, else as its character reference (in bold)
        mark = line[colon]
        if mark.isascii():
            candidates.append(line[:colon] + "\\" + line[colon:])
        candidates.append(f"{line[:colon]}&#{ord(mark)};{line[colon + 1 :]}")
    candidates.append(f"{line[:start]}&#{ord(line[start])};{line[start + 1 :]}")
    return next(candidate for candidate in candidates if not _own_label(candidate))


OWN_LABELS = NOT_SECTION_LABELS
"""Labels the reader takes off a card's text: Answer, A, Question, Q and Tags."""


EMPTY_ANSWER = "<!-- empty -->"
"""The answer of a note whose back is empty: a comment, which the field shows as nothing."""
KEPT_AS_IT_IS = "<!-- as in Anki -->"
"""Ahead of an answer the reader would take for a placeholder (TODO, …): it is the note's answer."""


def _braced(attributes: Sequence[str]) -> list[str]:
    return [f"{{{' '.join(attributes)}}}"] if attributes else []


def one_line(markdown: str) -> bool:
    return bool(markdown) and "\n" not in markdown and not markdown.lstrip().startswith(("<", "#", "!["))


def heading_text(text: str) -> str:
    """The text as a heading's, with what the reader would take off a heading escaped: a trailing
    ``#word`` (a tag) or ``{…}`` (markers), and a leading number or question label (``1: ``,
    ``Q1. ``, ``Q: ``, ``問1 ``), whose first character is written as its character reference."""
    if not text:
        return ""
    if NUMBER_PREFIX.match(text) or LABEL_PREFIX.match(text):
        text = f"&#{ord(text[0])};{text[1:]}"
    head, _, last = text.rpartition(" ")
    if last.startswith("#"):
        text = f"{head} \\{last}".strip()
    if trailing_attributes(text) is not None:  # not a cloze deletion's closing braces, say
        opening = text.rindex("{")
        text = f"{text[:opening]}\\{text[opening:]}"
    return text


def section(name: str, value: str) -> str:
    """A field as a labelled section; one that opens with a block (a list, code) starts below it."""
    if one_line(value) or not value.startswith(BLOCK_OPENINGS):
        return f"**{name}:** {value}"
    return f"**{name}:**\n\n{value}"


BLOCK_OPENINGS = ("-", "*", "+", "#", "`", ">", "|", "<", "!", *"0123456789")
