"""deckbuilder: question-and-answer markdown to Anki decks, CSV and printable cards."""

from deckbuilder._version import __version__

__all__ = ["__version__"]
