"""Anki field HTML to markdown (import and pull): what converts, and what stays HTML."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder.html.markup import to_html
from deckbuilder.html.plaintext import html_to_text
from deckbuilder.html.tomarkdown import html_to_markdown


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
