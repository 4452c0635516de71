"""Cards that moved between files of one folder keep their GUIDs, and with them their notes in Anki
and every review: a card cut from one file and pasted into another, or a file renamed.

Each file is matched to its own part of the lock first (identity.resolve). A card that is new to its
file is then matched, by the same rules, against the cards that left another file of the folder in
this build, and against the cards of lock entries whose file is gone (renamed or deleted): it takes
the GUID it had there, and the lock holds it once, under the file that now holds it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from deckbuilder.identity.lockfile import Lock, LockEntry
from deckbuilder.identity.resolve import Change, Resolution, resolve


def moved_resolutions(
    lock_file: Path, lock: Lock, resolutions: dict[str, Resolution], now: int
) -> tuple[dict[str, Resolution], Lock]:
    """The resolutions of one folder's loaded files (by lock key), with the cards that moved from
    another file matched to their entries there; also the lock without the entries of gone files
    that moved (their cards are live under the file that holds them now)."""
    pool = _left_their_files(lock_file, lock, resolutions)
    if not pool:
        return resolutions, lock
    adopted: dict[str, str] = {}
    """Each GUID a file took from another, with the key of the file it left."""
    result = dict(resolutions)
    for key, resolution in resolutions.items():
        if not any(match.change is Change.NEW for match in resolution.matches):
            continue
        candidates = [entry for left, entry in pool.values() if entry.guid not in adopted and left != key]
        if not candidates:
            continue
        own = lock.get(key, ())
        again = resolve(resolution.deck, (*own, *candidates), now)
        offered = {entry.guid for entry in candidates}
        taken = {match.previous.guid for match in again.matches if match.previous is not None} & offered
        if not taken:
            continue
        adopted.update({guid: pool[guid][0] for guid in taken})
        not_taken = offered - taken - {entry.guid for entry in own}
        result[key] = _without(again, not_taken)
    if not adopted:
        return resolutions, lock
    for key, resolution in result.items():
        left = {guid for guid, source in adopted.items() if source == key}
        if left:
            removed = tuple(entry for entry in resolution.removed if entry.guid not in left)
            result[key] = replace(resolution, removed=removed)
    return result, _gone_files_without(lock, resolutions, adopted)


def _left_their_files(
    lock_file: Path, lock: Lock, resolutions: dict[str, Resolution]
) -> dict[str, tuple[str, LockEntry]]:
    """The cards that left their file: removed in this build, or in a file that is gone; by GUID,
    with the lock key of the file they left."""
    pool: dict[str, tuple[str, LockEntry]] = {}
    for key, resolution in resolutions.items():
        pool.update({entry.guid: (key, entry) for entry in resolution.removed})
    for key in _gone_files(lock_file, lock, resolutions):
        for entry in lock[key]:
            if entry.removed is None:
                pool.setdefault(entry.guid, (key, entry))
    return pool


def _gone_files(lock_file: Path, lock: Lock, resolutions: dict[str, Resolution]) -> list[str]:
    return [key for key in lock if key not in resolutions and not (lock_file.parent / key).exists()]


def _without(resolution: Resolution, guids: set[str]) -> Resolution:
    """The resolution without the entries of cards it was offered and did not take."""
    if not guids:
        return resolution
    return replace(
        resolution,
        entries=tuple(entry for entry in resolution.entries if entry.guid not in guids),
        removed=tuple(entry for entry in resolution.removed if entry.guid not in guids),
    )


def _gone_files_without(lock: Lock, resolutions: dict[str, Resolution], adopted: dict[str, str]) -> Lock:
    """The lock with the moved cards' entries gone from the keys of files that are gone."""
    result: dict[str, tuple[LockEntry, ...]] = {}
    for key, entries in lock.items():
        if key in resolutions:
            result[key] = entries
            continue
        kept = tuple(entry for entry in entries if adopted.get(entry.guid) != key)
        if kept:
            result[key] = kept
    return result
