"""Deck settings from a file's YAML front matter."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from deckbuilder.errors import ConfigError, shorten
from deckbuilder.model import DeckSettings, SourceLocation
from deckbuilder.read.values import (
    expect_card_type,
    expect_flag,
    expect_id,
    expect_level,
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


def _refuse_aliases(yaml: Any, yaml_text: str, path: str) -> None:
    """Front matter may not repeat a value by alias (``*name``): a few lines of nested aliases
    expand to billions of items, and no setting of ours needs one."""
    for event in yaml.parse(yaml_text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise ConfigError(
                f"front matter repeats a value by the YAML alias '*{shorten(str(event.anchor), 40)}'; "
                "write the value out instead",
                SourceLocation(path, event.start_mark.line + 2),
            )


def _load_yaml(yaml_text: str, path: str) -> dict[str, tuple[Any, int]]:
    import yaml  # only files with front matter pay for importing PyYAML

    try:
        _refuse_aliases(yaml, yaml_text, path)
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
}


def apply_front_matter(settings: DeckSettings, front: FrontMatter, path: str) -> DeckSettings:
    """Overlay front matter keys on settings, rejecting unknown keys by name and line."""
    changes: dict[str, Any] = {}
    for key, (value, line) in front.values.items():
        where = SourceLocation(path, line)
        if key not in FRONT_MATTER_KEYS:
            known = ", ".join(sorted(FRONT_MATTER_KEYS))
            raise ConfigError(f"unknown front matter key '{key}'; known keys: {known}", where)
        field_name, convert = FRONT_MATTER_KEYS[key]
        changes[field_name] = convert(value, key, where)
    return replace(settings, **changes)
