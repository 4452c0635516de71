"""Identity: the lock file and resolve(), the only place that assigns GUIDs and change times."""

from deckbuilder.identity.resolve import CardMatch, Change, Resolution, resolve

__all__ = ["CardMatch", "Change", "Resolution", "resolve"]
