"""Deck settings from a file's YAML front matter."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from typing import Any

from deckbuilder.errors import ConfigError, Diagnostic, Severity, shorten
from deckbuilder.model import DeckSettings, SourceLocation
from deckbuilder.read.values import (
    expect_card_type,
    expect_flag,
    expect_id,
    expect_level,
    expect_note_types,
    expect_syntaxes,
    expect_tags,
    expect_text,
)

FRONT_MATTER_FENCE = "---"
FRONT_MATTER_ENDS = ("---", "...")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The settings block at the top of a file and where the markdown after it starts."""

    values: dict[str, tuple[Any, int]]
    """Each key's value and the line it is on."""
    body_line: int
    """0-based line index where the markdown body starts."""


def split_front_matter(text: str, path: str) -> tuple[FrontMatter, str]:
    """Separate a leading ``---`` YAML block from the markdown that follows it."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FRONT_MATTER_FENCE:
        return FrontMatter({}, 0), text
    for index in range(1, len(lines)):
        if lines[index].rstrip() in FRONT_MATTER_ENDS:
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return FrontMatter(_load_yaml(yaml_text, path), index + 1), body
    raise ConfigError(
        "front matter starts with '---' but never ends; close it with a line '---'",
        SourceLocation(path, 1),
    )


DEEPEST_FRONT_MATTER = 32
"""Levels of lists and mappings front matter may nest: our settings take three at most."""


def _refuse_hostile(yaml: Any, yaml_text: str, path: str) -> None:
    """Refused while the events stream in, before anything is built: a value repeated by alias
    (``*name``; a few lines of nested aliases expand to billions of items) and nesting deeper than
    any setting of ours (thousands of levels take minutes to build). No setting needs either."""
    depth = 0
    for event in yaml.parse(yaml_text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > DEEPEST_FRONT_MATTER:
                raise ConfigError(
                    f"front matter nests values more than {DEEPEST_FRONT_MATTER} levels deep; no setting "
                    "needs that: write the values flatter",
                    SourceLocation(path, event.start_mark.line + 2),
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            raise ConfigError(
                f"front matter repeats a value by the YAML alias '*{shorten(str(event.anchor), 40)}'; "
                "write the value out instead",
                SourceLocation(path, event.start_mark.line + 2),
            )


def _load_yaml(yaml_text: str, path: str) -> dict[str, tuple[Any, int]]:
    import yaml  # only files with front matter pay for importing PyYAML

    try:
        _refuse_hostile(yaml, yaml_text, path)
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(yaml_text)
    except RecursionError:
        raise ConfigError(
            "front matter nests values too deeply; no setting needs that", SourceLocation(path, 2)
        ) from None
    except yaml.MarkedYAMLError as error:
        # An unclosed bracket or quote is found only where the next thing starts: point at its start.
        unclosed = error.context_mark is not None and any(
            word in (error.context or "") for word in ("flow", "quoted")
        )
        mark = error.context_mark if unclosed else (error.problem_mark or error.context_mark)
        line = mark.line + 2 if mark else 1
        raise ConfigError(
            f"front matter is not valid YAML ({error.problem}); fix the YAML between the '---' lines",
            SourceLocation(path, line),
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            "front matter must be 'key: value' lines, e.g. 'title: My deck'",
            SourceLocation(path, 2),
        )
    key_lines = {str(key.value): key.start_mark.line + 2 for key, _ in node.value}
    return {str(key): (value, key_lines.get(str(key), 2)) for key, value in data.items()}


FRONT_MATTER_KEYS = {
    "title": ("title", expect_text),
    "deck": ("anki_deck", expect_text),
    "tags": ("tags", expect_tags),
    "card_level": ("card_level", expect_level),
    "deck_id": ("deck_id", expect_id),
    "type": ("card_type", expect_card_type),
    "reverse": ("reverse", expect_flag),
    "syntax": ("syntax", expect_syntaxes),
    "note_type": ("note_types", expect_note_types),
    "note_types": ("note_types", expect_note_types),
}
OWN_KEY = "deckbuilder"
"""A key holding our settings in a file whose front matter other tools read too."""
CLOSE_ENOUGH = 0.75
"""How alike a foreign key must be to one of ours to be taken for a misspelling of it."""
SHARED_KEYS = frozenset({"type", "tags", "title"})
"""Keys of ours that other tools' front matter uses too, with values of their own: a value that is
not one of ours is ignored with a warning (nothing is lost but a setting the file never meant)."""
TOOL_KEYS = frozenset({"layout", "date", "aliases", "description", "permalink", "lang", "name"})
"""Keys of other tools (Jekyll, Obsidian, Eleventy) that are never a misspelling of ours."""


def apply_front_matter(
    settings: DeckSettings, front: FrontMatter, path: str
) -> tuple[DeckSettings, tuple[Diagnostic, ...]]:
    """Overlay our front matter keys on settings; keys of other tools are ignored (a note says so),
    and a key that looks like a misspelling of one of ours is an error naming it."""
    changes: dict[str, Any] = {}
    notes: list[Diagnostic] = []
    for key, (value, line) in front.values.items():
        where = SourceLocation(path, line)
        if key == OWN_KEY:
            changes.update(_own_settings(value, where))
        elif key in SHARED_KEYS:
            field_name, convert = FRONT_MATTER_KEYS[key]
            try:
                changes[field_name] = convert(value, key, where)
            except ConfigError as error:
                # Another tool's value under a key we share (dataview's 'type', say): ignored, said.
                notes.append(Diagnostic(where, Severity.WARNING, (
                    f"{error.message}: ignored, as other tools use '{key}' too; put deckbuilder's own "
                    f"under '{OWN_KEY}:' ('{OWN_KEY}: {{{key}: …}}')")))  # fmt: skip
        elif key in FRONT_MATTER_KEYS:
            field_name, convert = FRONT_MATTER_KEYS[key]
            changes[field_name] = convert(value, key, where)
        else:
            _refuse_misspelling(key, where)
            notes.append(Diagnostic(where, Severity.NOTE, f"front matter key '{shorten(key, 40)}' is not "
                                    "deckbuilder's; ignored"))  # fmt: skip
    return replace(settings, **changes), tuple(notes)


def _own_settings(value: Any, where: SourceLocation) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"'{OWN_KEY}' must hold our settings as 'key: value' lines, e.g. '{OWN_KEY}: {{card_level: 2}}'",
            where,
        )
    changes: dict[str, Any] = {}
    for key, inner in value.items():
        name = str(key)
        if name not in FRONT_MATTER_KEYS:
            known = ", ".join(sorted(FRONT_MATTER_KEYS))
            raise ConfigError(
                f"unknown key '{shorten(name, 40)}' under '{OWN_KEY}'; known keys: {known}", where
            )
        field_name, convert = FRONT_MATTER_KEYS[name]
        changes[field_name] = convert(inner, name, where)
    return changes


def _refuse_misspelling(key: str, where: SourceLocation) -> None:
    if key.casefold() in TOOL_KEYS:
        return
    folded = key.casefold().replace("-", "_").replace(" ", "_")
    if folded in FRONT_MATTER_KEYS:
        raise ConfigError(f"front matter key '{key}' should be written '{folded}'", where)
    close = difflib.get_close_matches(folded, FRONT_MATTER_KEYS, n=1, cutoff=CLOSE_ENOUGH)
    if close:
        raise ConfigError(
            f"front matter key '{shorten(key, 40)}' looks like a misspelling of '{close[0]}'; "
            f"write '{close[0]}', or put other tools' keys elsewhere",
            where,
        )
