"""A whole population as one folder of files, written and read back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from rootmatch.base._atomic import atomic_write
from rootmatch.base._files import read_regular
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.entities import Firm, Institute, SupportCenter
from rootmatch.domain.population import Population
from rootmatch.domain.program import Program
from rootmatch.domain.records import program_record as _program_record
from rootmatch.domain.table import FirmTable
from rootmatch.io._cells import (
    _COLLAB_COLUMNS,
    _FIRM_COLUMNS,
    _INSTITUTE_COLUMNS,
    _LINK_COLUMNS,
    _PROGRAM_COLUMNS,
    _bad_value,
    _Col,
)
from rootmatch.io._limits import MAX_FILE_BYTES, Errors, Labels, PathLike
from rootmatch.io._problems import Problem, _Collector, _RefusedFileError
from rootmatch.io._rows import _load_entities
from rootmatch.io.loaders import _load_pairs
from rootmatch.io.writers import (
    _check_labels,
    write_collaborations,
    write_firms,
    write_institute_links,
    write_institutes,
    write_programs,
)

__all__ = ["load_population", "write_population"]


# --- populations ---------------------------------------------------------------------------
_POPULATION_FILES = {
    "firms": ("firms.csv", "firms.jsonl"),
    "institutes": ("institutes.jsonl", "institutes.csv"),
    "programs": ("programs.jsonl", "programs.csv"),
    "collaborations": ("collaborations.csv", "collaborations.jsonl"),
    "institute_links": ("institute_links.csv", "institute_links.jsonl"),
}


def write_population(pop: Population, directory: PathLike, *, labels: Labels = "en") -> Path:
    """Write a population as files in ``directory`` (created if needed).

    ``firms.csv``, ``institutes.jsonl``, ``programs.jsonl``, ``collaborations.csv``,
    ``institute_links.csv`` and ``hub.json``. A synthetic population's ``truth`` is not
    written (it is the generator's, not data).

    Returns
    -------
    pathlib.Path
        The directory.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> firms = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구",
    ...             memberships=["BGMC"]),
    ...     rm.Firm(id="F2", name="B", technologies=["사출·프레스"], employees=30,
    ...             district="강서구")])
    >>> pop = rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
    ...                     collaborations=[["F1", "F2"]], institute_links=[["F2", "PNU"]],
    ...                     hub=cat.hub)
    >>> d = rm.io.write_population(pop, pathlib.Path(tempfile.mkdtemp()) / "pop")
    >>> sorted(p.name for p in d.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['collaborations.csv', 'firms.csv', 'hub.json', 'institute_links.csv',
     'institutes.jsonl', 'programs.jsonl']
    >>> rm.io.load_population(d) == pop
    True
    """
    _check_labels(labels)
    for program in pop.programs.values():  # fail before writing anything
        _program_record(program, labels)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_firms(pop.firms, directory / "firms.csv", labels=labels)
    write_institutes(pop.institutes, directory / "institutes.jsonl", labels=labels)
    write_programs(pop.programs, directory / "programs.jsonl", labels=labels)
    write_collaborations(pop.collaborations, directory / "collaborations.csv")
    write_institute_links(pop.institute_links, directory / "institute_links.csv")
    hub = attrs.asdict(pop.hub)
    hub["district"] = None if pop.hub.district is None else pop.hub.district.name
    atomic_write(directory / "hub.json",
                  (json.dumps(hub, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return directory


def _find(directory: Path, kind: str) -> Path | None:
    found = [directory / n for n in _POPULATION_FILES[kind] if (directory / n).exists()]
    if len(found) > 1:
        raise ValidationError(
            f"{directory}: both {found[0].name} and {found[1].name} exist; keep one",
            field=kind, value=[p.name for p in found],
        )
    return found[0] if found else None


def _load_hub(path: Path, out: _Collector) -> SupportCenter:
    file = str(path)
    try:
        # the limit of every file a loader reads: a hub of texts within the cell limit is
        # far smaller, so whatever write_population writes is read back
        data = json.loads(read_regular(path, MAX_FILE_BYTES, error=_RefusedFileError,
                                       what="hub file").decode("utf-8-sig"))
        bad = _bad_value(data)
        if bad is not None:
            raise ValueError(f"expected {bad}")
    except (_RefusedFileError, ValueError, RecursionError) as err:  # incl. UnicodeDecodeError
        out.add(Problem(file=file, row=None, field=None, value=None,
                        message=f"not a JSON object: {err}"))
        return SupportCenter()
    if not isinstance(data, dict):
        out.add(Problem(file=file, row=None, field=None, value=None,
                        message="not a JSON object"))
        return SupportCenter()
    known = {f.name for f in attrs.fields(SupportCenter)}
    for key in sorted(set(data) - known):
        out.add(Problem(file=file, row=None, field=key, value=data[key],
                        message=f"unknown field; known: {', '.join(sorted(known))}"))
    kwargs = {k: v for k, v in data.items() if k in known}
    for key in ("id", "name_ko", "name_en", "description"):
        if key in kwargs and not isinstance(kwargs[key], str):
            out.add(Problem(file=file, row=None, field=key, value=kwargs.pop(key),
                            message="expected text"))
    try:
        return SupportCenter(**kwargs)
    except ValidationError as err:
        out.add(Problem(file=file, row=None, field=err.field, value=err.value,
                        message=str(err)))
        return SupportCenter()


def load_population(
    directory: PathLike,
    *,
    errors: Errors = "raise",
    check_references: bool = True,
) -> Population:
    """Read a population written by :func:`write_population` (or assembled by hand).

    ``firms.csv`` (or ``firms.jsonl``) is required; institutes, programs, collaborations,
    institute links and ``hub.json`` are optional. The ends of every collaboration and
    institute link must exist; with ``check_references`` so must every other id a file
    names: memberships and program operators (institutes) and participations (programs). A
    dangling id is a :class:`Problem` of the row that names it.

    Parameters
    ----------
    directory : str or path-like
    errors : {"raise", "collect"}, default="raise"
        With ``"collect"`` every file is checked and one DataError lists all problems.
    check_references : bool, default=True
        Whether memberships, participations and operators must name known ids.

    Returns
    -------
    Population
        ``truth`` is ``None``.

    Examples
    --------
    See :func:`write_population`.
    """
    out = _Collector(errors)
    directory = Path(directory)
    firms_path = _find(directory, "firms")
    if firms_path is None:
        raise FileNotFoundError(f"{directory}: no firms.csv or firms.jsonl")

    def entities(path: Path, spec: Sequence[_Col], cls: type) -> list[tuple[int, Any]]:
        return _load_entities(path, spec, cls, out, format=None, encoding=None,
                              unknown_columns="warn")

    def pairs(path: Path | None, spec: Sequence[_Col], symmetric: bool
              ) -> tuple[np.ndarray, list[int]]:
        if path is None:
            return np.empty((0, 2), dtype="<U1"), []
        return _load_pairs(path, spec, out, symmetric=symmetric, format=None, encoding=None,
                           unknown_columns="warn")

    firm_rows = entities(firms_path, _FIRM_COLUMNS, Firm)
    institutes_path = _find(directory, "institutes")
    programs_path = _find(directory, "programs")
    institutes: dict[str, Institute] = {}
    program_rows: list[tuple[int, Program]] = []
    if institutes_path is not None:
        institutes = {i.id: i for _, i in
                      entities(institutes_path, _INSTITUTE_COLUMNS, Institute)}
    if programs_path is not None:
        program_rows = entities(programs_path, _PROGRAM_COLUMNS, Program)
    programs = {q.id: q for _, q in program_rows}
    collab_path = _find(directory, "collaborations")
    link_path = _find(directory, "institute_links")
    collab, collab_rows = pairs(collab_path, _COLLAB_COLUMNS, True)
    links, link_rows = pairs(link_path, _LINK_COLUMNS, False)
    hub = _load_hub(directory / "hub.json", out) if (directory / "hub.json").exists() \
        else SupportCenter()
    firm_ids = {f.id for _, f in firm_rows}
    for (a, b), row in zip(collab.tolist(), collab_rows):
        for name, value in (("firm_a", a), ("firm_b", b)):
            if value not in firm_ids:
                out.add(Problem(file=str(collab_path), row=row, field=name, value=value,
                                message="names a firm that is not in the population"))
    for (a, b), row in zip(links.tolist(), link_rows):
        if a not in firm_ids:
            out.add(Problem(file=str(link_path), row=row, field="firm", value=a,
                            message="names a firm that is not in the population"))
        if b not in institutes:
            out.add(Problem(file=str(link_path), row=row, field="institute", value=b,
                            message="names an institute that is not in the population"))
    if check_references:
        for row, f in firm_rows:
            for m in sorted(f.memberships - institutes.keys()):
                out.add(Problem(file=str(firms_path), row=row, field="memberships", value=m,
                                message="names an institute that is not in the population"))
            for prog in sorted({q.program_id for q in f.participations} - programs.keys()):
                out.add(Problem(file=str(firms_path), row=row, field="participations",
                                value=prog,
                                message="names a program that is not in the population"))
        for row, q in program_rows:
            for m in sorted(q.operators - institutes.keys()):
                out.add(Problem(file=str(programs_path), row=row,
                                field="operators", value=m,
                                message="names an institute that is not in the population"))
    out.check()
    return Population(
        firms=FirmTable.from_firms([f for _, f in firm_rows]),
        institutes=institutes,
        programs=programs,
        collaborations=collab,
        institute_links=links,
        hub=hub,
    )
