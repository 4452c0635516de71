"""Tag rules: Anki-safe tag names, section tags and keyword rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HIERARCHY = "::"


UNSAFE_IN_TAGS = str.maketrans({'"': "", "<": "", ">": "", "\u3000": " "})


def safe_tag(name: str) -> str:
    """Make a tag Anki accepts: no spaces (Anki splits tags on them), no quotes or angle brackets (a
    tag is shown as it is, and must not read as markup), no leading '#'."""
    words = name.translate(UNSAFE_IN_TAGS).split()
    tag = "_".join(words).lstrip("#")
    return tag.strip(":")


def section_tag(path: Sequence[str]) -> str | None:
    """The hierarchical tag ``Section::Subsection`` for a card's section headings."""
    parts = [safe_tag(part.replace(HIERARCHY, " ")) for part in path]
    parts = [part for part in parts if part]
    return HIERARCHY.join(parts) if parts else None


def split_tag_list(text: str) -> list[str]:
    """Tags written inline: ``a, b`` or ``a b`` or ``#a #b``."""
    return [safe_tag(part) for part in text.replace(",", " ").split() if safe_tag(part)]


def merge_tags(*groups: Iterable[str]) -> tuple[str, ...]:
    """One sorted tuple without case-insensitive duplicates (Anki treats tags case-insensitively)."""
    seen: dict[str, str] = {}
    for group in groups:
        for tag in group:
            if tag and tag.casefold() not in seen:
                seen[tag.casefold()] = tag
    return tuple(sorted(seen.values(), key=str.casefold))


@dataclass(frozen=True, slots=True)
class TagRules:
    """Compiled keyword rules: a tag applies when any of its words occurs as a whole word."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def compile(cls, rules: Iterable[tuple[str, Sequence[str]]]) -> TagRules:
        compiled = []
        for tag, phrases in rules:
            alternatives = "|".join(_phrase_pattern(phrase) for phrase in phrases)
            # Lookarounds instead of \b so that phrases may start or end with punctuation (C++).
            compiled.append((safe_tag(tag), re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)))
        return cls(tuple(compiled))

    def tags_for(self, text: str) -> list[str]:
        return [tag for tag, pattern in self.patterns if pattern.search(text)]


def _phrase_pattern(phrase: str) -> str:
    # Any run of white space in a phrase matches any run in the card, line breaks included.
    return r"\s+".join(re.escape(word) for word in phrase.split())
