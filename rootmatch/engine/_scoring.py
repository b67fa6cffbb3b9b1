"""The hybrid score's building blocks, as pure functions of arrays.

A firm pair's raw components are

- ``similarity``       ``x_i · x_j`` — cosine of the L2-normalised profile vectors;
- ``geography``        ``L_geo[u_i, u_j]`` — the learned affinity of the two firms' locations
  (``u`` = district × industrial complex): the smoothed log ratio of observed links between
  the two locations to the links expected from the firm pairs between them, fitted jointly
  with the technology affinity (:func:`affinities`);
- ``technology``       ``s_iᵀ L_tech s_j`` — the same learned affinity between technologies,
  ``s`` the firm's technology shares (each listed technology ``1/#``);
- ``complementarity``  ``t_iᵀ C t_j`` — value-chain strength between the technology vectors
  ``t = multi-hot / sqrt(#technologies)`` and the symmetric matrix ``C`` of
  :func:`rootmatch.taxonomy.complementarity_matrix` (domain knowledge, needs no links);
- ``affiliation``      ``Σ_z B_iz B_jz / deg(z)`` — resource allocation through the non-firm
  nodes (cooperatives, institutes, programs, the hub): ``B`` is the firm × non-firm incidence;
- ``partners``         ``Σ_f A_if A_fj / deg(f)`` — resource allocation through common partner
  firms (``A`` the firm–firm collaboration matrix);
- ``popularity``       ``log(1 + d_i) + log(1 + d_j)`` with ``d`` the number of partners:
  active collaborators take on more partners;
- ``capacity``         ``c_i + c_j`` with ``c`` the firm's expected number of partners given
  its size and digital maturity, on a log scale (:func:`capacity`): a Poisson regression of
  the observed degrees on head-count bands and digital levels. Unlike ``popularity`` it does
  not depend on the firm's own (noisy, often zero) degree, so it also ranks new firms.

``affiliation + partners`` is exactly networkx's ``resource_allocation_index`` of the pair on
the whole network. The ranking score is the linear blend ``Σ_k w_k · component_k``; every
term but ``partners`` is bilinear in per-firm vectors, so together they are one matrix product
of augmented vectors (:func:`augmented_factors`); ``partners`` is a sparse correction.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.sparse as sp
from attrs import frozen
from numpy.typing import NDArray

__all__ = [
    "COMPONENTS",
    "PairFactors",
    "RowPlan",
    "affinities",
    "augmented_factors",
    "capacity",
    "pair_components",
    "pair_factors",
    "partner_term_rows",
    "ranges",
    "row_plan",
    "row_scores",
    "tech_shares",
    "tech_vectors",
]

#: The firm–firm components, in the order of ``Matchmaker.weights_`` vectors.
COMPONENTS: tuple[str, ...] = (
    "similarity", "geography", "technology", "complementarity", "affiliation", "partners",
    "popularity", "capacity",
)
#: Index of the sparse ``partners`` component in :data:`COMPONENTS`.
PARTNERS = COMPONENTS.index("partners")


def tech_vectors(tech: NDArray[np.bool_], dtype: type = np.float32) -> NDArray[np.floating]:
    """Multi-hot technologies scaled by ``1 / sqrt(#technologies)``."""
    t = tech.astype(dtype)
    counts = t.sum(axis=1, keepdims=True)
    return t / np.sqrt(np.maximum(counts, 1))


def tech_shares(tech: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Multi-hot technologies scaled to sum to one per firm."""
    t = tech.astype(np.float64)
    return t / np.maximum(t.sum(axis=1, keepdims=True), 1)


def affinities(U: sp.spmatrix | NDArray[np.floating], S: NDArray[np.floating],
               A: sp.spmatrix, *, alpha: float = 1.0, max_iter: int = 20_000,
               tol: float = 1e-10) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Location and technology affinities learned jointly from observed links.

    A Poisson log-linear model of the links between firm pairs: the expected number of links
    between firms ``i`` and ``j`` is ``exp(G[u_i, u_j]) · s_iᵀ exp(H) s_j`` with ``u`` the
    location (``U`` one-hot, firms × locations) and ``s`` the technology shares (``S``).
    Exposure counts firm *pairs*, so a location or technology with many firms does not look
    attractive merely for being large; fitting both together keeps firms of one technology
    clustering in one place from reading as a technology affinity, or the reverse. Fitted by
    iterative proportional scaling on the smoothed margins, to the fixed point

    ``G = log((M_loc + α) / (E_loc + α))``, ``H = log((M_tech + α) / (E_tech + α))``

    where ``M_loc = Uᵀ A U`` and ``M_tech = Sᵀ A S`` count link ends between categories and
    ``E`` are the links the model expects there, over ordered pairs of distinct firms. The
    firms enter once, through per-location sums (``Uᵀ S`` and each location's ``Σ s_i s_iᵀ``):
    the iterations run on location × technology tables whatever the number of firms.

    Returns
    -------
    G : ndarray of shape (n_locations, n_locations)
    H : ndarray of shape (n_technologies, n_technologies)

    Warns
    -----
    RuntimeWarning
        If the iterations stop before the largest change falls below ``tol``.

    Examples
    --------
    >>> U = sp.csr_matrix(np.eye(2)[[0, 0, 0, 1, 1, 1]])      # two places
    >>> S = np.eye(2)[[0, 1, 0, 1, 0, 1]]                      # two technologies
    >>> links = np.array([[0, 2], [3, 5], [0, 3], [1, 4]])     # same place, or cross-technology
    >>> A = sp.coo_matrix((np.ones(8), (links.ravel(), links[:, ::-1].ravel())), shape=(6, 6))
    >>> G, H = affinities(U, S, A)
    >>> bool(G[0, 0] > G[0, 1]), bool(H.shape == (2, 2))
    (True, True)
    """
    U = sp.csr_matrix(U, dtype=np.float64)
    S = np.asarray(S, dtype=np.float64)
    A = sp.csr_matrix(A, dtype=np.float64)
    n_loc, n_tech = U.shape[1], S.shape[1]
    change = float("inf")
    W = np.asarray(U.T @ S)  # technology shares per location
    M_loc = np.asarray((U.T @ (A @ U)).todense())
    M_tech = S.T @ np.asarray(A @ S)
    # each location's Σ s_i s_iᵀ: what a firm paired with itself would add (taken out below)
    own = np.zeros((n_loc, n_tech * n_tech))
    for lo in range(0, S.shape[0], 65_536):  # bounded memory at any number of firms
        blk = S[lo:lo + 65_536]
        own += U[lo:lo + 65_536].T @ (blk[:, :, None] * blk[:, None, :]).reshape(-1, n_tech**2)
    own = own.reshape(n_loc, n_tech, n_tech)
    # the ridge condition below: summing each fixed-point equation over its cells,
    # α Σ exp(G) - α Σ exp(H) = Σ M_loc - Σ M_tech + α (n_loc² - n_tech²)
    d = float(n_loc**2 - n_tech**2) + (float(M_loc.sum()) - float(M_tech.sum())) / alpha
    G = np.zeros((n_loc, n_loc))
    H = np.zeros((n_tech, n_tech))
    for _ in range(max_iter):
        eH = np.exp(H)
        E_loc = W @ eH @ W.T - np.diag(np.einsum("ust,st->u", own, eH))
        G_new = np.log((M_loc + alpha) / (np.maximum(E_loc, 0.0) + alpha))
        eG = np.exp(G_new)
        E_tech = W.T @ eG @ W - np.einsum("u,ust->st", np.diag(eG), own)
        H_new = np.log((M_tech + alpha) / (np.maximum(E_tech, 0.0) + alpha))
        # G + c and H - c expect the same links: a ridge that plain scaling crawls along.
        # The condition above pins c; jump to it (c = 0 at the fixed point, so the fixed
        # point is unchanged).
        a, b = float(np.exp(G_new).sum()), float(np.exp(H_new).sum())
        c = math.log((d + math.sqrt(d * d + 4.0 * a * b)) / (2.0 * a))
        G_new += c
        H_new -= c
        change = max(float(np.abs(G_new - G).max()), float(np.abs(H_new - H).max()))
        G, H = G_new, H_new
        if change < tol:
            break
    else:
        warnings.warn(f"affinities did not converge in {max_iter} iterations (last change "
                      f"{change:.2e})", RuntimeWarning, stacklevel=2)
    return G, H


@frozen
class PairFactors:
    """Per-firm dense factors shared by the batch factors and pair scoring."""

    X: NDArray[np.float64]  # normalised profiles
    unit: NDArray[np.intp]  # location category of each firm
    L_geo: NDArray[np.float64]  # (units, units) learned affinity
    S: NDArray[np.float64]  # technology shares
    SL: NDArray[np.float64]  # S @ L_tech
    T: NDArray[np.float64]  # technologies / sqrt(count)
    TC: NDArray[np.float64]  # T @ C
    B: NDArray[np.float64]  # firm × non-firm incidence, dense (few non-firm nodes)
    Bw: NDArray[np.float64]  # B * bw
    A: sp.csr_matrix
    AdF: sp.csr_matrix  # A with columns scaled by 1/deg
    logdeg: NDArray[np.float64]
    capacity: NDArray[np.float64]  # log expected degree from size and digital level


def pair_factors(
    *,
    X: NDArray[np.floating],
    unit: NDArray[np.integer],
    L_geo: NDArray[np.floating],
    S: NDArray[np.floating],
    L_tech: NDArray[np.floating],
    T: NDArray[np.floating],
    C: NDArray[np.floating],
    B: sp.spmatrix,
    bw: NDArray[np.floating],
    A: sp.spmatrix,
    dF: NDArray[np.floating],
    logdeg: NDArray[np.floating],
    capacity: NDArray[np.floating],
) -> PairFactors:
    """Gather the factors once per model (or per training graph)."""
    S64 = np.asarray(S, np.float64)
    T64 = np.asarray(T, np.float64)
    Bd = np.asarray(B.toarray() if sp.issparse(B) else B, np.float64)
    A = sp.csr_matrix(A, dtype=np.float64)
    return PairFactors(
        X=np.asarray(X, np.float64), unit=np.asarray(unit, np.intp),
        L_geo=np.asarray(L_geo, np.float64), S=S64, SL=S64 @ np.asarray(L_tech, np.float64),
        T=T64, TC=T64 @ np.asarray(C, np.float64), B=Bd, Bw=Bd * np.asarray(bw, np.float64),
        A=A, AdF=sp.csr_matrix(A.multiply(np.asarray(dF, np.float64)[None, :])),
        logdeg=np.asarray(logdeg, np.float64), capacity=np.asarray(capacity, np.float64),
    )


def augmented_factors(
    f: PairFactors, weights: NDArray[np.floating], dtype: type = np.float32
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Query and key factors whose product is the blend of every component but ``partners``.

    Returns
    -------
    Q, K : ndarray of shape (n, d + units + 14 + 14 + m + 4), C-contiguous, ``dtype``
    """
    w = dict(zip(COMPONENTS, (float(x) for x in weights)))
    n = f.X.shape[0]
    onehot = np.zeros((n, f.L_geo.shape[0]))
    onehot[np.arange(n), f.unit] = 1.0
    ones = np.ones((n, 1))
    ld = f.logdeg[:, None]
    cap = f.capacity[:, None]
    Q = np.hstack([w["similarity"] * f.X, w["geography"] * f.L_geo[f.unit],
                   w["technology"] * f.SL, w["complementarity"] * f.TC, w["affiliation"] * f.Bw,
                   w["popularity"] * ones, w["popularity"] * ld,
                   w["capacity"] * ones, w["capacity"] * cap]).astype(dtype, order="C")
    K = np.hstack([f.X, onehot, f.S, f.T, f.B, ld, ones, cap, ones]).astype(dtype, order="C")
    return Q, K


#: Head-count band edges of :func:`capacity` (lower bounds, employees).
CAPACITY_BANDS: tuple[int, ...] = (0, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300,
                                   500, 700, 1000)


def capacity(employees: NDArray[np.integer], digital_level: NDArray[np.integer],
             degree: NDArray[np.floating], *, alpha: float = 1e-3) -> NDArray[np.float64]:
    """Each firm's expected number of partners given its size and digital maturity, log scale.

    A Poisson regression (:class:`sklearn.linear_model.PoissonRegressor`, ridge ``alpha``) of
    the observed ``degree`` on one-hot head-count bands (:data:`CAPACITY_BANDS`) and digital
    levels, ``log μ = b_band + b_digital``, fitted on the grouped counts (a firm's fitted value
    depends only on its group, so the fit costs the same at any population size). Returns the
    linear predictor minus its mean over the firms: bigger, more digital firms take on more
    partners, and a firm with no partners yet still gets the capacity of its peers.

    Examples
    --------
    >>> emp = np.array([3, 4, 5, 150, 160, 170])
    >>> c = capacity(emp, np.zeros(6, int), np.array([0.0, 1, 0, 6, 5, 7]))
    >>> bool(c[3] > c[0]), round(float(c.mean()), 12)
    (True, 0.0)
    """
    from sklearn.linear_model import PoissonRegressor

    emp = np.asarray(employees)
    dig = np.asarray(digital_level).astype(np.int64)
    deg = np.asarray(degree, np.float64)
    if emp.size == 0:
        return np.zeros(0)
    band = np.searchsorted(np.asarray(CAPACITY_BANDS), emp, side="right") - 1
    n_dig = int(dig.max()) + 1
    group = band * n_dig + np.clip(dig, 0, None)
    keys, inv = np.unique(group, return_inverse=True)
    inv = inv.ravel()
    count = np.bincount(inv).astype(np.float64)
    total = np.bincount(inv, weights=deg)
    if total.sum() <= 0:
        return np.zeros(emp.size)
    X = np.zeros((keys.size, len(CAPACITY_BANDS) + n_dig))
    X[np.arange(keys.size), keys // n_dig] = 1.0
    X[np.arange(keys.size), len(CAPACITY_BANDS) + keys % n_dig] = 1.0
    model = PoissonRegressor(alpha=alpha, solver="newton-cholesky", max_iter=100, tol=1e-10)
    model.fit(X, total / count, sample_weight=count)
    eta = X @ model.coef_
    out = eta[inv]
    return out - out.mean()


@frozen
class RowPlan:
    """The blend, minus ``partners``, regrouped for scoring one query against every firm.

    ``Q_i · K_j`` equals ``K[j] · q_i + B[j] · qb_i + cat_vals_i[cat[j]]`` where ``K`` holds
    the profiles and the candidate-side popularity and capacity (one combined column),
    ``B`` the sparse non-firm incidence, and ``cat`` each firm's (location, technology set)
    category: geography and the two technology terms depend on the pair only through the
    two categories, so they are a gather from a small table instead of 14 + 14 + units
    columns of a product.
    """

    K: NDArray[np.float32]  # (n, d + 1): profiles, then w_pop·logdeg + w_cap·capacity
    B: sp.csr_matrix  # (n, m) float32
    cat: NDArray[np.int32]  # (n,) unit · n_sets + technology set
    unit: NDArray[np.intp]
    tset: NDArray[np.intp]
    geo_pair: NDArray[np.float64]  # (units, units), weighted
    tech_pair: NDArray[np.float64]  # (n_sets, n_sets), weighted
    w_sim: float
    w_aff: float
    Bw: NDArray[np.float64]  # (n, m): the factors' weighted incidence, shared, not copied

    def query(self, i: int) -> tuple[NDArray[np.float32], NDArray[np.float32],
                                      NDArray[np.float32]]:
        """``q``, ``qb`` and ``cat_vals`` of query row ``i``."""
        q = np.empty(self.K.shape[1], np.float32)
        q[:-1] = self.w_sim * self.K[i, :-1]
        q[-1] = 1.0
        # the query's own popularity and capacity (its bias) add to every pair alike
        vals = (self.geo_pair[self.unit[i]][:, None] + self.tech_pair[self.tset[i]][None, :]
                + float(self.K[i, -1]))
        return q, (self.w_aff * self.Bw[i]).astype(np.float32), vals.astype(np.float32).ravel()


def row_scores(K: NDArray[np.float32], q: NDArray[np.float32], B: sp.csr_matrix,
               qb: NDArray[np.float32], cat: NDArray[np.int32], cat_vals: NDArray[np.float32],
               *, use_numba: bool | None = None) -> NDArray[np.float32]:
    """``K @ q + B @ qb + cat_vals[cat]`` for one query (a :class:`RowPlan` row), in one pass.

    ``K`` is dense (n, d) float32, ``B`` a CSR (n, m) float32 matrix and ``cat`` each
    candidate's category. Compiled (numba, the default when available), it runs on one
    thread: a single query row has too little work for a threaded BLAS, whose thread
    hand-offs dominate (and stall when the cores are busy).
    """
    if use_numba is None or use_numba:
        from rootmatch.engine import _kernels  # numba loads on first use

        use = _kernels.HAVE_NUMBA
    else:
        use = False
    if not use:
        return np.asarray(K @ q + B @ qb + cat_vals[cat], dtype=np.float32)
    out = np.empty(K.shape[0], np.float32)
    _kernels.row_kernel(K, np.ascontiguousarray(q, np.float32), B.indptr, B.indices, B.data,
                        np.ascontiguousarray(qb, np.float32), cat, cat_vals, out)
    return out


def row_plan(f: PairFactors, weights: NDArray[np.floating]) -> RowPlan:
    """Build the :class:`RowPlan` of the blend ``weights`` over factors ``f``."""
    w = dict(zip(COMPONENTS, (float(x) for x in weights)))
    keys = (f.S > 0) @ (np.int64(1) << np.arange(f.S.shape[1], dtype=np.int64))  # the set
    _, first, tset = np.unique(keys, return_index=True, return_inverse=True)
    tset = tset.ravel()
    S, T = f.S[first], f.T[first]
    tech_pair = w["technology"] * (f.SL[first] @ S.T) + w["complementarity"] * (f.TC[first] @ T.T)
    n_sets = first.size
    bias = w["popularity"] * f.logdeg + w["capacity"] * f.capacity
    K = np.hstack([f.X, bias[:, None]]).astype(np.float32, order="C")
    B = sp.csr_matrix(f.B, dtype=np.float32)
    B.sort_indices()
    return RowPlan(
        K=K, B=B, cat=(f.unit * n_sets + tset).astype(np.int32), unit=f.unit, tset=tset,
        geo_pair=w["geography"] * f.L_geo, tech_pair=tech_pair, w_sim=w["similarity"],
        w_aff=w["affiliation"], Bw=f.Bw,
    )


def ranges(counts: NDArray[np.intp]) -> NDArray[np.intp]:
    """``concatenate([arange(c) for c in counts])`` without a Python loop."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def partner_term_rows(
    A: sp.csr_matrix, dF: NDArray[np.floating], rows: NDArray[np.intp]
) -> sp.csr_matrix:
    """``(A[rows] · diag(dF)) · A``: resource allocation through partner firms, sparse."""
    left = A[rows].multiply(dF[None, :]).tocsr()
    return (left @ A).tocsr()


def pair_components(
    f: PairFactors, i: NDArray[np.intp], j: NDArray[np.intp], *, chunk: int = 65_536,
    partners: NDArray[np.floating] | None = None,
) -> NDArray[np.float64]:
    """The raw components of firm pairs ``(i[p], j[p])``, shape (len(i), 8), float64.

    ``partners``, when given, supplies the ``partners`` component (already computed by the
    caller) instead of the sparse products.
    """
    i = np.asarray(i, dtype=np.intp).ravel()
    j = np.asarray(j, dtype=np.intp).ravel()
    out = np.empty((i.size, len(COMPONENTS)))
    for lo in range(0, i.size, chunk):
        a, b = i[lo:lo + chunk], j[lo:lo + chunk]
        o = out[lo:lo + chunk]
        o[:, 0] = np.einsum("ij,ij->i", f.X[a], f.X[b])
        o[:, 1] = f.L_geo[f.unit[a], f.unit[b]]
        o[:, 2] = np.einsum("ij,ij->i", f.SL[a], f.S[b])
        o[:, 3] = np.einsum("ij,ij->i", f.TC[a], f.T[b])
        o[:, 4] = np.einsum("ij,ij->i", f.Bw[a], f.B[b])
        if partners is None:
            o[:, 5] = np.asarray(f.AdF[a].multiply(f.A[b]).sum(axis=1)).ravel()
        else:
            o[:, 5] = np.asarray(partners, np.float64)[lo:lo + chunk]
        o[:, 6] = f.logdeg[a] + f.logdeg[b]
        o[:, 7] = f.capacity[a] + f.capacity[b]
    return out
