"""CSV: Anki's import format with file headers (GUIDs, note type, deck, tags), or plain for other apps."""

from __future__ import annotations

import csv
import html
import io

from deckbuilder.markup import MarkupOptions, to_html, to_inline_html, to_text
from deckbuilder.model import Card, Deck
from deckbuilder.render import MediaNames, RenderOptions

CONTEXT_SEPARATOR = " \u203a "  # the same single right-pointing angle quotation mark as the apkg
BOM = "\ufeff"


def render(deck: Deck, options: RenderOptions) -> bytes:
    """The deck as CSV in the dialect the options choose."""
    text = _plain(deck, options) if options.csv.dialect == "plain" else _anki(deck, options)
    return ((BOM if options.csv.bom else "") + text).encode("utf-8")


def _anki(deck: Deck, options: RenderOptions) -> str:
    markup = MarkupOptions(math="mathjax", image_src=MediaNames(options.media))
    columns = ["GUID", *(name for name, _ in options.csv.fields), "Tags"]
    # Anki reads these headers; a space after the colon would become part of the value.
    headers = [
        "#separator:tab",
        "#html:true",
        f"#notetype:{options.csv.note_type}",
        f"#deck:{deck.anki_deck}",
        "#columns:" + "\t".join(columns),
        "#guid column:1",
        f"#tags column:{len(columns)}",
    ]
    lines = headers[:]
    for card in deck.cards:
        options.progress(1)
        values = [
            card.guid,
            *(_field(card, name, markup) for _, name in options.csv.fields),
            " ".join(card.tags),
        ]
        lines.append("\t".join(_quoted(value) for value in values))
    return "\n".join(lines) + "\n"


def _field(card: Card, name: str, markup: MarkupOptions) -> str:
    if name == "question":
        return to_inline_html(card.question, markup)
    if name == "answer":
        return to_html(card.answer, markup)
    if name == "context":
        return html.escape(CONTEXT_SEPARATOR.join(card.section), quote=False)
    if name == "number":
        return "" if card.number is None else str(card.number)
    return " ".join(card.tags)


def _quoted(value: str) -> str:
    # Quote what would end the field or the row, and a leading '#', which Anki reads as a comment.
    if any(ch in value for ch in '\t\n\r"') or value.startswith("#"):
        return '"' + value.replace('"', '""') + '"'
    return value


def _plain(deck: Deck, options: RenderOptions) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["question", "answer", "tags"])
    for card in deck.cards:
        options.progress(1)
        writer.writerow([to_text(card.question), to_text(card.answer), " ".join(card.tags)])
    return buffer.getvalue()
