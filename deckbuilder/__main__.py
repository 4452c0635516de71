"""``python -m deckbuilder``: the same as the ``deckbuilder`` command."""

from deckbuilder.cli import main

main(prog_name="deckbuilder")
