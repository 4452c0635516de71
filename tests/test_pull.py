"""pull: edits made in Anki written back into the markdown, through the real Anki backend."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from deckbuilder.cli import main

from .anki_decks import (
    FIELD_TEXT,
    add_note,
    built_back_changes_nothing,
    collection_state,
    edit_in_anki,
    make_anki_deck,
    note_asking,
    push_at,
    pushed_an_hour_ago,
)
from .anki_helpers import (
    anki_collection,
    held_open,
    new_collection,
    notes_by_guid,
    review_all,
)

pytestmark = pytest.mark.anki


@pytest.fixture
def anki_deck(tmp_path: Path) -> Path:
    return make_anki_deck(tmp_path)


def test_pull_writes_an_answer_edited_in_anki_back_and_keeps_it(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = pushed_an_hour_ago(runner, seed_folder, tmp_path)
    col = anki_collection.Collection(str(collection))
    review_all(col)
    note = note_asking(col, "How is the transformer different from RNN and LSTM?")
    note["Answer"] = "<p>Transformers use <b>self-attention</b> instead of recurrence.</p>"
    col.update_note(note)
    edited_guid = note.guid
    col.close()
    before_state, _, before_notes = collection_state(collection)
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
    again = push_at(runner, seed_folder, collection)
    assert "0 new, 0 updated, 32 unchanged, 0 conflicting" in again.stdout
    after_state, _, after_notes = collection_state(collection)
    assert after_state == before_state and after_notes == before_notes
    assert "<b>self-attention</b>" in after_notes[edited_guid][1][1]


def test_pull_reports_a_card_edited_on_both_sides_as_a_conflict(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = pushed_an_hour_ago(runner, seed_folder, tmp_path)
    edit_in_anki(
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
    # Both versions as indented blocks, every line of each indented.
    assert "  anki:\n    Every token looks at every other token." in result.stderr
    assert "  markdown:\n    Self-attention computes scaled attention weights" in result.stderr
    assert "Traceback" not in result.output
    assert deck_file.read_text(encoding="utf-8") == mine
    assert (seed_folder / "deckbuilder.lock").read_text(encoding="utf-8") == lock_before


def test_pull_lists_notes_added_in_anki_and_appends_them_on_request(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = pushed_an_hour_ago(runner, seed_folder, tmp_path)
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
    again = push_at(runner, seed_folder, collection)
    assert "0 new, 0 updated, 33 unchanged, 0 conflicting" in again.stdout


def difflib_lines(before: str, after: str) -> list[str]:
    import difflib

    return [line for line in difflib.unified_diff(before.split("\n"), after.split("\n"), lineterm="", n=0)
            if not line.startswith(("---", "+++", "@@"))]  # fmt: skip


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


def test_reading_a_collection_leaves_nothing_beside_it(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    """import and pull only read the collection: no -wal or -shm file is left beside it."""
    folder = anki_deck.parent
    before = sorted(path.name for path in folder.iterdir())
    source = tmp_path / "source"
    imported = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(source)])
    assert imported.exit_code == 0, imported.output
    pulled = runner.invoke(main, ["pull", str(source), "-c", str(anki_deck), "--dry-run"])
    assert pulled.exit_code == 0, pulled.output
    dry = runner.invoke(main, ["push", str(source), "-c", str(anki_deck), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert sorted(path.name for path in folder.iterdir()) == before


def test_a_collection_of_a_newer_anki_is_named_and_said_so(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    import contextlib
    import sqlite3

    source = tmp_path / "source"
    imported = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(source)])
    assert imported.exit_code == 0, imported.output
    with contextlib.closing(sqlite3.connect(anki_deck)) as db:
        db.execute("update col set ver = 99")
        db.commit()
    for command in (
        ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(tmp_path / "again")],
        ["pull", str(source), "-c", str(anki_deck)],
        ["push", str(source), "-c", str(anki_deck), "--dry-run"],
        ["push", str(source), "-c", str(anki_deck)],
    ):
        result = runner.invoke(main, command)
        assert result.exit_code == 1, result.output
        assert f"{anki_deck}: the collection was written by a newer Anki" in result.stderr, result.stderr
        assert "pip install -U anki" in result.stderr and "open in Anki" not in result.stderr


def test_pull_fills_a_custom_note_types_section_from_its_field(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    imported = runner.invoke(
        main, ["import", "-c", str(anki_deck), "-d", "Biology::Words", "--into", str(source)]
    )
    assert imported.exit_code == 0, imported.output
    col = anki_collection.Collection(str(anki_deck))
    note = note_asking(col, "cellula")
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
    collection = pushed_an_hour_ago(runner, source, tmp_path)
    col = anki_collection.Collection(str(collection))
    note = note_asking(col, "snake_case")
    note["Answer"] = note["Answer"].replace("It prints 2.", "It prints <b>2</b>, the length.")
    col.update_note(note)
    col.close()
    result = runner.invoke(main, ["pull", str(source), "-c", str(collection)])
    assert result.exit_code == 0, result.output
    assert deck.read_text(encoding="utf-8") == (
        "# Code\n\n## What does `snake_case` print?\n\n```python\nprint(len('ab'))\n```\n\n"
        "It prints **2**, the length.\n"
    )


def test_pull_rewrites_a_question_edited_in_anki_and_keeps_its_number(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = pushed_an_hour_ago(runner, seed_folder, tmp_path)
    note = edit_in_anki(
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
    collection = pushed_an_hour_ago(runner, source, tmp_path)
    col = anki_collection.Collection(str(collection))
    edits = {
        "comer": "<p>to eat, to have a meal</p>",
        "Where is the station?": "<p>Behind the <b>old</b> bridge.</p>",
        "Why is grass green?": "<p>Chlorophyll reflects green.</p>",
        # Its answer is not in the file as the card reads it (the list item's lines are indented).
        "Why is the sky blue?": "<p>Rayleigh scattering of blue light.</p>",
    }
    for question, answer in edits.items():
        note = note_asking(col, question)
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
    assert "  anki:\n    Rayleigh scattering of blue light." in result.stderr
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(FIELD_TEXT, FIELD_TEXT), min_size=2, max_size=5),
    st.lists(st.tuples(st.integers(0, 4), FIELD_TEXT), min_size=1, max_size=3),
)
@example(notes=[("1", "1"), ("- 1", "1")], edits=[(0, "1")])  # 'Question - 1': a 'Q -' label
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
        add_note(col, "Basic", "Random", [], Front=f"Question {front}", Back=back or "-")
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
    before = collection_state(folder / "collection.anki2")
    pulled = runner.invoke(main, ["pull", str(source), "-c", str(folder / "collection.anki2"), "--json"])
    assert pulled.exit_code in (0, 1), pulled.output
    report = json.loads(pulled.stdout)
    assert pulled.exit_code == 0 or report["unwritable"], report
    if pulled.exit_code:
        return
    diff = runner.invoke(main, ["diff", str(source)])
    assert diff.exit_code == 0, (diff.output, (source / "random.md").read_text())
    built_back_changes_nothing(runner, source, folder / "collection.anki2", folder / "out")
    assert collection_state(folder / "collection.anki2") == before


def test_pull_writes_back_a_cloze_edited_in_anki_and_a_note_added_there(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    imported = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(source)])
    assert imported.exit_code == 0, imported.output
    col = anki_collection.Collection(str(anki_deck))
    note = note_asking(col, "Ribosomes")
    note["Text"] = "{{c1::Ribosomes}} build {{c2::proteins::what?}} from amino acids."
    col.update_note(note)
    add_note(col, "Basic", "Biology", ["new"], Front="What is a vacuole?", Back="A storage sac.")
    col.close()
    result = runner.invoke(main, ["pull", str(source), "-c", str(anki_deck), "--add-new"])
    assert result.exit_code == 0, result.output
    assert "pulled 1 card, added 1, 0 conflicts" in result.stdout
    text = (source / "biology.md").read_text(encoding="utf-8")
    assert "## {{c1::Ribosomes}} build {{c2::proteins::what?}} from amino acids.\n\nTags: cells\n" in text
    assert text.endswith("## What is a vacuole?\n\nA storage sac.\n\nTags: new\n")
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    built_back_changes_nothing(runner, source, anki_deck, tmp_path / "out")


def test_pull_rewrites_an_answer_inside_details(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    deck = source / "faq.md"
    deck.write_text(
        "# FAQ\n\n## Why is the sky blue?\n\n<details><summary>Answer</summary>\n\nRayleigh scattering.\n\n"
        "</details>\n\n## Why is grass green?\n\n<details><summary>Answer</summary>\n\nChlorophyll.\n\n</details>\n",
        encoding="utf-8",
    )
    collection = pushed_an_hour_ago(runner, source, tmp_path)
    edit_in_anki(collection, "Why is grass green?", Answer="<p>Chlorophyll reflects green light.</p>")
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
    collection = pushed_an_hour_ago(runner, source, folder)
    col = anki_collection.Collection(str(collection))
    ids = sorted(col.find_notes(""))
    for index, back in edits:
        note = col.get_note(ids[index])
        note["Answer"] = back
        col.update_note(note)
    col.close()
    before = collection_state(collection)
    pulled = runner.invoke(main, ["pull", str(source), "-c", str(collection), "--json"])
    assert pulled.exit_code in (0, 1), pulled.output
    report = json.loads(pulled.stdout)
    assert pulled.exit_code == 0 or report["unwritable"], report
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    built_back_changes_nothing(runner, source, collection, folder / "out")
    assert collection_state(collection) == before


def test_pull_adds_a_reversed_note_of_deckbuilders_own_type_as_a_reversed_card(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    collection = pushed_an_hour_ago(runner, seed_folder, tmp_path)
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
    again = push_at(runner, seed_folder, collection)
    assert "0 new, 0 updated, 33 unchanged, 0 conflicting" in again.stdout


@pytest.mark.parametrize(
    ("encoding", "bom", "newline"),
    [("utf-8", codecs.BOM_UTF8, "\r\n"), ("utf-8", b"", "\r"), ("utf-16-le", codecs.BOM_UTF16_LE, "\r\n")],
    ids=["utf-8-bom-crlf", "utf-8-cr", "utf-16-crlf"],
)
def test_pull_keeps_the_files_encoding_byte_order_mark_and_line_endings(
    runner: CliRunner, tmp_path: Path, encoding: str, bom: bytes, newline: str
) -> None:
    folder = tmp_path / "source"
    folder.mkdir()
    text = (
        "# Sky\n\n## Why is the sky blue?\n\nRayleigh scattering.\n\n## Why is grass green?\n\nChlorophyll.\n"
    )
    deck_file = folder / "sky.md"
    deck_file.write_bytes(bom + text.replace("\n", newline).encode(encoding))
    collection = pushed_an_hour_ago(runner, folder, tmp_path)
    edit_in_anki(collection, "sky blue", Answer="Rayleigh scattering of blue light.")
    pulled = runner.invoke(main, ["pull", str(folder), "--collection", str(collection)])
    assert pulled.exit_code == 0, pulled.output
    expected = text.replace("Rayleigh scattering.", "Rayleigh scattering of blue light.")
    assert deck_file.read_bytes() == bom + expected.replace("\n", newline).encode(encoding)
    assert runner.invoke(main, ["diff", str(folder)]).exit_code == 0


def test_a_lost_lock_does_not_make_pull_add_the_decks_notes_again(
    runner: CliRunner, anki_deck: Path, tmp_path: Path
) -> None:
    """Notes whose fields show what a card builds are that card: with the lock gone, pull
    --add-new finds them in the markdown already, adds only what is new, and writes the lock."""
    source = tmp_path / "source"
    imported = runner.invoke(main, ["import", "-c", str(anki_deck), "-d", "Biology", "--into", str(source)])
    assert imported.exit_code == 0, imported.output
    lock = json.loads((source / "deckbuilder.lock").read_text(encoding="utf-8"))
    (source / "deckbuilder.lock").unlink()
    col = anki_collection.Collection(str(anki_deck))
    add_note(col, "Basic", "Biology", [], Front="What is a vacuole?", Back="A storage sac.")
    col.close()
    before = (source / "biology.md").read_text(encoding="utf-8")
    result = runner.invoke(main, ["pull", str(source), "-c", str(anki_deck), "--add-new"])
    assert result.exit_code == 0, result.output
    assert "pulled 0 cards, added 1, 0 conflicts" in result.stdout
    assert (source / "biology.md").read_text(
        encoding="utf-8"
    ) == before + "\n## What is a vacuole?\n\nA storage sac.\n"
    found = json.loads((source / "deckbuilder.lock").read_text(encoding="utf-8"))
    guids = {entry["guid"] for entry in found["decks"]["biology.md"]}
    assert {entry["guid"] for entry in lock["decks"]["biology.md"]} < guids
    assert runner.invoke(main, ["diff", str(source)]).exit_code == 0
    built_back_changes_nothing(runner, source, anki_deck, tmp_path / "out")


def test_diff_after_a_pull_shows_the_words_of_the_next_edit(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    """Pull keeps the pulled cards' text in the local cache: the next edit in the markdown is shown
    word by word, not as 'the previous text is not in the local cache'."""
    collection = pushed_an_hour_ago(runner, seed_folder, tmp_path)
    col = anki_collection.Collection(str(collection))
    note = note_asking(col, "How is the transformer different from RNN and LSTM?")
    note["Answer"] = "<p>Transformers use self-attention instead of recurrence.</p>"
    col.update_note(note)
    col.close()
    pulled = runner.invoke(main, ["pull", str(seed_folder), "--collection", str(collection)])
    assert pulled.exit_code == 0, pulled.output
    deck_file = seed_folder / "transformer-questions.md"
    text = deck_file.read_text(encoding="utf-8")
    deck_file.write_text(
        text.replace("instead of recurrence.", "instead of any recurrence."), encoding="utf-8"
    )
    diff = runner.invoke(main, ["diff", str(seed_folder)])
    assert diff.exit_code == 1 and "{+any+}" in diff.output, diff.output
    assert "not in the local cache" not in diff.output
