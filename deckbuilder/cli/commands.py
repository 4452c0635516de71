"""The command line: thin Click commands that wire sources, decks and renderers together."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from deckbuilder._version import __version__
from deckbuilder.cli.options import (
    ProgressBar,
    collection_option,
    output_options,
    print_options,
    print_settings,
    recursive_option,
    sources_argument,
    split_settings,
    verbosity_options,
    with_settings,
)

if TYPE_CHECKING:
    from deckbuilder.errors import DeckbuilderError, Diagnostic

DIFF_ERROR_EXIT = 2
"""diff exits 0 for no changes and 1 for changes, like ``git diff --exit-code``; errors get 2."""


class DeckbuilderGroup(click.Group):
    """Prints user mistakes as ``path:line: error: message`` with exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            # Imported here, not at the top: ``--help`` should load as little as it can.
            from deckbuilder.errors import DeckbuilderError

            if not isinstance(error, DeckbuilderError):
                raise
            report_errors(error)
            ctx.exit(DIFF_ERROR_EXIT if ctx.invoked_subcommand == "diff" else 1)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was changed", err=True)
            ctx.exit(130)


def report_errors(error: DeckbuilderError) -> None:
    for diagnostic in error.diagnostics:
        click.echo(str(diagnostic), err=True)


@click.group(cls=DeckbuilderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="deckbuilder")
def main() -> None:
    """Turn question-and-answer markdown into Anki decks, CSV and printable cards.

    SOURCES are markdown files or folders of them; the default is source/.
    Settings: deckbuilder.toml beside the sources, or [tool.deckbuilder] in
    pyproject.toml, gives defaults for every option.
    """


@main.command()
@sources_argument
@recursive_option
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 1 on any), for CI.")
@click.option(
    "--print",
    "printed",
    is_flag=True,
    help="Also check that every card fits a printed card (what html and pdf builds need).",
)
@print_options
@verbosity_options
@with_settings
def check(
    sources: Sequence[Path],
    recursive: bool,
    as_json: bool,
    strict: bool,
    printed: bool,
    quiet: bool,
    verbose: bool,
    **printing: Any,
) -> None:
    """Report problems in the markdown without writing anything.

    Prints one 'path:line: error|warning: message' line per problem and exits
    with status 1 if any is an error (or, with --strict, a warning). With -v,
    also what the reader decided: which shape each card was read as, keys
    ignored, and why a heading is not a card.
    """
    from collections import Counter

    from deckbuilder.app.check import check_sources
    from deckbuilder.errors import Severity

    loaded, found = check_sources(sources, print_settings(**printing) if printed else None, recursive)
    problems = [p for p in found if verbose or p.severity is not Severity.NOTE]
    problems.sort(key=lambda p: (p.location.path, p.location.line) if p.location else ("", 0))
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = sum(1 for p in problems if p.severity is Severity.WARNING)
    cards = sum(len(item.deck.cards) for item in loaded)
    if as_json:
        click.echo(_json_dumps({"problems": [_problem_json(p) for p in problems], "cards": cards}, indent=2))
    else:
        for problem in problems:
            click.echo(str(problem))
        if verbose:
            for item in loaded:
                shapes = Counter(card.shape for card in item.deck.cards)
                read_as = ", ".join(f"{count} {shape}" for shape, count in shapes.most_common())
                deck = item.deck
                click.echo(
                    f"{deck.source}: {len(deck.cards)} cards ({read_as}) in deck '{deck.anki_deck}'", err=True
                )
                if item.parsed.reading:
                    click.echo(f"  headings: {item.parsed.reading}", err=True)
        if not quiet:
            click.echo(
                f"{_count(cards, 'card')} in {_count(len(loaded), 'deck')}: "
                f"{_count(errors, 'error')}, {_count(warnings, 'warning')}",
                err=True,
            )
    if errors or (strict and warnings):
        sys.exit(1)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _problem_json(problem: Diagnostic) -> dict[str, Any]:
    location = problem.location
    return {
        "path": location.path if location else None,
        "line": location.line if location else None,
        "severity": problem.severity.value,
        "message": problem.message,
    }


@main.command(name="list")
@sources_argument
@recursive_option
@click.option("--json", "as_json", is_flag=True, help="Print every deck and card as JSON (for scripts).")
@verbosity_options
@with_settings
def list_cards(sources: Sequence[Path], recursive: bool, as_json: bool, quiet: bool, verbose: bool) -> None:
    """List the cards with their numbers, GUIDs and tags.

    With --json, prints {"decks": [{"title", "anki_deck", "source", "footer",
    "cards": [{"guid", "number", "question", "answer", "question_html",
    "answer_html", "tags", "source", "shape", "note_type"}]}]}, where source is "path:line", note_type
    the Anki note type a deck chose for the card (null: deckbuilder's own) and shape how the
    card was written (heading, q-a, bold-item, faq, vocabulary, ...).
    """
    from deckbuilder.app.load import load_decks
    from deckbuilder.cli.listing import card_table, decks_json
    from deckbuilder.incremental.caching import Caching

    caching = Caching(use="read")
    decks = [item.deck for item in load_decks(sources, recursive=recursive, caching=caching)]
    if as_json:
        from deckbuilder.incremental.fragments import prerender

        tables = [deck_fragments.fragments for deck_fragments in prerender(decks, caching)]
        click.echo(_json_dumps(decks_json(decks, tables), indent=2, ensure_ascii=False))
        return
    width = shutil.get_terminal_size((100, 24)).columns
    for deck in decks:
        if not quiet:
            click.echo(
                f"{deck.title} ({deck.source}, deck '{deck.anki_deck}', {_count(len(deck.cards), 'card')})"
            )
        for line in card_table(deck, width, with_source=verbose):
            click.echo(line)


@main.command()
@sources_argument
@output_options
@recursive_option
@click.option(
    "--for-collection",
    type=click.Path(path_type=Path, dir_okay=False),
    help="apkg: make the packages for this Anki collection (another profile's collection.anki2, only "
    "read): its note types of the same name and fields are used, so importing adds no 'Basic+' copies.",
)
@verbosity_options
@with_settings
def build(
    sources: Sequence[Path],
    formats: Sequence[str],
    output: Path,
    package: str | None,
    recursive: bool,
    for_collection: Path | None,
    quiet: bool,
    verbose: bool,
    **settings: Any,
) -> None:
    """Build each markdown file into the output folder and update the lock file.

    One file per source and format, named after the source
    (source/biology.md -> output/biology.apkg); with --package NAME, one
    file per format (NAME.apkg, NAME.csv, ...) holds every deck. Nothing is written unless
    every deck builds; the lock file keeps each card's Anki identity, so
    re-importing updates cards in place and keeps their review history.
    """
    from deckbuilder.app.build import build as build_decks
    from deckbuilder.render import default_formats

    csv, printing = split_settings(settings)
    chosen = list(dict.fromkeys(formats)) or default_formats()
    builds = build_decks(
        sources, chosen, output, recursive=recursive, csv=csv, printing=printing, progress=ProgressBar(),
        package=_package_name(package), for_collection=for_collection,
    )  # fmt: skip
    report_builds(builds, quiet, verbose)
    if _ENDING_AT_ONCE:
        _KEPT_TO_THE_END.append(builds)  # freeing 100,000 cards' objects takes most of a second


def _package_name(package: str | None) -> str | None:
    """The package's file name without its suffix; a name holding a path is a usage error."""
    if package is None:
        return None
    name = package.removesuffix(".apkg").strip()
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise click.BadParameter(
            f"'{package}' is not a file name; give a name like 'biology'", param_hint="--package"
        )
    return name


def report_builds(builds: Sequence[Any], quiet: bool, verbose: bool) -> None:
    """Warnings on stderr (the reader's notes too with --verbose), then a summary per deck and,
    with --verbose, each card that changed."""
    from deckbuilder.errors import Severity

    shown = {Severity.WARNING, Severity.NOTE} if verbose else {Severity.WARNING}
    for deck_build in builds:
        for problem in deck_build.loaded.diagnostics:
            if problem.severity in shown:
                click.echo(str(problem), err=True)
        for warning in deck_build.warnings:
            click.echo(str(warning), err=True)
        if not quiet:
            click.echo(deck_build.summary())
        if verbose:
            for line in deck_build.card_lines():
                click.echo(f"  {line}")


@main.command()
@sources_argument
@recursive_option
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@verbosity_options
@with_settings
def diff(sources: Sequence[Path], recursive: bool, as_json: bool, quiet: bool, verbose: bool) -> None:
    """Show what the next build would change, and write nothing.

    Lists cards added, changed (with the changed words), matched after a
    reworded question, moved to another Anki deck, and removed from the
    markdown. Exit status: 0 when the
    next build would change nothing, 1 when it would (like git diff
    --exit-code), 2 on an error.
    """
    from deckbuilder.app.diff import diff_sources
    from deckbuilder.cli.difftext import report_lines

    reports = diff_sources(sources, recursive)
    changed = any(report.changes for report in reports)
    if as_json:
        click.echo(
            _json_dumps(
                {"changed": changed, "decks": [r.as_json() for r in reports]}, indent=2, ensure_ascii=False
            )
        )
    elif not quiet:
        for report in reports:
            for line in report_lines(report, verbose):
                click.echo(line)
    sys.exit(1 if changed else 0)


@main.command()
@sources_argument
@output_options
@recursive_option
@verbosity_options
@click.option(
    "--debounce",
    type=click.IntRange(50, 10_000),
    default=300,
    show_default=True,
    help="Longest wait, in milliseconds, for changes to stop before rebuilding (a build starts once "
    "the files were left alone for 20 ms).",
)
@with_settings
def watch(
    sources: Sequence[Path],
    formats: Sequence[str],
    output: Path,
    package: str | None,
    recursive: bool,
    quiet: bool,
    verbose: bool,
    debounce: int,
    **settings: Any,
) -> None:
    """Rebuild whenever a source, one of its images or deckbuilder.toml changes.

    Takes the same options as build. An error is printed with its path:line
    and watching goes on; Ctrl-C stops.
    """
    from deckbuilder.app.build import build as build_decks
    from deckbuilder.app.watch import watch_sources
    from deckbuilder.read.sources import resolve_sources
    from deckbuilder.render import default_formats

    csv, printing = split_settings(settings)
    chosen = list(dict.fromkeys(formats)) or default_formats()

    from deckbuilder.errors import DeckbuilderError

    packaged = _package_name(package)

    def rebuild(changed: list[Path] | None) -> None:
        # One package holds every deck: it is made again whole.
        only = changed if changed and packaged is None else None
        started = time.perf_counter()
        try:
            builds = build_decks(
                only or sources, chosen, output, recursive=recursive and only is None, csv=csv,
                printing=printing, package=packaged,
            )  # fmt: skip
            report_builds(builds, quiet, verbose)
            if not quiet:
                click.echo(_rebuilt(builds, only, time.perf_counter() - started), err=True)
        except DeckbuilderError as error:
            report_errors(error)
            click.echo("waiting for the next change…", err=True)

    watch_sources(
        sources, output, rebuild, debounce_ms=debounce, announce=not quiet, verbose=verbose,
        say=lambda line: click.echo(line, err=True), decks=lambda: resolve_sources(sources, recursive),
    )  # fmt: skip


def _rebuilt(builds: Sequence[Any], only: list[Path] | None, seconds: float) -> str:
    """What one round of watch built, in a line: which decks (the one saved, or all), how long."""
    names = ", ".join(build.loaded.deck.source.name for build in builds[:3])
    more = f" and {len(builds) - 3} more" if len(builds) > 3 else ""
    which = "the deck saved" if only and len(builds) == 1 else "the decks saved" if only else "every deck"
    return f"built {which} ({names}{more}) in {seconds:.2f} s"


@main.command()
@sources_argument
@collection_option("The Anki collection file (collection.anki2). Default: the default profile's.")
@click.option("--prune", is_flag=True, help="Also delete the notes of cards removed from the markdown.")
@click.option("-y", "--yes", is_flag=True, help="Prune without asking.")
@click.option("-n", "--dry-run", is_flag=True, help="Show what push would do, and change nothing.")
@click.option(
    "--keep-backups",
    "backups",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="Backups of the collection to keep (the first one, from before any push, is kept as well).",
)
@recursive_option
@verbosity_options
@with_settings
def push(
    sources: Sequence[Path],
    collection: Path | None,
    prune: bool,
    yes: bool,
    dry_run: bool,
    backups: int,
    recursive: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Import the decks straight into a local Anki collection (close Anki first).

    The same as File > Import of the built .apkg: new notes are added,
    edited notes updated, the rest and your own edits left alone, review
    history kept. A backup of the collection is kept when it was changed.
    With --prune, notes of cards deleted from the markdown (and only those
    deckbuilder made) are deleted too, after you confirm.
    """
    from deckbuilder.app.push import push_sources
    from deckbuilder.cli.reports import list_pushed
    from deckbuilder.collection.files import default_collection

    target = collection or default_collection()
    if collection is None and not quiet:
        click.echo(f"using the collection {target}", err=True)
    if prune and not yes and not dry_run:
        _confirm_pruning(sources, target, recursive)
    chosen = collection is not None
    _, report = push_sources(
        sources, target, prune=prune, dry_run=dry_run, recursive=recursive, backups=backups, chosen=chosen
    )
    prefix = "dry run, nothing changed: would be " if dry_run else ""
    if not quiet:
        click.echo(f"{target}: {prefix}{report.summary()}")
        if report.backup is not None:
            click.echo(f"backup of the collection before this push: {report.backup}", err=True)
    if verbose or dry_run:
        list_pushed(report)


def _confirm_pruning(sources: Sequence[Path], target: Path, recursive: bool) -> None:
    """Show the notes a push --prune would delete and ask; exit without a change on no."""
    from deckbuilder.app.push import push_sources

    _, preview = push_sources(sources, target, prune=True, dry_run=True, recursive=recursive)
    if preview.pruned:
        click.echo(f"push --prune would delete {_count(len(preview.pruned), 'note')}:")
        for question in preview.pruned:
            click.echo(f"  - {question}")
        if not click.confirm("Delete them?", default=False):
            click.echo("nothing was changed", err=True)
            sys.exit(1)


@main.command()
@sources_argument
@collection_option("The Anki collection file (collection.anki2), only read. Default: as for push.")
@click.option("-n", "--dry-run", is_flag=True, help="Print the changes as a diff, and write nothing.")
@click.option("--add-new", is_flag=True, help="Also append notes added in Anki to the deck's file.")
@click.option("--json", "as_json", is_flag=True, help="Print what was pulled, and the conflicts, as JSON.")
@recursive_option
@verbosity_options
@with_settings
def pull(
    sources: Sequence[Path],
    collection: Path | None,
    dry_run: bool,
    add_new: bool,
    as_json: bool,
    recursive: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Write edits made in Anki back into the markdown.

    Cards whose notes were edited in Anki since the last build get Anki's
    question, answer, sections and tags in their place in the markdown, and
    the lock takes the note's time, so the next build leaves the note as
    Anki has it. A card edited in the markdown too is a conflict: shown with
    both versions, left as you wrote it; the exit status is then 1. Notes
    added in Anki to the deck are listed (appended with --add-new). The
    collection is only read.
    """
    from deckbuilder.app.pull import pull as pull_edits
    from deckbuilder.cli.reports import report_pull
    from deckbuilder.collection.files import default_collection

    target = collection or default_collection()
    if collection is None and not quiet:
        click.echo(f"using the collection {target}", err=True)
    report = pull_edits(
        sources, target, dry_run=dry_run, add_new=add_new, recursive=recursive, chosen=collection is not None
    )
    report_pull(report, dry_run=dry_run, add_new=add_new, as_json=as_json, quiet=quiet, verbose=verbose)
    if report.conflicts or report.unwritable:
        sys.exit(1)


@main.command(name="import")
@click.argument("package", required=False, type=click.Path(path_type=Path, dir_okay=False))
@collection_option(
    "Import a deck from this Anki collection (collection.anki2) instead of a package; only read."
)
@click.option(
    "-d", "--deck", "deck_name", help="The deck to import from the collection (with its sub-decks)."
)
@click.option(
    "--into",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("source"),
    show_default=True,
    help="The folder to write the markdown, note types, media and lock into.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print what was written and what needs a look, as JSON."
)
@verbosity_options
def import_deck(
    package: Path | None,
    collection: Path | None,
    deck_name: str | None,
    into: Path,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Bring an Anki deck under markdown, keeping every card's review history.

    Give an exported PACKAGE.apkg (every deck in it), or --collection PATH
    --deck NAME. Writes one markdown file per deck into --into (a sub-deck
    Parent::Child as parent--child.md), each note type the notes use as
    note-types/*.json, their images in media/, and the lock file with each
    note's GUID and mod time: the next build and import update nothing, and
    later edits update the notes in place. Fields that markdown cannot say
    exactly stay as inline HTML; those notes are listed.
    """
    from deckbuilder.app.importing import DeckImportError, import_collection, import_package
    from deckbuilder.cli.reports import report_import

    if (package is None) == (collection is None):
        raise DeckImportError("give a package to import, or --collection PATH with --deck NAME (not both)")
    if collection is not None:
        if not deck_name:
            raise DeckImportError(
                "--collection needs --deck NAME: the deck to import (its sub-decks come too)"
            )
        report = import_collection(collection, deck_name, into, progress=ProgressBar("converting"))
    else:
        assert package is not None
        report = import_package(package, into, progress=ProgressBar("converting"))
    report_import(report, as_json=as_json, quiet=quiet, verbose=verbose)
    if report.not_cards or report.left_out or report.media_left:
        # The decks are written, but these notes stay in Anki unmanaged (or their images were not
        # copied, which a build will miss): a script must hear of it.
        sys.exit(1)


_ENDING_AT_ONCE = False
_KEPT_TO_THE_END: list[object] = []
"""What the build command made, kept for the system to free at exit when run() ends the process."""


def run() -> None:
    """The ``deckbuilder`` command: ``main``, then an exit that leaves freeing memory to the system.

    A 100,000-card build makes tens of millions of objects, which Python would free one by one
    (0.8 s); by the time ``main`` returns every file is written and closed, so nothing is lost by
    ending the process at once. Tests call ``main``, which frees and exits as usual."""
    global _ENDING_AT_ONCE
    _ENDING_AT_ONCE = True
    from deckbuilder.cli.interrupts import keep_interrupts

    keep_interrupts()
    try:
        main(prog_name="deckbuilder")
        code: object = 0
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:  # one that landed outside the command, after main's own handling
        code = 130
    if not isinstance(code, int):  # None, or a message that sys.exit would have printed
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (deckbuilder list | head)
            stream.flush()
    os._exit(code)


def _json_dumps(value: Any, **options: Any) -> str:
    import json  # here, not at the top: --help should not load it

    return json.dumps(value, **options)
