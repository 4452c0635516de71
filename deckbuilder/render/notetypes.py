"""The Anki note types deckbuilder writes: ids, names, fields and card templates.

Kept apart from the apkg renderer (and genanki) because ``diff`` and ``push`` name them too. The
schema is frozen: Anki answers a changed field list or template list with a second note type
("Name+") and never updates the existing notes again. tests/test_apkg.py fails if any of these
change; changing them needs a new note type id and a migration note.
"""

from __future__ import annotations

from deckbuilder.fingerprint import note_type_id_for
from deckbuilder.model import CardTemplate, NoteType

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


# Anki's own note types, as a new collection has them, for decks that name one (``note_type: Basic``)
# without a file of its definition. Ids come from the name; a deck imported from a collection has a
# file with the collection's ids instead, so that its notes stay the notes they are.

STOCK_CSS = (
    ".card {\n    font-family: arial;\n    font-size: 20px;\n    line-height: 1.5;\n    text-align: center;\n"
    "    color: black;\n    background-color: white;\n}\n"
)
STOCK_CLOZE_CSS = STOCK_CSS + (
    ".cloze {\n    font-weight: bold;\n    color: blue;\n}\n.nightMode .cloze {\n    color: lightblue;\n}\n"
)
_ANSWER_RULE = "{{FrontSide}}\n\n<hr id=answer>\n\n"


def _stock(
    name: str, fields: tuple[str, ...], templates: tuple[CardTemplate, ...], cloze: bool = False
) -> NoteType:
    return NoteType(
        name=name,
        id=note_type_id_for(name),
        fields=fields,
        templates=templates,
        css=STOCK_CLOZE_CSS if cloze else STOCK_CSS,
        cloze=cloze,
        modified=STOCK_MODIFIED,
    )


STOCK_MODIFIED = 1_764_388_800
"""The mod time written for Anki's built-in note types (a fixed one, so builds are reproducible)."""
STOCK_NOTE_TYPES = {
    found.name: found
    for found in (
        _stock("Basic", ("Front", "Back"), (CardTemplate("Card 1", "{{Front}}", _ANSWER_RULE + "{{Back}}"),)),
        _stock(
            "Basic (and reversed card)",
            ("Front", "Back"),
            (
                CardTemplate("Card 1", "{{Front}}", _ANSWER_RULE + "{{Back}}"),
                CardTemplate("Card 2", "{{Back}}", _ANSWER_RULE + "{{Front}}"),
            ),
        ),
        _stock(
            "Basic (optional reversed card)",
            ("Front", "Back", "Add Reverse"),
            (
                CardTemplate("Card 1", "{{Front}}", _ANSWER_RULE + "{{Back}}"),
                CardTemplate(
                    "Card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", _ANSWER_RULE + "{{Front}}"
                ),
            ),
        ),
        _stock(
            "Basic (type in the answer)",
            ("Front", "Back"),
            (
                CardTemplate(
                    "Card 1", "{{Front}}\n\n{{type:Back}}", "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}"
                ),
            ),
        ),
        _stock(
            "Cloze",
            ("Text", "Back Extra"),
            (CardTemplate("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),),
            cloze=True,
        ),
    )
}
"""Anki's built-in note types by name (Image Occlusion left out: its notes are not markdown)."""


OWN_VIEWS = {
    NOTE_TYPE_ID: NoteType(NOTE_TYPE_NAME, NOTE_TYPE_ID, FIELDS[:2], (), ""),
    CLOZE_NOTE_TYPE_ID: NoteType(
        CLOZE_NOTE_TYPE_NAME, CLOZE_NOTE_TYPE_ID, CLOZE_FIELDS[:2], (), "", cloze=True
    ),
}
"""deckbuilder's own note types as far as the markdown writes them (import and pull read them back):
Context and Reverse come from the markdown's headings and markers, not from a text of their own."""
REVERSE_FIELD = FIELDS.index("Reverse")
