"""The hidden model behind synthetic populations, in one namespace: its law
(:mod:`rootmatch.synth._law`) and the sampling of its links (:mod:`rootmatch.synth._sampling`)."""

from rootmatch.synth._law import (
    FACTORS,
    OBSERVED_BITS,
    K,
    LatentModel,
    capability_means,
    complementarity_transition,
    draw_rows,
    firm_rates,
    fit_score,
    geo_affinity,
    institute_logits,
    need_means,
    observation_loadings,
    profile_vector,
    tech_affinity,
)
from rootmatch.synth._sampling import (
    Proposer,
    calibrate_fit_cap,
    calibrate_institute_intercept,
    calibrate_rate,
    sample_firm_links,
    sample_institute_links,
)

__all__ = [
    "FACTORS",
    "OBSERVED_BITS",
    "K",
    "LatentModel",
    "Proposer",
    "calibrate_fit_cap",
    "calibrate_institute_intercept",
    "calibrate_rate",
    "capability_means",
    "complementarity_transition",
    "draw_rows",
    "firm_rates",
    "fit_score",
    "geo_affinity",
    "institute_logits",
    "need_means",
    "observation_loadings",
    "profile_vector",
    "sample_firm_links",
    "sample_institute_links",
    "tech_affinity",
]
