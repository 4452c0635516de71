"""A unified diff made from a file's changes themselves (no line matching)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

DIFF_CONTEXT = 3


def unified_diff(path: Path, old: Sequence[str], changes: Sequence[tuple[int, int, list[str]]]) -> str:
    """A unified diff of the changes, made from them directly: difflib takes minutes on a file of
    tens of thousands of lines with many changes."""
    out = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    shift = 0
    for start, end, new in sorted(changes, key=lambda change: change[0]):
        removed, added = list(old[start:end]), list(new)
        while removed and added and removed[0] == added[0]:  # lines the change kept as they were
            removed.pop(0)
            added.pop(0)
            start += 1
        while removed and added and removed[-1] == added[-1]:
            removed.pop()
            added.pop()
        end = start + len(removed)
        context_before = old[max(0, start - DIFF_CONTEXT) : start]
        context_after = old[end : end + DIFF_CONTEXT]
        first = start - len(context_before) + 1
        old_count = len(context_before) + len(removed) + len(context_after)
        new_count = len(context_before) + len(added) + len(context_after)
        out.append(f"@@ -{first},{old_count} +{first + shift},{new_count} @@\n")
        out += [f" {line}\n" for line in context_before]
        out += [f"-{line}\n" for line in removed] + [f"+{line}\n" for line in added]
        out += [f" {line}\n" for line in context_after]
        shift += len(added) - len(removed)
    return "".join(out)
