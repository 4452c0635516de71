"""A text file's form (its encoding and byte order mark, its line endings, whether its last line
ends), so that a file rewritten in place keeps it: only the lines that changed differ."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(frozen=True, slots=True)
class TextForm:
    encoding: str = "utf-8"
    bom: bytes = b""
    newline: str = "\n"
    """The file's line ending: ``\\n``, ``\\r\\n`` or a lone ``\\r``."""
    ends_with_newline: bool = True


def read_form(data: bytes) -> tuple[str, TextForm]:
    """The file's text with ``\\n`` line endings and no byte order mark, and its form. Raises
    UnicodeDecodeError for bytes that are not text in the encoding its mark names (or UTF-8)."""
    bom, encoding = next(((mark, name) for mark, name in BOMS if data.startswith(mark)), (b"", "utf-8"))
    raw = data[len(bom) :].decode(encoding)
    newline = "\r\n" if "\r\n" in raw else "\r" if "\r" in raw else "\n"
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return text, TextForm(encoding, bom, newline, raw.endswith(("\n", "\r")))


def written_in_form(text: str, form: TextForm) -> bytes:
    """``text`` (``\\n`` line endings) as the bytes of a file of this form."""
    if not form.ends_with_newline:
        text = text.rstrip("\n")
    elif not text.endswith("\n"):
        text += "\n"
    return form.bom + text.replace("\n", form.newline).encode(form.encoding)
