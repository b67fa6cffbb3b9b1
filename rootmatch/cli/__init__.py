"""The ``rootmatch`` command line (also ``python -m rootmatch``).

For a case worker at a terminal and a job that runs every night::

    rootmatch generate --firms 4400 --seed 7 --db center.db     # a synthetic registry
    rootmatch import new_firms.csv --db center.db                 # real firms, checked row by row
    rootmatch recommend F000123 --db center.db --lang ko          # partners, programs, near misses
    rootmatch fit --db center.db --out model.npz                  # nightly: fit and save a model
    rootmatch recommend F000123 --model model.npz --format json   # answer from the saved model
    rootmatch recommend-all --model model.npz --out partners.csv  # every small firm's top-k
    rootmatch study --out report/ --db center.db                  # the design-study report
    rootmatch export --db center.db --format graphml --out net.graphml

Results go to standard output; progress bars (on a terminal only), warnings and errors to
standard error. ``--quiet`` hides progress bars and informational messages.

Exit codes
----------
0
    Success.
1
    Unexpected error: a bug in rootmatch; the traceback is printed.
2
    Usage error: a bad command line or option value (argparse's own code).
3
    Bad input data: a row of an input file (or the registry) is refused; the message names
    the file, the row, the field and the value.
4
    Unknown id: a firm (or other entity) the registry or model does not hold.
5
    Missing file: an input file, registry or model does not exist or cannot be read or
    written.
6
    Bad saved model: the file is truncated, altered, of another format version, or not a
    rootmatch model.
7
    Registry busy: another process held the registry's lock for longer than ``--timeout``
    seconds (default 30); nothing was changed, try again later.
130
    Interrupted (Ctrl-C).

Commands that only read a registry (``recommend``, ``recommend-all``, ``fit``, ``study``,
``export``) open it read-only and never write to it: a missing, empty or non-SQLite file is
an error and is left as it was.

Expected errors (codes 2-7) print one line, ``rootmatch: error: ...``, and no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import traceback
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from ._validation import MAX_K, parse_date
from .exceptions import (
    DataError,
    ModelFormatError,
    RegistryLockedError,
    UnknownEntityError,
    ValidationError,
)

if TYPE_CHECKING:
    from .entities import Population
    from .matchmaker import Matchmaker, Recommendation
    from .store import Registry

__all__ = [
    "EXIT_BAD_DATA",
    "EXIT_BAD_MODEL",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_MISSING_FILE",
    "EXIT_OK",
    "EXIT_UNKNOWN_ID",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BAD_DATA = 3
EXIT_UNKNOWN_ID = 4
EXIT_MISSING_FILE = 5
EXIT_BAD_MODEL = 6
EXIT_LOCKED = 7
EXIT_INTERRUPTED = 130

_EPILOG = """\
exit codes:
  0  success
  1  unexpected error (a bug: the traceback is printed)
  2  usage error: bad command line or option value
  3  bad input data (the file, row, field and value are named)
  4  unknown id (a firm the registry or model does not hold)
  5  missing file (or one that cannot be read or written)
  6  bad saved model (truncated, altered, another version, or not a model)
  7  registry busy: another process held its lock longer than --timeout
  130 interrupted
"""

_KINDS = ("firms", "institutes", "programs", "collaborations", "institute_links",
          "participations", "population")
_SEED = 0  # the default seed of fitted models: the same registry always gives the same model


# --- small helpers ---------------------------------------------------------------------------
class _Console:
    """Where a command writes: results to ``out``, progress and messages to ``err``."""

    def __init__(self, *, quiet: bool, out: TextIO, err: TextIO) -> None:
        self.quiet = quiet
        self.out = out
        self.err = err

    @property
    def bars(self) -> bool:
        """Whether progress bars show: a terminal on stderr and no ``--quiet``."""
        isatty = getattr(self.err, "isatty", None)
        return not self.quiet and bool(isatty and isatty())

    def info(self, message: str) -> None:
        """An informational line (hidden by ``--quiet``)."""
        if not self.quiet:
            print(message, file=self.out)

    def result(self, text: str) -> None:
        print(text, file=self.out)

    @contextlib.contextmanager
    def steps(self, desc: str, total: int) -> Iterator[Callable[[str], None]]:
        """A progress bar over ``total`` named stages; call the yielded function per stage."""
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, unit="step", file=self.err, leave=False,
                   disable=not self.bars)
        started = [False]

        def step(name: str) -> None:
            if started[0]:
                bar.update()
            started[0] = True
            bar.set_postfix_str(name)

        try:
            yield step
        finally:
            bar.close()

    @contextlib.contextmanager
    def counter(self, desc: str, unit: str) -> Iterator[Callable[[int, int], None]]:
        """A progress bar fed by ``progress(done, total)`` callbacks."""
        from tqdm import tqdm

        bar = tqdm(total=0, desc=desc, unit=unit, file=self.err, leave=False,
                   disable=not self.bars)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            yield progress
        finally:
            bar.close()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _k(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_K:
        raise argparse.ArgumentTypeError(f"expected a number <= {MAX_K}, got {value}")
    return value


def _seconds(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValidationError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {value}")
    return value


def _partner_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    bad = [k for k in kinds if k not in ("firm", "institute")]
    if not kinds or bad:
        raise argparse.ArgumentTypeError(
            f"expected firm, institute or firm,institute, got {text!r}")
    return kinds


def _open_registry(args: argparse.Namespace, *, write: bool = False) -> Registry:
    """Open ``args.db``: read-only (``mode=ro``: never created nor written), or for writing
    (created when it does not exist) when ``write``; waits ``args.timeout`` for a lock."""
    from .store import Registry

    path: Path = args.db
    if not write and not path.exists() and not path.is_symlink():
        raise FileNotFoundError(2, "no registry at this path (create one with `rootmatch "
                                   "generate` or `rootmatch import`)", str(path))
    return Registry(path, timeout=args.timeout, read_only=not write)


def _make_parent(path: Path) -> None:
    """Create the folder ``path`` goes in; a file in the way is named."""
    for folder in (path.parent, *path.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise NotADirectoryError(20, "not a folder (cannot write "
                                             f"{str(path)!r} inside it)", str(folder))
            break
    path.parent.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    """An error while writing names the file asked for, ``target`` (or, inside a folder
    ``target``, the file being written), not the temporary file an atomic write makes
    beside it (``.NAME.XXXXXXXX.tmp``)."""
    try:
        yield
    except OSError as err:
        if err.errno is None:
            raise
        name = None if err.filename is None else Path(os.fsdecode(err.filename))
        if name is None:
            raise type(err)(err.errno, err.strerror, str(target)) from err
        if name.name.startswith(".") and name.name.endswith(".tmp") and name.name.count(".") >= 3:
            real = name.parent / name.name[1:-4].rsplit(".", 1)[0]
            raise type(err)(err.errno, err.strerror, str(real)) from err
        raise


def _load_registry_population(args: argparse.Namespace) -> Population:
    path = args.db
    with _open_registry(args) as reg:
        if reg.counts()["firms"] == 0:
            raise DataError(f"{path}: the registry holds no firms (add some with "
                            "`rootmatch import` or `rootmatch generate`)")
        return reg.load_population()


def _fit(pop: Population, *, seed: int, console: _Console) -> Matchmaker:
    from .matchmaker import Matchmaker
    from .network import SupportNetwork

    with console.steps("fitting", 2) as step:
        step("building the network")
        net = SupportNetwork.from_population(pop, hub=True)
        step("fitting the matchmaker")
        return Matchmaker(random_state=seed).fit(net)


def _model(args: argparse.Namespace, console: _Console, firm_id: str | None = None
           ) -> tuple[Matchmaker, str]:
    """The saved model (``--model``) or one fitted on the registry (``--db``)."""
    from .matchmaker import Matchmaker

    if args.model is not None:
        with console.steps("loading the model", 1) as step:
            step(str(args.model))
            return Matchmaker.load(args.model), str(args.model)
    if firm_id is not None:  # an unknown firm fails before the fit, not after
        with _open_registry(args) as reg:
            reg.get_firm(firm_id)
    pop = _load_registry_population(args)
    return _fit(pop, seed=args.seed, console=console), str(args.db)


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (Hangul and other wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns (with an ellipsis) and padded to exactly that."""
    if _width(text) > width:
        out, used = [], 0
        for c in text:
            w = _width(c)
            if used + w > width - 1:
                break
            out.append(c)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - _width(text))


def _right(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns."""
    return " " * max(0, width - _width(text)) + text


# --- recommend ---------------------------------------------------------------------------
_HEAD = {
    "en": {"partners": "Partners", "programs": "Programs you are eligible for",
           "near_misses": "Near misses (one rule short)", "none": "(none)",
           "firm": "firm", "institute": "institute", "program": "program",
           "employees": "employees", "on": "on", "fails": "fails", "remedy": "remedy",
           "model": "model"},
    "ko": {"partners": "추천 협력 상대", "programs": "신청 가능한 지원사업",
           "near_misses": "조건 하나가 부족한 사업", "none": "(없음)",
           "firm": "기업", "institute": "기관", "program": "사업",
           "employees": "명", "on": "기준일", "fails": "미충족", "remedy": "보완",
           "model": "모델"},
}


def _target_name(mm: Matchmaker, rec: Recommendation, lang: str) -> str:
    if rec.kind == "firm":
        return str(mm.table_.names[mm.table_.position(rec.target)])
    entity: Any = (mm.institutes_ if rec.kind == "institute" else mm.programs_)[rec.target]
    return str(entity.name_ko if lang == "ko" else entity.name_en)


def _rec_json(mm: Matchmaker, rec: Recommendation, rank: int, lang: str) -> dict[str, Any]:
    return {"rank": rank, **rec.to_dict(), "name": _target_name(mm, rec, lang)}


def _firm_json(mm: Matchmaker, firm_id: str, lang: str) -> dict[str, Any]:
    firm = mm.table_[firm_id]
    return {
        "id": firm.id,
        "name": firm.name,
        "technologies": sorted(t.label(lang) for t in firm.technologies),
        "employees": firm.employees,
        "district": firm.district.label(lang),
        "certified": firm.certified,
        "small": firm.is_small,
    }


def _table(report: dict[str, Any], lang: str) -> str:
    h = _HEAD[lang]
    firm = report["firm"]
    size = (f"{firm['employees']}{h['employees']}" if lang == "ko"
            else f"{firm['employees']} {h['employees']}")
    title = (f"{firm['id']} {firm['name']} — {', '.join(firm['technologies'])}; {size}; "
             f"{firm['district']} — {h['on']} {report['on']}")
    lines = [title]

    def block(title: str, recs: list[dict[str, Any]], *, miss: bool = False) -> None:
        lines.append("")
        lines.append(title)
        if not recs:
            lines.append(f"  {h['none']}")
        for r in recs:
            kind = _cut(h[r["kind"]], 9)
            chance = (f" {r['probability']:7.2%}" if r.get("probability") is not None
                      else "")
            lines.append(f"  {r['rank']:>2}. {kind} {_cut(r['target'], 12)} "
                         f"{_cut(r['name'], 36)} {r['score']:8.3f}{chance}")
            lines.extend(f"        · {reason[lang]}" for reason in r["reasons"])
            if miss:
                remedy = r["remedy"][lang] if r["remedy"] else "-"
                lines.append(f"        {h['fails']}: {r['failed_rule']} → {h['remedy']}: {remedy}")

    block(h["partners"], report["partners"])
    block(h["programs"], report["programs"])
    block(h["near_misses"], report["near_misses"], miss=True)
    lines.append("")
    lines.append(f"{h['model']}: {report['model']['source']}")
    return "\n".join(lines)


def _cmd_recommend(args: argparse.Namespace, console: _Console) -> int:
    mm, source = _model(args, console, firm_id=None if args.model else args.firm_id)
    on = args.on or dt.date.today()
    lang = args.lang
    firm_id = args.firm_id
    partners = mm.recommend_partners(firm_id, args.k, kinds=args.kinds)
    programs = mm.recommend_programs(firm_id, args.k, on=on, near_misses=True)
    eligible = [r for r in programs if r.eligible]
    misses = [r for r in programs if not r.eligible]
    report = {
        "firm": _firm_json(mm, firm_id, lang),
        "on": on.isoformat(),
        "k": args.k,
        "lang": lang,
        "model": {"source": source, "weights": mm.weights_,
                  "program_weights": mm.program_weights_},
        "partners": [_rec_json(mm, r, n, lang) for n, r in enumerate(partners, 1)],
        "programs": [_rec_json(mm, r, n, lang) for n, r in enumerate(eligible, 1)],
        "near_misses": [_rec_json(mm, r, n, lang) for n, r in enumerate(misses, 1)],
    }
    if args.format == "json":
        console.result(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        console.result(_table(report, lang))
    return EXIT_OK


def _cmd_recommend_all(args: argparse.Namespace, console: _Console) -> int:
    import numpy as np

    from ._atomic import atomic_write
    from ._csv import csv_text

    mm, source = _model(args, console)
    with console.counter("ranking", "firm") as progress:
        ids, scores = mm.recommend_all(None, args.k, kinds=args.kinds, progress=progress)
    rows = np.flatnonzero(mm.table_.is_small)
    firm_ids = set(mm.firm_ids_.tolist())
    out: Path = args.out
    jsonl = out.suffix.lower() in (".jsonl", ".ndjson")
    lines, rows_out = [], []
    for q, r in enumerate(rows):
        firm = str(mm.firm_ids_[r])
        for rank, (target, score) in enumerate(zip(ids[q].tolist(), scores[q].tolist()), 1):
            if not target:
                continue
            kind = "firm" if target in firm_ids else "institute"
            if jsonl:
                lines.append(json.dumps({"firm": firm, "rank": rank, "target": target,
                                         "kind": kind, "score": round(float(score), 6)},
                                        ensure_ascii=False))
            else:
                rows_out.append([firm, rank, target, kind, round(float(score), 6)])
    text = ("".join(line + "\n" for line in lines) if jsonl
            else csv_text(["firm", "rank", "target", "kind", "score"], rows_out))
    _make_parent(out)
    with _writing(out):
        atomic_write(out, text.encode("utf-8"))
    console.info(f"wrote the top {args.k} partners of {len(rows):,} small firms to {out} "
                 f"(model: {source})")
    return EXIT_OK


# --- fit, generate, import, export, study ------------------------------------------------
def _cmd_fit(args: argparse.Namespace, console: _Console) -> int:
    pop = _load_registry_population(args)
    mm = _fit(pop, seed=args.seed, console=console)
    _make_parent(args.out)
    with _writing(args.out):
        path = mm.save(args.out)
    console.info(f"fitted on {len(mm.firm_ids_):,} firms ({int(mm.table_.is_small.sum()):,} "
                 f"small) from {args.db}; saved to {path}")
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace, console: _Console) -> int:
    from . import catalog, io, synth

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
                where = str(io.write_population(pop, args.out))
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

    from .entities import Participation
    from .io import _PARTICIPATION_COLUMNS, Problem, _Collector, _read_rows

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
    from . import io

    errors: Literal["raise", "collect"] = "collect" if args.all_errors else "raise"
    columns = args.unknown_columns
    if kind == "population":
        pop = io.load_population(path, errors=errors)
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
    from . import catalog
    from .store import Registry

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
    from . import io

    fmt = args.format
    if fmt is None and args.out.suffix.lower() not in (".graphml", ".gexf", ".json"):
        raise ValidationError(f"cannot tell the format of {args.out} from its extension: "
                              "pass --format graphml|gexf|json", field="format")
    with console.steps("export", 3) as step:
        step("reading the registry")
        pop = _load_registry_population(args)
        from .network import SupportNetwork

        step("building the network")
        net = SupportNetwork.from_population(pop, hub=not args.no_hub)
        step(f"writing {args.out}")
        _make_parent(args.out)
        with _writing(args.out):
            path = io.write_graph(net, args.out, format=fmt)
    g = net.graph
    console.info(f"wrote {g.number_of_nodes():,} nodes and {g.number_of_edges():,} edges "
                 f"({'with' if net.has_hub else 'without'} the hub) to {path}")
    return EXIT_OK


def _cmd_study(args: argparse.Namespace, console: _Console) -> int:
    import math

    from . import catalog, study, synth

    if args.db is not None:
        pop = _load_registry_population(args)
        source = str(args.db)
    else:
        pop = synth.generate_population(args.firms, seed=args.seed,
                                        catalog=catalog.busan_2024())
        source = f"{args.firms:,} synthetic firms, seed {args.seed}"
    kwargs: dict[str, Any] = {"seed": args.seed, "k": args.k, "progress": console.bars}
    if args.on is not None:
        kwargs["on"] = args.on
    result = study.run_study(pop, **kwargs)
    _make_parent(args.out / "report.md")
    with _writing(args.out):
        paths = result.write(args.out, lang=args.lang, figures=not args.no_figures,
                             progress=console.bars)

    def fmt(metric: str, x: float, sign: str = "") -> str:
        if math.isnan(x):
            return "-"
        return f"{x:{sign}.4f}" if metric == "oracle" else f"{100 * x:{sign}.1f}%"

    rows = result.key_table(lang=args.lang)
    width = max(_width(r["label"]) for r in rows)
    head = {"ko": ("지표", "센터 없음", "센터 있음", "변화"),
            "en": ("metric", "no hub", "with hub", "change")}[args.lang]
    lines = ["  ".join([_cut(head[0], width), *(_right(h, 10) for h in head[1:])])]
    lines += ["  ".join([_cut(r["label"], width), _right(fmt(r["metric"], r["without_hub"]), 10),
                         _right(fmt(r["metric"], r["with_hub"]), 10),
                         _right(fmt(r["metric"], r["change"], "+"), 10)]) for r in rows]
    console.result("\n".join(lines))
    figures = sum(1 for p in paths.values() if p.suffix == ".png")
    console.info(f"wrote {paths['html']} and {paths['markdown']} ({figures} figures) "
                 f"from {source}")
    return EXIT_OK


# --- the parser ------------------------------------------------------------------------------
class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    """The ``rootmatch`` argument parser (every subcommand).

    Examples
    --------
    >>> args = build_parser().parse_args(["recommend", "F000001", "--db", "center.db"])
    >>> args.command, args.firm_id, args.k, args.format
    ('recommend', 'F000001', 5, 'table')
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="rootmatch",
        description="Matchmaking for the Busan Root-Industry Comprehensive Support Center: "
                    "partners and eligible support programs for small root-industry firms.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rootmatch {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bars and no informational messages")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars and no informational messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=description, epilog=_EPILOG,
                           parents=[common], formatter_class=_Formatter)
        p.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                       help="how long to wait for another process's lock on the registry "
                            "(then exit 7)")
        return p

    p = command("generate", "a synthetic population into a registry or CSV files",
                "Generate a synthetic population of root firms (the same as "
                "rootmatch.synth.generate_population(N, seed=S) with the built-in Busan 2024 "
                "catalog) into a registry or a folder of files.")
    p.add_argument("--firms", type=_positive_int, required=True, metavar="N",
                   help="number of firms")
    p.add_argument("--seed", type=_seed, required=True, metavar="S", help="random seed")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="the registry (SQLite) to write")
    where.add_argument("--out", type=Path, metavar="DIR",
                       help="a folder for firms.csv, institutes.jsonl, programs.jsonl, ...")
    p.add_argument("--replace", action="store_true",
                   help="empty a registry that already holds firms")
    p.set_defaults(run=_cmd_generate)

    p = command("import", "firms (or other records) from a file into a registry",
                "Import a CSV or JSON-lines file into a registry, in one transaction: every row "
                "is checked first, and a refused file leaves the registry unchanged. A folder "
                "written by `rootmatch generate --out` imports as a whole population.")
    p.add_argument("file", type=Path, metavar="FILE", help="a .csv or .jsonl file, or a folder")
    p.add_argument("--db", type=Path, required=True, help="the registry (created if needed)")
    p.add_argument("--kind", choices=[*_KINDS, "institute-links"], default=None,
                   help="what the file holds (default: from its name; else firms)")
    p.add_argument("--catalog", choices=("busan-2024", "none"), default="busan-2024",
                   help="catalog to add first when the registry has no programs and no "
                        "institutes")
    p.add_argument("--all-errors", action="store_true",
                   help="check the whole file and list every problem, not only the first")
    p.add_argument("--unknown-columns", choices=("warn", "error", "ignore"), default="warn",
                   help="what to do with columns rootmatch does not know")
    p.set_defaults(run=_cmd_import)

    def model_source(p: argparse.ArgumentParser) -> None:
        src = p.add_mutually_exclusive_group(required=True)
        src.add_argument("--db", type=Path,
                         help="fit a model on this registry (seeded: always the same model)")
        src.add_argument("--model", type=Path, metavar="PATH",
                         help="use a model saved by `rootmatch fit`")
        p.add_argument("--seed", type=_seed, default=_SEED, metavar="S",
                       help="random state of a model fitted on --db")
        p.add_argument("--kinds", type=_partner_kinds, default=("firm", "institute"),
                       metavar="firm,institute", help="kinds of partner to recommend")

    p = command("recommend", "partners and programs for one firm, with reasons",
                "Recommend partners (firms, institutes) and the support programs a firm is "
                "eligible for on a date, with scores and reasons, and the programs it misses "
                "by one rule (with what would fix it). With --db a model is fitted on the "
                "registry each time (seeded: always the same answer); a model saved by "
                "`rootmatch fit` (--model) answers at once.")
    p.add_argument("firm_id", metavar="FIRM_ID", help="the firm's id, e.g. F000123")
    model_source(p)
    p.add_argument("--on", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="date of the eligibility check (default: today)")
    p.add_argument("--k", type=_k, default=5, metavar="K",
                   help="partners, programs and near misses to list (each)")
    p.add_argument("--lang", choices=("en", "ko"), default="en", help="language of reasons")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="a table for people or one JSON object")
    p.set_defaults(run=_cmd_recommend)

    p = command("recommend-all", "every small firm's top partners into a file",
                "The batch path: the top-K partners of every small firm (fewer than 10 "
                "employees), exact, into a CSV (firm,rank,target,kind,score) or JSON-lines file.")
    model_source(p)
    p.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="a .csv or .jsonl file (replaced atomically)")
    p.add_argument("--k", type=_k, default=10, metavar="K", help="partners per firm")
    p.set_defaults(run=_cmd_recommend_all, kinds=("firm",))

    p = command("fit", "fit a matchmaker on a registry and save it",
                "Fit a matchmaker on a registry's network (seeded: the same registry gives the "
                "same model) and save it for `rootmatch recommend --model`.")
    p.add_argument("--db", type=Path, required=True, help="the registry")
    p.add_argument("--out", type=Path, required=True, metavar="MODEL.npz",
                   help="the model file (replaced atomically)")
    p.add_argument("--seed", type=_seed, default=_SEED, metavar="S", help="random state")
    p.set_defaults(run=_cmd_fit)

    p = command("study", "the design-study report (hub vs no hub, gaps, allocation)",
                "Run the support-center design study on a registry or on a synthetic "
                "population and write report.md, a self-contained index.html and the figures.")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument("--db", type=Path, help="study this registry (no planted truth: the "
                                           "truth-based metrics are left blank)")
    p.add_argument("--firms", type=_positive_int, default=4400, metavar="N",
                   help="else: a synthetic population of N firms")
    p.add_argument("--seed", type=_seed, default=7, metavar="S",
                   help="seed of the synthetic population and of the study")
    p.add_argument("--on", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="the study date (default: the study's, 2024-06-01)")
    p.add_argument("--k", type=_k, default=10, metavar="K",
                   help="partners per small firm")
    p.add_argument("--lang", choices=("ko", "en"), default="ko",
                   help="language of the report and figures")
    p.add_argument("--no-figures", action="store_true", help="write the report without figures")
    p.set_defaults(run=_cmd_study)

    p = command("export", "the registry's network as GraphML, GEXF or node-link JSON",
                "Export the registry's support network (firms, institutes, programs and the "
                "hub) for Gephi, igraph or networkx.")
    p.add_argument("--db", type=Path, required=True, help="the registry")
    p.add_argument("--format", choices=("graphml", "gexf", "json"), default=None,
                   help="default: from the extension of --out")
    p.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="the file (replaced atomically)")
    p.add_argument("--no-hub", action="store_true",
                   help="the network before the center exists (no hub node)")
    p.set_defaults(run=_cmd_export)
    return parser


# --- entry point ---------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _file_error(err: OSError) -> str:
    what = err.strerror or _one_line(str(err)) or type(err).__name__
    name = err.filename if err.filename is not None else None
    return f"{name}: {what}" if name else what


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rootmatch`` command; returns the exit code (see the module docstring).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Examples
    --------
    >>> main(["--version"])
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    err = sys.stderr
    console = _Console(quiet=args.quiet, out=sys.stdout, err=err)

    def fail(code: int, message: str) -> int:
        print(f"rootmatch: error: {message}", file=err)
        return code

    def show_warning(message: Warning | str, *_: object, **__: object) -> None:
        print(f"rootmatch: warning: {_one_line(str(message))}", file=err)

    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        with warnings.catch_warnings():
            warnings.showwarning = show_warning
            return int(args.run(args, console))
    except ModelFormatError as e:
        return fail(EXIT_BAD_MODEL, _one_line(str(e)))
    except DataError as e:
        text = str(e)
        if args.command == "import" and len(getattr(e, "problems", ())) > 1:
            print(f"rootmatch: error: {text}", file=err)  # --all-errors: one problem a line
            return EXIT_BAD_DATA
        return fail(EXIT_BAD_DATA, _one_line(text))
    except UnknownEntityError as e:
        return fail(EXIT_UNKNOWN_ID, _one_line(str(e)))
    except RegistryLockedError as e:
        return fail(EXIT_LOCKED, _one_line(str(e)))
    except ValidationError as e:
        return fail(EXIT_USAGE, _one_line(str(e)))
    except FileNotFoundError as e:
        return fail(EXIT_MISSING_FILE, _file_error(e))
    except (IsADirectoryError, NotADirectoryError, PermissionError) as e:
        return fail(EXIT_MISSING_FILE, _file_error(e))
    except KeyboardInterrupt:
        print("rootmatch: interrupted", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `rootmatch recommend ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except OSError as e:  # a file in the way, a full disk, an I/O error: named, not a bug
        return fail(EXIT_MISSING_FILE, _file_error(e))
    except Exception:
        traceback.print_exc(file=err)
        print("rootmatch: unexpected error (a bug in rootmatch; please report it with the "
              "traceback above)", file=err)
        return EXIT_ERROR
