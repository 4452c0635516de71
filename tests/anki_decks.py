"""Shared by the import and pull tests: a long-time user's collection, pushes, edits in Anki."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import strategies as st

from deckbuilder.cli import main

from .anki_helpers import (
    anki_collection,
    import_apkg,
    new_collection,
    notes_by_guid,
    review_all,
    review_state,
)

PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
"""A 1x1 PNG."""


def vocabulary_type(col: Any) -> Any:
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


def add_note(col: Any, type_name: str, deck: str, tags: list[str], **fields: str) -> Any:
    note = col.new_note(col.models.by_name(type_name))
    for name, value in fields.items():
        note[name.replace("_", " ")] = value
    note.tags = tags
    col.add_note(note, col.decks.id(deck))
    return note


def make_anki_deck(tmp_path: Path) -> Path:
    """A collection as a long-time Anki user has it: one deck (and a sub-deck) of Basic, reversed,
    cloze and custom notes with formatting, an image and tags, every card reviewed."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = new_collection(folder)
    vocabulary_type(col)
    (Path(col.media.dir()) / "cell.png").write_bytes(PIXEL)
    add_note(col, "Basic", "Biology", ["cells"], Front="What is the powerhouse of the cell?",
         Back="The <b>mitochondrion</b>.<br>It makes ATP.")  # fmt: skip
    add_note(col, "Basic", "Biology", [], Front="Name the parts of a cell",
         Back="<ul><li>membrane</li><li>nucleus</li><li>cytoplasm</li></ul>")  # fmt: skip
    add_note(col, "Basic (and reversed card)", "Biology", ["terms"], Front="osmosis",
         Back="water moving through a membrane")  # fmt: skip
    add_note(col, "Cloze", "Biology", ["cells"], Text="{{c1::Ribosomes}} make {{c2::proteins::what?}}.",
         Back_Extra="")  # fmt: skip
    add_note(col, "Basic", "Biology", [], Front='What does this show?<br><img src="cell.png">',
         Back="A cell.")  # fmt: skip
    add_note(col, "Vocabulary", "Biology::Words", ["latin"], Word="cellula", Meaning="small room",
         Example="<i>cellula</i> gave <b>cell</b>")  # fmt: skip
    add_note(col, "Basic", "Biology", [], Front="Energy of a photon", Back=r"\(E = h\nu\)")
    review_all(col)
    # Written an hour ago, so that an edit in a test is later than the notes, as in life.
    col.db.execute("update notes set mod = mod - 3600")
    col.close()
    return folder / "collection.anki2"


def export_package(collection: Path, package: Path) -> None:
    col = anki_collection.Collection(str(collection))
    options = anki_collection.ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False)
    col.export_anki_package(out_path=str(package), options=options, limit=None)
    col.close()


def collection_state(collection: Path) -> tuple[dict[int, tuple[int, int, int]], list[str], dict[str, Any]]:
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


def push_at(runner: CliRunner, folder: Path, collection: Path, epoch: int | None = None) -> Any:
    env = {"SOURCE_DATE_EPOCH": str(epoch)} if epoch else {}
    result = runner.invoke(main, ["push", str(folder), "--collection", str(collection)], env=env)
    assert result.exit_code == 0, result.output
    return result


def pushed_an_hour_ago(runner: CliRunner, folder: Path, tmp_path: Path) -> Path:
    """A new collection the decks were pushed into an hour ago, so that an edit in Anki in the test
    is later than the build, as in life."""
    import time

    collection = tmp_path / "collection.anki2"
    new_collection(tmp_path).close()
    push_at(runner, folder, collection, epoch=int(time.time()) - 3600)
    return collection


def built_back_changes_nothing(runner: CliRunner, source: Path, collection: Path, out: Path) -> None:
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


def edit_in_anki(collection: Path, asking: str, **fields: str) -> Any:
    """Edit the note whose first field holds ``asking`` in Anki, as a user would; the note."""
    col = anki_collection.Collection(str(collection))
    try:
        note = note_asking(col, asking)
        for name, value in fields.items():
            note[name] = value
        col.update_note(note)
        return note
    finally:
        col.close()


def note_asking(col: Any, words: str) -> Any:
    return next(note for note in notes_by_guid(col).values() if words in note.fields[0])


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
