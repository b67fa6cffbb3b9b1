"""Rules read back from their :meth:`~rootmatch.rules.Rule.to_dict` form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rootmatch.base.exceptions import ValidationError
from rootmatch.domain._atomic_rules import (
    SME,
    ActiveOn,
    CertificateRequired,
    InRegion,
    MaxEmployees,
    NotAlreadyParticipant,
    TargetTechnologies,
)
from rootmatch.domain._rule_base import AllOf, AnyOf, Not, Rule

__all__ = ["rule_from_dict"]

_KINDS: dict[str, type[Rule]] = {
    c.kind: c for c in (MaxEmployees, SME, InRegion, TargetTechnologies, CertificateRequired,
                        ActiveOn, NotAlreadyParticipant)
}


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Read a rule written by :meth:`Rule.to_dict`.

    Examples
    --------
    >>> rule_from_dict({"rule": "max_employees", "limit": 9})
    MaxEmployees(limit=9)
    >>> r = rule_from_dict({"rule": "any_of", "rules": [{"rule": "certificate"},
    ...                     {"rule": "sme"}]})
    >>> rule_from_dict(r.to_dict()) == r
    True
    """
    try:
        kind = data["rule"]
        args = {k: v for k, v in data.items() if k != "rule"}
        if kind in ("all_of", "any_of"):
            cls = AllOf if kind == "all_of" else AnyOf
            return cls(rules=tuple(rule_from_dict(r) for r in args["rules"]))
        if kind == "not":
            return Not(rule=rule_from_dict(args["of"]))
        return _KINDS[kind](**args)
    except (KeyError, TypeError) as err:
        raise ValidationError(f"not a valid rule description: {dict(data)!r}", field="rules",
                              value=dict(data)) from err
