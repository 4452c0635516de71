"""Finding and starting the Chromium that prints PDFs (Debian's, or one Playwright installed)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from deckbuilder.errors import RenderError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# As root Chromium needs --no-sandbox; the rest keep it from calling out to the network.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def chromium_path() -> str | None:
    """DECKBUILDER_CHROMIUM, else a Chromium on PATH; None lets Playwright use its own browser."""
    configured = os.environ.get("DECKBUILDER_CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser, closed afterwards."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        except Error as error:
            raise RenderError(
                "cannot start Chromium for the PDF: install it (Debian: apt-get install chromium), "
                f"or set DECKBUILDER_CHROMIUM to its path ({str(error).splitlines()[0]})"
            ) from None
        try:
            yield browser
        finally:
            browser.close()
