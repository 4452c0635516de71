"""The command line: thin Click commands that wire sources, decks and renderers together."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from deckbuilder._version import __version__
from deckbuilder.errors import DeckbuilderError, Diagnostic, Severity

SOURCES = click.argument("sources", nargs=-1, type=click.Path(path_type=Path, exists=False))
RECURSIVE = click.option(
    "-r", "--recursive", is_flag=True, help="Also read markdown in sub-folders of folder SOURCES."
)


def print_options(command: Any) -> Any:
    """The options of printable output (html and pdf), shared by build and check."""
    from deckbuilder.render.layout import CARD_SIZES, DUPLEX_MODES, GRIDS, LAYOUTS, PAPERS

    options = [
        click.option(
            "--layout",
            type=click.Choice(LAYOUTS),
            default="cards",
            show_default=True,
            help="html/pdf: 'cards' to cut out, or 'sheet', a flowing study sheet.",
        ),
        click.option(
            "--paper",
            type=click.Choice(sorted(PAPERS)),
            default="a4",
            show_default=True,
            help="html/pdf: paper size.",
        ),
        click.option(
            "--cards-per-page",
            type=click.Choice([str(n) for n in GRIDS]),
            default="8",
            show_default=True,
            help="html/pdf: the grid of cards on a page.",
        ),
        click.option(
            "--card-size",
            type=click.Choice(sorted(CARD_SIZES)),
            default=None,
            help="html/pdf: a card size preset instead of --cards-per-page.",
        ),
        click.option(
            "--duplex",
            type=click.Choice(DUPLEX_MODES),
            default="long",
            show_default=True,
            help="html/pdf: the edge a double-sided print flips on, or 'fold' for single-sided "
            "(front and back side by side).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _print_settings(layout: str, paper: str, cards_per_page: str, card_size: str | None, duplex: str) -> Any:
    from deckbuilder.render.layout import PrintOptions, grid_for

    chosen = PrintOptions(layout, paper, int(cards_per_page), card_size, duplex)
    try:
        grid_for(chosen)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--card-size") from None
    return chosen


class DeckbuilderGroup(click.Group):
    """Prints user mistakes as ``path:line: error: message`` with exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DeckbuilderError as error:
            for diagnostic in error.diagnostics:
                click.echo(str(diagnostic), err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was changed", err=True)
            ctx.exit(130)


@click.group(cls=DeckbuilderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="deckbuilder")
def main() -> None:
    """Turn question-and-answer markdown into Anki decks, CSV and printable cards.

    SOURCES are markdown files or folders of them; the default is source/.
    """


@main.command()
@SOURCES
@RECURSIVE
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@print_options
def check(sources: Sequence[Path], recursive: bool, as_json: bool, **print_settings: Any) -> None:
    """Report problems in the markdown without writing anything.

    Prints one 'path:line: error|warning: message' line per problem and exits
    with status 1 if any is an error.
    """
    from deckbuilder.check import check_deck
    from deckbuilder.project import load_decks

    printing = _print_settings(**print_settings)
    loaded = load_decks(sources, recursive=recursive, strict=False)
    problems: list[Diagnostic] = []
    for item in loaded:
        problems.extend(item.diagnostics)
        problems.extend(check_deck(item.deck, printing))
    problems.sort(key=lambda p: (p.location.path, p.location.line) if p.location else ("", 0))
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = len(problems) - errors
    cards = sum(len(item.deck.cards) for item in loaded)
    if as_json:
        click.echo(json.dumps({"problems": [_problem_json(p) for p in problems], "cards": cards}, indent=2))
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(
            f"{cards} cards in {len(loaded)} deck{'s' if len(loaded) != 1 else ''}: "
            f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
            err=True,
        )
    if errors:
        sys.exit(1)


def _problem_json(problem: Diagnostic) -> dict[str, Any]:
    location = problem.location
    return {
        "path": location.path if location else None,
        "line": location.line if location else None,
        "severity": problem.severity.value,
        "message": problem.message,
    }


@main.command(name="list")
@SOURCES
@RECURSIVE
@click.option("--json", "as_json", is_flag=True, help="Print every deck and card as JSON (for scripts).")
def list_cards(sources: Sequence[Path], recursive: bool, as_json: bool) -> None:
    """List the cards with their numbers, GUIDs and tags.

    With --json, prints {"decks": [{"title", "anki_deck", "source", "footer",
    "cards": [{"guid", "number", "question", "answer", "question_html",
    "answer_html", "tags", "source"}]}]}, where source is "path:line".
    """
    from deckbuilder.project import load_decks

    loaded = load_decks(sources, recursive=recursive)
    decks = [item.deck for item in loaded]
    if as_json:
        from deckbuilder.listing import decks_json

        click.echo(json.dumps(decks_json(decks), indent=2, ensure_ascii=False))
        return
    from deckbuilder.listing import card_table

    width = shutil.get_terminal_size((100, 24)).columns
    for deck in decks:
        click.echo(f"{deck.title} ({deck.source}, deck '{deck.anki_deck}', {len(deck.cards)} cards)")
        for line in card_table(deck, width):
            click.echo(line)


def _format_choice() -> click.Choice[str]:
    from deckbuilder.render import FORMATS

    return click.Choice(sorted(FORMATS))


@main.command()
@SOURCES
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=_format_choice(),
    help="Output format; repeat for several. Default: every format whose dependencies are installed.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("output"),
    show_default=True,
    help="Folder for the outputs; created if missing.",
)
@RECURSIVE
@click.option(
    "--csv-dialect",
    type=click.Choice(["anki", "plain"]),
    default="anki",
    show_default=True,
    help="csv: 'anki' imports into Anki with GUIDs, deck and tags; 'plain' is question,answer,tags text.",
)
@click.option(
    "--csv-note-type",
    default="Basic",
    show_default=True,
    help="csv: the Anki note type the rows import into.",
)
@click.option(
    "--csv-fields",
    default="Front=question,Back=answer",
    show_default=True,
    help="csv: note type fields and what fills them (question, answer, context, number, tags).",
)
@click.option("--csv-bom", is_flag=True, help="csv: start with a UTF-8 byte-order mark (for Excel).")
@print_options
def build(
    sources: Sequence[Path],
    formats: Sequence[str],
    output: Path,
    recursive: bool,
    csv_dialect: str,
    csv_note_type: str,
    csv_fields: str,
    csv_bom: bool,
    **print_settings: Any,
) -> None:
    """Build each markdown file into the output folder and update the lock file.

    One file per source and format, named after the source
    (source/biology.md -> output/biology.apkg). Nothing is written unless
    every deck builds; the lock file keeps each card's Anki identity, so
    re-importing updates cards in place and keeps their review history.
    """
    from deckbuilder.build import build as build_decks
    from deckbuilder.render import CsvOptions, default_formats

    chosen = list(dict.fromkeys(formats)) or default_formats()
    csv = CsvOptions(csv_dialect, csv_note_type, _field_mapping(csv_fields), csv_bom)
    printing = _print_settings(**print_settings)
    for deck_build in build_decks(sources, chosen, output, recursive=recursive, csv=csv, printing=printing):
        for warning in deck_build.warnings:
            click.echo(str(warning), err=True)
        click.echo(deck_build.summary())


def _field_mapping(text: str) -> tuple[tuple[str, str], ...]:
    from deckbuilder.render import CSV_CARD_FIELDS

    pairs = []
    for item in text.split(","):
        name, equals, value = item.partition("=")
        if not equals or not name.strip() or value.strip() not in CSV_CARD_FIELDS:
            raise click.BadParameter(
                f"'{item}' is not FIELD=VALUE with VALUE one of {', '.join(CSV_CARD_FIELDS)}",
                param_hint="--csv-fields",
            )
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)
