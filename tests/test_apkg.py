"""The .apkg judged by the real Anki backend: import, re-import after edits, review history, media."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from deckbuilder.cli import main
from deckbuilder.render import apkg

from .anki_helpers import import_apkg, new_collection, notes_by_guid, review_all, review_state
from .conftest import write

pytestmark = pytest.mark.anki

T0 = int(time.time()) - 86_400
T1 = T0 + 3_600


def build(runner: CliRunner, folder: Path, out: Path, now: int, *extra: str) -> None:
    result = runner.invoke(
        main,
        ["build", str(folder), "-o", str(out), "-f", "apkg", *extra],
        env={"SOURCE_DATE_EPOCH": str(now)},
    )
    assert result.exit_code == 0, result.output


def listing(runner: CliRunner, folder: Path) -> dict[str, Any]:
    result = runner.invoke(main, ["list", "--json", str(folder)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["decks"][0]  # type: ignore[no-any-return]


@pytest.fixture
def col(tmp_path: Path) -> Any:
    collection = new_collection(tmp_path)
    yield collection
    collection.close()


def test_seed_imports_with_fields_tags_and_deck(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, col: Any
) -> None:
    out = tmp_path / "out"
    build(runner, seed_folder, out, T0)
    log = import_apkg(col, out / "transformer-questions.apkg")
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (32, 0, 0)
    assert col.note_count() == 32 and col.card_count() == 32
    used_note_types = {col.get_note(nid).mid for nid in col.find_notes("")}
    assert [col.models.get(mid)["name"] for mid in used_note_types] == [apkg.NOTE_TYPE_NAME]
    deck_names = {d.name for d in col.decks.all_names_and_ids()}
    assert "Questions on Transformer and Its Extended Architecture" in deck_names
    expected = {card["guid"]: card for card in listing(runner, seed_folder)["cards"]}
    notes = notes_by_guid(col)
    assert set(notes) == set(expected)
    for guid, note in notes.items():
        assert note["Question"] == expected[guid]["question_html"]
        assert note["Answer"] == expected[guid]["answer_html"]
        assert sorted(note.tags, key=str.casefold) == expected[guid]["tags"]
    first = notes[listing(runner, seed_folder)["cards"][0]["guid"]]
    assert first.mod == T0
    card = col.get_card(first.card_ids()[0])
    assert "Learning rate scheduling adjusts" in card.answer()
    assert "Describe the concept of learning rate scheduling" in card.question()


def test_configured_sub_deck_and_math(runner: CliRunner, tmp_path: Path, col: Any) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    write(
        folder,
        "m.md",
        "---\ndeck: Maths::Algebra\n---\n# M\n\n## Roots?\n\n$x^2 = 4$ costs $3 or $4.\n\n$$\nx = \\pm 2\n$$\n",
    )
    build(runner, folder, tmp_path / "out", T0)
    import_apkg(col, tmp_path / "out" / "m.apkg")
    assert "Maths::Algebra" in {d.name for d in col.decks.all_names_and_ids()}
    [note] = notes_by_guid(col).values()
    assert "\\(x^2 = 4\\) costs $3 or $4." in note["Answer"]  # Anki's own delimiters, nothing around
    assert "\\[x = \\pm 2\\]" in note["Answer"] and "<p></p>" not in note["Answer"]


def edit_seed(folder: Path, replacements: list[tuple[str, str]]) -> None:
    path = folder / "transformer-questions.md"
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def swap_cards_3_and_4(folder: Path) -> None:
    path = folder / "transformer-questions.md"
    text = path.read_text(encoding="utf-8")
    start, middle, end = text.index("## 3. "), text.index("## 4. "), text.index("## 5. ")
    path.write_text(text[:start] + text[middle:end] + text[start:middle] + text[end:], encoding="utf-8")


def delete_card_30(folder: Path) -> None:
    path = folder / "transformer-questions.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("## 30. ")] + text[text.index("## 31. ") :], encoding="utf-8")


def test_regeneration_updates_in_place_and_keeps_history(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, col: Any
) -> None:
    edit_seed(seed_folder, [("Why is multi-head attention needed?", "Why is multi-head atention needed?")])
    build(runner, seed_folder, tmp_path / "v1", T0)
    import_apkg(col, tmp_path / "v1" / "transformer-questions.apkg")
    review_all(col)
    before = review_state(col)
    assert all(rows == 1 and ivl > 0 for ivl, _, rows in before.values())
    note_types = sorted(m["name"] for m in col.models.all())
    v1 = {card["number"]: card["guid"] for card in listing(runner, seed_folder)["cards"]}

    edit_seed(
        seed_folder,
        [
            ("Why is multi-head atention needed?", "Why is multi-head attention needed?"),
            (
                "**Memory:** Transformers access entire sequence",
                "**Memory:** Transformers see the entire sequence",
            ),
        ],
    )
    swap_cards_3_and_4(seed_folder)
    delete_card_30(seed_folder)
    edit_seed(
        seed_folder,
        [
            (
                "\n---\n\n*These concise",
                "\n## 33. What is a KV cache?\n\n**Answer:** Stored keys and values.\n\n---\n\n*These concise",
            )
        ],
    )
    build(runner, seed_folder, tmp_path / "v2", T1)
    log = import_apkg(col, tmp_path / "v2" / "transformer-questions.apkg")

    assert len(log.new) == 1
    updated = {col.get_note(entry.id.nid).guid for entry in log.updated}
    assert updated == {v1[12], v1[5]}
    assert len(log.duplicate) == 29
    assert len(log.conflicting) == 0
    assert sorted(m["name"] for m in col.models.all()) == note_types
    assert col.note_count() == 33  # the deleted card stays in the collection
    after = review_state(col)
    assert {cid: after[cid] for cid in before} == before
    notes = notes_by_guid(col)
    assert "see the entire sequence" in notes[v1[5]]["Answer"]
    assert notes[v1[12]]["Question"] == "Why is multi-head attention needed?"


def test_users_own_edit_in_anki_survives_reimport(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, col: Any
) -> None:
    build(runner, seed_folder, tmp_path / "v1", T0)
    import_apkg(col, tmp_path / "v1" / "transformer-questions.apkg")
    guid = listing(runner, seed_folder)["cards"][0]["guid"]
    note = notes_by_guid(col)[guid]
    note["Answer"] = "My own words."
    col.update_note(note)
    build(runner, seed_folder, tmp_path / "v2", T1)
    log = import_apkg(col, tmp_path / "v2" / "transformer-questions.apkg")
    assert len(log.updated) == 0
    assert notes_by_guid(col)[guid]["Answer"] == "My own words."


def test_local_image_becomes_media(runner: CliRunner, tmp_path: Path, col: Any) -> None:
    folder = tmp_path / "src"
    (folder / "img").mkdir(parents=True)
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b6ea5d0000000049454e44ae426082"
    )
    (folder / "img" / "dot.png").write_bytes(png)
    write(
        folder,
        "pics.md",
        "## What is this?\n\n![a dot](img/dot.png)\n\n![remote](https://example.org/x.png)\n",
    )
    build(runner, folder, tmp_path / "out", T0)
    import_apkg(col, tmp_path / "out" / "pics.apkg")
    [note] = notes_by_guid(col).values()
    media_dir = Path(col.media.dir())
    stored = media_dir / "dot.png"  # the file's own name
    assert stored.read_bytes() == png
    assert '<img src="dot.png" alt="a dot">' in note["Answer"]
    assert 'src="https://example.org/x.png"' in note["Answer"]


def test_a_replaced_image_reaches_anki(runner: CliRunner, tmp_path: Path, col: Any) -> None:
    import base64

    folder = tmp_path / "src"
    (folder / "img").mkdir(parents=True)
    red, blue = (
        base64.b64decode(data)
        for data in (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        )
    )
    (folder / "img" / "heart.png").write_bytes(red)
    write(
        folder,
        "pics.md",
        "## What does the heart look like?\n\n![the heart](img/heart.png)\n\n## Other?\n\nText.\n",
    )
    build(runner, folder, tmp_path / "v1", T0)
    import_apkg(col, tmp_path / "v1" / "pics.apkg")
    (folder / "img" / "heart.png").write_bytes(blue)  # a new picture under the same name
    diff = runner.invoke(main, ["diff", str(folder)])
    assert "an image changed" in diff.stdout, diff.output
    build(runner, folder, tmp_path / "v2", T1)
    log = import_apkg(col, tmp_path / "v2" / "pics.apkg")
    assert len(log.updated) == 1 and len(log.duplicate) == 1  # exactly that note
    note = next(n for n in notes_by_guid(col).values() if "heart" in n.fields[0])
    [name] = [part.split('"')[0] for part in note["Answer"].split('src="')[1:]]
    assert (Path(col.media.dir()) / name).read_bytes() == blue


@pytest.mark.parametrize(
    ("markdown", "message"),
    [("![x](nope.png)", "image 'nope.png' not found"), ("![x](../outside.png)", "outside the source folder")],
)
def test_bad_image_is_a_clear_error_and_writes_nothing(
    runner: CliRunner, tmp_path: Path, markdown: str, message: str
) -> None:
    (tmp_path / "outside.png").write_bytes(b"x")
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder, "d.md", f"## Q?\n\n{markdown}\n")
    result = runner.invoke(main, ["build", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{folder / 'd.md'}:1: error: " in result.stderr and message in result.stderr
    assert not (folder / "deckbuilder.lock").exists()
    assert not (tmp_path / "out" / "d.apkg").exists()


def test_raw_html_is_sanitized_in_notes(runner: CliRunner, tmp_path: Path, col: Any) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    write(
        folder,
        "x.md",
        '## Q?\n\nHi <img src="a.png" onerror="alert(1)"> <a href="javascript:alert(2)">x</a> **bold**\n\n<script>alert(3)</script>\n',
    )
    (folder / "a.png").write_bytes(b"\x89PNG")
    build(runner, folder, tmp_path / "out", T0)
    import_apkg(col, tmp_path / "out" / "x.apkg")
    [note] = notes_by_guid(col).values()
    answer = note["Answer"]
    assert "onerror" not in answer and "javascript:" not in answer and "<script" not in answer
    assert "<b>bold</b>" in answer


def test_builds_are_byte_identical(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    build(runner, seed_folder, tmp_path / "a", T0)
    build(runner, seed_folder, tmp_path / "b", T1)
    first = (tmp_path / "a" / "transformer-questions.apkg").read_bytes()
    assert first == (tmp_path / "b" / "transformer-questions.apkg").read_bytes()


def test_note_type_schema_is_frozen() -> None:
    # Changing any of these makes Anki create "deckbuilder Q&A+" and stop updating users' notes.
    # The schema was chosen once, before the first release (with the Reverse field and template,
    # so that turning reversal on is a field change); any later change needs a new note type id.
    assert apkg.NOTE_TYPE_ID == 1_764_388_801
    assert apkg.NOTE_TYPE_NAME == "deckbuilder Q&A"
    assert apkg.FIELDS == ("Question", "Answer", "Context", "Reverse")
    assert apkg.TEMPLATE_NAMES == ("Card", "Reverse")
    assert apkg.CLOZE_NOTE_TYPE_ID == 1_764_388_802
    assert apkg.CLOZE_NOTE_TYPE_NAME == "deckbuilder Cloze"
    assert apkg.CLOZE_FIELDS == ("Text", "Extra", "Context")
    assert apkg.CLOZE_TEMPLATE_NAMES == ("Cloze",)
    for model, fields, templates in (
        (apkg.note_type(), apkg.FIELDS, apkg.TEMPLATE_NAMES),
        (apkg.cloze_note_type(), apkg.CLOZE_FIELDS, apkg.CLOZE_TEMPLATE_NAMES),
    ):
        assert [f["name"] for f in model.fields] == list(fields)
        assert [t["name"] for t in model.templates] == list(templates)


def test_style_changes_move_the_note_type_mod_time() -> None:
    assert apkg.style_hash() == apkg.STYLE_HASH, (
        "the note type's CSS or templates changed: set STYLE_HASH to the new hash and STYLE_CHANGED_AT "
        "to the current time, so that Anki takes the new style on re-import"
    )


class _GenankiNote:
    """genanki's own Note, stamped with the card's change time: the reference for the bulk rows."""

    def __new__(cls, changed_at: int, **kwargs: Any) -> Any:
        import genanki

        class Stamped(genanki.Note):  # type: ignore[misc]
            def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
                super().write_to_db(cursor, changed_at, deck_id, id_gen)

        return Stamped(**kwargs)


def _rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        return {
            table: connection.execute(f"select * from {table} order by id").fetchall()
            for table in ("col", "notes", "cards")
        }
    finally:
        connection.close()


@pytest.mark.parametrize("source", ["seed", "cloze.md"])
def test_bulk_rows_are_the_rows_genanki_notes_write(source: str, seed_folder: Path, tmp_path: Path) -> None:
    import itertools
    import sqlite3

    import genanki

    from deckbuilder.app.load import load_deck
    from deckbuilder.html.fragments import Fragments
    from deckbuilder.html.markup import MarkupOptions
    from deckbuilder.render import MediaNames

    from .conftest import FIXTURES_DIR

    path = seed_folder / "transformer-questions.md" if source == "seed" else FIXTURES_DIR / source
    deck = load_deck(path, now=T0)
    markup = MarkupOptions(math="mathjax", image_src=MediaNames({}))
    models = {"basic": apkg.note_type(), "cloze": apkg.cloze_note_type()}
    ours = apkg.BulkDeck(deck.deck_id, deck.anki_deck, "")
    reference = genanki.Deck(deck.deck_id, deck.anki_deck, description="")
    for card in deck.cards:
        model = models["cloze" if card.kind == "cloze" else "basic"]
        fields = apkg.card_fields(card, Fragments(), markup)
        ours.add_row(model, card.guid, fields, card.tags, card.changed_at)
        reference.add_note(
            _GenankiNote(card.changed_at, model=model, fields=fields, tags=list(card.tags), guid=card.guid)
        )
    connection = sqlite3.connect(tmp_path / "ours.anki2")
    apkg.write_collection(connection, [ours], T0)
    connection.close()
    connection = sqlite3.connect(tmp_path / "reference.anki2")
    genanki.Package(reference).write_to_db(connection.cursor(), T0, itertools.count(apkg.first_id(T0)))
    connection.commit()
    connection.close()
    expected = _rows(tmp_path / "reference.anki2")
    assert len(expected["cards"]) >= len(expected["notes"]) > 0
    if source == "cloze.md":
        assert len(expected["cards"]) > len(expected["notes"])  # several cards per cloze or reversed note
    assert _rows(tmp_path / "ours.anki2") == expected


def test_two_images_of_one_name_keep_apart_and_check_says_so(
    runner: CliRunner, tmp_path: Path, col: Any
) -> None:
    """Images keep their own names in the package; of two files of other content with one name (in
    two folders), the second is named apart, check warns, and Anki shows each note its own."""
    import base64

    folder = tmp_path / "src"
    red, blue = (
        base64.b64decode(data)
        for data in (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        )
    )
    for name, data in (("left", red), ("right", blue)):
        (folder / name).mkdir(parents=True)
        (folder / name / "heart.png").write_bytes(data)
    write(
        folder,
        "pics.md",
        "## Which is red?\n\n![](left/heart.png)\n\n## Which is blue?\n\n![](right/heart.png)\n",
    )
    check = runner.invoke(main, ["check", str(folder)])
    assert (
        "goes into the package as heart-" in check.output and "another image of other content" in check.output
    )
    build(runner, folder, tmp_path / "out", T0)
    import_apkg(col, tmp_path / "out" / "pics.apkg")
    media_dir = Path(col.media.dir())
    shown = {n.fields[0]: n["Answer"].split('src="')[1].split('"')[0] for n in notes_by_guid(col).values()}
    assert shown["Which is red?"] == "heart.png" and shown["Which is blue?"].startswith("heart-")
    assert (media_dir / shown["Which is red?"]).read_bytes() == red
    assert (media_dir / shown["Which is blue?"]).read_bytes() == blue


@given(
    st.lists(
        st.sampled_from(["<p>", "</p>", "<p class=x>", "<pre>", "</pre>", "a", " ", "\n", "<p\n", "b</p "]),
        max_size=8,
    )
)
def test_unwrapping_a_paragraph_agrees_with_the_pattern_that_defines_it(parts: list[str]) -> None:
    from deckbuilder.render.fields import ONE_PARAGRAPH, unwrapped

    html = "".join(parts)
    found = ONE_PARAGRAPH.fullmatch(html) if html.startswith("<p>") else None
    assert unwrapped(html) == (found.group(1) if found is not None else html)


def test_the_hand_written_zip_reads_back_and_reused_pieces_give_the_same_bytes() -> None:
    """render.zipped: every member, of several pieces or none, reads back as written (zipfile checks
    each CRC); a rebuild that takes the unchanged pieces from the last one writes the same bytes as a
    zip made afresh."""
    import io
    import random
    import zipfile

    from deckbuilder.incremental.rows import KeptPackage
    from deckbuilder.render.zipped import PIECE, zipped

    rng = random.Random(3)
    database = bytes(rng.getrandbits(8) for _ in range(PIECE // 2)) + b"page " * PIECE
    members = [("collection.anki2", database), ("media", b'{"0": "a.png"}'), ("0", b"")]
    kept = KeptPackage()
    first = zipped(members, kept.deflate)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.testzip() is None
        assert [(info.filename, archive.read(info)) for info in archive.infolist()] == members
        assert {info.date_time for info in archive.infolist()} == {(2020, 1, 1, 0, 0, 0)}
    assert first == zipped(members)
    edited = database[:PIECE] + b"X" + database[PIECE + 1 :]  # one piece of several changed
    again = [("collection.anki2", edited), *members[1:]]
    assert zipped(again, kept.deflate) == zipped(again)
    assert (
        len(kept.pieces) == len(range(0, len(database), PIECE)) + 1
    )  # the media list; the empty file has none


def test_two_decks_built_in_the_same_hour_import_into_one_collection_whole(
    runner: CliRunner, tmp_path: Path, col: Any
) -> None:
    """Note and card ids count from the hour of a package's newest change, so two decks' packages
    built in one hour hold the same ids; Anki gives a new note or card whose id it has another id,
    and each package's notes, cards and review history come out whole and apart."""
    import sqlite3
    import zipfile

    (tmp_path / "src").mkdir()
    write(tmp_path / "src", "a.md", "# A\n\n## What is one?\n\nOne.\n\n## What is two?\n\nTwo.\n")
    write(tmp_path / "src", "b.md", "# B\n\n## What is three?\n\nThree.\n\n## What is four?\n\nFour.\n")
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["build", str(tmp_path / "src"), "-f", "apkg", "-o", str(out), "-q"],
        env={"SOURCE_DATE_EPOCH": str(T0)},
    )
    assert result.exit_code == 0, result.output
    ids = []
    for name in ("a", "b"):
        (tmp_path / f"{name}.anki2").write_bytes(
            zipfile.ZipFile(out / f"{name}.apkg").read("collection.anki2")
        )
        connection = sqlite3.connect(tmp_path / f"{name}.anki2")
        ids.append(connection.execute("select id from notes order by id").fetchall())
        connection.close()
    assert ids[0] == ids[1] and ids[0][0][0] == apkg.first_id(T0)  # the same ids in both
    import_apkg(col, out / "a.apkg")
    review_all(col)
    reviewed = review_state(col)
    import_apkg(col, out / "b.apkg")
    questions = sorted(col.get_note(note_id).fields[0] for note_id in col.find_notes(""))
    assert questions == ["What is four?", "What is one?", "What is three?", "What is two?"]
    assert col.card_count() == 4
    assert {card: state for card, state in review_state(col).items() if card in reviewed} == reviewed
