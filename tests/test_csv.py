"""CSV judged by real Anki's CSV import, plus the plain dialect read back with Python's csv module."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deckbuilder.cli import main
from deckbuilder.html.markup import to_text
from deckbuilder.render.csv import quoted

from .anki_helpers import import_csv, new_collection, notes_by_guid
from .conftest import FIXTURES_DIR

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = FIXTURES_DIR
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
"""Regenerate golden files with: UPDATE_GOLDEN=1 python3 -m pytest tests/test_csv.py (then review the diff)."""


@pytest.fixture
def col(tmp_path: Path) -> Any:
    collection = new_collection(tmp_path)
    yield collection
    collection.close()


def build_csv(runner: CliRunner, source: Path, out: Path, *options: str, now: int = 1_700_000_000) -> Path:
    result = runner.invoke(
        main,
        ["build", str(source), "-o", str(out), "-f", "csv", *options],
        env={"SOURCE_DATE_EPOCH": str(now)},
    )
    assert result.exit_code == 0, result.output
    return out / f"{source.stem if source.is_file() else 'transformer-questions'}.csv"


def listing(runner: CliRunner, source: Path) -> dict[str, Any]:
    result = runner.invoke(main, ["list", "--json", str(source)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["decks"][0]  # type: ignore[no-any-return]


@pytest.mark.anki
def test_seed_csv_imports_into_basic_with_deck_tags_and_guids(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, col: Any
) -> None:
    path = build_csv(runner, seed_folder, tmp_path / "out")
    log, metadata = import_csv(col, path)
    assert metadata.global_notetype.id == col.models.by_name("Basic")["id"]
    assert metadata.deck_name == "Questions on Transformer and Its Extended Architecture"
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (32, 0, 0)
    expected = {card["guid"]: card for card in listing(runner, seed_folder)["cards"]}
    notes = notes_by_guid(col)
    assert set(notes) == set(expected)
    for guid, note in notes.items():
        assert col.models.get(note.mid)["name"] == "Basic"
        assert note["Front"] == expected[guid]["question_html"]
        assert note["Back"] == expected[guid]["answer_html"]
        assert sorted(note.tags, key=str.casefold) == expected[guid]["tags"]
        [card_id] = note.card_ids()
        assert col.decks.name(col.get_card(card_id).did) == metadata.deck_name


@pytest.mark.anki
def test_reimport_after_an_edit_updates_one_note(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, col: Any
) -> None:
    import_csv(col, build_csv(runner, seed_folder, tmp_path / "v1"))
    deck = seed_folder / "transformer-questions.md"
    text = deck.read_text(encoding="utf-8").replace(
        "Common strategies include step decay", "Strategies: step decay"
    )
    deck.write_text(text, encoding="utf-8")
    log, _ = import_csv(col, build_csv(runner, seed_folder, tmp_path / "v2", now=1_700_000_100))
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 1, 31)
    assert col.note_count() == 32
    guid = listing(runner, seed_folder)["cards"][0]["guid"]
    assert "Strategies: step decay" in notes_by_guid(col)[guid]["Back"]


@pytest.mark.anki
def test_tricky_fields_survive_anki_import_exactly(runner: CliRunner, tmp_path: Path, col: Any) -> None:
    source = tmp_path / "tricky.md"
    shutil.copy(FIXTURES / "tricky.md", source)
    log, metadata = import_csv(col, build_csv(runner, source, tmp_path / "out"))
    assert len(log.new) == 3 and metadata.deck_name == "Golden::Tricky"
    expected = {card["guid"]: card for card in listing(runner, source)["cards"]}
    for guid, note in notes_by_guid(col).items():
        card = expected[guid]
        assert note["Front"] == card["question_html"]
        # The apkg and csv use Anki's MathJax delimiters; everything else is the shared HTML.
        assert note["Back"] == card["answer_html"].replace(
            '<span class="math">$a_1 + b_2$</span>', "\\(a_1 + b_2\\)"
        )
    first = notes_by_guid(col)[next(iter(expected))]
    assert "\t" in first["Back"] and '"quoted"' in first["Back"] and "&lt; sign" in first["Back"]


@pytest.mark.anki
def test_other_note_type_and_field_mapping(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, col: Any
) -> None:
    path = build_csv(
        runner,
        seed_folder,
        tmp_path / "out",
        "--csv-note-type",
        "Basic (and reversed card)",
        "--csv-fields",
        "Front=question,Back=answer",
    )
    log, metadata = import_csv(col, path)
    assert metadata.global_notetype.id == col.models.by_name("Basic (and reversed card)")["id"]
    assert len(log.new) == 32 and col.card_count() == 64


def test_plain_csv_reads_back_to_the_cards(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    path = build_csv(runner, seed_folder, tmp_path / "out", "--csv-dialect", "plain")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == ["question", "answer", "tags"]
    cards = listing(runner, seed_folder)["cards"]
    assert rows[1:] == [[to_text(c["question"]), to_text(c["answer"]), " ".join(c["tags"])] for c in cards]
    assert "<" not in path.read_text(encoding="utf-8")


def test_bom_for_excel(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    path = build_csv(runner, seed_folder, tmp_path / "out", "--csv-dialect", "plain", "--csv-bom")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfquestion,answer,tags")
    assert next(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == ["question", "answer", "tags"]


@pytest.mark.parametrize("dialect", ["anki", "plain"])
def test_golden_files(runner: CliRunner, tmp_path: Path, dialect: str) -> None:
    source = tmp_path / "tricky.md"
    shutil.copy(FIXTURES / "tricky.md", source)
    produced = build_csv(runner, source, tmp_path / "out", "--csv-dialect", dialect).read_bytes()
    golden = GOLDEN / f"tricky.{dialect}.csv"
    if UPDATE_GOLDEN:
        golden.write_bytes(produced)
    assert produced == golden.read_bytes()


def test_plain_csv_round_trips_tricky_text(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "tricky.md"
    shutil.copy(FIXTURES / "tricky.md", source)
    path = build_csv(runner, source, tmp_path / "out", "--csv-dialect", "plain")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))[1:]
    assert rows[0][0] == 'Commas, "quotes" and a tab?'
    assert 'Answer with a tab:\there, "quoted", and a line break inside one paragraph.' in rows[0][1]
    assert 'raw html & an ampersand, a < sign and code, "with" commas.' in rows[0][1]
    assert rows[1] == [
        "日本語の質問ですか？",
        "答えです — Ελληνικά, русский.\n\n- one\n- two, with comma",
        "golden unicode",
    ]
    assert rows[2][1] == 'Inline $a_1 + b_2$ costs $3 or $4.\n\nprint("a\\tb")'


@pytest.mark.parametrize(
    ("value", "written"),
    [("#x", '"#x"'), ("a\tb", '"a\tb"'), ('say "hi"', '"say ""hi"""'), ("plain", "plain")],
)
def test_anki_quoting(value: str, written: str) -> None:
    assert quoted(value) == written


def test_bad_field_mapping_is_a_usage_error(runner: CliRunner, seed_folder: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["build", str(seed_folder), "-o", str(tmp_path), "-f", "csv", "--csv-fields", "Front=nope"]
    )
    assert result.exit_code == 2
    assert "--csv-fields" in result.output and "question, answer" in result.output
