"""scikit-learn conformance of rootmatch's estimators.

``SimilarityIndex`` passes every check of ``parametrize_with_checks`` with no expected
failure. ``FirmVectorizer`` takes a ``FirmTable``, not an array, so it runs the checks that
need no array input and its own tests of the estimator contract.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_get_params_invariance,
    check_mixin_order,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    check_valid_tag_types,
    parametrize_with_checks,
)

import rootmatch as rm


@parametrize_with_checks(
    [rm.SimilarityIndex(), rm.SimilarityIndex(n_neighbors=3, block_size=7, n_jobs=2)]
)
def test_similarity_index_passes_every_check(estimator, check):
    check(estimator)


def test_array_api_checks_run_too():
    """The array-API check skips unless SCIPY_ARRAY_API=1 is set before scipy loads: run the
    whole suite once in a fresh interpreter with it set, and fail on any skip."""
    code = textwrap.dedent(
        """
        import warnings
        from sklearn.exceptions import SkipTestWarning
        from sklearn.utils.estimator_checks import check_estimator
        import rootmatch as rm

        with warnings.catch_warnings():
            warnings.simplefilter("error", SkipTestWarning)
            check_estimator(rm.SimilarityIndex())
            check_estimator(rm.SimilarityIndex(n_neighbors=1, block_size=3))
        print("all checks ran")
        """
    )
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "all checks ran" in out.stdout


# ---- FirmVectorizer: the contract without array input ----------------------------------------
@pytest.mark.parametrize(
    "check",
    [
        check_estimator_cloneable,
        check_estimator_repr,
        check_estimator_tags_renamed,
        check_valid_tag_types,
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_get_params_invariance,
        check_set_params,
        check_mixin_order,
        check_do_not_raise_errors_in_init_or_set_params,
    ],
)
def test_firm_vectorizer_api_checks(check):
    check("FirmVectorizer", rm.FirmVectorizer(weights={"needs": 2.0}))


@pytest.fixture(scope="module")
def firms():
    rng = np.random.default_rng(0)
    n = 40
    return rm.FirmTable.from_columns(
        ids=[f"F{i:03d}" for i in range(n)],
        tech_mask=rng.integers(1, 1 << 14, n),
        employees=rng.integers(1, 60, n),
        district=rng.integers(0, len(rm.District), n),
        founded=np.where(rng.random(n) < 0.3, 0, rng.integers(1970, 2023, n)),
        digital_level=rng.integers(0, 5, n),
        needs_mask=rng.integers(0, 16, n),
        topics_mask=rng.integers(0, 1 << len(rm.Topic), n),
        cluster=rng.integers(0, 3, n),
        cluster_vocab=("", "녹산", "사상"),
    )


def test_firm_vectorizer_get_set_params_and_clone(firms):
    vec = rm.FirmVectorizer(weights={"geography": 0.0}, dtype=np.float64)
    assert vec.get_params() == {"weights": {"geography": 0.0}, "dtype": np.float64}
    twin = clone(vec)
    assert twin is not vec
    assert twin.get_params() == vec.get_params()
    assert not hasattr(twin, "block_slices_")  # clone is unfitted
    fitted = vec.fit(firms)
    assert fitted is vec
    np.testing.assert_array_equal(twin.fit(firms).transform(firms), vec.transform(firms))
    vec.set_params(weights=None, dtype=np.float32)
    assert vec.weights is None
    assert vec.dtype is np.float32
    X = vec.fit(firms).transform(firms)
    assert X.dtype == np.float32
    assert np.abs(X[:, vec.block_slices_["geography"]]).sum() > 0  # the weight came back


def test_firm_vectorizer_fit_is_idempotent(firms):
    vec = rm.FirmVectorizer()
    first = vec.fit(firms).transform(firms)
    state = {k: v for k, v in vars(vec).items() if k.endswith("_")}
    second = vec.fit(firms).fit(firms).transform(firms)
    np.testing.assert_array_equal(first, second)
    for key, value in state.items():
        again = getattr(vec, key)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(again, value)
        else:
            assert again == value
    # a second fit on other data replaces the first
    other = firms.take(np.arange(10))
    vec.fit(other)
    assert vec.numeric_mean_.tolist() != state["numeric_mean_"].tolist()
