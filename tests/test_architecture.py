"""The house rules of the package, checked: the import contracts of ``pyproject.toml`` hold
(``lint-imports``), no module is over ~500 lines nor a class over ~400, and every old flat
module path still reaches the one module that moved."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rootmatch

ROOT = Path(__file__).resolve().parents[1]  # the source tree (the package may be installed)
PACKAGE = ROOT / "rootmatch"
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 400

#: Old flat module paths kept as aliases of the modules that moved (users import them).
ALIASES = {
    "rootmatch.allocate": "rootmatch.analysis.allocate",
    "rootmatch.catalog": "rootmatch.domain.catalog",
    "rootmatch.entities": "rootmatch.domain._entities_compat",
    "rootmatch.evaluate": "rootmatch.analysis.evaluate",
    "rootmatch.exceptions": "rootmatch.base.exceptions",
    "rootmatch.features": "rootmatch.engine.features",
    "rootmatch.index": "rootmatch.engine.index",
    "rootmatch.matchmaker": "rootmatch.engine.matchmaker",
    "rootmatch.network": "rootmatch.graph.network",
    "rootmatch.proximity": "rootmatch.graph.proximity",
    "rootmatch.rules": "rootmatch.domain.rules",
    "rootmatch.store": "rootmatch.io.store",
    "rootmatch.study": "rootmatch.analysis.study",
    "rootmatch.table": "rootmatch.domain.table",
    "rootmatch.taxonomy": "rootmatch.domain.taxonomy",
    "rootmatch.testing": "rootmatch.analysis.testing",
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("old", sorted(ALIASES))
def test_old_module_paths_reach_the_module_that_moved(old: str) -> None:
    assert importlib.import_module(old) is importlib.import_module(ALIASES[old])
    assert getattr(rootmatch, old.rsplit(".", 1)[1]) is importlib.import_module(ALIASES[old])


def test_every_alias_is_listed() -> None:
    found = {f"rootmatch.{p.stem}" for p in PACKAGE.glob("*.py")
             if "sys.modules[__name__] = importlib.import_module(" in p.read_text("utf-8")}
    assert found == set(ALIASES)


def test_no_module_over_the_line_limit() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text("utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_class_over_the_line_limit() -> None:
    long = {}
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                n = node.end_lineno - node.lineno + 1
                if n > MAX_CLASS_LINES:
                    long[f"{p.relative_to(ROOT)}::{node.name}"] = n
    assert not long, f"classes over {MAX_CLASS_LINES} lines: {long}"


def test_import_contracts_hold() -> None:
    """The layers and forbidden imports of ``pyproject.toml`` (``lint-imports``)."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("lint-imports is not installed (it comes with the test extra)")
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_an_old_path_reaches_private_names_and_patches_the_real_module(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import rootmatch.engine.matchmaker as real
    import rootmatch.matchmaker as old

    assert old.save_model is real.save_model  # private names too: it is the same module
    monkeypatch.setattr("rootmatch.matchmaker.DEFAULT_WEIGHTS", {"x": 1.0})
    assert real.DEFAULT_WEIGHTS == {"x": 1.0}


def test_nothing_inside_the_package_imports_an_old_path_or_the_top_level() -> None:
    olds = {o.rsplit(".", 1)[1] for o in ALIASES}
    offenders = []
    for p in _modules():
        if p.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if len(parts) == 2 and parts[0] == "rootmatch" and parts[1] in olds:
                    offenders.append(f"{p.relative_to(ROOT)}: from {node.module}")
                if node.module == "rootmatch" or (node.level == 1 and not node.module
                                                   and p.parent.parent == PACKAGE
                                                   and p.name == "__init__.py"):
                    # the top-level package re-exports every layer: importing it from
                    # inside makes chains upward
                    offenders.extend(f"{p.relative_to(ROOT)}: from rootmatch import {a.name}"
                                     for a in node.names)
    assert not offenders
