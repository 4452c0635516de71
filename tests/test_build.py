"""Builds are all-or-nothing: failures and interruptions leave outputs and the lock file as they were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import deckbuilder.app.output
from deckbuilder.cli import main
from deckbuilder.render import apkg


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def built(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(seed_folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "32 cards (32 new, 0 changed, 0 unchanged)" in result.stdout
    assert str(out / "transformer-questions.apkg") in result.stdout
    return out


def test_second_build_reports_no_changes_and_keeps_the_lock(
    runner: CliRunner, seed_folder: Path, built: Path
) -> None:
    before = snapshot(seed_folder)
    result = runner.invoke(main, ["build", str(seed_folder), "-o", str(built)])
    assert "32 cards (0 new, 0 changed, 32 unchanged)" in result.stdout
    assert snapshot(seed_folder) == before


def test_bad_input_changes_nothing(runner: CliRunner, seed_folder: Path, built: Path) -> None:
    before = snapshot(seed_folder, built)
    deck = seed_folder / "transformer-questions.md"
    deck.write_text(
        deck.read_text(encoding="utf-8") + "\n## 99. Open?\n\n```\nnever closed\n\n## 100. Hidden?\n\nYes.\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["build", str(seed_folder), "-o", str(built)])
    assert result.exit_code == 1
    assert "code fence never closes" in result.stderr
    after = snapshot(seed_folder, built)
    del after[str(deck)], before[str(deck)]
    assert after == before


def test_interrupted_render_changes_nothing(
    runner: CliRunner, seed_folder: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(seed_folder, built)
    deck = seed_folder / "transformer-questions.md"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace("Learning rate scheduling adjusts", "LR scheduling adjusts"),
        encoding="utf-8",
    )

    def interrupted(*args: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(apkg, "render", interrupted)
    result = runner.invoke(main, ["build", str(seed_folder), "-o", str(built)])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    after = snapshot(seed_folder, built)
    del after[str(deck)], before[str(deck)]
    assert after == before


def test_failure_while_moving_files_into_place_leaves_no_temporary_files(
    runner: CliRunner, seed_folder: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    calls = []

    def failing_replace(source: str, target: str) -> None:
        calls.append(target)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(deckbuilder.app.output.os, "replace", failing_replace)
    before = snapshot(seed_folder, built)
    result = runner.invoke(main, ["build", str(seed_folder), "-o", str(built)])
    monkeypatch.setattr(deckbuilder.app.output.os, "replace", real_replace)
    assert result.exit_code == 1 and calls
    assert "No space left on device" in result.stderr and "Traceback" not in result.output
    assert snapshot(seed_folder, built) == before
    assert not [p for p in [*built.iterdir(), *seed_folder.iterdir()] if p.name.endswith(".tmp")]


def test_output_folder_is_created_and_unwritable_one_is_a_clear_error(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    nested = tmp_path / "a" / "b"
    assert runner.invoke(main, ["build", str(seed_folder), "-o", str(nested)]).exit_code == 0
    assert (nested / "transformer-questions.apkg").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(main, ["build", str(seed_folder), "-o", str(blocker / "out")])
    assert result.exit_code == 1
    assert "cannot create the output folder" in result.stderr
    assert "Traceback" not in result.output


def test_with_no_formats_chosen_a_build_writes_apkg_csv_and_html_but_no_pdf(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    import importlib.util

    assert importlib.util.find_spec("playwright") is not None  # the pdf format could be written
    result = runner.invoke(main, ["build", str(seed_folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(path.suffix for path in (tmp_path / "out").iterdir()) == [".apkg", ".csv", ".html"]
