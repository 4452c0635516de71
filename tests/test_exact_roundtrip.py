"""An imported deck round-trips exactly (issue 26): with the HTML people really have in their
fields, a build after import gives every field as Anki has it, and an edit of one word changes
that field alone (real Anki)."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main

from .anki_decks import PIXEL, add_note
from .anki_helpers import (
    anki_collection,
    import_apkg,
    new_collection,
    notes_by_guid,
    review_all,
    review_state,
)

COLOUR_BACK = (
    '<span style="color: rgb(255, 0, 0);">Red</span> water: <b>水</b> '
    '<img src="kanji_water.png"> is read <i>mizu</i>'
)
FIELDS: list[tuple[str, dict[str, str]]] = [
    ("Basic", {"Front": "Which kanji means <u>water</u>?", "Back": COLOUR_BACK}),
    ("Basic", {"Front": "Water's formula?", "Back": "H<sub>2</sub>O, and x<sup>2</sup> is a square"}),
    ("Basic", {"Front": r"What is \(e^{i\pi}\)?", "Back": r"\(-1\), since \[e^{i\pi} + 1 = 0\]"}),
    ("Basic", {"Front": "Which primes are small?",
               "Back": "<table><tbody><tr><td>2</td><td>3</td></tr><tr><td>5</td><td>7</td></tr></tbody></table>"}),
    ("Basic", {"Front": "Name the noble gases",
               "Back": "<ul><li>helium</li><li>neon</li><li>argon</li></ul>"}),
    ("Basic", {"Front": "Three lines?", "Back": "one<br>two<br><br>three"}),
    ("Basic", {"Front": "Hello in Python?", "Back": '<pre><code>print("hello")</code></pre>'}),
    ("Basic", {"Front": '<div style="text-align: center;">Centred <font color="#0000ff">blue</font></div>',
               "Back": '<span style="background-color: rgb(255, 255, 0);">highlighted</span>&nbsp;text'}),
    ("Cloze", {"Text": "The {{c1::mitochondrion::organelle}} makes {{c2::ATP}}.", "Back Extra": "<i>cells</i>"}),
    ("Words", {"Word": "<b>gato</b>", "Meaning": "cat", "Example": "<i>El gato</i> duerme.",
               "Notes": "From Latin <i>cattus</i>"}),
]  # fmt: skip


def _words_type(col: Any) -> None:
    models = col.models
    words = models.new("Words")
    for name in ("Word", "Meaning", "Example", "Notes"):
        models.add_field(words, models.new_field(name))
    template = models.new_template("Card 1")
    template["qfmt"] = "{{Word}}"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}<br>{{Notes}}"
    models.add_template(words, template)
    models.add(words)


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    _words_type(col)
    (Path(col.media.dir()) / "kanji_water.png").write_bytes(PIXEL)
    for type_name, fields in FIELDS:
        add_note(
            col, type_name, "Mixed", ["imported"], **{name.replace(" ", "_"): v for name, v in fields.items()}
        )
    review_all(col)
    col.db.execute("update notes set mod = mod - 3600")  # written an hour ago, as in life
    col.close()
    return folder / "collection.anki2"


def _notes(collection: Path) -> dict[str, tuple[int, list[str]]]:
    col = anki_collection.Collection(str(collection))
    try:
        return {guid: (note.mod, list(note.fields)) for guid, note in notes_by_guid(col).items()}
    finally:
        col.close()


def _package(path: Path) -> tuple[dict[str, list[str]], set[str]]:
    """The package's notes' fields by GUID, read from its database, and its media files' names."""
    with zipfile.ZipFile(path) as archive:
        database = path.with_suffix(".anki2")
        database.write_bytes(archive.read("collection.anki2"))
        media = set(json.loads(archive.read("media")).values())
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("select guid, flds from notes").fetchall()
    finally:
        connection.close()
    return {guid: fields.split("\x1f") for guid, fields in rows}, media


def _imported(runner: CliRunner, collection: Path, into: Path) -> Path:
    imported = runner.invoke(main, ["import", "-c", str(collection), "-d", "Mixed", "--into", str(into)])
    assert imported.exit_code == 0, imported.output
    return into


def _build(runner: CliRunner, source: Path, out: Path) -> Path:
    result = runner.invoke(main, ["build", str(source), "-o", str(out), "-f", "apkg"])
    assert result.exit_code == 0, result.output
    (package,) = out.glob("*.apkg")
    return package


def test_a_build_after_import_gives_every_field_as_anki_has_it(
    runner: CliRunner, tmp_path: Path, collection: Path
) -> None:
    source = _imported(runner, collection, tmp_path / "source")
    anki = _notes(collection)
    fields, media = _package(_build(runner, source, tmp_path / "out"))
    # Byte for byte, not only "whitespace between tags aside" as the issue allows.
    assert fields == {guid: values for guid, (_, values) in anki.items()}
    assert "kanji_water.png" in media
    # Built afresh (the kept fields gone), each of these fields still comes out as Anki stored it.
    (source / "deckbuilder.fields").unlink()
    fresh, _ = _package(_build(runner, source, tmp_path / "fresh"))
    assert fresh == fields


def test_one_word_edited_updates_that_field_alone_and_keeps_review_history(
    runner: CliRunner, tmp_path: Path, collection: Path
) -> None:
    source = _imported(runner, collection, tmp_path / "source")
    before = _notes(collection)
    reviews = _review_state(collection)
    deck = source / "mixed.md"
    text = deck.read_text(encoding="utf-8")
    assert text.count("mizu") == 1
    deck.write_text(text.replace("mizu", "mizu (みず)"), encoding="utf-8")
    package = _build(runner, source, tmp_path / "out")
    col = anki_collection.Collection(str(collection))
    try:
        log = import_apkg(col, package)
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    finally:
        col.close()
    after = _notes(collection)
    changed = {guid for guid in before if after[guid] != before[guid]}
    (guid,) = changed
    front, back = after[guid][1]
    assert front == before[guid][1][0]  # the other field, byte for byte
    assert back == COLOUR_BACK.replace("mizu", "mizu (みず)")  # and this one with just the edit
    assert "mizu (みず)" in back
    assert '<span style="color: rgb(255, 0, 0);">Red</span>' in back  # as Anki wrote it
    assert '<img src="kanji_water.png">' in back
    assert "<b>水</b>" in back and "<i>mizu (みず)</i>" in back
    assert _review_state(collection) == reviews


def _review_state(collection: Path) -> dict[int, tuple[int, int, int]]:
    col = anki_collection.Collection(str(collection))
    try:
        return review_state(col)
    finally:
        col.close()


def test_a_field_pulled_from_anki_is_built_as_anki_has_it(
    runner: CliRunner, tmp_path: Path, collection: Path
) -> None:
    """An edit in Anki pulled into the markdown: the note's fields are kept as Anki has them now,
    so the next build gives them back byte for byte, and imports as no change."""
    source = _imported(runner, collection, tmp_path / "source")
    # <strong> reads back as markdown's bold, which a fresh build writes <b>: kept, it stays <strong>.
    edited = "<strong>gato</strong> (m.)"
    col = anki_collection.Collection(str(collection))
    try:
        note = next(n for n in notes_by_guid(col).values() if n.fields[0] == "<b>gato</b>")
        note["Word"] = edited
        col.update_note(note)
    finally:
        col.close()
    pulled = runner.invoke(main, ["pull", str(source), "--collection", str(collection)])
    assert pulled.exit_code == 0, pulled.output
    assert "(m.)" in (source / "mixed.md").read_text(encoding="utf-8")
    anki = _notes(collection)
    fields, _ = _package(_build(runner, source, tmp_path / "out"))
    assert fields[note.guid] == anki[note.guid][1]
    col = anki_collection.Collection(str(collection))
    try:
        log = import_apkg(col, tmp_path / "out" / "mixed.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
    finally:
        col.close()


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('{"notes": 3', 1, "not valid JSON"),
        ('{"version": 1, "notes": {"x": {"Front": ["a"]}}}', 1, "not in deckbuilder's form"),
        ('{"version": 9, "notes": {}}', 1, "not a file of kept Anki fields"),
    ],
)
def test_a_broken_fields_file_is_a_clear_error_and_nothing_is_built(
    runner: CliRunner, tmp_path: Path, text: str, line: int, says: str
) -> None:
    (tmp_path / "deck.md").write_text("# Deck\n\n## Why?\n\nBecause.\n", encoding="utf-8")
    (tmp_path / "deckbuilder.fields").write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["build", str(tmp_path / "deck.md"), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert f"deckbuilder.fields:{line}: error:" in result.output and says in result.output
    assert "delete it" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("for_collection", [False, True])
def test_a_package_for_another_profile_uses_that_profiles_note_types(
    runner: CliRunner, tmp_path: Path, collection: Path, for_collection: bool
) -> None:
    """A deck imported from one profile, its package imported into another whose note types have
    other ids: Anki adds copies ("Basic+") unless the package was built for that collection."""
    source = _imported(runner, collection, tmp_path / "source")
    (tmp_path / "other").mkdir()
    other = new_collection(tmp_path / "other")
    _words_type(other)
    ids = {model["name"]: model["id"] for model in other.models.all()}
    other.close()
    target = tmp_path / "other" / "collection.anki2"
    flags = ["--for-collection", str(target)] if for_collection else []
    result = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "apkg", *flags])
    assert result.exit_code == 0, result.output
    col = anki_collection.Collection(str(target))
    try:
        import_apkg(col, tmp_path / "out" / "mixed.apkg")
        names = sorted(model["name"] for model in col.models.all())
        used = {col.models.get(note.mid)["name"] for note in notes_by_guid(col).values()}
        if for_collection:
            assert names == sorted(ids) and used == {"Basic", "Cloze", "Words"}
            assert {note.mid for note in notes_by_guid(col).values()} <= set(ids.values())
        else:
            assert {"Basic+", "Cloze+", "Words+"} <= set(names)  # what Anki does (measured)
    finally:
        col.close()


def test_cards_added_to_an_imported_deck_take_the_decks_own_note_types(
    runner: CliRunner, tmp_path: Path, collection: Path
) -> None:
    """A plain card and a cloze card written into an imported deck become notes of the deck's
    "Basic" and "Cloze" (its collection's), not of deckbuilder's own note types."""
    source = _imported(runner, collection, tmp_path / "source")
    deck = source / "mixed.md"
    added = "\n## What is the capital of Peru?\n\nLima.\n\n## Cloze\n\n{{c1::Lima}} is on the coast.\n"
    deck.write_text(deck.read_text(encoding="utf-8") + added, encoding="utf-8")
    package = _build(runner, source, tmp_path / "out")
    col = anki_collection.Collection(str(collection))
    try:
        models_before = sorted(model["name"] for model in col.models.all())
        log = import_apkg(col, package)
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (2, 0, 0)
        assert sorted(model["name"] for model in col.models.all()) == models_before
        types = {note.fields[0]: col.models.get(note.mid)["name"] for note in notes_by_guid(col).values()}
        assert types["What is the capital of Peru?"] == "Basic"
        assert types["{{c1::Lima}} is on the coast."] == "Cloze"
    finally:
        col.close()


def test_the_csv_of_an_imported_deck_carries_the_fields_as_anki_has_them(
    runner: CliRunner, tmp_path: Path, collection: Path
) -> None:
    """Real Anki's CSV import into a fresh collection gives every field as the collection has it."""
    from .anki_helpers import import_csv

    source = _imported(runner, collection, tmp_path / "source")
    result = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "csv"])
    assert result.exit_code == 0, result.output
    anki = _notes(collection)
    (tmp_path / "fresh").mkdir()
    fresh = new_collection(tmp_path / "fresh")
    try:
        _words_type(fresh)
        import_csv(fresh, tmp_path / "out" / "mixed.csv")
        imported = {guid: list(note.fields) for guid, note in notes_by_guid(fresh).items()}
    finally:
        fresh.close()
    assert imported == {guid: values for guid, (_, values) in anki.items()}
