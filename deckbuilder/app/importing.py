"""``deckbuilder import``: an Anki deck as markdown, its notes' GUIDs and mod times in the lock.

Each Anki deck becomes one markdown file (a sub-deck ``Languages::Spanish`` the file
``languages--spanish.md``), every note type its notes use a file in ``note-types/``, and the images
they show files in ``media/``. The lock is seeded from the notes: each card keeps its note's GUID,
and its change time is the note's mod time, so that a build right after the import gives Anki
nothing newer than what it has, and every card keeps its scheduling and review history.
"""

from __future__ import annotations

import itertools
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.app.load import load_decks
from deckbuilder.app.media import NOT_FOUND, file_problem, media_bytes
from deckbuilder.app.notetypes import NOTE_TYPE_FOLDER, note_type_files, note_type_json
from deckbuilder.app.output import write_atomically
from deckbuilder.app.progress import NoProgress, Progress
from deckbuilder.app.records import remember_cards
from deckbuilder.collection.notes import read_notes
from deckbuilder.collection.opening import opened_copy, package_collection
from deckbuilder.errors import DeckbuilderError, OutputError, Severity
from deckbuilder.identity.ankifields import (
    NoteFields,
    anki_fields_path,
    format_anki_fields,
    merged_fields,
    read_anki_fields,
)
from deckbuilder.identity.lockfile import LockEntry, format_lock, lock_path, merged, read_lock
from deckbuilder.identity.resolve import entry_for
from deckbuilder.markdown.deletions import OPENING
from deckbuilder.model import AnkiContent, AnkiNote, NoteType
from deckbuilder.render.notetypes import OWN_VIEWS
from deckbuilder.reverse.cards import MEDIA_FOLDER, question_words
from deckbuilder.reverse.decks import Placed, capped, deck_file_names, deck_markdown, slug
from deckbuilder.reverse.edits import fields_as_anki_has_them

SOUND = re.compile(r"\[sound:[^\]]+\]")


class DeckImportError(DeckbuilderError):
    """The deck cannot be imported as it is."""


@dataclass(slots=True)
class ImportReport:
    """What an import wrote, and which notes it could not bring over exactly."""

    decks: list[tuple[Path, int]] = field(default_factory=list)
    """Each markdown file written, with its number of cards."""
    note_types: list[Path] = field(default_factory=list)
    media: int = 0
    media_left: list[str] = field(default_factory=list)
    """``name: why`` of media files the notes show that were not copied (a device, too large)."""
    as_html: list[str] = field(default_factory=list)
    """``path:line question`` of notes with a field kept as HTML."""
    not_cards: list[str] = field(default_factory=list)
    """``path:line question`` of notes the markdown does not read back as a card: not managed."""
    sounds: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """``deck: question: why`` of notes not imported: their cards would not read back."""


def import_package(
    package: Path, into: Path, now: int | None = None, progress: Progress | None = None
) -> ImportReport:
    with package_collection(package) as (col, media):
        return import_content(read_notes(col, None, media), into, now, progress)


def import_collection(
    collection: Path, deck: str, into: Path, chosen: bool = True, progress: Progress | None = None
) -> ImportReport:
    with opened_copy(collection, chosen) as col:
        media = collection.parent / (collection.stem + ".media")
        return import_content(read_notes(col, deck, media), into, progress=progress)


def import_content(
    content: AnkiContent, into: Path, now: int | None = None, progress: Progress | None = None
) -> ImportReport:
    """Write the notes' decks as markdown into ``into``, with their note types, media and lock.

    The markdown is written to a scratch folder and read back first; a note whose card would not
    read back without an error is left out and listed (a cloze note without deletions, say), and
    nothing reaches ``into`` until every deck reads back."""
    report = ImportReport()
    notes = []
    first_with_guid: dict[str, AnkiNote] = {}
    for note in content.notes:
        definition = content.note_types[note.note_type_id]
        holder = first_with_guid.setdefault(note.guid, note)
        if holder is not note:
            report.left_out.append(
                f"{note.deck}: {question_words(note, 60)}: it has the GUID of another note "
                f"({question_words(holder, 40)}); Tools > Check Database in Anki gives it one of its own"
            )
        elif definition.cloze and not OPENING.search(note.fields[0] if note.fields else ""):
            report.left_out.append(f"{note.deck}: {question_words(note, 60)}: a cloze note without deletions")
        else:
            notes.append(note)
    if not content.notes:
        raise DeckImportError("no notes to import: the deck is empty")
    if not notes:
        raise DeckImportError("none of the notes reads back as a card; nothing was written")
    files = {deck: into / name for deck, name in deck_file_names(note.deck for note in notes).items()}
    _refuse_existing(files, into)
    _refuse_managed(notes, into)
    _refuse_other_note_types(content.note_types.values(), into)
    with_ids: set[int] = set()
    tracker = progress or NoProgress()
    tracker.start(len(notes))
    with tempfile.TemporaryDirectory() as scratch:
        for number in itertools.count():
            staging = Path(scratch) / f"pass-{number}"
            # The bar follows the first pass; a later one (rare) redoes a few notes' cards.
            attempt = _attempt(notes, files, content, into, staging, now, with_ids, tracker)
            tracker.finish()
            tracker = NoProgress()
            if attempt.alike - with_ids:
                with_ids |= attempt.alike  # cards asking alike: each gets an id, and another pass
                continue
            if not attempt.refused:
                break
            refused = {id(note) for note, _ in attempt.refused}
            report.left_out.extend(f"{note.deck}: {question_words(note, 60)}: {why}"
                                   for note, why in attempt.refused)  # fmt: skip
            notes = [note for note in notes if id(note) not in refused]
            if not notes:
                raise DeckImportError("none of the notes reads back as a card; nothing was written")
    outputs = attempt.outputs
    lock_file = lock_path(into)
    lock = merged(read_lock(lock_file), attempt.entries)
    outputs[lock_file] = format_lock(lock).encode("utf-8")
    kept_file = anki_fields_path(into)
    kept = merged_fields(read_anki_fields(kept_file), attempt.anki_fields)
    if any(kept.values()):
        outputs[kept_file] = format_anki_fields(kept).encode("utf-8")
    _write(outputs, into)
    # The text of every card as written, for the diff of the first edit after the import.
    remember_cards(load_decks(sorted(attempt.texts), strict=False), every=True)
    report.note_types = attempt.note_types
    report.media = attempt.media
    report.media_left = attempt.media_left
    report.as_html, report.sounds, report.not_cards = attempt.as_html, attempt.sounds, attempt.not_cards
    report.decks = [(path, len(attempt.entries[path.name])) for path in attempt.texts]
    return report


@dataclass(slots=True)
class _Attempt:
    """One pass of writing the markdown and reading it back."""

    texts: dict[Path, str] = field(default_factory=dict)
    outputs: dict[Path, bytes] = field(default_factory=dict)
    entries: dict[str, tuple[LockEntry, ...]] = field(default_factory=dict)
    refused: list[tuple[AnkiNote, str]] = field(default_factory=list)
    alike: set[int] = field(default_factory=set)
    """Notes whose cards read back with the question of another card and no id: the lock could
    not tell them apart, so the next pass gives them ids."""
    note_types: list[Path] = field(default_factory=list)
    media: int = 0
    media_left: list[str] = field(default_factory=list)
    as_html: list[str] = field(default_factory=list)
    sounds: list[str] = field(default_factory=list)
    not_cards: list[str] = field(default_factory=list)
    anki_fields: dict[str, NoteFields] = field(default_factory=dict)
    """Each note's fields as Anki has them, by the markdown its card reads back as (for the build)."""


def _attempt(
    notes: Sequence[AnkiNote],
    files: Mapping[str, Path],
    content: AnkiContent,
    into: Path,
    staging: Path,
    now: int | None,
    with_ids: set[int],
    progress: Progress,
) -> _Attempt:
    attempt = _Attempt()
    by_deck: dict[str, list[AnkiNote]] = {}
    for note in notes:
        by_deck.setdefault(note.deck, []).append(note)
    written: dict[Path, list[Placed]] = {}
    media_used: set[str] = set()
    for deck, deck_notes in by_deck.items():
        path = files[deck]
        text, placed = deck_markdown(
            deck,
            content.deck_ids.get(deck),
            deck_notes,
            content.note_types,
            media_used,
            with_ids,
            progress.advance,
        )
        attempt.texts[path] = text
        written[path] = placed
    attempt.outputs = _outputs(attempt, content, media_used, into)
    for path, data in attempt.outputs.items():
        target = staging / path.relative_to(into)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    settings = into / "deckbuilder.toml"
    if settings.is_file():
        shutil.copyfile(settings, staging / settings.name)
    progress.stage("reading the markdown back")
    _read_back(staging, written, attempt, content, now)
    return attempt


def _refuse_existing(files: Mapping[str, Path], into: Path) -> None:
    existing = [path for path in files.values() if path.exists()]
    if existing:
        raise DeckImportError(
            f"{existing[0]} already exists; import into another folder with --into, or move the file away "
            "(import never overwrites markdown)"
        )
    lock = read_lock(lock_path(into))
    for path in files.values():
        if path.name in lock:
            raise DeckImportError(
                f"{lock_path(into)} already holds a deck named {path.name}; import into another folder "
                "with --into"
            )


def _refuse_managed(notes: Sequence[AnkiNote], into: Path) -> None:
    """Notes whose cards the folder already has (a deck imported before, its file renamed since):
    a second file with their GUIDs would make every later command refuse the lock."""
    holders = {entry.guid: name for name, entries in read_lock(lock_path(into)).items()
               for entry in entries if entry.removed is None}  # fmt: skip
    managed = [(note, holders[note.guid]) for note in notes if note.guid in holders]
    if managed:
        note, name = managed[0]
        raise DeckImportError(
            f"{len(managed)} of the notes are cards of {into / name} already ({question_words(note, 40)}, "
            f"say): `deckbuilder pull {into}` brings Anki's edits to them; to import the deck again, "
            "import into another folder with --into; nothing was written"
        )


def _refuse_other_note_types(note_types: Iterable[NoteType], into: Path) -> None:
    existing = note_type_files(into)
    for definition in note_types:
        found = existing.get(definition.name) if definition.id not in OWN_VIEWS else None
        if found is not None and found[0].id != definition.id:
            raise DeckImportError(
                f"{found[0].source} defines a note type '{definition.name}' with another id ({found[0].id}, "
                f"the collection's is {definition.id}); import into another folder with --into"
            )


def _outputs(attempt: _Attempt, content: AnkiContent, media_used: set[str], into: Path) -> dict[Path, bytes]:
    outputs: dict[Path, bytes] = {path: text.encode("utf-8") for path, text in attempt.texts.items()}
    existing = note_type_files(into)
    for definition in content.note_types.values():
        if definition.name in existing or definition.id in OWN_VIEWS:
            continue  # deckbuilder's own note types need no file: every build makes them
        name = capped(slug(definition.name) or "note-type", definition.name)
        path = into / NOTE_TYPE_FOLDER / f"{name}-{definition.id}.json"
        outputs[path] = note_type_json(definition).encode("utf-8")
        attempt.note_types.append(path)
    for name in sorted(media_used):
        if "/" in name or name in (".", ".."):
            continue
        source = content.media / name
        problem = file_problem(source)
        data = media_bytes(source) if problem is None else None
        if data is not None:
            outputs[into / MEDIA_FOLDER / name] = data
            attempt.media += 1
        elif problem != NOT_FOUND:
            attempt.media_left.append(f"{name}: {problem or 'changed while it was read'}")
    return outputs


def _read_back(
    staging: Path,
    written: Mapping[Path, list[Placed]],
    attempt: _Attempt,
    content: AnkiContent,
    now: int | None,
) -> None:
    """Read the written decks back: each card's lock entry with its note's GUID and mod time, and
    the notes whose cards have errors (refused, for the next pass to leave out)."""
    paths = [staging / path.name for path in written]
    loaded = load_decks(paths, now=now, strict=False)
    for item, (path, placed) in zip(loaded, written.items(), strict=True):
        errors = [d for d in item.diagnostics if d.severity is Severity.ERROR]
        for error in errors:
            line = error.location.line if error.location else 0
            owner = next((spot for spot in reversed(placed) if spot.line <= line), None)
            if owner is None:  # about the whole file: no card read back at all
                attempt.refused.extend((spot.note, "no card of the deck reads back") for spot in placed)
                break
            if all(note is not owner.note for note, _ in attempt.refused):
                attempt.refused.append((owner.note, error.message))
        if errors:
            continue
        by_line = {match.card.source.line: match for match in item.resolution.matches}
        owners = {spot.line: spot.note.note_id for spot in placed}
        asked = Counter(
            match.card.fingerprint for match in item.resolution.matches if not match.card.explicit_id
        )
        attempt.alike |= {owners[match.card.source.line] for match in item.resolution.matches
                          if not match.card.explicit_id and asked[match.card.fingerprint] > 1
                          and match.card.source.line in owners}  # fmt: skip
        deck_entries = []
        for spot in placed:
            where = f"{path}:{spot.line}"
            question = question_words(spot.note, 60)
            match = by_line.get(spot.line)
            if match is None:
                attempt.not_cards.append(f"{where} {question}")
                continue
            if spot.as_html:
                attempt.as_html.append(f"{where} {question}")
            if any(SOUND.search(value) for value in spot.note.fields):
                attempt.sounds.append(f"{where} {question}")
            card, note = match.card, spot.note
            if (card.kind == "cloze") != _cloze_type(note, content):
                attempt.refused.append((note, "it would read back as another kind of card (cloze or not)"))
                continue
            deck_entries.append(
                entry_for(card.identified(note.guid, note.modified), card.fingerprint, match.content)
            )
            attempt.anki_fields[note.guid] = fields_as_anki_has_them(item.deck, card, note)
        attempt.entries[path.name] = tuple(deck_entries)


def _cloze_type(note: AnkiNote, content: AnkiContent) -> bool:
    own = OWN_VIEWS.get(note.note_type_id)
    return (own or content.note_types[note.note_type_id]).cloze


def _write(outputs: Mapping[Path, bytes], into: Path) -> None:
    """Write the files, all or nothing; a file already there is left as it is when it holds the same
    bytes, and refused (before anything is written) when it holds others."""
    written_over = {lock_path(into), anki_fields_path(into)}
    outputs = {
        path: data for path, data in outputs.items() if path in written_over or not _same_file(path, data)
    }
    taken = [path for path in outputs if path not in written_over and (path.exists() or path.is_symlink())]
    if taken:
        raise DeckImportError(
            f"{taken[0]} already exists with other content; import never overwrites a file: import into "
            "another folder with --into, or move the file away; nothing was written"
        )
    try:
        for folder in sorted({path.parent for path in outputs}):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{into}: cannot make the folders to import into ({error.strerror})") from None
    write_atomically(outputs)


def _same_file(path: Path, data: bytes) -> bool:
    try:
        return (
            path.is_file()
            and not path.is_symlink()
            and path.stat().st_size == len(data)
            and path.read_bytes() == data
        )
    except OSError:
        return False
