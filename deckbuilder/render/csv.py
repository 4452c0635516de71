"""CSV: Anki's import format with file headers (GUIDs, note type, deck, tags), or plain for other apps."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import MarkupOptions
from deckbuilder.model import CONTEXT_SEPARATOR, Card, Deck
from deckbuilder.render import MediaNames, RenderOptions
from deckbuilder.render.fields import answer_html, cloze_extra_html, cloze_html, field_html, question_html

BOM = "\ufeff"


def render(deck: Deck, options: RenderOptions) -> bytes:
    """The deck as CSV in the dialect the options choose."""
    return render_package([(deck, options)])


def render_package(parts: Sequence[tuple[Deck, RenderOptions]]) -> bytes:
    """Decks as one CSV (for Anki, with a deck column when there are several)."""
    first = parts[0][1]
    if first.csv.dialect == "plain":
        text = "".join(
            _plain(deck, options, header=index == 0) for index, (deck, options) in enumerate(parts)
        )
    else:
        text = _anki(parts)
    return ((BOM if first.csv.bom else "") + text).encode("utf-8")


CLOZE_NOTE_TYPE = "Cloze"
REVERSED_NOTE_TYPE = "Basic (and reversed card)"
"""Anki's built-in note types for cloze and reversed cards. Their fields are taken by position:
Cloze's Text and Back Extra go where the basic note type's first two fields go."""


def note_type_for(card: Card, options: RenderOptions) -> str:
    if card.note_type:
        return card.note_type
    if card.kind == "cloze":
        return CLOZE_NOTE_TYPE
    return REVERSED_NOTE_TYPE if card.reverse else options.csv.note_type


def _anki(parts: Sequence[tuple[Deck, RenderOptions]]) -> str:
    first = parts[0][1]
    note_types = sorted({note_type_for(card, options) for deck, options in parts for card in deck.cards})
    mixed = len(note_types) > 1
    several = len(parts) > 1  # one package of many decks: each row names its deck
    names = [name for name, _ in first.csv.fields]
    # Anki takes a row's fields by position in its note type; a deck's own types may have more.
    widest = max((len(found.fields) for deck, _ in parts for found in deck.note_types), default=0)
    names += [f"Field {index + 1}" for index in range(len(names), widest)]
    columns = ["GUID", *(["Notetype"] if mixed else []), *names, *(["Deck"] if several else []), "Tags"]
    # Anki reads these headers; a space after the colon would become part of the value.
    headers = [
        "#separator:tab",
        "#html:true",
        "#notetype column:2"
        if mixed
        else f"#notetype:{note_types[0] if note_types else first.csv.note_type}",
        f"#deck column:{len(columns) - 1}" if several else f"#deck:{parts[0][0].anki_deck}",
        "#columns:" + "\t".join(columns),
        "#guid column:1",
        f"#tags column:{len(columns)}",
    ]
    lines = headers[:]
    for deck, options in parts:
        markup = MarkupOptions(math="mathjax", image_src=MediaNames(options.media))
        for card in deck.cards:
            options.progress(1)
            note_type = [note_type_for(card, options)] if mixed else []
            own = deck.note_type(card.note_type) if card.note_type else None
            fields = (
                field_html(card, own, options.fragments, markup, options.anki_fields.get(card.guid))
                if own
                else _fields(card, options, markup)
            )
            fields += [""] * (len(names) - len(fields))
            values = [
                card.guid,
                *note_type,
                *fields,
                *([deck.anki_deck] if several else []),
                " ".join(card.tags),
            ]
            lines.append("\t".join(quoted(value) for value in values))
    return "\n".join(lines) + "\n"


def _fields(card: Card, options: RenderOptions, markup: MarkupOptions) -> list[str]:
    if card.kind != "cloze":
        return [_field(card, name, options.fragments, markup) for _, name in options.csv.fields]
    text, extra = (
        cloze_html(card, options.fragments, markup),
        cloze_extra_html(card, options.fragments, markup),
    )
    return [text, extra, *([""] * (len(options.csv.fields) - 2))]


def _field(card: Card, name: str, fragments: Fragments, markup: MarkupOptions) -> str:
    if name == "question":
        return question_html(card, fragments, markup)
    if name == "answer":
        return answer_html(card, fragments, markup)
    if name == "context":
        return html.escape(CONTEXT_SEPARATOR.join(card.section), quote=False)
    if name == "number":
        return "" if card.number is None else str(card.number)
    return " ".join(card.tags)


def _plain_texts(card: Card, fragments: Fragments) -> tuple[str, str]:
    """Question and answer as plain text; a cloze card asks with its deletions blanked."""
    if card.kind != "cloze":
        return fragments.text(card.question), fragments.text(card.answer)
    asked = fragments.text(card.cloze_text, MarkupOptions(cloze="front"))
    shown = fragments.text(card.cloze_text, MarkupOptions(cloze="text"))
    extra = fragments.text(card.cloze_extra) if card.cloze_extra else ""
    return asked, f"{shown}\n\n{extra}".strip()


def quoted(value: str) -> str:
    # Quote what would end the field or the row, and a leading '#', which Anki reads as a comment.
    if any(ch in value for ch in '\t\n\r"') or value.startswith("#"):
        return '"' + value.replace('"', '""') + '"'
    return value


def _plain(deck: Deck, options: RenderOptions, header: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(["question", "answer", "tags"])
    for card in deck.cards:
        options.progress(1)
        writer.writerow([*_plain_texts(card, options.fragments), " ".join(card.tags)])
    return buffer.getvalue()
