"""The edit-rebuild loop: settings files, watch, progress, verbosity, interrupted and concurrent builds."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main
from deckbuilder.identity.lockfile import read_lock

from .conftest import write

PYTHON = [sys.executable, "-m", "deckbuilder"]


def big_deck(folder: Path, cards: int, salt: str = "") -> Path:
    body = "".join(
        f"## {i}. What does term {i} of topic {i % 37} mean{salt}?\n\n**Answer:** Term {i} means *something* "
        f"with `code {i}` and a few more words.\n\n**Detail:** Card {i} in detail.\n\n"
        for i in range(1, cards + 1)
    )
    return write(folder, "big.md", f"# Big\n\n{body}")


# Settings ---------------------------------------------------------------------------------------


def test_settings_file_gives_defaults_and_the_command_line_wins(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    write(folder, "d.md", "## Q?\n\nA.\n")
    write(
        folder,
        "deckbuilder.toml",
        '[build]\nformats = ["csv"]\noutput = "../built"\n\n[csv]\ndialect = "plain"\nbom = true\n\n'
        '[print]\npaper = "letter"\n\n[deck]\ntags = ["from-settings"]\n',
    )
    result = runner.invoke(main, ["build", str(folder)])
    assert result.exit_code == 0, result.output
    produced = (tmp_path / "built" / "d.csv").read_bytes()
    assert produced.startswith(b"\xef\xbb\xbfquestion,answer,tags") and b"from-settings" in produced
    assert not (tmp_path / "built" / "d.apkg").exists()
    result = runner.invoke(
        main, ["build", str(folder), "-f", "csv", "--csv-dialect", "anki", "-o", str(tmp_path / "o2")]
    )
    assert result.exit_code == 0
    assert (tmp_path / "o2" / "d.csv").read_bytes().startswith(b"\xef\xbb\xbf#separator:tab")


def test_pyproject_tool_table_is_read_when_there_is_no_deckbuilder_toml(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "source").mkdir()
    write(tmp_path / "source", "d.md", "## Q?\n\nA about attention.\n")
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.deckbuilder.build]\nformats = ["csv"]\n\n[tool.deckbuilder.tags.rules]\nattn = ["attention"]\n',
    )
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert "output/d.csv" in result.stdout and "attn" in (tmp_path / "output" / "d.csv").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("[build]\nformat = ['csv']\n", "unknown setting 'build.format'", 2),
        ("[biuld]\nformats = ['csv']\n", "unknown setting 'biuld'", 1),
        ("[print]\npaper = 'a5'\n", "'print.paper' must be one of a4, letter", 2),
        ("[build]\nformats = ['docx']\n", "'build.formats' must be a list of formats", 2),
        ("[print]\ncards_per_page = 7\n", "'print.cards_per_page' must be one of", 2),
    ],
)
def test_bad_settings_name_the_key_the_file_and_the_line(
    runner: CliRunner, tmp_path: Path, text: str, message: str, line: int
) -> None:
    write(tmp_path, "d.md", "## Q?\n\nA.\n")
    config = write(tmp_path, "deckbuilder.toml", text)
    result = runner.invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{config}:{line}: error: {message}" in result.stderr


# Verbosity and progress -------------------------------------------------------------------------


def test_quiet_and_verbose(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    quiet = runner.invoke(main, ["build", str(seed_folder), "-o", str(tmp_path), "-f", "csv", "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""
    deck = seed_folder / "transformer-questions.md"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace("cosine annealing", "cosine schedules"), encoding="utf-8"
    )
    verbose = runner.invoke(main, ["build", str(seed_folder), "-o", str(tmp_path), "-f", "csv", "-v"])
    assert "1 changed" in verbose.stdout
    assert f"changed   {deck}:3  Describe the concept of learning rate" in verbose.stdout
    check = runner.invoke(main, ["check", "-q", str(seed_folder)])
    assert check.exit_code == 0 and check.output == ""
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text[: text.index("## 2. ")] + text[text.index("## 3. ") :], encoding="utf-8")
    removed = runner.invoke(main, ["build", str(seed_folder), "-o", str(tmp_path), "-f", "csv", "-v"])
    # As written, not as the lock keeps it (lower case, no punctuation).
    assert "  Discuss the concept of transfer learning in the context of natural" in removed.stdout


def read_terminal(leader: int, wait: float) -> bytes:
    """What a program wrote to its terminal until it closed it, or wrote nothing for ``wait`` s."""
    seen = b""
    while select.select([leader], [], [], wait)[0]:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the program ended and its side of the terminal closed
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    big_deck(tmp_path, 2500)
    piped = subprocess.run([*PYTHON, "build", str(tmp_path), "-o", str(tmp_path / "a"), "-f", "csv"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert "rendering" not in piped.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen([*PYTHON, "build", str(tmp_path), "-o", str(tmp_path / "b"), "-f", "csv"],
                               stdout=subprocess.DEVNULL, stderr=follower)  # fmt: skip
    os.close(follower)
    seen = read_terminal(leader, 60)
    assert process.wait(timeout=60) == 0
    os.close(leader)
    assert b"rendering" in seen and b"100%" in seen


# Safety -----------------------------------------------------------------------------------------


def assert_complete(out: Path, source: Path) -> None:
    with zipfile.ZipFile(out / "big.apkg") as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) >= {"collection.anki2", "media"}
    assert (out / "big.csv").read_text(encoding="utf-8").startswith("#separator:tab")
    assert read_lock(source / "deckbuilder.lock")["big.md"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("kill", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_interrupted_build_leaves_previous_outputs_intact(tmp_path: Path, kill: signal.Signals) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    source.mkdir()
    big_deck(source, 3000)
    command = [*PYTHON, "build", str(source), "-o", str(out), "-f", "apkg", "-f", "csv"]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True)
    full = time.monotonic() - started
    before = {p.name: p.read_bytes() for p in [*out.iterdir(), source / "deckbuilder.lock"]}
    big_deck(source, 3000, salt=" really")  # every card changes
    for fraction in (0.3, 0.6, 0.9):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(full * fraction)
        process.send_signal(kill)
        _, stderr = process.communicate(timeout=60)
        after = {
            p.name: p.read_bytes()
            for p in [*out.iterdir(), source / "deckbuilder.lock"]
            if not p.name.endswith(".tmp")
        }
        if process.returncode == 0:  # finished before the signal: a complete new build
            assert after != before
            assert_complete(out, source)
            return
        assert after == before, f"outputs changed by a build interrupted at {fraction:.0%}"
        if kill == signal.SIGINT:
            assert process.returncode == 130 and b"interrupted; nothing was changed" in stderr
            assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    subprocess.run(command, check=True, capture_output=True)  # and the next build cleans up after a kill
    assert_complete(out, source)


# A command made for this test, run through the real ``deckbuilder`` entry point (cli.run).
INTERRUPTED_IN_A_FINALISER = """
import sys, time
from deckbuilder import cli

class Finaliser:
    def __del__(self):
        raise KeyboardInterrupt  # as if Ctrl-C landed while Python ran this finaliser

@cli.main.command()
def scene():
    Finaliser()
    for _ in range(100):
        time.sleep(0.05)
    print("finished as if never interrupted")

sys.argv = ["deckbuilder", "scene"]
cli.run()
"""


def test_ctrl_c_inside_a_finaliser_still_ends_the_command() -> None:
    process = subprocess.run([sys.executable, "-c", INTERRUPTED_IN_A_FINALISER],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert process.returncode == 130, (process.stdout, process.stderr)
    assert "interrupted; nothing was changed" in process.stderr
    assert "finished" not in process.stdout and "Exception ignored" not in process.stderr
    assert "Traceback" not in process.stderr


def test_two_builds_at_once(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    big_deck(source, 1500)
    commands = [[*PYTHON, "build", str(source), "-o", str(tmp_path / "out"), "-f", "apkg", "-f", "csv"]] * 2
    processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    summaries = sorted(out.decode() for out, _ in outputs)
    # One build made the cards; the other waited for it and found nothing left to change.
    assert "1500 new" in summaries[1] and "1500 unchanged" in summaries[0]
    assert_complete(tmp_path / "out", source)
    lock = read_lock(source / "deckbuilder.lock")["big.md"]
    assert len(lock) == 1500 and len({e.guid for e in lock}) == 1500


# Watch ------------------------------------------------------------------------------------------


class Lines:
    """Collects a process's output lines in the background so the test can wait for one."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:  # type: ignore[no-untyped-def]
        for line in iter(stream.readline, ""):
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, after: int = 0, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index + 1
            time.sleep(0.05)
        raise AssertionError(f"no line with {text!r} in {self.lines}")


@contextlib.contextmanager
def watching(source: Path, out: Path, debounce: int) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """``deckbuilder watch`` of ``source`` writing csv, with its output lines collected; stopped by
    Ctrl-C when the block ends (its exit code then in ``returncode``)."""
    process = subprocess.Popen(
        [*PYTHON, "watch", str(source), "-o", str(out), "-f", "csv", "--debounce", str(debounce)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )  # fmt: skip
    lines = Lines(process.stdout)
    try:
        yield process, lines
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
        lines.thread.join(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def test_watch_rebuilds_reports_errors_and_keeps_watching(tmp_path: Path) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    source.mkdir()
    deck = write(source, "d.md", "## 1. First?\n\nOne.\n")
    with watching(source, out, 100) as (process, lines):
        seen = lines.wait_for("1 cards (1 new")
        seen = lines.wait_for("watching", seen)
        write(source, "d.md", "## 1. First?\n\nOne.\n\n## 2. Second?\n\nTwo.\n")
        seen = lines.wait_for("2 cards (1 new, 0 changed, 1 unchanged)", seen)
        assert "Second?" in (out / "d.csv").read_text(encoding="utf-8")
        write(
            source,
            "d.md",
            "## 1. First?\n\nOne.\n\n## 2. Second? {#x}\n\nTwo.\n\n## 3. Third? {#x}\n\nThree.\n",
        )
        seen = lines.wait_for(f"{deck}:9: error: duplicate id 'x', also used at line 5", seen)
        seen = lines.wait_for("waiting for the next change", seen)
        assert "Second?" in (out / "d.csv").read_text(encoding="utf-8")  # the last good output stays
        write(source, "deckbuilder.toml", '[deck]\ntags = ["watched"]\n')
        write(source, "d.md", "## 1. First?\n\nOne.\n\n## 2. Second?\n\nTwo again.\n")
        seen = lines.wait_for("2 cards (0 new, 2 changed", seen)
        assert "watched" in (out / "d.csv").read_text(encoding="utf-8")
        assert process.poll() is None
    assert process.returncode == 0
    lines.wait_for("stopped watching")
    assert not any("Traceback" in line for line in lines.lines)


def test_version_is_reported(runner: CliRunner) -> None:
    from deckbuilder import __version__

    result = runner.invoke(main, ["--version"])
    assert result.stdout.strip() == f"deckbuilder, version {__version__}"


def test_help_describes_every_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    for command in ("build", "check", "diff", "list", "watch"):
        assert command in result.stdout
    for command in ("build", "check", "diff", "list", "watch"):
        help_text = runner.invoke(main, [command, "--help"]).stdout
        assert "--quiet" in help_text and "--verbose" in help_text


def test_json_of_check_is_machine_readable(runner: CliRunner, seed_folder: Path) -> None:
    data = json.loads(runner.invoke(main, ["check", "--json", str(seed_folder)]).stdout)
    assert data == {"problems": [], "cards": 32}


def test_ctrl_c_ends_watch_with_our_own_words_only(seed_folder: Path, tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*PYTHON, "watch", str(seed_folder), "-o", str(tmp_path / "out"), "-f", "csv"],
        stdin=follower, stdout=follower, stderr=follower, start_new_session=True,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while b"Ctrl-C to stop" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            seen += os.read(leader, 4096)
    time.sleep(0.5)  # into the wait for changes
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's whole process group
    assert process.wait(timeout=30) in (0, 130)
    seen += read_terminal(leader, 0.5)
    os.close(leader)
    text = seen.decode("utf-8", errors="replace")
    assert "stopped watching" in text or "interrupted" in text
    assert "KeyboardInterrupt" not in text and "Traceback" not in text  # no library's own log line


def test_watch_builds_only_the_deck_saved_and_every_deck_when_settings_change(tmp_path: Path) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    source.mkdir()
    write(source, "a.md", "## 1. First?\n\nOne.\n")
    write(source, "b.md", "## 1. Other?\n\nTwo.\n")
    with watching(source, out, 50) as (_, lines):
        seen = lines.wait_for("built every deck (a.md, b.md) in")
        seen = lines.wait_for("watching", seen)
        untouched = (out / "b.csv").stat().st_mtime_ns
        write(source, "a.md", "## 1. First?\n\nOne, edited.\n")
        seen = lines.wait_for("built the deck saved (a.md) in", seen)
        assert "edited" in (out / "a.csv").read_text(encoding="utf-8")
        assert (out / "b.csv").stat().st_mtime_ns == untouched
        assert not any("b.md:" in line for line in lines.lines[seen - 3 : seen])
        write(source, "deckbuilder.toml", '[deck]\ntags = ["watched"]\n')
        seen = lines.wait_for("built every deck (a.md, b.md) in", seen)
        assert "watched" in (out / "b.csv").read_text(encoding="utf-8")
        write(source, "c.md", "## 1. New deck?\n\nThree.\n")  # a new deck file: built alone
        seen = lines.wait_for("built the deck saved (c.md) in", seen)
        assert "New deck?" in (out / "c.csv").read_text(encoding="utf-8")
    assert not any("Traceback" in line for line in lines.lines)


def test_a_change_to_anything_but_existing_deck_files_builds_every_deck(tmp_path: Path) -> None:
    from deckbuilder.app.watch import changed_decks

    decks = [write(tmp_path, "a.md", "## Q?\n\nA.\n"), write(tmp_path, "b.md", "## R?\n\nB.\n")]
    image = write(tmp_path, "cell.png", "x")
    assert changed_decks({(2, str(decks[1]))}, decks) == [decks[1]]
    assert changed_decks({(2, str(decks[0])), (2, str(decks[1]))}, decks) == decks
    assert changed_decks({(2, str(decks[0])), (2, str(image))}, decks) is None  # an image
    assert changed_decks({(3, str(tmp_path / "gone.md"))}, decks) is None  # a deck file gone
    assert changed_decks({(2, str(tmp_path / "deckbuilder.toml"))}, decks) is None
    assert changed_decks(set(), decks) is None
