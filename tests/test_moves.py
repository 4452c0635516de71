"""Cards moved between files of one folder, and files renamed, keep their GUIDs: their notes in
Anki, with every review, survive ``push --prune`` and ``pull`` (real Anki)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main
from deckbuilder.identity.lockfile import lock_path, read_lock

from .anki_decks import edit_in_anki
from .anki_helpers import anki_collection, new_collection, review_all, review_state
from .conftest import write

pytestmark = pytest.mark.anki

FRONT = "---\ndeck: Numbers\n---\n\n# Numbers\n\n"
THREE = "## What is the number three exactly?\n\nThe successor of two.\n"
OTHERS = "## What is one?\n\nThe first.\n\n## What is two?\n\nThe second.\n"


@pytest.fixture
def pushed_twice(runner: CliRunner, tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    """a.md with a card reworded once and pushed twice (its GUID now comes from the lock), b.md
    beside it in the same deck; every card reviewed."""
    folder = tmp_path / "source"
    folder.mkdir()
    col = new_collection(tmp_path)
    col.close()
    collection = tmp_path / "collection.anki2"
    write(folder, "a.md", FRONT + "## What is the number three?\n\nThe successor of two.\n\n" + OTHERS)
    write(folder, "b.md", FRONT.replace("# Numbers", "# More numbers") + "## What is four?\n\nTwo twos.\n")
    _push(runner, folder, collection, epoch=1_700_000_000)
    write(folder, "a.md", FRONT + THREE + "\n" + OTHERS)
    _push(runner, folder, collection, epoch=1_700_000_100)
    col = anki_collection.Collection(str(collection))
    review_all(col)
    before = review_state(col)
    col.close()
    return folder, collection, before


def _push(runner: CliRunner, folder: Path, collection: Path, *options: str, epoch: int) -> Any:
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        result = runner.invoke(main, ["push", str(folder), "--collection", str(collection), *options])
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert result.exit_code == 0, result.output
    return result


def _guids(folder: Path) -> dict[str, list[str]]:
    lock = read_lock(lock_path(folder))
    return {
        name: sorted(entry.guid for entry in entries if entry.removed is None)
        for name, entries in lock.items()
    }


def test_push_prune_keeps_the_note_of_a_card_moved_to_another_file(
    runner: CliRunner, pushed_twice: tuple[Path, Path, dict[str, Any]]
) -> None:
    folder, collection, before = pushed_twice
    write(folder, "a.md", FRONT + OTHERS)
    write(
        folder,
        "b.md",
        FRONT.replace("# Numbers", "# More numbers") + "## What is four?\n\nTwo twos.\n\n" + THREE,
    )
    result = _push(runner, folder, collection, "--prune", "--yes", epoch=1_700_000_200)
    assert "0 new" in result.stdout and "deleted" not in result.stdout, result.stdout
    col = anki_collection.Collection(str(collection))
    try:
        assert review_state(col) == before  # every card, its interval and its reviews kept
    finally:
        col.close()


def test_a_renamed_file_keeps_its_cards_guids(
    runner: CliRunner, pushed_twice: tuple[Path, Path, dict[str, Any]]
) -> None:
    folder, collection, before = pushed_twice
    guids = _guids(folder)["a.md"]
    (folder / "a.md").rename(folder / "renamed.md")
    diff = runner.invoke(main, ["diff", str(folder)])
    assert diff.exit_code == 0, diff.output
    result = _push(runner, folder, collection, "--prune", "--yes", epoch=1_700_000_200)
    assert "0 new" in result.stdout and "deleted" not in result.stdout, result.stdout
    after = _guids(folder)
    assert after["renamed.md"] == guids and "a.md" not in after
    col = anki_collection.Collection(str(collection))
    try:
        assert review_state(col) == before
    finally:
        col.close()


def test_pull_follows_a_card_moved_to_another_file(
    runner: CliRunner, pushed_twice: tuple[Path, Path, dict[str, Any]]
) -> None:
    folder, collection, _ = pushed_twice
    write(folder, "a.md", FRONT + OTHERS)
    b_before = FRONT.replace("# Numbers", "# More numbers") + "## What is four?\n\nTwo twos.\n\n" + THREE
    write(folder, "b.md", b_before)
    edit_in_anki(collection, "number three", Answer="Two plus one.")
    result = runner.invoke(main, ["pull", str(folder), "--collection", str(collection)])
    assert result.exit_code == 0, result.output
    assert "pulled 1 card" in result.stdout
    assert (folder / "b.md").read_text(encoding="utf-8") == b_before.replace(
        "The successor of two.", "Two plus one."
    )
    # The next push gives Anki nothing newer: Anki's edit stays, and no note is new or deleted.
    pushed = _push(runner, folder, collection, "--prune", "--yes", epoch=1_700_000_200)
    assert "0 new, 0 updated" in pushed.stdout and "deleted" not in pushed.stdout, pushed.stdout
