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

from deckbuilder.app.build import build as build_decks
from deckbuilder.app.check import check_decks
from deckbuilder.app.load import load_decks
from deckbuilder.cli import main
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.fragments import fragment_files, read_fragment_file
from deckbuilder.render.geometry import PrintOptions

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


def build_with(source: Path, out: Path, caching: Caching) -> dict[str, bytes]:
    """A build of apkg, csv and html at a fixed time, as the command runs it, with these caches."""
    build_decks([source], ["apkg", "csv", "html"], out, now=1_700_000_000, caching=caching)
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


PARALLEL = {"workers": 2, "fork_minimum": 1, "per_task": 7}
"""Every kind of work on two forked workers, seven items at a time, however little there is."""


def test_parallel_and_cached_builds_equal_a_serial_cold_build(tmp_path: Path) -> None:
    serial = build_with(synthetic(tmp_path / "a", 300), tmp_path / "a-out", Caching("none", workers=1))
    source = synthetic(tmp_path / "b", 300)
    caching = Caching("write", **PARALLEL)  # type: ignore[arg-type]
    assert build_with(source, tmp_path / "b-out", caching) == serial
    assert all(caching.computed[work] > 0 for work in ("pieces", "cards", "fragments", "plans"))
    assert fragment_files([source]) == [source / ".deckbuilder-cache" / "fragments-deck.md.bin"]
    (source / "deckbuilder.lock").unlink()
    caching = Caching("write", **PARALLEL)  # type: ignore[arg-type]
    assert build_with(source, tmp_path / "c-out", caching) == serial
    assert sum(caching.computed[work] for work in ("pieces", "cards", "fragments", "plans")) == 0


def read_only_outputs(runner: CliRunner, source: Path) -> list[str]:
    outputs = []
    for command in (["check", "--json", "--print"], ["list", "--json"], ["diff", "--json"]):
        result = runner.invoke(main, [*command, str(source)], env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert result.exit_code in (0, 1), result.output
        outputs.append(result.stdout)
    return outputs


def test_read_only_commands_read_the_caches_on_all_cores_and_write_nothing(
    runner: CliRunner, tmp_path: Path
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
    cached = read_only_outputs(runner, source)
    # What check does, with counters: every card, fragment and print plan found in the caches.
    caching = Caching("read", **PARALLEL)  # type: ignore[arg-type]
    check_decks(load_decks([source], strict=False, caching=caching), PrintOptions(), caching)
    assert sum(caching.computed.values()) == 0
    assert {path.name: path.read_bytes() for path in cache_dir.iterdir()} == before
    # The same answers, but for diff, which now compares with the lock the build wrote.
    assert cached[:2] == uncached[:2]
    assert cached[2] != uncached[2] and '"changed": false' in cached[2]


def test_print_plans_come_from_the_cache_but_for_edited_cards_and_never_stale(tmp_path: Path) -> None:
    source = synthetic(tmp_path / "deck", 60)

    def faces_planned(out: str, **settings: Any) -> int:
        caching = Caching("write", **settings)
        build_with(source, tmp_path / out, caching)
        return caching.computed["plans"]

    assert faces_planned("first") == 60  # each of these cards prints as one face
    deck = source / "deck.md"
    text = deck.read_text(encoding="utf-8")
    assert "**Answer:**\n" in text
    deck.write_text(text.replace("**Answer:**\n", "**Answer:**\nEdited, ", 1), encoding="utf-8")
    assert faces_planned("second") == 1  # the edited card alone
    edited = (tmp_path / "second" / "deck.html").read_bytes()
    shutil.rmtree(source / ".deckbuilder-cache")
    assert faces_planned("third") == 60
    assert (tmp_path / "third" / "deck.html").read_bytes() == edited
    assert faces_planned("fourth", libraries={"nh3": "0.0-other"}) == 60  # other HTML, other plans
    caching = Caching("read")
    check_decks(load_decks([source], caching=caching), PrintOptions(card_size="a7"), caching)
    assert caching.computed["plans"] == 60  # nor plans for other print options


def test_a_changed_library_version_leaves_no_cache_entry_reusable(tmp_path: Path) -> None:
    source = synthetic(tmp_path / "deck", 30)
    build_with(source, tmp_path / "out", Caching("write"))
    again = Caching("write")
    build_with(source, tmp_path / "out", again)
    assert sum(again.computed[work] for work in ("pieces", "cards", "fragments", "plans")) == 0
    [cache_file] = fragment_files([source])
    kept = len(read_fragment_file(cache_file))
    assert kept > 60  # each card's question and answer, and print's MathML
    upgraded = Caching("write", libraries={"mistune": "99.0"})  # as after `pip install -U mistune`
    assert read_fragment_file(cache_file, upgraded) == {}
    build_with(source, tmp_path / "out", upgraded)
    counted = {work: upgraded.computed[work] for work in ("pieces", "cards", "fragments", "plans")}
    assert counted == {"pieces": 31, "cards": 30, "fragments": kept, "plans": 30}
    assert upgraded.computed["layouts"] == 1  # the previous layout record is not reused either


def test_each_fragment_is_rendered_at_most_once_in_a_build_and_never_again(tmp_path: Path) -> None:
    # Every fragment the outputs use is kept, however many: print's MathML and cloze faces too.
    folder = tmp_path / "deck"
    folder.mkdir()
    cards = "".join(
        f"## Sum {n}?\n\n$x_{n} + {n}$ and **bold {n}**.\n\n## Cloze {n} {{.cloze}}\n\n"
        f"{{{{c1::first {n}}}}} then {{{{c2::second {n}}}}}.\n\n"
        for n in range(150)
    )
    (folder / "deck.md").write_text("# Deck\n\n" + cards, encoding="utf-8")
    first = Caching("write")
    build_with(folder, tmp_path / "first", first)
    [cache_file] = fragment_files([folder])
    assert first.computed["fragments"] == len(read_fragment_file(cache_file)) > 4 * 150
    second = Caching("write")
    assert build_with(folder, tmp_path / "second", second) == build_with(
        folder, tmp_path / "first", Caching()
    )
    assert second.computed["fragments"] == 0


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


def test_cards_built_on_several_cores_equal_one_core_with_every_problem_in_order(tmp_path: Path) -> None:
    from deckbuilder import read
    from deckbuilder.incremental import parse as incremental

    text = "# T\n\n" + "".join(
        f"## Q{n}?\n\nA{n}.\n\n"
        if n % 5
        else f"## Gap {n} {{.cloze}}\n\n{{{{c1::x}}}} {{{{c3::y}}}}\n\n## Empty {n}?\n\n"
        for n in range(40)
    )
    serial = read.parse(text, tmp_path / "deck.md")
    caching = Caching(workers=2, fork_minimum=1, per_task=3)
    parallel = incremental.parse(text, tmp_path / "deck.md", None, None, caching)
    assert parallel == serial and caching.computed["cards"] == 48
    assert len(serial.diagnostics) == 16 and not serial.errors  # 8 gaps and 8 unanswered questions warned


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

    def rebuild(_changed: list[Path] | None) -> None:
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
    from deckbuilder.incremental.store import keeping_warm

    assert not keeping_warm()  # the warm state ends with the watch
    assert all(ref() is None for ref in alive), "a build's reference cycle outlived the next wait"


def test_help_loads_neither_the_model_nor_the_print_layout() -> None:
    code = (
        "import sys\nfrom deckbuilder.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m in {'deckbuilder.model', 'deckbuilder.errors', "
        "'deckbuilder.render.geometry', 'deckbuilder.render.options', 'json'}))"
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


def test_a_warm_process_saves_small_caches_after_the_block_not_in_a_child(tmp_path: Path) -> None:
    import os

    from deckbuilder.incremental.background import in_background
    from deckbuilder.incremental.caching import Caching
    from deckbuilder.incremental.store import keep_warm

    marker = tmp_path / "done"

    def work() -> None:
        marker.write_text(str(os.getpid()))

    keep_warm()
    try:
        small = Caching(use="write")
        small.computed["cards"] += 3
        with in_background(work, small):
            assert not marker.exists()  # not yet: after the block
        assert marker.read_text() == str(os.getpid())
        marker.unlink()
        large = Caching(use="write")
        large.computed["cards"] += 5000  # a whole deck read anew: its saves are worth the fork
        with in_background(work, large):
            pass
        assert marker.read_text() != str(os.getpid())
    finally:
        keep_warm(False)
    marker.unlink()
    with in_background(work, small):  # a process that keeps nothing warm is small: it forks
        pass
    assert marker.read_text() != str(os.getpid())


def test_every_cache_is_keyed_by_versions_libraries_and_its_own_code() -> None:
    from deckbuilder._version import MARKUP_VERSION, __version__
    from deckbuilder.incremental.keys import CODE, LIBRARIES, cache_header, code_hash

    headers = {kind: cache_header(kind) for kind in CODE}
    assert len(set(headers.values())) == len(CODE)
    for kind, header in headers.items():
        assert f"deckbuilder={__version__};markup={MARKUP_VERSION};" in header
        assert all(f";{library}=" in header for library in LIBRARIES)
        assert header.endswith(f";code={code_hash(CODE[kind])}")
    assert cache_header("parse", {"pygments": "0"}) != headers["parse"]


def test_a_warm_build_of_an_edited_deck_equals_a_build_without_warm_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """watch keeps caches, the package's fields of unchanged cards and its notes and cards tables in
    memory between saves: the build it makes after an edit is byte for byte the build a new process
    makes of the same folder, and computes the fields of the edited cards alone."""
    import shutil

    from deckbuilder.incremental.store import keep_warm
    from deckbuilder.render import apkg

    computed: list[str] = []
    original = apkg.card_fields

    def counted(card: Any, *rest: Any) -> list[str]:
        computed.append(card.question)
        return original(card, *rest)

    monkeypatch.setattr(apkg, "card_fields", counted)
    from deckbuilder.app import load

    lock_reads: list[Path] = []
    read_lock = load.read_lock
    monkeypatch.setattr(load, "read_lock", lambda path: lock_reads.append(path) or read_lock(path))

    source = synthetic(tmp_path / "warm", 120)
    deck = source / "deck.md"
    keep_warm()
    try:
        build_with(source, tmp_path / "warm-out", Caching("write"))
        text = deck.read_text(encoding="utf-8").replace("**Answer:**\n", "**Answer:**\nFirst. ", 1)
        deck.write_text(text, encoding="utf-8")
        build_with(source, tmp_path / "warm-out", Caching("write"))  # the lock it writes is kept warm
        text = deck.read_text(encoding="utf-8")
        # Three answers edited, each a line longer: the cards below them move down a line or more.
        deck.write_text(text.replace("**Answer:**\n", "**Answer:**\nEdited.\n\n", 3), encoding="utf-8")
        shutil.copytree(source, tmp_path / "cold")  # the lock and caches as the warm build has them
        computed.clear()
        lock_reads.clear()
        warm = build_with(source, tmp_path / "warm-out", Caching("write"))
        assert len(computed) == 3
        assert lock_reads == []  # the lock the last build wrote, as it wrote it
        # One card reversed: its note has a card more, so the places after it move; and one answer
        # edited: only its note's rows change, which the kept tables take in place.
        text = deck.read_text(encoding="utf-8")
        heading = text.index("\n## 5.")
        reversed_text = (
            text[: text.index("\n", heading + 1)] + " {.reverse}" + text[text.index("\n", heading + 1) :]
        )
        deck.write_text(reversed_text, encoding="utf-8")
        shutil.copytree(source, tmp_path / "cold-reversed")
        reversed_build = build_with(source, tmp_path / "warm-out", Caching("write"))
        deck.write_text(reversed_text.replace("**Answer:**\n", "**Answer:**\nAgain. ", 1), encoding="utf-8")
        shutil.copytree(source, tmp_path / "cold-edited")
        edited_build = build_with(source, tmp_path / "warm-out", Caching("write"))
        # A card removed and one added: the notes and cards kept from the last package no longer
        # have their places, and are written anew.
        text = deck.read_text(encoding="utf-8")
        first, second = text.index("\n## 2."), text.index("\n## 3.")
        added = "\n## A card added at the end?\n\n**Answer:**\nIt is *new*.\n"
        deck.write_text(text[:first] + text[second:] + added, encoding="utf-8")
        shutil.copytree(source, tmp_path / "cold-moved")
        moved = build_with(source, tmp_path / "warm-out", Caching("write"))
    finally:
        keep_warm(False)
    cold = build_with(tmp_path / "cold", tmp_path / "cold-out", Caching("write"))
    assert warm == cold
    assert moved == build_with(tmp_path / "cold-moved", tmp_path / "cold-moved-out", Caching("write"))
    assert moved["deck.apkg"] != warm["deck.apkg"]
    assert reversed_build == build_with(
        tmp_path / "cold-reversed", tmp_path / "cold-reversed-out", Caching("write")
    )
    assert edited_build == build_with(
        tmp_path / "cold-edited", tmp_path / "cold-edited-out", Caching("write")
    )


def test_warm_builds_of_cards_that_gain_move_and_lose_images_equal_builds_without_warm_state(
    tmp_path: Path,
) -> None:
    """While watching, each deck's images are asked again of the cards a save changed or moved
    alone (media.deck_images): a card given an image, one whose image is taken away, the cards
    moved by a line added above them and a card removed each give the build a new process makes."""
    from deckbuilder.incremental.store import keep_warm

    source = tmp_path / "warm"
    source.mkdir()
    for name in ("a.png", "b.png"):
        (source / name).write_bytes(b"\x89PNG" + name.encode())
    cards = [f"## What is card {number}?\n\nIt is card {number}.\n" for number in range(12)]
    cards[4] = "## What is card 4?\n\n![a](a.png) It is card 4.\n"
    deck = source / "deck.md"
    edits = [
        lambda cards: [*cards[:2], cards[2].replace("It is", "![b](b.png) It is"), *cards[3:]],
        lambda cards: [
            cards[0] + "\nA line more.\n",
            *cards[1:4],
            cards[4].replace("![a](a.png) ", ""),
            *cards[5:],
        ],
        lambda cards: [*cards[:6], *cards[7:]],
    ]
    warm = []
    keep_warm()
    try:
        deck.write_text("# Deck\n\n" + "\n".join(cards), encoding="utf-8")
        build_with(source, tmp_path / "warm-out", Caching("write"))
        for number, edit in enumerate(edits):
            cards = edit(cards)
            deck.write_text("# Deck\n\n" + "\n".join(cards), encoding="utf-8")
            shutil.copytree(source, tmp_path / f"cold-{number}")  # the lock and caches as they are now
            warm.append(build_with(source, tmp_path / "warm-out", Caching("write")))
    finally:
        keep_warm(False)
    for number, built in enumerate(warm):
        assert built == build_with(
            tmp_path / f"cold-{number}", tmp_path / f"cold-out-{number}", Caching("write")
        )
    assert len({built["deck.apkg"] for built in warm}) == 3


def test_work_remembered_by_object_is_the_same_objects_only_and_the_last_builds() -> None:
    """by_object: while warm, a value is reused for the very object it was computed for (an equal
    object is computed again), and only for the objects the last build asked about."""
    from deckbuilder.incremental.store import by_object, keep_warm

    calls: list[list[str]] = []

    def measured(item: list[str]) -> int:
        calls.append(item)
        return len(item)

    assert by_object("test", measured) is measured  # not warm: nothing is remembered
    first, second = ["a"], ["b", "c"]
    keep_warm()
    try:
        remembered = by_object("test", measured)
        assert (remembered(first), remembered(second)) == (1, 2)
        remembered = by_object("test", measured)  # the next build
        assert remembered(first) == 1 and remembered(["a"]) == 1
        assert calls == [first, second, ["a"]]  # the equal list is another object
        remembered = by_object("test", measured)
        remembered(second)  # not asked for in the build before: forgotten
        assert calls[-1] is second and len(calls) == 4
    finally:
        keep_warm(False)


def test_work_remembered_by_value_is_for_equal_values_of_the_last_build() -> None:
    """by_value: while warm, a value is reused for an equal one (a heading's text read again), only
    for the values the last build asked about."""
    from deckbuilder.incremental.store import by_value, keep_warm

    calls: list[str] = []

    def measured(item: str) -> int:
        calls.append(item)
        return len(item)

    assert by_value("test values", measured) is measured  # not warm: nothing is remembered
    keep_warm()
    try:
        remembered = by_value("test values", measured)
        assert (remembered("ab"), remembered("abc"), remembered("ab")) == (2, 3, 2)
        remembered = by_value("test values", measured)  # the next build
        assert remembered("".join(["a", "b"])) == 2  # an equal string, another object
        assert calls == ["ab", "abc"]
        remembered = by_value("test values", measured)
        remembered("abc")  # not asked for in the build before: forgotten
        assert calls == ["ab", "abc", "abc"]
    finally:
        keep_warm(False)


def test_warm_builds_render_ahead_for_new_cards_and_keep_every_fragment(tmp_path: Path) -> None:
    """While watching, the fragments are looked for ahead for the cards new to a build alone (the
    apkg keeps the others' fields whole); the cache file keeps every fragment all the same, and a
    build of a new process finds them all there."""
    from deckbuilder.incremental.store import keep_warm

    source = synthetic(tmp_path / "warm", 60)
    deck = source / "deck.md"
    keep_warm()
    try:
        build_decks([source], ["apkg"], tmp_path / "out", now=1_700_000_000, caching=Caching("write"))
        text = deck.read_text(encoding="utf-8")
        deck.write_text(
            text.replace("**Answer:**\n", "**Answer:**\nNew. ", 2), encoding="utf-8"
        )  # no line moves
        edited = Caching("write")
        build_decks([source], ["apkg"], tmp_path / "out", now=1_700_000_000, caching=edited)
        assert edited.computed["fragments"] == 2  # the two edited answers
    finally:
        keep_warm(False)
    after = Caching("write")
    build_decks([source], ["apkg"], tmp_path / "after", now=1_700_000_000, caching=after)
    assert after.computed["fragments"] == 0
    assert (tmp_path / "after" / "deck.apkg").read_bytes() == (tmp_path / "out" / "deck.apkg").read_bytes()
