"""Decks that follow folders (``[deck] from_folders = true``): a file's deck is its folders below the
settings' folder joined with ``::``, then its own name; settings govern the folders below them;
the files share one lock there, so a file moved between folders keeps its cards' GUIDs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main

from .conftest import write


def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / "biology").mkdir(parents=True)
    (root / ".git").mkdir()
    write(root, "deckbuilder.toml", '[deck]\nfrom_folders = true\ntags = ["school"]\n')
    write(root / "biology", "cells.md", "# Cells\n\n## What is a cell?\n\nThe unit of life.\n")
    write(
        root / "biology",
        "genetics.md",
        "---\ndeck: ::Genetics\n---\n# Genes\n\n## What is DNA?\n\nThe code.\n",
    )
    write(root, "chemistry.md", "# Chemistry\n\n## What is H2O?\n\nWater.\n")
    write(root, "fixed.md", "---\ndeck: Exams::Final\n---\n# Final\n\n## What is pi?\n\nAbout 3.14.\n")
    return root


def decks(runner: CliRunner, root: Path) -> dict[str, tuple[str, list[str], list[str]]]:
    result = runner.invoke(main, ["list", "--json", "-r", str(root)])
    assert result.exit_code == 0, result.output
    return {
        Path(deck["source"]).relative_to(root).as_posix(): (
            deck["anki_deck"],
            [card["guid"] for card in deck["cards"]],
            sorted({tag for card in deck["cards"] for tag in card["tags"]}),
        )
        for deck in json.loads(result.stdout)["decks"]
    }


def test_decks_follow_folders_and_a_deck_key_is_relative_to_them_or_absolute(
    runner: CliRunner, tmp_path: Path
) -> None:
    found = decks(runner, vault(tmp_path))
    assert {name: deck for name, (deck, _, _) in found.items()} == {
        "biology/cells.md": "biology::Cells",
        "biology/genetics.md": "biology::Genetics",
        "chemistry.md": "Chemistry",
        "fixed.md": "Exams::Final",
    }
    assert all(tags == ["school"] for _, _, tags in found.values())  # the root's settings govern below


def test_without_from_folders_a_deck_is_its_title_wherever_the_file_is(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = vault(tmp_path)
    write(root, "deckbuilder.toml", '[deck]\ntags = ["school"]\n')
    found = decks(runner, root)
    assert found["biology/cells.md"][0] == "Cells" and found["biology/genetics.md"][0] == "Genetics"
    assert found["biology/cells.md"][2] == ["school"]


def test_settings_above_the_top_of_the_repository_do_not_govern_it(runner: CliRunner, tmp_path: Path) -> None:
    root = vault(tmp_path)
    (root / "deckbuilder.toml").rename(tmp_path / "deckbuilder.toml")
    found = decks(runner, root)
    assert found["biology/cells.md"] == (found["biology/cells.md"][0], found["biology/cells.md"][1], [])
    assert found["biology/cells.md"][0] == "Cells"


def test_a_file_moved_to_another_folder_keeps_its_cards_guids_and_changes_deck(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = vault(tmp_path)
    built = runner.invoke(main, ["build", "-r", str(root), "-o", str(tmp_path / "out"), "-f", "csv"])
    assert built.exit_code == 0, built.output
    before = decks(runner, root)
    lock = json.loads((root / "deckbuilder.lock").read_text(encoding="utf-8"))
    assert sorted(lock["decks"]) == ["biology/cells.md", "biology/genetics.md", "chemistry.md", "fixed.md"]
    (root / "zoology").mkdir()
    (root / "biology" / "cells.md").rename(root / "zoology" / "cells.md")
    after = decks(runner, root)
    assert after["zoology/cells.md"][0] == "zoology::Cells"
    assert after["zoology/cells.md"][1] == before["biology/cells.md"][1]
    rebuilt = runner.invoke(main, ["build", "-r", str(root), "-o", str(tmp_path / "out"), "-f", "csv"])
    assert rebuilt.exit_code == 0, rebuilt.output
    lock = json.loads((root / "deckbuilder.lock").read_text(encoding="utf-8"))
    assert "zoology/cells.md" in lock["decks"] and not (root / "zoology" / "deckbuilder.lock").exists()


def test_check_verbose_names_each_files_deck(runner: CliRunner, tmp_path: Path) -> None:
    root = vault(tmp_path)
    result = runner.invoke(main, ["check", "-v", "-r", str(root)])
    assert result.exit_code == 0, result.output
    assert (
        f"{root / 'biology' / 'genetics.md'}: 1 cards (1 heading) in deck 'biology::Genetics'"
        in result.stderr
    )


def three_files(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    (root / "biology").mkdir(parents=True)
    write(root, "deckbuilder.toml", '[deck]\nfrom_folders = true\n\n[build]\npackage = "school"\n')
    write(
        root / "biology",
        "cells.md",
        "# Cells\n\n## What is a cell?\n\nThe unit of life.\n\n## What is a membrane?\n\nA wall.\n",
    )
    write(root / "biology", "genetics.md", "# Genetics\n\n## What is DNA?\n\nThe code.\n")
    write(root, "chemistry.md", "# Chemistry\n\n## What is H2O?\n\nWater.\n")
    return root


def decks_of_notes(col: Any) -> dict[str, str]:
    """Each note's first field and the deck of its card."""
    found = {}
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        found[card.note().fields[0]] = col.decks.name(card.did)
    return found


EXPECTED_DECKS = {
    "What is a cell?": "biology::Cells",
    "What is a membrane?": "biology::Cells",
    "What is DNA?": "biology::Genetics",
    "What is H2O?": "Chemistry",
}


def _build(runner: CliRunner, root: Path, out: Path, *more: str, epoch: int) -> None:
    result = runner.invoke(
        main, ["build", "-r", str(root), "-o", str(out), "-f", "apkg", "-f", "csv", *more],
        env={"SOURCE_DATE_EPOCH": str(epoch)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.anki
def test_one_package_of_folders_imports_in_one_go_and_an_edit_updates_one_note(
    runner: CliRunner, tmp_path: Path
) -> None:
    from .anki_helpers import import_apkg, new_collection, review_all, review_state

    root = three_files(tmp_path)
    out = tmp_path / "out"
    _build(runner, root, out, epoch=1_700_000_000)  # the package name comes from the settings
    assert sorted(path.name for path in out.iterdir()) == ["school.apkg", "school.csv"]
    col = new_collection(tmp_path)
    try:
        log = import_apkg(col, out / "school.apkg")
        assert len(log.new) == 4 and not log.updated
        assert decks_of_notes(col) == EXPECTED_DECKS
        review_all(col)
        before = review_state(col)
        write(root / "biology", "genetics.md", "# Genetics\n\n## What is DNA?\n\nThe code of life.\n")
        _build(runner, root, out, epoch=1_700_000_100)
        log = import_apkg(col, out / "school.apkg")
        assert [entry.fields[:2] for entry in log.updated] == [["What is DNA?", "The code of life."]]
        assert len(log.duplicate) == 3 and not log.new  # the other notes: unchanged, skipped
        assert review_state(col) == before  # every review kept
        assert decks_of_notes(col) == EXPECTED_DECKS
    finally:
        col.close()


@pytest.mark.anki
def test_the_packaged_csv_imports_each_row_into_its_deck(runner: CliRunner, tmp_path: Path) -> None:
    from .anki_helpers import import_csv, new_collection

    root = three_files(tmp_path)
    _build(runner, root, tmp_path / "out", "--package", "all", epoch=1_700_000_000)
    col = new_collection(tmp_path)
    try:
        log, _ = import_csv(col, tmp_path / "out" / "all.csv")
        assert len(log.new) == 4
        assert decks_of_notes(col) == EXPECTED_DECKS
    finally:
        col.close()


def _push(runner: CliRunner, root: Path, collection: Path) -> str:
    result = runner.invoke(main, ["push", "-r", str(root), "--collection", str(collection)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.anki
def test_push_puts_the_cards_in_the_same_decks_as_the_package(runner: CliRunner, tmp_path: Path) -> None:
    from .anki_helpers import anki_collection, new_collection

    root = three_files(tmp_path)
    new_collection(tmp_path).close()
    collection = tmp_path / "collection.anki2"
    _push(runner, root, collection)
    col = anki_collection.Collection(str(collection))
    try:
        assert decks_of_notes(col) == EXPECTED_DECKS
    finally:
        col.close()


def obsidian_vault(tmp_path: Path, plugin_settings: dict[str, Any] | None) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    if plugin_settings is not None:
        plugin = root / ".obsidian" / "plugins" / "obsidian-spaced-repetition"
        plugin.mkdir(parents=True)
        (plugin / "data.json").write_text(
            json.dumps({"settings": plugin_settings, "buryDate": ""}), encoding="utf-8"
        )
    (root / "biology").mkdir()
    return root


def parsed_cards(folder: Path, name: str) -> tuple[str, list[tuple[str, str, bool]]]:
    from deckbuilder import read
    from deckbuilder.app.settings import folder_settings

    deck = read.parse_file(folder / name, folder_settings(folder)).deck
    return deck.anki_deck, [(card.question, card.answer, card.reverse) for card in deck.cards]


def test_a_vaults_spaced_repetition_settings_name_its_separators_tags_and_clozes(tmp_path: Path) -> None:
    root = obsidian_vault(tmp_path, {
        "flashcardTags": ["#cards"], "singleLineCardSeparator": ">>", "singleLineReversedCardSeparator": "<>",
        "multilineCardSeparator": "%%", "multilineReversedCardSeparator": "%%%",
        "convertHighlightsToClozes": False, "convertBoldTextToClozes": True, "convertCurlyBracketsToClozes": True,
    })  # fmt: skip
    write(root / "biology", "cells.md", (
        "#cards/biology/cells\n\nMitochondria >> powerhouse\nATP <> energy currency\n\n"
        "What is a ribosome?\n%%\nA protein factory.\n\nWhat is a lysosome?\n%%%\nA waste bin.\n"
    ))  # fmt: skip
    deck, cards = parsed_cards(root / "biology", "cells.md")
    assert deck == "biology::cells"
    assert cards == [
        ("Mitochondria", "powerhouse", False),
        ("ATP", "energy currency", True),
        ("What is a ribosome?", "A protein factory.", False),
        ("What is a lysosome?", "A waste bin.", True),
    ]
    write(root / "biology", "marks.md", "#cards\n\nThe **nucleus** holds {{DNA}}, not ==RNA==.\n")
    assert parsed_cards(root / "biology", "marks.md")[1] == [
        ("The {{c1::nucleus}} holds {{c2::DNA}}, not ==RNA==.", "", False)
    ]
    write(root / "biology", "plain.md", "#flashcards\n\nThe ==nucleus== holds DNA.\n\nA :: B\n")
    assert parsed_cards(root / "biology", "plain.md")[1] == []  # not the vault's tag: no flashcards file


def test_a_nested_flashcards_tag_names_the_deck_unless_the_file_does(tmp_path: Path) -> None:
    root = obsidian_vault(tmp_path, None)  # no plugin file: the plugin's defaults
    write(
        root / "biology",
        "cells.md",
        "#flashcards/biology/cells\n\nCell :: unit of life\n\nThe ==nucleus== holds DNA.\n",
    )
    deck, cards = parsed_cards(root / "biology", "cells.md")
    assert deck == "biology::cells"
    assert cards == [("Cell", "unit of life", False), ("The {{c1::nucleus}} holds DNA.", "", False)]
    write(root / "biology", "named.md", "---\ndeck: Bio\n---\n#flashcards/biology/cells\n\nCell :: unit\n")
    assert parsed_cards(root / "biology", "named.md")[0] == "Bio"


def test_a_broken_plugin_settings_file_is_an_error_naming_it(runner: CliRunner, tmp_path: Path) -> None:
    root = obsidian_vault(tmp_path, {})
    data = root / ".obsidian" / "plugins" / "obsidian-spaced-repetition" / "data.json"
    data.write_text("{not json", encoding="utf-8")
    write(root / "biology", "cells.md", "#flashcards\n\nCell :: unit of life\n")
    result = runner.invoke(main, ["check", str(root / "biology")])
    assert (
        result.exit_code == 1
        and f"{data}:1: error: cannot read the Spaced Repetition plugin's settings" in (result.output)
    )


@pytest.mark.anki
def test_a_file_moved_between_folders_is_said_by_diff_and_push_moves_its_cards(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Anki's import leaves a card it has in its deck; diff says the deck changes, and push moves
    the cards there, every review kept."""
    from .anki_helpers import anki_collection, new_collection, review_all, review_state

    root = three_files(tmp_path)
    new_collection(tmp_path).close()
    collection = tmp_path / "collection.anki2"
    _push(runner, root, collection)
    col = anki_collection.Collection(str(collection))
    review_all(col)
    before = review_state(col)
    col.close()
    (root / "zoology").mkdir()
    (root / "biology" / "cells.md").rename(root / "zoology" / "cells.md")
    diff = runner.invoke(main, ["diff", "-r", str(root)])
    assert diff.exit_code == 1
    assert "deck 'biology::Cells' -> 'zoology::Cells'" in diff.output and "Change Deck" in diff.output
    second = _push(runner, root, collection)
    assert "0 new" in second and "2 moved to another deck" in second
    col = anki_collection.Collection(str(collection))
    try:
        moved = {
            **EXPECTED_DECKS,
            "What is a cell?": "zoology::Cells",
            "What is a membrane?": "zoology::Cells",
        }
        assert decks_of_notes(col) == moved
        assert review_state(col) == before
    finally:
        col.close()
    assert runner.invoke(main, ["diff", "-r", str(root)]).exit_code == 0
