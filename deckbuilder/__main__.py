"""``python -m deckbuilder``: the same as the ``deckbuilder`` command."""

from deckbuilder.cli import run

run()
