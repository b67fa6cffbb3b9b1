"""The ``rootmatch`` argument parser and its argument types."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
from pathlib import Path

from rootmatch.base._checks import MAX_K, parse_date
from rootmatch.base.exceptions import ValidationError
from rootmatch.cli._codes import _EPILOG
from rootmatch.cli._data import _KINDS, _cmd_export, _cmd_generate, _cmd_import
from rootmatch.cli._model import _SEED, _cmd_fit, _cmd_recommend, _cmd_recommend_all
from rootmatch.cli._study import _cmd_study

__all__ = [
    "_Formatter",
    "_date",
    "_k",
    "_partner_kinds",
    "_positive_int",
    "_seconds",
    "_seed",
    "_share",
    "build_parser",
]


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
    __version__ = importlib.metadata.version("rootmatch")  # the installed distribution's
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
