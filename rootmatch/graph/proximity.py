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

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from rootmatch.base.exceptions import ValidationError
from rootmatch.graph._adjacency import (
    GraphLike,
    ProximityGraph,
    UnknownNodeError,
    _prepare,
    to_adjacency,
)

__all__ = [
    "ProximityGraph",
    "UnknownNodeError",
    "adamic_adar",
    "common_neighbors",
    "personalized_pagerank",
    "resource_allocation",
    "to_adjacency",
]


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
