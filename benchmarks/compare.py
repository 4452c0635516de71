"""Two checkouts of deckbuilder on the same deck, taking turns: the fastest of several rounds of each.

    git worktree add /tmp/old <commit>
    python3 benchmarks/compare.py /tmp/old . --rounds 5 --cards 10000

On a shared machine one run of a stage varies by a third; the old and the new code measured in
turns, the fastest round of each, tell a change of a few per cent. Stages: a cold
``build -f apkg``, the build after 100 answers were edited, ``check`` after it, and the csv and
html renderers alone (timed inside the process, as ``run.py --measure`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import deck, edited  # noqa: E402 - the generator sits beside this script

EDITED_CARDS = 100


def _timed(command: list[str], env: dict[str, str], folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=folder, check=True, capture_output=True)
    return time.perf_counter() - started


def _round(checkout: Path, folder: Path, text: str, changed: str) -> dict[str, float]:
    """Every stage once, with ``checkout``'s code, in a new ``folder``."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "SOURCE_DATE_EPOCH": "1700000000"}
    deckbuilder = [sys.executable, "-m", "deckbuilder"]
    (folder / "src").mkdir(parents=True)
    source = folder / "src" / "deck.md"
    source.write_text(text, encoding="utf-8")
    build = [*deckbuilder, "build", "src", "-f", "apkg", "-o", "out", "-q"]
    times = {"build apkg, cold": _timed(build, env, folder)}
    source.write_text(changed, encoding="utf-8")
    times[f"rebuild, {EDITED_CARDS} edited"] = _timed(build, env, folder)
    times["check, after the build"] = _timed([*deckbuilder, "check", "src", "-q"], env, folder)
    for stage in ("csv", "html"):
        measure = [
            sys.executable,
            str(checkout / "benchmarks" / "run.py"),
            "--measure",
            stage,
            "--deck",
            str(source),
        ]
        output = subprocess.run(measure, env=env, check=True, capture_output=True, text=True).stdout
        times[f"{stage} stage"] = json.loads(output)["seconds"]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("old", type=Path, help="the checkout to compare against")
    parser.add_argument("new", type=Path, help="the checkout under test")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cards", type=int, default=10_000)
    arguments = parser.parse_args()
    text = deck(arguments.cards)
    changed = edited(text, EDITED_CARDS)
    fastest: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    with tempfile.TemporaryDirectory(prefix="deckbuilder-compare-") as workdir:
        for number in range(arguments.rounds):
            for name in ("old", "new"):
                folder = Path(workdir) / f"{name}-{number}"
                checkout = getattr(arguments, name).resolve()
                for stage, seconds in _round(checkout, folder, text, changed).items():
                    fastest[name][stage] = min(seconds, fastest[name].get(stage, seconds))
                shutil.rmtree(folder)
            print(f"round {number + 1} of {arguments.rounds} done", file=sys.stderr)
    print(f"| stage ({arguments.cards:,} cards) | old, s | new, s | new / old |")
    print("|---|---:|---:|---:|")
    for stage, old in fastest["old"].items():
        new = fastest["new"][stage]
        print(f"| {stage} | {old:.2f} | {new:.2f} | {new / old:.2f} |")


if __name__ == "__main__":
    main()
