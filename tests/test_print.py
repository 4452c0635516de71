"""Printable HTML and PDF judged in headless Chromium: nothing overflows, backs sit behind fronts."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder.cli import main
from deckbuilder.html.markup import MarkupOptions, to_html
from deckbuilder.render import fit

from .browser_helpers import PX_PER_MM, launch, measure, open_print, playwright_api, screenshot_pages
from .conftest import ARTIFACTS, FIXTURES_DIR, WRITTEN, write

pytestmark = pytest.mark.browser
TOLERANCE_PX = 0.6


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def build(
    runner: CliRunner, source: Path, out: Path, *options: str, formats: tuple[str, ...] = ("html",)
) -> Any:
    flags = [item for name in formats for item in ("-f", name)]
    result = runner.invoke(main, ["build", str(source), "-o", str(out), *flags, *options])
    assert result.exit_code == 0, result.output
    return result


def assert_printable(sides: list[dict[str, Any]], duplex: str = "long") -> None:
    """No side overflows or leaves its page; each back is on the next page, mirrored behind its front."""
    for side in sides:
        assert side["sh"] <= side["ch"] and side["sw"] <= side["cw"], side
        assert side["x"] >= -TOLERANCE_PX and side["y"] >= -TOLERANCE_PX, side
        assert side["x"] + side["w"] <= side["pw"] + TOLERANCE_PX, side
        assert side["y"] + side["h"] <= side["ph"] + TOLERANCE_PX, side
    fronts = {s["guid"]: s for s in sides if s["side"] == "front"}
    backs = {s["guid"]: s for s in sides if s["side"] == "back"}
    assert set(fronts) == set(backs)
    for guid, front in fronts.items():
        back = backs[guid]
        if duplex == "fold":
            assert back["page"] == front["page"]
            assert abs(back["x"] - (front["x"] + front["w"])) <= TOLERANCE_PX
            continue
        assert back["page"] == front["page"] + 1
        assert (back["w"], back["h"]) == pytest.approx((front["w"], front["h"]), abs=TOLERANCE_PX)
        if duplex == "long":
            expected = (front["pw"] - front["x"] - front["w"], front["y"])
        else:
            expected = (front["x"], front["ph"] - front["y"] - front["h"])
        assert (back["x"], back["y"]) == pytest.approx(expected, abs=TOLERANCE_PX)


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_seed_cards_at_the_defaults(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, browser: Any
) -> None:
    result = build(runner, seed_folder, tmp_path, formats=("html", "pdf"))
    assert "warning" not in result.stderr
    page = open_print(browser, tmp_path / "transformer-questions.html")
    sides = measure(page)
    assert len([s for s in sides if s["side"] == "front"]) == 32
    assert len([s for s in sides if s["side"] == "back"]) == 32
    assert_printable(sides)
    # A4 at 8 cards a page: 4 pages of fronts, each followed by its page of backs.
    assert max(s["page"] for s in sides) + 1 == 8
    assert sides[0]["pw"] == pytest.approx(210 * PX_PER_MM, abs=1)
    assert pdf_pages(tmp_path / "transformer-questions.pdf") == 8
    shots = screenshot_pages(page, "seed-a4")
    assert all(path.stat().st_size > 10_000 for path in shots)
    page.context.close()


@pytest.mark.parametrize(
    ("options", "per_page", "duplex"),
    [
        (("--paper", "letter"), 8, "long"),
        (("--card-size", "index-3x5"), 3, "long"),  # 127 x 76.2 mm: one across, three down on A4
        (("--paper", "letter", "--card-size", "business", "--duplex", "short"), 10, "short"),
        (("--cards-per-page", "4", "--duplex", "fold"), 2, "fold"),  # a front and its back per row
    ],
    ids=["letter", "index-card", "business-short-edge", "fold"],
)
def test_other_papers_and_card_sizes(
    runner: CliRunner,
    seed_folder: Path,
    tmp_path: Path,
    browser: Any,
    options: tuple[str, ...],
    per_page: int,
    duplex: str,
) -> None:
    result = build(runner, seed_folder, tmp_path, *options, formats=("html", "pdf"))
    page = open_print(browser, tmp_path / "transformer-questions.html")
    sides = measure(page)
    assert len(sides) == 64
    assert_printable(sides, duplex)
    # A card too long for a small card is warned about and printed on a page of its own.
    alone = result.stderr.count("is printed on a page of its own")
    sheets = -(-(32 - alone) // per_page) + alone
    expected = sheets if duplex == "fold" else 2 * sheets
    assert page.locator(".page").count() == expected
    assert pdf_pages(tmp_path / "transformer-questions.pdf") == expected
    page.context.close()


def test_a_very_long_answer_is_reported_and_printed_larger(
    runner: CliRunner, tmp_path: Path, browser: Any
) -> None:
    long_answer = " ".join(
        f"Sentence {i} explains one more detail of the mechanism at length." for i in range(90)
    )
    source = write(
        tmp_path,
        "long.md",
        f"# Long\n\n## 1. Short?\n\nYes.\n\n## 2. Long?\n\n{long_answer}\n\n## 3. Also short?\n\nNo.\n",
    )
    result = build(runner, source, tmp_path / "out")
    assert (
        f"{source}:7: warning: card 'Long?' is too long for a card (a4, 8 per page, long duplex)"
        in result.stderr
    )
    check = runner.invoke(main, ["check", str(source), "--print"])
    assert check.exit_code == 0 and "card 'Long?' is too long for a card" in check.stdout
    plain = runner.invoke(main, ["check", str(source)])  # printing unasked: nothing about it
    assert plain.exit_code == 0 and "too long for a card" not in plain.stdout
    page = open_print(browser, tmp_path / "out" / "long.html")
    sides = measure(page)
    assert_printable(sides)
    long_front = next(s for s in sides if s["side"] == "back" and s["w"] > 150 * PX_PER_MM)
    assert float(long_front["font"].removesuffix("pt")) >= 7
    screenshot_pages(page, "long-answer", count=4)
    page.context.close()


def test_sheet_layout_works_without_scripts(
    runner: CliRunner, seed_folder: Path, tmp_path: Path, browser: Any
) -> None:
    build(runner, seed_folder, tmp_path, "--layout", "sheet")
    page = open_print(browser, tmp_path / "transformer-questions.html", javascript=False)
    assert page.locator('[data-side="front"]').count() == 32
    assert page.locator('[data-side="back"]').count() == 32
    assert page.locator("h1").inner_text() == "Questions on Transformer and Its Extended Architecture"
    assert page.locator(".entry .tag").count() > 32
    assert "These concise answers" in page.locator("footer").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("document.documentElement.clientWidth")
    page.context.close()


def test_math_code_and_images_print_offline(runner: CliRunner, tmp_path: Path, browser: Any) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copy(FIXTURES_DIR / "tricky.md", folder / "tricky.md")
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b6ea5d0000000049454e44ae426082"
    )
    (folder / "dot.png").write_bytes(png)
    write(folder, "img.md", "## Picture?\n\n![dot](dot.png)\n\n$$\n\\frac{a}{b}\n$$\n")
    build(runner, folder, tmp_path / "out")
    html = (tmp_path / "out" / "img.html").read_text(encoding="utf-8")
    assert (
        "data:image/png;base64," in html
        and "<math" in html
        and "http" not in html.replace("http://www.w3.org", "")
    )
    page = open_print(browser, tmp_path / "out" / "img.html")
    assert page.locator("math").first.bounding_box()["height"] > 10
    assert page.evaluate("document.querySelector('img').naturalWidth") == 1
    assert_printable(measure(page))
    page.context.close()
    page = open_print(browser, tmp_path / "out" / "tricky.html")
    assert_printable(measure(page))
    assert page.locator(".highlight").count() == 1
    page.context.close()


def test_markdown_cannot_run_scripts(runner: CliRunner, tmp_path: Path, browser: Any) -> None:
    source = write(
        tmp_path,
        "evil.md",
        "## Evil?\n\n<script>window.ran = 1; alert('script')</script>\n\n"
        '<img src="x.png" onerror="window.ran = 2; alert(\'onerror\')"> [click](javascript:alert(3))\n\n'
        '<a href="javascript:alert(4)">raw link</a> <b onclick="alert(5)">bold</b>\n',
    )
    (tmp_path / "x.png").write_bytes(b"not really a png")
    for layout in ("cards", "sheet"):
        build(runner, source, tmp_path / layout, "--layout", layout)
        dialogs: list[str] = []
        context = browser.new_context()
        page = context.new_page()
        page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
        page.goto((tmp_path / layout / "evil.html").as_uri())
        for link in page.locator("a").all():
            link.click()
        page.wait_for_timeout(200)
        assert dialogs == []
        assert page.evaluate("window.ran") is None
        assert page.locator("script").count() == 0
        assert (
            page.evaluate(
                "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]).filter(a => a.name.startsWith('on')).length"
            )
            == 0
        )
        assert page.locator("text=bold").count() == 1
        context.close()


# The fit estimate's reading of HTML --------------------------------------------------------------

MARKDOWN_PIECES = [
    "plain words here",
    "**bold** and *emphasis* and ~~struck~~",
    "`code < 2 && x`",
    "$x^2 + \\frac{a}{b}$",
    "[a link](https://example.com/?q=1&r=2)",
    "![an image](missing.png)",
    '<span title="a > b">raw &amp; html</span>',
    "caf\u00e9 &copy; &lt;tag&gt; &#169; &nbsp;",
    "- one\n- two\n  - nested",
    "1. first\n2. second",
    "| a | b |\n|---|:-:|\n| 1 | **2** |",
    "### A heading",
    "```python\nif x < 2 and y > 3:\n    print('<hi>')\n```",
    "> quoted *text*",
    "$$\n\\sum_{i=1}^n i\n$$",
    "---",
    "line one  \nline two",
    '<div class="note">a div</div>',
    "<!-- a comment -->",
    "{{c1::hidden::hint}} text",
]


class HtmlParserBlocks(HTMLParser):
    """What the estimate read before: the standard library's parser, feeding the same block builder."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = fit.BlockBuilder()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.builder.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.builder.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        self.builder.handle_data(data)


@pytest.fixture(scope="module")
def lexer_plugins_loaded() -> None:
    """An unknown code language makes Pygments load its plugins, which in some environments imports
    IPython, which raises the recursion limit: done before the property test, which forbids that."""
    to_html("```no-such-language\nx\n```")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(MARKDOWN_PIECES), min_size=1, max_size=8), st.sampled_from(["\n\n", "\n", " "])
)
def test_the_fit_estimate_reads_rendered_cards_as_html_parser_does(
    lexer_plugins_loaded: None, pieces: list[str], joiner: str
) -> None:
    fragment = to_html(joiner.join(pieces), MarkupOptions(math="mathjax"))
    reference = HtmlParserBlocks()
    reference.feed(fragment)
    reference.close()
    ours = fit.BlockBuilder()
    fit.feed(ours, fragment)
    assert ours.blocks == reference.builder.blocks, fragment


def test_two_prints_of_the_same_deck_are_the_same_pdf(
    runner: CliRunner, seed_folder: Path, tmp_path: Path
) -> None:
    import time

    from pypdf import PdfReader

    from deckbuilder.identity.lockfile import read_lock

    build(runner, seed_folder, tmp_path / "first", formats=("pdf",))
    time.sleep(1.1)  # Chromium dates a PDF to the second
    build(runner, seed_folder, tmp_path / "second", formats=("pdf",))
    first = (tmp_path / "first" / "transformer-questions.pdf").read_bytes()
    assert first == (tmp_path / "second" / "transformer-questions.pdf").read_bytes()
    newest = max(
        entry.changed for entry in read_lock(seed_folder / "deckbuilder.lock")["transformer-questions.md"]
    )
    document = PdfReader(io.BytesIO(first))
    assert document.metadata is not None and document.metadata.creation_date is not None
    assert int(document.metadata.creation_date.timestamp()) == newest  # a valid PDF, dated by its cards
    assert len(document.pages) == 8


def test_progress_names_the_pdf_printing_stage(seed_folder: Path, tmp_path: Path) -> None:
    from deckbuilder.app.build import build as build_decks

    class Recorder:
        def __init__(self) -> None:
            self.events: list[str] = []

        def start(self, total: int) -> None:
            self.events.append(f"start {total}")

        def advance(self, done: int) -> None:
            if not self.events[-1].startswith("advance"):
                self.events.append("advance")

        def stage(self, name: str) -> None:
            self.events.append(name)

        def finish(self) -> None:
            self.events.append("finish")

    recorder = Recorder()
    build_decks([seed_folder], ["pdf"], tmp_path / "out", progress=recorder)
    assert recorder.events == ["start 32", "advance", "printing transformer-questions.pdf", "finish"]


MATH_CARD = r"""## How do these read?

Search takes $\log n$ steps; the ratio $\left( \frac{a}{b} \right)$; the bound $\Theta$ and $\sin x$.

$$
\sum_{i=1}^n i
$$

Inline, the sum $\sum_{i=1}^n i$ is small.
"""


def test_printed_math_reads_like_math(runner: CliRunner, tmp_path: Path, browser: Any) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder, "math.md", MATH_CARD)
    build(runner, folder, tmp_path / "out", "--layout", "sheet")
    page = open_print(browser, tmp_path / "out" / "math.html")
    box = "e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.height]; }"
    names = page.eval_on_selector_all("math mi", "all => all.map(e => e.textContent)")
    log, after_log = names.index("log"), names.index("log") + 1
    left_of_n = page.eval_on_selector_all("math mi", f"all => all.map({box})")
    assert left_of_n[after_log][0] - left_of_n[log][1] >= 2  # a gap after log: not "logn"
    fence = page.eval_on_selector("math mo[fence]", box)
    fraction = page.eval_on_selector("math mfrac", box)
    assert fence[2] >= fraction[2]  # the parenthesis stretches around the fraction
    display_sum, inline_sum = page.eval_on_selector_all(
        "math munderover > mo, math msubsup > mo", f"all => all.map({box})"
    )
    assert display_sum[2] > 1.3 * inline_sum[2]  # a display sum is large
    theta = page.eval_on_selector(
        "math mi[mathvariant]", "e => [e.textContent, getComputedStyle(e).textTransform]"
    )
    assert theta == ["Θ", "none"]  # upright, as TeX sets Greek capitals
    shot = ARTIFACTS / "print" / "math.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.locator("main, body").first.screenshot(path=str(shot))
    WRITTEN.append(shot)
    page.close()


def test_emoji_in_questions_print_in_an_emoji_font(runner: CliRunner, tmp_path: Path, browser: Any) -> None:
    """Chromium says which font drew each node's text: emoji in a question come from the emoji
    font the stylesheet names, not a fallback that draws empty boxes."""
    folder = tmp_path / "src"
    folder.mkdir()
    write(folder, "emoji.md", "## 🚀 What does `🚀` launch? ⭐\n\nA rocket 🌍.\n\n## Why?\n\nBecause.\n")
    build(runner, folder, tmp_path / "out")
    page = open_print(browser, tmp_path / "out" / "emoji.html")
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    question = session.send("DOM.querySelector", {"nodeId": root, "selector": ".side-front .inner"})
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": question["nodeId"]})["fonts"]
    families = {font["familyName"]: font["glyphCount"] for font in fonts}
    assert families.get("Noto Color Emoji", 0) >= 2, families  # 🚀 and ⭐ (the code's own 🚀 aside)
    assert any(name.startswith("Liberation Sans") for name in families), families
    assert_printable(measure(page))
    page.context.close()


def test_a_package_prints_every_deck_as_a_section_of_one_file(
    runner: CliRunner, tmp_path: Path, browser: Any
) -> None:
    """``--package``: one HTML file whose pages each say their own deck, and one study sheet with a
    section (a heading and its cards) per deck, both laid out cleanly by Chromium."""
    folder = tmp_path / "src"
    folder.mkdir()
    write(
        folder,
        "cells.md",
        "# Cells\n\n## What is a cell?\n\nThe unit of life.\n\n## What is a wall?\n\nA barrier.\n",
    )
    write(folder, "atoms.md", "# Atoms\n\n## What is an atom?\n\nThe unit of matter.\n")
    build(runner, folder, tmp_path / "out", "--package", "science")
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["science.html"]
    page = open_print(browser, tmp_path / "out" / "science.html")
    sides = measure(page)
    assert len(sides) == 6  # three cards, front and back
    assert_printable(sides)
    decks = page.eval_on_selector_all(".page-fronts .side .deck", "all => all.map(e => e.textContent)")
    assert decks == ["Atoms", "Cells", "Cells"]
    page.context.close()
    build(runner, folder, tmp_path / "sheet", "--package", "science", "--layout", "sheet")
    page = open_print(browser, tmp_path / "sheet" / "science.html")
    headings = page.eval_on_selector_all("main h1", "all => all.map(e => e.textContent)")
    assert headings == ["Atoms", "Cells"]
    assert page.locator("article.entry").count() == 3
    page.context.close()
