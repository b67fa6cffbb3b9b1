"""The support network and proximity scores on graphs."""

from rootmatch.graph.network import HUB, NODE_KINDS, RELATIONS, SupportNetwork, entity_of, node_id
from rootmatch.graph.proximity import (
    ProximityGraph,
    UnknownNodeError,
    adamic_adar,
    common_neighbors,
    personalized_pagerank,
    resource_allocation,
    to_adjacency,
)

__all__ = [
    "HUB",
    "NODE_KINDS",
    "RELATIONS",
    "ProximityGraph",
    "SupportNetwork",
    "UnknownNodeError",
    "adamic_adar",
    "common_neighbors",
    "entity_of",
    "node_id",
    "personalized_pagerank",
    "resource_allocation",
    "to_adjacency",
]
