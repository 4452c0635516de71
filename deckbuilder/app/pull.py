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

from deckbuilder.app.ankinotes import (
    AnkiNote,
    guids_of,
    notes_by_guid,
    notes_by_id,
    opened_copy,
    search_quoted,
)
from deckbuilder.app.importing import (
    card_markdown,
    field_values,
    kept_answer,
    media_path,
    own_marker,
    question_words,
    section,
)
from deckbuilder.app.load import LoadedDeck, load_decks, prepared
from deckbuilder.app.media import collect_media
from deckbuilder.app.settings import folder_settings
from deckbuilder.errors import DeckbuilderError, Diagnostic, Severity, shorten
from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import MarkupOptions, to_html
from deckbuilder.identity.lockfile import LockEntry, format_lock, merged
from deckbuilder.identity.resolve import Change, entry_for
from deckbuilder.model import Card, Deck, NoteType
from deckbuilder.read.answers import ANSWER_MARKERS, assemble_answer
from deckbuilder.read.blocks import Block, lead_in, normalise_newlines, tokenize
from deckbuilder.read.reader import parse, split_source
from deckbuilder.read.tags import safe_tag
from deckbuilder.render import MediaNames
from deckbuilder.render.apkg import card_fields
from deckbuilder.render.fields import field_html
from deckbuilder.render.notetypes import CLOZE_NOTE_TYPE_ID, NOTE_TYPE_ID, OWN_VIEWS

OWN_BASIC, OWN_CLOZE = OWN_VIEWS[NOTE_TYPE_ID], OWN_VIEWS[CLOZE_NOTE_TYPE_ID]


class PullError(DeckbuilderError):
    """The edits cannot be pulled."""


@dataclass(frozen=True, slots=True)
class TwoVersions:
    """A card as the markdown has it and as Anki has it, for a conflict or an edit to copy by hand."""

    where: str
    question: str
    markdown: str
    anki: str
    shape: str = ""


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


@dataclass(frozen=True, slots=True)
class _Edit:
    card: Card
    note: AnkiNote
    question: str | None
    """The new question, when Anki changed it."""
    answer: str | None
    tags: tuple[str, ...] | None


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
    loaded = load_decks(sources, recursive=recursive, now=now)
    report = PullReport()
    files: dict[Path, bytes] = {}
    lock_updates: dict[Path, dict[str, list[LockEntry]]] = {}
    with opened_copy(collection, chosen) as col:
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
            text, entries, diff = _rewritten(item, edits, new_notes if add_new else [], report)
            if text is None:
                continue
            files[item.deck.source] = text.encode("utf-8")
            lock_updates.setdefault(item.lock_file, {})[item.lock_key] = entries
            report.diff += diff
    if dry_run or not files:
        return report
    by_lock = {item.lock_file: item.lock for item in loaded}
    for lock_file, decks in lock_updates.items():
        files[lock_file] = format_lock(merged(by_lock[lock_file], decks)).encode("utf-8")
    from deckbuilder.app.output import write_atomically

    write_atomically(files)
    return report


def _edits(item: LoadedDeck, notes: Mapping[str, AnkiNote], report: PullReport) -> list[_Edit]:
    # The notes edited in Anki since their build: usually none, and then nothing to render.
    touched = [(match, note) for match in item.resolution.matches
               if (note := notes.get(match.card.guid)) is not None and match.previous is not None
               and note.modified > match.previous.changed]  # fmt: skip
    if not touched:
        return []
    deck = item.deck
    markup = MarkupOptions(math="mathjax", image_src=MediaNames(collect_media(deck, item.media_digests)))
    fragments = Fragments()
    edits = []
    for match, note in touched:
        card = match.card
        definition = _note_type(deck, card)
        built = _built_fields(card, definition, fragments, markup)
        anki_fields = list(note.fields[: len(built)])
        anki_tags = tuple(sorted(tag for tag in (safe_tag(t) for t in note.tags) if tag))
        fields_differ = [_normal(a) for a in anki_fields] != [_normal(b) for b in built]
        tags_differ = set(anki_tags) != set(card.tags)
        if not fields_differ and not tags_differ:
            continue
        edit = _edit_of(card, note, definition, anki_tags if tags_differ else None, fields_differ)
        if match.change is not Change.UNCHANGED:
            report.conflicts.append(_versions(edit))
            continue
        edits.append(edit)
    return edits


def _note_type(deck: Deck, card: Card) -> NoteType:
    if card.note_type:
        found = deck.note_type(card.note_type)
        assert found is not None  # load refuses a card whose note type is not defined
        return found
    return OWN_CLOZE if card.kind == "cloze" else OWN_BASIC


def _built_fields(card: Card, definition: NoteType, fragments: Fragments, markup: MarkupOptions) -> list[str]:
    if card.note_type:
        return field_html(card, definition, fragments, markup)
    return card_fields(card, fragments, markup)[:2]


def _normal(html: str) -> str:
    return " ".join(html.split())


def _edit_of(
    card: Card, note: AnkiNote, definition: NoteType, tags: tuple[str, ...] | None, fields_differ: bool
) -> _Edit:
    if not fields_differ:
        return _Edit(card, note, None, None, tags)
    values, _ = field_values(note.fields[: len(definition.fields)], media_path)
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
    if question is not None and _same_markdown(question, card.question):
        question = None
    if answer is not None:
        answer = _with_fence_languages(answer, card.answer)
        if _same_markdown(answer, card.answer):
            answer = None
    return _Edit(card, note, question, answer, tags)


def _same_markdown(first: str, second: str) -> bool:
    """Whether two texts show the same: Anki's field converted back may escape what the markdown
    wrote plainly (``snake\\_case``), which is no edit."""
    if " ".join(first.split()) == " ".join(second.split()):
        return True
    return _normal(to_html(first)) == _normal(to_html(second))


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


def _versions(edit: _Edit) -> TwoVersions:
    """The part Anki changed, as the markdown has it and as Anki has it."""
    card = edit.card
    if edit.answer is not None or (edit.question is None and edit.tags is None):
        markdown, anki = card.answer, edit.answer if edit.answer is not None else card.answer
    elif edit.question is not None:
        markdown, anki = card.question, edit.question
    else:
        markdown, anki = "Tags: " + " ".join(card.tags), "Tags: " + " ".join(edit.tags or ())
    return TwoVersions(str(card.source), shorten(card.question, 60), markdown, anki)


def _new_notes(col: Any, item: LoadedDeck) -> list[AnkiNote]:
    """Notes in the deck's Anki deck (not its sub-decks) that no card of the lock holds."""
    known = {entry.guid for entries in item.lock.values() for entry in entries}
    known |= {match.card.guid for match in item.resolution.matches}
    name = item.deck.anki_deck
    if col.decks.id_for_name(name) is None:
        return []  # the deck is not in the collection yet
    note_ids = col.find_notes(f'deck:"{search_quoted(name)}" -deck:"{search_quoted(name)}::*"')
    unknown = [note_id for note_id, guid in guids_of(col, note_ids) if guid not in known]
    return [note for note in notes_by_id(col, unknown) if note.deck == name]


def _rewritten(
    item: LoadedDeck, edits: Sequence[_Edit], new_notes: Sequence[AnkiNote], report: PullReport
) -> tuple[str | None, list[LockEntry], str]:
    """The deck's markdown with the edits written in, its lock entries after them, and the change
    as a unified diff.

    Every card written is read back: one that does not read back as Anki has it (an answer of
    several lines in a shape of one line, say) is left as it was and reported, and the rest are
    written again without it."""
    path = item.deck.source
    raw = path.read_text(encoding="utf-8")
    original = normalise_newlines(raw)
    blocks = _blocks(original, path)
    refused: set[str] = set()
    while True:
        kept = [edit for edit in edits if edit.note.guid not in refused]
        attempt = _write_in(item, original, blocks, kept, new_notes)
        parsed, errors = _read(item, "\n".join(attempt.lines))
        wrong = _at_errors(errors, attempt) if errors else _not_as_written(parsed, attempt, edits)
        if not wrong:
            break
        if not wrong <= {edit.note.guid for edit in edits} - refused:
            # Only an edit can be left out; a new card that does not read back stops the pull.
            raise PullError(f"{path}: a card pull wrote does not read back as written; pull changed nothing")
        refused |= wrong
    unwritable = [*attempt.unwritable, *(edit for edit in edits if edit.note.guid in refused)]
    report.unwritable += [replace(_versions(edit), shape=edit.card.shape or "heading") for edit in unwritable]
    report.unaddable += [f"{path}: {question_words(note, 60)}" for note in attempt.unaddable]
    report.added += [
        f"{path}: {question_words(note, 60)}" for note in new_notes if note.guid in attempt.pulled
    ]
    report.pulled += [f"{edit.card.source} {shorten(edit.card.question, 60)}"
                      for edit in edits if edit.note.guid in attempt.pulled]  # fmt: skip
    if not attempt.pulled:
        return None, [], ""
    text = "\n".join(attempt.lines)
    entries = _lock_entries(item, parsed, attempt)
    # The file's own line endings, and its last line as it ended (with or without a line break).
    if not raw.endswith(("\n", "\r")):
        text = text.rstrip("\n")
    if "\r\n" in raw:
        text = text.replace("\n", "\r\n")
    return text, entries, _diff(path, attempt.before, attempt.changes)


@dataclass(slots=True)
class _Written:
    """The deck's lines with edits and new cards written in."""

    before: list[str]
    lines: list[str]
    pulled: dict[str, tuple[AnkiNote, int]] = field(default_factory=dict)
    """Each note written, with the line of its card."""
    changes: list[tuple[int, int, list[str]]] = field(default_factory=list)
    """Each change as (first line, line after the last, new lines), in the original's line indexes."""
    unwritable: list[_Edit] = field(default_factory=list)
    unaddable: list[AnkiNote] = field(default_factory=list)
    questions: dict[str, str] = field(default_factory=dict)
    """Each edited card's question as written, which finds it among cards read at one line."""


def _write_in(
    item: LoadedDeck,
    original: str,
    blocks: Sequence[Block],
    edits: Sequence[_Edit],
    new_notes: Sequence[AnkiNote],
) -> _Written:
    """The deck's text (``original``, its top-level ``blocks``) with new cards and edits in."""
    lines = original.split("\n")
    written = _Written(list(lines), lines)
    # New cards first, after the last card (before a footer, when the file has one): below every
    # edited card, so the edits' lines stay where they are.
    breaks = [block.line for block in blocks if block.kind == "thematic_break"]
    insert_at = breaks[-1] - 1 if item.deck.footer and breaks else len(lines)
    while insert_at > 0 and not lines[insert_at - 1].strip():
        insert_at -= 1
    added_lines: list[str] = []
    for note in new_notes:
        added = _added_card(item.deck, note)
        if added is None:
            written.unaddable.append(note)
            continue
        added_lines.append("")
        written.pulled[note.guid] = (note, insert_at + len(added_lines) + 1)
        added_lines += added.split("\n")
    if added_lines:
        lines[insert_at:insert_at] = added_lines
        written.changes.append((insert_at, insert_at, added_lines))
    # Where each card's lines end: at the next card, or at the footer.
    starts = sorted({card.source.line for card in item.deck.cards})
    ends = {line: (starts[index + 1] - 1 if index + 1 < len(starts) else insert_at)
            for index, line in enumerate(starts)}  # fmt: skip
    # Edits from the bottom up, so that the lines of the cards above stay where they are.
    for edit in sorted(edits, key=lambda edit: edit.card.source.line, reverse=True):
        # A heading card is written anew; any other (or one whose answer sits in <details>) in place.
        replacement = _card_lines(edit, lines, blocks) or _in_place(edit, lines, ends[edit.card.source.line])
        if replacement is None:
            written.unwritable.append(edit)
            continue
        start, end, new_lines = replacement
        lines[start:end] = new_lines
        written.changes.append((start, end, new_lines))
        shift = len(new_lines) - (end - start)
        written.pulled = {guid: (note, line + shift if line > start + 1 else line)
                          for guid, (note, line) in written.pulled.items()}  # fmt: skip
        written.pulled[edit.note.guid] = (edit.note, start + 1)
        written.questions[edit.note.guid] = edit.question if edit.question is not None else edit.card.question
    return written


def _in_place(edit: _Edit, lines: list[str], end: int) -> tuple[int, int, list[str]] | None:
    """The card's question and answer replaced where they stand in its lines, for a card that is not
    a heading with its answer below (``Q:``/``A:`` lines, a ``term — meaning`` line, an answer in
    ``<details>``); None when its text is not there as written or its tags changed (a shape without
    a tags line of its own)."""
    card = edit.card
    if edit.tags is not None:
        return None
    start = card.source.line - 1
    region = "\n".join(lines[start:end])
    asked = region.find(card.question) if card.question else -1
    after = asked + len(card.question) if asked >= 0 else 0
    answered = region.find(card.answer, after) if card.answer else -1
    if edit.answer is not None:
        if answered < 0 or region.count(card.answer, after) != 1:
            return None
        region = region[:answered] + edit.answer + region[answered + len(card.answer) :]
    if edit.question is not None:
        if asked < 0 or "\n" in edit.question:
            return None
        region = region[:asked] + edit.question + region[asked + len(card.question) :]
    return start, end, region.split("\n")


DIFF_CONTEXT = 3


def _diff(path: Path, old: Sequence[str], changes: Sequence[tuple[int, int, list[str]]]) -> str:
    """A unified diff of the changes, made from them directly: difflib takes minutes on a file of
    tens of thousands of lines with many changes."""
    out = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    shift = 0
    for start, end, new in sorted(changes, key=lambda change: change[0]):
        removed, added = list(old[start:end]), list(new)
        while removed and added and removed[0] == added[0]:  # lines the change kept as they were
            removed.pop(0)
            added.pop(0)
            start += 1
        while removed and added and removed[-1] == added[-1]:
            removed.pop()
            added.pop()
        end = start + len(removed)
        context_before = old[max(0, start - DIFF_CONTEXT) : start]
        context_after = old[end : end + DIFF_CONTEXT]
        first = start - len(context_before) + 1
        old_count = len(context_before) + len(removed) + len(context_after)
        new_count = len(context_before) + len(added) + len(context_after)
        out.append(f"@@ -{first},{old_count} +{first + shift},{new_count} @@\n")
        out += [f" {line}\n" for line in context_before]
        out += [f"-{line}\n" for line in removed] + [f"+{line}\n" for line in added]
        out += [f" {line}\n" for line in context_after]
        shift += len(added) - len(removed)
    return "".join(out)


def _blocks(text: str, path: Path) -> list[Block]:
    source = split_source(text, path)
    return tokenize(source.body, source.first_line)


def _card_lines(edit: _Edit, lines: list[str], blocks: Sequence[Block]) -> tuple[int, int, list[str]] | None:
    """The lines [start, end) of the card's place in the file and the lines to put there; None when
    the card is not written as a heading with its answer below it."""
    card = edit.card
    if card.shape != "heading":
        return None
    at = next((i for i, block in enumerate(blocks) if block.line == card.source.line), None)
    if at is None or blocks[at].kind != "heading":
        return None
    level = blocks[at].level
    end = at + 1
    while end < len(blocks):
        block = blocks[end]
        if block.kind == "thematic_break" or (block.kind == "heading" and block.level <= level):
            break
        end += 1
    body = list(blocks[at + 1 : end])
    heading = lines[card.source.line - 1]
    if edit.question is not None:
        if "\n\n" in card.question or "\n" in edit.question or card.question not in heading:
            return None
        heading = heading.replace(card.question, edit.question, 1)
    answer_at = _answer_start(body, card.answer)
    if answer_at is None:
        return None
    kept = [block.text.rstrip("\n") for block in body[:answer_at]]
    answer = edit.answer if edit.answer is not None else card.answer
    prefix = _lead_in_prefix(body[answer_at]) if answer_at < len(body) else ""
    tags_line = _tags_line(card, body, edit.tags)
    # One list item a line: the lines below are counted by it.
    kept_lines = [line for text in kept for line in (*text.split("\n"), "")]
    answer_lines = [*f"{prefix}{answer}".split("\n"), ""] if prefix or answer else []
    new = [heading, "", *kept_lines, *answer_lines]
    if tags_line:
        new += [tags_line, ""]
    stop = blocks[end].line - 1 if end < len(blocks) else len(lines)
    return card.source.line - 1, stop, new


def _lead_in_prefix(block: Block) -> str:
    """``**Answer:**`` and what follows it up to the answer's text, as the card had it."""
    opening = lead_in(block.text) if block.kind == "paragraph" else None
    if opening is None or opening.key not in ANSWER_MARKERS:
        return ""
    text = block.text.lstrip(" ").rstrip()
    rest = opening.rest.rstrip()
    if not rest:  # the marker is a paragraph of its own, the answer below it
        return f"{text}\n\n"
    return text[: len(text) - len(rest)] if text.endswith(rest) else ""


def _answer_start(body: Sequence[Block], answer: str) -> int | None:
    for index in range(len(body) + 1):
        if assemble_answer(body[index:]).markdown == answer:
            return index
    return None


def _tags_line(card: Card, body: Sequence[Block], anki_tags: tuple[str, ...] | None) -> str:
    own = []
    if body and body[-1].kind == "paragraph":
        last = body[-1].text.strip().split("\n")[-1]
        marker = lead_in(last)
        if marker is not None and marker.key == "tags":
            own = marker.rest.split()
            written = last[: len(last) - len(marker.rest)]
        else:
            written = "Tags: "
    else:
        written = "Tags: "
    if anki_tags is None:
        return f"{written}{' '.join(own)}" if own else ""
    added = [tag for tag in anki_tags if tag not in card.tags]
    removed = {tag for tag in card.tags if tag not in anki_tags}
    tags = [tag for tag in own if tag not in removed] + [tag for tag in added if tag not in own]
    return f"{written}{' '.join(tags)}" if tags else ""


def _added_card(deck: Deck, note: AnkiNote) -> str | None:
    definitions = {definition.id: definition for definition in deck.note_types}
    markers = {name: marker for marker, name in deck.settings.note_types}
    own = OWN_VIEWS.get(note.note_type_id)
    if own is not None:
        definition, marker = own, own_marker(note, own)
    elif note.note_type_id in definitions:
        definition = definitions[note.note_type_id]
        marker = markers.get(definition.name, "basic")
    else:
        return None
    text, _ = card_markdown(note, definition, marker, False, media_path)
    return text


def _read(item: LoadedDeck, text: str) -> tuple[Deck, list[Diagnostic]]:
    """The deck as the text written reads (cards, note types and the images' part of the content),
    and its errors."""
    path = item.deck.source
    parsed = parse(text, path, folder_settings(path.parent))
    deck, _, problems = prepared(parsed.deck)
    return deck, [d for d in (*parsed.diagnostics, *problems) if d.severity is Severity.ERROR]


def _at_errors(errors: Sequence[Diagnostic], written: _Written) -> set[str]:
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


def _card_at(deck: Deck, line: int, question: str | None) -> Card | None:
    """The card read at the line; where several are (the items of one list), the one asking the
    question."""
    found = [card for card in deck.cards if card.source.line == line]
    if len(found) > 1 and question is not None:
        found = [card for card in found if _same_markdown(card.question, question)]
    return found[0] if len(found) == 1 else None


def _not_as_written(deck: Deck, written: _Written, edits: Sequence[_Edit]) -> set[str]:
    """The GUIDs of the edited cards that do not read back with the question and answer written."""
    wrong = set()
    for edit in edits:
        spot = written.pulled.get(edit.note.guid)
        if spot is None:
            continue
        question = edit.question if edit.question is not None else edit.card.question
        answer = edit.answer if edit.answer is not None else edit.card.answer
        card = _card_at(deck, spot[1], question)
        if (
            card is None
            or not _same_markdown(card.question, question)
            or not _same_markdown(card.answer, answer)
        ):
            wrong.add(edit.note.guid)
    return wrong


def _lock_entries(item: LoadedDeck, deck: Deck, written: _Written) -> list[LockEntry]:
    """The deck's lock entries with the pulled cards' new content and their notes' mod times."""
    path = item.deck.source
    entries = {entry.guid: entry for entry in item.lock.get(item.lock_key, ())}
    for guid, (note, line) in written.pulled.items():
        card = _card_at(deck, line, written.questions.get(guid))
        if card is None:
            raise PullError(
                f"{path}:{line}: the card written back does not read back as a card; nothing was changed"
            )
        previous = entries.get(guid)
        entries[guid] = entry_for(card.identified(guid, note.modified), card.fingerprint, card.content)
        if previous is not None and previous.explicit_id and not card.explicit_id:
            entries[guid] = replace(entries[guid], explicit_id=previous.explicit_id)
    return list(entries.values())
