"""``rootmatch generate``, ``import`` and ``export``: data in and out of a registry."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.cli._codes import EXIT_OK
from rootmatch.cli._console import _Console, _make_parent, _writing
from rootmatch.cli._registry import _load_registry_population, _open_registry

if TYPE_CHECKING:
    from rootmatch.io.store import Registry


__all__ = [
    "_KINDS",
    "_cmd_export",
    "_cmd_generate",
    "_cmd_import",
    "_import_into",
    "_import_participations",
    "_kind_of",
]


_KINDS = ("firms", "institutes", "programs", "collaborations", "institute_links",
          "participations", "population")

def _cmd_generate(args: argparse.Namespace, console: _Console) -> int:
    import rootmatch.synth as synth
    from rootmatch.domain import catalog
    from rootmatch.io.population import write_population

    with console.steps("generate", 2) as step:
        if args.db is not None and args.db.exists() and not args.replace:
            with _open_registry(args) as reg:
                held = reg.counts()["firms"]
            if held:
                raise ValidationError(
                    f"{args.db} already holds {held:,} firms; pass --replace to start it "
                    "afresh", field="db", value=str(args.db))
        step(f"generating {args.firms:,} firms")
        pop = synth.generate_population(args.firms, seed=args.seed,
                                        catalog=catalog.busan_2024())
        if args.db is not None:
            step(f"writing {args.db}")
            with _open_registry(args, write=True) as reg:
                reg.import_population(pop, replace=True)
                reg.import_catalog(catalog.busan_2024())  # the catalog's name and source too
            where = str(args.db)
        else:
            step(f"writing {args.out}")
            _make_parent(args.out / "firms.csv")
            with _writing(args.out):
                where = str(write_population(pop, args.out))
    console.info(f"generated {len(pop.firms):,} firms ({int(pop.firms.is_small.sum()):,} small), "
                 f"{len(pop.collaborations):,} collaborations, {len(pop.institutes)} "
                 f"institutes and {len(pop.programs)} programs (seed {args.seed}) -> {where}")
    return EXIT_OK


def _kind_of(path: Path, given: str | None) -> str:
    if given is not None:
        return given.replace("-", "_")
    if path.is_dir():
        return "population"
    stem = path.name.lower()
    for kind in ("institute_links", "participations", "collaborations", "institutes",
                 "programs", "firms"):
        if kind in stem or kind.replace("_", "-") in stem:
            return kind
    return "firms"


def _import_participations(reg: Registry, path: Path, args: argparse.Namespace) -> int:
    import attrs

    from rootmatch.domain.entities import Participation
    from rootmatch.io._cells import _PARTICIPATION_COLUMNS
    from rootmatch.io._problems import Problem, _Collector
    from rootmatch.io._rows import _read_rows

    out = _Collector("collect" if args.all_errors else "raise")
    programs = set(reg.load_programs())
    firms: dict[str, Any] = {}
    unknown: set[str] = set()
    count = 0
    for row, line, cells in _read_rows(path, _PARTICIPATION_COLUMNS, out, format=None,
                                       encoding=None, unknown_columns=args.unknown_columns):
        fid, pid = cells["firm"], cells["program"]
        if fid not in firms and fid not in unknown:
            try:
                firms[fid] = reg.get_firm(fid)
            except UnknownEntityError:
                unknown.add(fid)
        if fid in unknown:
            out.add(Problem(file=str(path), row=row, field="firm", value=fid, line=line,
                            message="names a firm the registry does not hold"))
            continue
        if pid not in programs:
            out.add(Problem(file=str(path), row=row, field="program", value=pid, line=line,
                            message="names a program the registry does not hold"))
            continue
        p = Participation(program_id=pid, on=cells["on"])
        if p not in firms[fid].participations:
            firms[fid] = attrs.evolve(firms[fid], participations=(*firms[fid].participations, p))
        count += 1
    out.check()
    reg.import_firms(list(firms.values()))
    return count


def _import_into(reg: Registry, path: Path, kind: str, args: argparse.Namespace) -> int:
    from rootmatch.io.population import load_population

    errors: Literal["raise", "collect"] = "collect" if args.all_errors else "raise"
    columns = args.unknown_columns
    if kind == "population":
        pop = load_population(path, errors=errors)
        return reg.import_population(pop)["firms"]
    if kind == "firms":
        return reg.import_firms(path, errors=errors, unknown_columns=columns)
    if kind == "institutes":
        return reg.import_institutes(path, errors=errors, unknown_columns=columns)
    if kind == "programs":
        return reg.import_programs(path, errors=errors, unknown_columns=columns)
    if kind == "collaborations":
        return reg.import_collaborations(path, errors=errors)
    if kind == "institute_links":
        return reg.import_institute_links(path, errors=errors)
    return _import_participations(reg, path, args)


def _cmd_import(args: argparse.Namespace, console: _Console) -> int:
    from rootmatch.domain import catalog
    from rootmatch.io.store import Registry

    path: Path = args.file
    if not path.exists():
        raise FileNotFoundError(2, "no such file or folder", str(path))
    kind = _kind_of(path, args.kind)
    with console.steps("import", 2) as step, _open_registry(args, write=True) as reg:
        counts = reg.counts()
        add_catalog = (args.catalog == "busan-2024" and kind != "population"
                       and counts["programs"] == 0 and counts["institutes"] == 0)
        if add_catalog:
            # check the file against the catalog first, so a refused file leaves the
            # registry unchanged (the catalog is not added either)
            step("checking against the built-in catalog")
            with Registry(":memory:") as scratch, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # warned about once, by the real import
                scratch.import_catalog(catalog.busan_2024())
                _import_into(scratch, path, kind, args)
            reg.import_catalog(catalog.busan_2024())
        step(f"importing {path.name}")
        n = _import_into(reg, path, kind, args)
    if add_catalog:
        console.info(f"{args.db} held no catalog: added the built-in Busan 2024 catalog")
    label = "population files" if kind == "population" else kind.replace("_", " ")
    console.info(f"imported {n:,} {'firms from the ' if kind == 'population' else ''}{label} "
                 f"from {path} into {args.db}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace, console: _Console) -> int:
    from rootmatch.io.graphs import write_graph

    fmt = args.format
    if fmt is None and args.out.suffix.lower() not in (".graphml", ".gexf", ".json"):
        raise ValidationError(f"cannot tell the format of {args.out} from its extension: "
                              "pass --format graphml|gexf|json", field="format")
    with console.steps("export", 3) as step:
        step("reading the registry")
        pop = _load_registry_population(args)
        from rootmatch.graph.network import SupportNetwork

        step("building the network")
        net = SupportNetwork.from_population(pop, hub=not args.no_hub)
        step(f"writing {args.out}")
        _make_parent(args.out)
        with _writing(args.out):
            path = write_graph(net, args.out, format=fmt)
    g = net.graph
    console.info(f"wrote {g.number_of_nodes():,} nodes and {g.number_of_edges():,} edges "
                 f"({'with' if net.has_hub else 'without'} the hub) to {path}")
    return EXIT_OK
