"""Changing an open collection: packages imported as File > Import does, and notes removed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deckbuilder.collection.notes import rows_where_in
from deckbuilder.html.plaintext import html_to_text


@dataclass(slots=True)
class ImportLog:
    """The questions of the notes an import added, updated, left alone or could not update."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)


def import_packages(col: Any, packages: Sequence[Path]) -> ImportLog:
    """Import each package with Anki's own options for File > Import."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    result = ImportLog()
    for package in packages:
        request = ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
        log = col.import_anki_package(request).log
        result.new.extend(_questions(log.new))
        result.updated.extend(_questions(log.updated))
        result.unchanged.extend(_questions(log.duplicate))
        result.conflicting.extend(_questions(log.conflicting))
    return result


def _questions(entries: Any) -> list[str]:
    questions = []
    for entry in entries:
        fields = list(entry.fields)
        questions.append(html_to_text(fields[0]) if fields else str(entry.id.nid))
    return questions


def remove_notes(col: Any, guids: Collection[str], note_type_ids: Collection[int]) -> list[str]:
    """Remove the notes with these GUIDs, only those of these note types; their questions."""
    if not guids:
        return []
    kinds = sorted(note_type_ids)
    query = f"select id, flds from notes where mid in ({','.join('?' * len(kinds))}) and guid in ({{}})"
    rows = rows_where_in(col, query, sorted(guids), *kinds)
    if rows:
        col.remove_notes([note_id for note_id, _ in rows])
    return [html_to_text(fields.split("\x1f", 1)[0]) for _, fields in rows]
