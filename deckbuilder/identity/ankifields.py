"""The fields of notes brought in from Anki, as Anki had them: kept beside the lock so that a field
whose markdown has not changed since import or pull is built exactly as it was, not in
deckbuilder's own HTML (which would rewrite every field of a note the moment one changes)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from deckbuilder.errors import LockError
from deckbuilder.identity.lockfile import read_json
from deckbuilder.model import SourceLocation

ANKI_FIELDS_FILE_NAME = "deckbuilder.fields"
ANKI_FIELDS_VERSION = 1
HEADER_NOTE = (
    "deckbuilder: each imported note's fields as Anki had them, by GUID and field name, with the hash of the "
    "markdown they were written as; a field whose markdown is unchanged is built as Anki had it. Commit it "
    "beside the lock; do not edit it by hand (deleting it only makes fields built in deckbuilder's own HTML)."
)

KeptField = tuple[str, str]
"""The hash of the markdown a field was written as (markdown_hash), and Anki's HTML of the field."""
NoteFields = Mapping[str, KeptField]
"""One note's kept fields, by field name."""
AnkiFields = Mapping[str, NoteFields]
"""Notes' kept fields, by GUID."""


def markdown_hash(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()[:16]


def kept_html(fields: NoteFields | None, name: str, markdown: str) -> str | None:
    """Anki's HTML of the field when its markdown is still the one it was written as; else None."""
    if not fields:
        return None
    found = fields.get(name)
    if found is None or found[0] != markdown_hash(markdown):
        return None
    return found[1]


def note_fields(names: Iterable[str], markdown: Iterable[str], html: Iterable[str]) -> dict[str, KeptField]:
    """A note's kept fields: each field's Anki HTML with the hash of the markdown it reads back as
    (empty fields need no keeping: an empty markdown builds an empty field)."""
    return {
        name: (markdown_hash(text), value)
        for name, text, value in zip(names, markdown, html, strict=False)
        if value
    }


def anki_fields_path(folder: Path) -> Path:
    return folder / ANKI_FIELDS_FILE_NAME


REMEDY = "restore the file from git, or delete it (fields are then built in deckbuilder's own HTML)"


def read_anki_fields(path: Path) -> dict[str, dict[str, KeptField]]:
    """The kept fields, or none when there is no such file."""
    read = read_json(path, "the kept Anki fields", REMEDY)
    return {} if read is None else _notes_from(read[0], path)


def _notes_from(data: Any, path: Path) -> dict[str, dict[str, KeptField]]:
    notes = data.get("notes") if isinstance(data, dict) else None
    if not isinstance(notes, dict) or data.get("version") != ANKI_FIELDS_VERSION:
        raise LockError(
            f"this is not a file of kept Anki fields deckbuilder writes; {REMEDY}",
            SourceLocation(str(path), 1),
        )
    result: dict[str, dict[str, KeptField]] = {}
    for guid, fields in notes.items():
        if not isinstance(fields, dict) or not all(_is_kept(value) for value in fields.values()):
            message = f"the kept fields of note {guid} are not in deckbuilder's form; {REMEDY}"
            raise LockError(message, SourceLocation(str(path), 1))
        result[guid] = {name: (value[0], value[1]) for name, value in fields.items()}
    return result


def _is_kept(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value)


def merged_fields(
    before: AnkiFields, notes: Mapping[str, NoteFields], gone: Iterable[str] = ()
) -> dict[str, NoteFields]:
    """The kept fields with ``notes`` new (a note's whole set replaced) and the ``gone`` GUIDs left out."""
    result = {guid: fields for guid, fields in before.items()}
    result.update(notes)
    for guid in gone:
        result.pop(guid, None)
    return result


def format_anki_fields(notes: AnkiFields) -> str:
    """The file's text: a note per line in GUID order, so that git shows an edit as the lines of the
    notes it touched."""
    lines = [
        f"  {json.dumps(guid, ensure_ascii=False)}: "
        f"{json.dumps({name: list(kept) for name, kept in sorted(fields.items())}, ensure_ascii=False)}"
        for guid, fields in sorted(notes.items())
        if fields
    ]
    head = f'{{\n  "note": {json.dumps(HEADER_NOTE)},\n  "version": {ANKI_FIELDS_VERSION},\n  "notes": {{'
    return head + ("\n" + ",\n".join(f"  {line}" for line in lines) + "\n  }\n}\n" if lines else "}\n}\n")
