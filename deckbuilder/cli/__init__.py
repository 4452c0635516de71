"""The command line: the only package that imports click."""

from deckbuilder.cli.commands import main, run

__all__ = ["main", "run"]
