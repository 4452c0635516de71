"""The output formats, registered by name; each renderer module is imported only when used."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.errors import RenderError
from deckbuilder.model import Deck
from deckbuilder.render.layout import PrintOptions


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A local file referenced by the markdown, under the name it gets in the output."""

    path: Path
    name: str


CSV_CARD_FIELDS = ("question", "answer", "context", "number", "tags")
"""What a CSV column may hold of a card."""


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """How the csv format writes its file."""

    dialect: str = "anki"
    """``anki``: Anki's import format with file headers; ``plain``: question,answer,tags for other apps."""
    note_type: str = "Basic"
    """The Anki note type the rows import into (anki dialect)."""
    fields: tuple[tuple[str, str], ...] = (("Front", "question"), ("Back", "answer"))
    """(note type field, card field) pairs, in column order (anki dialect)."""
    bom: bool = False
    """Start the file with a UTF-8 byte-order mark, which Excel needs to read UTF-8."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Everything a renderer may use besides the deck: renderers read no clock and no other files."""

    media: Mapping[str, MediaFile] = field(default_factory=dict)
    """Image references as written in the markdown, to the files they resolve to."""
    csv: CsvOptions = field(default_factory=CsvOptions)
    print: PrintOptions = field(default_factory=PrintOptions)
    progress: Callable[[int], None] = field(default=lambda done: None, compare=False)
    """Called with the number of cards just rendered, for a progress bar on long builds."""


Renderer = Callable[[Deck, RenderOptions], bytes]


class MediaNames:
    """Maps image references to the names of their media files; markup calls it for each image.

    Hashed by identity: markup caches one markdown instance per mapping, so make one per render."""

    def __init__(self, media: Mapping[str, MediaFile]) -> None:
        self.media = media

    def __call__(self, reference: str) -> str:
        found = self.media.get(reference)
        return found.name if found is not None else reference


@dataclass(frozen=True, slots=True)
class Format:
    """An output format: its file suffix and the module whose ``render`` produces it."""

    name: str
    suffix: str
    summary: str
    module: str
    requires: tuple[str, ...] = ()
    """Importable modules the format needs beyond the core dependencies."""
    extra: str | None = None
    """The pip extra that installs them."""

    needs_browser: bool = False

    def available(self) -> bool:
        """Whether the format's modules (and browser, for PDF) are installed."""
        if not all(importlib.util.find_spec(module) is not None for module in self.requires):
            return False
        if self.needs_browser:
            from deckbuilder.render.browser import chromium_path

            return chromium_path() is not None
        return True

    def renderer(self) -> Renderer:
        if not all(importlib.util.find_spec(module) is not None for module in self.requires):
            raise RenderError(
                f"the {self.name} format needs {', '.join(self.requires)}; "
                f'install it with: pip install "deckbuilder[{self.extra}]"'
            )
        module = importlib.import_module(self.module)
        render: Renderer = module.render
        return render


FORMATS: dict[str, Format] = {
    "apkg": Format("apkg", ".apkg", "Anki package (import with File > Import)", "deckbuilder.render.apkg"),
    "html": Format(
        "html",
        ".html",
        "printable cards or a study sheet, one self-contained file",
        "deckbuilder.render.html",
    ),
    "pdf": Format(
        "pdf",
        ".pdf",
        "the printable HTML as PDF, printed by Chromium",
        "deckbuilder.render.pdf",
        requires=("playwright",),
        extra="pdf",
        needs_browser=True,
    ),
    "csv": Format(
        "csv", ".csv", "CSV for Anki's import (or plain, for other apps)", "deckbuilder.render.csv"
    ),
}


def default_formats() -> list[str]:
    """Every format whose dependencies are installed."""
    return [name for name, fmt in FORMATS.items() if fmt.available()]
