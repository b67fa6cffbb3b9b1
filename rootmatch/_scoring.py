"""The hybrid score's building blocks, as pure functions of arrays.

A firm pair's raw components are

- ``similarity``       ``x_i · x_j`` over the profile blocks (technologies, needs, topics,
  materials, numeric) of the L2-normalised profile vectors;
- ``geography``        ``x_i · x_j`` over the geography block (district, industrial complex);
  the two add up to the cosine of the profiles, split so the blend can weigh them apart;
- ``complementarity``  ``t_iᵀ C t_j`` — value-chain strength between the technology vectors
  ``t = multi-hot / sqrt(#technologies)`` and the symmetric matrix ``C`` of
  :func:`rootmatch.taxonomy.complementarity_matrix`;
- ``affiliation``      ``Σ_z B_iz B_jz / deg(z)`` — resource allocation through the non-firm
  nodes (cooperatives, institutes, programs, the hub): ``B`` is the firm × non-firm incidence;
- ``partners``         ``Σ_f A_if A_fj / deg(f)`` — resource allocation through common partner
  firms (``A`` the firm–firm collaboration matrix);
- ``popularity``       ``log(1 + d_i) + log(1 + d_j)`` with ``d`` the number of partners:
  active collaborators take on more partners.

``affiliation + partners`` is exactly networkx's ``resource_allocation_index`` of the pair on
the whole network. The ranking score is the linear blend ``Σ_k w_k · component_k``; every
term but ``partners`` is one matrix product of augmented vectors (:func:`augmented_factors`),
``partners`` a sparse correction.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from attrs import frozen
from numpy.typing import NDArray

__all__ = [
    "COMPONENTS",
    "PairFactors",
    "augmented_factors",
    "pair_components",
    "pair_factors",
    "partner_term_rows",
    "tech_vectors",
]

#: The firm–firm components, in the order of ``Matchmaker.weights_`` vectors.
COMPONENTS: tuple[str, ...] = (
    "similarity", "geography", "complementarity", "affiliation", "partners", "popularity",
)
#: Index of the sparse ``partners`` component in :data:`COMPONENTS`.
PARTNERS = COMPONENTS.index("partners")


def tech_vectors(tech: NDArray[np.bool_], dtype: type = np.float32) -> NDArray[np.floating]:
    """Multi-hot technologies scaled by ``1 / sqrt(#technologies)``."""
    t = tech.astype(dtype)
    counts = t.sum(axis=1, keepdims=True)
    return t / np.sqrt(np.maximum(counts, 1))


def augmented_factors(
    X: NDArray[np.floating],
    geo: NDArray[np.bool_],
    T: NDArray[np.floating],
    C: NDArray[np.floating],
    B: sp.spmatrix,
    bw: NDArray[np.floating],
    logdeg: NDArray[np.floating],
    weights: NDArray[np.floating],
    dtype: type = np.float32,
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Query and key factors whose product is the blend of every component but ``partners``.

    ``Q[i] · K[j] = w_sim x_i·x_j|profile + w_geo x_i·x_j|geo + w_comp t_iᵀ C t_j
    + w_aff Σ_z B_iz bw_z B_jz + w_pop (log(1 + d_i) + log(1 + d_j))``.

    ``geo`` marks the geography columns of ``X``.

    Returns
    -------
    Q, K : ndarray of shape (n, d + 14 + m + 2), C-contiguous, ``dtype``
    """
    w = dict(zip(COMPONENTS, (float(x) for x in weights)))
    col_w = np.where(geo, w["geography"], w["similarity"])
    Bd = np.asarray(B.toarray() if sp.issparse(B) else B, dtype=np.float64)
    ones = np.ones((X.shape[0], 1))
    ld = np.asarray(logdeg, np.float64)[:, None]
    Q = np.hstack([X * col_w, w["complementarity"] * (T @ C), w["affiliation"] * (Bd * bw),
                   w["popularity"] * ones, w["popularity"] * ld]).astype(dtype, order="C")
    K = np.hstack([X, T, Bd, ld, ones]).astype(dtype, order="C")
    return Q, K


def partner_term_rows(
    A: sp.csr_matrix, dF: NDArray[np.floating], rows: NDArray[np.intp]
) -> sp.csr_matrix:
    """``(A[rows] · diag(dF)) · A``: resource allocation through partner firms, sparse."""
    left = A[rows].multiply(dF[None, :]).tocsr()
    return (left @ A).tocsr()


@frozen
class PairFactors:
    """Dense float64 factors that score arbitrary firm pairs fast (:func:`pair_components`)."""

    Xp: NDArray[np.float64]  # profile columns of the normalised profiles
    Xg: NDArray[np.float64]  # geography columns
    TC: NDArray[np.float64]  # T @ C
    T: NDArray[np.float64]
    Bw: NDArray[np.float64]  # B * bw, dense (few non-firm nodes)
    B: NDArray[np.float64]
    AdF: sp.csr_matrix  # A * dF (columns scaled)
    A: sp.csr_matrix
    logdeg: NDArray[np.float64]


def pair_factors(
    *,
    X: NDArray[np.floating],
    geo: NDArray[np.bool_],
    T: NDArray[np.floating],
    C: NDArray[np.floating],
    B: sp.spmatrix,
    bw: NDArray[np.floating],
    A: sp.spmatrix,
    dF: NDArray[np.floating],
    logdeg: NDArray[np.floating],
) -> PairFactors:
    """Precompute the factors of :func:`pair_components` once per model (or training graph)."""
    X64 = np.asarray(X, np.float64)
    T64 = np.asarray(T, np.float64)
    Bd = np.asarray(B.toarray() if sp.issparse(B) else B, np.float64)
    A = sp.csr_matrix(A, dtype=np.float64)
    return PairFactors(
        Xp=np.ascontiguousarray(X64[:, ~geo]), Xg=np.ascontiguousarray(X64[:, geo]),
        TC=T64 @ np.asarray(C, np.float64), T=T64, Bw=Bd * np.asarray(bw, np.float64), B=Bd,
        AdF=sp.csr_matrix(A.multiply(np.asarray(dF, np.float64)[None, :])), A=A,
        logdeg=np.asarray(logdeg, np.float64),
    )


def pair_components(
    f: PairFactors, i: NDArray[np.intp], j: NDArray[np.intp], *, chunk: int = 65_536,
    partners: NDArray[np.floating] | None = None,
) -> NDArray[np.float64]:
    """The raw components of firm pairs ``(i[p], j[p])``, shape (len(i), 6), float64.

    ``partners``, when given, supplies the ``partners`` component (already computed by the
    caller) instead of the sparse products.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = np.array([[1.0, 0.0], [0.6, 0.8]])
    >>> f = pair_factors(X=X, geo=np.array([False, True]), T=np.eye(2, 14), C=np.zeros((14, 14)),
    ...                  B=sp.csr_matrix(np.ones((2, 1))), bw=np.array([0.5]),
    ...                  A=sp.csr_matrix((2, 2)), dF=np.zeros(2), logdeg=np.zeros(2))
    >>> pair_components(f, np.array([0]), np.array([1])).round(3).tolist()
    [[0.6, 0.0, 0.0, 0.5, 0.0, 0.0]]
    """
    i = np.asarray(i, dtype=np.intp).ravel()
    j = np.asarray(j, dtype=np.intp).ravel()
    out = np.empty((i.size, len(COMPONENTS)))
    for lo in range(0, i.size, chunk):
        a, b = i[lo:lo + chunk], j[lo:lo + chunk]
        o = out[lo:lo + chunk]
        o[:, 0] = np.einsum("ij,ij->i", f.Xp[a], f.Xp[b])
        o[:, 1] = np.einsum("ij,ij->i", f.Xg[a], f.Xg[b])
        o[:, 2] = np.einsum("ij,ij->i", f.TC[a], f.T[b])
        o[:, 3] = np.einsum("ij,ij->i", f.Bw[a], f.B[b])
        if partners is None:
            o[:, 4] = np.asarray(f.AdF[a].multiply(f.A[b]).sum(axis=1)).ravel()
        else:
            o[:, 4] = np.asarray(partners, np.float64)[lo:lo + chunk]
        o[:, 5] = f.logdeg[a] + f.logdeg[b]
    return out
