"""The value-chain complementarity of the 14 root technologies: values, symmetry, reasons."""

from __future__ import annotations

import numpy as np
import pytest

import rootmatch as rm
from rootmatch import taxonomy

N_TECH = len(rm.RootTechnology)


@pytest.mark.parametrize("directed", [False, True])
def test_complementarity_values_shape_diagonal(directed):
    C = taxonomy.complementarity_matrix(directed=directed)
    assert C.shape == (N_TECH, N_TECH)
    assert ((C >= 0) & (C <= 1)).all()
    assert (np.diag(C) == 0).all()
    assert not C.flags.writeable


def test_symmetric_complementarity_is_the_max_of_both_directions():
    C = taxonomy.complementarity_matrix()
    D = taxonomy.complementarity_matrix(directed=True)
    np.testing.assert_array_equal(C, C.T)
    np.testing.assert_array_equal(C, np.maximum(D, D.T))


def test_every_nonzero_entry_has_a_documented_reason():
    D = taxonomy.complementarity_matrix(directed=True)
    documented = {}
    for up, down, strength, ko, en in taxonomy.COMPLEMENTARITY:
        assert (up, down) not in documented, "one line per link"
        documented[up, down] = strength
        assert ko.strip()
        assert en.strip()
        assert ko != en
        assert 0 < strength <= 1
    nonzero = {(rm.RootTechnology(i), rm.RootTechnology(j)) for i, j in zip(*np.nonzero(D))}
    assert nonzero == set(documented)
    for (up, down), strength in documented.items():
        assert D[up.value, down.value] == strength
    C = taxonomy.complementarity_matrix()
    for a in rm.RootTechnology:
        for b in rm.RootTechnology:
            reason = taxonomy.complementarity_reason(a, b)
            assert (reason is not None) == (C[a.value, b.value] > 0), (a, b)
            assert (taxonomy.complementarity_reason(a, b, "ko") is None) == (reason is None)


def test_the_value_chains_of_the_brief_are_there():
    T = rm.RootTechnology
    C = taxonomy.complementarity_matrix()
    chain = [(T.MOLD, T.INJECTION_PRESS), (T.CASTING, T.HEAT_TREATMENT),
             (T.HEAT_TREATMENT, T.SURFACE_TREATMENT), (T.HEAT_TREATMENT, T.PRECISION_MACHINING),
             (T.ENGINEERING_DESIGN, T.MOLD)]
    for a, b in chain:
        assert C[a.value, b.value] >= 0.7, (a, b)
    assert C[T.MOLD.value, T.INJECTION_PRESS.value] == C.max() == 1.0
    for enabler in (T.ROBOTICS, T.SENSORS, T.INDUSTRIAL_SOFTWARE):  # smart factory for all
        assert (C[enabler.value] > 0).sum() >= 4
    assert (C.sum(axis=1) > 0).all(), "every technology has a partner in the value chain"
