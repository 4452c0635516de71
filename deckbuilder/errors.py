"""The exception hierarchy: every user-facing error carries where it happened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from deckbuilder.model import SourceLocation


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    """What the reader decided and why (a key ignored, a heading not read as a card): shown with -v."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a source, printed as ``path:line: severity: message``."""

    location: SourceLocation | None
    """Where the problem is; None when it concerns no particular file."""
    severity: Severity
    message: str
    """What is wrong and what to do about it."""

    def __str__(self) -> str:
        prefix = f"{self.location}: " if self.location else ""
        return f"{prefix}{self.severity.value}: {self.message}"


class DeckbuilderError(Exception):
    """A problem the user can fix; printed as one line, never as a traceback."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return (Diagnostic(self.location, Severity.ERROR, self.message),)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ParseError(DeckbuilderError):
    """The markdown cannot be read as a deck."""


class ConfigError(DeckbuilderError):
    """Front matter or deckbuilder.toml is invalid."""


class LockError(DeckbuilderError):
    """The lock file cannot be read or written."""


class RenderError(DeckbuilderError):
    """An output format cannot be produced from the deck."""


class OutputError(DeckbuilderError):
    """An output file cannot be written."""


class AnkiError(DeckbuilderError):
    """A collection or package cannot be found, opened, read or changed."""


class ProblemsError(DeckbuilderError):
    """Several problems at once, as found by the checks; each keeps its own location."""

    def __init__(self, problems: Sequence[Diagnostic]) -> None:
        first = problems[0]
        super().__init__(first.message, first.location)
        self.problems = tuple(problems)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.problems


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut: messages and tables
    quote a prefix of long values, never the whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = 80) -> str:
    """A value as a message shows it: its repr, cut short at every level (a huge or deeply nested
    value costs no more to show than a small one)."""
    import reprlib

    shown = reprlib.Repr()
    shown.maxlevel, shown.maxlist, shown.maxdict, shown.maxstring, shown.maxother = 3, 6, 6, limit, limit
    return shorten(shown.repr(value), limit)
