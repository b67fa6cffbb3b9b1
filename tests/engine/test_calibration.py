"""The calibration of the blends: probabilities against held-out rates, the base-rate
fallback."""

from __future__ import annotations

import datetime as dt

import numpy as np

import rootmatch as rm

ON = dt.date(2024, 6, 1)


def test_calibrated_probability_matches_held_out_rates(network: rm.SupportNetwork) -> None:
    """Pairs binned by predicted probability collaborate (held out of fit) about as often
    as predicted: within a factor of 1.5 on the top 0.1% of pairs of a 3,000-firm population
    (predicted 330 links there, observed 324 here)."""
    pop = rm.synth.generate_population(3000, seed=12)
    split = rm.evaluate.warm_split(pop, n_queries=300, seed=0)
    mm = rm.Matchmaker(random_state=0).fit(split.network)
    rng = np.random.default_rng(0)
    ids = mm.firm_ids_
    a = np.concatenate([split.held_out[:, 0], ids[rng.integers(len(ids), size=200_000)]])
    b = np.concatenate([split.held_out[:, 1], ids[rng.integers(len(ids), size=200_000)]])
    keep = a != b
    a, b = a[keep], b[keep]
    p = 1 / (1 + np.exp(-mm._log_odds("firm", mm.score_pairs(a, b))))
    held = {tuple(sorted(x)) for x in split.held_out.tolist()}
    y = np.array([tuple(sorted((x, z))) in held for x, z in zip(a, b)])
    # the random pairs stand for all pairs: weight them by their share of the pairs
    n = len(ids)
    n_rand = int((~y).sum())
    w = np.where(y, 1.0, (n * (n - 1) / 2) / n_rand)
    top = p >= np.quantile(p[~y], 0.999)
    predicted = float((p[top] * w[top]).sum())
    observed = float((y[top] * w[top]).sum()) / 0.2 * 0.8  # held-out share 0.2 of the links
    assert predicted / 1.5 < observed < predicted * 1.5, (predicted, observed)


def test_calibration_falls_back_to_the_base_rate() -> None:
    from rootmatch.engine.calibration import calibrate as _calibrate
    from rootmatch.engine.calibration import default_calibration as _default_calibration

    rng = np.random.default_rng(0)
    # held-out links score lower than random pairs: no trust in the slope, the base rate
    a, b = _calibrate(rng.normal(4, 1, 50), rng.normal(5, 1, 2000), n_pairs=200_000,
                      n_links=250)
    p = 1 / (1 + np.exp(-(a * rng.normal(5, 1, 2000) + b)))
    assert 0 < a < 0.01
    assert np.allclose(p, 250 / 200_000, rtol=0.05)
    # more links than unlinked pairs: still a probability, above one half
    a, b = _default_calibration(2, 1)
    assert 0.5 < 1 / (1 + np.exp(-b)) < 1.0
    # a separating blend: the probability rises with the score
    a, b = _calibrate(rng.normal(3, 1, 200), rng.normal(0, 1, 5000), n_pairs=10**6,
                      n_links=1000)
    assert a > 0.5
