"""Reading: markdown text to a ParsedDeck (front matter, blocks, layout, shapes, cards, tags). Pure."""

from deckbuilder.read.reader import ParsedDeck, parse, parse_file

__all__ = ["ParsedDeck", "parse", "parse_file"]
