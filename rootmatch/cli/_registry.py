"""Opening the registry a command names, and its population."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rootmatch.base.exceptions import DataError

if TYPE_CHECKING:
    from rootmatch.domain.population import Population
    from rootmatch.io.store import Registry


__all__ = ["_load_registry_population", "_open_registry"]


def _open_registry(args: argparse.Namespace, *, write: bool = False) -> Registry:
    """Open ``args.db``: read-only (``mode=ro``: never created nor written), or for writing
    (created when it does not exist) when ``write``; waits ``args.timeout`` for a lock."""
    from rootmatch.io.store import Registry

    path: Path = args.db
    if not write and not path.exists() and not path.is_symlink():
        raise FileNotFoundError(2, "no registry at this path (create one with `rootmatch "
                                   "generate` or `rootmatch import`)", str(path))
    return Registry(path, timeout=args.timeout, read_only=not write)


def _load_registry_population(args: argparse.Namespace) -> Population:
    path = args.db
    with _open_registry(args) as reg:
        if reg.counts()["firms"] == 0:
            raise DataError(f"{path}: the registry holds no firms (add some with "
                            "`rootmatch import` or `rootmatch generate`)")
        return reg.load_population()
