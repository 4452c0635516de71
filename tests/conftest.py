"""Shared fixtures; in CI (CI=true) a skipped test counts as a failure, so nothing silently stops running."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "source" / "transformer-questions.md"
SEED_CONFIG = REPO / "source" / "deckbuilder.toml"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = REPO / "test-artifacts"
WRITTEN: list[Path] = []
"""Files the tests wrote for people to look at; listed at the end of the run."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {report.longrepr}"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def seed_folder(tmp_path: Path) -> Path:
    """A copy of the shipped source folder, safe to edit."""
    folder = tmp_path / "source"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    shutil.copy(SEED_CONFIG, folder / SEED_CONFIG.name)
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if WRITTEN:
        folder = WRITTEN[0].parent
        terminalreporter.write_line(f"screenshots of printed pages for a person to look at: {folder}/")
