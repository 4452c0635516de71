"""The one recipe for what a cache entry depends on besides its own key: versions and code.

Every cache file is written under a header made here: deckbuilder's version and markup version,
Python's version, the version of every library that shapes a result (mistune tokenizes and renders,
Pygments highlights, nh3 sanitizes, latex2mathml converts math, PyYAML reads front matter, jinja2
and genanki shape outputs), and a hash of the source of the memoised code. A file written under any
other header reads as empty, so an upgrade or an edit of the code never reuses a stale entry. What
varies per entry (the text, the settings that matter, the print options) is in the entry's key.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources

LIBRARIES = ("mistune", "pygments", "nh3", "latex2mathml", "pyyaml", "jinja2", "genanki")
"""The libraries whose versions every cache header names."""

CODE: dict[str, tuple[str, ...]] = {
    "parse": ("deckbuilder.markdown", "deckbuilder.read", "deckbuilder.fingerprint", "deckbuilder.model"),
    "fragments": ("deckbuilder.markdown", "deckbuilder.html"),
    "plans": ("deckbuilder.markdown", "deckbuilder.html", "deckbuilder.render"),
}
"""Each cache and the code whose results it keeps: a module, or every module of a package."""


def cache_header(kind: str, libraries: Mapping[str, str] | None = None) -> str:
    """The header of a ``kind`` cache (see CODE) as written and expected by this code under these
    library versions (``libraries`` names versions to use instead of the installed ones)."""
    versions = {**installed_versions(), **(libraries or {})}
    from deckbuilder._version import MARKUP_VERSION, __version__

    parts = [
        f"deckbuilder-{kind}-cache",
        f"deckbuilder={__version__}",
        f"markup={MARKUP_VERSION}",
        f"python={sys.version_info[0]}.{sys.version_info[1]}",
        *(f"{name}={versions[name]}" for name in sorted(versions)),
        f"code={code_hash(CODE[kind])}",
    ]
    return ";".join(parts)


@cache
def installed_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "?"
    return found


@cache
def code_hash(modules: Sequence[str]) -> str:
    """A hash of the source of these modules (a package: all of its modules)."""
    digest = hashlib.sha256()
    for module in modules:
        package, _, name = module.rpartition(".")
        found = resources.files(module) if not name or _is_package(module) else None
        files = sorted(found.iterdir(), key=lambda f: f.name) if found is not None else []
        if found is None:
            files = [resources.files(package).joinpath(f"{name}.py")]
        for file in files:
            if file.name.endswith(".py"):
                digest.update(file.name.encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _is_package(module: str) -> bool:
    import importlib.util

    spec = importlib.util.find_spec(module)
    return spec is not None and spec.submodule_search_locations is not None
