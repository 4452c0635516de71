"""``deckbuilder diff`` as text for people."""

from __future__ import annotations

from deckbuilder.app.diff import CardChange, DeckChanges
from deckbuilder.errors import shorten

MARKS = {"added": "+", "changed": "~", "reworded": "~", "moved": ">", "removed": "-"}
QUESTION_WIDTH = 70


def report_lines(report: DeckChanges, verbose: bool = False) -> list[str]:
    """A summary line for the deck, a line or two per changed card, and how to find removed ones."""
    counts = {kind: len(report.of_kind(kind)) for kind in MARKS}
    if not report.changes:
        return [f"{report.loaded.deck.source}: no changes ({report.unchanged} cards unchanged)"]
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
    lines = [f"{report.loaded.deck.source}: {summary} ({report.unchanged} unchanged)"]
    for change in report.changes:
        lines.extend(_card_lines(change, verbose))
    search = report.anki_search()
    if search:
        lines.append(
            "  Removed cards stay in your Anki collection; to delete them, search Anki's browser for:"
        )
        lines.append(f"    {search}")
    return lines


def _card_lines(change: CardChange, verbose: bool) -> list[str]:
    number = f"#{change.card.number} " if change.card is not None and change.card.number is not None else ""
    where = f"  ({change.card.source})" if change.card is not None and verbose else ""
    mark = MARKS[change.kind]
    if change.kind == "reworded":
        similarity = f"{change.similarity:.0%}" if change.similarity is not None else "?"
        lines = [
            f"  {mark} reworded {number}(same card, {similarity} similar){where}",
            f"      was: {_short(change.previous_question or '', verbose)}",
            f"      now: {_short(change.question, verbose)}",
        ]
    else:
        lines = [f"  {mark} {change.kind:<8} {number}{_short(change.question, verbose)}{where}"]
        if change.kind == "removed":
            lines[-1] += f"  [guid {change.guid}]"
    if change.detail and change.kind in ("changed", "reworded", "moved"):
        lines.append(f"      {change.detail}")
    if change.caution:
        lines.append(f"      note: {change.caution}")
    return lines


def _short(text: str, verbose: bool) -> str:
    if verbose or len(text) <= QUESTION_WIDTH:
        return text
    return shorten(text, QUESTION_WIDTH)
