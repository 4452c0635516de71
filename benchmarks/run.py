"""deckbuilder's benchmark: every stage on synthetic decks, as ratios to baselines measured in the
same run on the same files.

    python3 benchmarks/run.py                        # 1,000, 10,000 and 100,000 cards
    python3 benchmarks/run.py --sizes 1000,10000     # quicker

Each measurement runs in a fresh Python process, so that its peak memory is its own. Baselines:
(a) mistune parsing the whole file to its AST in one process; (b) mistune rendering each card to
HTML plus genanki writing the same notes; (c) ankdown (misaka + genanki) building the same cards,
installed in its own virtual environment (benchmarks/.venv-ankdown, made on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import deck, edited  # noqa: E402 - the generator sits beside this script

ANKDOWN_VENV = HERE / ".venv-ankdown"
EDITED_CARDS = 100
STARTUP_RUNS = 30


# Measurements, each run in its own process -----------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(stage: str, source: Path) -> dict[str, float]:
    """Time one stage on the deck at ``source`` (a markdown file) in this process."""
    from deckbuilder.identity import resolve
    from deckbuilder.read import parse_file

    if stage == "baseline-a":
        import mistune

        text = source.read_text(encoding="utf-8")
        started = time.perf_counter()
        mistune.create_markdown(renderer=None)(text)
        return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}
    if stage == "baseline-b":
        return _baseline_b(source)
    started = time.perf_counter()
    parsed = parse_file(source)
    if stage == "parse":
        return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}
    first = resolve(parsed.deck, (), 1_700_000_000)
    started = time.perf_counter()
    resolution = resolve(parsed.deck, first.entries, 1_700_000_100)
    if stage == "identity":
        return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}
    from deckbuilder.render import FORMATS, RenderOptions

    render = FORMATS[stage].renderer()
    started = time.perf_counter()
    render(resolution.deck, RenderOptions())
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def _baseline_b(source: Path) -> dict[str, float]:
    import genanki
    import mistune

    from deckbuilder.read import parse_file

    cards = parse_file(source).deck.cards  # the cards' markdown, split by our parser, untimed
    started = time.perf_counter()
    html = mistune.create_markdown()
    model = genanki.Model(1_600_000_000, "Baseline", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card", "qfmt": "{{Front}}", "afmt": "{{Back}}"}])  # fmt: skip
    target = genanki.Deck(1_600_000_001, "Baseline")
    for card in cards:
        target.add_note(
            genanki.Note(model=model, fields=[html(card.question), html(card.answer)], guid=card.guid)
        )
    with tempfile.TemporaryDirectory() as scratch:
        genanki.Package(target).write_to_file(str(Path(scratch) / "baseline.apkg"), timestamp=1_700_000_000)
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


# Running and reporting ---------------------------------------------------------------------------


def in_process(stage: str, source: Path) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", stage, "--deck", str(source)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


PEAK_OF_CHILD = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
"""Runs a command in a fresh process and prints the command's own peak memory, in KiB."""


def command_time(command: list[str]) -> dict[str, float]:
    """Wall time (interpreter start included) and peak memory of a whole command."""
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", PEAK_OF_CHILD, *command], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": int(output.stdout.split()[-1]) / 1024}


def deckbuilder_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "deckbuilder", *arguments]


def ankdown_python() -> Path | None:
    python = ANKDOWN_VENV / "bin" / "python"
    if python.exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(ANKDOWN_VENV)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "ankdown"], check=True, capture_output=True
        )
    except subprocess.CalledProcessError as error:
        print(f"ankdown baseline skipped: cannot install ankdown ({error})", file=sys.stderr)
        return None
    return python


def ankdown_input(markdown_deck: Path, folder: Path) -> None:
    """The same cards in ankdown's format: front, a '%' line, back, a '---' line."""
    from deckbuilder.read import parse_file

    cards = parse_file(markdown_deck).deck.cards
    text = "".join(f"{card.question}\n\n%\n\n{card.answer}\n\n---\n\n" for card in cards)
    (folder / "cards.md").write_text(text, encoding="utf-8")


def run_size(cards: int, workdir: Path, with_ankdown: bool) -> list[dict[str, object]]:
    base = workdir / f"deck-{cards}"
    source = base / "source"
    source.mkdir(parents=True)
    deck_file = source / "deck.md"
    deck_file.write_text(deck(cards), encoding="utf-8")
    rows: list[dict[str, object]] = []

    def add(stage: str, result: dict[str, float]) -> None:
        rows.append({"cards": cards, "stage": stage, **result})
        print(f"  {cards:>7} {stage:<22} {result['seconds']:8.2f} s", file=sys.stderr)

    for stage in ("baseline-a", "baseline-b", "parse", "identity", "apkg", "csv", "html"):
        add(stage, in_process(stage, deck_file))
    if with_ankdown:
        python = ankdown_python()
        if python is not None:
            ankdown_folder = base / "ankdown"
            ankdown_folder.mkdir()
            ankdown_input(deck_file, ankdown_folder)
            script = [str(python), "-c", "import sys; from ankdown.ankdown import main; sys.exit(main())"]
            add(
                "baseline-c (ankdown)",
                command_time([*script, "-r", str(ankdown_folder), "-p", str(base / "ankdown.apkg")]),
            )
    cold = deckbuilder_command("build", str(source), "-o", str(base / "out"), "-f", "apkg", "-q")
    add("build apkg, cold", command_time(cold))
    deck_file.write_text(edited(deck_file.read_text(encoding="utf-8"), EDITED_CARDS), encoding="utf-8")
    add(f"rebuild, {EDITED_CARDS} edited", command_time(cold))
    add("check, after the build", command_time(deckbuilder_command("check", str(source), "-q")))
    shutil.rmtree(base)
    return rows


def startup() -> dict[str, float]:
    """The fastest of STARTUP_RUNS runs of each command, the two interleaved so that a slow spell of
    a shared machine weighs on both alike."""

    def once(command: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started

    click_times, help_times = [], []
    for _ in range(STARTUP_RUNS):
        click_times.append(once([sys.executable, "-c", "import click"]))
        help_times.append(once(deckbuilder_command("--help")))
    return {"click": min(click_times), "help": min(help_times)}


def heavy_imports(*arguments: str) -> list[str]:
    """The heavy modules a command imports (it should import none before a renderer runs)."""
    code = (
        "import sys\nfrom deckbuilder.cli import main\n"
        f"try:\n    main({list(arguments)!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'genanki', 'jinja2', 'pygments', 'playwright'}))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1].replace("'", '"'))  # type: ignore[no-any-return]


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| cards | stage | seconds | cards/s | peak MB | × (a) mistune AST | × (b) mistune+genanki | × (c) ankdown |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    by_size: dict[object, dict[str, dict[str, object]]] = {}
    for row in rows:
        by_size.setdefault(row["cards"], {})[str(row["stage"])] = row
    for size, stages in by_size.items():
        baselines = [stages.get(name) for name in ("baseline-a", "baseline-b", "baseline-c (ankdown)")]
        for stage, row in stages.items():
            seconds = float(row["seconds"])  # type: ignore[arg-type]
            ratios = [f"{seconds / float(b['seconds']):.2f}" if b else "–" for b in baselines]  # type: ignore[arg-type]
            lines.append(
                f"| {size:,} | {stage} | {seconds:.2f} | {int(size) / seconds:,.0f} | "  # type: ignore[call-overload]
                f"{float(row['peak_mb']):.0f} | {' | '.join(ratios)} |"  # type: ignore[arg-type]
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--no-ankdown", action="store_true", help="skip baseline (c)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--deck", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(arguments.measure, arguments.deck)))
        return
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="deckbuilder-bench-") as workdir:
        for size in (int(s) for s in arguments.sizes.split(",")):
            print(f"{size:,} cards…", file=sys.stderr)
            rows.extend(run_size(size, Path(workdir), not arguments.no_ankdown))
    times = startup()
    print(table(rows))
    print()
    print(f"Start-up: `deckbuilder --help` {times['help'] * 1000:.0f} ms, `python -c 'import click'` "
          f"{times['click'] * 1000:.0f} ms: {times['help'] / times['click']:.2f}× (target ≤ 1.5×)")  # fmt: skip
    for command in (["--help"], ["check", str(HERE.parent / "source")]):
        print(
            f"Heavy modules imported by `deckbuilder {' '.join(command[:1])}`: {heavy_imports(*command) or 'none'}"
        )
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
