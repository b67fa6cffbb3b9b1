"""The old flat paths of the analysis modules reach the modules that moved."""

from __future__ import annotations

import importlib
import sys

import pytest

import rootmatch as rm

MOVED = {
    "_baselines": "rootmatch.analysis._baselines",
    "_figures": "rootmatch.analysis.study._figures",
    "_metrics": "rootmatch.analysis._metrics",
    "_report": "rootmatch.analysis.study._report",
    "allocate": "rootmatch.analysis.allocate",
    "evaluate": "rootmatch.analysis.evaluate",
    "study": "rootmatch.analysis.study",
    "testing": "rootmatch.analysis.testing",
}


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_old_path_is_the_moved_module(old: str, new: str) -> None:
    module = importlib.import_module(new)
    assert importlib.import_module(f"rootmatch.{old}") is module
    assert sys.modules[f"rootmatch.{old}"] is module
    assert getattr(rm, old) is module  # the package attribute too, once imported


def test_private_names_are_reached_through_the_old_path() -> None:
    from rootmatch.analysis._baselines import _splitmix64
    from rootmatch.analysis._baselines import _splitmix64 as moved_splitmix64
    from rootmatch.analysis.study._report import _md_cell
    from rootmatch.analysis.study._report import _md_cell as moved_md_cell

    assert _splitmix64 is moved_splitmix64
    assert _md_cell is moved_md_cell


def test_monkeypatching_the_old_path_patches_the_moved_module(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rootmatch.analysis.study import _figures

    monkeypatch.setattr("rootmatch._figures.korean_font", lambda: None)
    assert _figures.korean_font() is None
    with pytest.warns(UserWarning, match="no Korean font"):
        assert _figures.figure_language("ko")[0] == "en"


def test_public_names_are_unchanged() -> None:
    analysis = importlib.import_module("rootmatch.analysis")
    assert rm.evaluate.Split is analysis.Split
    assert rm.study.run_study is analysis.run_study
    assert rm.allocate.allocate is analysis.allocate.allocate
    assert isinstance(rm.study.METRICS, dict)
    assert isinstance(rm.evaluate.METRICS, tuple)
