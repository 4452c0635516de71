"""``deckbuilder import`` of collections that used to lose or garble decks: deck names that make one
file name, fields that looked like markup of another kind, filtered decks, odd media names,
duplicate GUIDs and decks the folder already holds. Each imports every note as its own card (or
exits non-zero and says which it left), and what a build makes of the cards is what Anki has."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main
from deckbuilder.html.plaintext import html_to_text
from deckbuilder.identity.lockfile import lock_path, read_lock

from .anki_decks import PIXEL, add_note, built_back_changes_nothing
from .anki_helpers import anki_collection, import_apkg, new_collection, notes_by_guid

pytestmark = pytest.mark.anki


def collection_of(tmp_path: Path, fill: Callable[[Any], None]) -> Path:
    """A collection filled by ``fill``, its notes written an hour ago."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    fill(col)
    col.db.execute("update notes set mod = mod - 3600")
    col.close()
    return folder / "collection.anki2"


def import_deck(runner: CliRunner, collection: Path, deck: str, into: Path) -> Any:
    return runner.invoke(main, ["import", "-c", str(collection), "-d", deck, "--into", str(into), "--json"])


def fields_by_guid(collection: Path) -> dict[str, list[str]]:
    col = anki_collection.Collection(str(collection))
    try:
        return {guid: list(note.fields) for guid, note in notes_by_guid(col).items()}
    finally:
        col.close()


def shown(notes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each note's fields as the text a card shows (byte-exact fields are issue 26's to promise)."""
    return {
        guid: [" ".join(html_to_text(value).split()) for value in fields] for guid, fields in notes.items()
    }


def built_fields(runner: CliRunner, source: Path, tmp_path: Path) -> dict[str, list[str]]:
    """The notes a build of ``source`` makes, as a fresh collection has them after importing it."""
    out = tmp_path / "built"
    result = runner.invoke(main, ["build", str(source), "-o", str(out), "-f", "apkg"])
    assert result.exit_code == 0, result.output
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    col = new_collection(fresh)
    try:
        for package in sorted(out.glob("*.apkg")):
            import_apkg(col, package)
        return {guid: list(note.fields) for guid, note in notes_by_guid(col).items()}
    finally:
        col.close()


def cards_of(source: Path) -> dict[str, str]:
    """Each card's GUID in the lock, with the question it was locked with."""
    return {
        entry.guid: entry.question for entries in read_lock(lock_path(source)).values() for entry in entries
    }


def test_decks_whose_names_make_one_file_name_each_get_a_file(runner: CliRunner, tmp_path: Path) -> None:
    def fill(col: Any) -> None:
        for deck in ("Spanish Verbs", "Spanish-Verbs", "Spanish.Verbs"):
            add_note(col, "Basic", f"Lang::{deck}", [], Front=f"Which deck is {deck}?", Back=deck)

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(Path(deck["path"]).name for deck in report["decks"]) == [
        "lang--spanish-verbs-2.md", "lang--spanish-verbs-3.md", "lang--spanish-verbs.md"
    ]  # fmt: skip
    assert [deck["cards"] for deck in report["decks"]] == [1, 1, 1]
    assert shown(built_fields(runner, source, tmp_path)) == shown(fields_by_guid(collection))
    built_back_changes_nothing(runner, source, collection, tmp_path / "out")


def test_a_deck_name_too_long_for_a_file_name_is_cut(runner: CliRunner, tmp_path: Path) -> None:
    deck = "Lang::" + "é" * 200

    def fill(col: Any) -> None:
        add_note(col, "Basic", deck, [], Front="Where am I?", Back="In a long deck")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 0, result.output
    (written,) = source.glob("*.md")
    assert len(written.name.encode("utf-8")) <= 255
    assert f'deck: "{deck}"' in written.read_text(encoding="utf-8")
    assert shown(built_fields(runner, source, tmp_path)) == shown(fields_by_guid(collection))


def test_a_flashcards_tag_in_a_field_does_not_switch_the_file_to_another_syntax(
    runner: CliRunner, tmp_path: Path
) -> None:
    def fill(col: Any) -> None:
        add_note(col, "Basic", "Lang", [], Front="Which tag did I use?", Back="see #flashcards now")
        add_note(col, "Basic", "Lang", [], Front="Capital of France::Paris", Back="yes")
        add_note(col, "Basic", "Lang", [], Front="Two", Back="b")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decks"][0]["cards"] == 3
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    assert shown(built_fields(runner, source, tmp_path)) == shown(fields_by_guid(collection))


def test_a_bare_carriage_return_in_a_field_keeps_every_guid_on_its_own_card(
    runner: CliRunner, tmp_path: Path
) -> None:
    def fill(col: Any) -> None:
        add_note(col, "Basic", "Lang", [], Front="One", Back="kept")
        add_note(col, "Basic", "Lang", [], Front="Two", Back="b")
        add_note(col, "Basic", "Lang", [], Front="Three", Back="c")
        # A field kept as HTML (an underline) holding carriage returns, as a script or an old
        # client leaves them; Anki's editor would not.
        col.db.execute("update notes set flds = ? where sfld = 'One'", "One\x1f<u>a\r\r## Fake?\r\rb</u>")
        col.db.execute("update notes set flds = ? where sfld = 'Two'", "Two\x1fb\r\r## Also fake?\rc")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 0, result.output
    questions = {guid: fields[0].lower() for guid, fields in fields_by_guid(collection).items()}
    assert cards_of(source) == questions
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    # The package holds the fields as Anki had them (kept beside the lock); Anki's own import of a
    # package drops carriage returns from them.
    without_returns = {guid: [value.replace("\r", "") for value in fields]
                       for guid, fields in fields_by_guid(collection).items()}  # fmt: skip
    assert built_fields(runner, source, tmp_path) == without_returns
    built_back_changes_nothing(runner, source, collection, tmp_path / "out")


def test_cloze_syntax_in_a_basic_note_stays_text(runner: CliRunner, tmp_path: Path) -> None:
    def fill(col: Any) -> None:
        add_note(col, "Basic", "Lang", [], Front="What is {{c1::this}}?", Back="b")
        add_note(col, "Basic", "Lang", [], Front="Show the syntax", Back="write {{c1::text::hint}}")
        add_note(col, "Basic", "Lang", [], Front="Kept as HTML", Back="<u>{{c2::under}}</u>")
        add_note(col, "Cloze", "Lang", [], Text="A real {{c1::cloze}}", Back_Extra="")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decks"][0]["cards"] == 4
    built = built_fields(runner, source, tmp_path)
    assert shown(built) == shown(fields_by_guid(collection))
    # In HTML the markdown keeps, the opening is an entity, which the build writes as the braces.
    assert any(
        fields[0] == "Kept as HTML" and "<u>{{c2::under}}</u>" in fields[1] for fields in built.values()
    )
    built_back_changes_nothing(runner, source, collection, tmp_path / "out")


def test_a_card_in_a_filtered_deck_is_filed_under_its_home_deck(runner: CliRunner, tmp_path: Path) -> None:
    def fill(col: Any) -> None:
        add_note(col, "Basic", "Lang", [], Front="Where do I live?", Back="At home")
        cram = col.decks.new_filtered("Cram")
        deck = col.decks.get(cram)
        deck["terms"] = [["deck:Lang", 100, 0]]
        col.decks.save(deck)
        col.sched.rebuild_filtered_deck(cram)
        assert col.db.scalar("select count() from cards where did = ?", cram) == 1

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 0, result.output
    assert [path.name for path in source.glob("*.md")] == ["lang.md"]
    assert 'deck: "Lang"' in (source / "lang.md").read_text(encoding="utf-8")


def test_a_media_name_with_percent_signs_builds(runner: CliRunner, tmp_path: Path) -> None:
    def fill(col: Any) -> None:
        media = Path(col.media.dir())
        (media / "a%20b.png").write_bytes(PIXEL)
        (media / "c d.png").write_bytes(PIXEL)
        add_note(
            col, "Basic", "Lang", [], Front='Pictures <img src="a%20b.png"> <img src="c d.png">', Back="b"
        )

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (source / "media").iterdir()) == ["a%20b.png", "c d.png"]
    assert runner.invoke(main, ["check", str(source)]).exit_code == 0
    out = tmp_path / "out"
    built = runner.invoke(main, ["build", str(source), "-o", str(out), "-f", "apkg"])
    assert built.exit_code == 0, built.output


def test_notes_sharing_a_guid_are_listed_and_the_import_exits_non_zero(
    runner: CliRunner, tmp_path: Path
) -> None:
    def fill(col: Any) -> None:
        add_note(col, "Basic", "Lang", [], Front="First", Back="a")
        add_note(col, "Basic", "Lang", [], Front="Second", Back="b")
        add_note(col, "Basic", "Lang", [], Front="Third", Back="c")
        col.db.execute("update notes set guid = 'same' where sfld in ('First', 'Second')")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["decks"][0]["cards"] == 2
    assert len(report["left_out"]) == 1 and "GUID of another note" in report["left_out"][0]
    plain = runner.invoke(main, ["diff", str(source)])
    assert plain.exit_code == 0, plain.output  # the lock the import wrote is one later commands take
    built_back_changes_nothing(runner, source, collection, tmp_path / "out")


def test_a_deck_the_folder_already_holds_under_another_name_is_refused(
    runner: CliRunner, tmp_path: Path
) -> None:
    def fill(col: Any) -> None:
        add_note(col, "Basic", "Lang", [], Front="First", Back="a")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    assert import_deck(runner, collection, "Lang", source).exit_code == 0
    (source / "lang.md").rename(source / "my-languages.md")
    built = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "apkg"])
    assert built.exit_code == 0, built.output  # the lock follows the rename
    again = runner.invoke(main, ["import", "-c", str(collection), "-d", "Lang", "--into", str(source)])
    assert again.exit_code == 1
    assert "cards of" in again.stderr and "pull" in again.stderr and "nothing was written" in again.stderr
    assert sorted(path.name for path in source.glob("*.md")) == ["my-languages.md"]
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0


def test_an_import_leaving_notes_unmanaged_says_so_and_exits_non_zero(
    runner: CliRunner, tmp_path: Path
) -> None:
    def fill(col: Any) -> None:
        add_note(col, "Basic", "Lang", [], Front="Answered", Back="yes")
        add_note(col, "Cloze", "Lang", [], Text="no deletions here", Back_Extra="")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = runner.invoke(main, ["import", "-c", str(collection), "-d", "Lang", "--into", str(source)])
    assert result.exit_code == 1
    assert "1 note not managed by deckbuilder" in result.stderr
    assert (source / "lang.md").is_file()


@pytest.mark.parametrize("kind", ["fifo", "too-large"])
def test_a_media_file_no_deck_can_hold_is_listed_not_read(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    def fill(col: Any) -> None:
        media = Path(col.media.dir())
        if kind == "fifo":
            os.mkfifo(media / "odd.png")  # reading it would wait for a writer forever
        else:
            with (media / "odd.png").open("wb") as sparse:  # 101 MB, taking no disk
                sparse.truncate(101 * 1024 * 1024)
        (media / "fine.png").write_bytes(PIXEL)
        add_note(col, "Basic", "Lang", [], Front='What is this? <img src="odd.png">', Back="odd")
        add_note(col, "Basic", "Lang", [], Front='And this? <img src="fine.png">', Back="fine")

    collection = collection_of(tmp_path, fill)
    source = tmp_path / "source"
    result = import_deck(runner, collection, "Lang", source)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [line.split(":")[0] for line in report["media_left"]] == ["odd.png"]
    assert sorted(path.name for path in (source / "media").iterdir()) == ["fine.png"]
    assert report["decks"][0]["cards"] == 2


def test_a_package_that_unpacks_a_hundredfold_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    """A package in Anki's older format, its media map naming an entry of 200 MB of zeros that
    packs to 200 kB: refused before anything unpacks it."""

    def fill(col: Any) -> None:
        (Path(col.media.dir()) / "big.png").write_bytes(PIXEL)
        add_note(col, "Basic", "Lang", [], Front='What is this? <img src="big.png">', Back="big")

    collection = collection_of(tmp_path, fill)
    package = tmp_path / "lang.apkg"
    col = anki_collection.Collection(str(collection))
    options = anki_collection.ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=True)
    col.export_anki_package(out_path=str(package), options=options, limit=None)
    col.close()
    bomb = tmp_path / "bomb.apkg"
    with zipfile.ZipFile(package) as original, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as packed:
        media = json.loads(original.read("media"))
        for entry in original.infolist():
            if entry.filename != "media" and media.get(entry.filename) != "big.png":
                packed.writestr(entry, original.read(entry))
        number = next(key for key, name in media.items() if name == "big.png")
        packed.writestr("media", json.dumps(media))
        with packed.open(number, "w", force_zip64=True) as entry_stream:
            zeros = bytes(1 << 20)
            for _ in range(200):
                entry_stream.write(zeros)
    assert bomb.stat().st_size < 2 << 20
    source = tmp_path / "source"
    result = runner.invoke(main, ["import", str(bomb), "--into", str(source)])
    assert result.exit_code == 1, result.output
    assert "unpacks to 209715200 bytes" in result.stderr and "not imported" in result.stderr
    assert not source.exists()
