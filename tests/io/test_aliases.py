"""The old paths of the io modules reach the modules that moved, and ``rootmatch.io`` still
offers every name it offered as one module."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import rootmatch as rm

MOVED = {"_export": "rootmatch.io.graphs", "store": "rootmatch.io.store"}
#: The public names of ``rootmatch.io`` (its ``__all__``) before it became a package.
PUBLIC = [
    "MAX_CELL", "MAX_FILE_BYTES", "MAX_JSON_DEPTH", "MAX_LINE", "SEPARATOR", "DataWarning",
    "Problem", "flatten_graph", "load_collaborations", "load_firms", "load_institute_links",
    "load_institutes", "load_participations", "load_population", "load_programs",
    "read_graphml", "read_node_link", "write_collaborations", "write_firms", "write_graph",
    "write_institute_links", "write_institutes", "write_participations", "write_population",
    "write_programs",
]
#: Names of ``rootmatch.io`` that other modules imported before it became a package.
PRIVATE = [
    "MAX_EMPLOYEES", "PathLike", "Errors", "Labels", "_COLLAB_COLUMNS", "_FIRM_COLUMNS",
    "_INSTITUTE_COLUMNS", "_LINK_COLUMNS", "_PARTICIPATION_COLUMNS", "_PROGRAM_COLUMNS",
    "_Collector", "_data_error", "_load_entities", "_load_pairs", "_read_rows",
]


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_old_path_is_the_moved_module(old: str, new: str) -> None:
    module = importlib.import_module(new)
    assert importlib.import_module(f"rootmatch.{old}") is module
    assert sys.modules[f"rootmatch.{old}"] is module
    assert getattr(rm, old, module) is module


def test_io_offers_what_it_offered() -> None:
    assert sorted(rm.io.__all__) == sorted(PUBLIC)
    for name in PUBLIC + PRIVATE:
        assert hasattr(rm.io, name), name
    assert rm.io.Problem is importlib.import_module("rootmatch.io._problems").Problem
    assert rm.io.write_graph is importlib.import_module("rootmatch.io.graphs").write_graph


def test_private_names_are_reached_through_the_old_paths() -> None:
    from rootmatch.io.graphs import _fail
    from rootmatch.io.graphs import _fail as moved_fail
    from rootmatch.io.store import SCHEMA_VERSION, _write
    from rootmatch.io.store import _write as moved_write

    assert _fail is moved_fail
    assert _write is moved_write
    assert SCHEMA_VERSION == 1


def test_monkeypatching_the_old_path_patches_the_moved_module(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "g.json"
    path.write_text('{"directed": false, "multigraph": false, "graph": {}, "nodes": [], '
                    '"edges": []}\n', encoding="utf-8")
    assert rm.io.read_node_link(path).number_of_nodes() == 0
    monkeypatch.setattr("rootmatch._export.MAX_GRAPH_BYTES", 10)
    with pytest.raises(rm.DataError, match="10"):
        rm.io.read_node_link(path)


def test_graph_problems_are_the_problems_of_the_loaders(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(rm.DataError) as info:
        rm.io.read_node_link(path)
    assert all(isinstance(p, rm.io.Problem) for p in info.value.problems)
