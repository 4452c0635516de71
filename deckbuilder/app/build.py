"""``deckbuilder build``: render each deck to each format and update the lock file, all or nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from deckbuilder.app.load import LoadedDeck, load_decks, updated_locks
from deckbuilder.app.media import collect_media, remote_image_warnings
from deckbuilder.app.output import (
    build_lock,
    ensure_folder,
    ensure_writable,
    finish_interrupted,
    write_atomically,
)
from deckbuilder.app.progress import NoProgress, Progress
from deckbuilder.app.records import lock_files, locks_written, remember_cards
from deckbuilder.errors import Diagnostic, OutputError
from deckbuilder.html.fragments import Fragments
from deckbuilder.identity.resolve import Change
from deckbuilder.incremental.background import in_background
from deckbuilder.incremental.cachefiles import recall
from deckbuilder.incremental.caching import Caching
from deckbuilder.incremental.collector import collector_paused
from deckbuilder.incremental.fragments import DeckFragments, prerender
from deckbuilder.incremental.plans import DeckPlans, preplan
from deckbuilder.incremental.rows import field_rows, keep_rows, last_package
from deckbuilder.model import Deck
from deckbuilder.read.sources import resolve_sources
from deckbuilder.render import FORMATS, CsvOptions, Renderer, RenderOptions
from deckbuilder.render.geometry import PrintOptions
from deckbuilder.render.options import FieldRows
from deckbuilder.render.printplan import CardPlan, layout_warnings


@dataclass(frozen=True, slots=True)
class BuiltFile:
    format: str
    path: Path
    size: int


@dataclass(frozen=True, slots=True)
class DeckBuild:
    """One deck's outputs and what changed since the last build."""

    loaded: LoadedDeck
    files: tuple[BuiltFile, ...]
    warnings: tuple[Diagnostic, ...] = ()

    def summary(self) -> str:
        resolution = self.loaded.resolution
        counts = ", ".join(
            [
                f"{resolution.count(Change.NEW)} new",
                f"{resolution.count(Change.CHANGED)} changed",
                f"{resolution.count(Change.UNCHANGED)} unchanged",
                *([f"{len(resolution.removed)} removed"] if resolution.removed else []),
            ]
        )
        outputs = ", ".join(f"{f.path} ({_size(f.size)})" for f in self.files)
        cards = len(self.loaded.deck.cards)
        return f"{self.loaded.deck.source}: {cards} cards ({counts}) -> {outputs}"

    def card_lines(self) -> list[str]:
        """One line per card that is new, changed or removed, for --verbose."""
        lines = [
            f"{match.change.value:<9} {match.card.source}  {match.card.question[:70]}"
            for match in self.loaded.resolution.matches
            if match.change is not Change.UNCHANGED
        ]
        removed = self.loaded.resolution.removed
        # The lock keeps a removed card's question normalised; its text as written, when the local
        # cache remembers it, reads better.
        texts = recall(self.loaded.lock_file.parent, [entry.content for entry in removed]) if removed else {}
        for entry in removed:
            remembered = texts.get(entry.content)
            lines.append(f"removed   {entry.guid}  {(remembered or entry).question[:70]}")
        return lines


def build(
    sources: Iterable[Path],
    formats: Sequence[str],
    output: Path,
    *,
    recursive: bool = False,
    now: int | None = None,
    csv: CsvOptions | None = None,
    printing: PrintOptions | None = None,
    progress: Progress | None = None,
    caching: Caching | None = None,
    package: str | None = None,
    for_collection: Path | None = None,
) -> list[DeckBuild]:
    """Build every source into every format; on any error nothing in ``output`` or the lock changes.
    ``caching`` (default: read and write the caches, on every core) says how caches and cores are
    used, and counts what was computed. With ``package``, each format writes one file of that name
    holding every deck (an Anki deck, or a section, each). With ``for_collection``, the packages
    use that collection's note types where the decks' are the same by name and schema."""
    paths = resolve_sources(sources, recursive)
    renderers = {name: FORMATS[name].renderer() for name in formats}
    caching = caching or Caching(use="write")
    print_options = printing or PrintOptions()
    with collector_paused(), build_lock([path.parent for path in paths], output):
        finish_interrupted(sorted({*(path.parent for path in paths), output}))
        loaded = load_decks(paths, now=now, caching=caching)
        if for_collection is not None:
            from deckbuilder.app.profiles import for_profile  # Anki's library: loaded only for this

            loaded = for_profile(for_collection, loaded)
        for lock_folder in sorted({item.lock_file.parent for item in loaded}):
            ensure_writable(lock_folder, "lock file")  # before the output folder is made
        ensure_folder(output)
        ahead = _made_ahead(loaded, _lays_out_cards(renderers, print_options), print_options, caching)
        with in_background(ahead.save_caches, caching):
            jobs = list(map(_Job, loaded, ahead.tables, ahead.plans_by_deck()))
            builds = _render_outputs(jobs, renderers, output, csv, print_options, progress, package)
        # After rendering: the fragments the outputs rendered themselves (print's MathML and cloze
        # faces) are kept with those rendered ahead.
        caching.computed["fragments"] += sum(table.rendered for table in ahead.tables)
        for deck_fragments in ahead.fragments:
            deck_fragments.save()
    return builds


@dataclass(frozen=True, slots=True)
class _Ahead:
    """What the incremental layer made before rendering, and the caches to save meanwhile."""

    loaded: Sequence[LoadedDeck]
    fragments: Sequence[DeckFragments]
    plans: Sequence[DeckPlans] | None
    """Each deck's print plans, when a printed format lays out cards."""

    @property
    def tables(self) -> list[Fragments]:
        return [deck_fragments.fragments for deck_fragments in self.fragments]

    def plans_by_deck(self) -> list[list[CardPlan] | None]:
        return [deck.plans for deck in self.plans] if self.plans is not None else [None] * len(self.loaded)

    def save_caches(self) -> None:
        """Run by the build's background child while the parent renders."""
        for deck_plans in self.plans or ():
            deck_plans.save()
        remember_cards(self.loaded)
        for item in self.loaded:
            if item.parse_cache is not None:
                item.parse_cache.save()


def _made_ahead(
    loaded: Sequence[LoadedDeck], printed: bool, print_options: PrintOptions, caching: Caching
) -> _Ahead:
    decks = [item.deck for item in loaded]
    fragments = prerender(decks, caching)
    tables = [deck_fragments.fragments for deck_fragments in fragments]
    plans = preplan(decks, print_options, tables, caching) if printed else None
    return _Ahead(loaded, fragments, plans)


def _lays_out_cards(renderers: dict[str, Renderer], printing: PrintOptions) -> bool:
    """Whether a printed format lays out cards: they then get print plans and layout warnings."""
    return bool({"html", "pdf"} & set(renderers)) and printing.layout == "cards"


@dataclass(frozen=True, slots=True)
class _Job:
    """A loaded deck with what was made ahead for its renderers."""

    loaded: LoadedDeck
    fragments: Fragments
    plans: list[CardPlan] | None


def _render_outputs(
    jobs: Sequence[_Job],
    renderers: dict[str, Renderer],
    output: Path,
    csv: CsvOptions | None,
    printing: PrintOptions,
    progress: Progress | None,
    package: str | None = None,
) -> list[DeckBuild]:
    """Render every deck in every format and write the files and lock files, all or nothing."""
    files: dict[Path, bytes] = {}
    builds = []
    sources = {job.loaded.deck.source.resolve() for job in jobs}
    tracker = progress or NoProgress()
    tracker.start(sum(len(job.loaded.deck.cards) for job in jobs) * len(renderers))
    packers = {name: FORMATS[name].package_renderer() for name in renderers} if package is not None else {}
    packaged = {name: packer for name, packer in packers.items() if packer is not None}
    parts: list[tuple[Deck, RenderOptions]] = []
    taken: dict[str, str] = {}  # the media names given: the decks of a build share Anki's media folder
    kept_rows: list[tuple[Path, FieldRows | None]] = []
    for job in jobs:
        deck = job.loaded.deck
        rows = field_rows(deck.source) if "apkg" in renderers else None
        options = RenderOptions(
            media=collect_media(deck, job.loaded.media_digests, taken),
            csv=csv or CsvOptions(),
            print=printing,
            progress=tracker.advance,
            stage=tracker.stage,
            fragments=job.fragments,
            plans=job.plans,
            anki_fields=job.loaded.anki_fields,
            rows=rows,
            last_package=last_package(deck.source) if rows is not None else None,
        )
        built = [BuiltFile(name, output / f"{package}{FORMATS[name].suffix}", 0) for name in packaged]
        parts.append((deck, options))
        for name, render in renderers.items():
            if name in packaged:
                continue
            path = output / f"{deck.source.stem}{FORMATS[name].suffix}"
            if path in files:
                raise OutputError(f"{path}: two sources would write this file; rename one of them")
            if path.resolve() in sources:
                raise OutputError(f"{path}: the output would overwrite a source; choose another -o folder")
            files[path] = render(deck, options)
            built.append(BuiltFile(name, path, len(files[path])))
        kept_rows.append((deck.source, rows))
        warnings = layout_warnings(job.plans, printing) if job.plans is not None else []
        if "pdf" in renderers or "html" in renderers:
            warnings.extend(remote_image_warnings(deck, "pdf" in renderers))
        builds.append(DeckBuild(job.loaded, tuple(built), tuple(warnings)))
    for name, render_package in packaged.items():
        path = output / f"{package}{FORMATS[name].suffix}"
        if path in files or path.resolve() in sources:
            raise OutputError(f"{path}: the package would overwrite another output; choose another name")
        files[path] = render_package(parts) if parts else b""
    sizes = {path: len(data) for path, data in files.items()}
    builds = [
        replace(item, files=tuple(replace(f, size=sizes[f.path]) for f in item.files)) for item in builds
    ]
    tracker.finish()
    locks = updated_locks([job.loaded for job in jobs])
    files.update(lock_files(locks))
    write_atomically(files)
    locks_written(locks)
    for source, rows in kept_rows:  # after the package is rendered: a --package renders it last
        keep_rows(source, rows)
    return builds


def _size(size: int) -> str:
    return (
        f"{size} B"
        if size < 1000
        else f"{size / 1000:.1f} kB"
        if size < 1_000_000
        else f"{size / 1e6:.1f} MB"
    )
