"""Synthetic root-industry firm populations with a planted ground truth and an oracle."""

from rootmatch.synth.generator import (
    CERTIFICATE_SINCE as CERTIFICATE_SINCE,
)
from rootmatch.synth.generator import (
    DEFAULT_TUNING,
    CalibrationReport,
    CalibrationRow,
    Truth,
    calibration_targets,
    generate_population,
    summarize,
)
from rootmatch.synth.generator import (
    _requires_certificate as _requires_certificate,
)

__all__ = [
    "DEFAULT_TUNING",
    "CalibrationReport",
    "CalibrationRow",
    "Truth",
    "calibration_targets",
    "generate_population",
    "summarize",
]
