"""What an edit made in Anki changed in a card: Anki's fields, read back as markdown, against the
fields the card builds."""

from __future__ import annotations

from dataclasses import dataclass

from deckbuilder.errors import shorten
from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import MarkupOptions, to_html
from deckbuilder.identity.ankifields import KeptField, NoteFields, note_fields
from deckbuilder.model import AnkiNote, Card, Deck, NoteType
from deckbuilder.read.blocks import normalise_newlines, tokenize
from deckbuilder.read.tags import safe_tag
from deckbuilder.render.apkg import card_fields
from deckbuilder.render.fields import field_html, field_markdown
from deckbuilder.render.notetypes import CLOZE_NOTE_TYPE_ID, NOTE_TYPE_ID, OWN_VIEWS
from deckbuilder.reverse.cards import field_values, kept_answer, media_path, section

OWN_BASIC, OWN_CLOZE = OWN_VIEWS[NOTE_TYPE_ID], OWN_VIEWS[CLOZE_NOTE_TYPE_ID]


@dataclass(frozen=True, slots=True)
class TwoVersions:
    """A card as the markdown has it and as Anki has it, for a conflict or an edit to copy by hand."""

    where: str
    question: str
    markdown: str
    anki: str
    shape: str = ""


@dataclass(frozen=True, slots=True)
class Edit:
    card: Card
    note: AnkiNote
    question: str | None
    """The new question, when Anki changed it."""
    answer: str | None
    tags: tuple[str, ...] | None


def card_note_type(deck: Deck, card: Card) -> NoteType:
    if card.note_type:
        found = deck.note_type(card.note_type)
        assert found is not None  # load refuses a card whose note type is not defined
        return found
    return OWN_CLOZE if card.kind == "cloze" else OWN_BASIC


def built_fields(
    card: Card,
    definition: NoteType,
    fragments: Fragments,
    markup: MarkupOptions,
    kept: NoteFields | None = None,
) -> list[str]:
    if card.note_type:
        return field_html(card, definition, fragments, markup, kept)
    return card_fields(card, fragments, markup)[:2]


def fields_as_anki_has_them(deck: Deck, card: Card, note: AnkiNote) -> dict[str, KeptField]:
    """The note's fields to keep for the card read back from them (identity.ankifields): each
    field's HTML by the markdown the card gives that field. None for a card of deckbuilder's own
    note types, whose fields Anki has in deckbuilder's HTML already."""
    if not card.note_type:
        return {}
    definition = card_note_type(deck, card)
    return note_fields(definition.fields, field_markdown(card, definition), note.fields)


def normal(html: str) -> str:
    return " ".join(html.split())


def edit_of(
    card: Card, note: AnkiNote, definition: NoteType, tags: tuple[str, ...] | None, fields_differ: bool
) -> Edit:
    if not fields_differ:
        return Edit(card, note, None, None, tags)
    values, _ = field_values(note.fields[: len(definition.fields)], media_path, definition.cloze)
    question: str | None
    answer: str | None
    if definition.cloze:
        # A cloze card's text is its body, or its heading when it has none.
        text = values[0]
        extra = values[1] if len(values) > 1 else ""
        if card.answer:
            answer, question = text, extra
        else:
            answer, question = None, text
    else:
        question = values[0]
        named = zip(definition.fields[2:], values[2:], strict=False)
        sections = [section(name, value) for name, value in named if value]
        kept = kept_answer(values[1] if len(values) > 1 else "", bool(sections))
        answer = "\n\n".join([kept, *sections] if kept else sections)
    if question is not None and same_markdown(question, card.question):
        question = None
    if answer is not None:
        answer = _with_fence_languages(answer, card.answer)
        if same_markdown(answer, card.answer):
            answer = None
    return Edit(card, note, question, answer, tags)


def same_markdown(first: str, second: str) -> bool:
    """Whether two texts show the same: Anki's field converted back may escape what the markdown
    wrote plainly (``snake\\_case``), which is no edit."""
    if " ".join(first.split()) == " ".join(second.split()):
        return True
    return normal(to_html(first)) == normal(to_html(second))


def _with_fence_languages(markdown: str, before: str) -> str:
    """Anki's copy of a code block has lost its language (the highlighted HTML does not name it):
    the fences take the languages the card's code blocks had, in order."""
    languages = [_fence_language(block.text) for block in tokenize(normalise_newlines(before))
                 if block.kind == "block_code"]  # fmt: skip
    if not any(languages):
        return markdown
    parts = []
    position = 0
    blocks = [block for block in tokenize(normalise_newlines(markdown)) if block.kind == "block_code"]
    text = normalise_newlines(markdown)
    for block, language in zip(blocks, languages, strict=False):
        at = text.find(block.text, position)
        if at < 0 or not language or not block.text.startswith("```\n"):
            continue
        parts.append(text[position:at] + f"```{language}\n" + block.text[len("```\n") :])
        position = at + len(block.text)
    parts.append(text[position:])
    return "".join(parts).rstrip("\n") if not markdown.endswith("\n") else "".join(parts)


def _fence_language(text: str) -> str:
    first = text.lstrip().split("\n", 1)[0]
    return first.lstrip("`~").strip().split(" ")[0] if first.startswith(("```", "~~~")) else ""


def versions(edit: Edit) -> TwoVersions:
    """The part Anki changed, as the markdown has it and as Anki has it."""
    card = edit.card
    if edit.answer is not None or (edit.question is None and edit.tags is None):
        markdown, anki = card.answer, edit.answer if edit.answer is not None else card.answer
    elif edit.question is not None:
        markdown, anki = card.question, edit.question
    else:
        markdown, anki = "Tags: " + " ".join(card.tags), "Tags: " + " ".join(edit.tags or ())
    return TwoVersions(str(card.source), shorten(card.question, 60), markdown, anki)


def anki_edit(
    card: Card,
    note: AnkiNote,
    definition: NoteType,
    fragments: Fragments,
    markup: MarkupOptions,
    kept: NoteFields | None = None,
) -> Edit | None:
    """What the note, edited in Anki, changes in the card; None when its fields show what the card
    builds (``kept``: with the fields Anki had at import or the last pull) and its tags are the card's."""
    built = built_fields(card, definition, fragments, markup, kept)
    anki_fields = list(note.fields[: len(built)])
    anki_tags = tuple(sorted(tag for tag in (safe_tag(t) for t in note.tags) if tag))
    fields_differ = [normal(a) for a in anki_fields] != [normal(b) for b in built]
    tags_differ = set(anki_tags) != set(card.tags)
    if not fields_differ and not tags_differ:
        return None
    return edit_of(card, note, definition, anki_tags if tags_differ else None, fields_differ)
