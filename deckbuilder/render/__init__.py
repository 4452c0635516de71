"""The output formats, registered by name; each renderer module is imported only when used."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deckbuilder.errors import RenderError
from deckbuilder.model import Deck


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A local file referenced by the markdown, under the name it gets in the output."""

    path: Path
    name: str


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Everything a renderer may use besides the deck: renderers read no clock and no other files."""

    media: Mapping[str, MediaFile] = field(default_factory=dict)
    """Image references as written in the markdown, to the files they resolve to."""


Renderer = Callable[[Deck, RenderOptions], bytes]


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

    def available(self) -> bool:
        return all(importlib.util.find_spec(module) is not None for module in self.requires)

    def renderer(self) -> Renderer:
        if not self.available():
            raise RenderError(
                f"the {self.name} format needs {', '.join(self.requires)}; "
                f'install it with: pip install "deckbuilder[{self.extra}]"'
            )
        module = importlib.import_module(self.module)
        render: Renderer = module.render
        return render


FORMATS: dict[str, Format] = {
    "apkg": Format("apkg", ".apkg", "Anki package (import with File > Import)", "deckbuilder.render.apkg"),
}


def default_formats() -> list[str]:
    """Every format whose dependencies are installed."""
    return [name for name, fmt in FORMATS.items() if fmt.available()]
