"""Graphs as checked sparse adjacency matrices: :func:`to_adjacency`, and
:class:`ProximityGraph`, which holds one matrix with its node order, degrees and PageRank
transition for many proximity calls."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Union

import networkx as nx
import numpy as np
import scipy.sparse as sp
from networkx.utils import not_implemented_for
from numpy.typing import NDArray

from rootmatch.base.exceptions import UnknownEntityError, ValidationError

__all__ = [
    "GraphLike",
    "ProximityGraph",
    "UnknownNodeError",
    "_borrowed",
    "_check_square",
    "_prepare",
    "to_adjacency",
]


GraphLike = Union[nx.Graph, sp.sparray, sp.spmatrix]  # noqa: UP007 (a runtime alias)


class UnknownNodeError(UnknownEntityError, nx.NodeNotFound):
    """A node (an id in a graph, a row index in a matrix) is not in the graph.

    It is both a :class:`~rootmatch.UnknownEntityError` (so a ``KeyError``) and a
    :class:`networkx.NodeNotFound`, the error networkx raises for the same input.
    """


# --- input normalisation -------------------------------------------------------------------
def _hashable_in(x: object, lookup: dict[Hashable, int]) -> bool:
    try:
        return x in lookup
    except TypeError:
        return False


def _check_square(A: Any, *, copy: bool = False) -> sp.csr_array:
    """``A`` as a canonical float64 CSR array without explicit zeros (copied only if needed)."""
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValidationError(
            f"an adjacency matrix must be square, got shape {A.shape}", field="adjacency",
            value=A.shape,
        )
    ready = (
        isinstance(A, sp.csr_array) and A.dtype == np.float64 and A.has_canonical_format
        and A.data.size == A.indices.size and not np.any(A.data == 0)
    )
    if ready:
        return A.copy() if copy else A
    M = sp.csr_array(A, dtype=np.float64, copy=True)
    M.sum_duplicates()
    M.eliminate_zeros()
    M.sort_indices()
    return M


def _graph_matrix(G: nx.Graph, nodelist: list[Hashable] | None, weight: str | None
                  ) -> tuple[sp.csr_array, list[Hashable], dict[Hashable, int] | None]:
    """The adjacency of a graph as networkx's ``to_scipy_sparse_array`` gives it.

    Every edge is a stored entry (a zero weight is an explicit zero), so the pattern is the
    graph. A simple graph in its own node order is read straight from its adjacency dicts
    (about five times faster); otherwise networkx converts it.
    """
    if nodelist is not None and len(nodelist) != len(G):
        raise ValidationError(
            f"nodelist must order all {len(G)} nodes of the graph, got {len(nodelist)}",
            field="nodelist", value=len(nodelist),
        )
    if len(G) == 0:
        return sp.csr_array((0, 0), dtype=np.float64), [], {}
    if nodelist is not None or G.is_multigraph():
        nodes = list(G) if nodelist is None else list(nodelist)
        M = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, dtype=np.float64,
                                     format="csr")
        M = sp.csr_array(M)
        M.sum_duplicates()
        M.sort_indices()
        return M, nodes, None
    nodes = list(G)
    index = dict(zip(nodes, range(len(nodes))))
    nbrs = [d for _, d in G.adjacency()]
    lengths = np.fromiter(map(len, nbrs), np.int64, len(nodes))
    nnz = int(lengths.sum())
    cols = np.fromiter(map(index.__getitem__, itertools.chain.from_iterable(nbrs)), np.intp,
                       nnz)
    if weight is None:
        data = np.ones(nnz)
    else:
        data = np.fromiter(
            (d.get(weight, 1) for d in itertools.chain.from_iterable(x.values() for x in nbrs)),
            np.float64, nnz,
        )
    indptr = np.zeros(len(nodes) + 1, np.int64)
    np.cumsum(lengths, out=indptr[1:])
    M = sp.csr_array((data, cols, indptr), shape=(len(nodes), len(nodes)))
    M.sort_indices()
    return M, nodes, index


_KINDS = {(False, False): nx.Graph, (True, False): nx.DiGraph, (False, True): nx.MultiGraph,
          (True, True): nx.MultiDiGraph}


@not_implemented_for("directed")
@not_implemented_for("multigraph")
def _require_undirected_simple(G: nx.Graph) -> None:
    """networkx's guard of its link-prediction functions."""


def to_adjacency(
    G: GraphLike, *, nodelist: Sequence[Hashable] | None = None, weight: str | None = None
) -> tuple[sp.csr_array, list[Hashable] | None]:
    """A CSR adjacency matrix (float64, canonical) and its node list.

    Equal to ``networkx.to_scipy_sparse_array(G, nodelist, weight=weight)`` for a graph.

    Parameters
    ----------
    G : networkx.Graph or scipy sparse matrix
        For a matrix, nonzero entries are edges and the node list is ``None`` (nodes are
        indices).
    nodelist : sequence of nodes, optional
        Node order of a graph's matrix; default ``list(G)``.
    weight : str or None, default=None
        Edge attribute to use as the entry of a graph's matrix (missing: 1; ``None``: every
        edge is 1).

    Returns
    -------
    matrix : scipy.sparse.csr_array, shape (n, n)
    nodes : list or None

    Examples
    --------
    >>> import networkx as nx
    >>> A, nodes = to_adjacency(nx.path_graph(3))
    >>> A.toarray().tolist(), nodes
    ([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], [0, 1, 2])
    """
    if isinstance(G, nx.Graph):
        M, nodes, _ = _graph_matrix(G, None if nodelist is None else list(nodelist), weight)
        return M, nodes
    if sp.issparse(G):
        return _check_square(G), None
    raise ValidationError(
        f"expected a networkx graph or a scipy sparse adjacency, got {type(G).__name__}",
        field="G", value=type(G).__name__,
    )


class ProximityGraph:
    """A graph prepared once for many proximity calls.

    Holds the CSR adjacency and its node order; the degrees (after the symmetry check) and the
    PageRank transition matrix are built on first use and kept. Pass it wherever a graph or
    a matrix is accepted. It is a snapshot: build a new one after changing the graph.

    Parameters
    ----------
    G : networkx.Graph or scipy sparse matrix, shape (n, n)
    nodelist : sequence of nodes, optional
        Node order of a graph; default ``list(G)``.
    weight : str or None, default="weight"
        Edge attribute of a graph used as weight by :func:`personalized_pagerank` (the local
        scores ignore weights; a matrix's entries are its weights).

    Attributes
    ----------
    matrix : scipy.sparse.csr_array, shape (n, n)
    nodes : list or None
        Node ids in row order; ``None`` for a matrix (nodes are row indices).

    Examples
    --------
    >>> import networkx as nx
    >>> from rootmatch.graph.proximity import resource_allocation
    >>> P = ProximityGraph(nx.karate_club_graph())
    >>> float(resource_allocation(P, [(0, 33)])[0]) == next(
    ...     nx.resource_allocation_index(nx.karate_club_graph(), [(0, 33)]))[2]
    True
    """

    def __init__(
        self, G: GraphLike, *, nodelist: Sequence[Hashable] | None = None,
        weight: str | None = "weight",
    ) -> None:
        self.weight = weight
        if isinstance(G, nx.Graph):
            M, nodes, lookup = _graph_matrix(
                G, None if nodelist is None else list(nodelist), weight)
            # an empty graph of G's kind, for networkx's own guard
            self._kind: nx.Graph | None = _KINDS[G.is_directed(), G.is_multigraph()]()
        elif sp.issparse(G):
            if nodelist is not None:
                raise ValidationError("nodelist applies to a graph, not to a matrix",
                                      field="nodelist")
            M, nodes, lookup = _check_square(G, copy=True), None, None
            self._kind = None
        else:
            raise ValidationError(
                f"expected a networkx graph or a scipy sparse adjacency, got "
                f"{type(G).__name__}", field="G", value=type(G).__name__,
            )
        self.matrix: sp.csr_array = M
        self.nodes: list[Hashable] | None = nodes
        self._lookup = lookup
        self._degree: NDArray[np.float64] | None = None
        self._transition: tuple[sp.csr_array, NDArray[np.intp]] | None = None

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.matrix.shape[0])

    def __repr__(self) -> str:
        return f"<ProximityGraph of {self.n_nodes} nodes, {self.matrix.nnz} stored entries>"

    # ---- node ids -> rows ---------------------------------------------------------------
    def index(self, items: Iterable[Any], what: str = "nodes") -> NDArray[np.intp]:
        """Rows of node ids (graph) or checked row indices (matrix), vectorised."""
        if self.nodes is None:
            idx = np.asarray(items)
            if idx.size == 0:
                return np.zeros(0, np.intp)
            if not np.issubdtype(idx.dtype, np.integer):
                raise ValidationError(
                    f"{what} of a matrix must be integer row indices, got dtype {idx.dtype}",
                    field=what, value=idx.dtype,
                )
            idx = idx.astype(np.intp).reshape(-1)
            bad = (idx < 0) | (idx >= self.n_nodes)
            if bad.any():
                value = int(idx[np.flatnonzero(bad)[0]])
                raise UnknownNodeError(
                    f"node index {value} in {what} is out of range for {self.n_nodes} nodes"
                )
            return idx
        items = list(items)
        if not items:
            return np.zeros(0, np.intp)
        if self._lookup is None:
            self._lookup = dict(zip(self.nodes, range(len(self.nodes))))
        lookup = self._lookup
        try:
            found = operator.itemgetter(*items)(lookup)
        except (KeyError, TypeError):
            missing = next(x for x in items if not _hashable_in(x, lookup))
            raise UnknownNodeError(f"node {missing!r} in {what} is not in the graph") from None
        return np.asarray(found if len(items) > 1 else [found], dtype=np.intp)

    def pair_index(self, pairs: Any) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Rows of the two ends of every pair."""
        if self.nodes is None:
            arr = np.asarray(pairs)
            if arr.size == 0:
                return np.zeros(0, np.intp), np.zeros(0, np.intp)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValidationError(
                    f"pairs must have shape (m, 2), got {arr.shape}", field="pairs",
                    value=arr.shape,
                )
            idx = self.index(arr.reshape(-1), "pairs")
            return idx[0::2], idx[1::2]
        if isinstance(pairs, np.ndarray):
            if pairs.size and (pairs.ndim != 2 or pairs.shape[1] != 2):
                raise ValidationError(
                    f"pairs must have shape (m, 2), got {pairs.shape}", field="pairs",
                    value=pairs.shape,
                )
            pairs = pairs.tolist()
        pairs = list(pairs)
        lengths = set(map(len, pairs))
        if lengths - {2}:
            raise ValidationError(
                f"every pair must have two nodes; got pairs of lengths {sorted(lengths)}",
                field="pairs", value=sorted(lengths),
            )
        idx = self.index(itertools.chain.from_iterable(pairs), "pairs")
        return idx[0::2], idx[1::2]

    # ---- what the scores need -------------------------------------------------------------
    def degree(self) -> NDArray[np.float64]:
        """Degrees as networkx counts them (a self-loop twice), after checking that the graph
        is undirected and simple (a matrix: a symmetric pattern)."""
        if self._degree is None:
            M = self.matrix
            if self._kind is not None:
                _require_undirected_simple(self._kind)
            else:
                T = M.T.tocsr()
                T.sort_indices()
                if not (np.array_equal(M.indptr, T.indptr)
                        and np.array_equal(M.indices, T.indices)):
                    raise ValidationError(
                        "the adjacency must have a symmetric pattern (an undirected graph); "
                        "use a networkx graph or symmetrise it", field="adjacency",
                    )
            rows = np.repeat(np.arange(self.n_nodes), np.diff(M.indptr))
            loops = np.zeros(self.n_nodes)
            loops[M.indices[M.indices == rows]] = 1.0
            self._degree = np.diff(M.indptr).astype(np.float64) + loops
        return self._degree

    def pattern_rows(self, rows: NDArray[np.intp]) -> sp.csr_array:
        """Rows of the 0/1 adjacency without its diagonal (a new matrix; explicit zeros
        where the diagonal was)."""
        X = sp.csr_array(self.matrix[rows])
        X.data[:] = 1.0
        X.data[X.indices == np.repeat(rows, np.diff(X.indptr))] = 0.0
        return X

    def transition(self) -> tuple[sp.csr_array, NDArray[np.intp]]:
        """PageRank's transition matrix, transposed (``x_new = QT @ x``), and the dangling
        rows (no out-weight)."""
        if self._transition is None:
            M = self.matrix
            n = self.n_nodes
            out_weight = np.asarray(M.sum(axis=1)).reshape(-1)
            dangling = out_weight == 0
            inv = np.zeros(n)
            inv[~dangling] = 1.0 / out_weight[~dangling]
            QT = sp.csr_array((sp.dia_array((inv[None, :], [0]), shape=(n, n)) @ M).T)
            self._transition = (QT, np.flatnonzero(dangling))
        return self._transition


def _prepare(G: GraphLike | ProximityGraph, nodelist: Sequence[Hashable] | None,
             weight: str | None) -> ProximityGraph:
    if isinstance(G, ProximityGraph):
        if nodelist is not None:
            raise ValidationError("nodelist is fixed when a ProximityGraph is built",
                                  field="nodelist")
        return G
    if isinstance(G, nx.Graph) and weight is None:
        _require_undirected_simple(G)  # fail before converting
    return ProximityGraph(G, nodelist=nodelist, weight=weight) if isinstance(G, nx.Graph) \
        else _borrowed(G)


def _borrowed(A: Any) -> ProximityGraph:
    """A ProximityGraph over a matrix, without the defensive copy (it lives for one call)."""
    if not sp.issparse(A):
        raise ValidationError(
            f"expected a networkx graph or a scipy sparse adjacency, got {type(A).__name__}",
            field="G", value=type(A).__name__,
        )
    P = ProximityGraph.__new__(ProximityGraph)
    P.weight = None
    P._kind = None
    P.matrix = _check_square(A)
    P.nodes = None
    P._lookup = None
    P._degree = None
    P._transition = None
    return P
