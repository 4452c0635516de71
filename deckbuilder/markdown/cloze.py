"""Cloze deletions, Anki's ``{{c1::text}}`` and ``{{c1::text::hint}}``: parsing and checks.

The deletions are a mistune inline rule, so code spans and code blocks keep their braces and the
text inside a deletion may hold any inline markdown.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import mistune
    from mistune.core import InlineState
    from mistune.inline_parser import InlineParser

ClozeStyle = Literal["anki", "front", "back", "text"]
"""``anki`` keeps Anki's syntax for Anki to render; ``front`` hides one deletion number (all when no
number is given) for print; ``back`` shows and highlights it; ``text`` shows every deletion as text."""

CLOZE_PATTERN = r"\{\{c(?P<cloze_number>\d{1,3})::(?P<cloze_body>(?:(?!\}\}|\{\{c\d)[\s\S])+?)\}\}"
"""A deletion ends at the first ``}}``, and never runs into the next deletion's ``{{c``: an opening
left unclosed is then text (and an error), and a thousand of them cost no more than one each."""
HINT_SEPARATOR = "::"
MAYBE_CLOZE = "{{c"
"""Text without this holds no deletion; a cheap test before parsing."""


def _parse_cloze(inline: InlineParser, m: re.Match[str], state: InlineState) -> int | None:
    if state.depth >= inline.max_nested_level:
        return None
    body = m.group("cloze_body")
    text, _, hint = body.partition(HINT_SEPARATOR)
    inner = state.copy()
    inner.src = text
    children = inline.render(inner)
    state.append_token(
        {
            "type": "cloze",
            "children": children,
            "attrs": {"number": int(m.group("cloze_number")), "hint": hint},
            "body": body,  # as written, for the checks in deletions.py (renderers read attrs only)
        }
    )
    return m.end()


def cloze_plugin(md: mistune.Markdown) -> None:
    md.inline.register("cloze", CLOZE_PATTERN, _parse_cloze, before="codespan")


def render_cloze(style: ClozeStyle, shown_number: int | None, text: str, number: int, hint: str) -> str:
    """One deletion as HTML in the chosen style; ``text`` is the deletion's content as HTML."""
    if style == "anki":
        suffix = f"{HINT_SEPARATOR}{html.escape(hint, quote=False)}" if hint else ""
        return f"{{{{c{number}::{text}{suffix}}}}}"
    if style == "text" or (shown_number is not None and number != shown_number):
        return text
    if style == "front":
        return f'<span class="cloze">[{html.escape(hint, quote=False) if hint else "…"}]</span>'
    return f'<span class="cloze cloze-answer">{text}</span>'
