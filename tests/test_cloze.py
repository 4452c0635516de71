"""Cloze deletions and reversed cards: parsing, checks, real Anki (apkg and CSV) and print."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from deckbuilder import read
from deckbuilder.cli import main
from deckbuilder.html.markup import MarkupOptions, to_html
from deckbuilder.model import DeckSettings

from .conftest import FIXTURES_DIR, write

T0 = int(time.time()) - 86_400


def cards(text: str, settings: DeckSettings | None = None):  # type: ignore[no-untyped-def]
    return read.parse(text, Path("d.md"), settings)


KINDS = {
    "body-with-deletions": ("## Capitals\n\nParis is the capital of {{c1::France}}.\n", "cloze", False),
    "heading-only-deletion": ("## Paris is the capital of {{c1::France}}\n", "cloze", False),
    "marker-cloze": ("## Facts {.cloze}\n\nWater boils at {{c1::100}} °C.\n", "cloze", False),
    "marker-reverse": ("## Chat? {.reverse}\n\nCat.\n", "basic", True),
    "basic": ("## Chat?\n\nCat.\n", "basic", False),
    "braces-in-code-only": ("## Syntax?\n\nWrite `{{c1::x}}`.\n", "basic", False),
}


@pytest.mark.parametrize(("text", "kind", "reverse"), KINDS.values(), ids=KINDS.keys())
def test_card_kinds(text: str, kind: str, reverse: bool) -> None:
    [card] = cards(text).deck.cards
    assert (card.kind, card.reverse) == (kind, reverse)


def test_deck_wide_settings() -> None:
    deck = cards("---\nreverse: true\n---\n## A?\n\nB.\n\n## C is {{c1::D}}\n").deck
    assert [(c.kind, c.reverse) for c in deck.cards] == [("basic", True), ("cloze", False)]
    deck = cards("---\ntype: cloze\n---\n## Facts\n\nIt is {{c1::so}}.\n").deck
    assert deck.cards[0].kind == "cloze"


def test_heading_is_the_extra_and_body_the_text() -> None:
    [card] = cards("## Capitals\n\nParis is the capital of {{c1::France}}.\n").deck.cards
    assert (card.cloze_text, card.cloze_extra) == ("Paris is the capital of {{c1::France}}.", "Capitals")
    [alone] = cards("## Paris is the capital of {{c1::France}}\n").deck.cards
    assert (alone.cloze_text, alone.cloze_extra) == ("Paris is the capital of {{c1::France}}", "")


@pytest.mark.parametrize(
    ("markdown", "anki", "front", "back"),
    [
        ("It is {{c1::**bold** and `code`::hint}}.", "{{c1::<b>bold</b> and <code>code</code>::hint}}",
         '<span class="cloze">[hint]</span>', '<span class="cloze cloze-answer"><b>bold</b> and <code>code</code></span>'),
        ("- {{c1::item}}\n- {{c2::other}}", "<li>{{c1::item}}</li>", '<li><span class="cloze">[…]</span></li>', "<li>other</li>"),
        ("| a |\n|---|\n| {{c1::cell}} |", "<td>{{c1::cell}}</td>", '<td><span class="cloze">[…]</span></td>', "cloze-answer"),
        ("`{{c1::code}}` and\n\n```\n{{c1::block}}\n```", "<code>{<wbr>{c1::code}}</code>", "<code>{{c1::code}}</code>", "{{c1::block}}"),
    ],
    ids=["nested-formatting", "list", "table", "code-stays-literal"],
)  # fmt: skip
def test_cloze_rendering(markdown: str, anki: str, front: str, back: str) -> None:
    assert anki in to_html(markdown)
    assert front in to_html(markdown, MarkupOptions(cloze="front", cloze_number=1))
    assert back in to_html(markdown, MarkupOptions(cloze="back", cloze_number=1))


CHECKS = {
    "unbalanced": ("## Facts\n\nIt is {{c1::open.\n", "error", "a cloze deletion is not closed"),
    "empty": ("## Facts\n\nIt is {{c1::}} empty.\n", "error", "a cloze deletion is empty"),
    "number-gap": ("## Facts\n\nIt is {{c1::a}} and {{c3::b}}.\n", "warning", "cloze numbers skip c2"),
    "clozes-in-a-basic-card": ("## What is {{c1::X}}?\n\nAn answer without deletions.\n", "error",
                               "cloze deletions in a card that is not a cloze note"),
    "cloze-marker-without-deletions": ("## Facts {.cloze}\n\nNo deletions.\n", "error", "a cloze card needs deletions"),
}  # fmt: skip


@pytest.mark.parametrize(("text", "severity", "message"), CHECKS.values(), ids=CHECKS.keys())
def test_check_reports_cloze_mistakes(
    runner: CliRunner, tmp_path: Path, text: str, severity: str, message: str
) -> None:
    deck = write(tmp_path, "d.md", text)
    result = runner.invoke(main, ["check", str(deck)])
    # Syntax mistakes are reported at the deletion's line, the card's own problems at its heading.
    line = 3 if message.startswith("a cloze deletion is") else 1
    assert f"{deck}:{line}: {severity}: {message}" in result.stdout
    assert result.exit_code == (1 if severity == "error" else 0)


def fixture_deck(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copy(FIXTURES_DIR / "cloze.md", folder / "cloze.md")
    return folder


def build(runner: CliRunner, folder: Path, out: Path, *formats: str, now: int = T0) -> None:
    flags = [item for name in formats for item in ("-f", name)]
    result = runner.invoke(
        main, ["build", str(folder), "-o", str(out), *flags], env={"SOURCE_DATE_EPOCH": str(now)}
    )
    assert result.exit_code == 0, result.output


def visible(html: str) -> str:
    return " ".join(re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S).split())


@pytest.mark.anki
def test_real_anki_makes_a_card_per_deletion_and_two_for_reversed(runner: CliRunner, tmp_path: Path) -> None:
    from .anki_helpers import import_apkg, new_collection

    folder = fixture_deck(tmp_path)
    build(runner, folder, tmp_path / "out", "apkg")
    col = new_collection(tmp_path)
    log = import_apkg(col, tmp_path / "out" / "cloze.apkg")
    assert len(log.new) == 5 and len(log.conflicting) == 0
    counts = {
        col.get_note(nid).fields[0][:20]: len(col.get_note(nid).card_ids()) for nid in col.find_notes("")
    }
    assert sorted(counts.values()) == [
        1,
        1,
        1,
        2,
        3,
    ]  # speed of light, literal braces, ordinary, reversed, capitals
    capitals = next(
        col.get_note(nid) for nid in col.find_notes("") if "France" in col.get_note(nid).fields[0]
    )
    assert col.models.get(capitals.mid)["name"] == "deckbuilder Cloze"
    first = next(col.get_card(cid) for cid in capitals.card_ids() if col.get_card(cid).ord == 0)
    assert "The capital of France is [city] and of Italy Rome" in visible(first.question())
    assert "The capital of France is Paris and of Italy Rome" in visible(first.answer())
    assert "Capitals" in visible(first.answer())
    literal = next(col.get_note(nid) for nid in col.find_notes("") if "Use" in col.get_note(nid).fields[0])
    card = col.get_card(literal.card_ids()[0])
    assert "{{c1::x}}" in visible(card.question()).replace(" ", "") and "[...]" in visible(card.question())
    reversed_note = next(
        col.get_note(nid) for nid in col.find_notes("") if "powerhouse" in col.get_note(nid).fields[0]
    )
    questions = sorted(visible(col.get_card(cid).question()) for cid in reversed_note.card_ids())
    assert questions == ["The mitochondrion.", "What is the powerhouse of the cell?"]
    col.close()


@pytest.mark.anki
def test_turning_reversal_on_keeps_the_note_and_its_history(runner: CliRunner, tmp_path: Path) -> None:
    from .anki_helpers import import_apkg, new_collection, review_all, review_state

    folder = tmp_path / "src"
    folder.mkdir()
    deck = write(folder, "v.md", "## Chat?\n\nCat.\n\n## Chien?\n\nDog.\n")
    build(runner, folder, tmp_path / "v1", "apkg")
    col = new_collection(tmp_path)
    import_apkg(col, tmp_path / "v1" / "v.apkg")
    review_all(col)
    before = review_state(col)
    deck.write_text("## Chat? {.reverse}\n\nCat.\n\n## Chien?\n\nDog.\n", encoding="utf-8")
    diff = runner.invoke(main, ["diff", str(folder)])
    assert "reversal turned on: the .apkg updates the note in place" in diff.stdout
    build(runner, folder, tmp_path / "v2", "apkg", now=T0 + 60)
    log = import_apkg(col, tmp_path / "v2" / "v.apkg")
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert col.note_count() == 2 and col.card_count() == 3
    after = review_state(col)
    assert {cid: after[cid] for cid in before} == before
    col.close()


def test_diff_warns_when_a_card_becomes_a_cloze(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    deck = write(folder, "k.md", "## Capital of France?\n\nParis is the capital of France.\n")
    build(runner, folder, tmp_path / "out", "csv")
    deck.write_text("## Capital of France?\n\nParis is the capital of {{c1::France}}.\n", encoding="utf-8")
    result = runner.invoke(main, ["diff", str(folder)])
    assert (
        "this card changed from basic to cloze: Anki cannot change a note's type on import" in result.stdout
    )


@pytest.mark.anki
def test_csv_goes_to_the_built_in_note_types(runner: CliRunner, tmp_path: Path) -> None:
    from .anki_helpers import import_csv, new_collection

    folder = fixture_deck(tmp_path)
    build(runner, folder, tmp_path / "out", "csv")
    col = new_collection(tmp_path)
    log, _ = import_csv(col, tmp_path / "out" / "cloze.csv")
    assert len(log.new) == 5 and len(log.conflicting) == 0
    kinds = sorted(
        (col.models.get(col.get_note(n).mid)["name"], len(col.get_note(n).card_ids()))
        for n in col.find_notes("")
    )
    assert kinds == [("Basic", 1), ("Basic (and reversed card)", 2), ("Cloze", 1), ("Cloze", 1), ("Cloze", 3)]
    col.close()


def test_plain_csv_blanks_the_deletions(runner: CliRunner, tmp_path: Path) -> None:
    import csv
    import io

    folder = fixture_deck(tmp_path)
    result = runner.invoke(
        main, ["build", str(folder), "-o", str(tmp_path / "out"), "-f", "csv", "--csv-dialect", "plain"]
    )
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "cloze.csv").read_text(encoding="utf-8"))))
    assert rows[1][0].startswith("The capital of France is [city] and of Italy […].")
    assert rows[1][1].startswith("The capital of France is Paris and of Italy Rome.")
    assert rows[1][1].endswith("Capitals")


@pytest.mark.browser
def test_printed_cloze_cards_hide_exactly_their_own_deletion(runner: CliRunner, tmp_path: Path) -> None:
    from .browser_helpers import launch, measure, open_print, playwright_api, screenshot_pages
    from .test_print import assert_printable

    folder = fixture_deck(tmp_path)
    build(runner, folder, tmp_path / "out", "html")
    with playwright_api.sync_playwright() as playwright:
        browser = launch(playwright)
        page = open_print(browser, tmp_path / "out" / "cloze.html")
        assert_printable(measure(page))
        sides = page.evaluate(
            "[...document.querySelectorAll('.side')].map(s => [s.dataset.guid, s.dataset.card, s.dataset.side,"
            " s.querySelector('.inner').innerText.replace(/\\s+/g, ' ').trim()])"
        )
        text = {
            (card, side): inner
            for _, card, side, inner in sides
            if "capital of France" in inner or "Madrid" in inner or "[" in inner
        }
        assert (
            len([s for s in sides if s[2] == "front"]) == 8
        )  # capitals 3, light 1, reversed 2, literal 1, ordinary 1
        capitals = {(card, side): inner for guid, card, side, inner in sides if "Spain" in inner}
        assert (
            "France is [city] and of Italy Rome" in capitals[("c1", "front")]
            and "Madrid" in capitals[("c1", "front")]
        )
        assert "France is Paris and of Italy […]" in capitals[("c2", "front")]
        assert "Spain […]" in capitals[("c3", "front")] and "Rome" in capitals[("c3", "front")]
        assert "France is Paris and of Italy Rome" in capitals[("c1", "back")]
        highlighted = page.evaluate(
            '[...document.querySelectorAll(\'[data-card="c3"][data-side="back"] .cloze-answer\')].map(e => e.innerText)'
        )
        assert highlighted == ["Madrid"]
        assert ("reverse", "front") in {(card, side) for _, card, side, _ in sides}
        assert text
        screenshot_pages(page, "cloze", count=2)
        browser.close()


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Rome was founded in {{c1::753} BC.\n\nIt fell in {{c2::476}}.", 7,
         "a cloze deletion is not closed: write it as {{c1::text}}"),
        ("First line.\nThe capital is {{c1:Paris}}.", 8,
         "a cloze deletion needs two colons: write {{c1::text}}, not {{c1:text}}"),
        ("Intro.\n\nNothing hidden: {{c1::}} here, and {{c2::this}}.", 9,
         "a cloze deletion is empty: put the hidden text between {{c1:: and }}"),
        ("Zero: {{c0::nothing}} and {{c1::one}}.", 7,
         "cloze numbers start at 1: write {{c1::text}}, not {{c0::text}}"),
        ("Text.\n\nThe ratio {{c1::$\\frac{a}{b}}$}} matters.", 9,
         "'}}' inside math ends the cloze deletion (as in Anki); write '} }' inside the math"),
    ],
    ids=["unclosed", "one-colon", "empty", "zero", "braces-in-math"],
)  # fmt: skip
def test_broken_cloze_syntax_is_an_error_at_its_line(
    runner: CliRunner, tmp_path: Path, body: str, line: int, message: str
) -> None:
    source = tmp_path / "deck.md"
    source.write_text(
        f"# Facts\n\nAbout them.\n\n## History {{.cloze}}\n\n{body}\n\n## Other?\n\nFine.\n", encoding="utf-8"
    )
    result = runner.invoke(main, ["check", str(source)])
    assert result.exit_code == 1
    assert f"{source}:{line}: error: {message}" in result.stdout
    built = runner.invoke(main, ["build", str(source), "-f", "csv", "-o", str(tmp_path / "out")])
    assert built.exit_code == 1 and not (tmp_path / "out" / "deck.csv").exists()
