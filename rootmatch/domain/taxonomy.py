"""The domain vocabulary: root technologies, support axes, topics, materials, districts.

Every member carries a Korean and an English label, and every enum parses the member, its
name, or either label, ignoring case and white space. Each member's ``value`` is its bit
position in the masks of :class:`rootmatch.FirmTable`.

The value-chain **complementarity** matrix between the 14 technologies lives here too; see
:func:`complementarity_matrix`.
"""

from __future__ import annotations

from rootmatch.base.exceptions import UnknownLabelError as UnknownLabelError
from rootmatch.domain._complementarity import _DIRECTED as _DIRECTED
from rootmatch.domain._complementarity import _SYMMETRIC as _SYMMETRIC
from rootmatch.domain._complementarity import (
    COMPLEMENTARITY,
    complementarity_matrix,
    complementarity_reason,
)
from rootmatch.domain._complementarity import T as T
from rootmatch.domain._complementarity import _build_matrices as _build_matrices
from rootmatch.domain._vocabulary import _LOOKUPS as _LOOKUPS
from rootmatch.domain._vocabulary import (
    District,
    Funding,
    InstituteKind,
    LabelledEnum,
    Material,
    RootTechnology,
    SupportAxis,
    TechGroup,
    Topic,
    mask_of,
    members_of,
)
from rootmatch.domain._vocabulary import E as E
from rootmatch.domain._vocabulary import _build_lookup as _build_lookup
from rootmatch.domain._vocabulary import _members_of as _members_of
from rootmatch.domain._vocabulary import _norm as _norm
from rootmatch.domain._vocabulary import _split as _split

__all__ = [
    "COMPLEMENTARITY",
    "District",
    "Funding",
    "InstituteKind",
    "LabelledEnum",
    "Material",
    "RootTechnology",
    "SupportAxis",
    "TechGroup",
    "Topic",
    "complementarity_matrix",
    "complementarity_reason",
    "mask_of",
    "members_of",
]
