"""``deckbuilder pull``: edits made in Anki written back into the markdown.

A note counts as edited in Anki when its mod time is later than the change time the lock holds for
its card (what the last build gave it) and its fields differ from what the markdown builds. Its
question, answer and sections go back into the card's place in the markdown, tags added in Anki
onto the card's ``Tags:`` line, and the card's lock entry takes the note's mod time and the new
content: the next build gives Anki nothing newer, so the note stays as Anki has it. A card edited in
the markdown as well since the last build is a conflict, left as the user wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deckbuilder.app.adoption import anki_markup, with_notes_adopted
from deckbuilder.app.load import LoadedDeck, load_decks, prepared
from deckbuilder.app.output import build_lock, finish_interrupted, write_atomically
from deckbuilder.app.records import remember_cards
from deckbuilder.app.settings import folder_settings
from deckbuilder.collection.notes import notes_by_guid, notes_of_deck_only
from deckbuilder.collection.opening import opened_copy
from deckbuilder.errors import DeckbuilderError, Diagnostic, Severity, shorten
from deckbuilder.html.fragments import Fragments
from deckbuilder.identity.ankifields import NoteFields, anki_fields_path, format_anki_fields, merged_fields
from deckbuilder.identity.lockfile import Lock, LockEntry, format_lock, merged
from deckbuilder.identity.resolve import Change, entry_for
from deckbuilder.incremental.caching import Caching
from deckbuilder.model import AnkiNote, Deck
from deckbuilder.read.blocks import normalise_newlines
from deckbuilder.read.reader import parse
from deckbuilder.read.sources import resolve_sources
from deckbuilder.reverse.cards import question_words
from deckbuilder.reverse.edits import (
    Edit,
    TwoVersions,
    anki_edit,
    card_note_type,
    fields_as_anki_has_them,
    versions,
)
from deckbuilder.reverse.patch import unified_diff
from deckbuilder.reverse.rewrite import Rewritten, blocks_of, card_at, not_as_written, write_in
from deckbuilder.reverse.textform import read_form, written_in_form


class PullError(DeckbuilderError):
    """The edits cannot be pulled."""


@dataclass(slots=True)
class PullReport:
    pulled: list[str] = field(default_factory=list)
    """``path:line question`` of each card written back."""
    conflicts: list[TwoVersions] = field(default_factory=list)
    unwritable: list[TwoVersions] = field(default_factory=list)
    """Cards edited in Anki whose place in the markdown pull cannot rewrite (copy by hand)."""
    unaddable: list[str] = field(default_factory=list)
    """New notes of a note type the deck does not name, which --add-new cannot write."""
    new_notes: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    diff: str = ""


def pull(
    sources: Sequence[Path],
    collection: Path,
    *,
    dry_run: bool = False,
    add_new: bool = False,
    recursive: bool = False,
    chosen: bool = True,
    now: int | None = None,
) -> PullReport:
    paths = resolve_sources(sources, recursive)
    folders = sorted({path.parent for path in paths})
    # Like a build: one run at a time in a folder, and a write a build or pull left half done finished.
    with build_lock(folders):
        finish_interrupted(folders)
        return _pull(paths, collection, dry_run=dry_run, add_new=add_new, chosen=chosen, now=now)


def _pull(
    paths: Sequence[Path], collection: Path, *, dry_run: bool, add_new: bool, chosen: bool, now: int | None
) -> PullReport:
    report = PullReport()
    files: dict[Path, bytes] = {}
    lock_updates: dict[Path, dict[str, list[LockEntry]]] = {}
    kept_updates: dict[Path, dict[str, NoteFields]] = {}
    with opened_copy(collection, chosen) as col:
        # Pull reads the caches a build wrote (its parse is the build's) and writes none.
        loaded = load_decks(paths, now=now, caching=Caching(use="read"))
        # Cards a lost lock no longer knew, found in Anki: their notes are no new notes to add.
        adopted = with_notes_adopted(col, loaded)
        for before, item in zip(loaded, adopted, strict=True):
            if item is not before:
                lock_updates.setdefault(item.lock_file, {})[item.lock_key] = list(item.lock[item.lock_key])
        loaded = adopted
        # Only notes edited after the build that gave them their content can hold an edit to pull.
        matches = [match for item in loaded for match in item.resolution.matches]
        built = {match.card.guid: match.previous.changed for match in matches if match.previous is not None}
        notes = notes_by_guid(col, built)
        for item in loaded:
            edits = _edits(item, notes, report)
            new_notes = _new_notes(col, item)
            report.new_notes.extend(f"{item.deck.source}: {question_words(note, 60)}" for note in new_notes)
            if not edits and not (add_new and new_notes):
                continue
            data, entries, kept, diff = _rewritten(item, edits, new_notes if add_new else [], report)
            if data is None:
                continue
            files[item.deck.source] = data
            lock_updates.setdefault(item.lock_file, {})[item.lock_key] = entries
            kept_updates.setdefault(item.lock_file, {}).update(kept)
            report.diff += diff
    if dry_run or not lock_updates:
        return report
    by_lock = {item.lock_file: item.lock for item in loaded}
    for lock_file, decks in lock_updates.items():
        files[lock_file] = format_lock(_held_once(by_lock[lock_file], decks)).encode("utf-8")
    # The pulled notes' fields as Anki has them now: the next build writes them back unchanged.
    kept_before = {item.lock_file: item.anki_fields for item in loaded}
    for lock_file, pulled_fields in kept_updates.items():
        if pulled_fields:
            fields = merged_fields(kept_before[lock_file], pulled_fields)
            files[anki_fields_path(lock_file.parent)] = format_anki_fields(fields).encode("utf-8")
    write_atomically(files)
    # The text of the cards as pulled, for the diff of the next edit in the markdown.
    remember_cards(load_decks(sorted(p for p in files if p.suffix != ".lock"), strict=False), every=True)
    return report


def _held_once(lock: Lock, decks: Mapping[str, Sequence[LockEntry]]) -> dict[str, tuple[LockEntry, ...]]:
    """The lock with the pulled decks' entries new, each of their cards under its deck alone: a card
    pulled into the file it moved to leaves the entry of the file it came from."""
    placed = {
        entry.guid: name for name, entries in decks.items() for entry in entries if entry.removed is None
    }
    result = {}
    for name, entries in merged(lock, decks).items():
        kept = tuple(entry for entry in entries if placed.get(entry.guid, name) == name)
        if kept or name in decks:
            result[name] = kept
    return result


def _edits(item: LoadedDeck, notes: Mapping[str, AnkiNote], report: PullReport) -> list[Edit]:
    # The notes edited in Anki since their build: usually none, and then nothing to render.
    touched = [(match, note) for match in item.resolution.matches
               if (note := notes.get(match.card.guid)) is not None and match.previous is not None
               and note.modified > match.previous.changed]  # fmt: skip
    if not touched:
        return []
    deck = item.deck
    markup = anki_markup(item)
    fragments = Fragments()
    edits = []
    for match, note in touched:
        card = match.card
        edit = anki_edit(
            card, note, card_note_type(deck, card), fragments, markup, item.anki_fields.get(card.guid)
        )
        if edit is None:
            continue
        if match.change is not Change.UNCHANGED:
            report.conflicts.append(versions(edit))
            continue
        edits.append(edit)
    return edits


def _new_notes(col: Any, item: LoadedDeck) -> list[AnkiNote]:
    """Notes in the deck's Anki deck (not its sub-decks) that no card of the lock holds."""
    known = {entry.guid for entries in item.lock.values() for entry in entries}
    known |= {match.card.guid for match in item.resolution.matches}
    return notes_of_deck_only(col, item.deck.anki_deck, known)


def _rewritten(
    item: LoadedDeck, edits: Sequence[Edit], new_notes: Sequence[AnkiNote], report: PullReport
) -> tuple[bytes | None, list[LockEntry], dict[str, NoteFields], str]:
    """The deck file's bytes with the edits written in (in the file's own form), its lock entries
    and the written notes' fields as Anki has them after them, and the change as a unified diff.

    Every card written is read back: one that does not read back as Anki has it (an answer of
    several lines in a shape of one line, say) is left as it was and reported, and the rest are
    written again without it."""
    path = item.deck.source
    try:
        raw, form = read_form(path.read_bytes())
    except (OSError, UnicodeDecodeError) as error:
        raise PullError(f"{path}: cannot read the file again ({error}); pull changed nothing") from None
    original = normalise_newlines(raw)
    blocks = blocks_of(original, path)
    refused: set[str] = set()
    while True:
        kept = [edit for edit in edits if edit.note.guid not in refused]
        attempt = write_in(item.deck, original, blocks, kept, new_notes)
        parsed, errors = _read(item, "\n".join(attempt.lines))
        wrong = _at_errors(errors, attempt) if errors else not_as_written(parsed, attempt, edits)
        if not wrong:
            break
        if not wrong <= {edit.note.guid for edit in edits} - refused:
            # Only an edit can be left out; a new card that does not read back stops the pull.
            raise PullError(f"{path}: a card pull wrote does not read back as written; pull changed nothing")
        refused |= wrong
    unwritable = [*attempt.unwritable, *(edit for edit in edits if edit.note.guid in refused)]
    report.unwritable += [replace(versions(edit), shape=edit.card.shape or "heading") for edit in unwritable]
    report.unaddable += [f"{path}: {question_words(note, 60)}" for note in attempt.unaddable]
    report.added += [
        f"{path}: {question_words(note, 60)}" for note in new_notes if note.guid in attempt.pulled
    ]
    report.pulled += [f"{edit.card.source} {shorten(edit.card.question, 60)}"
                      for edit in edits if edit.note.guid in attempt.pulled]  # fmt: skip
    if not attempt.pulled:
        return None, [], {}, ""
    entries, as_anki = _lock_entries(item, parsed, attempt)
    # The file's own encoding, byte order mark and line endings, and its last line as it ended.
    data = written_in_form("\n".join(attempt.lines), form)
    return data, entries, as_anki, unified_diff(path, attempt.before, attempt.changes)


def _read(item: LoadedDeck, text: str) -> tuple[Deck, list[Diagnostic]]:
    """The deck as the text written reads (cards, note types and the images' part of the content),
    and its errors."""
    path = item.deck.source
    parsed = parse(text, path, folder_settings(path.parent))
    deck, _, problems = prepared(parsed.deck)
    return deck, [d for d in (*parsed.diagnostics, *problems) if d.severity is Severity.ERROR]


def _at_errors(errors: Sequence[Diagnostic], written: Rewritten) -> set[str]:
    """The GUIDs of the cards written where the errors are (each error in the lines of the last card
    written above it); an error elsewhere stops the pull, which then changes nothing."""
    lines = sorted((line, guid) for guid, (_, line) in written.pulled.items())
    wrong = set()
    for error in errors:
        at = error.location.line if error.location else 0
        above = [guid for line, guid in lines if line <= at]
        if not above:
            raise PullError(f"{error}; pull changed nothing")
        wrong.add(above[-1])
    return wrong


def _lock_entries(
    item: LoadedDeck, deck: Deck, written: Rewritten
) -> tuple[list[LockEntry], dict[str, NoteFields]]:
    """The deck's lock entries with the pulled cards' new content and their notes' mod times, and
    the pulled notes' fields as Anki has them."""
    path = item.deck.source
    entries = {entry.guid: entry for entry in item.lock.get(item.lock_key, ())}
    kept: dict[str, NoteFields] = {}
    for guid, (note, line) in written.pulled.items():
        card = card_at(deck, line, written.questions.get(guid))
        if card is None:
            raise PullError(
                f"{path}:{line}: the card written back does not read back as a card; nothing was changed"
            )
        previous = entries.get(guid)
        entries[guid] = entry_for(card.identified(guid, note.modified), card.fingerprint, card.content)
        if previous is not None and previous.explicit_id and not card.explicit_id:
            entries[guid] = replace(entries[guid], explicit_id=previous.explicit_id)
        kept[guid] = fields_as_anki_has_them(deck, card, note)
    return list(entries.values()), kept
