"""Setting values checked and normalised: what front matter and settings files both accept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from deckbuilder.errors import ConfigError, quoted
from deckbuilder.model import SourceLocation
from deckbuilder.read.tags import safe_tag, split_tag_list


def expect_text(value: Any, key: str, where: SourceLocation) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"'{key}' must be a non-empty text, got {quoted(value)}", where)
    if any(character < " " for character in value.strip()):
        # A deck or note type name goes into CSV headers and Anki's names: a line break there
        # would start a header line of its own.
        raise ConfigError(f"'{key}' must be one line of text, got {quoted(value)}", where)
    return value.strip()


def expect_tags(value: Any, key: str, where: SourceLocation) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(split_tag_list(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(tag for item in value if (tag := safe_tag(item)))
    raise ConfigError(f"'{key}' must be a list of tags, e.g. [biology, cells], got {quoted(value)}", where)


def expect_level(value: Any, key: str, where: SourceLocation) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 6:
        raise ConfigError(f"'{key}' must be a heading level from 1 to 6, got {quoted(value)}", where)
    return value


def expect_id(value: Any, key: str, where: SourceLocation) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise ConfigError(f"'{key}' must be a positive whole number, got {quoted(value)}", where)
    return value


def expect_card_type(value: Any, key: str, where: SourceLocation) -> str:
    if value not in ("basic", "cloze"):
        raise ConfigError(f"'{key}' must be basic or cloze, got {quoted(value)}", where)
    return str(value)


NOTE_TYPE_KINDS = ("basic", "reverse", "cloze")
"""The card kinds a deck's ``note_types`` may give a note type; any other key is a card marker."""


def expect_note_types(value: Any, key: str, where: SourceLocation) -> tuple[tuple[str, str], ...]:
    """``note_type: Basic`` (for basic cards) or ``note_types: {basic: Basic, cloze: Cloze, vocab:
    Vocabulary}``: kinds and markers to note type names, in order."""
    if isinstance(value, str):
        value = {"basic": value}
    if not isinstance(value, dict) or not value:
        raise ConfigError(
            f"'{key}' must name a note type, or map card kinds and markers to note types, like "
            f"{{basic: Basic, cloze: Cloze}}; got {quoted(value)}",
            where,
        )
    pairs = []
    for marker, name in value.items():
        if not isinstance(marker, str) or not marker.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(
                f"'{key}': {quoted(marker)} is not a card kind ({', '.join(NOTE_TYPE_KINDS)}) or a "
                "marker name (letters, digits, - and _)",
                where,
            )
        pairs.append((marker, expect_text(name, f"{key}.{marker}", where)))
    return tuple(pairs)


def expect_flag(value: Any, key: str, where: SourceLocation) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"'{key}' must be true or false, got {quoted(value)}", where)
    return value


def expect_count(value: Any, key: str, where: SourceLocation) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ConfigError(f"'{key}' must be a whole number from 1 to 1000, got {quoted(value)}", where)
    return value


def expect_one_of(options: Sequence[str]) -> Callable[[Any, str, SourceLocation], str]:
    """A check that the value is one of ``options``."""

    def check(value: Any, key: str, where: SourceLocation) -> str:
        if value not in options:
            raise ConfigError(f"'{key}' must be one of {', '.join(options)}, got {quoted(value)}", where)
        return str(value)

    return check


def expect_names(options: Sequence[str], noun: str) -> Callable[[Any, str, SourceLocation], tuple[str, ...]]:
    """A check that the value is one of ``options``, or a list of them; ``noun`` names them."""

    def check(value: Any, key: str, where: SourceLocation) -> tuple[str, ...]:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(
            isinstance(name, str) and name in options for name in names
        ):
            raise ConfigError(
                f"'{key}' must be a list of {noun} from {', '.join(options)}, got {quoted(value)}", where
            )
        return tuple(names)

    return check


OWN_SYNTAX = "deckbuilder"
"""The syntax that turns the others off: cards at headings only, whatever a file's text says (a
``#flashcards`` tag in an answer); ``import`` writes it into the files it makes."""
SYNTAXES = ("obsidian", OWN_SYNTAX)
"""Other apps' flashcard syntaxes that settings may turn on for files that do not say they use them
(Logseq's ``#card`` blocks and the other shapes are read everywhere), or deckbuilder's own alone."""
expect_syntaxes = expect_names(SYNTAXES, "syntaxes")
