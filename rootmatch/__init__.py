"""rootmatch: matchmaking for the Busan Root-Industry Comprehensive Support Center.

It links firms, institutes and support programs in a hub network and recommends to small
root-industry firms the partners worth working with and the programs they are eligible for,
ranked, scored and explained.
"""

from __future__ import annotations

from rootmatch.base.exceptions import (
    DataError,
    ModelFormatError,
    NotFittedError,
    RegistryFileError,
    RegistryLockedError,
    RootmatchError,
    UnknownEntityError,
    UnknownLabelError,
    ValidationError,
)
from rootmatch.domain import catalog, rules, taxonomy
from rootmatch.domain.catalog import Catalog
from rootmatch.domain.entities import Firm, Institute, Participation, SupportCenter
from rootmatch.domain.population import Population
from rootmatch.domain.program import Program
from rootmatch.domain.rules import EligibilityResult, Reason, check_eligibility
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import (
    District,
    Funding,
    InstituteKind,
    Material,
    RootTechnology,
    SupportAxis,
    TechGroup,
    Topic,
)

__version__ = "0.1.0"

# Heavier parts load on first use, so ``import rootmatch`` stays light (no matplotlib, no
# numba, no SQLite) and every public name is still one attribute away. The module names are
# those of the first, flat layout; each maps to its home in the layers (ARCHITECTURE.md).
_LAZY_MODULES = {
    "allocate": "rootmatch.analysis.allocate",
    "evaluate": "rootmatch.analysis.evaluate",
    "features": "rootmatch.engine.features",
    "index": "rootmatch.engine.index",
    "io": "rootmatch.io",
    "matchmaker": "rootmatch.engine.matchmaker",
    "network": "rootmatch.graph.network",
    "proximity": "rootmatch.graph.proximity",
    "store": "rootmatch.io.store",
    "study": "rootmatch.analysis.study",
    "synth": "rootmatch.synth",
    "testing": "rootmatch.analysis.testing",
}
_LAZY_NAMES = {
    "SupportNetwork": "rootmatch.graph.network",
    "Matchmaker": "rootmatch.engine.matchmaker",
    "Recommendation": "rootmatch.engine.recommendation",
    "SimilarityIndex": "rootmatch.engine.index",
    "FirmVectorizer": "rootmatch.engine.features",
}

__all__ = [
    "Catalog",
    "DataError",
    "District",
    "EligibilityResult",
    "Firm",
    "FirmTable",
    "FirmVectorizer",
    "Funding",
    "Institute",
    "InstituteKind",
    "Matchmaker",
    "Material",
    "ModelFormatError",
    "NotFittedError",
    "Participation",
    "Population",
    "Program",
    "Reason",
    "Recommendation",
    "RegistryFileError",
    "RegistryLockedError",
    "RootTechnology",
    "RootmatchError",
    "SimilarityIndex",
    "SupportAxis",
    "SupportCenter",
    "SupportNetwork",
    "TechGroup",
    "Topic",
    "UnknownEntityError",
    "UnknownLabelError",
    "ValidationError",
    "__version__",
    "allocate",
    "catalog",
    "check_eligibility",
    "evaluate",
    "features",
    "index",
    "io",
    "matchmaker",
    "network",
    "proximity",
    "rules",
    "store",
    "study",
    "synth",
    "taxonomy",
    "testing",
]


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
