"""How a long use case tells its caller how far it has come (the command line draws a bar)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told how many cards there are to render, then of each one rendered."""

    def start(self, total: int) -> None:
        """Called once with the number of card renderings ahead."""

    def advance(self, done: int) -> None:
        """Called as cards are rendered."""

    def stage(self, name: str) -> None:
        """Called when a long step that renders no card begins (printing a PDF)."""

    def finish(self) -> None:
        """Called when rendering is over, before files are written."""


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, done: int) -> None:
        pass

    def stage(self, name: str) -> None:
        pass

    def finish(self) -> None:
        pass
