"""The old flat paths of the engine modules reach the modules that moved."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

import rootmatch as rm

MOVED = {
    "_kernels": "rootmatch.engine._kernels",
    "_persist": "rootmatch.engine._persist",
    "_reasons": "rootmatch.engine._reasons",
    "_scoring": "rootmatch.engine._scoring",
    "_topk": "rootmatch.engine._topk",
    "features": "rootmatch.engine.features",
    "index": "rootmatch.engine.index",
    "matchmaker": "rootmatch.engine.matchmaker",
}


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_old_path_is_the_moved_module(old: str, new: str) -> None:
    module = importlib.import_module(new)
    assert importlib.import_module(f"rootmatch.{old}") is module
    assert sys.modules[f"rootmatch.{old}"] is module
    assert getattr(rm, old) is module  # the package attribute too, once imported


def test_private_names_are_reached_through_the_old_path() -> None:
    from rootmatch._persist import _resolve_key as old_resolve_key
    from rootmatch._topk import _check_k as old_check_k
    from rootmatch.engine._persist import _resolve_key
    from rootmatch.engine._topk import _check_k

    assert old_check_k is _check_k
    assert old_resolve_key is _resolve_key


def test_monkeypatching_the_old_path_patches_the_moved_module(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rootmatch.engine import _topk

    monkeypatch.setattr("rootmatch._kernels.HAVE_NUMBA", False)
    assert _topk.HAVE_NUMBA is False


def test_public_names_are_unchanged() -> None:
    engine = importlib.import_module("rootmatch.engine")
    assert rm.Matchmaker is engine.Matchmaker is rm.matchmaker.Matchmaker
    assert rm.Recommendation is engine.Recommendation is rm.matchmaker.Recommendation
    assert rm.FirmVectorizer is engine.FirmVectorizer is rm.features.FirmVectorizer
    assert rm.SimilarityIndex is engine.SimilarityIndex is rm.index.SimilarityIndex
    assert rm.matchmaker.COMPONENTS == engine.COMPONENTS
    assert rm.matchmaker.DEFAULT_WEIGHTS == engine.DEFAULT_WEIGHTS
    assert set(engine.__all__) <= set(dir(engine))


def test_the_top_k_kernel_is_public_in_the_engine() -> None:
    """Users outside the engine reach the one kernel through ``rootmatch.engine``."""
    engine = importlib.import_module("rootmatch.engine")
    from rootmatch.engine import _topk

    for name in ("empty_topk", "merge_topk", "sample_thresholds", "topk_rows", "topk_update"):
        assert getattr(engine, name) is getattr(_topk, name)
    idx, val = engine.topk_rows(np.array([[0.5, 2.0, 1.0]]), 2)
    np.testing.assert_array_equal(idx, [[1, 2]])
    np.testing.assert_array_equal(val, [[2.0, 1.0]])
