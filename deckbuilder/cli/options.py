"""Options shared by several commands, and their defaults from the settings file."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from deckbuilder.render.paper import CARD_SIZES, DUPLEX_MODES, GRIDS, LAYOUTS, PAPERS

F = TypeVar("F", bound=Callable[..., Any])
PROGRESS_MIN_CARDS = 2000
"""Builds of fewer card renderings than this finish too soon for a progress bar to help."""


def sources_argument(command: F) -> F:
    return click.argument("sources", nargs=-1, type=click.Path(path_type=Path))(command)


def recursive_option(command: F) -> F:
    return click.option(
        "-r", "--recursive", is_flag=True, help="Also read markdown in sub-folders of folder SOURCES."
    )(command)


def collection_option(help_text: str) -> Callable[[F], F]:
    """``-c/--collection PATH``: an Anki collection file."""

    def add(command: F) -> F:
        return click.option(
            "-c", "--collection", type=click.Path(path_type=Path, dir_okay=False), help=help_text
        )(command)

    return add


def verbosity_options(command: F) -> F:
    command = click.option("-v", "--verbose", is_flag=True, help="Say more: each card that changed.")(command)
    return click.option("-q", "--quiet", is_flag=True, help="Say nothing but problems.")(command)


def print_options(command: F) -> F:
    """The options of printable output (html and pdf)."""
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
            help="html/pdf: the edge a double-sided print flips on, or 'fold': single-sided, "
            "each front beside its back.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def output_options(command: F) -> F:
    """Formats, output folder and the csv format's options."""
    from deckbuilder.render import FORMATS

    options = [
        click.option(
            "-f",
            "--format",
            "formats",
            multiple=True,
            type=click.Choice(sorted(FORMATS)),
            help="Output format; repeat for several. Default: apkg, csv and html (pdf only when asked).",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path, file_okay=False),
            default=Path("output"),
            show_default=True,
            help="Folder for the outputs; created if missing.",
        ),
        click.option(
            "--package",
            metavar="NAME",
            default=None,
            help="Write one NAME.apkg (and NAME.csv, NAME.html, NAME.pdf) holding every deck read, "
            "each an Anki deck (a section) of its own, so one import brings them all. Default: one "
            "file per source.",
        ),
        click.option(
            "--csv-dialect",
            type=click.Choice(["anki", "plain"]),
            default="anki",
            show_default=True,
            help="csv: 'anki' imports into Anki with GUIDs, deck and tags; 'plain' is "
            "question,answer,tags text.",
        ),
        click.option(
            "--csv-note-type",
            default="Basic",
            show_default=True,
            help="csv: the Anki note type the rows import into.",
        ),
        click.option(
            "--csv-fields",
            default="Front=question,Back=answer",
            show_default=True,
            help="csv: note type fields and what fills them (question, answer, context, number, tags).",
        ),
        click.option("--csv-bom", is_flag=True, help="csv: start with a UTF-8 byte-order mark (for Excel)."),
    ]
    for option in reversed(options):
        command = option(command)
    return print_options(command)


def settings_folder(sources: Sequence[Path]) -> Path:
    """The folder whose deckbuilder.toml gives the defaults: the first source's."""
    if not sources:
        return Path("source") if Path("source").is_dir() else Path(".")
    first = sources[0]
    return first if first.is_dir() else first.parent


def with_settings(command: F) -> F:
    """Fill options left at their defaults from deckbuilder.toml or [tool.deckbuilder]."""

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        from deckbuilder.app.settings import option_defaults

        context = click.get_current_context()
        for name, value in option_defaults(settings_folder(kwargs.get("sources", ()))).items():
            if name in kwargs and context.get_parameter_source(name) is ParameterSource.DEFAULT:
                kwargs[name] = value
        return command(**kwargs)

    return wrapper  # type: ignore[return-value]


def print_settings(layout: str, paper: str, cards_per_page: str, card_size: str | None, duplex: str) -> Any:
    from deckbuilder.render.geometry import PrintOptions, grid_for

    chosen = PrintOptions(layout, paper, int(cards_per_page), card_size, duplex)
    try:
        grid_for(chosen)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--card-size") from None
    return chosen


def csv_settings(csv_dialect: str, csv_note_type: str, csv_fields: str, csv_bom: bool) -> Any:
    from deckbuilder.render import CSV_CARD_FIELDS, CsvOptions

    for hint, value in (("--csv-note-type", csv_note_type), ("--csv-fields", csv_fields)):
        if any(character < " " for character in value):  # a tab or line break would add columns or headers
            raise click.BadParameter("must be one line of text without tabs", param_hint=hint)
    pairs = []
    for item in csv_fields.split(","):
        name, equals, value = item.partition("=")
        if not equals or not name.strip() or value.strip() not in CSV_CARD_FIELDS:
            raise click.BadParameter(
                f"'{item}' is not FIELD=VALUE with VALUE one of {', '.join(CSV_CARD_FIELDS)}",
                param_hint="--csv-fields",
            )
        pairs.append((name.strip(), value.strip()))
    return CsvOptions(csv_dialect, csv_note_type, tuple(pairs), csv_bom)


def split_settings(kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """CsvOptions and PrintOptions from a command's keyword arguments."""
    csv_keys = ("csv_dialect", "csv_note_type", "csv_fields", "csv_bom")
    print_keys = ("layout", "paper", "cards_per_page", "card_size", "duplex")
    return csv_settings(**{k: kwargs[k] for k in csv_keys}), print_settings(
        **{k: kwargs[k] for k in print_keys}
    )


class ProgressBar:
    """A progress bar on stderr for long builds, shown only when stderr is a terminal."""

    def __init__(self, label: str = "rendering") -> None:
        self.label = label
        self.bar: Any = None

    def start(self, total: int) -> None:
        if total >= PROGRESS_MIN_CARDS and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()

    def advance(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done)

    def stage(self, name: str) -> None:
        """Name the step that runs now, on the bar (printing a PDF takes seconds and renders no card)."""
        if self.bar is not None:
            self.bar.label = name
            self.bar.render_progress()

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
