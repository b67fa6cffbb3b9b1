"""Synthetic root-industry firm populations with a planted ground truth and an oracle."""

from rootmatch.synth._participations import CERTIFICATE_SINCE as CERTIFICATE_SINCE
from rootmatch.synth._participations import _requires_certificate as _requires_certificate
from rootmatch.synth._tuning import DEFAULT_TUNING
from rootmatch.synth.calibration import (
    CalibrationReport,
    CalibrationRow,
    calibration_targets,
    summarize,
)
from rootmatch.synth.generator import generate_population
from rootmatch.synth.truth import Truth

__all__ = [
    "DEFAULT_TUNING",
    "CalibrationReport",
    "CalibrationRow",
    "Truth",
    "calibration_targets",
    "generate_population",
    "summarize",
]
