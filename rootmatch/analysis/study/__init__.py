"""The support-center design study: scenarios, reach, policy gaps, outreach, the run, the report."""

from rootmatch.analysis.study.design import Study
from rootmatch.analysis.study.gap import GAP_STATUSES as GAP_STATUSES
from rootmatch.analysis.study.gap import GapMatrix, gap_matrix, gap_program
from rootmatch.analysis.study.outreach import (
    CallEntry,
    OutreachEntry,
    institute_outreach,
    program_call_list,
)
from rootmatch.analysis.study.reach import Neighbourhood, hop_counts, neighbourhood
from rootmatch.analysis.study.result import METRICS, ScenarioResult, StudyLike
from rootmatch.analysis.study.run import default_what_ifs, run_scenario, run_study
from rootmatch.analysis.study.scenarios import DEFAULT_ON as DEFAULT_ON
from rootmatch.analysis.study.scenarios import Scenario

__all__ = [
    "METRICS",
    "CallEntry",
    "GapMatrix",
    "Neighbourhood",
    "OutreachEntry",
    "Scenario",
    "ScenarioResult",
    "Study",
    "StudyLike",
    "default_what_ifs",
    "gap_matrix",
    "gap_program",
    "hop_counts",
    "institute_outreach",
    "neighbourhood",
    "program_call_list",
    "run_scenario",
    "run_study",
]
