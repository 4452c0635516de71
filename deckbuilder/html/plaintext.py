"""Readable plain text from the HTML fragments markup produces (paragraphs, lists, code, tables)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

SPACES = re.compile(r"[ \n\r\f]+")
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "details",
    }
)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[list[int]] = []
        self.in_pre = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.links: list[tuple[str, int]] = []

    def _emit(self, text: str) -> None:
        (self.cell if self.cell is not None else self.parts).append(text)

    def _block_break(self) -> None:
        text = "".join(self.parts)
        if text and not text.endswith("\n\n"):
            self.parts.append("\n\n" if not text.endswith("\n") else "\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS and not self.lists:
            self._block_break()
        if tag == "pre":
            self.in_pre += 1
        elif tag in ("ul", "ol"):
            self.lists.append([0 if tag == "ol" else -1])
        elif tag == "li" and self.lists:
            counter = self.lists[-1]
            if counter[0] >= 0:
                counter[0] += 1
            marker = f"{counter[0]}. " if counter[0] >= 0 else "- "
            text = "".join(self.parts)
            if text and not text.endswith("\n"):
                self.parts.append("\n")
            self.parts.append("  " * (len(self.lists) - 1) + marker)
        elif tag == "br":
            self._emit("\n")
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len("".join(self.parts))))
        elif tag == "img":
            alt = dict(attrs).get("alt") or "image"
            self._emit(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            if href and href not in "".join(self.parts)[start:]:
                self._emit(f" ({href})")
        elif tag == "pre":
            self.in_pre -= 1
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self._block_break()
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            text = "".join(self.parts)
            if text and not text.endswith("\n"):
                self.parts.append("\n")
            self.parts.append(" | ".join(self.row))
            self.row = None
        elif tag in BLOCK_TAGS and not self.lists:
            self._block_break()

    def handle_data(self, data: str) -> None:
        if self.in_pre:
            self._emit(data)
        elif self.row is not None and self.cell is None:
            return  # white space between table cells
        else:
            # Line breaks and runs of spaces fold as a browser shows them; a tab the writer typed stays.
            self._emit(SPACES.sub(" ", data))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: blank lines between blocks, ``- `` for list items."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    lines = [line.rstrip() for line in "".join(collector.parts).split("\n")]
    text = "\n".join(line.lstrip(" ") if not line.startswith("  ") else line for line in lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return html.unescape(text).strip()
