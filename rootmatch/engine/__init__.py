"""The engine: profiles, the exact top-k kernel, scoring and the per-kind models of Matchmaker."""

from rootmatch.engine._scoring import COMPONENTS, tech_vectors
from rootmatch.engine._topk import empty_topk, merge_topk, sample_thresholds, topk_rows, topk_update
from rootmatch.engine.features import BLOCKS, FirmVectorizer
from rootmatch.engine.index import SimilarityIndex
from rootmatch.engine.matchmaker import DEFAULT_WEIGHTS, Matchmaker
from rootmatch.engine.recommendation import Recommendation

__all__ = [
    "BLOCKS",
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "FirmVectorizer",
    "Matchmaker",
    "Recommendation",
    "SimilarityIndex",
    "empty_topk",
    "merge_topk",
    "sample_thresholds",
    "tech_vectors",
    "topk_rows",
    "topk_update",
]
