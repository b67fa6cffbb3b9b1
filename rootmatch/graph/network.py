"""``SupportNetwork``: firms, institutes, programs and the hub as one NetworkX graph, with the
sparse views the engine computes on.

The graph model
---------------
Node ids are typed strings — ``"hub"``, ``"firm:<id>"``, ``"inst:<id>"``, ``"prog:<id>"`` — and
every node has ``kind`` in ``{"hub", "firm", "institute", "program"}``. Every edge has a
``relation``:

=====================  ===============  ==================================================
edge                   relation         from
=====================  ===============  ==================================================
hub — institute        ``coordinates``  every institute (with a hub)
hub — program          ``brokers``      every program (with a hub)
hub — firm             ``enrolled``     the enrolled firms only
institute — program    ``operates``     :attr:`Program.operators`
firm — institute       ``member_of``    :attr:`Firm.memberships`
firm — institute       ``collaborates`` :attr:`Population.institute_links` (a member's link
                                        to its own cooperative stays ``member_of``)
firm — program         ``participated`` :attr:`Firm.participations`
firm — firm            ``collaborates`` :attr:`Population.collaborations`
=====================  ===============  ==================================================

The public API speaks entity ids; node ids exist only inside :attr:`SupportNetwork.graph`.

Sparse views
------------
The views are built straight from the :class:`~rootmatch.FirmTable` columns and the link arrays
(never by walking the graph), once, and cached until the next mutation. Firm rows are always
the rows of :attr:`SupportNetwork.firms`. The key identity: for firms ``i != j``,
``nx.resource_allocation_index`` of their nodes equals
``(B diag(w) Bᵀ)[i, j] + (C diag(dF) C)[i, j]`` with ``(B, _, w) = firm_incidence()``,
``C = collaboration_matrix()`` and ``dF = firm_degree_weights()``: resource allocation through
the few dozen non-firm nodes is a low-rank product, through partner firms a sparse one.
"""


from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from rootmatch.base._checks import SeedLike, check_rng
from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.domain.entities import Institute, SupportCenter
from rootmatch.domain.population import Population
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable
from rootmatch.graph._edges import _EdgeArrays
from rootmatch.graph._edits import _Edits
from rootmatch.graph._nodes import HUB, NODE_KINDS, RELATIONS, entity_of, node_id
from rootmatch.graph._views import _SparseViews

__all__ = ["HUB", "NODE_KINDS", "RELATIONS", "SupportNetwork", "entity_of", "node_id"]


def _as_pairs(values: Any) -> NDArray[np.str_]:
    arr = np.asarray(values if values is not None else np.empty((0, 2)), dtype=np.str_)
    if arr.size == 0:
        return np.empty((0, 2), dtype="<U1")
    return arr.reshape(-1, 2)


class SupportNetwork(_EdgeArrays, _SparseViews, _Edits):
    """The support network: firms, institutes, programs and (optionally) the hub.

    Build one with :meth:`from_population`. :attr:`graph` is a plain :class:`networkx.Graph`
    for analysis and export; the engine computes on the cached sparse views
    (:meth:`adjacency`, :meth:`firm_incidence`, :meth:`collaboration_matrix`, ...), whose firm
    rows are the rows of :attr:`firms`. The mutators (:meth:`add_firm`, :meth:`remove_firm`,
    :meth:`add_collaboration`, :meth:`remove_collaboration`) update the graph and drop every
    cached view.

    Attributes
    ----------
    graph : networkx.Graph
    population : Population
        The population the network was built from (not changed by the mutators).
    firms : FirmTable
        The current firms; its row order indexes every sparse view.
    institutes, programs : dict of id -> entity
    hub : SupportCenter or None
        ``None`` when there is no hub.
    enrolled : ndarray of bool, shape (n_firms,)
        Firms linked to the hub (all ``False`` without a hub).

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> firms = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="사상금형", technologies=["금형"], employees=7,
    ...             district="사상구", memberships=["BGMC"]),
    ...     rm.Firm(id="F2", name="녹산도금", technologies=["표면처리"], employees=30,
    ...             district="강서구", participations=[("BS24-02", "2023-03-02")])])
    >>> pop = rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
    ...                     collaborations=[("F1", "F2")], hub=cat.hub)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> n_other = 1 + len(cat.institutes) + len(cat.programs)   # hub, institutes, programs
    >>> net.graph.number_of_nodes() == n_other + 2, net.small_firms().tolist(), net.has_hub
    (True, ['F1'], True)
    >>> net.graph.edges["firm:F1", "inst:BGMC"]["relation"]
    'member_of'
    >>> B, nodes, w = net.firm_incidence()
    >>> B.shape == (2, n_other), nodes[0], net.collaboration_matrix().toarray().tolist()
    (True, 'hub', [[0.0, 1.0], [1.0, 0.0]])
    >>> "hub" in net.without_hub().graph
    False
    """

    graph: nx.Graph
    population: Population
    firms: FirmTable
    institutes: dict[str, Institute]
    programs: dict[str, Program]
    hub: SupportCenter | None
    enrolled: NDArray[np.bool_]

    def __init__(
        self,
        *,
        population: Population,
        firms: FirmTable,
        institutes: Mapping[str, Institute],
        programs: Mapping[str, Program],
        hub: SupportCenter | None,
        enrolled: NDArray[np.bool_],
        collaborations: Any = None,
        institute_links: Any = None,
        graph: nx.Graph | None = None,
    ) -> None:
        """Prefer :meth:`from_population`; this checks every link and builds the graph."""
        self.population = population
        self.firms = firms
        self.institutes = dict(institutes)
        self.programs = dict(programs)
        self.hub = hub
        enrolled = np.asarray(enrolled, dtype=bool).reshape(-1)
        if enrolled.shape != (len(firms),):
            raise ValidationError(
                f"enrolled has {enrolled.shape[0]} entries, expected one per firm "
                f"({len(firms)})", field="enrolled", value=enrolled.shape[0],
            )
        self.enrolled = enrolled if hub is not None else np.zeros(len(firms), bool)
        self.enrolled.setflags(write=False)
        self._cache: dict[str, Any] = {}
        self._check_programs()
        self._collab = self._check_collaborations(_as_pairs(collaborations))
        self._links = self._check_institute_links(_as_pairs(institute_links))
        self._check_firm_columns(self.firms)
        self.graph = self._build_graph() if graph is None else graph

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_population(
        cls,
        pop: Population,
        *,
        hub: bool = True,
        enrolment: float = 1.0,
        seed: SeedLike = None,
    ) -> SupportNetwork:
        """Build the network of a population.

        Parameters
        ----------
        pop : Population
        hub : bool, default=True
            Whether the support center exists. It links every institute and program, and the
            enrolled firms.
        enrolment : float in [0, 1], default=1.0
            Share of firms registered with the center: exactly ``round(enrolment * n)``
            firms (Python's rounding), chosen uniformly at random with ``seed``. Ignored
            without a hub.
        seed : None, int or numpy.random.Generator
            Seeds the choice of enrolled firms.

        Returns
        -------
        SupportNetwork

        Raises
        ------
        UnknownEntityError
            If a membership, participation, operator or link names an unknown id (the
            message names the firm or program and the id).
        ValidationError
            If ``enrolment`` is not in [0, 1] or a firm collaborates with itself.
        """
        if not isinstance(pop, Population):
            raise ValidationError(
                f"pop must be a rootmatch.Population, got {type(pop).__name__}", field="pop",
                value=type(pop).__name__,
            )
        ok = isinstance(enrolment, (int, float, np.floating, np.integer)) and not isinstance(
            enrolment, bool)
        if not ok or not 0.0 <= float(enrolment) <= 1.0:
            raise ValidationError(
                f"enrolment must be a share in [0, 1], got {enrolment!r}", field="enrolment",
                value=enrolment,
            )
        rng = check_rng(seed)
        n = len(pop.firms)
        enrolled = np.zeros(n, bool)
        if hub:
            k = round(float(enrolment) * n)
            if k == n:
                enrolled[:] = True
            elif k > 0:
                enrolled[rng.choice(n, size=k, replace=False)] = True
        return cls(
            population=pop,
            firms=pop.firms,
            institutes=pop.institutes,
            programs=pop.programs,
            hub=pop.hub if hub else None,
            enrolled=enrolled,
            collaborations=pop.collaborations,
            institute_links=pop.institute_links,
        )

    def without_hub(self) -> SupportNetwork:
        """The same network without the hub and its edges ("before the center exists")."""
        graph = self.graph.copy()
        if HUB in graph:
            graph.remove_node(HUB)
        return type(self)(
            population=self.population,
            firms=self.firms,
            institutes=self.institutes,
            programs=self.programs,
            hub=None,
            enrolled=np.zeros(len(self.firms), bool),
            collaborations=self._collab,
            institute_links=self._links,
            graph=graph,
        )

    # ---- checks ---------------------------------------------------------------------------
    def _check_programs(self) -> None:
        for pid in sorted(self.programs):
            unknown = sorted(set(self.programs[pid].operators) - set(self.institutes))
            if unknown:
                raise UnknownEntityError(
                    f"program {pid!r} is operated by unknown institute {unknown[0]!r}"
                )

    def _check_firm_columns(self, firms: FirmTable) -> None:
        """Memberships and participations must name known institutes and programs."""
        for what, vocab, codes, indptr, known in (
            ("is a member of unknown institute", firms.membership_vocab, firms.mem_codes,
             firms.mem_indptr, self.institutes),
            ("participated in unknown program", firms.program_vocab, firms.part_program,
             firms.part_indptr, self.programs),
        ):
            bad_codes = [c for c, v in enumerate(vocab) if v not in known]
            if not bad_codes or codes.size == 0:
                continue
            bad = np.isin(codes, bad_codes)
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                row = int(np.searchsorted(indptr, pos, side="right") - 1)
                raise UnknownEntityError(
                    f"firm {str(firms.ids[row])!r} {what} {vocab[int(codes[pos])]!r}"
                )

    def _unknown_firms(self, ids: NDArray[np.str_]) -> NDArray[np.bool_]:
        return ~np.isin(ids, self.firms.ids)

    def _check_collaborations(self, pairs: NDArray[np.str_]) -> NDArray[np.str_]:
        if pairs.shape[0] == 0:
            return np.empty((0, 2), dtype=self.firms.ids.dtype)
        unknown = self._unknown_firms(pairs)
        if unknown.any():
            a, b = pairs[np.flatnonzero(unknown.any(axis=1))[0]].tolist()
            bad = a if a not in self.firms else b
            raise UnknownEntityError(
                f"collaboration ({a!r}, {b!r}) names unknown firm {bad!r}"
            )
        same = pairs[:, 0] == pairs[:, 1]
        if same.any():
            firm = str(pairs[np.flatnonzero(same)[0], 0])
            raise ValidationError(f"firm {firm!r} collaborates with itself",
                                  field="collaborations", value=firm)
        canon = np.sort(pairs, axis=1)
        out = np.unique(canon, axis=0)
        out.setflags(write=False)
        return out

    def _check_institute_links(self, pairs: NDArray[np.str_]) -> NDArray[np.str_]:
        if pairs.shape[0] == 0:
            return np.empty((0, 2), dtype="<U1")
        unknown = self._unknown_firms(pairs[:, 0])
        if unknown.any():
            a, b = pairs[np.flatnonzero(unknown)[0]].tolist()
            raise UnknownEntityError(f"institute link ({a!r}, {b!r}) names unknown firm {a!r}")
        bad = ~np.isin(pairs[:, 1], np.asarray(list(self.institutes), dtype=np.str_))
        if bad.any():
            a, b = pairs[np.flatnonzero(bad)[0]].tolist()
            raise UnknownEntityError(f"firm {a!r} collaborates with unknown institute {b!r}")
        out = np.unique(pairs, axis=0)
        out.setflags(write=False)
        return out

    # ---- accessors ----------------------------------------------------------------------
    @property
    def has_hub(self) -> bool:
        """Whether the network has the hub."""
        return self.hub is not None

    def __len__(self) -> int:
        return len(self.firms)

    def __repr__(self) -> str:
        return (
            f"<SupportNetwork: {len(self.firms)} firms ({int(self.enrolled.sum())} enrolled), "
            f"{len(self.institutes)} institutes, {len(self.programs)} programs, "
            f"{'with' if self.has_hub else 'without'} hub>"
        )

    def firm_ids(self) -> NDArray[np.str_]:
        """Ids of all firms, in row order."""
        return self.firms.ids

    def small_firms(self) -> NDArray[np.str_]:
        """Ids of the small firms (fewer than 10 employees), in row order."""
        return self.firms.ids[self.firms.is_small]

    def institute_ids(self) -> list[str]:
        """Institute ids, sorted (the column order of :meth:`institute_links`)."""
        return sorted(self.institutes)

    def program_ids(self) -> list[str]:
        """Program ids, sorted (the column order of :meth:`participation_matrix`)."""
        return sorted(self.programs)

    def collaborations(self) -> NDArray[np.str_]:
        """The current firm–firm collaborations, shape (m, 2), each pair once, sorted."""
        return self._collab.copy()

    def institute_collaborations(self) -> NDArray[np.str_]:
        """The current firm–institute collaborations as (firm id, institute id), sorted."""
        return self._links.copy()

    def nonfirm_nodes(self) -> tuple[str, ...]:
        """Node ids of the hub (if any), the institutes and the programs, in that order."""
        return (
            ((HUB,) if self.has_hub else ())
            + tuple(node_id("institute", i) for i in self.institute_ids())
            + tuple(node_id("program", p) for p in self.program_ids())
        )

    def firm_nodes(self) -> list[str]:
        """Node ids of the firms, in row order."""
        return np.char.add("firm:", self.firms.ids.astype(np.str_)).tolist()
