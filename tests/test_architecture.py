"""The shape of the code (STYLE.md): layers that import one way, no cycles, the speed machinery in one
package, and tests that use public names only."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import grimp
import pytest

from .conftest import REPO

PACKAGE = REPO / "deckbuilder"
TESTS = REPO / "tests"
MACHINERY = {"gc", "marshal", "multiprocessing"}
"""Modules only the incremental layer may import (and it alone calls os.fork)."""


def test_the_import_contracts_hold() -> None:
    linter = shutil.which("lint-imports")
    assert linter is not None, 'lint-imports is missing: pip install -e ".[test]"'
    result = subprocess.run([linter], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_import_cycle_even_through_imports_inside_functions() -> None:
    graph = grimp.build_graph("deckbuilder", exclude_type_checking_imports=True)
    cycles = [
        (importer, imported)
        for importer in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if imported != importer and graph.chain_exists(importer=imported, imported=importer)
    ]
    assert cycles == []


def test_few_modules_sit_directly_in_the_package() -> None:
    assert len(list(PACKAGE.glob("*.py"))) <= 10


def _python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if ".venv" not in path.parts)


def _imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _calls_fork(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr == "fork" and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        for node in ast.walk(tree)
    )  # fmt: skip


def test_processes_collector_and_marshal_stay_in_the_incremental_layer() -> None:
    offenders = []
    for path in _python_files(PACKAGE):
        if path.relative_to(PACKAGE).parts[0] == "incremental":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if _imported_modules(tree) & MACHINERY or _calls_fork(tree):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


def test_only_the_command_line_imports_click() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in _python_files(PACKAGE)
        if path.relative_to(PACKAGE).parts[0] != "cli"
        and "click" in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_only_the_collection_package_imports_anki() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in _python_files(PACKAGE)
        if path.relative_to(PACKAGE).parts[0] != "collection"
        and "anki" in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_the_reverse_direction_never_opens_a_collection() -> None:
    graph = grimp.build_graph("deckbuilder", exclude_type_checking_imports=True)
    reached = graph.find_upstream_modules("deckbuilder.reverse", as_package=True)
    assert {
        module for module in reached if module.startswith(("deckbuilder.collection", "deckbuilder.app"))
    } == set()


def _longest_chain(graph: grimp.ImportGraph, module: str, within: str, seen: tuple[str, ...] = ()) -> int:
    """The most modules of ``within`` one import chain from ``module`` passes through."""
    below = [
        imported
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith(within) and imported not in seen
    ]
    return 1 + max(
        (_longest_chain(graph, imported, within, (*seen, module)) for imported in below), default=0
    )


def test_each_use_case_chooses_its_own_caching() -> None:
    """How a command uses the caches is its use case's to say (build writes them; check, diff, push
    and pull only read): the command line, which only lists without a use case, builds no other."""
    made = [
        line.strip()
        for path in sorted((PACKAGE / "cli").glob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if "Caching(" in line
    ]
    assert made == ['caching = Caching(use="read")'], made  # ``list``, which has no use case
    for use_case in ("build", "check", "diff", "push", "pull"):
        assert "Caching(use=" in (PACKAGE / "app" / f"{use_case}.py").read_text(encoding="utf-8"), use_case


def test_use_cases_import_at_most_four_app_modules_deep() -> None:
    graph = grimp.build_graph("deckbuilder", exclude_type_checking_imports=True)
    depths = {
        module: _longest_chain(graph, module, "deckbuilder.app.")
        for module in sorted(graph.modules)
        if module.startswith("deckbuilder.app.")
    }
    assert max(depths.values()) <= 4, depths


def _private_names_used(tree: ast.AST) -> list[str]:
    """deckbuilder names starting with an underscore that a test imports or reaches through a module."""
    modules: set[str] = set()
    used = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("deckbuilder"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    used.append(f"{node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(
                alias.asname or alias.name for alias in node.names if alias.name.startswith("deckbuilder")
            )
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in modules | {"deckbuilder"}:
                used.append(ast.unparse(node))
    return used


@pytest.mark.parametrize("path", _python_files(TESTS), ids=lambda path: path.name)
def test_tests_use_public_names_only(path: Path) -> None:
    assert _private_names_used(ast.parse(path.read_text(encoding="utf-8"))) == []
