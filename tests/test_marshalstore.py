"""The caches' store: appends what is new, compacts when enough changed, ignores foreign files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from deckbuilder.incremental.store import MarshalStore


def entries(count: int, start: int = 0) -> dict[str, str]:
    return {f"k{n}": f"value {n}" for n in range(start, start + count)}


def files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_save_after_a_small_change_appends_only_the_new_entries(tmp_path: Path) -> None:
    path = tmp_path / "store.bin"
    MarshalStore.load(path, "v1").save(entries(100))
    main_bytes = path.read_bytes()
    used = {**entries(95), **entries(3, start=1000)}  # five gone, three new
    MarshalStore.load(path, "v1").save(used)
    assert path.read_bytes() == main_bytes  # the big file is not rewritten
    assert files(tmp_path) == ["store.added.bin", "store.bin"]
    reloaded = MarshalStore.load(path, "v1")
    assert all(reloaded.get(key) == value for key, value in used.items())
    assert len(reloaded) == 103


def test_enough_change_rewrites_the_main_file_without_unused_entries(tmp_path: Path) -> None:
    path = tmp_path / "store.bin"
    MarshalStore.load(path, "v1").save(entries(100))
    MarshalStore.load(path, "v1").save({**entries(95), **entries(3, start=1000)})
    used = entries(50, start=2000)  # everything replaced
    MarshalStore.load(path, "v1").save(used)
    assert files(tmp_path) == ["store.bin"]
    reloaded = MarshalStore.load(path, "v1")
    assert len(reloaded) == 50 and all(reloaded.get(key) == value for key, value in used.items())


def test_a_partial_save_keeps_every_entry_it_was_not_given(tmp_path: Path) -> None:
    """keep_unused: the entries given are part of what a build used (watch's fragments of new cards
    alone): the others stay, whether the new ones are appended or the main file is rewritten."""
    path = tmp_path / "store.bin"
    MarshalStore.load(path, "v1").save(entries(100))
    MarshalStore.load(path, "v1").save(entries(3, start=1000), keep_unused=True)  # appended
    assert files(tmp_path) == ["store.added.bin", "store.bin"]
    MarshalStore.load(path, "v1").save(entries(50, start=2000), keep_unused=True)  # rewritten
    assert files(tmp_path) == ["store.bin"]
    reloaded = MarshalStore.load(path, "v1")
    expected = {**entries(100), **entries(3, start=1000), **entries(50, start=2000)}
    assert len(reloaded) == len(expected) and all(
        reloaded.get(key) == value for key, value in expected.items()
    )


def test_nothing_new_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store.bin"
    MarshalStore.load(path, "v1").save(entries(10))
    before = path.stat().st_mtime_ns, path.read_bytes()
    MarshalStore.load(path, "v1").save(entries(10))
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before and files(tmp_path) == ["store.bin"]


def test_another_header_or_a_damaged_file_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "store.bin"
    MarshalStore.load(path, "v1").save(entries(10))
    assert len(MarshalStore.load(path, "v2")) == 0
    path.write_bytes(b"\x00garbage")
    assert len(MarshalStore.load(path, "v1")) == 0
    MarshalStore.load(path, "v1").save(entries(10))  # and it is written afresh
    assert len(MarshalStore.load(path, "v1")) == 10


def test_a_warm_read_decodes_a_file_once_until_it_changes(tmp_path: Path, monkeypatch: Any) -> None:
    from deckbuilder.incremental import store

    path = tmp_path / "cache.marshal"
    store.write_marshal(path, "h", {"a": 1})
    reads: list[Path] = []
    original = store.regular_file_bytes

    def counted(file: Path, largest: int) -> bytes | None:
        reads.append(file)
        return original(file, largest)

    monkeypatch.setattr(store, "regular_file_bytes", counted)
    store.keep_warm()
    try:
        first = store.read_marshal(path, "h")
        first["b"] = 2  # what a reader does to its copy stays its own
        assert store.read_marshal(path, "h") == {"a": 1} and len(reads) == 1
        assert store.read_marshal(path, "other header") is None and len(reads) == 2
        written = {"a": 3}
        store.write_marshal(path, "h", written)
        written["c"] = 4  # what the writer does to its value later is not what the file holds
        assert store.read_marshal(path, "h") == {"a": 3} and len(reads) == 2  # kept as written
        copy = tmp_path / "copy"
        copy.write_bytes(path.read_bytes())
        os.replace(copy, path)  # another process wrote the file
        assert store.read_marshal(path, "h") == {"a": 3} and len(reads) == 3
    finally:
        store.keep_warm(False)
    store.read_marshal(path, "h")
    assert len(reads) == 4  # not kept once watch is over
