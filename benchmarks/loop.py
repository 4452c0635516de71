"""The edit loop against ankdown's cold build, measured side by side (issue 27).

    python3 benchmarks/loop.py                       # 20,000 cards, 3 rounds
    python3 benchmarks/loop.py --cards 5000 --rounds 2
    python3 benchmarks/loop.py --memory 100000       # peak RSS of a cold build and of watch

Each round, in turns on the same deck (seed-shaped, from generate.py): ankdown's cold build of the
cards, deckbuilder's cold ``build -f apkg``, the build after 100 answers were edited, and ``watch
--debounce 50``: a save of one edited answer until the new .apkg is on disk (five saves, each
timed). Also ``deckbuilder --help`` against ``python -c "import click"``. The fastest of the rounds
of each is kept (the machine is shared), and each is reported as a ratio to its baseline measured
in the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import deck, edited  # noqa: E402 - the generator sits beside this script
from run import ankdown_input, ankdown_python  # noqa: E402

EDITED_CARDS = 100
SAVES = 5
GOALS = {
    "rebuild, 100 edited": ("ankdown", 0.25),
    "watch, one save": ("ankdown", 0.15),
    "build apkg, cold": ("ankdown", 2.0),
    "--help": ("import click", 1.5),
}


def _timed(command: list[str], folder: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _deckbuilder(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "deckbuilder", *arguments]


def _watch_saves(folder: Path, env: dict[str, str], saves: int) -> list[float]:
    """Start ``watch``; after its first build, edit one answer ``saves`` times, each time timing the
    save until a new package is on disk."""
    source = folder / "src" / "deck.md"
    package = folder / "out" / "deck.apkg"
    watcher = subprocess.Popen(
        _deckbuilder("watch", "src", "-f", "apkg", "-o", "out", "--debounce", "50"),
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert watcher.stderr is not None
        for line in watcher.stderr:  # the first build is done once it says it watches
            if line.startswith("watching"):
                break
        # The rest of what it says is read away, so that a full pipe never stops it.
        threading.Thread(target=watcher.stderr.read, daemon=True).start()
        times = []
        text = source.read_text(encoding="utf-8")
        for number in range(saves):
            before = package.stat().st_mtime_ns
            text = _one_answer_edited(text, number)
            time.sleep(0.3)  # no save within the debounce of the last build's own writes
            started = time.perf_counter()
            source.write_text(text, encoding="utf-8")
            while package.stat().st_mtime_ns == before:
                time.sleep(0.002)
            times.append(time.perf_counter() - started)
            time.sleep(0.2)  # the build also writes its lock and caches after the package
        return times
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)


def _one_answer_edited(text: str, number: int) -> str:
    """The deck with one more word in the answer of card ``number`` (counting ``**Answer:**``)."""
    found = [match.end() for match in re.finditer(r"\*\*Answer:\*\*\n", text)]
    at = found[(number * 997) % len(found)]
    return text[:at] + f"edited{number} " + text[at:]


def _round(
    workdir: Path, text: str, changed: str, ankdown: Path | None, checkout: Path | None = None
) -> dict[str, float]:
    # As users run it: with its bytecode cached. A machine that sets PYTHONDONTWRITEBYTECODE would
    # have deckbuilder compiled from source on every run, while ankdown and click, installed by pip,
    # have theirs.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    if checkout is not None:  # another checkout's code (an older commit's worktree), for a before/after
        env["PYTHONPATH"] = str(checkout.resolve())
    folder = workdir / "round"
    (folder / "src").mkdir(parents=True)
    source = folder / "src" / "deck.md"
    source.write_text(text, encoding="utf-8")
    times: dict[str, float] = {}
    if ankdown is not None:
        (folder / "ankdown").mkdir()
        ankdown_input(source, folder / "ankdown")
        script = [str(ankdown), "-c", "import sys; from ankdown.ankdown import main; sys.exit(main())"]
        times["ankdown"] = _timed([*script, "-r", "ankdown", "-p", "ankdown.apkg"], folder, env)
    build = _deckbuilder("build", "src", "-f", "apkg", "-o", "out", "-q")
    times["build apkg, cold"] = _timed(build, folder, env)
    source.write_text(changed, encoding="utf-8")
    times[f"rebuild, {EDITED_CARDS} edited"] = _timed(build, folder, env)
    times["watch, one save"] = min(_watch_saves(folder, env, SAVES))
    times["import click"] = _timed([sys.executable, "-c", "import click"], folder, env)
    times["--help"] = _timed(_deckbuilder("--help"), folder, env)
    shutil.rmtree(folder)
    return times


def _peak_rss_mb(command: list[str], folder: Path) -> float:
    """The peak resident memory of a command and its children (a fork pool), in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, cwd=folder, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def memory(cards: int) -> None:
    """Peak RSS of a cold build of ``cards`` cards, and of watch on it through one save."""
    with tempfile.TemporaryDirectory(prefix="deckbuilder-memory-") as workdir:
        folder = Path(workdir)
        (folder / "src").mkdir()
        (folder / "src" / "deck.md").write_text(deck(cards), encoding="utf-8")
        build = _deckbuilder("build", "src", "-f", "apkg", "-o", "out", "-q")
        started = time.perf_counter()
        cold = _peak_rss_mb(build, folder)
        print(f"cold build of {cards:,} cards: {time.perf_counter() - started:.1f} s, peak RSS {cold:.0f} MB")
        script = (
            "import resource, subprocess, sys, time\n"
            f"sys.path.insert(0, {str(HERE)!r})\n"
            "from loop import _watch_saves\n"
            "from pathlib import Path\n"
            "import os\n"
            "times = _watch_saves(Path('.'), dict(os.environ), 2)\n"
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
            "print(f'watch on it: saves {min(times):.2f} s, peak RSS {peak:.0f} MB')\n"
        )
        print(subprocess.run([sys.executable, "-c", script], cwd=folder, check=True, capture_output=True,
                             text=True).stdout.strip())  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-ankdown", action="store_true")
    parser.add_argument("--memory", type=int, metavar="CARDS", help="report peak RSS instead")
    parser.add_argument(
        "--checkout", type=Path, help="run this checkout's deckbuilder (default: the installed one)"
    )
    parser.add_argument(
        "--against", type=Path, metavar="CHECKOUT", help="also an older checkout, in turns each round"
    )
    arguments = parser.parse_args()
    if arguments.memory:
        memory(arguments.memory)
        return
    text = deck(arguments.cards)
    changed = edited(text, EDITED_CARDS)
    ankdown = None if arguments.no_ankdown else ankdown_python()
    runs = {"this": arguments.checkout, **({"older": arguments.against} if arguments.against else {})}
    fastest: dict[str, dict[str, float]] = {name: {} for name in runs}
    with tempfile.TemporaryDirectory(prefix="deckbuilder-loop-") as workdir:
        for number in range(arguments.rounds):
            for name, checkout in runs.items():
                for stage, seconds in _round(Path(workdir), text, changed, ankdown, checkout).items():
                    fastest[name][stage] = min(seconds, fastest[name].get(stage, seconds))
            print(f"round {number + 1} of {arguments.rounds} done", file=sys.stderr)
    # The baselines do not depend on the checkout: each run's ratios are to the fastest of them all.
    for baseline in ("ankdown", "import click"):
        best = min((times[baseline] for times in fastest.values() if baseline in times), default=None)
        for times in fastest.values():
            if best is not None:
                times[baseline] = best
    for name, times in fastest.items():
        if len(runs) > 1:
            print(f"\n{name} code ({runs[name] or 'the installed deckbuilder'}):\n")
        _table(times, arguments.cards, arguments.rounds)
    if len(runs) > 1:
        print("\n| stage | this, s | older, s | this / older |\n|---|---:|---:|---:|")
        for stage, seconds in fastest["this"].items():
            older = fastest["older"][stage]
            print(f"| {stage} | {seconds:.2f} | {older:.2f} | {seconds / older:.2f} |")


def _table(fastest: dict[str, float], cards: int, rounds: int) -> None:
    print(f"| measure ({cards:,} cards, best of {rounds}) | seconds | ratio | goal |")
    print("|---|---:|---:|---:|")
    for stage, (baseline, goal) in GOALS.items():
        if stage not in fastest or baseline not in fastest:
            continue
        ratio = fastest[stage] / fastest[baseline]
        mark = "met" if ratio < goal else "missed"
        print(f"| {stage} vs {baseline} | {fastest[stage]:.2f} | {ratio:.2f}× | < {goal}× ({mark}) |")
    for baseline in ("ankdown", "import click"):
        if baseline in fastest:
            print(f"| {baseline} (baseline) | {fastest[baseline]:.2f} | 1.00× | |")


if __name__ == "__main__":
    main()
