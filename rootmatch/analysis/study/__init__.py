"""The support-center design study: scenarios, reach, gaps, outreach, the run and its report."""

from rootmatch.analysis.study.run import *  # noqa: F403
from rootmatch.analysis.study.run import DEFAULT_ON, GAP_STATUSES, __all__  # noqa: F401
