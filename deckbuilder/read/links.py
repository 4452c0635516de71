"""Reference-style links and images (``[text][label]`` with ``[label]: url`` anywhere in the file).

Each card is rendered on its own, so a definition written once for the whole file (often at its
end) reaches a card only if the card carries it: the definitions a card refers to are appended to
its answer, where they render nothing themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from deckbuilder.markdown.dialect import link_references

LinkDefinitions = tuple[tuple[str, str], ...]
"""(label in lower case, the definition line) for every definition in the file, by label."""


def link_definitions(texts: Sequence[str]) -> LinkDefinitions:
    """The link reference definitions in these pieces of a document, as mistune reads them."""
    found: dict[str, str] = {}
    for text in texts:
        if "]:" not in text:
            continue  # no definition can be in this piece: no parse
        for definition in link_references(text):
            label = str(definition["label"])
            found.setdefault(label.lower(), _definition_line(label, definition))
    return tuple(sorted(found.items()))


def _definition_line(label: str, definition: dict[str, str]) -> str:
    url = definition["url"].replace("<", "%3C").replace(">", "%3E")
    title = definition.get("title")
    quoted_title = ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"' if title else ""
    return f"[{label}]: <{url}>{quoted_title}"


def with_definitions(markdown: str, definitions: LinkDefinitions) -> str:
    """The markdown with the definitions it refers to but does not hold itself appended."""
    if not definitions or "[" not in markdown:
        return markdown
    folded = markdown.lower()
    needed = [line for label, line in definitions if f"[{label}]" in folded and f"[{label}]:" not in folded]
    return markdown.rstrip("\n") + "\n\n" + "\n".join(needed) if needed else markdown
