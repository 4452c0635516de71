"""A deck's own note types: files of their definitions beside the sources, and what checks them.

A note type file is JSON in the folder ``note-types/`` beside the decks, one note type a file:
name, id, kind, fields in order, card templates, CSS and mod time (``deckbuilder import`` writes
them; people may too). A deck names note types in its ``note_types`` setting; a name without a file
is one of Anki's built-in types.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from deckbuilder.errors import ConfigError, Diagnostic, Severity, quoted, shorten
from deckbuilder.model import CardTemplate, Deck, NoteType, SourceLocation
from deckbuilder.render.fields import field_markdown, unfilled_sections
from deckbuilder.render.notetypes import STOCK_NOTE_TYPES

NOTE_TYPE_FOLDER = "note-types"
SCHEMA_KEY = "schema_in_anki"
"""What the note type was in Anki when it was imported: field and template names, and the kind. A
file whose fields or templates no longer match it would make Anki add a copy of the note type."""


NoteTypeFiles = dict[str, tuple[NoteType, dict[str, Any]]]
"""Note types by name, each with its file's data."""


def note_type_files(folder: Path) -> NoteTypeFiles:
    """The note types defined in the folder's ``note-types/``, by name, with their files' data."""
    found: dict[str, tuple[NoteType, dict[str, Any]]] = {}
    directory = folder / NOTE_TYPE_FOLDER
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.json")):
        definition, data = read_note_type(path)
        if definition.name in found:
            raise ConfigError(
                f"note type '{definition.name}' is defined twice, here and in "
                f"{found[definition.name][0].source}; keep one of the files",
                SourceLocation(str(path), 1),
            )
        found[definition.name] = (definition, data)
    return found


def read_note_type(path: Path) -> tuple[NoteType, dict[str, Any]]:
    where = SourceLocation(str(path), 1)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the note type file ({error})", where) from None
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"the note type file is not valid JSON ({error.msg}); fix it, or import the deck again",
            SourceLocation(str(path), error.lineno),
        ) from None
    except RecursionError:
        raise ConfigError("the note type file nests too deep to be a note type; fix it", where) from None
    try:
        return _note_type(data, str(path)), data
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(
            f"the note type file is incomplete or damaged ({shorten(str(error), 120)}); it needs name, id, "
            "kind (basic or cloze), fields, templates [{name, front, back}] and css",
            where,
        ) from None


def _note_type(data: Any, source: str) -> NoteType:
    if not isinstance(data, dict):
        raise TypeError("the file holds no object")
    fields = tuple(_text(name, "a field name") for name in _list(data["fields"], "fields"))
    templates = tuple(
        CardTemplate(
            _text(t["name"], "a template name"), _template(t["front"], "front"), _template(t["back"], "back")
        )
        for t in _list(data["templates"], "templates", of=dict)
    )
    kind = data.get("kind", "basic")
    if kind not in ("basic", "cloze"):
        raise ValueError(f"kind must be basic or cloze, not {quoted(kind)}")
    note_type_id = _whole(data["id"], "id", 1, LARGEST_ID)
    if not fields or not templates:
        raise ValueError("a note type needs a field and a template")
    if len(set(fields)) != len(fields):
        raise ValueError("two fields share a name")
    return NoteType(
        name=_text(data["name"], "name"),
        id=note_type_id,
        fields=fields,
        templates=templates,
        css=_text(data.get("css", ""), "css", empty=True),
        cloze=kind == "cloze",
        modified=_whole(data.get("modified", 0), "modified", 0, LARGEST_ID),
        sort_field=_whole(data.get("sort_field", 0), "sort_field", 0, len(fields) - 1),
        latex_pre=_text(data.get("latex_pre", ""), "latex_pre", empty=True),
        latex_post=_text(data.get("latex_post", ""), "latex_post", empty=True),
        source=source,
    )


LARGEST_ID = 2**53 - 1
"""Anki's ids and times are whole numbers its JavaScript side holds exactly: at most 2**53 - 1."""
TEMPLATE_SECTION = re.compile(r"\{\{\s*([#^/])\s*([^}]*?)\s*\}\}")


def _list(value: Any, what: str, of: type = str) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(item, of) for item in value):
        kind = "texts" if of is str else "objects"
        raise TypeError(f"{what} must be a list of {kind}, not {quoted(value)}")
    return value


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, not {quoted(value)}")
    return value


def _template(value: Any, what: str) -> str:
    """A template's side, its sections ({{#Field}} … {{/Field}}) balanced as Anki requires."""
    text = _text(value, what)
    open_sections: list[str] = []
    for mark, name in TEMPLATE_SECTION.findall(text):
        if mark in "#^":
            open_sections.append(name)
        elif not open_sections or open_sections.pop() != name:
            raise ValueError(f"the {what} template closes {{{{/{name}}}}} where no such section is open")
    if open_sections:
        raise ValueError(f"the {what} template opens {{{{#{open_sections[-1]}}}}} and never closes it")
    return text


def _text(value: Any, what: str, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise TypeError(f"{what} must be a text, not {quoted(value)}")
    return value


def note_type_json(definition: NoteType, schema_in_anki: bool = True) -> str:
    """The file ``import`` writes for a note type: what ``read_note_type`` reads back."""
    data: dict[str, Any] = {
        "name": definition.name,
        "id": definition.id,
        "kind": "cloze" if definition.cloze else "basic",
        "fields": list(definition.fields),
        "templates": [{"name": t.name, "front": t.front, "back": t.back} for t in definition.templates],
        "css": definition.css,
        "modified": definition.modified,
        "sort_field": definition.sort_field,
        "latex_pre": definition.latex_pre,
        "latex_post": definition.latex_post,
    }
    if schema_in_anki:
        data[SCHEMA_KEY] = _schema_json(definition)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _schema_json(definition: NoteType) -> dict[str, Any]:
    fields, templates, cloze = definition.schema()
    return {
        "fields": list(fields),
        "templates": list(templates),
        "kind": "cloze" if cloze else "basic",
        "style": style_hash(definition),
        "modified": definition.modified,
    }


def style_hash(definition: NoteType) -> str:
    """What Anki replaces only for a newer mod time: the CSS and the templates' text."""
    parts = [definition.css, *(f"{t.front}\x1f{t.back}" for t in definition.templates)]
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()[:16]


SCHEMA_PARTS = ("fields", "templates", "kind")


def with_note_types(
    deck: Deck, folder: Path, files_of: Callable[[Path], NoteTypeFiles] | None = None
) -> tuple[Deck, tuple[Diagnostic, ...]]:
    """The deck with the definitions of the note types its cards name, and the problems found:
    a name nothing defines or a kind that does not fit is an error (the card would be lost).
    ``files_of`` reads a folder's note type files (a cached reader, when many decks share one)."""
    names = {card.note_type for card in deck.cards if card.note_type}
    named = {name for _, name in deck.settings.note_types}
    if not names and not named:
        return deck, ()
    files = (files_of or note_type_files)(folder)
    problems: list[Diagnostic] = []
    definitions: dict[str, NoteType] = {}
    # Those the settings name that no card uses now are known too (push --prune finds the notes of
    # cards deleted from the markdown by them); only a name a card uses must be defined.
    for name in sorted(named - names):
        unused = files.get(name)
        if unused is not None or name in STOCK_NOTE_TYPES:
            definitions[name] = unused[0] if unused is not None else STOCK_NOTE_TYPES[name]
    for name in sorted(names):
        found = files.get(name)
        definition = found[0] if found else STOCK_NOTE_TYPES.get(name)
        first = next(card for card in deck.cards if card.note_type == name)
        if definition is None:
            known = ", ".join(sorted({*STOCK_NOTE_TYPES, *files}))
            problems.append(Diagnostic(first.source, Severity.ERROR, (
                f"note type '{shorten(name, 60)}' is neither one of Anki's built-in types nor defined in "
                f"{folder / NOTE_TYPE_FOLDER}/*.json; known: {known}")))  # fmt: skip
            continue
        definitions[name] = definition
        if found is not None:
            problems.extend(_schema_changed(definition, found[1]))
    for card in deck.cards:
        definition = definitions.get(card.note_type) if card.note_type else None
        if definition is not None and definition.cloze != (card.kind == "cloze"):
            what = "a cloze card" if card.kind == "cloze" else "not a cloze card"
            problems.append(Diagnostic(card.source, Severity.ERROR, (
                f"this card is {what}, but its note type '{definition.name}' is "
                f"{'a cloze' if definition.cloze else 'not a cloze'} type; choose another note type for "
                "it in note_types, or mark the card {.cloze} / {.basic}")))  # fmt: skip
    ordered = tuple(definitions[name] for name in sorted(definitions))
    return replace(deck, note_types=ordered), tuple(problems)


def _schema_changed(definition: NoteType, data: Mapping[str, Any]) -> list[Diagnostic]:
    recorded = data.get(SCHEMA_KEY)
    if not isinstance(recorded, dict):
        return []
    now = _schema_json(definition)
    if all(recorded.get(part) == now[part] for part in SCHEMA_PARTS):
        restyled = "style" in recorded and recorded["style"] != now["style"]
        if restyled and definition.modified <= int(recorded.get("modified", 0)):
            return [Diagnostic(SourceLocation(definition.source, 1), Severity.WARNING, (
                f"the CSS or templates of note type '{definition.name}' changed, but its 'modified' time "
                f"did not: Anki keeps the ones it has. Raise 'modified' (to {int(time.time())}, say) so "
                "that the next import takes them"))]  # fmt: skip
        return []
    return [Diagnostic(SourceLocation(definition.source, 1), Severity.WARNING, (
        f"note type '{definition.name}' has other fields or templates than it has in Anki "
        f"({_describe(recorded)} there, {_describe(_schema_json(definition))} here): Anki would add a "
        f"copy '{definition.name}+' and never update the notes it has. Put the names back, or change the "
        "note type in Anki first and import the deck again"))]  # fmt: skip


def _describe(schema: Mapping[str, Any]) -> str:
    return f"fields {', '.join(schema.get('fields', []))}; templates {', '.join(schema.get('templates', []))}"


def field_problems(deck: Deck) -> list[Diagnostic]:
    """What ``check`` says of the cards' fields: a labelled section no field takes (it stays in the
    answer), and a field of a note type no card fills."""
    problems: list[Diagnostic] = []
    filled: dict[str, set[int]] = {}
    for card in deck.cards:
        definition = deck.note_type(card.note_type) if card.note_type else None
        if definition is None:
            continue
        values = field_markdown(card, definition)
        filled.setdefault(definition.name, set()).update(i for i, value in enumerate(values) if value)
        labels = unfilled_sections(card, definition)
        if labels:
            severity = Severity.WARNING if len(definition.fields) > 2 else Severity.NOTE
            problems.append(Diagnostic(card.source, severity, (
                f"section{'s' if len(labels) > 1 else ''} {', '.join(repr(label) for label in labels)} "
                f"match{'' if len(labels) > 1 else 'es'} no field of note type '{definition.name}' "
                f"({', '.join(definition.fields)}), so {'they stay' if len(labels) > 1 else 'it stays'} in "
                "the answer; rename the label to a field's name to fill that field")))  # fmt: skip
    for definition in deck.note_types:
        if definition.name not in filled:
            continue  # no card of the deck is of this note type now
        empty = [name for i, name in enumerate(definition.fields) if i not in filled[definition.name]]
        if empty:
            # Anki's own types have fields many decks leave empty (Back Extra): said with -v only.
            severity = Severity.NOTE if definition.name in STOCK_NOTE_TYPES else Severity.WARNING
            problems.append(Diagnostic(SourceLocation(str(deck.source), 1), severity, (
                f"no card fills field{'s' if len(empty) > 1 else ''} {', '.join(empty)} of note type "
                f"'{definition.name}'; write a section like **{empty[0]}:** ... in a card's "
                "answer")))  # fmt: skip
    return problems


def used_note_types(decks: Iterable[Deck]) -> dict[str, NoteType]:
    return {definition.name: definition for deck in decks for definition in deck.note_types}
