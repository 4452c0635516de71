"""A deck's own note types: Anki's built-in ones by name, or one from a file; fields from sections;
what check says; and the apkg and CSV that real Anki imports with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckbuilder.app.notetypes import note_type_json
from deckbuilder.cli import main
from deckbuilder.model import Card, CardTemplate, NoteType, Section, SourceLocation
from deckbuilder.render.fields import field_markdown
from deckbuilder.render.notetypes import STOCK_NOTE_TYPES

from .conftest import write

VOCABULARY = NoteType(
    "Vocabulary",
    1_600_000_000_001,
    ("Word", "Meaning", "Example"),
    (CardTemplate("Recognise", "{{Word}}", "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}"),),
    ".card { font-family: serif; }\n",
    modified=1_600_000_000,
)

DECK = """---
note_types: {basic: Basic, reverse: "Basic (and reversed card)", cloze: Cloze, vocab: Vocabulary}
card_level: 2
---
# Words

## What is 2+2?

Four.

## perro {.vocab}

dog

**Example:** El perro come.

**Note:** a loyal animal

## {{c1::Paris}} is the capital of France

## osmosis {.reverse}

water through a membrane

Tags: terms
"""


def _folder(tmp_path: Path, text: str = DECK, note_type: NoteType | None = VOCABULARY) -> Path:
    folder = tmp_path / "source"
    (folder / "note-types").mkdir(parents=True)
    write(folder, "words.md", text)
    if note_type is not None:
        write(folder / "note-types", "vocabulary.json", note_type_json(note_type))
    return folder


def _card(answer: str, sections: tuple[Section, ...], question: str = "Q", kind: str = "basic") -> Card:
    return Card("g", None, question, answer, sections, (), SourceLocation("f.md", 1), kind=kind)


@pytest.mark.parametrize(
    ("note_type", "card", "fields"),
    [
        (STOCK_NOTE_TYPES["Basic"], _card("A.", ()), ["Q", "A."]),
        (
            VOCABULARY,
            _card(
                "dog\n\n**Example:** El perro.", (Section("Example", "El perro.", "**Example:** El perro."),)
            ),
            ["Q", "dog", "El perro."],
        ),
        (
            VOCABULARY,
            _card("dog\n\n**Other:** x", (Section("Other", "x", "**Other:** x"),)),
            ["Q", "dog\n\n**Other:** x", ""],
        ),
        (STOCK_NOTE_TYPES["Cloze"], _card("", (), question="{{c1::a}} b", kind="cloze"), ["{{c1::a}} b", ""]),
        (
            STOCK_NOTE_TYPES["Cloze"],
            _card("{{c1::a}} b", (), question="Context", kind="cloze"),
            ["{{c1::a}} b", "Context"],
        ),
        (
            STOCK_NOTE_TYPES["Cloze"],
            _card(
                "{{c1::a}}\n\n**Back Extra:** more",
                (Section("Back Extra", "more", "**Back Extra:** more"),),
                question="",
                kind="cloze",
            ),
            ["{{c1::a}}", "more"],
        ),
    ],
)
def test_cards_fill_the_fields_of_their_note_type(note_type: NoteType, card: Card, fields: list[str]) -> None:
    assert field_markdown(card, note_type) == fields


def test_check_names_what_does_not_fit(runner: CliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = runner.invoke(main, ["check", "-v", "--json", str(folder)])
    problems = json.loads(result.stdout)["problems"]
    messages = [(p["line"], p["severity"], p["message"]) for p in problems]
    assert any(line == 11 and severity == "warning" and "'Note' matches no field of note type 'Vocabulary'" in text
               for line, severity, text in messages), messages  # fmt: skip
    assert any("no card fills field Back Extra of note type 'Cloze'" in text and severity == "note"
               for _, severity, text in messages)  # fmt: skip
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("vocab: Vocabulary", "vocab: Vocabulry"),
            "note type 'Vocabulry' is neither one of Anki's built-in types",
        ),
        (
            ("## {{c1::Paris}} is the capital of France", "## {{c1::Paris}} is the capital {.vocab}"),
            "this card is a cloze card, but its note type 'Vocabulary' is not a cloze type",
        ),
    ],
)
def test_a_note_type_that_would_lose_cards_is_an_error(
    runner: CliRunner, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    folder = _folder(tmp_path, DECK.replace(*change))
    result = runner.invoke(main, ["build", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert message in result.stderr and "words.md:" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_renamed_field_is_reported_for_what_anki_would_do(runner: CliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    path = folder / "note-types" / "vocabulary.json"
    data = json.loads(path.read_text())
    data["fields"][2] = "Sentence"
    path.write_text(json.dumps(data))
    result = runner.invoke(main, ["check", str(folder)])
    assert "vocabulary.json:1: warning: note type 'Vocabulary' has other fields" in result.stdout
    assert "Anki would add a copy 'Vocabulary+'" in result.stdout


def test_a_damaged_note_type_file_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    write(folder / "note-types", "vocabulary.json", '{"name": "Vocabulary", "id": 5}')
    result = runner.invoke(main, ["check", str(folder)])
    assert result.exit_code == 1
    assert "vocabulary.json:1: error: the note type file is incomplete or damaged" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fields": "Word"}, "fields must be a list of texts"),
        ({"templates": ["front"]}, "templates must be a list of objects"),
        ({"sort_field": 7}, "sort_field must be a whole number from 0 to 2"),
        ({"modified": 1e999}, "modified must be a whole number"),
        ({"id": 2**70}, "id must be a whole number from 1 to"),
        (
            {"templates": [{"name": "Card 1", "front": "{{#Word}}{{Word}}", "back": "{{Meaning}}"}]},
            "the front template opens {{#Word}} and never closes it",
        ),
        (
            {"templates": [{"name": "Card 1", "front": "{{Word}}{{/Word}}", "back": "{{Meaning}}"}]},
            "the front template closes {{/Word}} where no such section is open",
        ),
    ],
    ids=[
        "fields-text",
        "template-text",
        "sort-field",
        "modified-inf",
        "id-too-large",
        "unclosed",
        "unopened",
    ],
)
def test_a_hostile_note_type_file_is_one_clean_error(
    runner: CliRunner, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    folder = _folder(tmp_path)
    path = folder / "note-types" / "vocabulary.json"
    data = json.loads(path.read_text())
    data.update(change)
    path.write_text(json.dumps(data))  # 1e999 is written as Infinity, which json reads back
    for command in ("check", "build"):
        result = runner.invoke(
            main, [command, str(folder), *(["-o", str(tmp_path / "out")] if command == "build" else [])]
        )
        assert result.exit_code == 1, result.output
        assert (
            f"vocabulary.json:1: error: the note type file is incomplete or damaged ({message}"
            in result.stderr
        )
        assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback


def test_a_note_type_file_nested_too_deep_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    write(folder / "note-types", "vocabulary.json", "[" * 100_000 + "]" * 100_000)
    result = runner.invoke(main, ["check", str(folder)])
    assert (
        result.exit_code == 1
        and "vocabulary.json:1: error: the note type file nests too deep" in result.stderr
    )


@pytest.mark.anki
def test_real_anki_takes_the_apkg_and_the_csv_with_their_note_types(
    runner: CliRunner, tmp_path: Path
) -> None:
    from .anki_helpers import import_apkg, import_csv, new_collection, notes_by_guid

    folder = _folder(tmp_path)
    out = tmp_path / "out"
    built = runner.invoke(main, ["build", str(folder), "-o", str(out), "-f", "apkg", "-f", "csv"])
    assert built.exit_code == 0, built.output

    packaged = tmp_path / "packaged"
    packaged.mkdir()
    col = new_collection(packaged)
    log = import_apkg(col, out / "words.apkg")
    assert len(log.new) == 4
    notes = {note.note_type()["name"].rstrip("+"): note for note in notes_by_guid(col).values()}
    vocabulary = notes["Vocabulary"]
    assert vocabulary.note_type()["id"] == VOCABULARY.id
    assert [field["name"] for field in vocabulary.note_type()["flds"]] == ["Word", "Meaning", "Example"]
    assert vocabulary.note_type()["css"] == VOCABULARY.css
    assert vocabulary.fields[0] == "perro"
    assert vocabulary.fields[1].startswith("<p>dog</p>") and "<b>Note:</b>" in vocabulary.fields[1]
    assert vocabulary.fields[2] == "El perro come."  # one paragraph: no <p>, as Anki stores it
    assert len(notes["Basic (and reversed card)"].cards()) == 2
    assert notes["Basic (and reversed card)"].tags == ["terms"]
    assert notes["Cloze"].fields[0] == "{{c1::Paris}} is the capital of France"
    col.close()

    # CSV: Anki's own types by name, and Vocabulary once the collection has it.
    by_csv = tmp_path / "csv"
    by_csv.mkdir()
    col = new_collection(by_csv)
    models = col.models
    model = models.new("Vocabulary")
    for name in VOCABULARY.fields:
        models.add_field(model, models.new_field(name))
    template = models.new_template("Recognise")
    template["qfmt"], template["afmt"] = "{{Word}}", "{{Meaning}}"
    models.add_template(model, template)
    models.add(model)
    log, _ = import_csv(col, out / "words.csv")
    assert len(log.new) == 4
    notes = {note.note_type()["name"]: note for note in notes_by_guid(col).values()}
    assert set(notes) == {"Basic", "Basic (and reversed card)", "Cloze", "Vocabulary"}
    assert notes["Vocabulary"].fields[2] == "El perro come."
    assert len(notes["Basic (and reversed card)"].cards()) == 2
    col.close()


def test_diff_warns_when_a_cards_note_type_changes(runner: CliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert (
        runner.invoke(main, ["build", str(folder), "-o", str(tmp_path / "out"), "-f", "csv"]).exit_code == 0
    )
    lock = (folder / "deckbuilder.lock").read_text(encoding="utf-8")
    assert '"type": "Vocabulary"' in lock and '"type": "Basic"' in lock
    deck = folder / "words.md"
    deck.write_text(deck.read_text(encoding="utf-8").replace("basic: Basic, ", ""), encoding="utf-8")
    result = runner.invoke(main, ["diff", str(folder)])
    assert result.exit_code == 1
    assert "note type changed from 'Basic' to deckbuilder's own" in result.stdout


def test_new_css_without_a_newer_mod_time_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    path = folder / "note-types" / "vocabulary.json"
    data = json.loads(path.read_text())
    data["css"] = ".card { font-family: sans-serif; }\n"
    path.write_text(json.dumps(data))
    result = runner.invoke(main, ["check", str(folder)])
    assert (
        "the CSS or templates of note type 'Vocabulary' changed, but its 'modified' time did not"
        in result.stdout
    )
    data["modified"] += 1
    path.write_text(json.dumps(data))
    assert "changed" not in runner.invoke(main, ["check", str(folder)]).stdout
