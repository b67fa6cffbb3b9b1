"""Platt scaling shared by the kinds: a blend score mapped to the probability of collaborating.

Firm and institute blends are each calibrated on held-out links against sampled non-links,
so that lists mixing the two kinds can be ranked by one comparable number.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.special
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

__all__ = ["MIN_SLOPE", "Calibrated", "calibrate", "default_calibration"]

#: Smallest calibration slope, per standard deviation of the blend: keeps the calibrated
#: odds strictly increasing in the score, so a kind's own order survives a merge.
MIN_SLOPE = 1e-3


def calibrate(s_pos: NDArray[np.float64], s_neg: NDArray[np.float64], n_pairs: int,
               n_links: int) -> tuple[float, float]:
    """Platt scaling of a blend: ``(a, b)`` with ``sigmoid(a·score + b)`` the probability
    that a not-yet-linked pair of that score collaborates.

    Fitted on held-out links (``s_pos``, out of ``n_links`` links in all) against uniformly
    sampled non-links (``s_neg``, standing for ``n_pairs`` pairs), then corrected for both
    samplings. A slope that comes out too small (or negative) gives way to the base rate of
    links with a minimal slope.
    """
    if s_pos.size < 5 or s_neg.size < 5:
        return default_calibration(n_links, n_pairs, s_neg)
    x = np.concatenate([s_pos, s_neg])
    y = np.concatenate([np.ones(s_pos.size), np.zeros(s_neg.size)])
    sd = float(x.std())
    if not sd > 1e-12 * max(1.0, float(np.abs(x).max())):
        return default_calibration(n_links, n_pairs, s_neg)
    model = LogisticRegression(C=1e4, max_iter=1000).fit((x / sd)[:, None], y)
    a = float(model.coef_[0, 0]) / sd
    if a < MIN_SLOPE / sd:
        return default_calibration(n_links, n_pairs, s_neg)
    b = (float(model.intercept_[0]) + math.log(s_neg.size / max(n_pairs, 1))
         + math.log(max(n_links, 1) / s_pos.size))
    return a, b


def default_calibration(n_links: int, n_pairs: int,
                         scores: NDArray[np.float64] | None = None) -> tuple[float, float]:
    """The base rate of links at the typical score, with a minimal slope (too few links, or
    a blend that does not separate them)."""
    odds = (n_links + 0.5) / (max(n_pairs, 0) + 0.5)
    if scores is None or scores.size < 2:
        return MIN_SLOPE, math.log(odds)
    sd = float(scores.std()) or 1.0
    a = MIN_SLOPE / sd
    return a, math.log(odds) - a * float(scores.mean())


class Calibrated:
    """The calibrated odds of a fitted model's ``calibration_``: firm blend, then institute."""

    calibration_: NDArray[np.float64]

    def _log_odds(self, kind: str, score: Any) -> Any:
        """The calibrated log-odds of collaborating, from a firm or institute blend score."""
        a, b = self.calibration_[:2] if kind == "firm" else self.calibration_[2:]
        return a * score + b

    def _probability(self, kind: str, score: float) -> float:
        return float(scipy.special.expit(self._log_odds(kind, float(score))))
