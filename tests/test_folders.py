"""Decks that follow folders (``[deck] from_folders = true``): a file's deck is its folders below the
settings' folder joined with ``::``, then its own name; settings govern the folders below them;
the files share one lock there, so a file moved between folders keeps its cards' GUIDs."""

from __future__ import annotations

import json
from pathlib import Path

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
