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

import itertools
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from rootmatch._validation import SeedLike, check_rng
from rootmatch.entities import Firm, Institute, Population, Program, SupportCenter
from rootmatch.exceptions import UnknownEntityError, ValidationError
from rootmatch.table import SCALAR_COLUMNS, FirmTable
from rootmatch.taxonomy import District, RootTechnology

__all__ = [
    "HUB",
    "NODE_KINDS",
    "RELATIONS",
    "SupportNetwork",
    "entity_of",
    "node_id",
]

HUB = "hub"
#: Node kinds.
NODE_KINDS = frozenset({"hub", "firm", "institute", "program"})
#: Edge relations.
RELATIONS = frozenset(
    {"coordinates", "brokers", "enrolled", "operates", "member_of", "collaborates",
     "participated"}
)
_PREFIX = {"firm": "firm:", "institute": "inst:", "program": "prog:"}
_KIND_OF_PREFIX = {v: k for k, v in _PREFIX.items()}


def node_id(kind: str, entity_id: str) -> str:
    """The graph node id of an entity.

    Examples
    --------
    >>> node_id("firm", "F000123"), node_id("institute", "BMC"), node_id("hub", "hub")
    ('firm:F000123', 'inst:BMC', 'hub')
    """
    if kind == "hub":
        return HUB
    try:
        return _PREFIX[kind] + entity_id
    except KeyError:
        raise ValidationError(
            f"kind must be one of {sorted(NODE_KINDS)}, got {kind!r}", field="kind", value=kind
        ) from None


def entity_of(node: str) -> tuple[str, str]:
    """The ``(kind, entity id)`` of a graph node id.

    Examples
    --------
    >>> entity_of("prog:BS24-05"), entity_of("hub")
    (('program', 'BS24-05'), ('hub', 'hub'))
    """
    if node == HUB:
        return "hub", HUB
    prefix, sep, rest = str(node).partition(":")
    kind = _KIND_OF_PREFIX.get(prefix + sep)
    if kind is None or not rest:
        raise ValidationError(f"not a node id of a SupportNetwork: {node!r}", field="node",
                              value=node)
    return kind, rest


def _canonical_csr(M: Any, shape: tuple[int, int]) -> sp.csr_array:
    out = sp.csr_array(M, shape=shape, dtype=np.float64)
    out.sum_duplicates()
    out.data[:] = 1.0  # incidence stays 0/1 however often a link is listed
    out.sort_indices()
    return out


def _incidence(rows: NDArray[np.intp], cols: NDArray[np.intp], shape: tuple[int, int]
               ) -> sp.csr_array:
    data = np.ones(rows.size, np.float64)
    return _canonical_csr(sp.coo_array((data, (rows, cols)), shape=shape), shape)


def _inverse(values: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.zeros(values.shape, np.float64)
    nz = values != 0
    out[nz] = 1.0 / values[nz]
    return out


def _append_firm(table: FirmTable, firm: Firm) -> FirmTable:
    """``table`` with ``firm`` as a new last row (vocabularies extended, old codes kept)."""
    one = FirmTable.from_firms([firm])

    def merge(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[tuple[str, ...], Any]:
        where = {v: i for i, v in enumerate(old)}
        vocab = list(old) + [v for v in new if v not in where]
        where = {v: i for i, v in enumerate(vocab)}
        return tuple(vocab), np.array([where[v] for v in new] or [0], np.int64)

    cluster_vocab, cluster_map = merge(table.cluster_vocab, one.cluster_vocab)
    mem_vocab, mem_map = merge(table.membership_vocab, one.membership_vocab)
    prog_vocab, prog_map = merge(table.program_vocab, one.program_vocab)
    cols = {
        name: np.concatenate([getattr(table, name), getattr(one, name)])
        for name in SCALAR_COLUMNS if name != "cluster"
    }
    cols["cluster"] = np.concatenate([table.cluster, cluster_map[one.cluster]])
    return FirmTable.from_columns(
        **cols,
        cluster_vocab=cluster_vocab,
        membership_vocab=mem_vocab,
        mem_indptr=np.concatenate([table.mem_indptr, table.mem_indptr[-1] + one.mem_indptr[1:]]),
        mem_codes=np.concatenate([table.mem_codes, mem_map[one.mem_codes]]),
        program_vocab=prog_vocab,
        part_indptr=np.concatenate(
            [table.part_indptr, table.part_indptr[-1] + one.part_indptr[1:]]
        ),
        part_program=np.concatenate([table.part_program, prog_map[one.part_program]]),
        part_on=np.concatenate([table.part_on, one.part_on]),
        validate=False,
    )


_DISTRICT_EN = np.array([d.label_en for d in District])
_DISTRICT_KO = np.array([d.label_ko for d in District])


def _firm_node_attrs(firms: FirmTable) -> list[dict[str, Any]]:
    """Node attributes of every firm row (scalars only, so every exporter can write them)."""
    masks, inverse = np.unique(firms.tech_mask, return_inverse=True)
    tech_text = np.array(
        [";".join(t.name for t in RootTechnology if int(m) >> t.value & 1) for m in masks]
        or [""]
    )
    columns = {
        "id": firms.ids.tolist(),
        "label_ko": firms.names.tolist(),
        "label_en": firms.names.tolist(),
        "employees": firms.employees.tolist(),
        "small": firms.is_small.tolist(),
        "district": _DISTRICT_EN[firms.district].tolist(),
        "district_ko": _DISTRICT_KO[firms.district].tolist(),
        "technologies": tech_text[inverse.reshape(-1)].tolist() if len(firms) else [],
        "digital_level": firms.digital_level.tolist(),
        "cluster": np.asarray(firms.cluster_vocab, dtype=object)[firms.cluster].tolist(),
    }
    keys = ["kind", *columns]
    return [
        dict(zip(keys, values, strict=True))
        for values in zip(itertools.repeat("firm"), *columns.values())
    ]


def _institute_attrs(inst: Institute) -> dict[str, Any]:
    return {
        "kind": "institute", "id": inst.id, "label_ko": inst.name_ko, "label_en": inst.name_en,
        "institute_kind": inst.kind.label_en,
        "district": inst.district.label_en if inst.district is not None else "",
        "district_ko": inst.district.label_ko if inst.district is not None else "",
        "expertise": ";".join(t.name for t in sorted(inst.expertise, key=lambda t: t.value)),
    }


def _program_attrs(prog: Program) -> dict[str, Any]:
    return {
        "kind": "program", "id": prog.id, "label_ko": prog.name_ko, "label_en": prog.name_en,
        "axis": prog.axis.label_en, "start": prog.start.isoformat(),
        "end": prog.end.isoformat(), "funding": prog.funding.label_en,
        "capacity": -1 if prog.capacity is None else int(prog.capacity),
    }


def _hub_attrs(hub: SupportCenter) -> dict[str, Any]:
    return {"kind": "hub", "id": hub.id, "label_ko": hub.name_ko, "label_en": hub.name_en}


def _as_pairs(values: Any) -> NDArray[np.str_]:
    arr = np.asarray(values if values is not None else np.empty((0, 2)), dtype=np.str_)
    if arr.size == 0:
        return np.empty((0, 2), dtype="<U1")
    return arr.reshape(-1, 2)


class SupportNetwork:
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

    # ---- edges as index arrays (the one source of the graph and of every view) ------------
    def _edges(self) -> dict[str, Any]:
        """Every edge as index arrays: firm rows, institute and program columns."""
        if "edges" in self._cache:
            return self._cache["edges"]
        firms = self.firms
        n = len(firms)
        inst = self.institute_ids()
        progs = self.program_ids()
        inst_pos = {v: i for i, v in enumerate(inst)}
        prog_pos = {v: i for i, v in enumerate(progs)}
        mem_map = np.array([inst_pos.get(v, -1) for v in firms.membership_vocab] or [-1])
        part_map = np.array([prog_pos.get(v, -1) for v in firms.program_vocab] or [-1])
        mem_rows = np.repeat(np.arange(n), np.diff(firms.mem_indptr))
        mem_cols = mem_map[firms.mem_codes] if firms.mem_codes.size else mem_rows[:0]
        part_rows = np.repeat(np.arange(n), np.diff(firms.part_indptr))
        part_cols = part_map[firms.part_program] if firms.part_program.size else part_rows[:0]
        if part_rows.size:  # a firm may join a program twice: one edge
            key = np.unique(part_rows.astype(np.int64) * max(len(progs), 1) + part_cols)
            part_rows, part_cols = key // max(len(progs), 1), key % max(len(progs), 1)
        if mem_rows.size:
            key = np.unique(mem_rows.astype(np.int64) * max(len(inst), 1) + mem_cols)
            mem_rows, mem_cols = key // max(len(inst), 1), key % max(len(inst), 1)
        link_rows = firms.positions(self._links[:, 0]) if self._links.size else mem_rows[:0]
        link_cols = (
            np.searchsorted(np.asarray(inst, dtype=np.str_), self._links[:, 1])
            if self._links.size else mem_rows[:0]
        )
        if link_rows.size:  # a member's link to its own institute stays member_of
            is_member = np.isin(
                link_rows.astype(np.int64) * max(len(inst), 1) + link_cols,
                mem_rows.astype(np.int64) * max(len(inst), 1) + mem_cols,
            )
            link_rows, link_cols = link_rows[~is_member], link_cols[~is_member]
        if self._collab.size:
            ca, cb = firms.positions(self._collab[:, 0]), firms.positions(self._collab[:, 1])
        else:
            ca = cb = np.zeros(0, np.intp)
        op_inst, op_prog = [], []
        for j, pid in enumerate(progs):
            for iid in sorted(self.programs[pid].operators):
                op_inst.append(inst_pos[iid])
                op_prog.append(j)
        out = {
            "n": n, "institutes": inst, "programs": progs,
            "enrolled": np.flatnonzero(self.enrolled),
            "member_of": (mem_rows.astype(np.intp), mem_cols.astype(np.intp)),
            "collaborates_inst": (link_rows.astype(np.intp), link_cols.astype(np.intp)),
            "participated": (part_rows.astype(np.intp), part_cols.astype(np.intp)),
            "collaborates": (ca.astype(np.intp), cb.astype(np.intp)),
            "operates": (np.asarray(op_inst, np.intp), np.asarray(op_prog, np.intp)),
        }
        self._cache["edges"] = out
        return out

    def _build_graph(self) -> nx.Graph:
        e = self._edges()
        inst_nodes = np.char.add("inst:", np.asarray(e["institutes"] or [""], np.str_))
        prog_nodes = np.char.add("prog:", np.asarray(e["programs"] or [""], np.str_))
        firm_nodes = np.char.add("firm:", self.firms.ids.astype(np.str_)) if e["n"] else \
            np.zeros(0, np.str_)
        G = nx.Graph()
        if self.hub is not None:
            G.add_node(HUB, **_hub_attrs(self.hub))
        G.add_nodes_from(
            (node_id("institute", i), _institute_attrs(self.institutes[i]))
            for i in e["institutes"]
        )
        G.add_nodes_from(
            (node_id("program", p), _program_attrs(self.programs[p])) for p in e["programs"]
        )
        G.add_nodes_from(zip(firm_nodes.tolist(), _firm_node_attrs(self.firms), strict=True))

        def add(a: NDArray[np.str_], b: NDArray[np.str_], relation: str) -> None:
            G.add_edges_from(
                zip(a.tolist(), b.tolist(), itertools.repeat({"relation": relation}))
            )

        if self.hub is not None:
            hub_col = np.full(1, HUB)
            if e["institutes"]:
                add(np.repeat(hub_col, len(inst_nodes)), inst_nodes, "coordinates")
            if e["programs"]:
                add(np.repeat(hub_col, len(prog_nodes)), prog_nodes, "brokers")
            add(np.repeat(hub_col, e["enrolled"].size), firm_nodes[e["enrolled"]], "enrolled")
        oi, op = e["operates"]
        add(inst_nodes[oi], prog_nodes[op], "operates")
        r, c = e["member_of"]
        add(firm_nodes[r], inst_nodes[c], "member_of")
        r, c = e["collaborates_inst"]
        add(firm_nodes[r], inst_nodes[c], "collaborates")
        r, c = e["participated"]
        add(firm_nodes[r], prog_nodes[c], "participated")
        a, b = e["collaborates"]
        add(firm_nodes[a], firm_nodes[b], "collaborates")
        return G

    # ---- sparse views -------------------------------------------------------------------
    def firm_incidence(self) -> tuple[sp.csr_array, tuple[str, ...], NDArray[np.float64]]:
        """The firm × non-firm incidence and the non-firm degree weights.

        Returns
        -------
        B : scipy.sparse.csr_array, shape (n_firms, m)
            0/1; column order as ``nodes``: the hub (if any), then the institutes, then the
            programs, each sorted by id.
        nodes : tuple of str
            Node ids of the m non-firm nodes.
        w : ndarray of float64, shape (m,)
            ``1 / degree`` of each non-firm node in the full graph (0 if isolated).

        Examples
        --------
        >>> import rootmatch as rm
        >>> cat = rm.catalog.busan_2024()
        >>> pop = rm.Population(firms=rm.FirmTable.from_firms([rm.Firm(
        ...     id="F1", name="A", technologies=["금형"], employees=3, district="사하구")]),
        ...     institutes=cat.institutes, programs=cat.programs)
        >>> B, nodes, w = rm.SupportNetwork.from_population(pop).firm_incidence()
        >>> B.toarray()[0, :2].tolist(), nodes[:2]
        ([1.0, 0.0], ('hub', 'inst:BAPIC'))
        >>> float(w[0]) == 1 / (len(cat.institutes) + len(cat.programs) + 1)  # the hub's
        True
        """
        if "incidence" not in self._cache:
            e = self._edges()
            n, n_inst, n_prog = e["n"], len(e["institutes"]), len(e["programs"])
            h = int(self.has_hub)
            m = h + n_inst + n_prog
            rows = [e["enrolled"], e["member_of"][0], e["collaborates_inst"][0],
                    e["participated"][0]]
            cols = [np.zeros(e["enrolled"].size, np.intp), h + e["member_of"][1],
                    h + e["collaborates_inst"][1], h + n_inst + e["participated"][1]]
            B = _incidence(np.concatenate(rows), np.concatenate(cols), (n, m))
            oi, op = e["operates"]
            z_deg = np.asarray(B.sum(axis=0), dtype=np.float64).reshape(-1)
            z_deg[h: h + n_inst] += np.bincount(oi, minlength=n_inst) + h
            z_deg[h + n_inst:] += np.bincount(op, minlength=n_prog) + h
            if h:
                z_deg[0] += n_inst + n_prog
            self._cache["incidence"] = (B, self.nonfirm_nodes(), _inverse(z_deg))
        return self._cache["incidence"]

    def collaboration_matrix(self) -> sp.csr_array:
        """Firm × firm observed collaborations: symmetric, 0/1, shape (n_firms, n_firms)."""
        if "collaboration" not in self._cache:
            e = self._edges()
            a, b = e["collaborates"]
            n = e["n"]
            self._cache["collaboration"] = _incidence(
                np.concatenate([a, b]), np.concatenate([b, a]), (n, n)
            )
        return self._cache["collaboration"]

    def firm_degree_weights(self) -> NDArray[np.float64]:
        """``1 / degree`` of every firm node in the full graph (0 if isolated), row order."""
        if "firm_weights" not in self._cache:
            B, _, _ = self.firm_incidence()
            C = self.collaboration_matrix()
            deg = np.diff(B.indptr).astype(np.float64) + np.diff(C.indptr)
            self._cache["firm_weights"] = _inverse(deg)
        return self._cache["firm_weights"]

    def institute_links(self) -> sp.csr_array:
        """Firm × institute edges of any relation (0/1), columns in :meth:`institute_ids`
        order."""
        if "institute_links" not in self._cache:
            B, _, _ = self.firm_incidence()
            h = int(self.has_hub)
            self._cache["institute_links"] = sp.csr_array(B[:, h: h + len(self.institutes)])
        return self._cache["institute_links"]

    def participation_matrix(self) -> sp.csr_array:
        """Firm × program participations (0/1), columns in :meth:`program_ids` order."""
        if "participation" not in self._cache:
            B, _, _ = self.firm_incidence()
            lo = int(self.has_hub) + len(self.institutes)
            self._cache["participation"] = sp.csr_array(B[:, lo:])
        return self._cache["participation"]

    def adjacency(self) -> tuple[sp.csr_array, list[str]]:
        """The adjacency of the whole graph and its node order.

        Returns
        -------
        A : scipy.sparse.csr_array, shape (N, N)
            Symmetric, 0/1, float64.
        nodes : list of str
            :meth:`nonfirm_nodes` then :meth:`firm_nodes` (firms in row order).
        """
        if "adjacency" not in self._cache:
            e = self._edges()
            B, nonfirm, _ = self.firm_incidence()
            C = self.collaboration_matrix()
            h, n_inst = int(self.has_hub), len(e["institutes"])
            m = len(nonfirm)
            oi, op = e["operates"]
            zr = [oi + h]
            zc = [op + h + n_inst]
            if h:
                zr.append(np.zeros(m - 1, np.intp))
                zc.append(np.arange(1, m))
            zr_all, zc_all = np.concatenate(zr), np.concatenate(zc)
            Z = _incidence(np.concatenate([zr_all, zc_all]), np.concatenate([zc_all, zr_all]),
                           (m, m))
            A = sp.block_array([[Z, B.T], [B, C]], format="csr", dtype=np.float64)
            A = _canonical_csr(A, A.shape)
            self._cache["adjacency"] = (A, list(nonfirm) + self.firm_nodes())
        A, nodes = self._cache["adjacency"]
        return A, list(nodes)

    # ---- mutation -------------------------------------------------------------------------
    def _invalidate(self) -> None:
        self._cache.clear()

    def add_firm(self, firm: Firm, *, enrolled: bool = True) -> None:
        """Add a firm with its memberships and participations (and its hub link if
        ``enrolled`` and the network has a hub).

        Raises
        ------
        ValidationError
            If the id is already in the network.
        UnknownEntityError
            If a membership or participation names an unknown institute or program.
        """
        if not isinstance(firm, Firm):
            raise ValidationError(f"expected a rootmatch.Firm, got {type(firm).__name__}",
                                  field="firm", value=type(firm).__name__)
        if firm.id in self.firms:
            raise ValidationError(f"firm {firm.id!r} is already in the network", field="id",
                                  value=firm.id)
        one = FirmTable.from_firms([firm])
        self._check_firm_columns(one)
        linked = bool(enrolled) and self.has_hub
        self._invalidate()
        self.firms = _append_firm(self.firms, firm)
        enrolled_arr = np.append(self.enrolled, linked)
        enrolled_arr.setflags(write=False)
        self.enrolled = enrolled_arr
        node = node_id("firm", firm.id)
        self.graph.add_node(node, **_firm_node_attrs(one)[0])
        if linked:
            self.graph.add_edge(HUB, node, relation="enrolled")
        for iid in sorted(firm.memberships):
            self.graph.add_edge(node, node_id("institute", iid), relation="member_of")
        for pid in sorted({p.program_id for p in firm.participations}):
            self.graph.add_edge(node, node_id("program", pid), relation="participated")

    def remove_firm(self, firm_id: str) -> None:
        """Remove a firm, its node and every link it has.

        Raises
        ------
        UnknownEntityError
            If the firm is not in the network.
        """
        row = self.firms.position(firm_id)
        self._invalidate()
        keep = np.ones(len(self.firms), bool)
        keep[row] = False
        self.firms = self.firms.take(keep)
        enrolled = self.enrolled[keep]
        enrolled.setflags(write=False)
        self.enrolled = enrolled
        if self._collab.size:
            self._collab = self._collab[(self._collab != firm_id).all(axis=1)]
        if self._links.size:
            self._links = self._links[self._links[:, 0] != firm_id]
        self.graph.remove_node(node_id("firm", firm_id))

    def _resolve(self, a: str, b: str, kind: str | None) -> str:
        if a not in self.firms:
            raise UnknownEntityError(f"unknown firm id {a!r}")
        if kind not in (None, "firm", "institute"):
            raise ValidationError(f"kind must be 'firm', 'institute' or None, got {kind!r}",
                                  field="kind", value=kind)
        is_firm = kind in (None, "firm") and b in self.firms
        is_inst = kind in (None, "institute") and b in self.institutes
        if is_firm and is_inst:
            raise ValidationError(
                f"{b!r} is both a firm and an institute id: pass kind='firm' or "
                f"kind='institute'", field="kind", value=b,
            )
        if not (is_firm or is_inst):
            what = {"firm": "firm", "institute": "institute"}.get(kind or "", "firm or institute")
            raise UnknownEntityError(f"unknown {what} id {b!r}")
        if is_firm and a == b:
            raise ValidationError(f"firm {a!r} cannot collaborate with itself", field="b",
                                  value=b)
        return "firm" if is_firm else "institute"

    def _is_member(self, firm_id: str, institute_id: str) -> bool:
        return institute_id in self.firms[firm_id].memberships

    def add_collaboration(self, a: str, b: str, *, kind: str | None = None) -> None:
        """Record that firm ``a`` collaborates with firm or institute ``b`` (idempotent).

        Parameters
        ----------
        a : str
            A firm id.
        b : str
            A firm id or an institute id.
        kind : {"firm", "institute"}, optional
            What ``b`` is, when an id names both a firm and an institute.
        """
        kind_b = self._resolve(a, b, kind)
        if kind_b == "firm":
            pair = np.sort(np.asarray([[a, b]], dtype=np.str_), axis=1)
            if self._collab.size and ((self._collab == pair).all(axis=1)).any():
                return
            self._invalidate()
            self._collab = np.unique(np.concatenate([self._collab, pair]), axis=0)
            self.graph.add_edge(node_id("firm", a), node_id("firm", b), relation="collaborates")
            return
        link = np.asarray([[a, b]], dtype=np.str_)
        if self._links.size and ((self._links == link).all(axis=1)).any():
            return
        self._invalidate()
        self._links = np.unique(np.concatenate([self._links, link]), axis=0)
        if not self._is_member(a, b):
            self.graph.add_edge(node_id("firm", a), node_id("institute", b),
                                relation="collaborates")

    def remove_collaboration(self, a: str, b: str, *, kind: str | None = None) -> None:
        """Remove the collaboration of firm ``a`` with firm or institute ``b``.

        A membership is not a collaboration: a member's edge to its institute stays.

        Raises
        ------
        UnknownEntityError
            If either id is unknown or there is no such collaboration.
        """
        kind_b = self._resolve(a, b, kind)
        if kind_b == "firm":
            pair = np.sort(np.asarray([[a, b]], dtype=np.str_), axis=1)
            hit = (self._collab == pair).all(axis=1) if self._collab.size else np.zeros(0, bool)
            if not hit.any():
                raise UnknownEntityError(f"no collaboration between firms {a!r} and {b!r}")
            self._invalidate()
            self._collab = self._collab[~hit]
            self.graph.remove_edge(node_id("firm", a), node_id("firm", b))
            return
        hit = (self._links == np.asarray([a, b], dtype=np.str_)).all(axis=1) \
            if self._links.size else np.zeros(0, bool)
        if not hit.any():
            raise UnknownEntityError(f"no collaboration between firm {a!r} and institute {b!r}")
        self._invalidate()
        self._links = self._links[~hit]
        if not self._is_member(a, b):
            self.graph.remove_edge(node_id("firm", a), node_id("institute", b))
