"""compare(): records and tables, the hybrid against random, values equal to the metric
functions; the paired bootstrap."""

from __future__ import annotations

import json

import attrs
import numpy as np
import pytest

import rootmatch as rm
from rootmatch import evaluate as ev


def test_compare_records_and_tables(population) -> None:
    splits = [ev.warm_split(population, n_queries=40, seed=0),
              ev.cold_start_split(population, n_queries=40, seed=0),
              ev.program_split(population, n_queries=40, seed=0)]
    recs = {"hybrid": rm.Matchmaker(random_state=0), **ev.baselines(population.truth)}
    progs = {"hybrid": ev.HybridProgramRanker(rm.Matchmaker(random_state=0)),
             "popularity": ev.PopularProgramRanker()}
    res = ev.compare(recs, splits, program_recommenders=progs, truth=population.truth)
    rows = res.to_dicts()
    json.dumps(rows)  # JSON-able
    assert set(rows[0]) == {"method", "split", "relevance", "metric", "k", "value"}
    assert {r["split"] for r in rows} == {"warm", "cold", "program"}
    assert {r["metric"] for r in rows} == set(ev.METRICS)
    assert {r["relevance"] for r in rows} == {"observed", "oracle"}
    assert {r["k"] for r in rows if r["split"] == "program"} == {5}
    # every partner method has every metric under "observed", relevance metrics under "oracle"
    for name in recs:
        for split in ("warm", "cold"):
            for metric in ev.METRICS:
                res.value(name, split, metric)
            for metric in ev.METRICS[:6]:
                res.value(name, split, metric, relevance="oracle")
    # the oracle's top list is the oracle relevance: it scores 1 there
    for split in ("warm", "cold"):
        assert res.value("oracle", split, "ndcg", relevance="oracle") == pytest.approx(1.0)
        assert res.value("random", split, "ndcg", relevance="oracle") < 0.2
    with pytest.raises(KeyError, match="nope"):
        res.value("nope", "warm", "ndcg")
    md = res.to_markdown()
    assert md.count("###") == 5  # warm ×2, cold ×2, program ×1
    for name in recs:
        assert f"| {name} |" in md
    assert "ndcg@10" in md
    assert "ndcg@5" in md
    assert set(res.seconds) >= {("hybrid", "warm"), ("hybrid", "program")}


def test_hybrid_beats_random_on_held_out_links(population) -> None:
    s = ev.warm_split(population, n_queries=80, seed=1)
    res = ev.compare({"hybrid": rm.Matchmaker(random_state=0),
                      "random": ev.RandomRecommender(random_state=0)}, [s])
    hybrid, random = res.value("hybrid", "warm", "ndcg"), res.value("random", "warm", "ndcg")
    assert hybrid > max(2 * random, random + 0.01)


def test_compare_values_are_the_metric_functions(population) -> None:
    s = ev.warm_split(population, n_queries=60, seed=4)
    rec = ev.ContentRecommender()
    res = ev.compare({"content": rec}, [s], truth=population.truth)
    ids, _ = rec.recommend(s.queries, 10)  # fitted on the split by compare
    small = s.network.firms.is_small[s.network.firms.positions(s.queries)]
    for metric, fn in (("ndcg", ev.ndcg_at_k), ("recall", ev.recall_at_k),
                       ("precision", ev.precision_at_k), ("map", ev.map_at_k),
                       ("hit_rate", ev.hit_rate_at_k)):
        r = res.record("content", "warm", metric)
        assert r.value == pytest.approx(fn(ids, s.relevant, 10))
        per = fn(ids, s.relevant, 10, average=False)
        assert r.stderr == pytest.approx(per.std(ddof=1) / np.sqrt(per.size))
    assert res.value("content", "warm", "small_firm_coverage") == pytest.approx(
        ev.small_firm_coverage(ids, s.relevant, small, 10))
    assert res.value("content", "warm", "diversity") == pytest.approx(
        ev.diversity(ids, s.queries, s.network.firms))
    assert res.value("content", "warm", "coverage") == pytest.approx(
        ev.catalog_coverage(ids, s.network.firm_ids()))
    oracle_rel = ev.oracle_relevance(s, population.truth)
    assert res.value("content", "warm", "ndcg", relevance="oracle") == pytest.approx(
        ev.ndcg_at_k(ids, oracle_rel, 10))
    assert "±" in res.to_markdown(stderr=True)
    assert "±" not in res.to_markdown()


def test_bootstrap_interval_is_paired_and_seeded() -> None:
    rng = np.random.default_rng(0)
    base = rng.random(400)
    a = ev.Record(method="a", split="warm", relevance="observed", metric="ndcg", k=10,
                  value=0.0, per_query=base + 0.01)
    b = ev.Record(method="b", split="warm", relevance="observed", metric="ndcg", k=10,
                  value=0.0, per_query=base)
    # paired: a is b plus 0.01 on every query, so the difference is exactly 0.01
    low, high = ev.bootstrap_interval(a, b)
    assert low == pytest.approx(0.01)
    assert high == pytest.approx(0.01)
    lo_r, hi_r = ev.bootstrap_interval(a, b, ratio=True)
    assert lo_r < (base.mean() + 0.01) / base.mean() < hi_r
    assert ev.bootstrap_interval(a, b, random_state=3) == ev.bootstrap_interval(
        a, b, random_state=3)
    # unscored queries (NaN on either side) are left out
    nan_a = attrs.evolve(a, per_query=np.where(np.arange(400) < 10, np.nan, a.per_query))
    assert np.isfinite(ev.bootstrap_interval(nan_a, b)).all()
    with pytest.raises(rm.ValidationError):
        ev.bootstrap_interval(a, attrs.evolve(b, metric="recall"))
