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
from numpy.typing import NDArray

__all__ = [
    "COMPONENTS",
    "augmented_factors",
    "pair_components",
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


def pair_components(
    i: NDArray[np.intp],
    j: NDArray[np.intp],
    *,
    X: NDArray[np.floating],
    geo: NDArray[np.bool_],
    T: NDArray[np.floating],
    C: NDArray[np.floating],
    B: sp.csr_matrix,
    bw: NDArray[np.floating],
    A: sp.csr_matrix,
    dF: NDArray[np.floating],
    logdeg: NDArray[np.floating],
) -> NDArray[np.float64]:
    """The raw components for firm pairs ``(i[p], j[p])``, shape (len(i), 6), float64."""
    i = np.asarray(i, dtype=np.intp)
    j = np.asarray(j, dtype=np.intp)
    out = np.empty((i.size, len(COMPONENTS)))
    X64 = X.astype(np.float64, copy=False)
    prod = X64[i] * X64[j]
    out[:, 0] = prod[:, ~geo].sum(axis=1)
    out[:, 1] = prod[:, geo].sum(axis=1)
    T64 = T.astype(np.float64, copy=False)
    out[:, 2] = np.einsum("ij,ij->i", T64[i] @ C, T64[j])
    Bi = B[i].multiply(bw[None, :])
    out[:, 3] = np.asarray(Bi.multiply(B[j]).sum(axis=1)).ravel()
    Ai = A[i].multiply(dF[None, :])
    out[:, 4] = np.asarray(Ai.multiply(A[j]).sum(axis=1)).ravel()
    out[:, 5] = logdeg[i] + logdeg[j]
    return out
