"""Settings files: deckbuilder.toml beside the sources, or [tool.deckbuilder] in pyproject.toml.

They hold deck defaults and keyword tag rules for the decks of a folder, and defaults for every
command-line option; an option given on the command line wins.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deckbuilder.errors import ConfigError, quoted
from deckbuilder.model import DeckSettings, SourceLocation
from deckbuilder.read.values import (
    expect_card_type,
    expect_count,
    expect_flag,
    expect_level,
    expect_names,
    expect_note_types,
    expect_one_of,
    expect_syntaxes,
    expect_tags,
    expect_text,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE_NAME = "deckbuilder.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True, slots=True)
class SettingsFile:
    """A settings table and where it came from."""

    path: Path | None
    data: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    def where(self, key: str) -> SourceLocation:
        """The line that sets ``key`` (its last part), for messages."""
        name = key.rsplit(".", 1)[-1]
        for number, line in enumerate(self.text.splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith((f"{name} ", f"{name}=", f"[{key}]", f"[tool.deckbuilder.{key}]")):
                return SourceLocation(str(self.path), number)
        return SourceLocation(str(self.path), 1)


def _fields(value: Any, key: str, where: SourceLocation) -> str:
    if isinstance(value, dict):
        value = [f"{name}={card_field}" for name, card_field in value.items()]
    if isinstance(value, list) and all(isinstance(v, str) and "=" in v for v in value):
        return ",".join(value)
    raise ConfigError(
        f'\'{key}\' must be a table like {{Front = "question", Back = "answer"}}, got {quoted(value)}', where
    )


def _grid(value: Any, key: str, where: SourceLocation) -> str:
    from deckbuilder.render.paper import GRIDS

    if isinstance(value, bool) or not isinstance(value, int) or value not in GRIDS:
        raise ConfigError(f"'{key}' must be one of {', '.join(map(str, GRIDS))}, got {quoted(value)}", where)
    return str(value)


def _schema() -> dict[str, dict[str, Callable[[Any, str, SourceLocation], Any]]]:
    from deckbuilder.render import FORMATS
    from deckbuilder.render.paper import CARD_SIZES, DUPLEX_MODES, LAYOUTS, PAPERS

    return {
        "deck": {
            "tags": expect_tags,
            "card_level": expect_level,
            "type": expect_card_type,
            "reverse": expect_flag,
            "syntax": expect_syntaxes,
            "note_types": expect_note_types,
            "note_type": expect_note_types,
            "from_folders": expect_flag,
        },
        "tags": {"rules": lambda value, key, where: value},  # checked by _tag_rules
        "build": {
            "formats": expect_names(sorted(FORMATS), "formats"),
            "output": expect_text,
            "recursive": expect_flag,
            "package": expect_text,
        },
        "push": {"collection": expect_text, "backups": expect_count},
        "csv": {
            "dialect": expect_one_of(("anki", "plain")),
            "note_type": expect_text,
            "fields": _fields,
            "bom": expect_flag,
        },
        "print": {
            "layout": expect_one_of(LAYOUTS),
            "paper": expect_one_of(sorted(PAPERS)),
            "cards_per_page": _grid,
            "card_size": expect_one_of(sorted(CARD_SIZES)),
            "duplex": expect_one_of(DUPLEX_MODES),
        },
    }


OPTION_FOR_SETTING = {
    "push.collection": "collection",
    "push.backups": "backups",
    "build.formats": "formats",
    "build.output": "output",
    "build.recursive": "recursive",
    "build.package": "package",
    "csv.dialect": "csv_dialect",
    "csv.note_type": "csv_note_type",
    "csv.fields": "csv_fields",
    "csv.bom": "csv_bom",
    "print.layout": "layout",
    "print.paper": "paper",
    "print.cards_per_page": "cards_per_page",
    "print.card_size": "card_size",
    "print.duplex": "duplex",
}
"""Which command-line option each setting gives the default of."""


def _read(path: Path) -> tuple[dict[str, Any], str]:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), text
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the config file: {error}", SourceLocation(shown, 1)) from None
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or 1
        raise ConfigError(f"invalid TOML ({error}); fix the syntax", SourceLocation(shown, line)) from None
    except RecursionError:
        raise ConfigError(
            "values nested too deeply; no setting needs that", SourceLocation(shown, 1)
        ) from None


def settings_file(folder: Path) -> SettingsFile:
    """deckbuilder.toml in the folder or the nearest folder above it (up to the top of a git
    repository or an Obsidian vault), else [tool.deckbuilder] of pyproject.toml here, else nothing."""
    own = _nearest(folder)
    if own is not None:
        data, text = _read(own)
        found = SettingsFile(own, data, text)
    else:
        pyproject = Path(PYPROJECT)
        if not pyproject.is_file():
            return SettingsFile(None)
        data, text = _read(pyproject)
        table = data.get("tool", {}).get("deckbuilder")
        if not isinstance(table, dict):
            return SettingsFile(None)
        found = SettingsFile(pyproject, table, text)
    return _validated(found)


def _nearest(folder: Path) -> Path | None:
    """The deckbuilder.toml that governs the folder: its own, else the nearest above it, stopping
    at the folder that holds ``.git`` or ``.obsidian`` (a settings file outside the notes is not
    theirs)."""
    own = folder / CONFIG_FILE_NAME
    if own.is_file():
        return own
    for above in [folder.resolve(), *folder.resolve().parents]:
        candidate = above / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
        if (above / ".git").exists() or (above / ".obsidian").is_dir():
            return None
    return None


SPACED_REPETITION_DATA = Path(".obsidian", "plugins", "obsidian-spaced-repetition", "data.json")
"""Where Obsidian keeps the Spaced Repetition plugin's settings, in the vault's top folder."""
CLOZE_SETTINGS = (
    ("highlight", "convertHighlightsToClozes", True),
    ("bold", "convertBoldTextToClozes", False),
    ("curly", "convertCurlyBracketsToClozes", False),
)
"""Each cloze mark, the plugin's setting that turns it on, and its default there."""
SEPARATOR_KEYS = (
    "singleLineCardSeparator",
    "singleLineReversedCardSeparator",
    "multilineCardSeparator",
    "multilineReversedCardSeparator",
)


def spaced_repetition_settings(folder: Path) -> DeckSettings:
    """The Spaced Repetition plugin's settings of the Obsidian vault the folder is in (found by
    walking up to the vault's ``.obsidian``): its flashcard tags, separators and cloze marks; the
    plugin's defaults outside a vault or without the plugin's file."""
    defaults = DeckSettings()
    data_file = next(
        (above / SPACED_REPETITION_DATA for above in [folder.resolve(), *folder.resolve().parents]
         if (above / ".obsidian").is_dir()),
        None,
    )  # fmt: skip
    if data_file is None or not data_file.is_file():
        return defaults
    where = SourceLocation(str(data_file), 1)
    try:
        data = json.loads(data_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(
            f"cannot read the Spaced Repetition plugin's settings ({error}); fix the file in Obsidian "
            "or delete it for the plugin's defaults",
            where,
        ) from None
    found = data.get("settings", data) if isinstance(data, dict) else {}
    found = found if isinstance(found, dict) else {}
    separators = tuple(
        value if isinstance(value := found.get(key), str) and value.strip() else default
        for key, default in zip(SEPARATOR_KEYS, defaults.card_separators, strict=True)
    )
    tags = found.get("flashcardTags")
    listed = (
        tuple(tag for tag in tags if isinstance(tag, str) and tag.strip("# "))
        if isinstance(tags, list)
        else ()
    )
    marks = tuple(
        mark
        for mark, key, default in CLOZE_SETTINGS
        if (found.get(key) if isinstance(found.get(key), bool) else default)
    )
    return DeckSettings(
        flashcard_tags=listed or defaults.flashcard_tags,
        card_separators=(separators[0], separators[1], separators[2], separators[3]),
        cloze_marks=marks,
    )


def deck_root(folder: Path) -> Path | None:
    """The folder whose settings make decks follow folders (``[deck] from_folders = true``): the
    decks of the files below it share its lock, so a file moved between its folders keeps its
    cards' identity; None when decks do not follow folders."""
    return _deck_root(settings_file(folder), folder)


def _deck_root(found: SettingsFile, folder: Path) -> Path | None:
    if not found.data.get("deck.from_folders") or found.path is None:
        return None
    root = found.path.parent.resolve()
    return root if folder.resolve().is_relative_to(root) else None


def _validated(found: SettingsFile) -> SettingsFile:
    schema = _schema()
    values: dict[str, Any] = {}
    for table_name, table in found.data.items():
        if table_name not in schema:
            raise ConfigError(
                f"unknown setting '{table_name}'; known tables: {', '.join(f'[{t}]' for t in schema)}",
                found.where(table_name),
            )
        if not isinstance(table, dict):
            raise ConfigError(f"'{table_name}' must be a table: [{table_name}]", found.where(table_name))
        for key, value in table.items():
            full = f"{table_name}.{key}"
            if key not in schema[table_name]:
                known = ", ".join(f"{table_name}.{k}" for k in schema[table_name])
                raise ConfigError(f"unknown setting '{full}'; known settings: {known}", found.where(full))
            values[full] = schema[table_name][key](value, full, found.where(full))
    return SettingsFile(found.path, values, found.text)


def folder_settings(folder: Path) -> DeckSettings:
    """The deck defaults and tag rules for the decks in a folder."""
    found = settings_file(folder)
    rules = _tag_rules(found.data.get("tags.rules", {}), found)
    root = _deck_root(found, folder)  # from the settings read above, not read again
    vault = spaced_repetition_settings(folder)
    return DeckSettings(
        flashcard_tags=vault.flashcard_tags,
        card_separators=vault.card_separators,
        cloze_marks=vault.cloze_marks,
        folder_deck="::".join(folder.resolve().relative_to(root).parts) if root is not None else None,
        tags=found.data.get("deck.tags", ()),
        card_level=found.data.get("deck.card_level"),
        card_type=found.data.get("deck.type"),
        reverse=found.data.get("deck.reverse", False),
        syntax=found.data.get("deck.syntax", ()),
        note_types=found.data.get("deck.note_types", found.data.get("deck.note_type", ())),
        tag_rules=rules,
    )


def _tag_rules(rules: Any, found: SettingsFile) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(rules, dict):
        raise ConfigError("[tags.rules] must be a table of tag = [words]", found.where("tags.rules"))
    parsed: list[tuple[str, tuple[str, ...]]] = []
    for tag, words in rules.items():
        listed = [words] if isinstance(words, str) else words
        if not isinstance(listed, list) or not all(isinstance(w, str) and w.strip() for w in listed):
            raise ConfigError(
                f"tags.rules.{tag} must be a list of words or phrases, got {quoted(words)}", found.where(tag)
            )
        parsed.append((tag, tuple(w.strip() for w in listed)))
    return tuple(parsed)


def option_defaults(folder: Path) -> dict[str, Any]:
    """Command-line option defaults from the settings file that governs ``folder``."""
    found = settings_file(folder)
    defaults = {
        OPTION_FOR_SETTING[key]: value for key, value in found.data.items() if key in OPTION_FOR_SETTING
    }
    for name in ("output", "collection"):
        if name in defaults and found.path is not None:
            # Relative to the settings file, wherever the command runs; ~ is the home folder.
            defaults[name] = found.path.parent / Path(defaults[name]).expanduser()
    return defaults
