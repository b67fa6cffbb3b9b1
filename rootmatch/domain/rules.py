"""Eligibility rules as code.

Each rule has **one** implementation, :meth:`Rule.mask`, a vectorised boolean mask over a
:class:`~rootmatch.FirmTable`. The per-firm path (:func:`check_eligibility`) evaluates the same
mask on a one-row table and adds a human reason in Korean and English, so the batch and the
single-firm answers can never disagree.

Rules compose: ``rule_a & rule_b``, ``rule_a | rule_b``, ``~rule``, or :class:`AllOf`,
:class:`AnyOf`, :class:`Not`; :class:`Predicate` wraps any vectorised function a user writes.

A program without rules is checked for its period only (:func:`effective_rules`), on both
paths alike.
"""

from __future__ import annotations

from rootmatch.base._checks import check_date as check_date
from rootmatch.base.exceptions import EligibilityError as EligibilityError
from rootmatch.base.exceptions import ValidationError as ValidationError
from rootmatch.domain._atomic_rules import (
    SME,
    ActiveOn,
    CertificateRequired,
    InRegion,
    MaxEmployees,
    NotAlreadyParticipant,
    Predicate,
    TargetTechnologies,
)
from rootmatch.domain._atomic_rules import _districts as _districts
from rootmatch.domain._atomic_rules import _non_negative as _non_negative
from rootmatch.domain._atomic_rules import _whole as _whole
from rootmatch.domain._eligibility import (
    check_eligibility,
    effective_rules,
    eligibility_mask,
    eligibility_matrix,
    outcomes_for_row,
    rule_masks,
)
from rootmatch.domain._outcomes import EligibilityResult, Reason, RuleOutcome
from rootmatch.domain._rule_base import (
    AllOf,
    AnyOf,
    Not,
    ProgramLike,
    Rule,
)
from rootmatch.domain._rule_base import Mask as Mask
from rootmatch.domain._rule_base import _frozen_rule as _frozen_rule
from rootmatch.domain._rule_base import _is_rule as _is_rule
from rootmatch.domain._rule_base import _rule_tuple as _rule_tuple
from rootmatch.domain._rule_dicts import _KINDS as _KINDS
from rootmatch.domain._rule_dicts import rule_from_dict
from rootmatch.domain.entities import Firm as Firm
from rootmatch.domain.table import FirmTable as FirmTable
from rootmatch.domain.taxonomy import District as District
from rootmatch.domain.taxonomy import RootTechnology as RootTechnology
from rootmatch.domain.taxonomy import mask_of as mask_of
from rootmatch.domain.taxonomy import members_of as members_of

__all__ = [
    "SME",
    "ActiveOn",
    "AllOf",
    "AnyOf",
    "CertificateRequired",
    "EligibilityResult",
    "InRegion",
    "MaxEmployees",
    "Not",
    "NotAlreadyParticipant",
    "Predicate",
    "ProgramLike",
    "Reason",
    "Rule",
    "RuleOutcome",
    "TargetTechnologies",
    "check_eligibility",
    "effective_rules",
    "eligibility_mask",
    "eligibility_matrix",
    "outcomes_for_row",
    "rule_from_dict",
    "rule_masks",
]
