"""``deckbuilder push`` into real collections made with the anki package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main

from .anki_helpers import anki_collection, held_open, new_collection, notes_by_guid, review_all, review_state
from .conftest import write
from .test_apkg import delete_card_30, edit_seed, swap_cards_3_and_4

pytestmark = pytest.mark.anki


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    """An empty collection with one unrelated note in a deck of its own, closed as Anki leaves it."""
    col = new_collection(tmp_path)
    basic = col.models.by_name("Basic")
    note = col.new_note(basic)
    note["Front"], note["Back"] = "My own note", "not from deckbuilder"
    col.add_note(note, col.decks.id("Personal"))
    col.close()
    return tmp_path / "collection.anki2"


def push(runner: CliRunner, folder: Path, collection: Path, *options: str, stdin: str | None = None) -> Any:
    return runner.invoke(main, ["push", str(folder), "--collection", str(collection), *options], input=stdin)


def opened(collection: Path) -> Any:
    return anki_collection.Collection(str(collection))


def test_push_then_edit_and_push_again(runner: CliRunner, seed_folder: Path, collection: Path) -> None:
    first = push(runner, seed_folder, collection)
    assert first.exit_code == 0, first.output
    assert "32 new, 0 updated, 0 unchanged, 0 conflicting" in first.stdout
    assert (seed_folder / "deckbuilder.lock").exists()
    col = opened(collection)
    review_all(col)
    before = review_state(col)
    note_types = sorted(m["name"] for m in col.models.all())
    guids = set(notes_by_guid(col))
    col.close()

    edit_seed(seed_folder, [("Why is multi-head attention needed?", "Why is multi-head attention necessary?"),
                            ("**Memory:** Transformers access", "**Memory:** Transformers see")])  # fmt: skip
    swap_cards_3_and_4(seed_folder)
    delete_card_30(seed_folder)
    edit_seed(
        seed_folder,
        [
            (
                "\n---\n\n*These concise",
                "\n## 33. What is a KV cache?\n\nStored keys and values.\n\n---\n\n*These concise",
            )
        ],
    )
    second = push(runner, seed_folder, collection, "--verbose")
    assert second.exit_code == 0, second.output
    assert "1 new, 2 updated, 29 unchanged, 0 conflicting" in second.stdout
    assert "new         What is a KV cache?" in second.stdout
    assert "backup of the collection before this push" in second.stderr

    col = opened(collection)
    assert sorted(m["name"] for m in col.models.all()) == note_types
    assert col.note_count() == 34  # 32 + the new card + the unrelated note; the deleted card stays
    assert guids < set(notes_by_guid(col))
    after = review_state(col)
    assert {cid: after[cid] for cid in before} == before
    col.close()


def test_prune_removes_exactly_the_deleted_cards(
    runner: CliRunner, seed_folder: Path, collection: Path
) -> None:
    assert push(runner, seed_folder, collection).exit_code == 0
    col = opened(collection)
    doomed = {n.guid for n in notes_by_guid(col).values() if "Vision-Language Pre-training" in n.fields[0]
              or n.fields[0].startswith("What is RLHF")}  # fmt: skip
    col.close()
    assert len(doomed) == 2
    delete_card_30(seed_folder)
    text = (seed_folder / "transformer-questions.md").read_text(encoding="utf-8")
    (seed_folder / "transformer-questions.md").write_text(
        text[: text.index("## 13. ")] + text[text.index("## 14. ") :], encoding="utf-8"
    )

    before = collection.read_bytes()
    backups = sorted((collection.parent / "deckbuilder-backups").iterdir())
    dry = push(runner, seed_folder, collection, "--prune", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        "dry run, nothing changed: would be 0 new, 0 updated, 30 unchanged, 0 conflicting, 2 deleted"
        in dry.stdout
    )
    assert collection.read_bytes() == before
    assert sorted((collection.parent / "deckbuilder-backups").iterdir()) == backups

    declined = push(runner, seed_folder, collection, "--prune", stdin="n\n")
    assert declined.exit_code == 1 and "push --prune would delete 2 notes" in declined.stdout
    assert collection.read_bytes() == before

    done = push(runner, seed_folder, collection, "--prune", "--yes")
    assert done.exit_code == 0, done.output
    assert "2 deleted" in done.stdout
    col = opened(collection)
    remaining = notes_by_guid(col)
    assert not doomed & set(remaining)
    assert col.note_count() == 31  # 30 cards and the unrelated note, untouched
    assert any(n.fields[0] == "My own note" for n in remaining.values())
    assert "Personal" in {d.name for d in col.decks.all_names_and_ids()}
    col.close()
    again = push(runner, seed_folder, collection, "--prune", "--yes")
    assert "0 new, 0 updated, 30 unchanged, 0 conflicting" in again.stdout and "deleted" not in again.stdout


def test_a_collection_open_in_anki_is_left_alone(
    runner: CliRunner, seed_folder: Path, collection: Path
) -> None:
    before = collection.read_bytes()
    with held_open(collection):
        result = push(runner, seed_folder, collection)
        assert result.exit_code == 1
        assert "the collection is open in Anki; close Anki first" in result.stderr
        assert "Traceback" not in result.output
    assert collection.read_bytes() == before
    assert not (seed_folder / "deckbuilder.lock").exists()


def test_backups_are_kept_for_changes_only_and_the_first_is_never_dropped(
    runner: CliRunner, seed_folder: Path, collection: Path
) -> None:
    source = seed_folder / "transformer-questions.md"
    folder = collection.parent / "deckbuilder-backups"
    for number in range(6):
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("**Answer:**\n", f"**Answer:**\nEdit {number}. ", 1), encoding="utf-8")
        result = push(runner, seed_folder, collection, "--keep-backups", "3")
        assert result.exit_code == 0 and "backup of the collection before this push" in result.stderr
    unchanged = push(runner, seed_folder, collection)
    assert "backup of the collection" not in unchanged.stderr  # nothing changed: no backup
    backups = sorted(folder.iterdir())
    assert len(backups) == 4  # the first, from before any push, and the newest three
    first = anki_collection.Collection(str(backups[0]))
    assert first.note_count() == 1  # only the user's own note: the collection as it was
    first.close()
    restored = anki_collection.Collection(str(backups[-1]))
    assert restored.note_count() == 33
    restored.close()


def test_default_collection_is_the_only_profile(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    profile = tmp_path / "data" / "Anki2" / "User 1"
    profile.mkdir(parents=True)
    new_collection(profile).close()
    result = runner.invoke(main, ["push", str(seed_folder)])
    assert result.exit_code == 0, result.output
    assert f"using the collection {profile / 'collection.anki2'}" in result.stderr
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "nothing"))
    missing = runner.invoke(main, ["push", str(seed_folder)])
    assert missing.exit_code == 1 and "no Anki collection found" in missing.stderr


def test_missing_collection_file_is_a_clear_error(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    result = push(runner, seed_folder, tmp_path / "nope.anki2")
    assert result.exit_code == 1 and "no such collection file; check the path" in result.stderr
    assert "pass --collection" not in result.stderr  # it was passed


@pytest.mark.parametrize("command", ["push", "pull", "import"])
def test_without_the_anki_package_a_clear_message(seed_folder: Path, tmp_path: Path, command: str) -> None:
    code = "import sys; sys.modules['anki'] = None; from deckbuilder.cli.commands import main; main()"
    collection = str(tmp_path / "c.anki2")
    arguments = {
        "push": ["push", str(seed_folder), "--collection", collection],
        "pull": ["pull", str(seed_folder), "--collection", collection],
        "import": ["import", str(tmp_path / "deck.apkg"), "--into", str(tmp_path / "in")],
    }[command]
    result = subprocess.run([sys.executable, "-c", code, *arguments], capture_output=True, text=True)
    assert result.returncode == 1
    # The message names what is missing and how to install it, not another command.
    assert 'the anki package: pip install "deckbuilder[anki]"' in result.stderr
    assert "push needs" not in result.stderr
    assert "Traceback" not in result.stderr


def test_collection_from_the_settings_file(runner: CliRunner, seed_folder: Path, collection: Path) -> None:
    settings = seed_folder / "deckbuilder.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + f'\n[push]\ncollection = "{collection}"\n', encoding="utf-8"
    )
    result = runner.invoke(main, ["push", str(seed_folder)])
    assert result.exit_code == 0, result.output
    assert f"{collection}: 32 new" in result.stdout


def test_a_card_moved_to_another_file_of_its_deck_keeps_its_note_through_prunes(
    runner: CliRunner, seed_folder: Path, collection: Path
) -> None:
    assert push(runner, seed_folder, collection).exit_code == 0
    col = opened(collection)
    review_all(col)
    before, guids = review_state(col), set(notes_by_guid(col))
    col.close()
    # Split the deck file in two, the second half in a file of its own in the same Anki deck.
    source = seed_folder / "transformer-questions.md"
    text = source.read_text(encoding="utf-8")
    title = text.splitlines()[0].removeprefix("# ")
    cut = text.index("## 17. ")
    source.write_text(text[:cut], encoding="utf-8")
    write(seed_folder, "more-transformers.md", f"---\ndeck: {title}\n---\n{text[cut:]}")
    for _ in range(2):  # the second run once re-added the deleted notes, and deleted them again
        result = push(runner, seed_folder, collection, "--prune", "--yes")
        assert result.exit_code == 0, result.output
        assert "deleted" not in result.stdout
    col = opened(collection)
    assert set(notes_by_guid(col)) == guids
    assert review_state(col) == before  # every card's interval, due date and review log
    col.close()


def test_a_dry_run_leaves_an_older_collection_byte_for_byte(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    col = new_collection(tmp_path)
    col.close(downgrade=True)  # schema 11, as older Anki versions and AnkiDroid leave it
    path = tmp_path / "collection.anki2"
    before = path.read_bytes()
    result = push(runner, seed_folder, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would be 32 new" in result.stdout
    assert path.read_bytes() == before  # opening it with Anki would have upgraded it to schema 18
    assert not (tmp_path / "deckbuilder-backups").exists()
    real = push(runner, seed_folder, path)
    assert real.exit_code == 0, real.output
    [backup] = (tmp_path / "deckbuilder-backups").iterdir()
    assert backup.read_bytes() == before  # the exact bytes, from before Anki opened it


def test_a_database_that_is_not_a_collection_is_refused_untouched(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    import sqlite3

    other = tmp_path / "collection.anki2"
    with sqlite3.connect(other) as database:
        database.execute("create table invoices (number integer)")
    database.close()
    before = other.read_bytes()
    result = push(runner, seed_folder, other)
    assert result.exit_code == 1
    assert "not an Anki collection (it has no cards, col, notes, revlog table)" in result.stderr
    assert other.read_bytes() == before
    (tmp_path / "notes.txt").write_text("just text", encoding="utf-8")
    result = push(runner, seed_folder, tmp_path / "notes.txt")
    assert result.exit_code == 1 and "not an Anki collection (not an SQLite database" in result.stderr


def test_backups_of_one_collection_leave_another_collections_alone(
    runner: CliRunner, seed_folder: Path, collection: Path
) -> None:
    folder = collection.parent / "deckbuilder-backups"
    folder.mkdir()
    others = [folder / f"collection-1-20260101-00000{n}-000000000.anki2" for n in range(6)]
    for other in others:
        other.write_bytes(b"another profile's backup")
    source = seed_folder / "transformer-questions.md"
    for number in range(12):
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("**Answer:**\n", f"**Answer:**\nEdit {number}. ", 1), encoding="utf-8")
        assert push(runner, seed_folder, collection, "-q").exit_code == 0
    assert all(other.exists() for other in others)
    assert len([path for path in folder.iterdir() if path.name.startswith("collection-2")]) == 11


def test_a_backup_that_cannot_be_made_stops_the_push_before_any_change(
    runner: CliRunner, seed_folder: Path, collection: Path
) -> None:
    (collection.parent / "deckbuilder-backups").write_text("a file where the backups would go")
    before = collection.read_bytes()
    result = push(runner, seed_folder, collection)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "cannot back up the collection" in result.stderr and "nothing was changed" in result.stderr
    assert collection.read_bytes() == before and not (seed_folder / "deckbuilder.lock").exists()


def test_a_package_anki_refuses_leaves_the_collection_as_it_was(
    runner: CliRunner, seed_folder: Path, collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import deckbuilder.app.push

    real_stage = deckbuilder.app.push.stage_packages

    def damaged(files: dict[Path, bytes], folder: Path) -> list[Path]:
        return real_stage({name: data[: len(data) // 2] for name, data in files.items()}, folder)

    monkeypatch.setattr(deckbuilder.app.push, "stage_packages", damaged)  # as a disk error would cut it
    col = opened(collection)
    notes = col.note_count()
    col.close()
    result = push(runner, seed_folder, collection)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Anki could not take the decks" in result.stderr and "restored from" in result.stderr
    col = opened(collection)
    assert col.note_count() == notes
    col.close()
    assert not (seed_folder / "deckbuilder.lock").exists()


def test_a_lost_lock_does_not_make_push_add_a_second_note_for_each_card(
    runner: CliRunner, tmp_path: Path
) -> None:
    """An imported deck whose lock is gone: each card is found as the note it came from, so push
    adds nothing, keeps every review, and writes the lock with the notes' GUIDs."""
    from .anki_decks import collection_state, make_anki_deck

    collection = make_anki_deck(tmp_path)
    source = tmp_path / "source"
    imported = runner.invoke(main, ["import", "-c", str(collection), "-d", "Biology", "--into", str(source)])
    assert imported.exit_code == 0, imported.output
    lock = (source / "deckbuilder.lock").read_text(encoding="utf-8")
    (source / "deckbuilder.lock").unlink()
    before = collection_state(collection)
    (source / "biology.md").write_text(
        (source / "biology.md").read_text(encoding="utf-8") + "\n## What is new?\n\nThis card.\n",
        encoding="utf-8",
    )
    result = push(runner, source, collection)
    assert result.exit_code == 0, result.output
    assert "1 new, 0 updated" in result.stdout
    after = collection_state(collection)
    assert after[0].items() >= before[0].items()  # every card, its interval, due and reviews
    assert len(after[2]) == len(before[2]) + 1
    for guid, note in before[2].items():
        assert after[2][guid] == note
    restored = json.loads((source / "deckbuilder.lock").read_text(encoding="utf-8"))
    old = json.loads(lock)
    assert {e["guid"] for e in old["decks"]["biology.md"]} < {
        e["guid"] for e in restored["decks"]["biology.md"]
    }


def test_a_deck_from_another_profile_pushes_into_this_profiles_note_types(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A deck imported from one profile carries that profile's note type ids; pushed into another,
    whose "Basic" has another id, its notes go to that profile's "Basic", not to a copy "Basic+",
    and the profile's note type stays as it was."""
    from .anki_decks import add_note

    (tmp_path / "a").mkdir()
    first = new_collection(tmp_path / "a")
    add_note(first, "Basic", "Pets", [], Front="What barks?", Back="A dog.")
    first.close()
    source = tmp_path / "source"
    imported = runner.invoke(
        main, ["import", "-c", str(tmp_path / "a" / "collection.anki2"), "-d", "Pets", "--into", str(source)]
    )
    assert imported.exit_code == 0, imported.output
    (tmp_path / "b").mkdir()
    second = new_collection(tmp_path / "b")
    basic = dict(second.models.by_name("Basic"))
    second.close()
    pushed = runner.invoke(
        main, ["push", str(source), "--collection", str(tmp_path / "b" / "collection.anki2")]
    )
    assert pushed.exit_code == 0, pushed.output
    second = anki_collection.Collection(str(tmp_path / "b" / "collection.anki2"))
    try:
        assert "Basic+" not in {model["name"] for model in second.models.all()}
        (note,) = notes_by_guid(second).values()
        assert note.mid == basic["id"] and note.fields == ["What barks?", "A dog."]
        now = second.models.get(basic["id"])

        def shown(model: Any) -> Any:  # what the note type shows: its CSS, templates and fields
            return (
                model["css"],
                [(t["qfmt"], t["afmt"]) for t in model["tmpls"]],
                [f["name"] for f in model["flds"]],
            )

        assert shown(now) == shown(basic)
    finally:
        second.close()
