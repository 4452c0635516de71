"""Finding the markdown files a command works on, and reading them as text."""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path

from deckbuilder.errors import ParseError
from deckbuilder.model import SourceLocation

DEFAULT_SOURCE = Path("source")
MARKDOWN_SUFFIXES = (".md", ".markdown")


def resolve_sources(paths: Iterable[Path], recursive: bool = False) -> list[Path]:
    """Expand folders to their markdown files; with no paths, use ``source/``."""
    given = list(paths) or [DEFAULT_SOURCE]
    found: list[Path] = []
    for path in given:
        if path.is_dir():
            found.extend(_markdown_in(path, recursive))
        elif path.is_file():
            found.append(path)
        elif path == DEFAULT_SOURCE and not given[1:]:
            raise ParseError(
                "no source/ folder here; run in the folder that holds source/, "
                "or name the markdown files or folder to use"
            )
        else:
            raise ParseError(f"{path}: no such file or folder; check the path")
    unique = list(dict.fromkeys(found))
    return unique


def _markdown_in(folder: Path, recursive: bool) -> list[Path]:
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in folder.glob(pattern) if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES)
    if not files:
        hint = "" if recursive else " (add --recursive to look in sub-folders)"
        raise ParseError(f"{folder}: no markdown (*.md) files in this folder{hint}")
    return files


def read_source(path: Path) -> str:
    """The file's text, or a ParseError that says what is wrong with it."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(
            f"cannot read the file: {error.strerror or error}", SourceLocation(shown, 1)
        ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # What Windows Notepad saves as "Unicode": read it as it is (its BOM says which UTF-16).
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(
                "the file says it is UTF-16 but is damaged; save it as UTF-8", SourceLocation(shown, 1)
            ) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ParseError(
            "this looks like a binary file, not markdown; name only .md text files",
            SourceLocation(shown, line),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ParseError(
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x}); save it as UTF-8",
            SourceLocation(shown, line),
        ) from None
    if not text.strip():
        raise ParseError(
            "the file is empty; write at least one '## Question' heading with an answer below it",
            SourceLocation(shown, 1),
        )
    return text
