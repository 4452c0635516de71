"""Anki field HTML back to markdown, for ``import`` and ``pull``.

markdownify does the conversion; deckbuilder's own rules keep what it would mangle: cloze markers
(``{{c1::…::hint}}``), MathJax math (``\\(…\\)`` and ``\\[…\\]`` become ``$…$`` and ``$$…$$``), code
blocks with their language, and images, whose sources are renamed to where import puts the media. A
field whose markdown would not render to the same text, or that holds formatting markdown has no
words for (colours, underlines, fonts), stays as the HTML it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdownify import MarkdownConverter

from deckbuilder.html.markup import to_html
from deckbuilder.html.plaintext import html_to_text
from deckbuilder.markdown.deletions import HTML_DELETION

MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
KEEP_OPEN, KEEP_CLOSE = "\ue000", "\ue001"
"""Private-use characters around a placeholder's number: markdownify leaves them alone."""
PLACEHOLDER = re.compile(f"{KEEP_OPEN}(\\d+){KEEP_CLOSE}")
LOSSY_TAGS = re.compile(r"<(?:font|u)(?=[\s>])|<[a-z][a-z0-9]*\s[^>]*\bstyle=", re.IGNORECASE)
"""Formatting that markdown cannot write: such a field stays HTML."""
BLANK_LINES = re.compile(r"\n[ \t]*\n+")
MARKUP_CHARACTERS = re.compile(r"[\\`\[\]~|$]")
"""Characters that start markup anywhere in a line: escapes, code, links, strikethrough, tables, math."""
PLAIN_TEXT = re.compile(r"(?:[^\W_]|[ ,.;:?'\"()/%])+")
"""A field of words and plain punctuation, which markdown shows as it is."""
LINE_START_MARKUP = re.compile(r"(^|\n[ \t]*|^[ \t]*)(?:(\d{1,9})(?=[.)](?:\s|$))|([-+*#>=]))")
"""A line that would start a list, heading, quote or setext underline: its first mark is escaped."""


@dataclass(frozen=True, slots=True)
class Converted:
    markdown: str
    as_html: bool
    """The field stayed HTML: its markdown would not have shown the same."""


def html_to_markdown(
    field: str, image_name: Callable[[str], str] = lambda name: name, cloze: bool = True
) -> Converted:
    """A field's markdown; ``image_name`` maps an image's file name to the path the markdown uses.
    A field of a note type that is not a cloze shows Anki's ``{{c1::…}}`` as text, and its markdown
    says so (``cloze`` False), or the reader would make the card a cloze."""
    if not field.strip():
        return Converted("", False)
    if "\r" in field:
        # A carriage return ends a line in markdown, not in HTML: left in, it would break the
        # card's text into lines of its own (a heading, another card).
        field = field.replace("\r\n", "\n").replace("\r", "\n")
    if PLAIN_TEXT.fullmatch(field) and not LINE_START_MARKUP.match(field):
        return Converted(" ".join(field.split()), False)  # most vocabulary fields: nothing to convert
    if LOSSY_TAGS.search(field):
        return Converted(_as_html(field, image_name, cloze), True)
    kept: list[str] = []
    protected = _protect(field, kept, cloze)
    try:
        markdown = _Converter(image_name).convert(protected).strip()
    except Exception:  # bs4 refuses some broken markup ("<![1"): it stays as it is
        return Converted(_as_html(field, image_name, cloze), True)
    markdown = PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], markdown)
    if any("\n\n" in deletion.group(0) for deletion in HTML_DELETION.finditer(markdown)):
        return Converted(_as_html(field, image_name, cloze), True)  # a deletion across blocks: not markdown
    markdown = BLANK_LINES.sub("\n\n", markdown)
    if not markdown or _visible(markdown) != _visible_html(field):
        return Converted(_as_html(field, image_name, cloze), True)
    return Converted(markdown, False)


LITERAL_OPENING = "\\{{c"
"""A deletion's opening as text: the escaped brace shows as itself, and no deletion starts there."""


def _protect(field: str, kept: list[str], cloze: bool) -> str:
    def keep(text: str) -> str:
        kept.append(text)
        return f"{KEEP_OPEN}{len(kept) - 1}{KEEP_CLOSE}"

    def math(match: re.Match[str]) -> str:
        inline, display = match.group(1), match.group(2)
        tex = html.unescape(re.sub(r"<br\s*/?>", " ", inline if inline is not None else display)).strip()
        return keep(f"${tex}$" if inline is not None else f"$${tex}$$")

    def deletion(match: re.Match[str]) -> str:
        hint = match.group(3) or ""
        opening = "{{c" if cloze else LITERAL_OPENING
        return keep(f"{opening}{match.group(1)}::") + match.group(2) + keep(f"{html.unescape(hint)}}}}}")

    return HTML_DELETION.sub(deletion, MATH.sub(math, field))


class _Converter(MarkdownConverter):
    def __init__(self, image_name: Callable[[str], str]) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            escape_underscores=True,
            escape_asterisks=True,
            code_language_callback=_code_language,
            newline_style="backslash",
        )
        self.image_name = image_name

    def escape(self, text: str, parent_tags: Any) -> str:
        # What markdown would read as markup: characters of HTML, and a line that would start a
        # list, heading or quote. bs4 has decoded the field's entities; they go back as entities.
        text = MARKUP_CHARACTERS.sub(r"\\\g<0>", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = LINE_START_MARKUP.sub(_escaped_line_start, text)
        escaped: str = super().escape(text, parent_tags)  # type: ignore[misc]
        return escaped

    def convert_sub(self, el: Any, text: str, parent_tags: Any) -> str:
        return f"<sub>{text}</sub>" if text.strip() else text

    def convert_sup(self, el: Any, text: str, parent_tags: Any) -> str:
        return f"<sup>{text}</sup>" if text.strip() else text

    def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
        source = self.image_name(str(el.attrs.get("src", "")))
        alt = str(el.attrs.get("alt", "")).replace("]", "\\]")
        return f"![{alt}](<{source}>)"

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: Any) -> str:  # noqa: N802 - markdownify's name
        # A heading inside a field is part of the card: deeper than any card heading.
        result: str = super().convert_hN(min(n + 2, 6), el, text, parent_tags)  # type: ignore[misc]
        return result


def _escaped_line_start(match: re.Match[str]) -> str:
    start, number, mark = match.group(1), match.group(2), match.group(3)
    return f"{start}{number}\\" if number is not None else f"{start}\\{mark}"


def _code_language(el: Any) -> str | None:
    code = el.find("code") or el
    for name in [*(el.attrs.get("class", []) or []), *(code.attrs.get("class", []) or [])]:
        if name.startswith(("language-", "lang-")):
            return str(name.split("-", 1)[1])
    return None


def _as_html(field: str, image_name: Callable[[str], str], cloze: bool) -> str:
    """The field as one HTML block: inside a ``<div>``, with no blank line, so that markdown reads
    it whole and takes nothing in it for markup (a field of text such as ``## x`` included). A
    deletion's opening in a note type that is not a cloze is written as an entity, which shows as
    the same braces, for the reader finds deletions in HTML too."""
    if not cloze:
        field = HTML_DELETION.sub(lambda match: "&#123;" + match.group(0)[1:], field)
    renamed = re.sub(
        r"""(<img\b[^>]*?\bsrc=)(["'])(.*?)\2""",
        lambda m: f"{m.group(1)}{m.group(2)}{html.escape(image_name(html.unescape(m.group(3))))}{m.group(2)}",
        field,
        flags=re.IGNORECASE,
    )
    return f"<div>{BLANK_LINES.sub(chr(10), renamed.strip())}</div>"


def _visible(markdown: str) -> str:
    return _visible_html(to_html(markdown))


def _visible_html(fragment: str) -> str:
    text = html_to_text(MATH.sub(lambda m: m.group(1) or m.group(2) or "", fragment))
    return " ".join(text.replace("$", "").split())
