"""The parameters of the hidden model and of the generator, and their checks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from rootmatch.base._checks import check_date
from rootmatch.base.exceptions import ValidationError

__all__ = ["DEFAULT_TUNING", "_check_tuning"]


#: Parameters of the hidden model and the generator; override any of them through
#: ``generate_population(..., **tuning)``.
DEFAULT_TUNING: dict[str, Any] = {
    # firm–firm links (before the hold-out) per firm: the mean degree is about twice this
    "links_per_firm": 3.0,
    "institute_links_per_firm": 0.35,
    # latent communities: mean size as a share of the firms (at least 4 firms; they grow with
    # the population so that every ingredient of the truth dilutes alike as n grows), and the
    # boost β: a pair inside one is 1 + β times as likely to collaborate
    "community_share": 0.01,
    "community_boost": 0.3,
    # technologies: Q = exp(peer·[same technology] + chain·C), C the value-chain matrix; a
    # firm doing k technologies brings k ** -tech_power of a one-technology firm to each
    "tech_affinity": (1.0, 3.0),
    "tech_power": 0.5,
    # geography: Φ = exp(cluster·[same complex] + district·[same district] - km / distance_km)
    #                / (A_u A_u') ** (geo_capacity / 2), A the units' activity: with 0 a firm
    #                among twice the firms has twice the partners, with 1 about as many
    "geo_affinity": (1.5, 1.5),
    "distance_km": 10.0,
    "geo_capacity": 1.0,
    # log activity = activity_size · log(max(employees, hub_size) / hub_size)
    #                + 0.1 · latent digital maturity (standardised) + activity_sigma · noise:
    # firms of hub_size+ employees are the hubs, smaller firms differ little
    "activity_size": 0.7,
    "hub_size": 100,
    "activity_sigma": 0.05,
    # need fit f = min(1, exp(x - c)), x = b_need · (15/8) y_i·y_j / Σ L² + b_hidden · h_i h_j
    #          + b_cap · (κ_i·u_j + κ_j·u_i) / 16 (y = L u the latent scores behind the
    #          observed needs and topics, h the hidden factor), c the fit_cap quantile of x;
    #          accept = (b_need, b_hidden, b_cap)
    "accept": (0.2, 0.15, 0.05),
    "fit_cap": 0.9,
    # probability that a secondary technology is missing from the observed profile
    "secondary_drop": 0.2,
    # noise of the observed needs and topics around their latent scores
    "observation_noise": 0.3,
    # the day the population describes
    "reference_date": "2024-06-01",
}


def _check_tuning(tuning: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(tuning) - set(DEFAULT_TUNING))
    if unknown:
        raise ValidationError(
            f"unknown tuning parameter {unknown[0]!r}; known: {', '.join(sorted(DEFAULT_TUNING))}",
            field=unknown[0], value=tuning[unknown[0]],
        )
    out = {**DEFAULT_TUNING, **tuning}
    for name in ("links_per_firm", "institute_links_per_firm", "community_share",
                 "community_boost", "distance_km", "geo_capacity",
                 "activity_size", "hub_size", "activity_sigma", "secondary_drop", "tech_power",
                 "fit_cap",
                 "observation_noise"):
        value = out[name]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not (
                math.isfinite(value) and value >= 0):
            raise ValidationError(f"{name} must be a finite number >= 0, got {value!r}",
                                  field=name, value=value)
    for name in ("secondary_drop", "fit_cap"):
        if out[name] > 1:
            raise ValidationError(f"{name} must be in [0, 1], got {out[name]!r}", field=name,
                                  value=out[name])
    for name in ("distance_km", "hub_size"):
        if out[name] <= 0:
            raise ValidationError(f"{name} must be > 0, got {out[name]!r}", field=name,
                                  value=out[name])
    for name, size in (("tech_affinity", 2), ("geo_affinity", 2), ("accept", 3)):
        try:
            arr = np.asarray(out[name], dtype=float)
        except (TypeError, ValueError):
            arr = np.zeros(0)
        if arr.shape != (size,) or not np.all(np.isfinite(arr)):
            raise ValidationError(f"{name} must be {size} finite numbers, got {out[name]!r}",
                                  field=name, value=out[name])
        out[name] = tuple(float(x) for x in arr)
    out["reference_date"] = check_date(out["reference_date"], field="reference_date")
    return out
