"""Every name of the former flat ``rootmatch.entities`` module, which held the entities, the
program and the population together; the old path reaches this module."""

from __future__ import annotations

from rootmatch.base.exceptions import ValidationError as ValidationError
from rootmatch.domain._fields import _FALSE as _FALSE
from rootmatch.domain._fields import _ID as _ID
from rootmatch.domain._fields import _INT_TEXT as _INT_TEXT
from rootmatch.domain._fields import _MAX_EMPLOYEES as _MAX_EMPLOYEES
from rootmatch.domain._fields import _SURROGATE as _SURROGATE
from rootmatch.domain._fields import _TRUE as _TRUE
from rootmatch.domain._fields import _check_encodable as _check_encodable
from rootmatch.domain._fields import _check_id as _check_id
from rootmatch.domain._fields import _check_ids as _check_ids
from rootmatch.domain._fields import _check_text as _check_text
from rootmatch.domain._fields import _enum_set as _enum_set
from rootmatch.domain._fields import _int_in as _int_in
from rootmatch.domain._fields import _is_date as _is_date
from rootmatch.domain._fields import _naming as _naming
from rootmatch.domain._fields import _nonempty as _nonempty
from rootmatch.domain._fields import _str_set as _str_set
from rootmatch.domain._fields import _to_bool as _to_bool
from rootmatch.domain._fields import _to_date as _to_date
from rootmatch.domain._fields import _to_enum as _to_enum
from rootmatch.domain._fields import _to_float as _to_float
from rootmatch.domain._fields import _to_int as _to_int
from rootmatch.domain._fields import _unit_interval as _unit_interval
from rootmatch.domain._periods import _PERIOD as _PERIOD
from rootmatch.domain._periods import _period_parts as _period_parts
from rootmatch.domain.entities import (
    SMALL_FIRM_LIMIT,
    Firm,
    Institute,
    Participation,
    SupportCenter,
    parse_period_end,
    parse_period_start,
)
from rootmatch.domain.entities import _to_participations as _to_participations
from rootmatch.domain.population import _ARRAY_EQ as _ARRAY_EQ
from rootmatch.domain.population import Population, entities_by_id
from rootmatch.domain.population import _to_dict_by_id as _to_dict_by_id
from rootmatch.domain.population import _to_pairs as _to_pairs
from rootmatch.domain.population import _to_table as _to_table
from rootmatch.domain.program import Program
from rootmatch.domain.program import _to_rules as _to_rules
from rootmatch.domain.taxonomy import District as District
from rootmatch.domain.taxonomy import Funding as Funding
from rootmatch.domain.taxonomy import InstituteKind as InstituteKind
from rootmatch.domain.taxonomy import LabelledEnum as LabelledEnum
from rootmatch.domain.taxonomy import Material as Material
from rootmatch.domain.taxonomy import RootTechnology as RootTechnology
from rootmatch.domain.taxonomy import SupportAxis as SupportAxis
from rootmatch.domain.taxonomy import Topic as Topic

__all__ = [
    "SMALL_FIRM_LIMIT",
    "Firm",
    "Institute",
    "Participation",
    "Population",
    "Program",
    "SupportCenter",
    "entities_by_id",
    "parse_period_end",
    "parse_period_start",
]
