"""Nothing lost under faults and hostile input: what an adversarial run found (issue 18)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckbuilder.cli import main
from deckbuilder.errors import Severity
from deckbuilder.identity.lockfile import read_lock

from .conftest import write


@contextlib.contextmanager
def hang_guard(seconds: int = 20) -> Iterator[None]:
    """Fail instead of hanging: these inputs once made deckbuilder loop forever or for minutes."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def nested_list(levels: int) -> str:
    return "".join(f"{'  ' * level}- level {level} of a deep list\n" for level in range(levels))


@pytest.mark.parametrize("cards_per_page", ["8", "12"])
def test_a_list_nested_deeper_than_the_card_is_reported_not_planned_forever(
    runner: CliRunner, tmp_path: Path, cards_per_page: str
) -> None:
    deep = "<ul><li>" * 16 + "raw HTML, sixteen deep" + "</li></ul>" * 16
    source = write(
        tmp_path, "deck.md", f"## Deep?\n\n{nested_list(15)}\n## Raw?\n\n{deep}\n\n## Short?\n\nYes.\n"
    )
    with hang_guard():
        checked = runner.invoke(main, ["check", str(source), "--print", "--cards-per-page", cards_per_page])
        built = runner.invoke(
            main,
            [
                "build",
                str(source),
                "-f",
                "html",
                "-o",
                str(tmp_path / "out"),
                "--cards-per-page",
                cards_per_page,
            ],
        )
    assert checked.exit_code == 0, checked.output
    assert "deck.md:1: warning: card 'Deep?' is too long for a card" in checked.stdout
    assert built.exit_code == 0, built.output
    assert (tmp_path / "out" / "deck.html").read_text(encoding="utf-8").count("level 14 of a deep list") == 1


def lock_with(tmp_path: Path, entries: dict[str, list[dict[str, object]]]) -> Path:
    lock = tmp_path / "deckbuilder.lock"
    lock.write_text(json.dumps({"version": 1, "decks": entries}, indent=2), encoding="utf-8")
    return lock


def entry(guid: str, question: str, **extra: object) -> dict[str, object]:
    return {"guid": guid, "question": question, "content": "0" * 16, "changed": 1_700_000_000, **extra}


def test_a_lock_holding_one_guid_twice_is_refused_naming_both(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "a.md", "## First?\n\nOne.\n")
    lock = lock_with(tmp_path, {"a.md": [entry("AAAAAAAAAAAA", "first"), entry("AAAAAAAAAAAA", "second")]})
    before = lock.read_bytes()
    for command in (["check"], ["build", "-o", str(tmp_path / "out")]):
        result = runner.invoke(main, [*command, str(tmp_path)])
        assert result.exit_code == 1, result.output
        assert "GUID AAAAAAAAAAAA is held by two cards, 'first' (a.md) and 'second' (a.md)" in result.stderr
        assert f"{lock}:" in result.stderr and "Traceback" not in result.output
    assert lock.read_bytes() == before and not (tmp_path / "out").exists()


def test_a_removed_entry_and_a_live_one_with_one_guid_are_a_moved_card(
    runner: CliRunner, tmp_path: Path
) -> None:
    write(tmp_path, "a.md", "## First?\n\nOne.\n")
    lock_with(tmp_path, {"a.md": [entry("AAAAAAAAAAAA", "first"), entry("AAAAAAAAAAAA", "old", removed=1)]})
    result = runner.invoke(main, ["build", str(tmp_path), "-o", str(tmp_path / "out"), "-f", "csv"])
    assert result.exit_code == 0, result.output


def test_two_files_of_one_deck_asking_one_question_are_refused(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ndeck: Shared\n---\n## Same question?\n\nOne.\n")
    write(tmp_path, "b.md", "---\ndeck: Shared\n---\n## Other?\n\nTwo.\n\n## Same question?\n\nThree.\n")
    result = runner.invoke(main, ["build", str(tmp_path), "-o", str(tmp_path / "out"), "-f", "csv"])
    assert result.exit_code == 1
    assert "b.md:8: error: this card and one in a.md would share the GUID" in result.stderr
    assert not (tmp_path / "deckbuilder.lock").exists() and not (tmp_path / "out").exists()
    checked = runner.invoke(main, ["check", str(tmp_path)])
    assert checked.exit_code == 1 and "would share the GUID" in checked.stdout


def test_a_card_moved_to_another_file_of_its_deck_keeps_its_guid_once_in_the_lock(
    runner: CliRunner, tmp_path: Path
) -> None:
    write(tmp_path, "a.md", "---\ndeck: Shared\n---\n## Stays?\n\nOne.\n\n## Moves?\n\nTwo.\n")
    out = ["-o", str(tmp_path / "out"), "-f", "csv"]
    assert runner.invoke(main, ["build", str(tmp_path), *out]).exit_code == 0
    [moving] = [e.guid for e in read_lock(tmp_path / "deckbuilder.lock")["a.md"] if e.question == "moves"]
    write(tmp_path, "a.md", "---\ndeck: Shared\n---\n## Stays?\n\nOne.\n")
    write(tmp_path, "b.md", "---\ndeck: Shared\n---\n## Moves?\n\nTwo.\n")
    result = runner.invoke(main, ["build", str(tmp_path), *out])
    assert result.exit_code == 0, result.output
    lock = read_lock(tmp_path / "deckbuilder.lock")
    assert [e.guid for e in lock["b.md"]] == [moving]
    assert moving not in {e.guid for e in lock["a.md"]}  # not kept there as removed: the lock holds it once


ALIAS_BOMB = """---
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
tags: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
---
## Q?

A.
"""


def test_a_yaml_alias_bomb_is_refused_at_once(runner: CliRunner, tmp_path: Path) -> None:
    source = write(tmp_path, "bomb.md", ALIAS_BOMB)
    with hang_guard(10):
        result = runner.invoke(main, ["check", str(source)])
    assert result.exit_code == 1
    assert f"{source}:3: error: front matter repeats a value by the YAML alias '*a'" in result.stderr


def test_deep_front_matter_is_refused_at_the_first_level_too_deep(runner: CliRunner, tmp_path: Path) -> None:
    """Refused while the YAML is read, at the line of the 33rd level: not after building all 3,000."""
    nested = "".join(" " * depth + f"k{depth}:\n" for depth in range(3000))
    source = write(tmp_path, "deep.md", f"---\n{nested}---\n## Q?\n\nA.\n")
    with hang_guard(10):
        result = runner.invoke(main, ["check", str(source)])
    assert result.exit_code == 1
    assert f"{source}:34: error: front matter nests values more than 32 levels deep" in result.stderr


def test_a_list_nested_thousands_deep_reads_at_a_capped_depth_with_a_warning(tmp_path: Path) -> None:
    """mistune passes over everything below each level of a list: 3,000 levels took seconds, 5,000
    a minute. Indentation past 128 characters is read as 128, and the file says where."""
    from deckbuilder.read.reader import parse

    nested = "".join("  " * depth + f"- level {depth}\n" for depth in range(3000))
    with hang_guard(10):
        parsed = parse(f"## What is deep?\n\n{nested}", tmp_path / "deep.md")
    (card,) = parsed.deck.cards
    assert "level 2999" in card.answer
    warnings = [d for d in parsed.diagnostics if d.severity is Severity.WARNING]
    assert [(d.location.line if d.location else 0) for d in warnings] == [3 + 65]  # depth 65: 130 spaces
    assert "2935 lines from here indented more than 128 characters" in warnings[0].message


def test_a_huge_nested_value_is_quoted_short(runner: CliRunner, tmp_path: Path) -> None:
    nested = "[" * 30 + "1" + "]" * 30  # as deep as front matter may nest
    source = write(
        tmp_path,
        "deck.md",
        f"---\ntitle: {nested}\ntags: [{', '.join(['x' * 500] * 200)}]\n---\n## Q?\n\nA.\n",
    )
    result = runner.invoke(main, ["check", str(source)])
    # Another tool's title (a key we share) is a warning; either way the value is quoted short.
    assert "'title' must be a non-empty text" in result.output, result.output
    assert max(len(line) for line in result.output.splitlines()) < 300


def test_a_build_waiting_for_another_says_so_then_builds(tmp_path: Path) -> None:
    import subprocess
    import sys

    write(tmp_path, "deck.md", "## Q?\n\nA.\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from deckbuilder.app.output import build_lock\n"
         f"with build_lock([Path({str(tmp_path)!r})]):\n    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        build = subprocess.Popen(
            [sys.executable, "-m", "deckbuilder", "build", str(tmp_path), "-f", "csv", "-o", str(tmp_path / "out")],
            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert build.stderr is not None
        assert build.stderr.readline().startswith(f"waiting for another deckbuilder build of {tmp_path}")
    finally:
        holder.communicate("", timeout=30)
    build.communicate(timeout=60)
    assert build.returncode == 0
    assert (tmp_path / "out" / "deck.csv").exists()


@pytest.mark.anki
def test_a_control_character_pasted_into_a_card_is_removed_with_a_warning(
    runner: CliRunner, tmp_path: Path
) -> None:
    from .anki_helpers import import_apkg, new_collection, notes_by_guid

    source = write(
        tmp_path,
        "deck.md",
        "## Pasted from a PDF?\n\nThe unit\x1fseparator and a bell\x07.\n\n## Other?\n\nFine.\n",
    )
    checked = runner.invoke(main, ["check", str(source)])
    assert checked.exit_code == 0
    assert f"{source}:3: warning: control character U+001F removed" in checked.stdout
    built = runner.invoke(main, ["build", str(source), "-f", "apkg", "-o", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output
    (tmp_path / "anki").mkdir()
    col = new_collection(tmp_path / "anki")
    import_apkg(col, tmp_path / "out" / "deck.apkg")
    answers = sorted(note.fields[1] for note in notes_by_guid(col).values())
    col.close()
    assert answers == ["Fine.", "The unitseparator and a bell."]


def test_thousands_of_unclosed_deletions_are_an_error_at_once(runner: CliRunner, tmp_path: Path) -> None:
    source = write(tmp_path, "deck.md", "## Facts {.cloze}\n\n" + "{{c1::open " * 20_000 + "\n")
    with hang_guard(20):  # 34 s before
        result = runner.invoke(main, ["check", str(source)])
    assert result.exit_code == 1
    assert "a cloze deletion is not closed: write it as {{c1::text}}" in result.stdout


def test_a_huge_reworded_heading_keeps_its_guid_quickly(runner: CliRunner, tmp_path: Path) -> None:
    words = " ".join(f"word{n}" for n in range(12_000))  # about 120 KB: 133 s before
    write(tmp_path, "deck.md", f"## {words} first?\n\nA.\n\n## Short?\n\nB.\n")
    out = ["-f", "csv", "-o", str(tmp_path / "out")]
    assert runner.invoke(main, ["build", str(tmp_path), *out]).exit_code == 0
    [before] = [
        e.guid for e in read_lock(tmp_path / "deckbuilder.lock")["deck.md"] if e.question.startswith("word0")
    ]
    write(
        tmp_path, "deck.md", f"## {words.replace('word6000 ', 'changed ')} first?\n\nA.\n\n## Short?\n\nB.\n"
    )
    with hang_guard(20):
        result = runner.invoke(main, ["build", str(tmp_path), *out])
    assert result.exit_code == 0, result.output
    live = [e for e in read_lock(tmp_path / "deckbuilder.lock")["deck.md"] if e.removed is None]
    assert before in {e.guid for e in live} and len(live) == 2


def _build(folder: Path, out: Path, caching: Any) -> dict[str, bytes]:
    from deckbuilder.app.build import build

    build([folder], ["apkg", "csv", "html"], out, now=1_700_000_000, caching=caching)
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


WORK = ("pieces", "cards", "fragments", "plans")


def test_a_damaged_cache_file_is_a_miss_and_heals_on_the_next_build(
    seed_folder: Path, tmp_path: Path
) -> None:
    from deckbuilder.incremental.caching import Caching

    _build(seed_folder, tmp_path / "first", Caching("write"))
    expected = _build(seed_folder, tmp_path / "cold", Caching("none"))
    cache_files = sorted((seed_folder / ".deckbuilder-cache").glob("*.bin"))
    assert len(cache_files) >= 4  # the parse cache and its layout record, fragments and plans
    for number, cache_file in enumerate(cache_files):
        damaged = bytearray(cache_file.read_bytes())
        damaged[len(damaged) // 2] ^= 0x10  # one flipped bit in the middle of the file
        cache_file.write_bytes(bytes(damaged))
        caching = Caching("write")
        assert _build(seed_folder, tmp_path / f"damaged-{number}", caching) == expected, cache_file.name
        assert sum(caching.computed[work] for work in (*WORK, "layouts")) > 0  # made again
        healed = Caching("write")
        assert _build(seed_folder, tmp_path / f"healed-{number}", healed) == expected
        assert sum(healed.computed[work] for work in (*WORK, "layouts")) == 0, cache_file.name


def test_a_cache_file_from_elsewhere_is_not_trusted(seed_folder: Path, tmp_path: Path) -> None:
    import hashlib
    import marshal

    from deckbuilder.incremental.caching import Caching

    _build(seed_folder, tmp_path / "first", Caching("write"))
    expected = _build(seed_folder, tmp_path / "cold", Caching("none"))
    [fragments] = (seed_folder / ".deckbuilder-cache").glob("fragments-*.bin")
    data = fragments.read_bytes()
    assert data.startswith(b"deckbuilder-cache\n")
    start = len(b"deckbuilder-cache\n") + 4 + int.from_bytes(data[18:22], "little")
    preamble, payload = data[:start], data[start + 16 :]
    header = preamble[22:].decode("utf-8")
    planted = {key: '<img src=x onerror="alert(1)">' for key in marshal.loads(payload)}
    forged_payload = marshal.dumps(planted)  # sealed with a key that is not this user's
    seal = hashlib.blake2b(forged_payload, key=b"k" * 32, digest_size=16)
    seal.update(header.encode("utf-8"))
    fragments.write_bytes(preamble + seal.digest() + forged_payload)
    outputs = _build(seed_folder, tmp_path / "planted", Caching("write"))
    assert outputs == expected
    assert all(b"onerror" not in data for data in outputs.values())


def test_sealed_entries_of_the_wrong_shape_are_made_again(seed_folder: Path, tmp_path: Path) -> None:
    from deckbuilder.incremental.caching import Caching
    from deckbuilder.incremental.keys import cache_header
    from deckbuilder.incremental.store import MarshalStore

    _build(seed_folder, tmp_path / "first", Caching("write"))
    expected = _build(seed_folder, tmp_path / "cold", Caching("none"))
    folder = seed_folder / ".deckbuilder-cache"
    for kind, wrong in (("parse", 42), ("fragments", ["not", "html"]), ("plans", ("a", "b"))):
        [path] = folder.glob(f"{kind}-*.md.bin")
        store = MarshalStore.load(path, cache_header(kind))
        entries = {**store.main, **store.added}
        assert entries
        # As an earlier, faulty version of the code might have written them: sealed, but wrong.
        MarshalStore(path, store.header, {}, {}).save({key: wrong for key in entries})
    assert _build(seed_folder, tmp_path / "wrong", Caching("write")) == expected
    healed = Caching("write")
    assert _build(seed_folder, tmp_path / "healed", healed) == expected
    assert sum(healed.computed[work] for work in WORK) == 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.just(10**41),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
LOCK_KEYS = st.sampled_from(["guid", "question", "content", "changed", "id", "removed", "kind", "other"])
ENTRIES = st.lists(
    st.fixed_dictionaries(
        {"guid": st.sampled_from(["AAAAAAAAAAAA", "BBBBBBBBBBBB", ""]) | JSON_VALUES,
         "question": st.sampled_from(["q", "what is a"]) | JSON_VALUES,
         "content": st.just("0" * 16) | JSON_VALUES,
         "changed": st.integers(-5, 2**60) | JSON_VALUES},
        optional={key: JSON_VALUES for key in ("id", "removed", "kind", "other")},
    ),
    max_size=4,
)  # fmt: skip
LOCKS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {
            "version": st.just(1) | JSON_VALUES,
            "decks": st.dictionaries(
                st.just("deck.md") | st.text(max_size=6), ENTRIES | JSON_VALUES, max_size=2
            ),
        }
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lock=LOCKS)
def test_any_lock_file_gives_a_build_or_a_clean_error(
    runner: CliRunner, tmp_path_factory: Any, lock: Any
) -> None:
    folder = tmp_path_factory.mktemp("lock")
    write(folder, "deck.md", "## What is A?\n\nA.\n\n## Q?\n\nB.\n")
    (folder / "deckbuilder.lock").write_text(json.dumps(lock), encoding="utf-8")
    result = runner.invoke(main, ["build", str(folder), "-f", "csv", "-o", str(folder / "out")])
    assert result.exit_code in (0, 1), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )
    if result.exit_code == 1:
        assert "deckbuilder.lock:" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deckbuilder.toml", "[print]\ncards_per_page = 8.0\n", "'print.cards_per_page' must be one of"),
        ("deckbuilder.toml", "a = " + "[" * 3000 + "1" + "]" * 3000 + "\n", "values nested too deeply"),
        (
            "deck.md",
            "---\na: " + "[" * 3000 + "]" * 3000 + "\n---\n## Q?\n\nA.\n",
            "front matter nests values more than 32 levels deep",
        ),
    ],
    ids=["float-grid", "deep-toml", "deep-yaml"],
)
def test_odd_settings_are_one_line_errors(
    runner: CliRunner, tmp_path: Path, name: str, text: str, message: str
) -> None:
    write(tmp_path, "deck.md", "## Q?\n\nA.\n")
    write(tmp_path, name, text)
    result = runner.invoke(main, ["build", str(tmp_path), "-f", "csv", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_full_disk_while_writing_outputs_is_a_clean_error(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import deckbuilder.app.output

    write(tmp_path, "deck.md", "## Q?\n\nA.\n")

    def full(descriptor: int) -> None:  # the disk fills up as the first output is flushed
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(deckbuilder.app.output.os, "fsync", full)
    result = runner.invoke(main, ["build", str(tmp_path), "-f", "csv", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "cannot write (No space left on device); nothing was changed" in result.stderr
    assert list((tmp_path / "out").iterdir()) == [] and not (tmp_path / "deckbuilder.lock").exists()


@pytest.mark.browser
def test_printing_a_pdf_fetches_nothing_from_the_addresses_a_deck_names(
    runner: CliRunner, tmp_path: Path
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    requests: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        write(
            tmp_path,
            "deck.md",
            f"## Markdown image?\n\n![tracker]({address}/markdown.png)\n\n"
            f'## Raw image?\n\n<img src="{address}/raw.png">\n\n## Link?\n\n[a link]({address}/link)\n',
        )
        result = runner.invoke(main, ["build", str(tmp_path), "-f", "pdf", "-o", str(tmp_path / "out")])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "deck.pdf").read_bytes().startswith(b"%PDF")
    assert requests == []
    assert result.stderr.count("is on the network and left out of the PDF") == 2


def test_small_holes_found_by_the_adversarial_run(runner: CliRunner, tmp_path: Path) -> None:
    from deckbuilder.html.markup import MarkupOptions, to_html

    # A raw link to a data: page is no link; data: images stay (print embeds its images so).
    assert 'href="#harmful-link"' in to_html('<a href=" DATA:text/html;base64,PHNjcmlwdD4=">y</a>')
    assert 'src="data:image/png;base64,iVBOR"' in to_html('<img src="data:image/png;base64,iVBOR">')
    # Tags are shown as they are: no angle brackets.
    source = write(tmp_path, "deck.md", "## Q? #a<b>c\n\nA.\n")
    listed = runner.invoke(main, ["list", "--json", str(source)])
    assert json.loads(listed.stdout)["decks"][0]["cards"][0]["tags"] == ["abc"]
    # A line break in a deck name would start a CSV header line of its own.
    write(tmp_path, "deck.md", '---\ndeck: "Biology\\n#notetype:Cloze"\n---\n## Q?\n\nA.\n')
    result = runner.invoke(main, ["build", str(tmp_path), "-f", "csv", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "'deck' must be one line of text" in result.stderr
    result = runner.invoke(main, ["build", str(source), "-f", "csv", "--csv-note-type", "Basic\n#deck:X"])
    assert result.exit_code == 2 and "must be one line of text without tabs" in result.stderr
    # \href in math keeps no link (latex2mathml leaves it out).
    assert "javascript" not in to_html("$\\href{javascript:alert(1)}{x}$", MarkupOptions(math="mathml"))
    # An output never replaces a source, even one whose name looks like an output.
    page = (
        write(tmp_path / "other", "cards.html", "## Q?\n\nA.\n")
        if (tmp_path / "other").mkdir() is None
        else None
    )
    assert page is not None
    result = runner.invoke(main, ["build", str(page), "-f", "html", "-o", str(tmp_path / "other")])
    assert result.exit_code == 1 and "the output would overwrite a source" in result.stderr
    assert page.read_text(encoding="utf-8") == "## Q?\n\nA.\n"


@pytest.mark.parametrize("suffix", [".svg", ".avif", ".bmp", ".png"])
def test_every_kind_of_image_is_embedded_in_print(runner: CliRunner, tmp_path: Path, suffix: str) -> None:
    picture = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>' if suffix == ".svg" else b"pixels"
    )
    (tmp_path / f"picture{suffix}").write_bytes(picture)
    write(tmp_path, "deck.md", f"## Which picture?\n\n![a picture](picture{suffix})\n")
    result = runner.invoke(main, ["build", str(tmp_path), "-f", "html", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "deck.html").read_text(encoding="utf-8")
    assert "#harmful-link" not in page
    assert f'src="data:image/{ {".svg": "svg+xml", ".png": "png"}.get(suffix, suffix[1:]) };base64,' in page


def test_a_lock_file_that_is_a_pipe_is_an_error_not_a_wait(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path, "deck.md", "## Q?\n\nA.\n")
    os.mkfifo(tmp_path / "deckbuilder.lock")
    with hang_guard(20):
        result = runner.invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1 and "the lock file is not a regular file" in result.stderr


KILLED_WHILE_REPLACING = """
import os, signal, sys
import deckbuilder.app.output
real_replace = os.replace
replaced = []

def replace(source, target):
    real_replace(source, target)
    if not str(target).endswith(deckbuilder.app.output.JOURNAL_NAME):
        replaced.append(target)
        if len(replaced) == 1:  # as if the power went: after the first of the build's files
            os.kill(os.getpid(), signal.SIGKILL)

os.replace = replace
from deckbuilder.cli import main
main(sys.argv[1:])
"""


def test_a_build_killed_while_replacing_its_files_is_finished_by_the_next(
    runner: CliRunner, tmp_path: Path
) -> None:
    import shutil
    import subprocess
    import sys

    formats = ["-f", "apkg", "-f", "csv", "-f", "html"]
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    first, second = "## Q?\n\nA.\n\n## R?\n\nB.\n", "## Q?\n\nA, edited.\n\n## R?\n\nB.\n"
    # The reference: the same two builds, neither interrupted.
    reference = tmp_path / "reference"
    reference.mkdir()
    for text in (first, second):
        write(reference, "deck.md", text)
        assert (
            runner.invoke(
                main, ["build", str(reference), *formats, "-o", str(reference / "out")], env=env
            ).exit_code
            == 0
        )
    folder = tmp_path / "deck"
    folder.mkdir()
    write(folder, "deck.md", first)
    assert (
        runner.invoke(main, ["build", str(folder), *formats, "-o", str(folder / "out")], env=env).exit_code
        == 0
    )
    write(folder, "deck.md", second)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_REPLACING, "build", str(folder), *formats, "-o", str(folder / "out")],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    outputs = ["out/deck.apkg", "out/deck.csv", "out/deck.html", "deckbuilder.lock"]
    assert (
        sum((folder / name).read_bytes() == (reference / name).read_bytes() for name in outputs) == 1
    )  # a mix
    # The next build fails (a broken edit), but first finishes what the killed one began.
    write(folder, "deck.md", "## Q? {#k}\n\nA.\n\n## R? {#k}\n\nB.\n")
    failed = runner.invoke(main, ["build", str(folder), *formats, "-o", str(folder / "out")], env=env)
    assert failed.exit_code == 1
    for name in outputs:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    assert not list(folder.rglob(".*.tmp")) and not list(folder.rglob(".deckbuilder-commit.json"))
    shutil.rmtree(reference)


REFERENCES = """# Papers

## Where is the paper?

See [the paper][paper] and ![the figure][Fig].

## Anything else?

No. [A local][paper] use.

[paper]: https://example.org/paper "The paper"
[fig]: figure.png
"""


def test_reference_links_and_images_defined_anywhere_in_the_file_render_in_every_card(tmp_path: Path) -> None:
    from deckbuilder import read
    from deckbuilder.html.markup import to_html
    from deckbuilder.incremental import parse as incremental
    from deckbuilder.incremental.caching import Caching
    from deckbuilder.incremental.parsecache import ParseCache

    parsed = read.parse(REFERENCES, tmp_path / "deck.md")
    first, second = parsed.deck.cards
    html = to_html(first.answer)
    assert '<a href="https://example.org/paper" title="The paper">the paper</a>' in html
    assert '<img src="figure.png" alt="the figure"' in html
    assert '<a href="https://example.org/paper" title="The paper">A local</a>' in to_html(second.answer)
    cache = ParseCache(tmp_path / "parse.bin")
    assert incremental.parse(REFERENCES, tmp_path / "deck.md", None, cache, Caching()) == parsed
    cache.save()
    moved = REFERENCES.replace("https://example.org/paper", "https://example.org/moved")
    again = incremental.parse(
        moved, tmp_path / "deck.md", None, ParseCache.load(tmp_path / "parse.bin"), Caching()
    )
    assert again == read.parse(moved, tmp_path / "deck.md")
    assert "https://example.org/moved" in to_html(again.deck.cards[0].answer)


def _chromium_started_by(session: int) -> bool:
    """Whether a Chromium runs whose parent is in this session (Playwright starts the browser in a
    session of its own, from its driver, which is in the command's)."""
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split("(", 1)[1].rsplit(")", 1)
            fields = rest.split()
            processes[int(stat.parent.name)] = (name, int(fields[1]), int(fields[3]))
        except (OSError, IndexError, ValueError):
            continue
    return any(
        "chrom" in name and processes.get(parent, ("", 0, 0))[2] == session
        for name, parent, _ in processes.values()
    )


@pytest.mark.browser
def test_ctrl_c_while_the_pdf_prints_ends_cleanly(seed_folder: Path, tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    out = tmp_path / "out"
    build = subprocess.Popen(
        [sys.executable, "-m", "deckbuilder", "build", str(seed_folder), "-f", "pdf", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not _chromium_started_by(build.pid):
        assert build.poll() is None and time.monotonic() < deadline, "Chromium never started"
        time.sleep(0.05)
    os.killpg(build.pid, signal.SIGINT)  # Ctrl-C reaches the whole terminal's process group
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 130, stderr
    assert stderr.strip().endswith("interrupted; nothing was changed") and "Traceback" not in stderr
    assert (
        not (out / "transformer-questions.pdf").exists() and not (seed_folder / "deckbuilder.lock").exists()
    )


@pytest.mark.parametrize(
    ("front", "line"),
    [("title: x\ntags: [a, b\nreverse: true\n", 3), ('title: "x\nother: 1\n', 2), ("title: x\n- item\n", 3)],
    ids=["unclosed-bracket", "unclosed-quote", "stray-item"],
)
def test_a_yaml_error_names_the_line_where_the_mistake_is(
    runner: CliRunner, tmp_path: Path, front: str, line: int
) -> None:
    source = write(tmp_path, "deck.md", f"---\n{front}---\n## Q?\n\nA.\n")
    result = runner.invoke(main, ["check", str(source)])
    assert (
        result.exit_code == 1 and f"{source}:{line}: error: front matter is not valid YAML" in result.stderr
    )


def test_print_warnings_come_once_per_card_and_remote_images_are_named(
    runner: CliRunner, tmp_path: Path
) -> None:
    long = "Many words in this answer. " * 600
    write(
        tmp_path,
        "deck.md",
        f"## Long? {{.reverse}}\n\n{long}\n\n## Remote?\n\n![x](https://example.org/x.png)\n",
    )
    result = runner.invoke(main, ["build", str(tmp_path), "-f", "html", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("card 'Long?'") == 1  # not once for each printed side
    assert (
        "image https://example.org/x.png is on the network and shown in the HTML only online" in result.stderr
    )


def test_a_read_only_source_folder_is_refused_before_the_output_folder_is_made(
    runner: CliRunner, tmp_path: Path
) -> None:
    import subprocess

    source, mounted = tmp_path / "source", tmp_path / "read-only"
    source.mkdir()
    mounted.mkdir()
    write(source, "deck.md", "## Q?\n\nA.\n")
    # A read-only file system: permissions would not stop root, who runs CI.
    subprocess.run(["mount", "--bind", str(source), str(mounted)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mounted)], check=True)
        result = runner.invoke(main, ["build", str(mounted), "-f", "csv", "-o", str(tmp_path / "out")])
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
    assert (
        result.exit_code == 1 and "cannot write the lock file here (Read-only file system)" in result.stderr
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["fifo", "device", "outside", "too-large"])
def test_an_image_that_is_no_regular_file_in_the_folder_is_an_error_not_a_hang(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / "source"
    folder.mkdir()
    if kind == "fifo":
        os.mkfifo(folder / "picture.png")  # reading it would wait for a writer forever
    elif kind == "device":
        (folder / "picture.png").symlink_to("/dev/zero")  # reading it would never end
    elif kind == "too-large":
        with (folder / "picture.png").open("wb") as sparse:  # sparse: no disk taken, 101 MB all the same
            sparse.truncate(101 * 1024 * 1024)
    else:
        (tmp_path / "secret.png").write_bytes(b"not the deck's")
        (folder / "picture.png").symlink_to(tmp_path / "secret.png")
    (folder / "deck.md").write_text(
        "# Deck\n\n## What is shown?\n\n![a picture](picture.png)\n", encoding="utf-8"
    )
    result = runner.invoke(main, ["build", str(folder), "-o", str(tmp_path / "out"), "-f", "apkg"])
    assert result.exit_code == 1, result.output
    assert "deck.md:" in result.stderr and "picture.png" in result.stderr
    assert not (tmp_path / "out" / "deck.apkg").exists()


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_cache_file_that_is_no_regular_file_is_a_miss_not_a_hang(tmp_path: Path, kind: str) -> None:
    """Every cache file of a built deck replaced by a FIFO (opening it would wait for a writer) or
    a link to /dev/zero (reading it would never end): the next build treats them as misses. Run in
    a process of its own, with a memory cap and a time limit, which the old reading broke."""
    folder = tmp_path / "source"
    folder.mkdir()
    (folder / "deck.md").write_text("# Deck\n\n## What is cached?\n\nThe parse.\n", encoding="utf-8")
    command = [sys.executable, "-m", "deckbuilder", "build", str(folder), "-o", str(tmp_path / "out")]
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    caches = sorted((folder / ".deckbuilder-cache").glob("*.bin"))
    assert caches
    for cache in caches:
        cache.unlink()
        if kind == "fifo":
            os.mkfifo(cache)
        else:
            cache.symlink_to("/dev/zero")
    capped = "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    capped += (
        "sys.argv = ['deckbuilder', *sys.argv[1:]]; runpy.run_module('deckbuilder', run_name='__main__')"
    )
    result = subprocess.run([sys.executable, "-c", capped, *command[3:]], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "deck.apkg").is_file()
