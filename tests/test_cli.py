"""The check and list commands, their output and exit codes, and every bad input a user can give."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main

from .conftest import write


def test_check_clean_seed(runner: CliRunner, seed_folder: Path) -> None:
    result = runner.invoke(main, ["check", str(seed_folder)])
    assert result.exit_code == 0
    assert "32 cards in 1 deck: 0 errors, 0 warnings" in result.stderr


def test_check_reports_every_problem_with_its_line(runner: CliRunner, tmp_path: Path) -> None:
    deck = write(
        tmp_path,
        "deck.md",
        "# T\n\n## 1. A?\n\nOne.\n\n## 3. B?\n\n![x](missing.png)\n\n## 3. C?\n\n## 4. a\n\nFour.\n\n## 5. A? {#a}\n\nFive.\n\n"
        "## 6. Again? {#a}\n\nSix.\n",
    )
    result = runner.invoke(main, ["check", str(deck)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    shown = str(deck)
    assert any(line.startswith(f"{shown}:11: warning: question 'C?' has no answer") for line in lines)
    assert any(
        line.startswith(f"{shown}:21: error: duplicate id 'a', also used at line 17") for line in lines
    )
    assert any(
        line.startswith(
            f"{shown}:7: warning: numbering jumps from 1 to 3 (is 2 in the answer to line 3, 'A?'?)"
        )
        for line in lines
    )
    assert any(line.startswith(f"{shown}:7: error: image 'missing.png' not found") for line in lines)
    assert "error" in result.stderr


def test_check_reports_images_outside_the_folder_and_repeated_numbers(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "outside.png").write_bytes(b"png")
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "ok.png").write_bytes(b"png")
    write(
        folder,
        "d.md",
        "## 1. A?\n\n![a](../outside.png)\n\n## 1. B?\n\n![b](ok.png) ![c](https://e.org/c.png)\n",
    )
    result = runner.invoke(main, ["check", str(folder), "--json"])
    problems = json.loads(result.stdout)["problems"]
    assert [(p["line"], p["severity"]) for p in problems] == [(1, "error"), (5, "warning")]
    assert "outside the source folder" in problems[0]["message"]


def test_list_table(runner: CliRunner, seed_folder: Path) -> None:
    result = runner.invoke(main, ["list", str(seed_folder)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Questions on Transformer and Its Extended Architecture")
    assert lines[1].split() == ["#", "guid", "tags", "question"]
    assert len(lines) == 34


def test_list_and_check_never_write_the_lock(runner: CliRunner, seed_folder: Path) -> None:
    runner.invoke(main, ["list", str(seed_folder)])
    runner.invoke(main, ["check", str(seed_folder)])
    assert sorted(p.name for p in seed_folder.iterdir()) == ["deckbuilder.toml", "transformer-questions.md"]


def test_a_directory_is_not_read_recursively_unless_asked(runner: CliRunner, tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub, "d.md", "## Q?\n\nA.\n")
    result = runner.invoke(main, ["list", str(tmp_path)])
    assert result.exit_code == 1
    assert "no markdown (*.md) files" in result.stderr and "--recursive" in result.stderr
    result = runner.invoke(main, ["list", "--recursive", "--json", str(tmp_path)])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["decks"]) == 1


BAD_INPUTS = {
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    "not-utf8": ("## Caf\u00e9?\n\nOui.\n".encode("latin-1"), "not UTF-8"),
    "empty": (b"  \n\n", "the file is empty"),
    "no-cards": (b"# Only a title\n\nprose\n", "no cards found"),
    "heading-without-answer": (b"## Lonely?\n", "1 question(s) without an answer"),
    "unclosed-fence": (b"## Q?\n\n```\ncode\n\n## Hidden?\n\nA.\n", "code fence never closes"),
}


@pytest.mark.parametrize(("content", "message"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
@pytest.mark.parametrize("command", ["check", "list"])
def test_bad_input_gets_one_clear_line(
    runner: CliRunner, tmp_path: Path, command: str, content: bytes, message: str
) -> None:
    path = tmp_path / "deck.md"
    path.write_bytes(content)
    result = runner.invoke(main, [command, str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert message in result.output
    assert f"{path}:" in result.output


def test_missing_path_and_missing_default_folder(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["list", str(tmp_path / "nope.md")])
    assert result.exit_code == 1 and "no such file or folder" in result.stderr
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 1 and "no source/ folder here" in result.stderr


def test_bad_config_names_the_key_and_the_file(runner: CliRunner, seed_folder: Path) -> None:
    config = seed_folder / "deckbuilder.toml"
    config.write_text("[tags.rulez]\nx = ['y']\n", encoding="utf-8")
    result = runner.invoke(main, ["check", str(seed_folder)])
    assert result.exit_code == 1
    assert f"{config}:1: error: unknown setting 'tags.rulez'" in result.stderr
    config.write_text("[tags.rules\n", encoding="utf-8")
    result = runner.invoke(main, ["check", str(seed_folder)])
    assert result.exit_code == 1 and "invalid TOML" in result.stderr


def test_unreadable_config(runner: CliRunner, seed_folder: Path) -> None:
    config = seed_folder / "deckbuilder.toml"
    config.write_bytes(b"\xff\xfe")
    result = runner.invoke(main, ["check", str(seed_folder)])
    assert result.exit_code == 1 and "cannot read the config file" in result.stderr


def test_damaged_lock_file(runner: CliRunner, seed_folder: Path) -> None:
    (seed_folder / "deckbuilder.lock").write_text('{"version": 1,\n  "decks": {', encoding="utf-8")
    result = runner.invoke(main, ["list", str(seed_folder)])
    assert result.exit_code == 1
    assert "deckbuilder.lock:" in result.stderr and "not valid JSON" in result.stderr


def test_version_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deckbuilder", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("deckbuilder, version ")


def test_the_command_exits_with_main_s_code_and_all_its_output(tmp_path: Path, seed_folder: Path) -> None:
    """``python -m deckbuilder`` ends the process itself after main: codes and output must survive."""
    command = [sys.executable, "-m", "deckbuilder"]
    (tmp_path / "bad.md").write_text("## Q?\n", encoding="utf-8")
    failed = subprocess.run([*command, "check", str(tmp_path / "bad.md")], capture_output=True, text=True)
    assert failed.returncode == 1 and "bad.md:1: error:" in failed.stdout and "1 error" in failed.stderr
    listed = subprocess.run([*command, "list", "--json", str(seed_folder)], capture_output=True, text=True)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)["decks"][0]["cards"]) == 32  # all of it
    usage = subprocess.run([*command, "build", "--format", "nope"], capture_output=True, text=True)
    assert usage.returncode == 2 and "nope" in usage.stderr
    into_a_closed_pipe = subprocess.run(
        f"{sys.executable} -m deckbuilder list --json {seed_folder} | head -c 10",
        shell=True,
        capture_output=True,
    )
    assert into_a_closed_pipe.returncode == 0 and b"Traceback" not in into_a_closed_pipe.stderr


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("check", "list"):
        assert command in result.stdout
