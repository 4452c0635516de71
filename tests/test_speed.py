"""Speed work must not change results: parallel and cached builds equal a single-process cold build.
Also: the commands that need no renderer import none of the heavy libraries."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import deckbuilder._version
import deckbuilder.app.load
import deckbuilder.html.markup
import deckbuilder.incremental.fragments
import deckbuilder.read.cards
import deckbuilder.read.pieces
import deckbuilder.render.printplan
from deckbuilder.cli import main

from .conftest import REPO

GENERATOR = REPO / "benchmarks" / "generate.py"


def synthetic(folder: Path, cards: int) -> Path:
    sys.path.insert(0, str(GENERATOR.parent))
    try:
        from generate import deck
    finally:
        sys.path.remove(str(GENERATOR.parent))
    folder.mkdir(parents=True)
    (folder / "deck.md").write_text(deck(cards), encoding="utf-8")
    return folder


def build(runner: CliRunner, source: Path, out: Path, env: dict[str, str]) -> dict[str, bytes]:
    flags = ["-f", "apkg", "-f", "csv", "-f", "html"]
    result = runner.invoke(
        main,
        ["build", str(source), "-o", str(out), *flags, "-q"],
        env={"SOURCE_DATE_EPOCH": "1700000000", **env},
    )
    assert result.exit_code == 0, result.output
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def test_parallel_and_cached_builds_equal_a_serial_cold_build(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = build(runner, synthetic(tmp_path / "a", 300), tmp_path / "a-out", {"DECKBUILDER_WORKERS": "1"})
    deckbuilder.html.markup._FRAGMENTS.clear()
    monkeypatch.setattr(deckbuilder.incremental.fragments, "PARALLEL_MINIMUM", 1)
    monkeypatch.setattr(deckbuilder.read.cards, "PARALLEL_MINIMUM_DRAFTS", 1)
    monkeypatch.setattr(deckbuilder.read.cards, "DRAFTS_PER_TASK", 7)
    monkeypatch.setattr(deckbuilder.read.pieces, "PARALLEL_MINIMUM_CHUNKS", 1)
    monkeypatch.setattr(deckbuilder.render.printplan, "PARALLEL_MINIMUM_FACES", 1)
    monkeypatch.setattr(deckbuilder.render.printplan, "FACES_PER_TASK", 7)
    source = synthetic(tmp_path / "b", 300)
    parallel = build(runner, source, tmp_path / "b-out", {"DECKBUILDER_WORKERS": "2"})
    assert parallel == serial
    assert deckbuilder.incremental.fragments.fragment_files([source]) == [
        source / ".deckbuilder-cache" / "fragments-deck.md.bin"
    ]
    deckbuilder.html.markup._FRAGMENTS.clear()  # as a new process would start: only the disk cache is warm
    (source / "deckbuilder.lock").unlink()
    cached = build(runner, source, tmp_path / "c-out", {"DECKBUILDER_WORKERS": "2"})
    assert cached == serial


def calls_through(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str
) -> list[tuple[tuple[Any, ...], Any]]:
    """The calls of ``owner.name`` from now on, each as (arguments, result); the function still runs."""
    calls: list[tuple[tuple[Any, ...], Any]] = []
    function = getattr(owner, name)

    def recorded(*arguments: Any) -> Any:
        result = function(*arguments)
        calls.append((arguments, result))
        return result

    monkeypatch.setattr(owner, name, recorded)
    return calls


def read_only_outputs(runner: CliRunner, source: Path) -> list[str]:
    outputs = []
    for command in (["check", "--json"], ["list", "--json"], ["diff", "--json"]):
        result = runner.invoke(main, [*command, str(source)], env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert result.exit_code in (0, 1), result.output
        outputs.append(result.stdout)
    return outputs


def test_read_only_commands_read_the_caches_on_all_cores_and_write_nothing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = synthetic(tmp_path / "deck", 300)
    (source / "deck.md").write_text(
        (source / "deck.md").read_text(encoding="utf-8") + "## Too long?\n\n" + "Many words here. " * 400,
        encoding="utf-8",
    )
    uncached = read_only_outputs(runner, source)  # one process, nothing cached
    assert not (source / ".deckbuilder-cache").exists()
    assert "is too long for a card" in uncached[0]  # the print check ran
    build(runner, source, tmp_path / "out", {})
    cache_dir = source / ".deckbuilder-cache"
    before = {path.name: path.read_bytes() for path in cache_dir.iterdir()}
    deckbuilder.html.markup._FRAGMENTS.clear()  # as a new process would start: only the disk cache is warm
    for name, minimum in (("PARALLEL_MINIMUM_FACES", 1), ("FACES_PER_TASK", 11)):
        monkeypatch.setattr(deckbuilder.render.printplan, name, minimum)
    monkeypatch.setattr(deckbuilder.read.pieces, "PARALLEL_MINIMUM_CHUNKS", 1)
    monkeypatch.setenv("DECKBUILDER_WORKERS", "2")
    renders = calls_through(monkeypatch, deckbuilder.incremental.fragments, "_render")
    parse_caches = calls_through(monkeypatch, deckbuilder.app.load, "_parse_cache")
    plans = calls_through(monkeypatch, deckbuilder.render.printplan, "_sizes_on_cores")
    cached = read_only_outputs(runner, source)
    assert [len(faces) for (faces, _), _ in plans] == [0]  # check found every print plan in the cache
    assert [len(keys) for (keys, _), _ in renders] == [0, 0]  # check and list found every fragment
    assert [len(found.cards) for _, found in parse_caches] == [301, 301, 301]  # and every card
    assert {path.name: path.read_bytes() for path in cache_dir.iterdir()} == before
    # The same answers, but for diff, which now compares with the lock the build wrote.
    assert cached[:2] == uncached[:2]
    assert cached[2] != uncached[2] and '"changed": false' in cached[2]


def test_print_plans_come_from_the_cache_but_for_edited_cards_and_never_stale(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = synthetic(tmp_path / "deck", 60)
    plans = calls_through(monkeypatch, deckbuilder.render.printplan, "_sizes_on_cores")

    def faces_planned() -> list[int]:
        """How many faces each planning since the last look was given."""
        counts = [len(faces) for (faces, _), _ in plans]
        plans.clear()
        return counts

    build(runner, source, tmp_path / "first", {})
    assert faces_planned() == [60]  # each of these cards prints as one face
    deck = source / "deck.md"
    text = deck.read_text(encoding="utf-8")
    assert "**Answer:**\n" in text
    deck.write_text(text.replace("**Answer:**\n", "**Answer:**\nEdited, ", 1), encoding="utf-8")
    edited = build(runner, source, tmp_path / "second", {})
    assert faces_planned() == [1]  # the edited card alone
    shutil.rmtree(source / ".deckbuilder-cache")
    assert build(runner, source, tmp_path / "third", {})["deck.html"] == edited["deck.html"]
    assert faces_planned() == [60]
    monkeypatch.setattr(deckbuilder.render.printplan, "plan_versions", lambda: "another planning code")
    build(runner, source, tmp_path / "fourth", {})
    assert faces_planned() == [60]  # plans made by other planning code are not used
    runner.invoke(main, ["check", "--card-size", "a7", str(source)])
    assert faces_planned() == [60]  # nor plans for other print options


def test_a_changed_renderer_version_misses_the_disk_cache(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = synthetic(tmp_path / "deck", 30)
    build(runner, source, tmp_path / "out", {})
    [cache_file] = deckbuilder.incremental.fragments.fragment_files([source])
    assert len(deckbuilder.incremental.fragments._read(cache_file)) == 60
    deckbuilder.incremental.fragments.versions.cache_clear()
    monkeypatch.setattr(deckbuilder._version, "MARKUP_VERSION", deckbuilder._version.MARKUP_VERSION + 1)
    try:
        assert deckbuilder.incremental.fragments._read(cache_file) == {}
        renders = calls_through(monkeypatch, deckbuilder.incremental.fragments, "_render")
        deckbuilder.html.markup._FRAGMENTS.clear()
        build(runner, source, tmp_path / "out", {})
        assert sum(len(keys) for (keys, _), _ in renders) == 60  # all rendered again under the new version
    finally:
        deckbuilder.incremental.fragments.versions.cache_clear()


@pytest.mark.parametrize("command", [["--help"], ["check", "source"], ["list", "source"]])
def test_commands_without_renderers_import_no_heavy_library(command: list[str]) -> None:
    code = (
        "import sys\nfrom deckbuilder.cli import main\n"
        f"try:\n    main({command!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'genanki', 'jinja2', 'pygments', 'playwright'}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert output.stdout.strip().splitlines()[-1] == "[]"


def test_cards_built_on_several_cores_equal_one_core_with_every_problem_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deckbuilder.read.parse import parse_text

    monkeypatch.setattr(deckbuilder.read.cards, "PARALLEL_MINIMUM_DRAFTS", 1)
    monkeypatch.setattr(deckbuilder.read.cards, "DRAFTS_PER_TASK", 3)
    text = "# T\n\n" + "".join(
        f"## Q{n}?\n\nA{n}.\n\n"
        if n % 5
        else f"## Gap {n} {{.cloze}}\n\n{{{{c1::x}}}} {{{{c3::y}}}}\n\n## Empty {n}?\n\n"
        for n in range(40)
    )
    serial = parse_text(text, tmp_path / "deck.md")
    parallel = parse_text(text, tmp_path / "deck.md", workers=2)
    assert parallel == serial
    assert len(serial.diagnostics) == 16 and serial.errors  # 8 gaps warned, 8 empty cards refused


def test_builds_pause_the_cycle_collector_and_restore_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import deckbuilder.app.build

    seen: list[bool] = []
    original = deckbuilder.app.build.write_atomically
    monkeypatch.setattr(
        deckbuilder.app.build,
        "write_atomically",
        lambda files: (seen.append(gc.isenabled()), original(files)),
    )
    assert gc.isenabled()
    build(runner, synthetic(tmp_path / "a", 20), tmp_path / "out", {})
    assert seen == [False] and gc.isenabled()


def test_watch_collects_the_cycles_a_paused_build_left_between_builds(tmp_path: Path) -> None:
    import threading
    import weakref

    from deckbuilder.app.watch import watch_sources
    from deckbuilder.incremental.collector import collector_paused

    class Node:
        partner: object = None

    alive: list[weakref.ref[Node]] = []
    built = threading.Semaphore(0)

    def rebuild() -> None:
        with collector_paused():
            first, second = Node(), Node()
            first.partner, second.partner = second, first  # unreachable once this returns
            alive.append(weakref.ref(first))
        built.release()

    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_sources,
        args=([tmp_path], tmp_path / "out", rebuild),
        kwargs={"announce": False, "debounce_ms": 50, "stop": stop},
    )
    watcher.start()
    try:
        assert built.acquire(timeout=30)
        deadline = time.monotonic() + 30
        while not built.acquire(timeout=0.5):  # the watcher may start after the first write
            assert time.monotonic() < deadline, "the watch never rebuilt"
            (tmp_path / "deck.md").write_text(f"## Q {time.monotonic()}?\n\nA.\n", encoding="utf-8")
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher.is_alive() and len(alive) >= 2
    assert all(ref() is None for ref in alive), "a build's reference cycle outlived the next wait"


def test_help_loads_neither_the_model_nor_the_print_layout() -> None:
    code = (
        "import sys\nfrom deckbuilder.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m in {'deckbuilder.model', 'deckbuilder.errors', "
        "'deckbuilder.render.layout', 'deckbuilder.render.options', 'json'}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert output.stdout.strip().splitlines()[-1] == "[]"  # start-up: benchmarks/README.md


def test_background_work_runs_in_a_child_and_is_waited_for(tmp_path: Path) -> None:
    import os
    import time

    from deckbuilder.incremental.background import in_background

    marker = tmp_path / "done"

    def work() -> None:
        time.sleep(0.3)
        marker.write_text(str(os.getpid()))

    with in_background(work):
        assert not marker.exists()  # the parent went on at once
    assert marker.read_text() != str(os.getpid())

    def failing() -> None:
        raise OSError("disk full")

    with in_background(failing):
        pass  # a cache that cannot be written is no error of the build
