"""The calibration table (``rootmatch/synth/data/calibration.json``): the documented
targets every synthetic population is drawn to."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["_targets", "calibration_targets"]


@lru_cache(maxsize=1)
def _calibration_text() -> str:
    return resources.files("rootmatch.synth").joinpath("data/calibration.json").read_text("utf-8")


def calibration_targets() -> dict[str, Any]:
    """The calibration table (``rootmatch/synth/data/calibration.json``) as a dict.

    Returns
    -------
    dict
        ``"targets"``: a list of rows (``key``, ``marginal``, ``kind``, ``target``,
        ``tolerance``, ``status``, ``source``, ``year``, ``measure``, ``note``), and the
        reference date, the Busan firm count and the figures deliberately not targeted.

    Examples
    --------
    >>> cal = calibration_targets()
    >>> row = next(r for r in cal["targets"] if r["key"] == "size.lt10")
    >>> row["target"], row["year"], row["status"]
    (0.684, 2013, 'sourced')
    >>> all(r["source"] or r["status"] == "assumed" for r in cal["targets"])
    True
    """
    return json.loads(_calibration_text())


def _targets() -> dict[str, float]:
    return {r["key"]: float(r["target"]) for r in calibration_targets()["targets"]}
