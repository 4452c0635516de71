"""Local images referenced by cards: where they are and the collision-safe names they get in outputs."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

from deckbuilder.errors import Diagnostic, ProblemsError, Severity, shorten
from deckbuilder.html.references import image_references, is_local_reference
from deckbuilder.model import Card, Deck
from deckbuilder.render import MediaFile


def image_problem(reference: str, folder: Path) -> str | None:
    """Why a local image reference cannot be used, or None when it is fine (or remote)."""
    if not reference or not is_local_reference(reference):
        return None
    target = (folder / unquote(reference)).resolve()
    if not target.is_relative_to(folder.resolve()):
        return f"image '{reference}' is outside the source folder; move it into {folder}/"
    if not target.is_file():
        return f"image '{reference}' not found (looked for {target}); fix the path or add the file"
    return None


def image_diagnostics(deck: Deck) -> list[Diagnostic]:
    folder = deck.source.parent
    problems: list[Diagnostic] = []
    for card in deck.cards:
        for reference in image_references(f"{card.question}\n\n{card.answer}"):
            problem = image_problem(reference, folder)
            if problem:
                problems.append(Diagnostic(card.source, Severity.ERROR, problem))
    return problems


def collect_media(deck: Deck) -> dict[str, MediaFile]:
    """Every local image of the deck, named ``stem-<content hash><suffix>`` so that two files with
    one name in different folders, or an edited image, never collide in Anki's media folder."""
    problems = image_diagnostics(deck)
    if problems:
        raise ProblemsError(problems)
    folder = deck.source.parent
    media: dict[str, MediaFile] = {}
    for card in deck.cards:
        for reference in image_references(f"{card.question}\n\n{card.answer}"):
            if reference in media or not is_local_reference(reference):
                continue
            path = (folder / unquote(reference)).resolve()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            media[reference] = MediaFile(path, f"{path.stem}-{digest}{path.suffix.lower()}")
    return media


RAW_IMAGE_SOURCE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def remote_image_warnings(deck: Deck, printed: bool = True) -> list[Diagnostic]:
    """A warning for each card with an image from the network, which printing leaves out (it makes
    no request to addresses a deck names) and the HTML shows only online."""
    warnings = []
    for card in deck.cards:
        text = f"{card.question}\n\n{card.answer}"
        sources = [*image_references(text), *RAW_IMAGE_SOURCE.findall(text)]
        remote = [src for src in sources if not is_local_reference(src) and not src.startswith("data:")]
        if remote:
            where = (
                "left out of the PDF (printing fetches nothing)"
                if printed
                else "shown in the HTML only online"
            )
            message = (
                f"image {shorten(remote[0], 60)} is on the network and {where}; "
                "save it beside the markdown and link the file"
            )
            warnings.append(Diagnostic(card.source, Severity.WARNING, message))
    return warnings


def local_images(card: Card) -> list[str]:
    """The local image files a card shows, as referenced."""
    return [ref for ref in image_references(f"{card.question}\n\n{card.answer}") if is_local_reference(ref)]


def with_media_content(deck: Deck) -> Deck:
    """The deck with each card's content hash covering the images it shows: a picture replaced
    under the same name changes the card, so Anki updates its note and stores the new file."""
    folder = deck.source.parent
    digests: dict[str, str] = {}

    def digest(reference: str) -> str:
        if reference not in digests:
            try:
                data = (folder / unquote(reference)).read_bytes()
                digests[reference] = hashlib.sha256(data).hexdigest()
            except OSError:
                digests[reference] = "missing"  # reported by check; collect_media refuses to build
        return digests[reference]

    cards = []
    for card in deck.cards:
        images = local_images(card) if "![" in card.question or "![" in card.answer else []
        if images:
            parts = "\x1f".join([card.content, *(digest(image) for image in images)])
            card = replace(card, content=hashlib.sha256(parts.encode("utf-8")).hexdigest()[:16])
        cards.append(card)
    return replace(deck, cards=tuple(cards))
