"""How well a program fits a firm, whether the firm is interested, and why. Private.

The public names are re-exported by :mod:`rootmatch.allocate`; the rule is described there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from rootmatch.domain.program import Program
from rootmatch.domain.rules import Reason
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import RootTechnology, SupportAxis, Topic, mask_of, members_of

__all__ = ["FIT_WEIGHTS", "axis_need", "fit_reasons", "interest_matrix", "program_fit"]


#: Shares of the fit: support axis, technology, topics.
FIT_WEIGHTS = (0.5, 0.25, 0.25)


def _programs_list(programs: Sequence[Program] | Mapping[str, Program]) -> list[Program]:
    if isinstance(programs, Mapping):
        return [programs[k] for k in sorted(programs)]
    return list(programs)


# --- fit ---------------------------------------------------------------------------------
def _fit_parts(table: FirmTable, program: Program) -> tuple[NDArray[np.float64], ...]:
    needs = table.needs_mask.astype(np.int64)
    primary = (needs >> program.axis.value) & 1
    secondary = (needs & mask_of(program.axes - {program.axis})) != 0
    axis = np.where(primary == 1, 1.0, np.where(secondary, 0.5, 0.0))
    if program.targets:
        tech = ((table.tech_mask.astype(np.int64) & mask_of(program.targets)) != 0) * 1.0
    else:
        tech = np.full(len(table), 0.5)
    if program.topics:
        topics = table.topics_mask.astype(np.int64)
        topic = sum(((topics >> t.value) & 1) for t in program.topics) / len(program.topics)
    else:
        topic = np.zeros(len(table))
    return axis, tech, topic.astype(np.float64)


def program_fit(table: FirmTable, programs: Sequence[Program] | Mapping[str, Program]
                ) -> NDArray[np.float64]:
    """How well each firm's needs, technologies and topics fit each program, in [0, 1].

    ``fit = 0.5·axis + 0.25·technology + 0.25·topics`` (see the module docstring). Fit says
    nothing about eligibility: combine it with :func:`rootmatch.rules.eligibility_matrix`.

    Parameters
    ----------
    table : FirmTable
    programs : sequence of Program, or dict by id (then taken in id order)

    Returns
    -------
    ndarray of float64, shape (len(table), len(programs))

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([rm.Firm(id="F1", name="A", technologies=["금형"],
    ...     employees=5, district="사상구", needs=["기술 개발"], topics=["디지털 역량"])])
    >>> fit = rm.allocate.program_fit(t, [cat.programs["BS24-01"], cat.programs["BS24-06"]])
    >>> fit.round(3).tolist()  # mold program: axis 1, targeted, 1 of 4 topics
    [[0.812, 0.208]]
    """
    progs = _programs_list(programs)
    out = np.zeros((len(table), len(progs)))
    for j, p in enumerate(progs):
        axis, tech, topic = _fit_parts(table, p)
        out[:, j] = FIT_WEIGHTS[0] * axis + FIT_WEIGHTS[1] * tech + FIT_WEIGHTS[2] * topic
    return out


def interest_matrix(table: FirmTable, programs: Sequence[Program] | Mapping[str, Program]
                    ) -> NDArray[np.bool_]:
    """Whether each firm needs one of each program's support axes (would apply if it knew).

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([rm.Firm(id="F1", name="A", technologies=["금형"],
    ...     employees=5, district="사상구", needs=["인력 양성"])])
    >>> rm.allocate.interest_matrix(t, [cat.programs["BS24-01"], cat.programs["BS24-02"]])
    array([[ True, False]])
    """
    progs = _programs_list(programs)
    needs = table.needs_mask.astype(np.int64)
    out = np.zeros((len(table), len(progs)), bool)
    for j, p in enumerate(progs):
        out[:, j] = (needs & mask_of(p.all_axes)) != 0
    return out


def axis_need(axis: SupportAxis) -> Reason:
    """"needs <axis> support" in both languages, without doubling the word "support".

    Examples
    --------
    >>> import rootmatch as rm
    >>> [rm.allocate.axis_need(a).en for a in rm.SupportAxis]
    ['infrastructure support', 'workforce support', 'technology development support',
     'management support']
    >>> rm.allocate.axis_need(rm.SupportAxis.MANAGEMENT).ko
    '경영지원'
    """
    ko = axis.label_ko if axis.label_ko.endswith("지원") else f"{axis.label_ko} 지원"
    en = axis.label_en.lower()
    return Reason(ko, en if en.endswith("support") else f"{en} support")


def fit_reasons(table: FirmTable, row: int, program: Program) -> tuple[Reason, ...]:
    """Why firm ``row`` fits ``program``: the axis, technology and topics it shares.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([rm.Firm(id="F1", name="A", technologies=["금형"],
    ...     employees=5, district="사상구", needs=["기술 개발"], topics=["디지털 역량"])])
    >>> [r.en for r in rm.allocate.fit_reasons(t, 0, cat.programs["BS24-01"])]
    ['needs technology development support (the program’s main axis)',
     'targeted technology: Mold & die', 'asks for digital skills']
    """
    needs = members_of(SupportAxis, int(table.needs_mask[row]))
    techs = members_of(RootTechnology, int(table.tech_mask[row]))
    topics = members_of(Topic, int(table.topics_mask[row]))
    out: list[Reason] = []
    if program.axis in needs:
        a = program.axis
        r = axis_need(a)
        out.append(Reason(f"{r.ko} 필요 (사업의 주 분야)",
                          f"needs {r.en} (the program’s main axis)"))
    else:
        out.extend(Reason(f"{axis_need(a).ko} 필요 (사업의 부 분야)",
                          f"needs {axis_need(a).en} (a secondary axis)")
                   for a in sorted(needs & program.axes, key=lambda m: m.value))
    hit = sorted(techs & program.targets, key=lambda m: m.value)
    if hit:
        out.append(Reason("대상 업종: " + "·".join(t.label_ko for t in hit),
                          "targeted technology: " + ", ".join(t.label_en for t in hit)))
    shared = sorted(topics & program.topics, key=lambda m: m.value)
    if shared:
        out.append(Reason("관심 분야: " + "·".join(t.label_ko for t in shared),
                          "asks for " + ", ".join(t.label_en for t in shared)))
    return tuple(out)
