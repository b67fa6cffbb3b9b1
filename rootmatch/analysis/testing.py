"""The behaviour suite every partner recommender must pass: ours, the baselines, a user's.

:func:`check_matcher` fits a recommender on a network and checks the
:class:`rootmatch.evaluate.Recommender` contract: ``fit`` returns the recommender; ``recommend``
returns two ``(n, k)`` arrays; never the firm itself nor an existing partner; known ids, no
duplicate in a row, padding only at the end; finite scores sorted descending with ties by
id; ``k`` honoured (also ``k = 0`` and ``k`` beyond the number of candidates; a shorter
list is the head of a longer one; some firm gets a recommendation); the same
answer twice, whatever the batch, and after a refit of a clone with the same seed; and an
unknown id raises a ``KeyError`` that names it. :func:`matcher_checks` yields the same checks
one by one (for ``pytest.mark.parametrize``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rootmatch.base._checks import SeedLike, check_rng

__all__ = ["MatcherCheckError", "check_matcher", "matcher_checks"]

UNKNOWN_ID = "__rootmatch_unknown_firm__"


class MatcherCheckError(AssertionError):
    """A recommender broke the contract; the message names the check and the firm."""


def _fail(check: str, message: str) -> MatcherCheckError:
    return MatcherCheckError(f"check_matcher [{check}]: {message}")


def _clone(recommender: Any) -> Any:
    if hasattr(recommender, "get_params") and hasattr(recommender, "set_params"):
        from sklearn.base import clone

        out = clone(recommender)
        if out.get_params().get("random_state", 0) is None:
            out.set_params(random_state=0)
        return out
    return copy.deepcopy(recommender)


class _Context:
    """A fitted recommender, the network and the query sample the checks share."""

    def __init__(self, recommender: Any, network: Any, k: int, n_queries: int,
                 seed: SeedLike) -> None:
        self.recommender = recommender
        self.network = network
        self.k = k
        rng = check_rng(seed)
        ids = np.asarray(network.firm_ids()).astype(np.str_)
        if ids.size == 0:
            raise _fail("network", "the network has no firms")
        self.all_ids = ids
        partners = network.collaboration_matrix()
        self.partners = partners.tocsr() if hasattr(partners, "tocsr") else partners
        deg = np.diff(self.partners.indptr)
        # always some firms with partners (to test exclusion) and some small firms
        with_partners = ids[deg > 0]
        picks = [rng.choice(with_partners, size=min(3, with_partners.size), replace=False)] \
            if with_partners.size else []
        picks.append(rng.choice(ids, size=min(n_queries, ids.size), replace=False))
        small = np.asarray(network.small_firms()).astype(np.str_)
        if small.size:
            picks.append(small[:1])
        self.queries = np.unique(np.concatenate(picks))
        self._fitted: Any = None
        self.out: tuple[NDArray[np.str_], NDArray[Any]] | None = None

    def fitted(self) -> Any:
        if self._fitted is None:
            got = self.recommender.fit(self.network)
            if got is not self.recommender:
                raise _fail("fit_returns_self", f"fit returned {type(got).__name__}, not the "
                            "recommender itself")
            self._fitted = got
        return self._fitted

    def recommend(self, firm_ids: Any, k: int, *, rec: Any = None
                  ) -> tuple[NDArray[np.str_], NDArray[Any]]:
        rec = self.fitted() if rec is None else rec
        got = rec.recommend(firm_ids, k)
        if not (isinstance(got, tuple) and len(got) == 2):
            raise _fail("output", f"recommend must return (ids, scores), got {type(got).__name__}")
        ids, scores = np.asarray(got[0]), np.asarray(got[1])
        n = len(firm_ids)
        for name, arr in (("ids", ids), ("scores", scores)):
            if arr.shape != (n, k):
                raise _fail("k_honoured", f"{name} has shape {arr.shape}, expected ({n}, {k}) "
                            f"for {n} firms and k={k}")
        if ids.size and ids.dtype.kind not in "UO":
            raise _fail("output", f"ids must be strings, got dtype {ids.dtype}")
        if scores.size and scores.dtype.kind != "f":
            raise _fail("output", f"scores must be floats, got dtype {scores.dtype}")
        return ids.astype(np.str_) if ids.size else ids.astype("<U1"), scores

    def main(self) -> tuple[NDArray[np.str_], NDArray[Any]]:
        if self.out is None:
            self.out = self.recommend(self.queries, self.k)
        return self.out


def _check_fit_returns_self(ctx: _Context) -> None:
    ctx.fitted()


def _check_k_honoured(ctx: _Context) -> None:
    q = ctx.queries[:3]
    for k in sorted({0, 1, ctx.k}):
        ctx.recommend(q, k)
    ctx.recommend(q[:0], ctx.k)
    ids, _ = ctx.main()
    deg = np.diff(ctx.partners.indptr)[ctx.network.firms.positions(ctx.queries)]
    open_firms = deg < ctx.all_ids.size - 1  # someone left to recommend to them
    if ctx.k > 0 and open_firms.any() and not (ids[open_firms] != "").any():
        raise _fail("k_honoured", f"no firm of {len(ctx.queries)} queried got any "
                    "recommendation")
    n = ctx.all_ids.size
    if n <= 5000:  # k beyond the number of candidates: everything, then padding
        big = n + 2
        ids, scores = ctx.recommend(q[:2], big)
        filled = ids != ""
        if filled.sum(axis=1).max(initial=0) > n - 1:
            raise _fail("k_honoured", "a row has more entries than there are other firms")
        if np.any(np.isfinite(scores[~filled])):
            raise _fail("k_honoured", "a padded slot has a finite score (expected -inf)")


def _check_never_self(ctx: _Context) -> None:
    ids, _ = ctx.main()
    hit = ids == ctx.queries[:, None]
    if hit.any():
        r = int(np.argwhere(hit)[0, 0])
        raise _fail("never_self", f"firm {str(ctx.queries[r])!r} is recommended to itself")


def _check_never_existing(ctx: _Context) -> None:
    ids, _ = ctx.main()
    table = ctx.network.firms
    rows = table.positions(ctx.queries)
    for r, i in enumerate(rows):
        have = ctx.all_ids[ctx.partners.indices[ctx.partners.indptr[i]:ctx.partners.indptr[i + 1]]]
        bad = np.intersect1d(ids[r][ids[r] != ""], have)
        if bad.size:
            raise _fail("never_existing_partner", f"firm {str(ctx.queries[r])!r} is "
                        f"recommended its existing partner {str(bad[0])!r}")


def _check_known_unique(ctx: _Context) -> None:
    ids, _ = ctx.main()
    shown = ids[ids != ""]
    unknown = ~np.isin(shown, ctx.all_ids)
    if unknown.any():
        raise _fail("known_ids", f"recommended id {str(shown[unknown][0])!r} is not a firm of the "
                    "network")
    srt = np.sort(ids, axis=1)
    dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] != "")
    if dup.any():
        r, c = np.argwhere(dup)[0]
        raise _fail("no_duplicates", f"firm {str(ctx.queries[r])!r} is recommended "
                    f"{str(srt[r, c + 1])!r} twice")


def _check_sorted(ctx: _Context) -> None:
    ids, scores = ctx.main()
    filled = ids != ""
    if np.any(filled[:, 1:] & ~filled[:, :-1]):
        r = int(np.argwhere(filled[:, 1:] & ~filled[:, :-1])[0, 0])
        raise _fail("padding_at_end",
                    f"row of firm {str(ctx.queries[r])!r} has a gap before an entry")
    if not np.all(np.isfinite(scores[filled])):
        r = int(np.argwhere(filled & ~np.isfinite(scores))[0, 0])
        raise _fail("finite_scores", f"firm {str(ctx.queries[r])!r} has a non-finite score")
    if np.any(scores[~filled] != -np.inf):
        raise _fail("finite_scores", "padded slots must score -inf")
    both = filled[:, 1:] & filled[:, :-1]
    up = both & (scores[:, 1:] > scores[:, :-1])
    if up.any():
        r, c = np.argwhere(up)[0]
        raise _fail("sorted_scores", f"firm {str(ctx.queries[r])!r}: score at rank {c + 2} "
                    f"({str(scores[r, c + 1])!r}) exceeds rank {c + 1} ({str(scores[r, c])!r})")
    tie = both & (scores[:, 1:] == scores[:, :-1]) & (ids[:, 1:] < ids[:, :-1])
    if tie.any():
        r, c = np.argwhere(tie)[0]
        raise _fail("ties_by_id", f"firm {str(ctx.queries[r])!r}: tied {str(ids[r, c])!r} and "
                    f"{str(ids[r, c + 1])!r} are not in id order")


def _same_rows(check: str, a: tuple[NDArray[Any], NDArray[Any]],
               b: tuple[NDArray[Any], NDArray[Any]], queries: NDArray[np.str_], *,
               exact: bool) -> None:
    for r in range(len(queries)):
        if np.array_equal(a[0][r], b[0][r]) and np.array_equal(a[1][r], b[1][r]):
            continue
        # another batch may round a float product differently in the last bit: only
        # near-ties may then change places
        if not exact and np.allclose(a[1][r], b[1][r], rtol=1e-5, atol=1e-7):
            continue
        raise _fail(check, f"firm {str(queries[r])!r} gets {a[0][r].tolist()} and then "
                    f"{b[0][r].tolist()}")


def _check_deterministic(ctx: _Context) -> None:
    first = ctx.main()
    again = ctx.recommend(ctx.queries, ctx.k)
    _same_rows("deterministic", first, again, ctx.queries, exact=True)
    rev = ctx.recommend(ctx.queries[::-1], ctx.k)
    _same_rows("batch_independent", first, (rev[0][::-1], rev[1][::-1]), ctx.queries,
               exact=False)
    one = ctx.recommend(ctx.queries[:1], ctx.k)
    _same_rows("batch_independent", (first[0][:1], first[1][:1]), one, ctx.queries[:1],
               exact=False)


def _check_k_prefix(ctx: _Context) -> None:
    """A shorter list is the head of the longer one: the ranking does not depend on k."""
    ids, scores = ctx.main()
    for k in sorted({x for x in (1, ctx.k - 1) if 1 <= x < ctx.k}):
        head = ctx.recommend(ctx.queries, k)
        _same_rows("k_prefix", (ids[:, :k], scores[:, :k]), head, ctx.queries, exact=False)


def _check_refit(ctx: _Context) -> None:
    a, b = _clone(ctx.recommender), _clone(ctx.recommender)
    a.fit(ctx.network)
    b.fit(ctx.network)
    out_a = ctx.recommend(ctx.queries, ctx.k, rec=a)
    out_b = ctx.recommend(ctx.queries, ctx.k, rec=b)
    _same_rows("refit_deterministic", out_a, out_b, ctx.queries, exact=True)


def _expect_key_error(rec: Any, firm_ids: list[str], k: int) -> None:
    try:
        rec.recommend(firm_ids, k)
    except KeyError as err:
        if UNKNOWN_ID not in str(err):
            raise _fail("unknown_ids", f"the KeyError does not name the unknown id: "
                        f"{err!s}") from err
        return
    except Exception as err:
        raise _fail("unknown_ids", f"an unknown id raised {type(err).__name__}, expected "
                    "a KeyError subclass") from err
    raise _fail("unknown_ids", f"recommend({firm_ids!r}) did not raise")


def _check_unknown(ctx: _Context) -> None:
    rec = ctx.fitted()
    _expect_key_error(rec, [UNKNOWN_ID], ctx.k)
    _expect_key_error(rec, [str(ctx.queries[0]), UNKNOWN_ID], ctx.k)


_CHECKS: tuple[tuple[str, Callable[[_Context], None]], ...] = (
    ("fit_returns_self", _check_fit_returns_self),
    ("k_honoured", _check_k_honoured),
    ("never_self", _check_never_self),
    ("never_existing_partner", _check_never_existing),
    ("known_unique_ids", _check_known_unique),
    ("finite_sorted_scores", _check_sorted),
    ("deterministic", _check_deterministic),
    ("refit_deterministic", _check_refit),
    ("k_prefix", _check_k_prefix),
    ("unknown_ids_raise", _check_unknown),
)


def matcher_checks(
    recommender: Any, network: Any, *, k: int = 5, n_queries: int = 20, seed: SeedLike = 0
) -> Iterator[tuple[str, Callable[[], None]]]:
    """The checks of :func:`check_matcher` as ``(name, check)`` pairs; ``check()`` raises
    :class:`MatcherCheckError` on failure. The recommender is fitted once, by the first check
    that needs it.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> [name for name, _ in matcher_checks(rm.evaluate.PopularityRecommender(), net)][:3]
    ['fit_returns_self', 'k_honoured', 'never_self']
    """
    ctx = _Context(recommender, network, k, n_queries, seed)
    for name, fn in _CHECKS:
        yield name, (lambda fn=fn: fn(ctx))


def check_matcher(
    recommender: Any, network: Any, *, k: int = 5, n_queries: int = 20, seed: SeedLike = 0
) -> None:
    """Check that ``recommender`` keeps the :class:`rootmatch.evaluate.Recommender` contract.

    Parameters
    ----------
    recommender : Recommender
        Unfitted or fitted; it is fitted on ``network`` (in place). Clones of it (scikit-learn
        ``clone``, or a deep copy) are fitted twice to check that a refit with the same seed
        gives the same answer (a ``random_state=None`` becomes 0 in the clones).
    network : SupportNetwork
    k : int, default=5
    n_queries : int, default=20
        Query firms sampled (with ``seed``), plus a few with partners and a small firm.
    seed : int, default=0

    Raises
    ------
    MatcherCheckError
        An ``AssertionError`` naming the check that failed and the offending firm.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> check_matcher(rm.Matchmaker(random_state=0), net)
    >>> check_matcher(rm.evaluate.RandomRecommender(random_state=0), net)
    """
    for _, check in matcher_checks(recommender, network, k=k, n_queries=n_queries, seed=seed):
        check()
