"""What ``push``, ``pull`` and ``import`` report: their summaries, lists and JSON."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from deckbuilder.app.importing import ImportReport
    from deckbuilder.app.pull import PullReport
    from deckbuilder.app.push import PushReport
    from deckbuilder.reverse.edits import TwoVersions


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def json_text(value: Any, **options: Any) -> str:
    return json.dumps(value, **options)


def list_pushed(report: PushReport) -> None:
    for label, questions in (
        ("new", report.new),
        ("updated", report.updated),
        ("conflicting", report.conflicting),
        ("moved", report.moved),
        ("deleted", report.pruned),
    ):
        for question in questions:
            click.echo(f"  {label:<11} {question}")


def versions_json(card: TwoVersions) -> dict[str, str]:
    return {"source": card.where, "question": card.question, "markdown": card.markdown, "anki": card.anki}


def _both_versions(card: TwoVersions) -> None:
    """Each version as a block of its own, every line indented, so that a reader sees where it ends."""
    for label, text in (("markdown", card.markdown), ("anki", card.anki)):
        click.echo(f"  {label}:", err=True)
        click.echo(textwrap.indent(text or "(empty)", "    ", lambda line: True), err=True)


def report_pull(
    report: PullReport, *, dry_run: bool, add_new: bool, as_json: bool, quiet: bool, verbose: bool
) -> None:
    if as_json:
        click.echo(json_text({
            "pulled": report.pulled, "added": report.added, "new_notes": report.new_notes,
            "unaddable": report.unaddable, "dry_run": dry_run,
            "conflicts": [versions_json(c) for c in report.conflicts],
            "unwritable": [versions_json(c) for c in report.unwritable],
        }, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        if dry_run and report.diff:
            click.echo(report.diff, nl=False)
        for conflict in report.conflicts:
            click.echo(
                f"{conflict.where}: conflict: '{conflict.question}' was edited both in Anki and in the "
                "markdown since the last build; the markdown is left as you wrote it. Keep the version "
                "you want in the markdown, then build and import (or push)",
                err=True,
            )
            _both_versions(conflict)
        for card in report.unwritable:
            click.echo(f"{card.where}: '{card.question}' was edited in Anki, but pull cannot rewrite a card "
                       f"written as {card.shape}; copy the edit by hand", err=True)  # fmt: skip
            _both_versions(card)
        if report.unaddable:
            click.echo(f"{count(len(report.unaddable), 'new note')} of a note type the deck does not name "
                       "(add it to note_types to append them):", err=True)  # fmt: skip
            for line in report.unaddable:
                click.echo(f"  {line}", err=True)
        if report.new_notes and not add_new:
            added = count(len(report.new_notes), "note")
            click.echo(f"{added} added in Anki (pull --add-new appends them):", err=True)
            for line in report.new_notes:
                click.echo(f"  {line}", err=True)
        if not quiet:
            verb = "would pull" if dry_run else "pulled"
            click.echo(f"{verb} {count(len(report.pulled), 'card')}, added {len(report.added)}, "
                       f"{count(len(report.conflicts), 'conflict')}")  # fmt: skip
            if verbose:
                for line in [*report.pulled, *report.added]:
                    click.echo(f"  {line}")


def report_import(report: ImportReport, *, as_json: bool, quiet: bool, verbose: bool) -> None:
    if as_json:
        click.echo(json_text({
            "decks": [{"path": str(path), "cards": cards} for path, cards in report.decks],
            "note_types": [str(path) for path in report.note_types], "media": report.media,
            "as_html": report.as_html, "not_cards": report.not_cards, "sounds": report.sounds,
            "left_out": report.left_out, "media_left": report.media_left,
        }, indent=2, ensure_ascii=False))  # fmt: skip
        return
    if not quiet:
        for path, cards in report.decks:
            click.echo(f"{path}: {count(cards, 'card')}")
        click.echo(
            f"{count(len(report.note_types), 'note type')} and {count(report.media, 'media file')} written"
        )
    for label, notes in (
        ("kept as HTML (markdown cannot say it exactly; edit it there or leave it)", report.as_html),
        ("with sounds, which builds do not carry: keep the files in Anki", report.sounds),
        ("not read back as cards, so not managed by deckbuilder (an answer like TODO)", report.not_cards),
        ("left out, as they would not read back as cards; they stay in Anki as they are", report.left_out),
        ("not copied, as no media file can be (the cards show them missing)", report.media_left),
    ):
        if notes:
            noun = "media file" if notes is report.media_left else "note"
            click.echo(f"{count(len(notes), noun)} {label}:", err=True)
            for line in (
                notes
                if verbose or len(notes) <= 10
                else [*notes[:10], f"... and {len(notes) - 10} more (-v)"]
            ):
                click.echo(f"  {line}", err=True)
    unmanaged = len(report.not_cards) + len(report.left_out)
    if unmanaged:
        click.echo(
            f"error: {count(unmanaged, 'note')} not managed by deckbuilder (listed above); the rest is "
            "imported: edit those notes in Anki, or write them into the markdown by hand",
            err=True,
        )
