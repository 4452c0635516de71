"""``deckbuilder import``: an Anki deck as markdown, its notes' GUIDs and mod times in the lock.

Each Anki deck becomes one markdown file (a sub-deck ``Languages::Spanish`` the file
``languages--spanish.md``), every note type its notes use a file in ``note-types/``, and the images
they show files in ``media/``. The lock is seeded from the notes: each card keeps its note's GUID,
and its change time is the note's mod time, so that a build right after the import gives Anki
nothing newer than what it has, and every card keeps its scheduling and review history.
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.app.ankinotes import AnkiContent, AnkiNote, opened_copy, package_collection, read_notes
from deckbuilder.app.build import NoProgress, Progress
from deckbuilder.app.notetypes import NOTE_TYPE_FOLDER, note_type_files, note_type_json
from deckbuilder.app.push import PushError
from deckbuilder.errors import DeckbuilderError, shorten
from deckbuilder.html.tomarkdown import html_to_markdown
from deckbuilder.identity.lockfile import LockEntry, format_lock, lock_path, merged, read_lock
from deckbuilder.identity.resolve import entry_for
from deckbuilder.markdown.deletions import scan
from deckbuilder.model import NoteType
from deckbuilder.read.answers import NOT_SECTION_LABELS, placeholder
from deckbuilder.read.blocks import lead_in
from deckbuilder.read.tags import safe_tag
from deckbuilder.render.apkg import CONTEXT_SEPARATOR
from deckbuilder.render.notetypes import (
    CLOZE_FIELDS,
    CLOZE_NOTE_TYPE_ID,
    FIELDS,
    NOTE_TYPE_ID,
    OWN_VIEWS,
    REVERSE_FIELD,
)

MEDIA_FOLDER = "media"
SUB_DECK_JOINER = "--"
"""Joins the parts of a sub-deck's name in its file's name: ``Languages::Spanish`` is
``languages--spanish.md``."""
IMAGE_SOURCE = re.compile(r"""<img\b[^>]*?\bsrc=["']([^"']+)["']""", re.IGNORECASE)
SOUND = re.compile(r"\[sound:[^\]]+\]")
CARD_LEVEL = 2
REVERSED = "Basic (and reversed card)"
CONTEXT_FIELDS = {NOTE_TYPE_ID: FIELDS.index("Context"), CLOZE_NOTE_TYPE_ID: CLOZE_FIELDS.index("Context")}
"""Where deckbuilder's own note types (basic, cloze) keep the section path of a card."""


class DeckImportError(DeckbuilderError):
    """The deck cannot be imported as it is."""


@dataclass(slots=True)
class ImportReport:
    """What an import wrote, and which notes it could not bring over exactly."""

    decks: list[tuple[Path, int]] = field(default_factory=list)
    """Each markdown file written, with its number of cards."""
    note_types: list[Path] = field(default_factory=list)
    media: int = 0
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


def deck_file_name(deck: str) -> str:
    parts = [_slug(part) or "deck" for part in deck.split("::")]
    return SUB_DECK_JOINER.join(parts) + ".md"


def _slug(text: str) -> str:
    return "-".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@dataclass(frozen=True, slots=True)
class _Written:
    """A note as written: its heading's line in the file, and what did not convert exactly."""

    note: AnkiNote
    line: int
    as_html: bool


def import_content(
    content: AnkiContent, into: Path, now: int | None = None, progress: Progress | None = None
) -> ImportReport:
    """Write the notes' decks as markdown into ``into``, with their note types, media and lock.

    The markdown is written to a scratch folder and read back first; a note whose card would not
    read back without an error is left out and listed (a cloze note without deletions, say), and
    nothing reaches ``into`` until every deck reads back."""
    report = ImportReport()
    notes = []
    for note in content.notes:
        definition = content.note_types[note.note_type_id]
        if definition.cloze and not CLOZE_DELETION.search(note.fields[0] if note.fields else ""):
            report.left_out.append(f"{note.deck}: {question_words(note, 60)}: a cloze note without deletions")
        else:
            notes.append(note)
    if not content.notes:
        raise DeckImportError("no notes to import: the deck is empty")
    if not notes:
        raise DeckImportError("none of the notes reads back as a card; nothing was written")
    files = {note.deck: into / deck_file_name(note.deck) for note in notes}
    _refuse_existing(files, into)
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
    _write(outputs, into)
    report.note_types = attempt.note_types
    report.media = attempt.media
    report.as_html, report.sounds, report.not_cards = attempt.as_html, attempt.sounds, attempt.not_cards
    report.decks = [(path, len(attempt.entries[path.name])) for path in attempt.texts]
    return report


CLOZE_DELETION = re.compile(r"\{\{c\d+::")


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
    as_html: list[str] = field(default_factory=list)
    sounds: list[str] = field(default_factory=list)
    not_cards: list[str] = field(default_factory=list)


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
    written: dict[Path, list[_Written]] = {}
    media_used: set[str] = set()
    for deck, deck_notes in by_deck.items():
        path = files[deck]
        text, placed = _deck_markdown(
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
    _read_back(staging, into, written, attempt, now)
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


def _refuse_other_note_types(note_types: Iterable[NoteType], into: Path) -> None:
    existing = note_type_files(into)
    for definition in note_types:
        found = existing.get(definition.name) if definition.id not in OWN_VIEWS else None
        if found is not None and found[0].id != definition.id:
            raise DeckImportError(
                f"{found[0].source} defines a note type '{definition.name}' with another id ({found[0].id}, "
                f"the collection's is {definition.id}); import into another folder with --into"
            )


def _deck_markdown(
    deck: str,
    deck_id: int | None,
    notes: Sequence[AnkiNote],
    note_types: Mapping[int, NoteType],
    media_used: set[str],
    with_ids: set[int],
    advance: Callable[[int], None],
) -> tuple[str, list[_Written]]:
    markers = _markers(notes, note_types)
    contexts = _contexts(notes)
    level = CARD_LEVEL + max((len(context) for context in contexts), default=0)
    lines = ["---", f"deck: {_yaml_text(deck)}"]
    if deck_id is not None:
        lines.append(f"deck_id: {deck_id}")
    lines.append(f"card_level: {level}")
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
                lines += ["#" * (CARD_LEVEL + depth) + " " + _heading_text(context[depth]), ""]
            section = context
        own = OWN_VIEWS.get(note.note_type_id)
        definition = own or note_types[note.note_type_id]
        marker = markers[note.note_type_id][0] if own is None else own_marker(note, own)
        repeated = note.note_id in with_ids
        block, as_html = card_markdown(note, definition, marker, repeated, _media_namer(media_used), level)
        placed.append(_Written(note, len(lines) + 1, as_html))
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
        base = _slug(note_types[type_id].name) or "type"
        marker, number = base, 1
        while marker in taken or marker in ("basic", "cloze", "reverse"):
            number += 1
            marker = f"{base}-{number}"
        taken.add(marker)
        keys[type_id] = (marker, note_types[type_id].name)
    return keys


def own_marker(note: AnkiNote, view: NoteType) -> str:
    """A note of deckbuilder's own types: a cloze, a reversed card (its Reverse field set), or basic."""
    if view.cloze:
        return "cloze"
    reverse = len(note.fields) > REVERSE_FIELD and note.fields[REVERSE_FIELD].strip()
    return "reverse" if reverse else "basic"


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def question_words(note: AnkiNote, limit: int = 0) -> str:
    """The note's first field as plain words (shortened to ``limit`` characters when one is given)."""
    text = " ".join(re.sub(r"<[^>]+>", " ", note.fields[0] if note.fields else "").split())
    return shorten(text, limit) if limit else text


def media_path(source: str) -> str:
    """Where the markdown finds a note's image: in ``media/`` beside it, unless it is not a file of
    the collection's (a web address, a data URL)."""
    if "://" in source or source.startswith("data:"):
        return source
    return f"{MEDIA_FOLDER}/{source}"


def _media_namer(used: set[str]) -> Callable[[str], str]:
    """media_path, noting each of the collection's files the notes show, for import to copy."""

    def name(source: str) -> str:
        path = media_path(source)
        if path != source:
            used.add(source)
        return path

    return name


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
    values, as_html = field_values(note.fields, image_name)
    attributes = [] if marker in ("basic", "cloze") else [f".{marker}"]
    if repeated:  # two notes asking alike: an id tells their cards apart for good
        attributes.insert(0, f"#anki-{note.note_id}")
    # The fields after the first two: sections (a cloze type's second field, Back Extra, is its
    # heading, or a section when it is more than a line).
    sections = [section(name, value) for name, value in zip(definition.fields[2:], values[2:], strict=False)
                if value]  # fmt: skip
    if definition.cloze:
        text, extra = values[0], values[1] if len(values) > 1 else ""
        if extra and not _one_line(extra):
            sections.insert(0, section(definition.fields[1], extra))
            extra = ""
        if extra:
            heading, body = extra, [text]
        elif _one_line(text) and not sections:
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
        if _one_line(question):
            heading, body = question, [answer] if answer else []
        else:
            heading, body = "", [question, "**Answer:**", *([answer] if answer else [])]
    heading_parts = ("#" * level, _heading_text(heading), *_braced(attributes))
    heading_line = " ".join(part for part in heading_parts if part)
    parts = [heading_line, *(part for part in body if part), *sections]
    tags = [tag for tag in (safe_tag(tag) for tag in note.tags) if tag]
    if tags:
        parts.append("Tags: " + " ".join(tags))
    return "\n\n".join(parts), as_html


def field_values(fields: Sequence[str], image_name: Callable[[str], str]) -> tuple[list[str], bool]:
    """A note's fields as markdown a card can hold, and whether one of them had to stay HTML."""
    converted = [html_to_markdown(value, image_name) for value in fields]
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
        marker = lead_in(lines[index])
        if marker is not None and marker.key in OWN_LABELS:
            colon = lines[index].index(":")
            lines[index] = lines[index][:colon] + "\\" + lines[index][colon:]
    return "\n".join(lines)


OWN_LABELS = NOT_SECTION_LABELS
"""Labels the reader takes off a card's text: Answer, A, Question, Q and Tags."""
EMPTY_ANSWER = "<!-- empty -->"
KEPT_AS_IT_IS = "<!-- as in Anki -->"
"""The answer of a note whose back is empty: a comment, which the field shows as nothing."""


def _braced(attributes: Sequence[str]) -> list[str]:
    return [f"{{{' '.join(attributes)}}}"] if attributes else []


def _one_line(markdown: str) -> bool:
    return bool(markdown) and "\n" not in markdown and not markdown.lstrip().startswith(("<", "#", "!["))


def _heading_text(text: str) -> str:
    """The text as a heading's, with what the reader would take off a heading escaped: a trailing
    ``#word`` (a tag) or ``{…}`` (markers)."""
    if not text:
        return ""
    head, _, last = text.rpartition(" ")
    if last.startswith("#"):
        text = f"{head} \\{last}".strip()
    if text.endswith("}") and "{" in text:
        opening = text.rindex("{")
        text = f"{text[:opening]}\\{text[opening:]}"
    return text


def section(name: str, value: str) -> str:
    """A field as a labelled section; one that opens with a block (a list, code) starts below it."""
    if _one_line(value) or not value.startswith(BLOCK_OPENINGS):
        return f"**{name}:** {value}"
    return f"**{name}:**\n\n{value}"


BLOCK_OPENINGS = ("-", "*", "+", "#", "`", ">", "|", "<", "!", *"0123456789")


def _outputs(attempt: _Attempt, content: AnkiContent, media_used: set[str], into: Path) -> dict[Path, bytes]:
    outputs: dict[Path, bytes] = {path: text.encode("utf-8") for path, text in attempt.texts.items()}
    existing = note_type_files(into)
    for definition in content.note_types.values():
        if definition.name in existing or definition.id in OWN_VIEWS:
            continue  # deckbuilder's own note types need no file: every build makes them
        path = into / NOTE_TYPE_FOLDER / f"{_slug(definition.name) or 'note-type'}-{definition.id}.json"
        outputs[path] = note_type_json(definition).encode("utf-8")
        attempt.note_types.append(path)
    for name in sorted(media_used):
        source = content.media / name
        if source.is_file() and "/" not in name and name not in (".", ".."):
            outputs[into / MEDIA_FOLDER / name] = source.read_bytes()
            attempt.media += 1
    return outputs


def _read_back(
    staging: Path, into: Path, written: Mapping[Path, list[_Written]], attempt: _Attempt, now: int | None
) -> None:
    """Read the written decks back: each card's lock entry with its note's GUID and mod time, and
    the notes whose cards have errors (refused, for the next pass to leave out)."""
    from deckbuilder.app.load import load_decks
    from deckbuilder.errors import Severity

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
            deck_entries.append(
                entry_for(card.identified(note.guid, note.modified), card.fingerprint, match.content)
            )
        attempt.entries[path.name] = tuple(deck_entries)


def _write(outputs: Mapping[Path, bytes], into: Path) -> None:
    from deckbuilder.app.output import write_atomically

    try:
        for folder in sorted({path.parent for path in outputs}):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PushError(f"{into}: cannot make the folders to import into ({error.strerror})") from None
    write_atomically(outputs)
