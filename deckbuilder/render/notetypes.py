"""The Anki note types deckbuilder writes: ids, names, fields and card templates.

Kept apart from the apkg renderer (and genanki) because ``diff`` and ``push`` name them too. The
schema is frozen: Anki answers a changed field list or template list with a second note type
("Name+") and never updates the existing notes again. tests/test_apkg.py fails if any of these
change; changing them needs a new note type id and a migration note.
"""

from __future__ import annotations

NOTE_TYPE_ID = 1_764_388_801
NOTE_TYPE_NAME = "deckbuilder Q&A"
FIELDS = ("Question", "Answer", "Context", "Reverse")
TEMPLATE_NAMES = ("Card", "Reverse")
"""The Reverse card exists only when the Reverse field is filled, so turning reversal on or off for
a card is an ordinary field change: Anki updates the note in place and adds the reverse card."""
CLOZE_NOTE_TYPE_ID = 1_764_388_802
CLOZE_NOTE_TYPE_NAME = "deckbuilder Cloze"
CLOZE_FIELDS = ("Text", "Extra", "Context")
CLOZE_TEMPLATE_NAMES = ("Cloze",)
