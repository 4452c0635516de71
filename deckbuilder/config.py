"""Deck settings from a file's YAML front matter and from deckbuilder.toml beside it."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from deckbuilder.errors import ConfigError
from deckbuilder.model import DeckSettings, SourceLocation
from deckbuilder.tags import safe_tag, split_tag_list

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE_NAME = "deckbuilder.toml"
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


def _load_yaml(yaml_text: str, path: str) -> dict[str, tuple[Any, int]]:
    import yaml  # only files with front matter pay for importing PyYAML

    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(yaml_text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
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


def _expect_str(value: Any, key: str, where: SourceLocation) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"'{key}' must be a non-empty text, got {value!r}", where)
    return value.strip()


def _expect_tags(value: Any, key: str, where: SourceLocation) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(split_tag_list(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(tag for item in value if (tag := safe_tag(item)))
    raise ConfigError(f"'{key}' must be a list of tags, e.g. [biology, cells], got {value!r}", where)


def _expect_level(value: Any, key: str, where: SourceLocation) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 6:
        raise ConfigError(f"'{key}' must be a heading level from 1 to 6, got {value!r}", where)
    return value


def _expect_id(value: Any, key: str, where: SourceLocation) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise ConfigError(f"'{key}' must be a positive whole number, got {value!r}", where)
    return value


FRONT_MATTER_KEYS = {
    "title": ("title", _expect_str),
    "deck": ("anki_deck", _expect_str),
    "tags": ("tags", _expect_tags),
    "card_level": ("card_level", _expect_level),
    "deck_id": ("deck_id", _expect_id),
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


def load_folder_settings(folder: Path) -> DeckSettings:
    """Read deckbuilder.toml in a source folder; no file means default settings."""
    config_path = folder / CONFIG_FILE_NAME
    if not config_path.is_file():
        return DeckSettings()
    shown = str(config_path)
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the config file: {error}", SourceLocation(shown, 1)) from None
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or 1
        raise ConfigError(f"invalid TOML ({error}); fix the syntax", SourceLocation(shown, line)) from None
    return _settings_from_toml(data, shown)


def _settings_from_toml(data: dict[str, Any], shown: str) -> DeckSettings:
    where = SourceLocation(shown, 1)
    _reject_unknown(data, {"tags"}, "", where)
    tags_table = data.get("tags", {})
    if not isinstance(tags_table, dict):
        raise ConfigError("[tags] must be a table", where)
    _reject_unknown(tags_table, {"rules"}, "tags.", where)
    rules = tags_table.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError("[tags.rules] must be a table of tag = [words]", where)
    parsed: list[tuple[str, tuple[str, ...]]] = []
    for tag, words in rules.items():
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ConfigError(f"tags.rules.{tag} must be a list of words or phrases, got {words!r}", where)
        parsed.append((tag, tuple(w.strip() for w in words)))
    return DeckSettings(tag_rules=tuple(parsed))


def _reject_unknown(table: dict[str, Any], known: set[str], prefix: str, where: SourceLocation) -> None:
    for key in table:
        if key not in known:
            allowed = ", ".join(f"{prefix}{k}" for k in sorted(known))
            raise ConfigError(f"unknown setting '{prefix}{key}'; known settings: {allowed}", where)
