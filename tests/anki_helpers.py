"""Real-Anki helpers for the tests: a fresh collection, imports and reviews through Anki's backend."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

anki_collection = pytest.importorskip("anki.collection", reason="the anki package is a test dependency")


def new_collection(folder: Path) -> Any:
    return anki_collection.Collection(str(folder / "collection.anki2"))


def import_apkg(col: Any, apkg: Path) -> Any:
    request = anki_collection.ImportAnkiPackageRequest(
        package_path=str(apkg), options=anki_collection.ImportAnkiPackageOptions()
    )
    log = col.import_anki_package(request).log
    col.models._clear_cache()
    return log


def import_csv(col: Any, csv_path: Path) -> Any:
    metadata = col.get_csv_metadata(path=str(csv_path), delimiter=None)
    log = col.import_csv(anki_collection.ImportCsvRequest(path=str(csv_path), metadata=metadata)).log
    col.models._clear_cache()
    return log, metadata


def notes_by_guid(col: Any) -> dict[str, Any]:
    return {note.guid: note for note in (col.get_note(nid) for nid in col.find_notes(""))}


def review_all(col: Any) -> None:
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, 4)


def review_state(col: Any) -> dict[int, tuple[int, int, int]]:
    """Each card's interval, due and number of review-log rows."""
    state = {}
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        rows = col.db.scalar("select count() from revlog where cid = ?", card_id)
        state[card_id] = (card.ivl, card.due, rows)
    return state


@contextlib.contextmanager
def held_open(collection: Path) -> Iterator[None]:
    """The collection open in another process for the duration, as Anki holds it while running."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from anki.collection import Collection; "
         f"c = Collection({str(collection)!r}); print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        yield
    finally:
        holder.communicate("", timeout=30)
