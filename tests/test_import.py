"""``deckbuilder import``: an Anki deck with its history brought under markdown, then built back into
the same collection, through the real Anki backend."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckbuilder.cli import main

from .anki_decks import (
    FIELD_TEXT,
    PIXEL,
    add_note,
    built_back_changes_nothing,
    collection_state,
    export_package,
    make_anki_deck,
    pushed_an_hour_ago,
)
from .anki_helpers import (
    anki_collection,
    import_apkg,
    new_collection,
    notes_by_guid,
)

pytestmark = pytest.mark.anki


@pytest.fixture
def anki_deck(tmp_path: Path) -> Path:
    return make_anki_deck(tmp_path)


def test_import_a_package_then_build_back_changes_nothing_in_anki(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    package = tmp_path / "biology.apkg"
    export_package(anki_deck, package)
    source = tmp_path / "source"
    result = runner.invoke(main, ["import", str(package), "--into", str(source)])
    assert result.exit_code == 0, result.output
    assert "biology.md: 6 cards" in result.stdout
    assert "biology--words.md: 1 card" in result.stdout
    biology = (source / "biology.md").read_text(encoding="utf-8")
    assert "## What is the powerhouse of the cell?\n\nThe **mitochondrion**." in biology
    assert "- membrane\n- nucleus\n- cytoplasm" in biology
    assert "{{c1::Ribosomes}} make {{c2::proteins::what?}}." in biology
    assert "![](<media/cell.png>)" in biology and (source / "media" / "cell.png").read_bytes() == PIXEL
    assert "$E = h\\nu$" in biology
    assert "Tags: cells" in biology
    words = (source / "biology--words.md").read_text(encoding="utf-8")
    assert '  basic: "Vocabulary"' in words
    assert "## cellula\n\nsmall room\n\n**Example:** *cellula* gave **cell**\n\nTags: latin" in words
    type_files = {json.loads(path.read_text())["name"]: json.loads(path.read_text())
                  for path in (source / "note-types").glob("*.json")}  # fmt: skip
    assert set(type_files) == {"Basic", "Basic (and reversed card)", "Cloze", "Vocabulary"}
    assert type_files["Vocabulary"]["fields"] == ["Word", "Meaning", "Example"]
    assert ".word { font-size: 2em; }" in type_files["Vocabulary"]["css"]

    diff = runner.invoke(main, ["diff", str(source)])
    assert diff.exit_code == 0, diff.output
    before_state, before_types, before_notes = collection_state(anki_deck)
    built = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "apkg"])
    assert built.exit_code == 0, built.output
    col = anki_collection.Collection(str(anki_deck))
    for apkg in sorted((tmp_path / "out").glob("*.apkg")):
        log = import_apkg(col, apkg)
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0), apkg
    col.close()
    after_state, after_types, after_notes = collection_state(anki_deck)
    assert after_types == before_types
    assert after_state == before_state
    assert after_notes == before_notes

    # An edit of one answer in the markdown updates exactly that note, in place.
    (source / "biology.md").write_text(biology.replace("A cell.", "A plant cell."), encoding="utf-8")
    rebuilt = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "apkg"])
    assert rebuilt.exit_code == 0, rebuilt.output
    col = anki_collection.Collection(str(anki_deck))
    log = import_apkg(col, tmp_path / "out" / "biology.apkg")
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    col.close()
    edited_state, edited_types, edited_notes = collection_state(anki_deck)
    assert edited_types == before_types and edited_state == before_state
    changed = [guid for guid in before_notes if edited_notes[guid] != before_notes[guid]]
    assert len(changed) == 1
    assert "A plant cell." in edited_notes[changed[0]][1][1]


def test_import_from_a_collection_reads_only_one_deck_and_leaves_the_file_alone(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    before = anki_deck.read_bytes()
    source = tmp_path / "words"
    result = runner.invoke(
        main, ["import", "--collection", str(anki_deck), "--deck", "Biology::Words", "--into", str(source)]
    )
    assert result.exit_code == 0, result.output
    assert [path.name for path in source.glob("*.md")] == ["biology--words.md"]
    assert anki_deck.read_bytes() == before
    again = runner.invoke(
        main, ["import", "--collection", str(anki_deck), "--deck", "Biology::Words", "--into", str(source)]
    )
    assert again.exit_code == 1
    assert "already exists" in again.stderr and "Traceback" not in again.output


def test_import_errors_are_clear(runner: CliRunner, anki_deck: Path, tmp_path: Path) -> None:
    missing = runner.invoke(main, ["import", "--collection", str(anki_deck), "--deck", "Chemistry"])
    assert missing.exit_code == 1 and "no deck named 'Chemistry'" in missing.stderr
    neither = runner.invoke(main, ["import"])
    assert neither.exit_code == 1 and "give a package" in neither.stderr
    nothing = runner.invoke(main, ["import", str(tmp_path / "nothing.apkg")])
    assert nothing.exit_code == 1 and "no such package file" in nothing.stderr


def test_import_never_overwrites_a_media_file_or_a_note_type_file(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    assert (
        runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(first)]).exit_code
        == 0
    )
    note_type_file = next((first / "note-types").glob("vocabulary-*.json"))
    for taken, other in [
        (Path("media/cell.png"), b"someone else's picture"),
        # A note type file of another name at the path import would write.
        (note_type_file.relative_to(first), note_type_file.read_bytes().replace(b'"Vocabulary"', b'"Words"')),
    ]:
        into = tmp_path / f"into-{taken.parent.name}"
        (into / taken).parent.mkdir(parents=True)
        (into / taken).write_bytes(other)
        result = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(into)])
        assert result.exit_code == 1, result.output
        assert f"{into / taken} already exists with other content; import never overwrites" in result.stderr
        assert (into / taken).read_bytes() == other
        assert sorted(path.relative_to(into) for path in into.rglob("*") if path.is_file()) == [taken]
    # The same bytes already there are no clash: the file is left as it is, and the import goes on.
    again = tmp_path / "again"
    (again / "media").mkdir(parents=True)
    (again / "media" / "cell.png").write_bytes(PIXEL)
    result = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(again)])
    assert result.exit_code == 0, result.output


def test_round_trip_of_the_shipped_deck_keeps_its_guids(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    """The shipped deck built, imported into a fresh collection, then imported back from it: the
    new markdown builds the same 32 GUIDs."""
    out = tmp_path / "out"
    assert runner.invoke(main, ["build", str(seed_folder), "-o", str(out), "-f", "apkg"]).exit_code == 0
    col = new_collection(tmp_path)
    import_apkg(col, out / "transformer-questions.apkg")
    deck = col.decks.all_names_and_ids()
    name = next(entry.name for entry in deck if entry.name != "Default")
    original = set(notes_by_guid(col))
    col.close()
    back = tmp_path / "back"
    result = runner.invoke(
        main,
        ["import", "--collection", str(tmp_path / "collection.anki2"), "--deck", name, "--into", str(back)],
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["list", "--json", str(back)])
    guids = {card["guid"] for deck_json in json.loads(listed.stdout)["decks"] for card in deck_json["cards"]}
    assert len(original) == 32 and guids == original
    # deckbuilder's own note types need no file and no note_types: the cards are ordinary cards.
    assert not (back / "note-types").exists()
    assert "note_types" not in next(back.glob("*.md")).read_text(encoding="utf-8")
    assert runner.invoke(main, ["diff", str(back)]).exit_code == 0
    shutil.rmtree(back)


def test_import_keeps_what_markdown_cannot_say_and_lists_what_it_left(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    add_note(col, "Basic", "Odd", [], Front="Colours", Back='<span style="color: red">red</span> text')
    add_note(col, "Basic", "Odd", [], Front="Say it", Back="hello [sound:hello.mp3]")
    add_note(col, "Basic", "Odd", [], Front="Not yet", Back="TODO")
    add_note(col, "Basic", "Odd", [], Front="Nothing behind", Back="")
    add_note(col, "Basic", "Odd", [], Front="Same question", Back="first")
    add_note(col, "Basic", "Odd", [], Front="Same question", Back="second")
    add_note(col, "Basic", "Odd", [], Front="1. Numbered #not-a-tag", Back="kept as written")
    add_note(col, "Cloze", "Odd", [], Text="no deletions here", Back_Extra="")
    add_note(col, "Cloze", "Odd", [], Text="<ul><li>{{c1::one}}</li><li>two</li></ul>", Back_Extra="")
    col.close()
    source = tmp_path / "source"
    result = runner.invoke(
        main,
        [
            "import",
            "--collection",
            str(folder / "collection.anki2"),
            "--deck",
            "Odd",
            "--into",
            str(source),
            "--json",
        ],
    )
    assert result.exit_code == 1, result.output  # a note left unmanaged: written, and said
    report = json.loads(result.stdout)
    assert report["decks"] == [{"path": str(source / "odd.md"), "cards": 8}]
    assert [line.split(" ", 1)[1] for line in report["as_html"]] == ["Colours"]
    assert [line.split(" ", 1)[1] for line in report["sounds"]] == ["Say it"]
    assert report["not_cards"] == []
    assert report["left_out"] == ["Odd: no deletions here: a cloze note without deletions"]
    text = (source / "odd.md").read_text(encoding="utf-8")
    assert '<div><span style="color: red">red</span> text</div>' in text
    assert "## Same question {#anki-" in text
    assert "## 1\\. Numbered \\#not-a-tag" in text
    assert "## {.cloze}\n\n- {{c1::one}}\n- two" in text
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    listed = json.loads(runner.invoke(main, ["list", "--json", str(source)]).stdout)
    cards = {card["question"]: card for card in listed["decks"][0]["cards"]}
    assert cards["1\\. Numbered \\#not-a-tag"]["question_html"] == "1. Numbered #not-a-tag"
    assert cards["Nothing behind"]["answer_html"] == ""
    assert cards["Not yet"]["answer_html"].strip() == "<p>TODO</p>"  # a note's answer, not a draft's

    built_back_changes_nothing(runner, source, folder / "collection.anki2", tmp_path / "out")


NOTE_KINDS = st.sampled_from(["Basic", "Basic", "Cloze", "Basic (and reversed card)"])
TAGS = st.lists(st.text(alphabet="ab:_-é#1", min_size=1, max_size=6), max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NOTE_KINDS, FIELD_TEXT, FIELD_TEXT, TAGS), min_size=1, max_size=6))
def test_any_notes_import_and_build_back_without_changing_anki(
    runner: CliRunner, tmp_path_factory: pytest.TempPathFactory, notes: list[tuple[str, str, str, list[str]]]
) -> None:
    """Whatever the fields and tags hold, every imported note is a card with its GUID (or is
    listed), diff says nothing, and building back into the collection adds, updates and conflicts
    nothing."""
    folder = tmp_path_factory.mktemp("anki")
    col = new_collection(folder)
    for kind, front, back, tags in notes:
        if kind == "Cloze":
            add_note(col, kind, "Random", tags, Text=f"{front} {{{{c1::{back}}}}}", Back_Extra=front)
        elif front.strip():
            add_note(col, kind, "Random", tags, Front=front, Back=back)
    count = col.note_count()
    col.db.execute("update notes set mod = mod - 3600")
    col.close()
    if not count:
        return
    source = folder / "source"
    result = runner.invoke(
        main,
        ["import", "-c", str(folder / "collection.anki2"), "-d", "Random", "--into", str(source), "--json"],
    )
    if result.exit_code == 1 and "none of the notes reads back as a card" in result.stderr:
        assert not source.exists()  # a clear error, and nothing written
        return
    report = json.loads(result.stdout)
    assert result.exit_code == (1 if report["not_cards"] or report["left_out"] else 0), result.output
    managed = report["decks"][0]["cards"] if report["decks"] else 0
    assert managed + len(report["not_cards"]) + len(report["left_out"]) == count, report
    diff = runner.invoke(main, ["diff", str(source)])
    assert diff.exit_code == 0, (diff.output, (source / "random.md").read_text())
    built_back_changes_nothing(runner, source, folder / "collection.anki2", folder / "out")


def test_push_prune_deletes_the_notes_of_imported_cards_deleted_from_the_markdown(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    imported = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(source)])
    assert imported.exit_code == 0, imported.output
    deck = source / "biology.md"
    text = deck.read_text(encoding="utf-8")
    # Delete the reversed card (the only one of its note type) and one Basic card.
    start = text.index("## osmosis")
    text = text[:start] + text[text.index("## {{c1::Ribosomes}}") :]
    start = text.index("## Energy of a photon")
    deck.write_text(text[:start], encoding="utf-8")
    result = runner.invoke(main, ["push", str(source), "-c", str(anki_deck), "--prune", "--yes"])
    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated, 5 unchanged, 0 conflicting, 2 deleted" in result.stdout  # Words: 1
    col = anki_collection.Collection(str(anki_deck))
    fronts = {note.fields[0] for note in notes_by_guid(col).values()}
    col.close()
    assert "osmosis" not in fronts and "Energy of a photon" not in fronts
    assert "cellula" in fronts and "What is the powerhouse of the cell?" in fronts


def test_a_deck_deckbuilder_built_comes_back_with_its_sections(runner: CliRunner, tmp_path: Path) -> None:
    """Notes of deckbuilder's own note types keep the section headings their cards were under (the
    Context field), so a deck whose markdown was lost comes back close to what it was."""
    from deckbuilder.read.reader import parse

    source = tmp_path / "source"
    source.mkdir()
    written = (
        "# Biology\n\n## Cells\n\n### What is a cell?\n\nThe unit of life.\n\n### Part › of what?\n\nOf tissue.\n\n"
        "## Plants\n\n### Leaves\n\n#### Why are leaves green?\n\nChlorophyll.\n\n"
        "### What is {{c1::photosynthesis}}?\n\n## Animals\n\n### Mammals {.cloze}\n\n"
        "A {{c1::mammal}} feeds its young milk.\n"
    )
    (source / "biology.md").write_text(written, encoding="utf-8")
    collection = pushed_an_hour_ago(runner, source, tmp_path)
    back = tmp_path / "back"
    result = runner.invoke(main, ["import", "-c", str(collection), "-d", "Biology", "--into", str(back)])
    assert result.exit_code == 0, result.output
    text = (back / "biology.md").read_text(encoding="utf-8")
    before = parse(written, source / "biology.md").deck.cards
    after = parse(text, back / "biology.md").deck.cards
    assert [card.section for card in after] == [card.section for card in before]
    assert [card.guid for card in after] != []
    assert "## Plants\n\n### Leaves\n\n#### Why are leaves green?" in text
    assert runner.invoke(main, ["diff", str(back)]).exit_code == 0


def test_a_note_type_of_one_field_imports_and_builds_back(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    models = col.models
    single = models.new("Front only")
    models.add_field(single, models.new_field("Text"))
    template = models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{Text}}", "{{Text}}"
    models.add_template(single, template)
    models.add(single)
    add_note(col, "Front only", "Solo", ["x"], Text="Remember the milk")
    col.db.execute("update notes set mod = mod - 3600")
    col.close()
    source = tmp_path / "source"
    result = runner.invoke(
        main, ["import", "-c", str(folder / "collection.anki2"), "-d", "Solo", "--into", str(source)]
    )
    assert result.exit_code == 0, result.output
    assert "## Remember the milk\n\n<!-- empty -->\n\nTags: x" in (source / "solo.md").read_text(
        encoding="utf-8"
    )
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    built_back_changes_nothing(runner, source, folder / "collection.anki2", tmp_path / "out")


def test_diff_after_an_import_shows_the_words_of_the_first_edit(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    """Import keeps each card's text in the local cache, as a build does: the first edit after it
    is shown word by word, not as 'the previous text is not in the local cache'."""
    source = tmp_path / "source"
    result = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(source)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    biology = source / "biology.md"
    biology.write_text(biology.read_text(encoding="utf-8").replace("It makes ATP.", "It makes much ATP."),
                       encoding="utf-8")  # fmt: skip
    diff = runner.invoke(main, ["diff", str(source)])
    assert diff.exit_code == 1
    assert "[-It makes ATP.-]" in diff.output or "{+much+}" in diff.output, diff.output
    assert "not in the local cache" not in diff.output


def _one_note_built_back(
    runner: CliRunner,
    tmp_path: Path,
    deck: str,
    front: str,
    back: str,
    media: dict[str, bytes],
    edit: tuple[str, str] | None = None,
) -> tuple[str, list[str], dict[str, bytes]]:
    """A collection with one Basic note (and its media files) imported, built as a package (after
    ``edit``, a text replaced by another in the markdown) and the package imported into a fresh
    collection: the imported markdown, and the note's fields and the media files there."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    for name, data in media.items():
        (Path(col.media.dir()) / name).write_bytes(data)
    add_note(col, "Basic", deck, [], Front=front, Back=back)
    col.close()
    source = tmp_path / "source"
    imported = runner.invoke(
        main, ["import", "-c", str(folder / "collection.anki2"), "-d", deck, "--into", str(source)]
    )
    assert imported.exit_code == 0, imported.output
    if edit is not None:
        path = source / f"{deck.casefold()}.md"
        text = path.read_text(encoding="utf-8")
        assert edit[0] in text
        path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    built = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "apkg"])
    assert built.exit_code == 0, built.output
    fresh = new_collection(tmp_path)
    try:
        import_apkg(fresh, tmp_path / "out" / f"{deck.casefold()}.apkg")
        (note,) = notes_by_guid(fresh).values()
        there = {path.name: path.read_bytes() for path in Path(fresh.media.dir()).iterdir() if path.is_file()}
        markdown = (source / f"{deck.casefold()}.md").read_text(encoding="utf-8")
        return markdown, list(note.fields), there
    finally:
        fresh.close()


def test_an_image_and_a_colour_in_a_field_kept_as_html_reach_the_package(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A field whose colour markdown cannot say stays HTML after import; edited there, it is built
    afresh: its ``<img>`` is resolved and packaged as a markdown image is, and its colour survives
    the sanitizer (real Anki): the built note shows the picture and the colour."""
    from .anki_decks import PIXEL

    back = '<span style="color: rgb(0, 0, 255);">水 <img src="kanji_water.png"></span>'
    markdown, fields, media = _one_note_built_back(
        runner,
        tmp_path,
        "Kanji",
        "Which kanji is this?",
        back,
        {"kanji_water.png": PIXEL},
        ("水 ", "水, water "),
    )
    assert "<img" in markdown  # kept as HTML
    assert "water" in fields[1]  # built afresh from the edited markdown
    (name,) = re.findall(r'<img src="([^"]+)"', fields[1])
    assert media[name] == PIXEL
    assert '<span style="color: rgb(0, 0, 255);">' in fields[1]  # the style as Anki wrote it


def test_a_field_unchanged_since_import_is_built_exactly_as_anki_had_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The markdown of a field is not edited: the package carries Anki's own HTML for it, byte for
    byte (the sanitizer would write the colour's style without its spaces), and its image (real Anki)."""
    from .anki_decks import PIXEL

    back = '<span style="color: rgb(0, 0, 255);">水 <img src="kanji_water.png"></span>'
    _, fields, media = _one_note_built_back(
        runner, tmp_path, "Kanji", "Which kanji is this?", back, {"kanji_water.png": PIXEL}
    )
    assert fields == ["Which kanji is this?", back]
    assert media["kanji_water.png"] == PIXEL


def test_a_one_paragraph_field_builds_back_as_anki_stores_it(runner: CliRunner, tmp_path: Path) -> None:
    """Anki's editor stores a one-paragraph field as its text (``dog``); the field built back from
    the imported markdown is that text, not ``<p>dog</p>`` (real Anki)."""
    _, fields, _ = _one_note_built_back(runner, tmp_path, "Pets", "What barks?", "A <b>dog</b>.", {})
    assert fields[:2] == ["What barks?", "A <b>dog</b>."]  # bold as Anki writes it
