"""``deckbuilder diff``: each kind of change, text and JSON, exit codes, and the Anki search it gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main

from .test_apkg import delete_card_30, edit_seed


def build(runner: CliRunner, folder: Path, out: Path) -> None:
    result = runner.invoke(main, ["build", str(folder), "-o", str(out), "-f", "apkg"])
    assert result.exit_code == 0, result.output


def diff_json(runner: CliRunner, folder: Path) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(main, ["diff", "--json", str(folder)])
    return result.exit_code, json.loads(result.stdout)


def edit_everything(folder: Path) -> None:
    edit_seed(
        folder,
        [
            ("Why is multi-head attention needed?", "Why is multi-head attention necessary?"),
            (
                "**Memory:** Transformers access entire sequence",
                "**Memory:** Transformers see the entire sequence",
            ),
            (
                "\n---\n\n*These concise",
                "\n## 33. What is a KV cache?\n\nStored keys and values.\n\n---\n\n*These concise",
            ),
        ],
    )
    delete_card_30(folder)


def test_no_changes_exit_zero(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    build(runner, seed_folder, tmp_path / "out")
    result = runner.invoke(main, ["diff", str(seed_folder)])
    assert result.exit_code == 0
    assert "no changes (32 cards unchanged)" in result.stdout
    code, data = diff_json(runner, seed_folder)
    assert code == 0 and data["changed"] is False
    assert data["decks"][0]["counts"] == {
        "added": 0,
        "changed": 0,
        "reworded": 0,
        "moved": 0,
        "removed": 0,
        "unchanged": 32,
    }


def test_every_kind_of_change(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    build(runner, seed_folder, tmp_path / "out")
    lock_before = (seed_folder / "deckbuilder.lock").read_bytes()
    edit_everything(seed_folder)
    result = runner.invoke(main, ["diff", str(seed_folder)])
    assert result.exit_code == 1
    text = result.stdout
    assert "1 added, 1 changed, 1 reworded, 1 removed (29 unchanged)" in text
    assert "+ added    #33 What is a KV cache?" in text
    assert "~ changed  #5 How is the transformer different from RNN and LSTM?" in text
    assert "[-access-] {+see the+} entire sequence" in text
    assert "was: Why is multi-head attention needed?" in text
    assert "now: Why is multi-head attention necessary?" in text
    assert "- removed  Explain the concept of Vision-Language Pre-training" in text
    assert "Removed cards stay in your Anki collection" in text
    assert (seed_folder / "deckbuilder.lock").read_bytes() == lock_before  # diff writes nothing

    code, data = diff_json(runner, seed_folder)
    assert code == 1 and data["changed"] is True
    deck = data["decks"][0]
    assert deck["counts"] == {
        "added": 1,
        "changed": 1,
        "reworded": 1,
        "moved": 0,
        "removed": 1,
        "unchanged": 29,
    }
    reworded = next(c for c in deck["changes"] if c["kind"] == "reworded")
    assert reworded["previous_question"] == "Why is multi-head attention needed?"
    assert 0.8 <= reworded["similarity"] < 1
    assert deck["anki_search_for_removed"].startswith(
        '"note:deckbuilder Q&A" "Question:explain*the*concept*of*vision'
    )


@pytest.mark.anki
def test_the_search_for_removed_cards_finds_them_in_anki(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    from .anki_helpers import import_apkg, new_collection

    build(runner, seed_folder, tmp_path / "out")
    col = new_collection(tmp_path)
    import_apkg(col, tmp_path / "out" / "transformer-questions.apkg")
    delete_card_30(seed_folder)
    edit_seed(seed_folder, [("## 31. How do models like CLIP", "## 30. How do models like CLIP")])
    text = (seed_folder / "transformer-questions.md").read_text(encoding="utf-8")
    start = text.index("## 13. ")
    (seed_folder / "transformer-questions.md").write_text(
        text[:start] + text[text.index("## 14. ") :], encoding="utf-8"
    )
    _, data = diff_json(runner, seed_folder)
    search = data["decks"][0]["anki_search_for_removed"]
    found = {col.get_note(nid).guid for nid in col.find_notes(search)}
    removed = {c["guid"] for c in data["decks"][0]["changes"] if c["kind"] == "removed"}
    assert len(removed) == 2 and found == removed
    col.close()


CLOZE_AND_BASIC = """# Mixed

## Capitals

The capital of **France** is {{c1::Paris}} and of Italy {{c2::Rome}}.

## Rivers

The {{c1::Danube}} flows into the Black Sea.

## The speed of light is {{c1::299,792 km/s}}

## The speed of sound is {{c1::343 m/s}}

## What is the powerhouse of the cell? {.reverse}

The mitochondrion.

## What is the capital of France?

Paris.
"""


@pytest.mark.anki
def test_the_search_for_removed_cards_finds_cloze_notes_too(runner: CliRunner, tmp_path: Path) -> None:
    from .anki_helpers import import_apkg, new_collection

    folder = tmp_path / "cards"
    folder.mkdir()
    deck = folder / "mixed.md"
    deck.write_text(CLOZE_AND_BASIC, encoding="utf-8")
    build(runner, folder, tmp_path / "out")
    col = new_collection(tmp_path)
    import_apkg(col, tmp_path / "out" / "mixed.apkg")
    kept = CLOZE_AND_BASIC
    for gone in ("## Capitals\n", "## The speed of light", "## What is the powerhouse"):
        start = kept.index(gone)
        kept = kept[:start] + kept[kept.index("\n## ", start + 1) + 1 :]
    deck.write_text(kept, encoding="utf-8")

    _, data = diff_json(runner, folder)
    changes = data["decks"][0]["changes"]
    removed = {c["guid"] for c in changes if c["kind"] == "removed"}
    search = data["decks"][0]["anki_search_for_removed"]
    found = {col.get_note(nid).guid for nid in col.find_notes(search)}
    # a cloze with a body (heading in Extra), a cloze heading alone (in Text), a reversed basic card
    assert len(removed) == 3 and found == removed, search
    col.close()


def test_diff_without_a_lock_lists_every_card_as_added(runner: CliRunner, seed_folder: Path) -> None:
    code, data = diff_json(runner, seed_folder)
    assert code == 1 and data["decks"][0]["counts"]["added"] == 32


def test_diff_error_exits_two(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("## Q?\n", encoding="utf-8")
    result = runner.invoke(main, ["diff", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:1: error: no cards found (1 question(s) without an answer" in result.stderr


def test_changed_card_without_cache_says_so(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    import shutil

    build(runner, seed_folder, tmp_path / "out")
    shutil.rmtree(seed_folder / ".deckbuilder-cache")
    edit_seed(seed_folder, [("**Memory:** Transformers access", "**Memory:** Transformers read")])
    result = runner.invoke(main, ["diff", str(seed_folder)])
    assert result.exit_code == 1 and "previous text is not in the local cache" in result.stdout


def test_quiet_diff_prints_nothing(runner: CliRunner, seed_folder: Path) -> None:
    result = runner.invoke(main, ["diff", "-q", str(seed_folder)])
    assert result.exit_code == 1 and result.stdout == ""


def test_a_deleted_cache_is_filled_again_by_the_next_build(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    import shutil

    build(runner, seed_folder, tmp_path / "out")
    shutil.rmtree(seed_folder / ".deckbuilder-cache")
    build(runner, seed_folder, tmp_path / "out")  # nothing changed, yet every card is remembered again
    edit_everything(seed_folder)
    text = runner.invoke(main, ["diff", str(seed_folder)]).stdout
    assert "[-access-] {+see the+} entire sequence" in text


def test_the_search_finds_a_removed_card_whose_question_lost_text_to_the_sanitizer(
    runner: CliRunner, tmp_path: Path
) -> None:
    from .anki_helpers import import_apkg, new_collection

    folder = tmp_path / "cards"
    folder.mkdir()
    deck = folder / "deck.md"
    deck.write_text(
        "## Is <script>alert(1)</script> this safe?\n\nYes.\n\n## Other?\n\nKept.\n", encoding="utf-8"
    )
    build(runner, folder, tmp_path / "out")
    col = new_collection(tmp_path)
    import_apkg(col, tmp_path / "out" / "deck.apkg")
    deck.write_text("## Other?\n\nKept.\n", encoding="utf-8")
    _, data = diff_json(runner, folder)
    search = data["decks"][0]["anki_search_for_removed"]
    [removed] = [c["guid"] for c in data["decks"][0]["changes"] if c["kind"] == "removed"]
    assert {col.get_note(nid).guid for nid in col.find_notes(search)} == {removed}, search
    col.close()
