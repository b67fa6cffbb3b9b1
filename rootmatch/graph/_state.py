"""What every part of a support network holds: the graph, the entities, enrolment and the
cached views (the parts of :class:`~rootmatch.graph.network.SupportNetwork` share it)."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from rootmatch.domain.entities import Institute, SupportCenter
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable

__all__: list[str] = []


class _NetworkState:
    """The attributes a support network's parts read and write."""

    graph: nx.Graph
    firms: FirmTable
    institutes: dict[str, Institute]
    programs: dict[str, Program]
    hub: SupportCenter | None
    enrolled: NDArray[np.bool_]
    _cache: dict[str, Any]
    _collab: NDArray[np.str_]
    _links: NDArray[np.str_]
