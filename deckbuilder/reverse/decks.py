"""An Anki deck's notes as one markdown file: front matter naming the deck and its note types, the
section headings deckbuilder's own notes came from, and a card for each note."""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from deckbuilder.model import CONTEXT_SEPARATOR, AnkiNote, NoteType
from deckbuilder.read.values import OWN_SYNTAX
from deckbuilder.render.notetypes import CLOZE_FIELDS, CLOZE_NOTE_TYPE_ID, FIELDS, NOTE_TYPE_ID, OWN_VIEWS
from deckbuilder.reverse.cards import CARD_LEVEL, card_markdown, heading_text, media_path, own_marker

SUB_DECK_JOINER = "--"
"""Joins the parts of a sub-deck's name in its file's name: ``Languages::Spanish`` is
``languages--spanish.md``."""


REVERSED = "Basic (and reversed card)"


CONTEXT_FIELDS = {NOTE_TYPE_ID: FIELDS.index("Context"), CLOZE_NOTE_TYPE_ID: CLOZE_FIELDS.index("Context")}
"""Where deckbuilder's own note types (basic, cloze) keep the section path of a card."""


LONGEST_FILE_NAME = 200
"""Bytes of a file name written for a deck or note type: file systems allow 255, and a
``.deckbuilder-*.tmp`` beside it while it is written needs a little more."""


def deck_file_names(decks: Iterable[str]) -> dict[str, str]:
    """Each deck's file name: ``Languages::Spanish`` is ``languages--spanish.md``; decks whose
    names make the same file name (``Spanish Verbs``, ``Spanish-Verbs``) get ``-2``, ``-3`` in the
    order of their names, and a name too long for a file system is cut, with a hash of the whole."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for deck in sorted(set(decks)):
        base = capped(SUB_DECK_JOINER.join(slug(part) or "deck" for part in deck.split("::")), deck)
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.casefold())
        names[deck] = name + ".md"
    return names


def capped(name: str, whole: str) -> str:
    """``name``, cut to fit a file name when it is too long, and then told apart by a hash of
    ``whole`` (what it was made from)."""
    data = name.encode("utf-8")
    if len(data) <= LONGEST_FILE_NAME:
        return name
    cut = data[: LONGEST_FILE_NAME - 20].decode("utf-8", errors="ignore").rstrip("-")
    return f"{cut}-{hashlib.sha256(whole.encode('utf-8')).hexdigest()[:12]}"


def slug(text: str) -> str:
    return "-".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@dataclass(frozen=True, slots=True)
class Placed:
    """A note as written: its heading's line in the file, and what did not convert exactly."""

    note: AnkiNote
    line: int
    as_html: bool


def deck_markdown(
    deck: str,
    deck_id: int | None,
    notes: Sequence[AnkiNote],
    note_types: Mapping[int, NoteType],
    media_used: set[str],
    with_ids: set[int],
    advance: Callable[[int], None],
) -> tuple[str, list[Placed]]:
    markers = _markers(notes, note_types)
    contexts = _contexts(notes)
    level = CARD_LEVEL + max((len(context) for context in contexts), default=0)
    lines = ["---", f"deck: {_yaml_text(deck)}"]
    if deck_id is not None:
        lines.append(f"deck_id: {deck_id}")
    lines.append(f"card_level: {level}")
    # Pinned: a field's text (a #flashcards tag, say) must not switch the file to another app's syntax.
    lines.append(f"syntax: {OWN_SYNTAX}")
    if markers:
        lines.append("note_types:")
        for marker, name in markers.values():
            lines.append(f"  {marker}: {_yaml_text(name)}")
    lines += ["---", "", f"# {deck.rsplit('::', 1)[-1]}", ""]
    placed = []
    section: tuple[str, ...] = ()
    for index, note in enumerate(notes):
        if contexts:
            # The section headings deckbuilder's own notes came from (their Context field), again.
            context = contexts[index]
            same = next((i for i, (a, b) in enumerate(zip(section, context, strict=False)) if a != b),
                        min(len(section), len(context)))  # fmt: skip
            if same == len(context) and len(section) > len(context) and context:
                same -= 1  # back up to a section above: its heading again ends the deeper one
            for depth in range(same, len(context)):
                lines += ["#" * (CARD_LEVEL + depth) + " " + heading_text(context[depth]), ""]
            section = context
        own = OWN_VIEWS.get(note.note_type_id)
        definition = own or note_types[note.note_type_id]
        marker = markers[note.note_type_id][0] if own is None else own_marker(note, own)
        repeated = note.note_id in with_ids
        block, as_html = card_markdown(note, definition, marker, repeated, media_namer(media_used), level)
        placed.append(Placed(note, len(lines) + 1, as_html))
        advance(1)
        lines += [*block.split("\n"), ""]
    return "\n".join(lines), placed


def _contexts(notes: Sequence[AnkiNote]) -> list[tuple[str, ...]]:
    """Each note's section path from its Context field, when every note is of deckbuilder's own
    note types (which have one); none otherwise, where a heading would put other notes in a section."""
    if not notes or any(note.note_type_id not in OWN_VIEWS for note in notes):
        return []
    contexts = []
    for note in notes:
        field_index = CONTEXT_FIELDS[note.note_type_id]
        value = note.fields[field_index] if len(note.fields) > field_index else ""
        text = html.unescape(value)
        contexts.append(tuple(part.strip() for part in text.split(CONTEXT_SEPARATOR.strip()) if part.strip()))
    return contexts if any(contexts) else []


def _markers(notes: Sequence[AnkiNote], note_types: Mapping[int, NoteType]) -> dict[int, tuple[str, str]]:
    """Each note type's key in the deck's ``note_types``: ``basic`` and ``cloze`` for the most used
    of each kind, a marker made from the name for the others."""
    counts = Counter(note.note_type_id for note in notes if note.note_type_id not in OWN_VIEWS)
    keys: dict[int, tuple[str, str]] = {}
    # Notes of deckbuilder's own types are its kinds' cards: those keys are theirs.
    own = {own_marker(note, OWN_VIEWS[note.note_type_id]) for note in notes if note.note_type_id in OWN_VIEWS}
    taken = {"basic", "reverse"} if own & {"basic", "reverse"} else set()
    taken |= {"cloze"} & own
    for cloze in (False, True):
        kind = [type_id for type_id, _ in counts.most_common() if note_types[type_id].cloze == cloze]
        if kind and ("cloze" if cloze else "basic") not in taken:
            keys[kind[0]] = ("cloze" if cloze else "basic", note_types[kind[0]].name)
            taken.add(keys[kind[0]][0])
    for type_id in sorted(counts):
        if type_id in keys:
            continue
        if note_types[type_id].name == REVERSED and "reverse" not in taken:
            # Anki's reversed type reads best as deckbuilder's own marker for reversed cards.
            keys[type_id] = ("reverse", REVERSED)
            taken.add("reverse")
            continue
        base = slug(note_types[type_id].name) or "type"
        marker, number = base, 1
        while marker in taken or marker in ("basic", "cloze", "reverse"):
            number += 1
            marker = f"{base}-{number}"
        taken.add(marker)
        keys[type_id] = (marker, note_types[type_id].name)
    return keys


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def media_namer(used: set[str]) -> Callable[[str], str]:
    """media_path, noting each of the collection's files the notes show, for import to copy."""

    def name(source: str) -> str:
        path = media_path(source)
        if path != source:
            used.add(source)
        return path

    return name
