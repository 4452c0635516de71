"""Headless Chromium (Debian's) through Playwright, and measurements of printed card sides."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import ARTIFACTS, WRITTEN

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
PX_PER_MM = 96 / 25.4

MEASURE = """() => {
  const pages = [...document.querySelectorAll('.page')];
  return [...document.querySelectorAll('.side')].map(side => {
    const page = side.closest('.page');
    const p = page.getBoundingClientRect(), r = side.getBoundingClientRect();
    const c = side.querySelector('.content');
    return {guid: side.dataset.guid, side: side.dataset.side, page: pages.indexOf(page),
            x: r.left - p.left, y: r.top - p.top, w: r.width, h: r.height, pw: p.width, ph: p.height,
            sh: c.scrollHeight, ch: c.clientHeight, sw: c.scrollWidth, cw: c.clientWidth,
            font: c.style.fontSize};
  });
}"""


def launch(playwright: Any) -> Any:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def open_print(browser: Any, html: Path, javascript: bool = True) -> Any:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(html.as_uri())
    page.emulate_media(media="print")
    return page


def measure(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(MEASURE)  # type: ignore[no-any-return]


def screenshot_pages(page: Any, name: str, count: int = 2) -> list[Path]:
    folder = ARTIFACTS / "print"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"{name}-page{index + 1}.png"
        page.locator(".page").nth(index).screenshot(path=str(path))
        paths.append(path)
    WRITTEN.extend(paths)
    return paths
