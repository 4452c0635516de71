"""The reverse direction: Anki notes to markdown. Pure, a peer of ``render``: it takes notes and
decks as values and never opens a collection, so its round trips are tested without Anki."""
