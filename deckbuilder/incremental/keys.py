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
import os
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

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
    """The installed version of each of LIBRARIES ("?" when one is missing)."""
    found = _dist_info_versions()
    missing = [name for name in LIBRARIES if name not in found]
    if missing:
        from importlib.metadata import PackageNotFoundError, version

        for name in missing:
            try:
                found[name] = version(name)
            except PackageNotFoundError:
                found[name] = "?"
    return found


def _dist_info_versions() -> dict[str, str]:
    """Versions read from the names of ``<project>-<version>.dist-info`` folders on sys.path, the
    first found winning as in an import: one listing per folder, where importlib.metadata took
    about 3 ms a library (the caches' header is made by every build and check)."""
    wanted = set(LIBRARIES)
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[: -len(".dist-info")].partition("-")
                project = project.lower().replace("_", "-")
                if project in wanted and project not in found:
                    found[project] = version
    return found


@cache
def code_hash(modules: Sequence[str]) -> str:
    """A hash of the source of these modules (a package: all of its modules)."""
    package_folder = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for module in modules:
        parts = module.split(".")[1:]
        folder = package_folder.joinpath(*parts)
        files = sorted(folder.glob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
