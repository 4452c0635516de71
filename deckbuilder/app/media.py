"""Local images referenced by cards: where they are and the collision-safe names they get in outputs."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, NamedTuple
from urllib.parse import unquote

from deckbuilder.errors import Diagnostic, ProblemsError, Severity, shorten
from deckbuilder.html.references import image_references, is_local_reference, may_show_images
from deckbuilder.incremental.store import by_position
from deckbuilder.model import Card, Deck
from deckbuilder.render import MediaFile

LARGEST_IMAGE = 100 * 1024 * 1024
"""Bytes an image may have: a larger file is no card's image, and a device posing as one never ends."""
MISSING = "missing"
"""The digest of an image that cannot be read (image_problem says why)."""


def image_problem(reference: str, folder: Path) -> str | None:
    """Why a local image reference cannot be used, or None when it is fine (or remote): the one
    judge of an image file, for check and for the hash that loading reads (media_digests)."""
    if not reference or not is_local_reference(reference):
        return None
    target = (folder / unquote(reference)).resolve()
    if not target.is_relative_to(folder.resolve()):
        return f"image '{reference}' is outside the source folder; move it into {folder}/"
    problem = file_problem(target)
    if problem == NOT_FOUND:
        return f"image '{reference}' not found (looked for {target}); fix the path or add the file"
    if problem is not None:
        return f"image '{reference}' {problem}"
    return None


NOT_FOUND = "not found"


def file_problem(path: Path) -> str | None:
    """Why the file is no media file to read, or None: not found, not a regular file, or too large.
    Looked at before anything opens it: opening a FIFO waits for a writer that may never come."""
    try:
        status = path.stat()
    except OSError:
        return NOT_FOUND
    if stat.S_ISDIR(status.st_mode):
        return NOT_FOUND
    if not stat.S_ISREG(status.st_mode):
        return f"is not a file ({path} is a device or a pipe); point it at an image file"
    if status.st_size > LARGEST_IMAGE:
        return (
            f"has {status.st_size} bytes, more than the {LARGEST_IMAGE // 2**20} MB a media file may have; "
            "make it smaller"
        )
    return None


def media_bytes(path: Path) -> bytes | None:
    """The bytes of a media file file_problem passes, read no further than the size it had then
    (a file swapped for a device meanwhile is None)."""
    if file_problem(path) is not None:
        return None
    try:
        with _still_regular(path) as opened:
            return opened[0].read(opened[1]) if opened is not None else None
    except OSError:
        return None


@contextlib.contextmanager
def _still_regular(path: Path) -> Iterator[tuple[BinaryIO, int] | None]:
    """The file opened, with its size, when it is still a regular file of at most LARGEST_IMAGE
    bytes now that it is open (it may have been swapped for a device since it was looked at)."""
    with path.open("rb", buffering=0) as stream:
        status = os.fstat(stream.fileno())
        regular = stat.S_ISREG(status.st_mode) and status.st_size <= LARGEST_IMAGE
        yield (stream, status.st_size) if regular else None


def _card_text(card: Card) -> str:
    return f"{card.question}\n\n{card.answer}"


def card_images(card: Card) -> list[str]:
    """The image sources the card refers to (image_references), told at once for the many cards that
    have no image syntax at all: each build asks this of every card several times."""
    if not (may_show_images(card.question) or may_show_images(card.answer)):
        return []
    return image_references(_card_text(card))


ImagesOf = Callable[[Card], list[str]]
"""card_images, or the same told another way."""


class DeckImages(NamedTuple):
    """What card_images gives of each card of a deck, and the places of the cards that show any."""

    references: list[list[str]]
    showing: tuple[int, ...]


def deck_images(deck: Deck, stage: str) -> DeckImages:
    """card_images of every card; while watch keeps its state warm, the last build's at this
    ``stage`` (the cards as read, or as built) asked again of the cards a save changed or moved
    alone (store.by_position), so that the media steps visit the few cards that show images."""
    return by_position(
        f"images {stage} {deck.source}", deck.cards, _deck_images, _images_again, any_share=True
    )


def _deck_images(cards: Sequence[Card]) -> DeckImages:
    references = [card_images(card) for card in cards]
    return DeckImages(references, tuple(place for place, found in enumerate(references) if found))


def _images_again(last: DeckImages, cards: Sequence[Card], changed: list[int]) -> DeckImages:
    references = list(last.references)
    showing = set(last.showing)
    for place in changed:
        references[place] = card_images(cards[place])
        (showing.add if references[place] else showing.discard)(place)
    return DeckImages(references, tuple(sorted(showing)))


def image_diagnostics(deck: Deck, images: ImagesOf = card_images) -> list[Diagnostic]:
    folder = deck.source.parent
    problems: list[Diagnostic] = []
    for card in deck.cards:
        for reference in images(card):
            problem = image_problem(reference, folder)
            if problem:
                problems.append(Diagnostic(card.source, Severity.ERROR, problem))
    return problems


def collect_media(
    deck: Deck, digests: Mapping[str, str] | None = None, taken: dict[str, str] | None = None
) -> dict[str, MediaFile]:
    """Every local image of the deck, under its own file name (an image that came from Anki keeps
    the name Anki gave it), unless another file of another content took that name first, in this
    deck or in ``taken`` (the names the other decks of the build gave, with their content hashes,
    filled in as names are given): that one is named ``stem-<content hash><suffix>``, and ``check``
    says so. ``digests`` are the files' hashes as loading read them (see media_digests), else
    read now."""
    showing = deck_images(deck, "built").showing
    deck = replace(deck, cards=tuple(deck.cards[place] for place in showing))  # those with images
    problems = image_diagnostics(deck)
    if problems:
        raise ProblemsError(problems)
    known = digests if digests is not None else media_digests(deck)
    taken = {} if taken is None else taken
    media: dict[str, MediaFile] = {}
    for _, reference, path in _shown_files(deck):
        if reference not in media:
            media[reference] = MediaFile(path, media_name(path, known[reference], taken))
    return media


def _shown_files(deck: Deck, images: ImagesOf = card_images) -> Iterator[tuple[Card, str, Path]]:
    """Each local image a card of the deck shows: the card, the reference as written, the file."""
    folder = deck.source.parent
    for card in deck.cards:
        for reference in local_images(card, images):
            yield card, reference, (folder / unquote(reference)).resolve()


def media_name(path: Path, digest: str, taken: dict[str, str]) -> str:
    """The file's name in the package: its own, unless a file of other content has it already."""
    name = path.name
    if taken.setdefault(name, digest) != digest:
        name = f"{path.stem}-{digest[:10]}{path.suffix.lower()}"
        taken[name] = digest
    return name


def media_name_clashes(decks: Sequence[Deck], digests: Sequence[Mapping[str, str]]) -> list[Diagnostic]:
    """A warning for each image that goes into the packages under another name than its own,
    because a file of other content has that name (in another folder, say)."""
    taken: dict[str, str] = {}
    warnings = []
    for deck, known in zip(decks, digests, strict=True):
        for card, reference, path in _shown_files(deck):
            if known.get(reference) in (None, MISSING):
                continue
            name = media_name(path, known[reference], taken)
            if name != path.name:
                message = (
                    f"image {shorten(reference, 60)} goes into the package as {name}: another "
                    f"image of other content is named {path.name}; rename one to keep both names"
                )
                warnings.append(Diagnostic(card.source, Severity.WARNING, message))
    return warnings


def remote_image_warnings(deck: Deck, printed: bool = True) -> list[Diagnostic]:
    """A warning for each card with an image from the network, which printing leaves out (it makes
    no request to addresses a deck names) and the HTML shows only online."""
    warnings = []
    for card in deck.cards:
        sources = card_images(card)  # markdown images and HTML <img> alike
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


def local_images(card: Card, images: ImagesOf = card_images) -> list[str]:
    """The local image files a card shows, as referenced."""
    return [ref for ref in images(card) if is_local_reference(ref)]


def media_digests(deck: Deck, images: DeckImages | None = None) -> dict[str, str]:
    """The SHA-256 of each local image file the deck's cards show, by reference ("missing" for one
    that cannot be read: check reports it, and collect_media refuses to build with it). ``images``
    are the deck's (deck_images), when known."""
    folder = deck.source.parent
    images = images or _deck_images(deck.cards)
    digests: dict[str, str] = {}
    for place in images.showing:
        for reference in images.references[place]:
            if is_local_reference(reference) and reference not in digests:
                digests[reference] = _digest(folder, reference)
    return digests


def _digest(folder: Path, reference: str) -> str:
    """The SHA-256 of the image file, read in chunks; "missing" for one image_problem refuses (check
    and collect_media then say why) or that changed into one meanwhile."""
    if image_problem(reference, folder) is not None:
        return MISSING
    try:
        with _still_regular((folder / unquote(reference)).resolve()) as opened:
            if opened is None:
                return MISSING
            digest = hashlib.sha256()
            while chunk := opened[0].read(1 << 20):
                digest.update(chunk)
            return digest.hexdigest()
    except OSError:
        return MISSING


def with_media_content(deck: Deck, digests: Mapping[str, str]) -> Deck:
    """The deck with each card's content hash covering the images it shows (``digests``, from
    media_digests): a picture replaced under the same name changes the card, so Anki updates its
    note and stores the new file."""
    if not digests:
        return deck
    cards = []
    for card in deck.cards:
        images = local_images(card)
        if images:
            parts = "\x1f".join([card.content, *(digests[image] for image in images)])
            card = replace(card, content=hashlib.sha256(parts.encode("utf-8")).hexdigest()[:16])
        cards.append(card)
    return replace(deck, cards=tuple(cards))
