"""``deckbuilder import``: an Anki deck with its history brought under markdown, then built back into
the same collection, through the real Anki backend."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckbuilder.cli import main

from .anki_helpers import (
    anki_collection,
    held_open,
    import_apkg,
    new_collection,
    notes_by_guid,
    review_all,
    review_state,
)

pytestmark = pytest.mark.anki

PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
"""A 1x1 PNG."""


def _vocabulary_type(col: Any) -> Any:
    models = col.models
    vocabulary = models.new("Vocabulary")
    for name in ("Word", "Meaning", "Example"):
        models.add_field(vocabulary, models.new_field(name))
    template = models.new_template("Recognise")
    template["qfmt"] = '<div class="word">{{Word}}</div>'
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{Meaning}}<div class=example>{{Example}}</div>"
    models.add_template(vocabulary, template)
    vocabulary["css"] = ".card { font-family: serif; }\n.word { font-size: 2em; }\n"
    models.add(vocabulary)
    return models.by_name("Vocabulary")


def _add(col: Any, type_name: str, deck: str, tags: list[str], **fields: str) -> Any:
    note = col.new_note(col.models.by_name(type_name))
    for name, value in fields.items():
        note[name.replace("_", " ")] = value
    note.tags = tags
    col.add_note(note, col.decks.id(deck))
    return note


@pytest.fixture
def anki_deck(tmp_path: Path) -> Path:
    """A collection as a long-time Anki user has it: one deck (and a sub-deck) of Basic, reversed,
    cloze and custom notes with formatting, an image and tags, every card reviewed."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    _vocabulary_type(col)
    (Path(col.media.dir()) / "cell.png").write_bytes(PIXEL)
    _add(col, "Basic", "Biology", ["cells"], Front="What is the powerhouse of the cell?",
         Back="The <b>mitochondrion</b>.<br>It makes ATP.")  # fmt: skip
    _add(col, "Basic", "Biology", [], Front="Name the parts of a cell",
         Back="<ul><li>membrane</li><li>nucleus</li><li>cytoplasm</li></ul>")  # fmt: skip
    _add(col, "Basic (and reversed card)", "Biology", ["terms"], Front="osmosis",
         Back="water moving through a membrane")  # fmt: skip
    _add(col, "Cloze", "Biology", ["cells"], Text="{{c1::Ribosomes}} make {{c2::proteins::what?}}.",
         Back_Extra="")  # fmt: skip
    _add(col, "Basic", "Biology", [], Front='What does this show?<br><img src="cell.png">',
         Back="A cell.")  # fmt: skip
    _add(col, "Vocabulary", "Biology::Words", ["latin"], Word="cellula", Meaning="small room",
         Example="<i>cellula</i> gave <b>cell</b>")  # fmt: skip
    _add(col, "Basic", "Biology", [], Front="Energy of a photon", Back=r"\(E = h\nu\)")
    review_all(col)
    # Written an hour ago, so that an edit in a test is later than the notes, as in life.
    col.db.execute("update notes set mod = mod - 3600")
    col.close()
    return folder / "collection.anki2"


def _export(collection: Path, package: Path) -> None:
    col = anki_collection.Collection(str(collection))
    options = anki_collection.ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False)
    col.export_anki_package(out_path=str(package), options=options, limit=None)
    col.close()


def _state(collection: Path) -> tuple[dict[int, tuple[int, int, int]], list[str], dict[str, Any]]:
    col = anki_collection.Collection(str(collection))
    try:
        state = review_state(col)
        names = sorted(model["name"] for model in col.models.all())
        notes = {
            guid: (note.mod, list(note.fields), sorted(note.tags))
            for guid, note in notes_by_guid(col).items()
        }
        return state, names, notes
    finally:
        col.close()


def test_import_a_package_then_build_back_changes_nothing_in_anki(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    package = tmp_path / "biology.apkg"
    _export(anki_deck, package)
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
    before_state, before_types, before_notes = _state(anki_deck)
    built = runner.invoke(main, ["build", str(source), "-o", str(tmp_path / "out"), "-f", "apkg"])
    assert built.exit_code == 0, built.output
    col = anki_collection.Collection(str(anki_deck))
    for apkg in sorted((tmp_path / "out").glob("*.apkg")):
        log = import_apkg(col, apkg)
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0), apkg
    col.close()
    after_state, after_types, after_notes = _state(anki_deck)
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
    edited_state, edited_types, edited_notes = _state(anki_deck)
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


def _push(runner: CliRunner, folder: Path, collection: Path, epoch: int | None = None) -> Any:
    env = {"SOURCE_DATE_EPOCH": str(epoch)} if epoch else {}
    result = runner.invoke(main, ["push", str(folder), "--collection", str(collection)], env=env)
    assert result.exit_code == 0, result.output
    return result


def _pushed_an_hour_ago(runner: CliRunner, folder: Path, tmp_path: Path) -> Path:
    """A new collection the decks were pushed into an hour ago, so that an edit in Anki in the test
    is later than the build, as in life."""
    import time

    collection = tmp_path / "collection.anki2"
    new_collection(tmp_path).close()
    _push(runner, folder, collection, epoch=int(time.time()) - 3600)
    return collection


def _built_back_changes_nothing(runner: CliRunner, source: Path, collection: Path, out: Path) -> None:
    """Build the decks as packages and import them into the collection: nothing new, updated or
    conflicting."""
    built = runner.invoke(main, ["build", str(source), "-o", str(out), "-f", "apkg"])
    assert built.exit_code == 0, built.output
    col = anki_collection.Collection(str(collection))
    try:
        for package in sorted(out.glob("*.apkg")):
            log = import_apkg(col, package)
            assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0), package
    finally:
        col.close()


def _edit_in_anki(collection: Path, asking: str, **fields: str) -> Any:
    """Edit the note whose first field holds ``asking`` in Anki, as a user would; the note."""
    col = anki_collection.Collection(str(collection))
    try:
        note = _note_asking(col, asking)
        for name, value in fields.items():
            note[name] = value
        col.update_note(note)
        return note
    finally:
        col.close()


def _note_asking(col: Any, words: str) -> Any:
    return next(note for note in notes_by_guid(col).values() if words in note.fields[0])


def test_pull_writes_an_answer_edited_in_anki_back_and_keeps_it(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = _pushed_an_hour_ago(runner, seed_folder, tmp_path)
    col = anki_collection.Collection(str(collection))
    review_all(col)
    note = _note_asking(col, "How is the transformer different from RNN and LSTM?")
    note["Answer"] = "<p>Transformers use <b>self-attention</b> instead of recurrence.</p>"
    col.update_note(note)
    edited_guid = note.guid
    col.close()
    before_state, _, before_notes = _state(collection)
    deck_file = seed_folder / "transformer-questions.md"
    original = deck_file.read_text(encoding="utf-8")
    lock_before = (seed_folder / "deckbuilder.lock").read_text(encoding="utf-8")

    dry = runner.invoke(main, ["pull", str(seed_folder), "--collection", str(collection), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "+Transformers use **self-attention** instead of recurrence." in dry.stdout
    assert deck_file.read_text(encoding="utf-8") == original
    assert (seed_folder / "deckbuilder.lock").read_text(encoding="utf-8") == lock_before

    pulled = runner.invoke(main, ["pull", str(seed_folder), "--collection", str(collection)])
    assert pulled.exit_code == 0, pulled.output
    assert "pulled 1 card, added 0, 0 conflicts" in pulled.stdout
    after = deck_file.read_text(encoding="utf-8")
    changed = [line for line in difflib_lines(original, after) if line[:1] in "+-"]
    assert changed[0].startswith("-**Answer:**") or changed[0].startswith("-**Architecture:**")
    assert "+Transformers use **self-attention** instead of recurrence." in changed
    assert all("## " not in line for line in changed)  # no heading, no other card touched
    assert (
        "## 5. How is the transformer different from RNN and LSTM?\n\n**Answer:**\nTransformers use" in after
    )
    assert runner.invoke(main, ["diff", str(seed_folder)]).exit_code == 0

    # Built and imported again: nothing changes in Anki; its edit and all history stay.
    again = _push(runner, seed_folder, collection)
    assert "0 new, 0 updated, 32 unchanged, 0 conflicting" in again.stdout
    after_state, _, after_notes = _state(collection)
    assert after_state == before_state and after_notes == before_notes
    assert "<b>self-attention</b>" in after_notes[edited_guid][1][1]


def test_pull_reports_a_card_edited_on_both_sides_as_a_conflict(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = _pushed_an_hour_ago(runner, seed_folder, tmp_path)
    _edit_in_anki(
        collection, "How does self-attention work?", Answer="<p>Every token looks at every other token.</p>"
    )
    deck_file = seed_folder / "transformer-questions.md"
    mine = deck_file.read_text(encoding="utf-8").replace(
        "Self-attention computes attention weights", "Self-attention computes scaled attention weights"
    )
    deck_file.write_text(mine, encoding="utf-8")
    lock_before = (seed_folder / "deckbuilder.lock").read_text(encoding="utf-8")
    result = runner.invoke(main, ["pull", str(seed_folder), "--collection", str(collection)])
    assert result.exit_code == 1, result.output
    line = mine.split("\n").index("## 10. How does self-attention work?") + 1
    assert f"transformer-questions.md:{line}: conflict: 'How does self-attention work?'" in result.stderr
    assert "anki:     Every token looks at every other token." in result.stderr
    assert "markdown: Self-attention computes scaled attention weights" in result.stderr
    assert "Traceback" not in result.output
    assert deck_file.read_text(encoding="utf-8") == mine
    assert (seed_folder / "deckbuilder.lock").read_text(encoding="utf-8") == lock_before


def test_pull_lists_notes_added_in_anki_and_appends_them_on_request(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = _pushed_an_hour_ago(runner, seed_folder, tmp_path)
    col = anki_collection.Collection(str(collection))
    some = next(iter(notes_by_guid(col).values()))
    note = col.new_note(some.note_type())
    note["Question"], note["Answer"] = "What is a KV cache?", "<p>Stored keys and values.</p>"
    note.tags = ["inference"]
    col.add_note(note, some.cards()[0].did)
    col.close()
    listed = runner.invoke(main, ["pull", str(seed_folder), "--collection", str(collection)])
    assert listed.exit_code == 0, listed.output
    assert "1 note added in Anki" in listed.stderr and "What is a KV cache?" in listed.stderr
    # The collection from the settings, as for push; --json for scripts.
    settings = seed_folder / "deckbuilder.toml"
    settings.write_text(settings.read_text() + f'\n[push]\ncollection = "{collection}"\n', encoding="utf-8")
    as_json = runner.invoke(main, ["pull", str(seed_folder), "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["new_notes"] == [
        f"{seed_folder / 'transformer-questions.md'}: What is a KV cache?"
    ]
    added = runner.invoke(main, ["pull", str(seed_folder), "--collection", str(collection), "--add-new"])
    assert added.exit_code == 0, added.output
    text = (seed_folder / "transformer-questions.md").read_text(encoding="utf-8")
    assert "## What is a KV cache?\n\nStored keys and values.\n\nTags: inference\n" in text
    # Appended after the last card, before the footer, which stays the file's end.
    assert text.index("## What is a KV cache?") < text.index("---\n\n*These concise answers")
    assert text.endswith("during interviews.*")
    listing = runner.invoke(main, ["list", "--json", str(seed_folder)])
    guids = {card["guid"] for deck in json.loads(listing.stdout)["decks"] for card in deck["cards"]}
    assert note.guid in guids and len(guids) == 33
    again = _push(runner, seed_folder, collection)
    assert "0 new, 0 updated, 33 unchanged, 0 conflicting" in again.stdout


def difflib_lines(before: str, after: str) -> list[str]:
    import difflib

    return [line for line in difflib.unified_diff(before.split("\n"), after.split("\n"), lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))]  # fmt: skip


def test_import_keeps_what_markdown_cannot_say_and_lists_what_it_left(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    _add(col, "Basic", "Odd", [], Front="Colours", Back='<span style="color: red">red</span> text')
    _add(col, "Basic", "Odd", [], Front="Say it", Back="hello [sound:hello.mp3]")
    _add(col, "Basic", "Odd", [], Front="Not yet", Back="TODO")
    _add(col, "Basic", "Odd", [], Front="Nothing behind", Back="")
    _add(col, "Basic", "Odd", [], Front="Same question", Back="first")
    _add(col, "Basic", "Odd", [], Front="Same question", Back="second")
    _add(col, "Basic", "Odd", [], Front="1. Numbered #not-a-tag", Back="kept as written")
    _add(col, "Cloze", "Odd", [], Text="no deletions here", Back_Extra="")
    _add(col, "Cloze", "Odd", [], Text="<ul><li>{{c1::one}}</li><li>two</li></ul>", Back_Extra="")
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
    assert result.exit_code == 0, result.output
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

    _built_back_changes_nothing(runner, source, folder / "collection.anki2", tmp_path / "out")


def test_a_collection_open_in_anki_is_refused_by_import_and_pull(
    runner: CliRunner, anki_deck: Path, seed_folder: Path
) -> None:
    before = anki_deck.read_bytes()
    with held_open(anki_deck):
        for command in (
            ["import", "--collection", str(anki_deck), "--deck", "Biology", "--into", str(seed_folder / "x")],
            ["pull", str(seed_folder), "--collection", str(anki_deck)],
        ):
            result = runner.invoke(main, command)
            assert result.exit_code == 1, result.output
            assert "the collection is open in Anki; close Anki first" in result.stderr
            assert "Traceback" not in result.output
    assert anki_deck.read_bytes() == before
    assert not (seed_folder / "x").exists()


def test_pull_fills_a_custom_note_types_section_from_its_field(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    imported = runner.invoke(
        main, ["import", "-c", str(anki_deck), "-d", "Biology::Words", "--into", str(source)]
    )
    assert imported.exit_code == 0, imported.output
    col = anki_collection.Collection(str(anki_deck))
    note = _note_asking(col, "cellula")
    note["Example"] = "<i>cellula</i> is Latin"
    note.tags = [*note.tags, "roots"]
    col.update_note(note)
    col.close()
    result = runner.invoke(main, ["pull", str(source), "-c", str(anki_deck)])
    assert result.exit_code == 0, result.output
    text = (source / "biology--words.md").read_text(encoding="utf-8")
    assert "## cellula\n\nsmall room\n\n**Example:** *cellula* is Latin\n\nTags: latin roots\n" in text
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0


def test_pull_keeps_a_code_blocks_language_and_what_the_edit_did_not_touch(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    source.mkdir()
    deck = source / "code.md"
    deck.write_text(
        "# Code\n\n## What does `snake_case` print?\n\n```python\nprint(len('ab'))\n```\n\nIt prints 2.\n",
        encoding="utf-8",
    )
    collection = _pushed_an_hour_ago(runner, source, tmp_path)
    col = anki_collection.Collection(str(collection))
    note = _note_asking(col, "snake_case")
    note["Answer"] = note["Answer"].replace("It prints 2.", "It prints <b>2</b>, the length.")
    col.update_note(note)
    col.close()
    result = runner.invoke(main, ["pull", str(source), "-c", str(collection)])
    assert result.exit_code == 0, result.output
    assert deck.read_text(encoding="utf-8") == (
        "# Code\n\n## What does `snake_case` print?\n\n```python\nprint(len('ab'))\n```\n\n"
        "It prints **2**, the length.\n"
    )


FIELD_TEXT = st.lists(
    st.one_of(
        st.text(alphabet="ab 1.#*_-+>|{}[]()!:?$\\&<>`~=", min_size=1, max_size=6),
        st.sampled_from(
            [
                "<b>x</b>",
                "<i>y</i>",
                "<br>",
                "<div>d</div>",
                "<ul><li>l</li></ul>",
                "&amp;",
                "&lt;",
                "\\(x^2\\)",
                "<code>c</code>",
                "Tags: t",
                "**Answer:**",
                "A: a",
                "---",
                "{.cloze}",
                " #tag",
                "{#id}",
                "1. ",
                "## h",
                "<!-- c -->",
                "\n",
            ]
        ),
    ),
    min_size=1,
    max_size=8,
).map("".join)


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
            _add(col, kind, "Random", tags, Text=f"{front} {{{{c1::{back}}}}}", Back_Extra=front)
        elif front.strip():
            _add(col, kind, "Random", tags, Front=front, Back=back)
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
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    managed = report["decks"][0]["cards"] if report["decks"] else 0
    assert managed + len(report["not_cards"]) + len(report["left_out"]) == count, report
    diff = runner.invoke(main, ["diff", str(source)])
    assert diff.exit_code == 0, (diff.output, (source / "random.md").read_text())
    _built_back_changes_nothing(runner, source, folder / "collection.anki2", folder / "out")


def test_pull_rewrites_a_question_edited_in_anki_and_keeps_its_number(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = _pushed_an_hour_ago(runner, seed_folder, tmp_path)
    note = _edit_in_anki(
        collection,
        "How does self-attention work?",
        Question="How does <b>self-attention</b> work in a transformer?",
    )
    result = runner.invoke(main, ["pull", str(seed_folder), "-c", str(collection)])
    assert result.exit_code == 0, result.output
    text = (seed_folder / "transformer-questions.md").read_text(encoding="utf-8")
    assert (
        "## 10. How does **self-attention** work in a transformer?\n\n**Answer:**\nSelf-attention computes"
        in text
    )
    assert runner.invoke(main, ["diff", str(seed_folder)]).exit_code == 0
    listed = json.loads(runner.invoke(main, ["list", "--json", str(seed_folder)]).stdout)
    assert note.guid in {card["guid"] for card in listed["decks"][0]["cards"]}


def test_pull_rewrites_other_shapes_in_place_or_names_what_does_not_fit(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    source.mkdir()
    deck = source / "terms.md"
    deck.write_text(
        "## Verbs\n\n**bailar** \u2014 to dance\n\n**comer** \u2014 to eat\n\n"
        "## Sky\n\n- **Why is the sky blue?**\n  Rayleigh\n  scattering.\n- **Why is grass green?**\n  Chlorophyll.\n\n"
        "## Questions\n\nQ: Where is the station?\nA: Near the bridge.\n",
        encoding="utf-8",
    )
    collection = _pushed_an_hour_ago(runner, source, tmp_path)
    col = anki_collection.Collection(str(collection))
    edits = {
        "comer": "<p>to eat, to have a meal</p>",
        "Where is the station?": "<p>Behind the <b>old</b> bridge.</p>",
        "Why is grass green?": "<p>Chlorophyll reflects green.</p>",
        # Its answer is not in the file as the card reads it (the list item's lines are indented).
        "Why is the sky blue?": "<p>Rayleigh scattering of blue light.</p>",
    }
    for question, answer in edits.items():
        note = _note_asking(col, question)
        note["Answer"] = answer
        col.update_note(note)
    col.close()
    result = runner.invoke(main, ["pull", str(source), "-c", str(collection)])
    assert result.exit_code == 1, result.output
    assert "pulled 3 cards" in result.stdout
    text = deck.read_text(encoding="utf-8")
    assert "**comer** \u2014 to eat, to have a meal\n" in text
    assert "- **Why is grass green?**\n  Chlorophyll reflects green.\n" in text
    assert "Q: Where is the station?\nA: Behind the **old** bridge.\n" in text
    assert "  Rayleigh\n  scattering.\n" in text
    assert (
        "terms.md:9: 'Why is the sky blue?' was edited in Anki, but pull cannot rewrite a card written as "
        in (result.stderr)
    )
    assert "  anki:     Rayleigh scattering of blue light." in result.stderr
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(FIELD_TEXT, FIELD_TEXT), min_size=2, max_size=5),
    st.lists(st.tuples(st.integers(0, 4), FIELD_TEXT), min_size=1, max_size=3),
)
def test_any_answers_edited_in_anki_pull_back_and_build_without_changing_anki(
    runner: CliRunner,
    tmp_path_factory: pytest.TempPathFactory,
    notes: list[tuple[str, str]],
    edits: list[tuple[int, str]],
) -> None:
    """Imported notes, answers then edited in Anki: pull writes them back (or names a card it
    cannot rewrite), diff says nothing, and a build imported into Anki changes nothing there."""
    folder = tmp_path_factory.mktemp("anki")
    col = new_collection(folder)
    for front, back in notes:
        _add(col, "Basic", "Random", [], Front=f"Question {front}", Back=back or "-")
    col.db.execute("update notes set mod = mod - 3600")
    col.close()
    source = folder / "source"
    imported = runner.invoke(main, ["import", "-c", str(folder / "collection.anki2"), "-d", "Random",
                                    "--into", str(source)])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    col = anki_collection.Collection(str(folder / "collection.anki2"))
    ids = sorted(col.find_notes(""))
    for index, back in edits:
        note = col.get_note(ids[index % len(ids)])
        note["Back"] = back
        col.update_note(note)
    col.close()
    before = _state(folder / "collection.anki2")
    pulled = runner.invoke(main, ["pull", str(source), "-c", str(folder / "collection.anki2"), "--json"])
    assert pulled.exit_code in (0, 1), pulled.output
    report = json.loads(pulled.stdout)
    assert pulled.exit_code == 0 or report["unwritable"], report
    if pulled.exit_code:
        return
    diff = runner.invoke(main, ["diff", str(source)])
    assert diff.exit_code == 0, (diff.output, (source / "random.md").read_text())
    _built_back_changes_nothing(runner, source, folder / "collection.anki2", folder / "out")
    assert _state(folder / "collection.anki2") == before


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


def test_pull_writes_back_a_cloze_edited_in_anki_and_a_note_added_there(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    imported = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(source)])
    assert imported.exit_code == 0, imported.output
    col = anki_collection.Collection(str(anki_deck))
    note = _note_asking(col, "Ribosomes")
    note["Text"] = "{{c1::Ribosomes}} build {{c2::proteins::what?}} from amino acids."
    col.update_note(note)
    _add(col, "Basic", "Biology", ["new"], Front="What is a vacuole?", Back="A storage sac.")
    col.close()
    result = runner.invoke(main, ["pull", str(source), "-c", str(anki_deck), "--add-new"])
    assert result.exit_code == 0, result.output
    assert "pulled 1 card, added 1, 0 conflicts" in result.stdout
    text = (source / "biology.md").read_text(encoding="utf-8")
    assert "## {{c1::Ribosomes}} build {{c2::proteins::what?}} from amino acids.\n\nTags: cells\n" in text
    assert text.endswith("## What is a vacuole?\n\nA storage sac.\n\nTags: new\n")
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    _built_back_changes_nothing(runner, source, anki_deck, tmp_path / "out")


def test_pull_rewrites_an_answer_inside_details(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    deck = source / "faq.md"
    deck.write_text(
        "# FAQ\n\n## Why is the sky blue?\n\n<details><summary>Answer</summary>\n\nRayleigh scattering.\n\n"
        "</details>\n\n## Why is grass green?\n\n<details><summary>Answer</summary>\n\nChlorophyll.\n\n</details>\n",
        encoding="utf-8",
    )
    collection = _pushed_an_hour_ago(runner, source, tmp_path)
    _edit_in_anki(collection, "Why is grass green?", Answer="<p>Chlorophyll reflects green light.</p>")
    result = runner.invoke(main, ["pull", str(source), "-c", str(collection)])
    assert result.exit_code == 0, result.output
    assert "<summary>Answer</summary>\n\nChlorophyll reflects green light.\n\n</details>" in deck.read_text()
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["Q: Question {i}\nA: answer {i}\n", "**term{i}** \u2014 meaning {i}\n"]),
    st.lists(st.tuples(st.integers(0, 3), FIELD_TEXT), min_size=1, max_size=3),
)
def test_any_answers_edited_in_anki_pull_back_into_other_shapes(
    runner: CliRunner, tmp_path_factory: pytest.TempPathFactory, shape: str, edits: list[tuple[int, str]]
) -> None:
    """Cards written as Q:/A: lines or term — meaning lines, answers edited in Anki: pull writes
    them in place or names them, and whatever it writes reads back as Anki has it."""
    folder = tmp_path_factory.mktemp("shapes")
    source = folder / "source"
    source.mkdir()
    (source / "cards.md").write_text(
        "# Cards\n\n" + "\n".join(shape.format(i=i) for i in range(4)), encoding="utf-8"
    )
    collection = _pushed_an_hour_ago(runner, source, folder)
    col = anki_collection.Collection(str(collection))
    ids = sorted(col.find_notes(""))
    for index, back in edits:
        note = col.get_note(ids[index])
        note["Answer"] = back
        col.update_note(note)
    col.close()
    before = _state(collection)
    pulled = runner.invoke(main, ["pull", str(source), "-c", str(collection), "--json"])
    assert pulled.exit_code in (0, 1), pulled.output
    report = json.loads(pulled.stdout)
    assert pulled.exit_code == 0 or report["unwritable"], report
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    _built_back_changes_nothing(runner, source, collection, folder / "out")
    assert _state(collection) == before


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
    collection = _pushed_an_hour_ago(runner, source, tmp_path)
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
    _add(col, "Front only", "Solo", ["x"], Text="Remember the milk")
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
    _built_back_changes_nothing(runner, source, folder / "collection.anki2", tmp_path / "out")


def test_pull_adds_a_reversed_note_of_deckbuilders_own_type_as_a_reversed_card(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = _pushed_an_hour_ago(runner, seed_folder, tmp_path)
    col = anki_collection.Collection(str(collection))
    some = next(iter(notes_by_guid(col).values()))
    note = col.new_note(some.note_type())
    note["Question"], note["Answer"], note["Reverse"] = "perplexity", "<p>exp of the mean loss</p>", "y"
    col.add_note(note, some.cards()[0].did)
    col.close()
    added = runner.invoke(main, ["pull", str(seed_folder), "-c", str(collection), "--add-new"])
    assert added.exit_code == 0, added.output
    assert (
        "## perplexity {.reverse}\n\nexp of the mean loss\n"
        in (seed_folder / "transformer-questions.md").read_text()
    )
    again = _push(runner, seed_folder, collection)
    assert "0 new, 0 updated, 33 unchanged, 0 conflicting" in again.stdout
