"""PDF: the printable HTML printed by Chromium, so the PDF is exactly what the browser lays out."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from deckbuilder.model import Deck
from deckbuilder.render import RenderOptions
from deckbuilder.render.browser import chromium
from deckbuilder.render.html import render_package as render_html_package


def render(deck: Deck, options: RenderOptions) -> bytes:
    """The deck's printable HTML as PDF, page size from its CSS; the same deck and lock always give
    the same bytes (dated by the newest card change, not by the clock)."""
    return render_package([(deck, options)])


def render_package(parts: Sequence[tuple[Deck, RenderOptions]]) -> bytes:
    """The decks' printable HTML (each deck a section) as one PDF."""
    document = render_html_package(parts).decode("utf-8")
    names = ", ".join(deck.source.stem for deck, _ in parts)
    parts[0][1].stage(f"printing {names}" if len(parts) > 1 else f"printing {parts[0][0].source.stem}.pdf")
    # Playwright's sync API refuses to run in a thread that has an event loop (a notebook, a test
    # driving a browser), so the printing gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        printed = pool.submit(_print, document).result()
    stamp = max((card.changed_at for deck, _ in parts for card in deck.cards), default=0)
    return dated(printed, stamp)


PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[+-]\d\d'\d\d'\)")
"""Chromium's dates: the time of printing, the only bytes that differ between two prints."""


def dated(pdf: bytes, stamp: int) -> bytes:
    """The PDF with its creation and modification dates set to ``stamp`` (Unix seconds, UTC). The
    new dates have the length of Chromium's, so the file's cross-reference offsets still hold."""
    when = time.strftime("%Y%m%d%H%M%S", time.gmtime(stamp)).encode("ascii")
    return PDF_DATE.sub(lambda found: b"/" + found.group(1) + b" (D:" + when + b"+00'00')", pdf)


def _print(document: str) -> bytes:
    with chromium() as browser:
        page = browser.new_page()
        # Printing someone's markdown makes no request to addresses it names: everything the page
        # shows is inside it (images as data: URIs), and any other request is refused.
        page.route("**/*", lambda route: route.abort())
        page.set_content(document, wait_until="load")
        pdf: bytes = page.pdf(prefer_css_page_size=True, print_background=True)
    return pdf
