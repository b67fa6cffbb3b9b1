"""Graph proximity on sparse matrices: common neighbours, Adamic–Adar, resource allocation and
personalised PageRank, for any graph.

Every function takes either a :class:`networkx.Graph` or a square :mod:`scipy.sparse`
adjacency, and either ``pairs`` (scores of node pairs, a 1-D array) or a block of ``sources``
(scores of each source against every node, one row per source). The scores equal networkx's
own — :func:`networkx.common_neighbors` (its size), :func:`networkx.adamic_adar_index`,
:func:`networkx.resource_allocation_index` and :func:`networkx.pagerank` with a
personalisation vector — but are computed with sparse products, never with a Python loop over
pairs.

Node order and ids
------------------
For a graph, ``pairs`` and ``sources`` name nodes by their ids and the columns of a block are
the nodes in ``nodelist`` order (default ``list(G)``). For a matrix, nodes are row indices and
nonzero entries are edges (entry ``(i, j)`` an edge ``i → j``; the local scores need a
symmetric pattern).

How it computes
---------------
With ``A`` the 0/1 adjacency *without its diagonal* and ``d`` the degree in the graph (a
self-loop counts twice, as in networkx), the three local scores are ``A · diag(f(d)) · Aᵀ`` with
``f = 1``, ``1/log d`` and ``1/d``: dropping the diagonal is exactly networkx's rule that ``u`` and
``v`` are never their own common neighbours. A pair's score is the row-wise dot product of two
gathered sparse rows. Personalised PageRank is power iteration on a row-stochastic CSR matrix
built once (per call, or once for good in a :class:`ProximityGraph`), for a whole block of
sources at a time, with dangling nodes sending their mass back to the source (networkx's rule
when ``dangling`` is not given).

Many calls on one graph
-----------------------
Each call converts a graph to CSR (and checks that a matrix is symmetric). For many calls on
the same graph, build a :class:`ProximityGraph` once and pass it instead of the graph: it holds
the checked matrix, its node order, the degrees and the PageRank transition matrix.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Union

import networkx as nx
import numpy as np
import scipy.sparse as sp
from networkx.utils import not_implemented_for
from numpy.typing import ArrayLike, NDArray

from rootmatch.exceptions import UnknownEntityError, ValidationError

__all__ = [
    "ProximityGraph",
    "UnknownNodeError",
    "adamic_adar",
    "common_neighbors",
    "personalized_pagerank",
    "resource_allocation",
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


def _check_query(pairs: Any, sources: Any) -> None:
    if (pairs is None) == (sources is None):
        raise ValidationError(
            "give exactly one of pairs (node pairs to score) or sources (a block of rows)",
            field="pairs",
        )


def _as_list(values: Any) -> Any:
    if isinstance(values, np.ndarray):
        return values.reshape(-1).tolist() if values.dtype.kind not in "iu" else values
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(
            f"sources must be a sequence of nodes, got {values!r}", field="sources",
            value=values,
        )
    return list(values)


def _weighted_scores(
    G: GraphLike | ProximityGraph,
    pairs: Any,
    sources: Any,
    nodelist: Sequence[Hashable] | None,
    weights: Callable[[NDArray[np.float64]], NDArray[np.float64]],
) -> NDArray[np.float64] | sp.csr_array:
    _check_query(pairs, sources)
    P = _prepare(G, nodelist, None)
    degree = P.degree()
    with np.errstate(divide="ignore"):
        w = weights(degree)
    if pairs is not None:
        u, v = P.pair_index(pairs)
        if u.size == 0:
            return np.zeros(0, np.float64)
        # row r of the product: the common neighbours of pair r, other than u and v
        both = P.pattern_rows(u).multiply(P.pattern_rows(v))
        return np.asarray(both @ w, dtype=np.float64).reshape(-1)
    rows = P.index(_as_list(sources), "sources")
    n = P.n_nodes
    A0 = P.pattern_rows(np.arange(n))
    A0.eliminate_zeros()
    scaled = P.pattern_rows(rows) @ sp.dia_array((w[None, :], [0]), shape=(n, n))
    out = sp.csr_array(scaled @ A0)
    out.eliminate_zeros()
    out.sort_indices()
    return out


def common_neighbors(
    G: GraphLike | ProximityGraph,
    pairs: Iterable[tuple[Any, Any]] | ArrayLike | None = None,
    *,
    sources: Sequence[Any] | ArrayLike | None = None,
    nodelist: Sequence[Hashable] | None = None,
) -> NDArray[np.int64] | sp.csr_array:
    """The number of common neighbours of node pairs (``len(nx.common_neighbors(G, u, v))``).

    Parameters
    ----------
    G : networkx.Graph, scipy sparse matrix of shape (n, n), or ProximityGraph
        An undirected simple graph, or a matrix with a symmetric pattern. Edge weights are
        ignored.
    pairs : iterable of (u, v), optional
        Node ids for a graph, row indices for a matrix.
    sources : sequence of nodes, optional
        Instead of ``pairs``: score each source against every node.
    nodelist : sequence of nodes, optional
        Node order of a graph (the columns of a block); default ``list(G)``.

    Returns
    -------
    ndarray of int64, shape (len(pairs),)
        With ``pairs``.
    scipy.sparse.csr_array of int64, shape (len(sources), n)
        With ``sources``; columns in ``nodelist`` order.

    Raises
    ------
    networkx.NetworkXNotImplemented
        If ``G`` is a directed graph or a multigraph.
    UnknownNodeError
        If a pair or source names a node not in ``G``.
    ValidationError
        If neither or both of ``pairs`` and ``sources`` are given, or a matrix is not square
        or not symmetric.

    See Also
    --------
    adamic_adar, resource_allocation

    Examples
    --------
    >>> import networkx as nx
    >>> common_neighbors(nx.complete_graph(5), [(0, 1), (2, 3)]).tolist()
    [3, 3]
    >>> common_neighbors(nx.path_graph(4), sources=[0]).toarray().tolist()
    [[1, 0, 1, 0]]
    """
    out = _weighted_scores(G, pairs, sources, nodelist, np.ones_like)
    if isinstance(out, np.ndarray):
        return np.rint(out).astype(np.int64)
    out.data = np.rint(out.data)
    return out.astype(np.int64)


def adamic_adar(
    G: GraphLike | ProximityGraph,
    pairs: Iterable[tuple[Any, Any]] | ArrayLike | None = None,
    *,
    sources: Sequence[Any] | ArrayLike | None = None,
    nodelist: Sequence[Hashable] | None = None,
) -> NDArray[np.float64] | sp.csr_array:
    r"""The Adamic–Adar index :math:`\sum_{w \in \Gamma(u) \cap \Gamma(v)} 1 / \log |\Gamma(w)|`.

    Equal to :func:`networkx.adamic_adar_index`. Parameters, returns and errors as in
    :func:`common_neighbors` (float64 scores).

    Raises
    ------
    ZeroDivisionError
        If a self-pair ``(u, u)`` has a common neighbour of degree 1 (``log 1 = 0``), as in
        networkx.

    Examples
    --------
    >>> import networkx as nx
    >>> adamic_adar(nx.complete_graph(5), [(0, 1), (2, 3)]).round(6).tolist()
    [2.16404, 2.16404]
    """
    out = _weighted_scores(G, pairs, sources, nodelist, lambda d: 1.0 / np.log(d))
    values = out if isinstance(out, np.ndarray) else out.data
    if not np.all(np.isfinite(values)):
        raise ZeroDivisionError(
            "adamic_adar: a self-pair has a common neighbour of degree 1 (1 / log 1)"
        )
    return out


def resource_allocation(
    G: GraphLike | ProximityGraph,
    pairs: Iterable[tuple[Any, Any]] | ArrayLike | None = None,
    *,
    sources: Sequence[Any] | ArrayLike | None = None,
    nodelist: Sequence[Hashable] | None = None,
) -> NDArray[np.float64] | sp.csr_array:
    r"""The resource allocation index :math:`\sum_{w \in \Gamma(u) \cap \Gamma(v)} 1 / |\Gamma(w)|`.

    Equal to :func:`networkx.resource_allocation_index` (Zhou, Lü & Zhang 2009). Parameters,
    returns and errors as in :func:`common_neighbors` (float64 scores).

    Examples
    --------
    >>> import networkx as nx
    >>> resource_allocation(nx.complete_graph(5), [(0, 1), (2, 3)]).tolist()
    [0.75, 0.75]
    >>> import scipy.sparse as sp
    >>> A = sp.csr_array(nx.to_scipy_sparse_array(nx.star_graph(3)))
    >>> resource_allocation(A, sources=[1]).toarray().round(3).tolist()
    [[0.0, 0.333, 0.333, 0.333]]
    """
    return _weighted_scores(G, pairs, sources, nodelist, lambda d: 1.0 / d)


# --- personalised PageRank ---------------------------------------------------------------
def personalized_pagerank(
    G: GraphLike | ProximityGraph,
    pairs: Iterable[tuple[Any, Any]] | ArrayLike | None = None,
    *,
    sources: Sequence[Any] | ArrayLike | None = None,
    nodelist: Sequence[Hashable] | None = None,
    alpha: float = 0.85,
    weight: str | None = "weight",
    tol: float = 1e-10,
    max_iter: int = 1000,
    block_size: int = 256,
) -> NDArray[np.float64]:
    """PageRank personalised on one source node, for a block of sources or for pairs.

    Row ``r`` of the result equals ``nx.pagerank(G, alpha, personalization={s_r: 1})``: a random
    walk that restarts at ``s_r`` with probability ``1 - alpha``, and whose dangling nodes jump
    to ``s_r``. The score of a pair ``(u, v)`` is the entry of ``v`` in ``u``'s vector (not
    symmetric).

    Parameters
    ----------
    G : networkx.Graph, scipy sparse matrix of shape (n, n), or ProximityGraph
        Any graph (directed graphs and multigraphs too, as in networkx); for a matrix, entry
        ``(i, j)`` is the weight of the edge ``i → j``.
    pairs : iterable of (u, v), optional
        Node ids for a graph, row indices for a matrix.
    sources : sequence of nodes, optional
        Instead of ``pairs``: one personalised vector per source.
    nodelist : sequence of nodes, optional
        Node order of a graph (the columns of a block); default ``list(G)``.
    alpha : float, default=0.85
        Damping factor.
    weight : str or None, default="weight"
        Edge attribute of a graph used as weight (missing: 1; ``None``: all 1), as networkx.
    tol : float, default=1e-10
        Stop when every vector's L1 change is below ``n * tol`` (networkx's test; its default
        is 1e-6, much looser).
    max_iter : int, default=1000
    block_size : int, default=256
        Sources iterated together (memory ``n * block_size`` floats).

    Returns
    -------
    ndarray of float64
        Shape (len(pairs),) with ``pairs``; (len(sources), n) with ``sources``, columns in
        ``nodelist`` order.

    Raises
    ------
    networkx.PowerIterationFailedConvergence
        If a block does not converge in ``max_iter`` iterations.
    UnknownNodeError
        If a pair or source names a node not in ``G``.
    ValidationError
        On a bad ``alpha``, ``tol``, ``max_iter`` or ``block_size``, or if neither or both of
        ``pairs`` and ``sources`` are given.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.path_graph(4)
    >>> ppr = personalized_pagerank(G, sources=[0])
    >>> ref = nx.pagerank(G, personalization={0: 1}, tol=1e-12, max_iter=1000)
    >>> bool(abs(ppr[0] - [ref[v] for v in G]).max() < 1e-9)
    True
    """
    _check_query(pairs, sources)
    if not 0.0 <= alpha < 1.0:
        raise ValidationError(f"alpha must be in [0, 1), got {alpha!r}", field="alpha",
                              value=alpha)
    if not tol > 0:
        raise ValidationError(f"tol must be > 0, got {tol!r}", field="tol", value=tol)
    for name, value in (("max_iter", max_iter), ("block_size", block_size)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValidationError(f"{name} must be an integer >= 1, got {value!r}",
                                  field=name, value=value)
    if isinstance(G, ProximityGraph) and G.nodes is not None and weight != G.weight:
        raise ValidationError(
            f"weight={weight!r} differs from the ProximityGraph's weight={G.weight!r}",
            field="weight", value=weight,
        )
    P = _prepare(G, nodelist, weight)
    n = P.n_nodes
    QT, dangling_rows = P.transition()

    def block(src: NDArray[np.intp]) -> NDArray[np.float64]:
        return _power_iteration(QT, dangling_rows, src, alpha, tol, int(max_iter))

    if sources is not None:
        rows = P.index(_as_list(sources), "sources")
        out = np.empty((rows.size, n))
        for lo in range(0, rows.size, block_size):
            out[lo: lo + block_size] = block(rows[lo: lo + block_size]).T
        return out
    u, v = P.pair_index(pairs)
    scores = np.empty(u.size)
    uniq, inverse = np.unique(u, return_inverse=True)
    for lo in range(0, uniq.size, block_size):
        X = block(uniq[lo: lo + block_size])  # (n, b)
        sel = (inverse >= lo) & (inverse < lo + block_size)
        scores[sel] = X[v[sel], inverse[sel] - lo]
    return scores


def _power_iteration(
    QT: sp.csr_array,
    dangling_rows: NDArray[np.intp],
    src: NDArray[np.intp],
    alpha: float,
    tol: float,
    max_iter: int,
) -> NDArray[np.float64]:
    """Personalised PageRank of a block of sources, as columns of an (n, b) matrix.

    networkx's iteration, with one column per source: start uniform, then
    ``x = alpha * (x Q + dangling mass * p) + (1 - alpha) * p`` with ``p`` the source's
    indicator, until the L1 change is below ``n * tol``.
    """
    n = QT.shape[0]
    b = src.size
    cols = np.arange(b)
    X = np.full((n, b), 1.0 / n)
    for _ in range(max_iter):
        mass = X[dangling_rows].sum(axis=0) if dangling_rows.size else np.zeros(b)
        X_new = alpha * (QT @ X)
        X_new[src, cols] += alpha * mass + (1.0 - alpha)
        err = np.abs(X_new - X).sum(axis=0)
        X = X_new
        if np.all(err < n * tol):
            return X
    raise nx.PowerIterationFailedConvergence(max_iter)
