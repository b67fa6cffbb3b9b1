"""Which program rules depend on the date, and since when the root-firm certificate exists:
what dated, eligible participations are drawn with."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rootmatch.domain.program import Program
from rootmatch.domain.rules import (
    SME,
    ActiveOn,
    AllOf,
    AnyOf,
    CertificateRequired,
    InRegion,
    MaxEmployees,
    Not,
    NotAlreadyParticipant,
    Rule,
    TargetTechnologies,
)
from rootmatch.domain.table import FirmTable

__all__ = [
    "CERTIFICATE_SINCE",
    "_BUSAN_ROOT_FIRMS",
    "_check_dated",
    "_requires_certificate",
    "_split_rules",
]


_BUSAN_ROOT_FIRMS = 4362
_DATE_FREE_RULES = (SME, MaxEmployees, InRegion, TargetTechnologies, CertificateRequired)
#: The root-firm certificate (뿌리기업 확인서) exists since 2021 (DOMAIN_FACTS §4; the first
#: day of 2021 is assumed): no participation that needs it is dated earlier.
CERTIFICATE_SINCE = np.datetime64("2021-01-01", "D")


def _requires_certificate(prog: Program) -> bool:
    """Whether every way into the program needs the certificate (top level or inside AllOf)."""
    def needs(rule: Rule) -> bool:
        if isinstance(rule, CertificateRequired):
            return True
        return isinstance(rule, AllOf) and any(needs(r) for r in rule.rules)
    return any(needs(r) for r in prog.rules)


def _date_free(rule: Rule) -> bool:
    if isinstance(rule, _DATE_FREE_RULES):
        return True
    if isinstance(rule, (AllOf, AnyOf)):
        return all(_date_free(r) for r in rule.rules)
    if isinstance(rule, Not):
        return _date_free(rule.rule)
    return False


def _split_rules(prog: Program) -> tuple[list[Rule], list[Rule]]:
    """The program's rules that do not depend on the date, and those that do.

    The period (a top-level ``ActiveOn``) holds by construction: dates are drawn inside it;
    "not already a participant" is the documented exception (a firm joins a program once).
    """
    free, dated = [], []
    for r in prog.rules:
        if isinstance(r, (ActiveOn, NotAlreadyParticipant)):
            continue
        (free if _date_free(r) else dated).append(r)
    return free, dated


def _check_dated(rules: list[Rule], prog: Program, table: FirmTable, rows: NDArray[np.int64],
                 on: NDArray[np.datetime64]) -> NDArray[np.bool_]:
    """Evaluate date-dependent rules on each firm's own date (one pass per distinct date)."""
    keep = np.ones(rows.size, bool)
    for day in np.unique(on):
        sel = np.flatnonzero(on == day)
        sub = table.take(rows[sel])
        day_d = day.astype("datetime64[D]").item()
        ok = np.ones(sel.size, bool)
        for r in rules:
            ok &= np.asarray(r.mask(sub, program=prog, on=day_d), bool)
        keep[sel] = ok
    return keep
