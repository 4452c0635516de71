"""deckbuilder import and pull on a synthetic Anki collection, as ratios to baselines measured in the
same process on the same notes.

    python3 benchmarks/anki_roundtrip.py                  # 1,000 and 10,000 notes
    python3 benchmarks/anki_roundtrip.py --sizes 2000     # quicker

The collection is seeded: Basic notes with a bold word, a list or a line break, plain vocabulary
notes and cloze notes, every card reviewed once. Baselines: (x) Anki's own export of the deck to a
package (``export_anki_package`` with scheduling), what any move out of Anki costs at least; (m)
markdownify alone converting every field, the library import is built on. Rows: ``import`` (the
whole ``deckbuilder import --collection``: copy, read, convert, write, read back, lock), ``pull,
nothing edited`` (the common case) and ``pull, 100 edited`` (100 answers changed in Anki).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EDITED = 100


def make_collection(folder: Path, notes: int) -> Path:
    from anki.collection import Collection

    rng = random.Random(notes)
    col = Collection(str(folder / "collection.anki2"))
    deck = col.decks.id("Benchmark")
    basic, cloze = col.models.by_name("Basic"), col.models.by_name("Cloze")
    words = ["cell", "membrane", "protein", "energy", "enzyme", "nucleus", "gene", "light", "wave", "force"]
    for index in range(notes):
        pick = rng.random()
        if pick < 0.2:
            note = col.new_note(cloze)
            note["Text"] = f"{{{{c1::{rng.choice(words)}}}}} acts on {rng.choice(words)} number {index}"
        else:
            note = col.new_note(basic)
            note["Front"] = f"What does the {rng.choice(words)} do in case {index}?"
            if pick < 0.5:
                note["Back"] = f"It moves <b>{rng.choice(words)}</b>.<br>Then {rng.choice(words)} follows."
            elif pick < 0.7:
                note["Back"] = "".join(f"<li>{rng.choice(words)}</li>" for _ in range(3)).join(
                    ["<ul>", "</ul>"]
                )
            else:
                note["Back"] = f"{rng.choice(words)} and {rng.choice(words)}"
        note.tags = [rng.choice(words)]
        col.add_note(note, deck)
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, 3)
    col.db.execute("update notes set mod = mod - 3600")  # built an hour ago; edits come later
    col.close()
    return folder / "collection.anki2"


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(notes: int) -> list[tuple[str, float]]:
    from anki.collection import Collection, ExportAnkiPackageOptions
    from markdownify import markdownify

    from deckbuilder.app.importing import import_collection
    from deckbuilder.app.pull import pull

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        collection = make_collection(folder, notes)
        col = Collection(str(collection))
        options = ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False)
        rows.append(("baseline-x: Anki exports the deck",
                     _timed(lambda: col.export_anki_package(out_path=str(folder / "deck.apkg"), options=options,
                                                            limit=None))))  # fmt: skip
        fields = [field for note_id in col.find_notes("") for field in col.get_note(note_id).fields]
        col.close()
        rows.append(("baseline-m: markdownify every field", _timed(lambda: [markdownify(f) for f in fields])))
        source = folder / "source"
        rows.append(("import", _timed(lambda: import_collection(collection, "Benchmark", source))))
        rows.append(("pull, nothing edited", _timed(lambda: pull([source], collection))))
        col = Collection(str(collection))
        for note_id in sorted(col.find_notes("note:Basic"))[:EDITED]:
            note = col.get_note(note_id)
            note["Back"] = note["Back"] + " (edited)"
            col.update_note(note)
        col.close()
        report: list[Any] = []
        rows.append((f"pull, {EDITED} edited", _timed(lambda: report.append(pull([source], collection)))))
        assert len(report[0].pulled) == EDITED, report[0]
        shutil.rmtree(source)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000")
    arguments = parser.parse_args()
    print("| notes | stage | seconds | notes/s | × baseline-x | × baseline-m |")
    print("|---:|---|---:|---:|---:|---:|")
    for size in (int(part) for part in arguments.sizes.split(",")):
        rows = measure(size)
        export, convert = rows[0][1], rows[1][1]
        for stage, seconds in rows:
            print(f"| {size:,} | {stage} | {seconds:.2f} | {size / seconds:,.0f} | {seconds / export:.2f} | "
                  f"{seconds / convert:.2f} |")  # fmt: skip
    print(f"\nPython {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
