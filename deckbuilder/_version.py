"""The package version, kept in one place."""

__version__ = "0.1.0"

MARKUP_VERSION = 2
"""Bump when the HTML produced for the same markdown changes, so that edited notes update in Anki
(it is part of every card's content hash)."""
