"""The output formats, registered by name; each renderer module is imported only when used.

This module is kept light (no dataclasses, no model) because the command line reads the format
names for its ``--help``; what renderers are given lives in ``render/options.py`` and is reachable
from here too, loaded on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from deckbuilder.render.options import (
        CSV_CARD_FIELDS,
        CsvOptions,
        MediaFile,
        MediaNames,
        PackageRenderer,
        Renderer,
        RenderOptions,
    )

__all__ = ["CSV_CARD_FIELDS", "FORMATS", "CsvOptions", "Format", "MediaFile", "MediaNames", "PackageRenderer",
           "RenderOptions", "Renderer", "default_formats"]  # fmt: skip
_OPTIONS = {"CSV_CARD_FIELDS", "CsvOptions", "MediaFile", "MediaNames", "PackageRenderer", "RenderOptions",
            "Renderer"}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _OPTIONS:
        from deckbuilder.render import options

        return getattr(options, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Format(NamedTuple):
    """An output format: its file suffix and the module whose ``render`` produces it."""

    name: str
    suffix: str
    module: str
    requires: tuple[str, ...] = ()
    """Importable modules the format needs beyond the core dependencies."""
    extra: str | None = None
    """The pip extra that installs them."""

    def renderer(self) -> Renderer:
        if not all(importlib.util.find_spec(module) is not None for module in self.requires):
            from deckbuilder.errors import RenderError

            raise RenderError(
                f"the {self.name} format needs {', '.join(self.requires)}; "
                f'install it with: pip install "deckbuilder[{self.extra}]"'
            )
        module = importlib.import_module(self.module)
        render: Renderer = module.render
        return render

    def package_renderer(self) -> PackageRenderer | None:
        """The renderer of many decks into one file (``build --package``), where the format has one."""
        module = importlib.import_module(self.module)
        render: PackageRenderer | None = getattr(module, "render_package", None)
        return render


FORMATS: dict[str, Format] = {
    # An Anki package (import with File > Import).
    "apkg": Format("apkg", ".apkg", "deckbuilder.render.apkg"),
    # Printable cards or a study sheet, one self-contained file.
    "html": Format("html", ".html", "deckbuilder.render.html"),
    # The printable HTML as PDF, printed by Chromium.
    "pdf": Format("pdf", ".pdf", "deckbuilder.render.pdf", requires=("playwright",), extra="pdf"),
    # CSV for Anki's import (or plain, for other apps).
    "csv": Format("csv", ".csv", "deckbuilder.render.csv"),
}


DEFAULT_FORMATS = ("apkg", "csv", "html")
"""What build and watch write with no -f and no formats in the settings. Not the PDF: printing
takes seconds (a 2,000-card rebuild went from 0.2 s to 5.8 s), so it is written only when asked."""


def default_formats() -> list[str]:
    """The formats written when none is chosen."""
    return list(DEFAULT_FORMATS)
