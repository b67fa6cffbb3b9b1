"""Blend weights: checked given weights, and non-negative weights learned from labelled pairs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from rootmatch.base.exceptions import ValidationError

__all__ = ["column_scales", "learn_blend", "weights_vector"]


def weights_vector(given: Mapping[str, float] | Sequence[float], names: Sequence[str],
                    field_name: str) -> NDArray[np.float64]:
    if isinstance(given, Mapping):
        unknown = set(given) - set(names)
        if unknown:
            raise ValidationError(
                f"{field_name}: unknown component(s) {sorted(unknown)}; allowed: {list(names)}",
                field=field_name, value=dict(given))
        vec = np.array([float(given.get(n, 0.0)) for n in names])
    else:
        vec = np.asarray(given, dtype=float)
        if vec.shape != (len(names),):
            raise ValidationError(f"{field_name} must have {len(names)} entries ({list(names)})",
                                  field=field_name, value=given)
    if not np.all(np.isfinite(vec)) or np.any(vec < 0):
        raise ValidationError(f"{field_name} must be finite and >= 0, got {vec.tolist()}",
                              field=field_name, value=given)
    return vec


def column_scales(X: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each column's standard deviation, and which columns are constant (to rounding): a
    constant component cannot rank anything and gets no weight."""
    scale = X.std(axis=0)
    size = np.abs(X).max(axis=0) if X.size else np.zeros(X.shape[1])
    const = ~(scale > 1e-9 * np.maximum(1.0, size))
    scale[const] = 1.0
    return scale, const


def learn_blend(X: NDArray[np.float64], y: NDArray[np.int_], fallback: NDArray[np.float64],
                 seed: int) -> NDArray[np.float64]:
    """Non-negative linear weights on raw components from a logistic regression."""
    if y.sum() < 5 or (y == 0).sum() < 5:
        return fallback
    scale, const = column_scales(X)
    Z = X / scale
    Z[:, const] = 0.0
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000, random_state=seed)
    model.fit(Z, y)
    coef = np.clip(model.coef_.ravel(), 0.0, None)
    coef[const] = 0.0
    if not np.any(coef > 0):
        return fallback
    return coef / scale / coef.sum()

