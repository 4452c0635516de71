"""A table of rendered fragments that the renderers of one build share, so each renders once."""

from __future__ import annotations

from collections.abc import Callable

from deckbuilder.html.markup import (
    DEFAULT_OPTIONS,
    FragmentKey,
    MarkupOptions,
    fragment_key,
    inline,
    render_key,
)
from deckbuilder.html.plaintext import html_to_text


class Fragments:
    """Rendered fragments by key: each is rendered on first use, then looked up.

    Several outputs of a build render the same cards, so they share one table. Whoever can fill
    one ahead does (the incremental layer, from its disk cache and on all cores), through
    ``table`` and ``stored``; whatever the table holds after the build is what was used."""

    __slots__ = ("rendered", "stored", "table")

    def __init__(
        self,
        table: dict[FragmentKey, str] | None = None,
        stored: Callable[[FragmentKey], str | None] | None = None,
    ) -> None:
        self.table: dict[FragmentKey, str] = table if table is not None else {}
        self.stored = stored
        """Where fragments not in the table may be found before rendering them."""
        self.rendered = 0
        """How many fragments this table rendered itself."""

    def get(self, key: FragmentKey) -> str:
        found = self.table.get(key)
        if found is None:
            found = self.stored(key) if self.stored is not None else None
            if found is None:
                found = render_key(key)
                self.rendered += 1
            self.table[key] = found
        return found

    def html(self, markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
        """What markup.to_html gives."""
        return self.get(fragment_key(markdown, options))

    def inline_html(self, markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
        """What markup.to_inline_html gives."""
        return inline(self.get(fragment_key(markdown, options)))

    def text(self, markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
        """What markup.to_text gives."""
        return html_to_text(self.get(fragment_key(markdown, options)))
