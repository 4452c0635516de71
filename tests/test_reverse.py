"""The reverse direction without Anki: field HTML to markdown (what converts, what stays HTML), and
notes written as markdown that read back as the same cards (note -> markdown -> parse -> card)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder.errors import Severity
from deckbuilder.html.fragments import Fragments
from deckbuilder.html.markup import MarkupOptions, to_html
from deckbuilder.html.plaintext import html_to_text
from deckbuilder.model import AnkiNote, Card, NoteType
from deckbuilder.read.reader import parse
from deckbuilder.render.apkg import card_fields
from deckbuilder.render.fields import field_html
from deckbuilder.render.notetypes import CLOZE_NOTE_TYPE_ID, NOTE_TYPE_ID, OWN_VIEWS, STOCK_NOTE_TYPES
from deckbuilder.reverse.decks import deck_file_names, deck_markdown
from deckbuilder.reverse.fromhtml import html_to_markdown
from deckbuilder.reverse.patch import unified_diff
from deckbuilder.reverse.textform import read_form, written_in_form


@pytest.mark.parametrize(
    ("field", "markdown"),
    [
        ("plain words", "plain words"),
        ("<b>bold</b> and <i>italic</i>", "**bold** and *italic*"),
        ("one<br>two", "one\\\ntwo"),
        ("<div>first</div><div>second</div>", "first\n\nsecond"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<ol><li>a</li><li>b</li></ol>", "1. a\n2. b"),
        ('<img src="cell.png">', "![](<media/cell.png>)"),
        ('<a href="https://example.org">a link</a>', "[a link](https://example.org)"),
        ('<pre><code class="language-python">x = 1 &lt; 2\n</code></pre>', "```python\nx = 1 < 2\n```"),
        ("<code>len(x)</code>", "`len(x)`"),
        ("{{c1::Paris}} is in {{c2::France::country}}", "{{c1::Paris}} is in {{c2::France::country}}"),
        ("{{c1::<b>bold</b> answer}}", "{{c1::**bold** answer}}"),
        (r"\(x_1^2 &lt; y\)", "$x_1^2 < y$"),
        (r"\[E = mc^2\]", "$$E = mc^2$$"),
        ("a_b*c", "a\\_b\\*c"),
        ("1. not a list", "1\\. not a list"),
        ("<b>x</b> 1. y", "**x** 1\\. y"),  # the space before a number kept
        ("- not a list", "\\- not a list"),
        ("# not a heading", "\\# not a heading"),
        ("x &lt;tag&gt; &amp; y", "x &lt;tag&gt; &amp; y"),
        ("H<sub>2</sub>O", "H<sub>2</sub>O"),
        ("<h1>Title</h1>text", "### Title\n\ntext"),
        ("", ""),
    ],
)
def test_fields_convert_to_readable_markdown(field: str, markdown: str) -> None:
    converted = html_to_markdown(field, lambda name: f"media/{name}")
    assert (converted.markdown, converted.as_html) == (markdown, False)


@pytest.mark.parametrize(
    "field",
    [
        '<span style="color: red">red</span>',
        "<u>underlined</u>",
        '<font color="blue">blue</font>',
        '<div style="text-align: left">left</div>',
    ],
)
def test_formatting_markdown_has_no_words_for_stays_html(field: str) -> None:
    converted = html_to_markdown(field)
    assert converted.as_html and converted.markdown == f"<div>{field}</div>"


def test_html_kept_has_no_blank_line_and_its_images_are_renamed() -> None:
    converted = html_to_markdown('<u>a</u>\n\n<img src="x.png">', lambda name: f"media/{name}")
    assert converted.markdown == '<div><u>a</u>\n<img src="media/x.png"></div>'


@pytest.mark.parametrize(
    ("field", "cloze", "markdown"),
    [
        ("What is {{c1::this}}?", True, "What is {{c1::this}}?"),
        ("What is {{c1::this}}?", False, "What is \\{{c1::this}}?"),
        ("write {{c1::text::hint}}", False, "write \\{{c1::text::hint}}"),
        ("<u>{{c2::under}}</u>", False, "<div><u>&#123;{c2::under}}</u></div>"),
        ("a\r\r## Fake?\r\rb", True, "a\n\\## Fake?\nb"),
        ("<u>a\r\r## Fake?\rb</u>", True, "<div><u>a\n## Fake?\nb</u></div>"),
    ],
)
def test_fields_say_what_the_reader_must_not_take_for_markup(field: str, cloze: bool, markdown: str) -> None:
    """Deletions in a note type that is not a cloze are text; a carriage return, which markdown
    reads as a line's end and HTML as a space, never starts a line of its own."""
    assert html_to_markdown(field, cloze=cloze).markdown == markdown


@pytest.mark.parametrize(
    ("decks", "names"),
    [
        (["Languages::Spanish"], ["languages--spanish.md"]),
        (["Spanish Verbs", "Spanish-Verbs", "Spanish.Verbs"],
         ["spanish-verbs.md", "spanish-verbs-2.md", "spanish-verbs-3.md"]),
        (["SPANISH", "spanish"], ["spanish.md", "spanish-2.md"]),
        (["***", "Deck"], ["deck.md", "deck-2.md"]),
    ],
)  # fmt: skip
def test_every_deck_gets_a_file_name_of_its_own(decks: list[str], names: list[str]) -> None:
    assert list(deck_file_names(decks).values()) == names


@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=6))
def test_deck_file_names_are_distinct_and_fit_a_file_system(decks: list[str]) -> None:
    names = deck_file_names(decks)
    assert len({name.casefold() for name in names.values()}) == len(set(decks))
    assert all(len(name.encode("utf-8")) <= 255 and "/" not in name for name in names.values())


def _words(fragment: str) -> str:
    """The text a fragment shows, dollar signs aside (math marks), as words."""
    return " ".join(html_to_text(fragment).replace("$", " ").split())


FIELD_PARTS = st.lists(
    st.one_of(
        st.text(alphabet="ab *_#-1.<>&{}:\\$![]`", min_size=1, max_size=8),
        st.sampled_from(
            [
                "<b>",
                "</b>",
                "<i>",
                "</i>",
                "<br>",
                "<div>",
                "</div>",
                "<ul><li>",
                "</li></ul>",
                "{{c1::",
                "}}",
                "\\(",
                "\\)",
                "&amp;",
                "&lt;",
                "<p>",
                "</p>",
            ]
        ),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(FIELD_PARTS)
def test_no_field_loses_its_text(parts: list[str]) -> None:
    """Whatever a field holds, its converted markdown shows the same words, or it stays HTML."""
    field = "".join(parts)
    converted = html_to_markdown(field)
    if converted.as_html:
        assert converted.markdown.replace("\n", "") == f"<div>{field.strip()}</div>".replace("\n", "")
    elif "\\(" not in field and "{{" not in field:
        assert _words(to_html(converted.markdown)) == _words(field)


BASIC = STOCK_NOTE_TYPES["Basic"]
CLOZE = STOCK_NOTE_TYPES["Cloze"]
VOCABULARY = NoteType("Vocabulary", 1_600_000_000_001, ("Word", "Meaning", "Example", "Notes"), (), "")
NOTE_TYPES = {definition.id: definition for definition in (BASIC, CLOZE, VOCABULARY, *OWN_VIEWS.values())}


def _note(number: int, note_type: NoteType, *fields: str, tags: tuple[str, ...] = ()) -> AnkiNote:
    padded = (*fields, *[""] * (len(note_type.fields) - len(fields)))
    return AnkiNote(number, f"guid{number}", 1_700_000_000, note_type.id, padded, tags, "Deck")


def _read_back(notes: list[AnkiNote], with_ids: frozenset[int] = frozenset()) -> tuple[str, list[Card]]:
    text, placed = deck_markdown("Deck", 1, notes, NOTE_TYPES, set(), set(with_ids), lambda done: None)
    parsed = parse(text, Path(deck_file_names(["Deck"])["Deck"]))
    errors = [d for d in parsed.diagnostics if d.severity is Severity.ERROR]
    assert errors == [], text
    by_line = {card.source.line: card for card in parsed.deck.cards}
    assert sorted(by_line) == [spot.line for spot in placed], text
    return text, [by_line[spot.line] for spot in placed]


def _shown(card: Card, note: AnkiNote) -> list[str]:
    """The words each field of the card shows, as Anki would be given them."""
    markup = MarkupOptions(math="mathjax")
    if card.note_type:
        definition = NOTE_TYPES[note.note_type_id]
        fields = field_html(card, definition, Fragments(), markup)
    else:
        fields = card_fields(card, Fragments(), markup)[:2]
    return [" ".join(html_to_text(field).split()) for field in fields]


def _field_words(fields: tuple[str, ...]) -> list[str]:
    return [" ".join(html_to_text(field).split()) for field in fields]


@pytest.mark.parametrize(
    "note",
    [
        _note(1, BASIC, "What is <b>bold</b>?", "A <i>weight</i> of type.", tags=("typography",)),
        _note(2, BASIC, "Two lines<br>of question", "<ul><li>one</li><li>two</li></ul>"),
        _note(3, BASIC, "Ends with #hashtag", "Answer: {not} markers"),
        _note(4, BASIC, "A question {.like-a-marker}", "TODO"),
        _note(5, BASIC, "Empty back", ""),
        _note(6, CLOZE, "{{c1::Paris}} is the capital of {{c2::France::country}}", ""),
        _note(7, CLOZE, "A {{c1::long}} text<br>over lines", "Extra words"),
        _note(8, VOCABULARY, "perro", "dog", "<b>El perro</b> ladra.", "masculine"),
        _note(9, BASIC, r"What is \(x^2\)?", r"\[E = mc^2\]"),
        _note(10, BASIC, "Code?", '<pre><code class="language-python">x = 1\n</code></pre>'),
        _note(11, OWN_VIEWS[NOTE_TYPE_ID], "Own basic?", "Its answer"),
        _note(12, OWN_VIEWS[CLOZE_NOTE_TYPE_ID], "Own {{c1::cloze}}", ""),
        # Fields opening like the reader's own labels, in each way it reads them.
        _note(13, BASIC, "Question - 1", "1"),
        _note(14, BASIC, "Q. What is it?", "<b>Answer:</b> this"),
        _note(15, BASIC, "Q \u2013 why?", "A: because"),
        _note(16, BASIC, "Q\uff1awide?", "Tags: not tags"),
    ],
    ids=lambda note: f"note-{note.note_id}",
)
def test_a_note_written_as_markdown_reads_back_as_the_same_card(note: AnkiNote) -> None:
    text, (card,) = _read_back([note])
    definition = NOTE_TYPES[note.note_type_id]
    shown = _shown(card, note)
    expected = _field_words(note.fields[: len(shown)])
    if definition.cloze:
        assert card.kind == "cloze"
        assert shown[0] == expected[0], text
    else:
        assert shown == expected, text
    assert set(card.tags) == set(note.tags)


def test_notes_asking_alike_get_ids_that_tell_their_cards_apart() -> None:
    twins = [_note(1, BASIC, "Same?", "one"), _note(2, BASIC, "Same?", "two")]
    text, cards = _read_back(twins, frozenset({1, 2}))
    assert "{#anki-1}" in text and "{#anki-2}" in text
    assert [card.explicit_id for card in cards] == ["anki-1", "anki-2"]


# A question has words: one of digits or marks alone is no question a reader would take (import
# leaves such notes out, listed, and the real-Anki property test covers them).
SIMPLE_FIELD = st.text(alphabet="abc xyz?!.,:*_#-1{}()é", min_size=1, max_size=24).filter(
    lambda text: any(character.isalpha() for character in text)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(SIMPLE_FIELD, SIMPLE_FIELD), min_size=1, max_size=5))
def test_any_basic_notes_read_back_as_cards_showing_their_field_words(fields: list[tuple[str, str]]) -> None:
    notes = [_note(number, BASIC, question, answer) for number, (question, answer) in enumerate(fields, 1)]
    _, cards = _read_back(notes, frozenset(note.note_id for note in notes))
    for card, note in zip(cards, notes, strict=True):
        question = _shown(card, note)[0]
        assert question.replace("\\", "") == _field_words(note.fields)[0].replace("\\", "")


def test_the_diff_writer_shows_only_the_lines_a_change_made() -> None:
    before = ["# Deck", "", "## Q?", "", "old answer", "", "## Next?", "", "more"]
    patch = unified_diff(Path("deck.md"), before, [(4, 5, ["new answer"])])
    assert patch.splitlines() == [
        "--- a/deck.md",
        "+++ b/deck.md",
        "@@ -2,7 +2,7 @@",
        " ",
        " ## Q?",
        " ",
        "-old answer",
        "+new answer",
        " ",
        " ## Next?",
        " ",
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"# A\n\nline\n",
        b"# A\r\n\r\nline\r\n",
        b"# A\r\rline",
        codecs.BOM_UTF8 + b"# A\n\nline",
        codecs.BOM_UTF16_LE + "# A\r\n\r\nlíne\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "# A\n".encode("utf-16-be"),
    ],
    ids=["lf", "crlf", "cr-no-final", "utf8-bom-no-final", "utf16le-crlf", "utf16be"],
)
def test_a_file_read_and_written_in_its_form_comes_back_byte_for_byte(data: bytes) -> None:
    text, form = read_form(data)
    assert "\r" not in text and not text.startswith("\ufeff")
    assert written_in_form(text, form) == data


@pytest.mark.parametrize(
    "question", ["1: a", "Q1. Which one", "Q: why", "Question 2: how", "問1 鎌倉", "Frage 3 Haupt"]
)
def test_a_question_opening_like_a_number_or_a_label_reads_back_whole(question: str) -> None:
    """The reader takes a heading's number or question label off (``## Q1. …``); a note whose
    question opens so keeps it: its first character is written as a character reference."""
    note = _note(1, BASIC, question, "x")
    _, cards = _read_back([note], frozenset({1}))
    assert _shown(cards[0], note)[0] == question


@pytest.mark.parametrize(
    "fields",
    [
        ("What is <b>bold</b>?", "A <i>weight</i> of type."),
        (
            "Which colour?",
            '<span style="color: rgb(255, 0, 0);">Red</span> and <b>水</b> <img src="kanji_water.png">',
        ),
        ("Formula?", "H<sub>2</sub>O, and x<sup>2</sup>"),
        (r"What is \(e^{i\pi}\)?", r"\(-1\), since \[e^{i\pi} + 1 = 0\]"),
        (
            "Primes?",
            "<table><tbody><tr><td>2</td><td>3</td></tr><tr><td>5</td><td>7</td></tr></tbody></table>",
        ),
        ("Gases?", "<ul><li>helium</li><li>neon</li></ul>"),
        ("Lines?", "one<br>two<br><br>three"),
        ('What does this show?<br><img src="cell.png">', "A cell."),
        ("Code?", '<pre><code>print("hello")</code></pre>'),
        ('<div style="text-align: center;">Centred <font color="#0000ff">blue</font></div>', "plain"),
        ("Highlight?", '<span style="background-color: rgb(255, 255, 0);">marked</span>&nbsp;text'),
    ],
    ids=[
        "bold-italic",
        "colour-image",
        "sub-sup",
        "math",
        "table",
        "list",
        "breaks",
        "image",
        "code",
        "div-font",
        "nbsp",
    ],
)
def test_a_field_read_back_builds_afresh_as_anki_stored_it(fields: tuple[str, str]) -> None:
    """With nothing kept from Anki (the fields file gone), the card read back from a note builds
    each of these fields byte for byte as Anki's editor stored it."""
    _builds_back_exactly(_note(1, BASIC, *fields))


@pytest.mark.parametrize(
    "note",
    [
        _note(1, CLOZE, "The {{c1::mitochondrion::organelle}} makes {{c2::ATP}}.", "<i>cells</i>"),
        _note(2, CLOZE, "{{c1::Paris}} is in <b>France</b>", ""),
        _note(3, VOCABULARY, "<b>gato</b>", "cat", "<i>El gato</i> duerme.", "From Latin <i>cattus</i>"),
        _note(4, VOCABULARY, "perro", "dog", "", "masculine"),
    ],
    ids=["cloze-hint", "cloze-alone", "four-fields", "four-fields-one-empty"],
)
def test_a_note_of_other_types_read_back_builds_afresh_as_anki_stored_it(note: AnkiNote) -> None:
    _builds_back_exactly(note)


def _builds_back_exactly(note: AnkiNote) -> None:
    text, (card,) = _read_back([note])
    definition = NOTE_TYPES[note.note_type_id]
    built = field_html(card, definition, Fragments(), MarkupOptions(math="mathjax", image_src=_media_name))
    assert built == list(note.fields), text


def _media_name(reference: str) -> str:
    return reference.removeprefix("media/")


def test_a_kept_field_is_built_as_anki_had_it_until_its_markdown_changes() -> None:
    from dataclasses import replace

    from deckbuilder.identity.ankifields import note_fields
    from deckbuilder.render.fields import field_markdown

    note = _note(1, BASIC, "Which colour?", "<span style='color:red'>Red</span>  <b>dog</b>")
    _, (card,) = _read_back([note])
    kept = note_fields(BASIC.fields, field_markdown(card, BASIC), note.fields)
    markup = MarkupOptions(math="mathjax")
    assert field_html(card, BASIC, Fragments(), markup, kept) == list(note.fields)
    edited = replace(card, answer=card.answer.replace("dog", "cat"))
    fresh = field_html(edited, BASIC, Fragments(), markup, kept)
    assert fresh[0] == note.fields[0] and "cat" in fresh[1] and fresh[1] != note.fields[1]
